"""NordDRG releases as the Nordic Casemix Centre distributes them: dBase tables, zipped or not.

A release folder (or zip) holds ``drglogic.dbf`` (rules), ``dg_0.dbf``/``dg_1.dbf``
(diagnosis properties), ``proc0.dbf``/``proc1.dbf`` (procedure properties; rows without a
variable type list codes that have none), ``kompkat.dbf``, ``komplex.dbf``, ``drgnames.dbf``,
``rtc.dbf``, the texts of property values (``mdc``, ``dgkat``, ``pdgomin``, ``dgomin``,
``tpomin``), the code lists ``ICD.DBF`` and ``csp.DBF``, and the certification test database
``testrule.dbf`` (read by `isf.certify`). File names are matched without regard to case.

The first record of most tables is a version stamp (a key field of ``#`` only, e.g. ``#####``
with ``NordDRG DRGL_2012_NOR Nor 12/03/13``); it is kept as the logic's description. Row
numbers in messages are dBase record numbers (the stamp is record 1).
"""

from __future__ import annotations

import struct
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from isf.definitions.archive import extract_members, open_zip
from isf.definitions.model import DefinitionError, Logic
from isf.definitions.readers import _tables_from_rows, logic_id_from_name
from isf.definitions.schema import DBF_PARTS, DBF_TABLES, DBF_TESTS

__all__ = [
    "DbfTable",
    "dbase_members",
    "is_dbase_release",
    "read_dbase_logic",
    "read_dbf",
    "release_files",
    "write_dbase_tables",
]


class DbfTable:
    """One dBase table's records as dicts, with the version stamp split off."""

    def __init__(self, file: str, name: str, records: list[dict[str, Any]], stamp: dict[str, Any] | None) -> None:
        self.file = file
        self.name = name
        self.records = records
        self.stamp = stamp

    @property
    def first_row(self) -> int:
        """dBase record number of the first data record."""
        return 2 if self.stamp is not None else 1


def _is_stamp(rec: dict[str, Any]) -> bool:
    return any(isinstance(v, str) and v.strip() and set(v.strip()) == {"#"} for v in rec.values())


def read_dbf(path: Path, *, file: str | None = None) -> DbfTable:
    """Read one dBase table with dbfread; any damage becomes a `DefinitionError` with the record."""
    import dbfread

    where = file or str(path)
    name = path.name
    try:
        table = dbfread.DBF(str(path), char_decode_errors="strict", load=False)
    except (dbfread.DBFNotFound, OSError, struct.error, ValueError, LookupError, IndexError) as e:
        raise DefinitionError(where, name, None, f"not a readable dBase table ({e})") from e
    records: list[dict[str, Any]] = []
    try:
        for rec in table:
            records.append(dict(rec))
    except (struct.error, ValueError, UnicodeDecodeError, LookupError, IndexError, OSError, TypeError) as e:
        raise DefinitionError(where, name, len(records) + 1, f"unreadable record ({type(e).__name__}: {e})") from e
    stamp = records.pop(0) if records and _is_stamp(records[0]) else None
    return DbfTable(where, name, records, stamp)


def _key(stem: str) -> str | None:
    s = stem.lower()
    if s in DBF_TABLES:
        return DBF_TABLES[s]
    for prefix, key in DBF_PARTS:
        if s.startswith(prefix) and s[len(prefix):].isdigit():
            return key
    return None


def dbase_members(names: list[str]) -> dict[str, str]:
    """Member or file name -> table key (``tests`` for the test database), others left out."""
    out: dict[str, str] = {}
    for n in names:
        p = Path(n)
        if p.suffix.lower() != ".dbf":
            continue
        if p.stem.lower() == DBF_TESTS:
            out[n] = "tests"
        elif (k := _key(p.stem)) is not None:
            out[n] = k
    return out


def is_dbase_release(path: str | Path) -> bool:
    """A folder or zip holding ``drglogic.dbf``."""
    p = Path(path)
    try:
        if p.is_dir():
            return any(f.name.lower() == "drglogic.dbf" for f in p.iterdir())
        if p.is_file() and p.suffix.lower() == ".zip":
            import zipfile

            with zipfile.ZipFile(p) as z:
                return any(Path(n).name.lower() == "drglogic.dbf" for n in z.namelist())
    except (OSError, ValueError, Exception):  # noqa: BLE001 - a damaged zip is "not a dBase release" here
        return False
    return False


@contextmanager
def release_files(path: str | Path) -> Iterator[tuple[str, dict[str, Path]]]:
    """(source label, table file -> local path) for a release folder or zip; a zip is inflated,
    within the archive limits, into a temporary folder removed afterwards."""
    p = Path(path)
    if p.is_dir():
        files = {f.name: f for f in sorted(p.iterdir()) if f.is_file()}
        yield str(p), {n: files[n] for n in dbase_members(list(files))}
        return
    if not p.exists():
        raise DefinitionError(str(p), None, None, "file not found")
    with open_zip(p) as z, tempfile.TemporaryDirectory(prefix="isf-dbf-") as tmp:
        wanted = dbase_members(z.namelist())
        bases = [Path(n).name.lower() for n in wanted]
        if len(set(bases)) != len(bases):
            raise DefinitionError(str(p), None, None, "the archive holds two tables with the same name")
        paths = extract_members(z, list(wanted), Path(tmp), str(p))
        yield str(p), {Path(n).name: paths[n] for n in wanted}


def read_dbase_logic(path: str | Path, *, logic_id: str | None = None) -> Logic:
    """Read an NCC dBase release (folder or zip) into a validated `Logic`."""
    p = Path(path)
    with release_files(p) as (source, files):
        tables: dict[str, list[Mapping[str, Any]]] = {}
        names: dict[str, str] = {}
        parts: dict[str, list[DbfTable]] = {}
        stamp = ""
        for name in sorted(files, key=str.lower):
            key = dbase_members([name])[name]
            if key == "tests":
                continue
            t = read_dbf(files[name], file=f"{source}!{name}" if not p.is_dir() else str(files[name]))
            if t.stamp is not None and len(_stamp_text(t.stamp)) > len(stamp):
                stamp = _stamp_text(t.stamp)
            parts.setdefault(key, []).append(t)
        if "rules" not in parts:
            raise DefinitionError(source, "drglogic.dbf", None, "table is missing")
        first_rows: dict[str, int] = {}
        for key, ts in parts.items():
            if len(ts) > 1 and key not in ("dg", "proc"):
                raise DefinitionError(source, ts[1].name, None, f"a second table for {key!r}")
            rows: list[Mapping[str, Any]] = [r for t in ts for r in t.records if not _no_property(key, r)]
            tables[key] = rows
            with_rows = [t for t in ts if any(not _no_property(key, r) for r in t.records)] or ts
            names[key] = ", ".join(t.name for t in with_rows)
            first_rows[key] = with_rows[0].first_row
        names.setdefault("rtc", "rtc.dbf")
        return _tables_from_rows(
            file=source,
            tables=tables,
            names={**_DEFAULT_NAMES, **names},
            first_row=first_rows,
            logic_id=logic_id or logic_id_from_name(p.name),
            description=stamp,
        )


_DEFAULT_NAMES = {"rules": "drglogic.dbf", "dg": "dg_1.dbf", "proc": "proc1.dbf", "complcat": "kompkat.dbf",
                  "complexcl": "komplex.dbf"}


def _no_property(key: str, rec: dict[str, Any]) -> bool:
    """A dg/proc row that lists a code without any property (proc0.dbf): not a feature row."""
    if key not in ("dg", "proc"):
        return False
    vt, vv = rec.get("VARTYPE"), rec.get("VARVAL")
    return not (str(vt or "").strip() or str(vv or "").strip())


def _stamp_text(stamp: dict[str, Any]) -> str:
    texts = [str(v).strip() for v in stamp.values() if isinstance(v, str) and str(v).strip().strip("#")]
    return max(texts, key=len) if texts else ""


# -- writing ----------------------------------------------------------------------------------
_RULE_FIELDS = ("ORD", "DRG", "RTC", "ICD", "MDC", "PDGPROP", "OR", "PROCPRO1", "DGCAT1", "AGELIM", "COMPL", "SEX",
                "DGPROP1", "DGPROP2", "DGPROP3", "DGPROP4", "SECPROC1", "DISCH", "DUR", "ID", "DRGTEXT")


def _dbase_tables(logic: Logic) -> dict[str, tuple[tuple[str, ...], list[tuple[str, ...]]]]:
    """File name -> (field names, rows) in NCC's layout (what `read_dbase_logic` reads back)."""
    rules = [
        (r.ord, r.drg, r.rtc, r.icd, r.mdc, r.pdgprop, r.or_proc, r.procpro, r.dgcat, r.agelim, r.compl, r.sex,
         *(list(r.dgprop) + ["", "", "", ""])[:4], r.secpro, r.disch, r.dur, r.id, r.drg_text)
        for r in logic.rules
    ]
    out: dict[str, tuple[tuple[str, ...], list[tuple[str, ...]]]] = {
        "drglogic.dbf": (_RULE_FIELDS, rules),
        "dg_1.dbf": (("CODE", "D_CODE", "VARTYPE", "VARVAL"), [(d.code, d.d_code, d.vartype, d.varval) for d in logic.dg]),
        "proc1.dbf": (("CODE", "VARTYPE", "VARVAL"), [(p.code, p.vartype, p.varval) for p in logic.proc]),
        "kompkat.dbf": (("COMPL", "TEXT", "INCLPROP"), [(c.compl, c.text, c.inclprop) for c in logic.complcat]),
        "komplex.dbf": (("COMPL", "CODE", "D_CODE"), [(e.compl, e.code, e.d_code) for e in logic.complexcl]),
        "drgnames.dbf": (("DRG", "MDC", "DRGNAME"), [(d.drg, d.mdc, d.name) for d in logic.drgnames]),
        "rtc.dbf": (("CODE", "TEXT"), list(logic.rtc_names)),
        "ICD.dbf": (("CODE", "CODE_W", "AST", "TEXT"), [(c.code, c.who, c.mark, c.text) for c in logic.dx_codes]),
        "csp.dbf": (("CODE", "NCSP", "TEXT"), [(c.code, c.who, c.text) for c in logic.proc_codes]),
    }
    for stem, (kind, col) in {"mdc": ("MDC", "DGCAT"), "dgkat": ("DGCAT", "DGCAT"), "pdgomin": ("PDGPRO", "PDGPROP"),
                              "dgomin": ("DGPROP", "DGPROP"), "tpomin": ("PROCPR", "PROCPROP")}.items():
        out[f"{stem}.dbf"] = ((col, "TEXT"), [(t.value, t.text) for t in logic.texts if t.kind == kind])
    return {k: v for k, v in out.items() if v[1] or k in ("drglogic.dbf", "dg_1.dbf", "proc1.dbf", "kompkat.dbf",
                                                           "komplex.dbf")}


def write_dbase_tables(logic: Logic, folder: str | Path, *, encoding: str = "cp1252") -> Path:
    """Write `logic` as NCC dBase III tables (read back by `read_dbase_logic`, same checksum).

    Character fields are as wide as their longest value (dBase allows 254); a value that does
    not fit or cannot be encoded fails as `DefinitionError` naming table and row. The format
    is written directly (header, field descriptors, fixed-width records): the `dbf` package
    needs 26 s for NOR2015, this 1 s, and dbfread reads both the same.
    """
    d = Path(folder)
    d.mkdir(parents=True, exist_ok=True)
    for fname, (fields, rows) in _dbase_tables(logic).items():
        target = d / fname
        encoded: list[list[bytes]] = []
        for n, r in enumerate(rows, 1):
            try:
                encoded.append([str(v).encode(encoding) for v in r])
            except UnicodeEncodeError as e:
                raise DefinitionError(str(target), fname, n, f"cannot be written as {encoding} dBase ({e})") from e
        widths = [max([1, *(len(r[i]) for r in encoded)]) for i in range(len(fields))]
        for i, w in enumerate(widths):
            if w > 254:
                row = next(n for n, r in enumerate(encoded, 1) if len(r[i]) == w)
                raise DefinitionError(str(target), fname, row, f"{fields[i]} is {w} bytes, dBase allows 254")
        target.write_bytes(_dbf_bytes(fields, widths, encoded))
    return d


_LANGUAGE_DRIVER = {"cp1252": 0x03, "cp437": 0x01, "cp850": 0x02, "cp865": 0x66}


def _dbf_bytes(fields: tuple[str, ...], widths: list[int], rows: list[list[bytes]], encoding: str = "cp1252") -> bytes:
    """A dBase III table of character fields."""
    header_len = 32 + 32 * len(fields) + 1
    record_len = 1 + sum(widths)
    out = bytearray(struct.pack("<BBBBIHH20x", 0x03, 125, 1, 1, len(rows), header_len, record_len))
    out[29] = _LANGUAGE_DRIVER.get(encoding, 0)
    for name, w in zip(fields, widths, strict=True):
        out += struct.pack("<11sc4xBB14x", name.encode("ascii"), b"C", w, 0)
    out += b"\r"
    for r in rows:
        out += b" " + b"".join(v.ljust(w) for v, w in zip(r, widths, strict=True))
    out += b"\x1a"
    return bytes(out)
