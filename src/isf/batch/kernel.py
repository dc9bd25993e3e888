"""The batch grouping kernel: a pure function over Arrow record batches.

`group_record_batch(logic, batch)` returns one result row per input row, in order, with
`drg, rtc, rule, mdc, status, error`. It never raises for a bad row: a malformed row gets
``status`` naming the problem and ``error`` saying what was wrong and where (row and column,
never the value). Because it is a plain function of (logic, batch) it can run inside polars
(`map_batches`), DuckDB (Arrow UDF/scan), a process pool or a distributed engine.

Rows in the activity layout or as NPK case strings are grouped all at once by the native
path (`isf.batch.fast`); the rows it cannot take exactly as the row API would (text needing
cleaning, bad values, other layouts) are read here one by one with `case_from_row`, which
validates them, and grouped with the compiled logic's single-case matcher (`group_rows`).
This module defines the row contract both follow: `case_from_row`, `problem`, `rtc_error`.

>>> case_from_row({"kjonn": 2, "alder_dager": 12000, "liggetid": 0, "hdiag": "A390", "hdiag2": "G01",
...                "bdiag": ["I109", "N18&E112"], "prosedyrer": []}).diagnoses
(('A390', 'G01'), ('I109',), ('N18', 'E112'))
>>> problem(RowError("liggetid", "missing"), case_string=False)
('invalid_los', 'liggetid', 'missing')
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pyarrow as pa

from isf.batch.fast import OK_RTC, RESULT_SCHEMA, GroupingRun, group_table, rtc_error
from isf.definitions.model import Logic
from isf.errors import IsfError, RowError, Status, row_error, safe_reason, status_for_field
from isf.grouping.case import (
    MAX_AGE_DAYS,
    MAX_STAY_DAYS,
    Case,
    CaseError,
    GroupResult,
    make_case,
    parse_case_string,
)
from isf.grouping.compiled import PAIR_SEP

__all__ = [
    "OK_RTC",
    "PAIR_SEP",
    "RESULT_SCHEMA",
    "case_from_row",
    "group_record_batch",
    "group_rows",
    "problem",
    "rtc_error",
    "whole_number",
]

_ERR = GroupResult(drg="", rtc="", rule="", mdc="")


def _slot(code: str) -> tuple[str, ...]:
    return tuple(code.split(PAIR_SEP, 1)) if PAIR_SEP in code else (code,)


def _str(v: Any) -> str:
    return "" if v is None else str(v).strip()


#: The activity column a grouper field comes from (messages name what the user's file calls it).
_COLUMN = {"sex": "kjonn", "age_days": "alder_dager", "los": "liggetid", "discharge": "utskr_maate",
           "diagnoses": "hdiag", "procedures": "prosedyrer"}
_WHOLE = re.compile(r"[+-]?[0-9]+")
def whole_number(value: Any, field: str, *, lo: int, hi: int) -> int:
    """`value` as an int in lo..hi, or `RowError` naming `field` (never the value)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RowError(field, "missing")
    if isinstance(value, bool):
        raise RowError(field, "not a whole number")
    if isinstance(value, int):
        x = value
    elif isinstance(value, float | Decimal):
        if _is_nan(value):
            raise RowError(field, "not a number (NaN)")
        whole = _as_whole(value)
        if whole is None:
            raise RowError(field, "not a whole number")
        x = whole
    elif isinstance(value, str) and value.strip().isascii() and _WHOLE.fullmatch(value.strip()):
        digits = value.strip().lstrip("+-").lstrip("0")
        if len(digits) > 18:  # far out of any range (and int() refuses over 4,300 digits)
            raise RowError(field, f"outside {lo}..{hi}")
        x = int(value.strip())
    else:
        raise RowError(field, "not a whole number (digits 0-9)")
    if not lo <= x <= hi:
        raise RowError(field, f"outside {lo}..{hi}")
    return x


def _is_nan(value: float | Decimal) -> bool:
    return value.is_nan() if isinstance(value, Decimal) else math.isnan(value)


def _as_whole(value: float | Decimal) -> int | None:
    """`value` as an int when it is a finite whole number, else None."""
    if _is_nan(value) or not (value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)):
        return None
    return int(value) if value == int(value) else None


def _codes(value: Any, field: str) -> list[str]:
    """A list column's codes: a list (or tuple) of text; nulls and empty codes are skipped."""
    if value is None:
        return []
    if isinstance(value, str):  # CSV form: codes joined with '|'
        return [c for c in value.split("|") if c.strip()]
    if not isinstance(value, list | tuple):
        raise RowError(field, "not a list of codes")
    out = []
    for code in value:
        if code is None or code == "":
            continue
        if not isinstance(code, str):
            raise RowError(field, "a code that is not text")
        out.append(code)
    return out


def case_from_row(row: dict[str, Any]) -> Case:
    """Build a `Case` from one activity row (docs/data-model.md).

    Raises `RowError` naming the column (``alder_dager``, ``liggetid``...) and why, or
    `CaseError` from the grouper's own checks; neither message quotes the value.
    """
    cs = row.get("case_string")
    if cs not in (None, ""):
        if not isinstance(cs, str):
            raise RowError("case_string", "not text")
        if not cs.isascii():
            raise RowError("case_string", "characters other than ASCII letters, digits and punctuation")
        return parse_case_string(cs)
    hdiag = _str(row.get("hdiag"))
    hdiag2 = _str(row.get("hdiag2"))
    if hdiag2 and not hdiag:
        raise RowError("hdiag", "missing while hdiag2 (the asterisk of the pair) is set")
    slots: list[tuple[str, ...]] = []
    # The principal slot stays first even when empty: a secondary never becomes the principal.
    slots.append((hdiag, hdiag2) if hdiag2 else _slot(hdiag) if hdiag else ())
    for code in _codes(row.get("bdiag"), "bdiag"):
        slots.append(_slot(code))
    age = whole_number(row.get("alder_dager"), "alder_dager", lo=0, hi=MAX_AGE_DAYS)
    los = whole_number(row.get("liggetid"), "liggetid", lo=0, hi=MAX_STAY_DAYS)
    sex = row.get("kjonn")
    if isinstance(sex, float | Decimal) and _as_whole(sex) is not None:
        sex = _as_whole(sex)
    return make_case(
        sex=_str(sex),
        age_days=age,
        discharge=_str(row.get("utskr_maate")) or "H",
        los=los,
        diagnoses=slots,
        procedures=_codes(row.get("prosedyrer"), "prosedyrer"),
    )


def problem(e: Exception, *, case_string: bool) -> tuple[str, str, str]:
    """(status, field, reason) for an exception from `case_from_row`, without any value."""
    if isinstance(e, RowError):
        return e.status.value, e.field, safe_reason(e.reason)
    if isinstance(e, CaseError):
        status = status_for_field(e.field)
        if case_string:
            return status.value, "case_string", f"{e.field}: {safe_reason(e.reason)}"
        return status.value, _COLUMN.get(e.field, e.field), safe_reason(e.reason)
    return Status.INVALID.value, "row", f"could not be grouped ({type(e).__name__})"


def _columns(batch: pa.RecordBatch) -> dict[str, list[Any]]:
    """The columns the grouper reads, as Python lists (wide code columns folded into lists)."""
    names = batch.schema.names
    wide_dx = sorted((n for n in names if n.startswith("bdiag") and n[5:].isascii() and n[5:].isdigit()),
                     key=lambda n: int(n[5:]))
    wide_px = sorted((n for n in names if n.startswith("prosedyre") and n[9:].isascii() and n[9:].isdigit()),
                     key=lambda n: int(n[9:]))
    wanted = [n for n in ("case_string", "kjonn", "alder_dager", "utskr_maate", "liggetid", "hdiag", "hdiag2") if n in names]
    cols: dict[str, list[Any]] = {n: batch.column(n).to_pylist() for n in wanted}
    for n in ("bdiag", "prosedyrer"):
        if n in names:
            cols[n] = _list_column(batch.column(n))
    if wide_dx and "bdiag" not in cols:
        parts = [batch.column(n).to_pylist() for n in wide_dx]
        cols["bdiag"] = [[c for c in row if c] for row in zip(*parts, strict=True)]
    if wide_px and "prosedyrer" not in cols:
        parts = [batch.column(n).to_pylist() for n in wide_px]
        cols["prosedyrer"] = [[c for c in row if c] for row in zip(*parts, strict=True)]
    return cols


def _row(cols: dict[str, list[Any]], i: int) -> dict[str, Any]:
    return {k: v[i] for k, v in cols.items()}


def _list_column(col: pa.Array) -> list[Any]:
    """List columns as lists; a text column holds codes joined with '|' (CSV form). Any other
    type comes as it is, and `case_from_row` reports it row by row."""
    t = col.type
    values: list[Any] = col.to_pylist()
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return [[c for c in s.split("|") if c] if isinstance(s, str) else s for s in values]
    return values


def group_record_batch(
    logic: Logic,
    batch: pa.RecordBatch,
    *,
    run: GroupingRun | None = None,
    row_offset: int = 0,
    rows: Sequence[int] | None = None,
    file: str | None = None,
) -> pa.RecordBatch:
    """Group every row of `batch`; the output has `batch.num_rows` rows in the same order.

    Errors name the row as ``row N`` (`rows[i]` when given, else 1-based counting from
    `row_offset`) and the field; a row that lands in the logic's error group keeps its DRG
    with status ``grouping_error`` (`rtc_error`). `run` carries the compiled logic and the
    run's memo from batch to batch (one is made when not given).
    """
    run = run or GroupingRun.for_logic(logic)
    return group_table(run, batch, row_offset=row_offset, rows=rows, file=file, fallback=group_rows)


def group_rows(run: GroupingRun, batch: pa.RecordBatch, rows: Sequence[int], file: str | None) -> pa.RecordBatch:
    """Row by row: validate each row (`case_from_row`) and group it with the compiled logic's
    single-case matcher; `rows` are the rows' numbers in the user's file."""
    cl = run.compiled
    n = batch.num_rows
    cols = _columns(batch)
    is_cs = "case_string" in cols
    results: list[GroupResult] = [_ERR] * n
    status: list[str] = [Status.OK.value] * n
    error: list[str | None] = [None] * n
    for i in range(n):
        try:
            r = results[i] = cl.group(case_from_row(_row(cols, i)))
        except (IsfError, TypeError, ValueError, AttributeError, KeyError, IndexError, ArithmeticError) as e:
            status[i], fld, reason = problem(e, case_string=is_cs)
            error[i] = row_error(rows[i], fld, reason, file=file)
            continue
        flag = rtc_error(r.rtc, r.drg, run.error_drgs)
        if flag:
            status[i], error[i] = Status.GROUPING_ERROR.value, row_error(rows[i], "rtc", flag, file=file)
    return pa.RecordBatch.from_pydict(
        {
            "drg": [r.drg or None for r in results],
            "rtc": [r.rtc or None for r in results],
            "rule": [r.rule or None for r in results],
            "mdc": [r.mdc or None for r in results],
            "status": status,
            "error": error,
        },
        schema=RESULT_SCHEMA,
    )
