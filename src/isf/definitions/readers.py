"""Read NordDRG definition tables as they are really distributed.

* Norwegian JSON (alone or in a zip): BOM, CRLF, trailing commas, a newline inside a key.
* NordDRG CSV export: one folder with ``drg_logic.csv``, ``dg_feat.csv``, ...

Both produce the same `Logic`; `write_csv_tables` converts any logic to the CSV layout.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from isf.definitions.archive import open_zip, read_member
from isf.definitions.model import (
    CodeEntry,
    ComplCat,
    ComplExcl,
    DefinitionError,
    DgRow,
    DrgName,
    Logic,
    ProcRow,
    PropertyText,
    Rule,
    build_logic,
)
from isf.definitions.schema import (
    CODE_COLUMNS,
    COMPLCAT_COLUMNS,
    COMPLEXCL_COLUMNS,
    CSV_FILES,
    CSV_HEADERS,
    DG_COLUMNS,
    DRGNAME_COLUMNS,
    JSON_TABLES,
    OPTIONAL_CSV,
    PROC_COLUMNS,
    REQUIRED_TABLES,
    RTC_COLUMNS,
    RULE_COLUMNS,
    RULE_REQUIRED,
    TEXT_COLUMNS,
    TEXT_KINDS,
    resolve_columns,
)

__all__ = ["logic_id_from_name", "read_csv_tables", "read_json_logic", "write_csv_tables"]

_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_ID_PATTERN = re.compile(r"([A-Z]{3})_?(\d{4})", re.IGNORECASE)
_COUNTRIES = ("NOR", "SWE", "FIN", "DEN", "DNK", "ISL", "EST", "LAT", "LVA", "CMB")
_TOKENS = re.compile(r"[A-Za-z]+|\d+")

Rows = list[Mapping[str, Any]]


def logic_id_from_name(name: str) -> str:
    """``DefinitionData_NOR_2015_Pr1cN.zip`` -> ``NOR2015``, ``NordDRG_2012_CCtest_Nor_dbf.zip``
    -> ``NOR2012`` (a Nordic country code and a year anywhere in the name); otherwise the first
    three letters and year found, or the stem upper-cased."""
    tokens = _TOKENS.findall(Path(name).stem)
    country = next((t.upper() for t in tokens if t.upper() in _COUNTRIES), "")
    year = next((t for t in tokens if len(t) == 4 and t.isdigit()), "")
    if country and year:
        return f"{country}{year}"
    m = _ID_PATTERN.search(name)
    if m:
        return f"{m.group(1).upper()}{m.group(2)}"
    return Path(name).stem.upper()


def _cell(row: Mapping[str, Any], col: str | None) -> str:
    if col is None:
        return ""
    v = row.get(col)
    if v is None:
        return ""
    return str(v).strip()


def _columns(
    file: str, table: str, rows: Rows, mapping: dict[str, tuple[str, ...]], required: Iterable[str]
) -> dict[str, str | None]:
    headers: list[str] = []
    for r in rows[:50]:
        for k in r:
            if k not in headers:
                headers.append(k)
    cols = resolve_columns(headers, mapping)
    for fld in required:
        if rows and cols.get(fld) is None:
            raise DefinitionError(
                file, table, None, f"missing column for {fld!r} (accepted: {mapping[fld]})"
            )
    return cols


def _rules(file: str, table: str, rows: Rows, first_row: int) -> list[Rule]:
    c = _columns(file, table, rows, RULE_COLUMNS, RULE_REQUIRED)
    out = []
    for i, r in enumerate(rows):
        out.append(
            Rule(
                ord=_cell(r, c["ord"]),
                id=_cell(r, c["id"]),
                drg=_cell(r, c["drg"]),
                drg_text=_cell(r, c["drg_text"]),
                rtc=_cell(r, c["rtc"]),
                icd=_cell(r, c["icd"]),
                mdc=_cell(r, c["mdc"]),
                dgcat=_cell(r, c["dgcat"]),
                pdgprop=_cell(r, c["pdgprop"]),
                compl=_cell(r, c["compl"]),
                or_proc=_cell(r, c["or_proc"]).upper(),
                procpro=_cell(r, c["procpro"]),
                secpro=_cell(r, c["secpro"]),
                dgprop=tuple(
                    v for v in (_cell(r, c[f"dgprop{k}"]) for k in range(1, 5)) if v
                ),
                agelim=_cell(r, c["agelim"]).replace(" ", ""),
                sex=_cell(r, c["sex"]).upper(),
                dur=_cell(r, c["dur"]).replace(" ", ""),
                disch=_cell(r, c["disch"]).upper(),
                row=i + first_row,
            )
        )
    return out


def _tables_from_rows(
    *,
    file: str,
    tables: dict[str, Rows],
    names: dict[str, str],
    first_row: int | dict[str, int],
    logic_id: str,
    description: str = "",
) -> Logic:
    for key in REQUIRED_TABLES:
        if key not in tables:
            raise DefinitionError(file, names.get(key, key), None, "table is missing")
        if not tables[key]:
            raise DefinitionError(file, names.get(key, key), None, "table has no rows (empty or header only)")

    def cols(key: str, mapping: dict[str, tuple[str, ...]], req: tuple[str, ...]) -> dict[str, str | None]:
        return _columns(file, names[key], tables[key], mapping, req)

    dgc = cols("dg", DG_COLUMNS, ("code", "vartype", "varval"))
    prc = cols("proc", PROC_COLUMNS, ("code", "vartype", "varval"))
    ccc = cols("complcat", COMPLCAT_COLUMNS, ("compl",))
    cec = cols("complexcl", COMPLEXCL_COLUMNS, ("compl", "code"))
    dg = [
        DgRow(_cell(r, dgc["code"]), _cell(r, dgc["d_code"]), _cell(r, dgc["vartype"]).upper(),
              _cell(r, dgc["varval"]))
        for r in tables["dg"]
    ]
    proc = [
        ProcRow(_cell(r, prc["code"]), _cell(r, prc["vartype"]).upper(), _cell(r, prc["varval"]))
        for r in tables["proc"]
    ]
    complcat = [
        ComplCat(_cell(r, ccc["compl"]), _cell(r, ccc["inclprop"]), _cell(r, ccc["text"]))
        for r in tables["complcat"]
    ]
    complexcl = [
        ComplExcl(_cell(r, cec["compl"]), _cell(r, cec["code"]), _cell(r, cec["d_code"]))
        for r in tables["complexcl"]
    ]
    drgnames: list[DrgName] = []
    if tables.get("drgnames"):
        dnc = cols("drgnames", DRGNAME_COLUMNS, ("drg",))
        drgnames = [
            DrgName(_cell(r, dnc["drg"]), _cell(r, dnc["name"]), _cell(r, dnc["mdc"]))
            for r in tables["drgnames"]
        ]
    rtc_names: list[tuple[str, str]] = []
    if tables.get("rtc"):
        rc = cols("rtc", RTC_COLUMNS, ("rtc",))
        rtc_names = [(_cell(r, rc["rtc"]), _cell(r, rc["text"])) for r in tables["rtc"]]
    code_lists: dict[str, list[CodeEntry]] = {}
    for key in ("dx_codes", "proc_codes"):
        if tables.get(key):
            cc = cols(key, CODE_COLUMNS, ("code",))
            code_lists[key] = [
                CodeEntry(_code(r, cc["code"]), _cell(r, cc["text"]), _code(r, cc["who"]), _cell(r, cc["mark"]))
                for r in tables[key]
            ]
            _no_empty_codes(file, names[key], code_lists[key], _first(first_row, key))
    texts: list[PropertyText] = []
    for kind in TEXT_KINDS:
        key = f"text_{kind}"
        if tables.get(key):
            tc = cols(key, TEXT_COLUMNS, ("value", "text"))
            texts += [PropertyText(kind, _cell(r, tc["value"]), _cell(r, tc["text"])) for r in tables[key]]
    return build_logic(
        id=logic_id,
        source=file,
        rules=_rules(file, names["rules"], tables["rules"], _first(first_row, "rules")),
        dg=dg,
        proc=proc,
        complcat=complcat,
        complexcl=complexcl,
        drgnames=drgnames,
        rtc_names=rtc_names,
        table_names={"rules": names["rules"], "dg": names["dg"], "proc": names["proc"]},
        row_offsets={"dg": _first(first_row, "dg"), "proc": _first(first_row, "proc")},
        description=description,
        dx_codes=code_lists.get("dx_codes"),
        proc_codes=code_lists.get("proc_codes"),
        texts=texts,
    )


def _first(first_row: int | dict[str, int], key: str) -> int:
    """Row number of a table's first data row (CSV: 2, after the header; dBase: after the stamp)."""
    return first_row.get(key, 1) if isinstance(first_row, dict) else first_row


def _code(row: Mapping[str, Any], col: str | None) -> str:
    """A code as grouped: the list's dotted form (``A00.0``) without the dot."""
    return _cell(row, col).replace(".", "")


def _no_empty_codes(file: str, table: str, codes: list[CodeEntry], first_row: int) -> None:
    for i, c in enumerate(codes):
        if not c.code:
            raise DefinitionError(file, table, i + first_row, "empty code")


def _parse_json_text(file: str, raw: bytes) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    text = _TRAILING_COMMA.sub(r"\1", text)
    try:
        data = json.loads(text, strict=False)
    except json.JSONDecodeError as e:
        raise DefinitionError(file, None, e.lineno, f"not valid JSON: {e.msg} (column {e.colno})") from e
    except RecursionError as e:
        raise DefinitionError(file, None, None, "not valid definition JSON: nested too deeply") from e
    if not isinstance(data, dict):
        raise DefinitionError(file, None, None, "top level is not an object of tables")
    return data


def read_json_logic(path: str | Path, *, logic_id: str | None = None) -> Logic:
    """Read the Norwegian JSON definitions, directly or from the zip it is shipped in."""
    p = Path(path)
    file = str(p)
    if not p.exists():
        raise DefinitionError(file, None, None, "file not found")
    if zipfile.is_zipfile(p) or p.suffix.lower() == ".zip":
        with open_zip(p) as z:
            members = [n for n in z.namelist() if n.lower().endswith(".json")]
            if len(members) != 1:
                raise DefinitionError(file, None, None, f"expected one JSON file in zip, found {members}")
            raw = read_member(z, members[0], file)
            file = f"{p}!{members[0]}"
    else:
        raw = p.read_bytes()
    data = _parse_json_text(file, raw)
    tables: dict[str, Rows] = {}
    for key, tname in JSON_TABLES.items():
        if tname in data:
            v = data[tname]
            if not isinstance(v, list):
                raise DefinitionError(file, tname, None, "table is not a list of objects")
            for i, r in enumerate(v):
                if not isinstance(r, dict) or any(isinstance(x, (dict, list)) for x in r.values()):
                    raise DefinitionError(file, tname, i + 1, "row is not an object of plain values")
            tables[key] = v
    return _tables_from_rows(
        file=file,
        tables=tables,
        names={**JSON_TABLES, "rtc": "rtc"},
        first_row=1,
        logic_id=logic_id or logic_id_from_name(p.name),
    )


def _read_csv(path: Path) -> Rows:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DefinitionError(str(path), path.name, None, f"not UTF-8 text ({e.reason} at byte {e.start})") from e
    sample = text[:4096]
    delim = ";" if sample.count(";") > sample.count(",") else ","
    return list(csv.DictReader(io.StringIO(text), delimiter=delim))


def read_csv_tables(folder: str | Path, *, logic_id: str | None = None) -> Logic:
    """Read a NordDRG CSV export folder (``drg_logic.csv``, ``dg_feat.csv``, ...)."""
    d = Path(folder)
    if not d.is_dir():
        raise DefinitionError(str(d), None, None, "not a folder of CSV tables")
    tables: dict[str, Rows] = {}
    for key, fname in CSV_FILES.items():
        f = d / fname
        if f.exists():
            tables[key] = _read_csv(f)
    description = ""
    about = d / "ABOUT.txt"
    if about.exists():
        description = about.read_text(encoding="utf-8").strip()
    # Row numbers in messages are file line numbers: the header is line 1.
    return _tables_from_rows(
        file=str(d),
        tables=tables,
        names={k: v for k, v in CSV_FILES.items()},
        first_row=2,
        logic_id=logic_id or logic_id_from_name(d.name),
        description=description,
    )


def write_csv_tables(logic: Logic, folder: str | Path) -> Path:
    """Write `logic` in the NordDRG CSV export layout (read back by `read_csv_tables`)."""
    d = Path(folder)
    d.mkdir(parents=True, exist_ok=True)
    ver = logic.id
    rows: dict[str, list[tuple[str, ...]]] = {
        "rules": [
            (
                r.ord, r.id, r.drg, r.drg_text, r.drg, r.rtc, r.icd, r.mdc, r.dgcat, r.pdgprop,
                r.compl, r.or_proc, r.procpro, r.secpro,
                *(list(r.dgprop) + ["", "", "", ""])[:4],
                r.agelim, r.sex, r.dur, r.disch, ver,
            )
            for r in logic.rules
        ],
        "dg": [
            (x.code, x.d_code, "", "", "", "", "", "", x.vartype, x.varval, "", "", "", ver)
            for x in logic.dg
        ],
        "proc": [
            (x.code, "", "", "", x.vartype, x.varval, x.varval if x.vartype == "OR" else "", "", "", "", ver)
            for x in logic.proc
        ],
        "complexcl": [(x.compl, x.code, x.d_code, ver) for x in logic.complexcl],
        "complcat": [(x.compl, x.text, x.inclprop, ver) for x in logic.complcat],
        "rtc": list(logic.rtc_names),
        "drgnames": [(x.drg, x.name, x.mdc, ver) for x in logic.drgnames],
        "dx_codes": [(x.code, x.text, x.who, x.mark) for x in logic.dx_codes],
        "proc_codes": [(x.code, x.text, x.who) for x in logic.proc_codes],
        **{f"text_{k}": [(t.value, t.text) for t in logic.texts if t.kind == k] for k in TEXT_KINDS},
    }
    for key, fname in CSV_FILES.items():
        if key in OPTIONAL_CSV and not rows[key]:
            (d / fname).unlink(missing_ok=True)
            continue
        with open(d / fname, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(CSV_HEADERS[key])
            w.writerows(rows[key])
    if logic.description:
        (d / "ABOUT.txt").write_text(logic.description + "\n", encoding="utf-8")
    return d
