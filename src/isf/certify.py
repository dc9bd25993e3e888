"""Certification against an NCC test database (``testrule.dbf``): every case, expected DRG and rule.

The Nordic Casemix Centre certifies a NordDRG grouper when it reproduces every case of the
release's test database. A record has ``ID``, the expected ``DRG`` and rule (``ORD``), age in
days (``IKA``), ``SEX`` (M/F/1/2/blank), the discharge flags ``DEATH``, ``LAMA``, ``REM``
with ``DISCH`` (E/L/R/blank), the length of stay ``DUR``, nine diagnosis slots ``OIR1..9`` /
``SYY1..9`` and nine procedures ``TP1..9``. Records with ID ``_miss`` mark rules that have no
test case; they are counted, not grouped.

How the fields map (decided by the 2012 database, see docs/certification.md):

* ``SYY`` is the dagger (cause, Finnish *syy*) and ``OIR`` the asterisk (symptom, *oire*):
  read this way 20,622 of 21,048 cases match before any other fix, read the other way 20,426.
* Discharge mode: ``DEATH`` -> dead (E), ``REM`` -> transferred (R), otherwise home (H);
  ``LAMA`` (left against advice) is alive. ``DISCH`` agrees in every record (E with DEATH,
  R with REM, L with LAMA alone); a record where it does not is reported as an error row.

Grouping runs through the native batch path (`isf.batch.fast.group_table`), the one used for
real activity; the explanation of a mismatch is the single-case `explain`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from isf.definitions.model import DefinitionError, Logic
from isf.errors import IsfError, Status
from isf.grouping.case import Case, CaseError, make_case

__all__ = [
    "RESULT_COLUMNS",
    "Certification",
    "CertificationRow",
    "CertifyError",
    "TestCase",
    "certify",
    "default_tests",
    "read_test_cases",
    "write_results",
]

N_SLOTS = 9
MISS = "_miss"
RESULT_COLUMNS = ("id", "drg", "rule", "rtc", "expected_drg", "expected_rule", "match", "status", "error")


class CertifyError(IsfError, ValueError):
    """The test database cannot be used at all (missing, unreadable, wrong columns)."""


@dataclass(frozen=True, slots=True)
class TestCase:
    """One record of the test database; `case` is None when the record cannot be read."""

    __test__ = False  # not a pytest class

    id: str
    row: int  # record number in the file (1-based, the version stamp included)
    expected_drg: str
    expected_rule: str
    case: Case | None
    error: str = ""


@dataclass(frozen=True, slots=True)
class CertificationRow:
    id: str
    drg: str
    rule: str
    rtc: str
    expected_drg: str
    expected_rule: str
    match: bool
    status: str = "ok"
    error: str = ""


@dataclass(frozen=True)
class Certification:
    """Results in file order, plus the count of `_miss` markers skipped."""

    logic: str
    rows: tuple[CertificationRow, ...]
    markers: int = 0
    tests: Any = field(default=None, repr=False, compare=False)  # the TestCases, for explain

    @property
    def matched(self) -> int:
        return sum(r.match for r in self.rows)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def passed(self) -> bool:
        return self.matched == self.total and self.total > 0

    def mismatches_by_rule(self) -> dict[str, list[int]]:
        """Expected rule -> indexes of the rows that missed it (in file order)."""
        out: dict[str, list[int]] = {}
        for i, r in enumerate(self.rows):
            if not r.match:
                out.setdefault(r.expected_rule, []).append(i)
        return out


# -- reading ------------------------------------------------------------------------------------
def _s(v: Any) -> str:
    return "" if v is None else str(v).strip()


_TRUE = {"T", "Y", "J", "1", "TRUE"}
_FALSE = {"", "F", "N", "0", "FALSE", "?"}


def _flag(rec: dict[str, Any], name: str) -> bool:
    v = rec.get(name)
    if isinstance(v, bool) or v is None:
        return bool(v)
    s = str(v).strip().upper()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise CaseError(name, f"not a logical value: {s!r}")


def discharge_mode(rec: dict[str, Any]) -> str:
    """E (dead), R (transferred) or H from the flags; ``DISCH`` must agree (L = LAMA)."""
    death, rem, lama = _flag(rec, "DEATH"), _flag(rec, "REM"), _flag(rec, "LAMA")
    if death and rem:
        raise CaseError("DEATH", "both DEATH and REM are set")
    mode = "E" if death else "R" if rem else "H"
    disch = _s(rec.get("DISCH")).upper()
    expected = {"E": "E", "R": "R", "L": "H", "": None}
    if disch not in expected:
        raise CaseError("DISCH", f"unknown value {disch!r} (expected E, L, R or blank)")
    if disch and (expected[disch] != mode or (disch == "L" and not lama)):
        raise CaseError("DISCH", f"{disch!r} disagrees with DEATH/LAMA/REM")
    return mode


def test_case_from_record(rec: dict[str, Any], row: int) -> TestCase:
    """One database record as a `TestCase` (an unreadable one keeps its error)."""
    tid, drg, rule = _s(rec.get("ID")), _s(rec.get("DRG")), _s(rec.get("ORD"))
    try:
        slots: list[tuple[str, ...]] = []
        for i in range(1, N_SLOTS + 1):
            asterisk, dagger = _s(rec.get(f"OIR{i}")), _s(rec.get(f"SYY{i}"))
            slot = (dagger, asterisk) if dagger and asterisk else (dagger or asterisk,) if dagger or asterisk else ()
            if slot or i == 1:
                slots.append(slot)
        case = make_case(
            sex=_s(rec.get("SEX")),
            age_days=_int(rec, "IKA"),
            discharge=discharge_mode(rec),
            los=_int(rec, "DUR", default=0),
            diagnoses=slots,
            procedures=[p for p in (_s(rec.get(f"TP{i}")) for i in range(1, N_SLOTS + 1)) if p],
        )
        return TestCase(tid, row, drg, rule, case)
    except CaseError as e:
        return TestCase(tid, row, drg, rule, None, f"record {row}: {e}")


def _int(rec: dict[str, Any], name: str, default: int | None = None) -> int:
    v = rec.get(name)
    if v is None or (isinstance(v, str) and not v.strip()):
        if default is None:
            raise CaseError(name, "missing")
        return default
    if isinstance(v, bool) or (isinstance(v, float) and not v.is_integer()):
        raise CaseError(name, f"not a whole number: {v!r}")
    try:
        return int(v)
    except (TypeError, ValueError) as e:
        raise CaseError(name, f"not a whole number: {v!r}") from e


def _records_dbf(path: Path, label: str) -> tuple[list[tuple[int, dict[str, Any]]], int]:
    from isf.definitions.dbase import read_dbf

    t = read_dbf(path, file=label)
    return [(i + t.first_row, r) for i, r in enumerate(t.records)], t.first_row


def _records_csv(path: Path) -> list[tuple[int, dict[str, Any]]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise CertifyError(f"{path}: cannot read the test database ({e})") from e
    rows = list(csv.DictReader(io.StringIO(text)))
    return [(i + 2, {k.upper(): v for k, v in r.items() if k}) for i, r in enumerate(rows)]


def default_tests(release: str | Path) -> Path | None:
    """The test database inside a release (``testrule.dbf`` in a dBase folder or zip,
    ``testrule.csv`` in a CSV folder), or None."""
    p = Path(release)
    if p.is_dir():
        for f in sorted(p.iterdir()):
            if f.name.lower() in ("testrule.dbf", "testrule.csv"):
                return f
        return None
    if p.suffix.lower() == ".zip":
        import zipfile

        try:
            with zipfile.ZipFile(p) as z:
                return p if any(Path(n).name.lower() == "testrule.dbf" for n in z.namelist()) else None
        except (zipfile.BadZipFile, OSError):
            return None
    return None


def read_test_cases(path: str | Path) -> tuple[list[TestCase], int]:
    """Every test case of a test database (``testrule.dbf``, a CSV with the same columns, or a
    release zip holding ``testrule.dbf``), in file order; returns (cases, `_miss` markers)."""
    from isf.definitions.dbase import release_files

    p = Path(path)
    if not p.exists():
        raise CertifyError(f"{p}: test database not found")
    try:
        if p.suffix.lower() == ".zip":
            with release_files(p) as (source, files):
                name = next((n for n in files if n.lower() == "testrule.dbf"), None)
                if name is None:
                    raise CertifyError(f"{p}: no testrule.dbf in the archive")
                records, _ = _records_dbf(files[name], f"{source}!{name}")
        elif p.suffix.lower() == ".dbf":
            records, _ = _records_dbf(p, str(p))
        else:
            records = _records_csv(p)
    except DefinitionError as e:
        raise CertifyError(str(e)) from e
    if records and not {"ID", "DRG", "ORD", "IKA"} <= set(records[0][1]):
        raise CertifyError(f"{p}: not a NordDRG test database (needs ID, DRG, ORD, IKA, ... columns)")
    cases: list[TestCase] = []
    markers = 0
    for row, rec in records:
        if _s(rec.get("ID")) == MISS:
            markers += 1
            continue
        cases.append(test_case_from_record(rec, row))
    return cases, markers


# -- grouping -----------------------------------------------------------------------------------
def _table(cases: Iterable[Case]) -> Any:
    """The cases in the activity layout the batch path reads (docs/data-model.md), as Arrow."""
    import pyarrow as pa

    from isf.batch.fast import COLUMNS
    from isf.grouping.compiled import PAIR_SEP

    cols: dict[str, list[Any]] = {k: [] for k in COLUMNS}
    for c in cases:
        p = c.principal
        cols["kjonn"].append({"M": 1, "F": 2}.get(c.sex))
        cols["alder_dager"].append(c.age_days)
        cols["utskr_maate"].append(c.discharge)
        cols["liggetid"].append(c.los)
        cols["hdiag"].append(p[0] if p else None)
        cols["hdiag2"].append(p[1] if len(p) == 2 else None)
        cols["bdiag"].append([PAIR_SEP.join(s) for s in c.diagnoses[1:]])
        cols["prosedyrer"].append(list(c.procedures))
    types = {"kjonn": pa.int8(), "alder_dager": pa.int64(), "liggetid": pa.int64(), "bdiag": pa.list_(pa.string()),
             "prosedyrer": pa.list_(pa.string())}
    return pa.table({k: pa.array(v, types.get(k, pa.string())) for k, v in cols.items()})


def certify(logic: Logic, tests: list[TestCase], *, markers: int = 0) -> Certification:
    """Group every readable test case through the batch path and compare DRG and rule."""
    from isf.batch.fast import GroupingRun, group_table

    readable = [t for t in tests if t.case is not None]
    table = _table(t.case for t in readable if t.case is not None)
    res = group_table(GroupingRun.for_logic(logic, threads=2), table).to_pylist() if readable else []
    got = iter(res)
    rows: list[CertificationRow] = []
    for t in tests:
        if t.case is None:
            rows.append(CertificationRow(t.id, "", "", "", t.expected_drg, t.expected_rule, False, "invalid", t.error))
            continue
        r = next(got)
        drg, rule, rtc = r["drg"] or "", r["rule"] or "", r["rtc"] or ""
        # A case the grouper sends to the error group is still a grouping result to compare.
        ok = r["status"] in (Status.OK, Status.GROUPING_ERROR)
        rows.append(CertificationRow(t.id, drg, rule, rtc, t.expected_drg, t.expected_rule,
                                     ok and (drg, rule) == (t.expected_drg, t.expected_rule),
                                     r["status"], r["error"] or ""))
    return Certification(logic.id, tuple(rows), markers, tuple(tests))


def write_results(cert: Certification, path: str | Path) -> Path:
    """One row per test case in file order: id, drg, rule, rtc, expected_drg, expected_rule,
    match (true/false), status, error."""
    out = Path(path)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(RESULT_COLUMNS)
        for r in cert.rows:
            w.writerow((r.id, r.drg, r.rule, r.rtc, r.expected_drg, r.expected_rule, "true" if r.match else "false",
                        r.status, r.error))
    return out


def _plain(v: Any) -> str:
    if isinstance(v, bool):
        return "T" if v else "F"
    return "" if v is None else str(v).strip()


def export_tests(release: str | Path, folder: str | Path, *, fmt: str) -> Path | None:
    """Copy the test database of `release` (if it has one) into a converted release folder:
    ``testrule.csv`` for ``fmt='csv'``, ``testrule.dbf`` for ``fmt='dbase'``; every record,
    markers included, values as text (logical fields as T/F). Returns the file written."""
    from isf.definitions.dbase import _dbf_bytes, release_files

    src = default_tests(release)
    if src is None:
        return None
    if src.suffix.lower() == ".csv":
        recs = [r for _, r in _records_csv(src)]
    else:
        path_ctx = release_files(src) if src.suffix.lower() == ".zip" else None
        if path_ctx is not None:
            with path_ctx as (source, files):
                name = next(n for n in files if n.lower() == "testrule.dbf")
                recs = [r for _, r in _records_dbf(files[name], f"{source}!{name}")[0]]
        else:
            recs = [r for _, r in _records_dbf(src, str(src))[0]]
    if not recs:
        return None
    fields = tuple(recs[0])
    rows = [[_plain(r.get(f)) for f in fields] for r in recs]
    out = Path(folder)
    if fmt == "csv":
        target = out / "testrule.csv"
        with open(target, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(fields)
            w.writerows(rows)
        return target
    target = out / "testrule.dbf"
    enc = [[v.encode("cp1252") for v in r] for r in rows]
    widths = [max([1, *(len(r[i]) for r in enc)]) for i in range(len(fields))]
    target.write_bytes(_dbf_bytes(fields, widths, enc))
    return target
