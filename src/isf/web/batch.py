"""Group a small uploaded CSV in memory and give back CSV text (the web's batch path).

Every input row comes back with the grouping columns of docs/data-model.md (``drg``,
``rtc``, ``rule``, ``mdc``, ``status``, ``error``); a row that cannot be read gets
``status=bad_case`` and the reason, and is never dropped.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from isf.definitions import Logic
from isf.errors import IsfError
from isf.grouping import CaseError, group, make_case, parse_case_string

__all__ = ["BatchError", "MAX_BYTES", "MAX_ROWS", "group_csv"]

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 10_000
RESULT_COLUMNS = ("drg", "rtc", "rule", "mdc", "status", "error")
_ACTIVITY_MIN = ("kjonn", "alder_dager", "hdiag")


@dataclass(frozen=True, slots=True)
class BatchError(IsfError, ValueError):
    """The file as a whole cannot be grouped: an i18n key and its parameters."""

    key: str
    params: tuple[tuple[str, str], ...] = ()


def _split_list(raw: str) -> list[str]:
    return [p.strip() for p in raw.replace("|", ";").split(";") if p.strip()]


def _activity_case(row: dict[str, str], wide_dx: list[str], wide_proc: list[str]):  # type: ignore[no-untyped-def]
    slots: list[tuple[str, ...]] = []
    principal = (row.get("hdiag") or "").strip()
    asterisk = (row.get("hdiag2") or "").strip()
    slots.append((principal, asterisk) if asterisk else (principal,))
    secondary = _split_list(row.get("bdiag") or "") + [(row.get(c) or "").strip() for c in wide_dx]
    for s in secondary:
        if s:
            slots.append(tuple(x.strip() for x in s.split("&", 1)))
    procs = _split_list(row.get("prosedyrer") or "") + [(row.get(c) or "").strip() for c in wide_proc]
    if not principal:
        raise CaseError("hdiag", "missing principal diagnosis")
    return make_case(
        sex=(row.get("kjonn") or "").strip(),
        age_days=(row.get("alder_dager") or "").strip(),  # type: ignore[arg-type]
        discharge=(row.get("utskr_maate") or "H").strip(),
        los=(row.get("liggetid") or "0").strip(),  # type: ignore[arg-type]
        diagnoses=slots,
        procedures=[p for p in procs if p],
    )


def _rows(text: str) -> tuple[list[str], list[dict[str, str]]]:
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise BatchError("e_empty")
    header = lines[0].strip().strip('"').lower()
    if header == "case_string":  # one unquoted column: each line is a whole case string
        body = [ln.strip().strip('"') for ln in lines[1:] if ln.strip()]
        return ["case_string"], [{"case_string": b} for b in body]
    try:
        dialect = csv.Sniffer().sniff(lines[0], delimiters=",;\t")
        delim = dialect.delimiter
    except csv.Error:
        delim = ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delim)
    fields = [f.strip() for f in (reader.fieldnames or [])]
    reader.fieldnames = fields
    rows = [{k: (v if isinstance(v, str) else "") for k, v in r.items() if k is not None} for r in reader]
    return fields, rows


def group_csv(data: bytes, logic: Logic, *, max_rows: int = MAX_ROWS) -> str:
    """Group every row of the CSV ``data``; raises `BatchError` for a file-level problem."""
    if len(data) > MAX_BYTES:
        raise BatchError("e_too_big", (("mb", str(MAX_BYTES // (1024 * 1024))),))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise BatchError("e_encoding") from e
    fields, rows = _rows(text)
    lower = {f.lower(): f for f in fields}
    if "case_string" not in lower and not all(c in lower for c in _ACTIVITY_MIN):
        raise BatchError("e_columns")
    if not rows:
        raise BatchError("e_empty")
    if len(rows) > max_rows:
        raise BatchError("e_too_many", (("rows", str(max_rows)),))
    wide_dx = sorted((f for f in fields if f.lower().startswith("bdiag") and f.lower()[5:].isdigit()),
                     key=lambda f: int(f[5:]))
    wide_proc = sorted((f for f in fields if f.lower().startswith("prosedyre") and f.lower()[9:].isdigit()),
                       key=lambda f: int(f[9:]))
    keep = [f for f in fields if f.lower() not in RESULT_COLUMNS]  # old results are replaced
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*keep, *RESULT_COLUMNS])
    dx_cols = [w.lower() for w in wide_dx]
    proc_cols = [w.lower() for w in wide_proc]
    for row in rows:
        norm = {k.lower(): v for k, v in row.items()}
        try:
            if "case_string" in lower:
                case = parse_case_string(norm.get("case_string", ""))
            else:
                case = _activity_case(norm, dx_cols, proc_cols)
            r = group(logic, case)
            res = [r.drg, r.rtc, r.rule, r.mdc, "ok", ""]
        except CaseError as e:
            res = ["", "", "", "", "bad_case", str(e)]
        writer.writerow([*(row.get(f, "") for f in keep), *res])
    return out.getvalue()
