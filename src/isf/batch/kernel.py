"""The batch grouping kernel: a pure function over Arrow record batches.

`group_record_batch(logic, batch)` returns one result row per input row, in order, with
`drg, rtc, rule, mdc, status, error`. It never raises for a bad row: a malformed row gets
``status`` naming the problem and ``error`` saying what was wrong and where. Because it is
a plain function of (logic, batch) it can run inside polars (`map_batches`), DuckDB
(Arrow UDF/scan), a process pool or a distributed engine.

Speed comes from memoising on what the rules can see: identical code lists with the same
sex, discharge and the same *side* of every age/length-of-stay limit in the logic give the
same result, so age and length of stay are bucketed by the logic's own thresholds.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pyarrow as pa

from isf.definitions.model import Logic
from isf.errors import IsfError, RowError, Status, row_error, safe_reason, status_for_field
from isf.grouping.case import (
    MAX_AGE_DAYS,
    Case,
    CaseError,
    make_case,
    parse_case_string,
)
from isf.grouping.features import case_features
from isf.grouping.grouper import GroupResult, group_features
from isf.grouping.signature import match_signature, reduce_signature, signer_for

__all__ = [
    "OK_RTC",
    "PAIR_SEP",
    "RESULT_SCHEMA",
    "GroupingCache",
    "case_from_row",
    "group_record_batch",
    "problem",
    "rtc_error",
    "whole_number",
]

PAIR_SEP = "&"  # a dagger/asterisk pair in a list column: "A390&G01"

RESULT_SCHEMA = pa.schema(
    [
        ("drg", pa.string()),
        ("rtc", pa.string()),
        ("rule", pa.string()),
        ("mdc", pa.string()),
        ("status", pa.string()),
        ("error", pa.string()),
    ]
)

_ERR = GroupResult(drg="", rtc="", rule="", mdc="")


@dataclass
class GroupingCache:
    """Results memoised by what the rules can see; bounded so memory stays flat."""

    logic: Logic
    max_entries: int = 500_000
    hits: int = 0
    misses: int = 0
    _d: dict[tuple[Any, ...], GroupResult] = field(default_factory=dict)
    raw: dict[tuple[Any, ...], GroupResult] = field(default_factory=dict)  # by signature, see _fast_path
    frames: dict[str, Any] = field(default_factory=dict)  # adapters' own memo tables (isf.batch.vectorized)

    def group(self, case: Case) -> GroupResult:
        signer = signer_for(self.logic)  # its age/stay limits: where some rule's verdict changes
        ages, durs = signer.ages, signer.durs
        key = (
            case.sex,
            bisect_right(ages, case.age_days),
            bisect_right(durs, case.los),
            case.discharge,
            case.diagnoses,
            case.procedures,
        )
        r = self._d.get(key)
        if r is not None:
            self.hits += 1
            return r
        self.misses += 1
        r = group_features(self.logic, case_features(self.logic, case))
        if len(self._d) >= self.max_entries:
            self._d.clear()
        self._d[key] = r
        return r


def _slot(code: str) -> tuple[str, ...]:
    return tuple(code.split(PAIR_SEP, 1)) if PAIR_SEP in code else (code,)


def _str(v: Any) -> str:
    return "" if v is None else str(v).strip()


#: The activity column a grouper field comes from (messages name what the user's file calls it).
_COLUMN = {"sex": "kjonn", "age_days": "alder_dager", "los": "liggetid", "discharge": "utskr_maate",
           "diagnoses": "hdiag", "procedures": "prosedyrer"}
_WHOLE = re.compile(r"[+-]?[0-9]+")
#: NordDRG's return code for a case grouped without error or warning.
OK_RTC = "0"


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
    los = whole_number(row.get("liggetid"), "liggetid", lo=0, hi=100_000)
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


def rtc_error(rtc: str | None, drg: str | None, error_drgs: frozenset[str]) -> str | None:
    """The reason a grouped row is not ok: it landed in the logic's error group
    (`Logic.error_drgs`) with a return code other than 0, or in no group at all. A real DRG
    reached with a warning code (7 on 468/477) is grouped and counts."""
    if rtc in (None, "", OK_RTC):
        return None
    if drg and drg not in error_drgs:
        return None
    return f"NordDRG return code {rtc}"


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
    cache: GroupingCache | None = None,
    row_offset: int = 0,
    rows: Sequence[int] | None = None,
    file: str | None = None,
) -> pa.RecordBatch:
    """Group every row of `batch`; the output has `batch.num_rows` rows in the same order.

    Errors name the row as ``row N`` (`rows[i]` when given, else 1-based counting from
    `row_offset`) and the field; a row whose return code is not 0 keeps its DRG with status
    ``grouping_error``. Clean rows (integer age and stay, plain alphanumeric codes) are
    grouped from their signature (`isf.grouping.signature`), memoised; everything else goes
    through `case_from_row` and the full grouper.
    """
    cache = cache or GroupingCache(logic)
    n = batch.num_rows
    label = list(rows) if rows is not None else range(row_offset + 1, row_offset + n + 1)
    cols = _columns(batch)
    results: list[GroupResult | None] = [None] * n
    status: list[str] = [Status.OK.value] * n
    error: list[str | None] = [None] * n
    is_cs = "case_string" in cols
    slow = _fast_path(cache, cols, n, results) if not is_cs else range(n)
    for i in slow:
        try:
            results[i] = cache.group(case_from_row(_row(cols, i)))
        except (IsfError, TypeError, ValueError, AttributeError, KeyError, IndexError, ArithmeticError) as e:
            status[i], fld, reason = problem(e, case_string=is_cs)
            error[i] = row_error(label[i], fld, reason, file=file)
    for i, r in enumerate(results):
        flag = rtc_error(r.rtc, r.drg, cache.logic.error_drgs) if r is not None else None
        if flag:
            status[i], error[i] = Status.GROUPING_ERROR.value, row_error(label[i], "rtc", flag, file=file)
    rs = [r or _ERR for r in results]
    return pa.RecordBatch.from_pydict(
        {
            "drg": [r.drg or None for r in rs],
            "rtc": [r.rtc or None for r in rs],
            "rule": [r.rule or None for r in rs],
            "mdc": [r.mdc or None for r in rs],
            "status": status,
            "error": error,
        },
        schema=RESULT_SCHEMA,
    )


_SEX_OK = {1: "M", 2: "F", "1": "M", "2": "F", None: ""}
_DISCH_OK = {"H": "H", "R": "R", "E": "E", None: "H", "": "H"}
_LIST_OK = (list, tuple, type(None))
_TEXT_OK = (str, type(None))
_SCALAR_OK = (int, str, type(None))


def _fast_path(
    cache: GroupingCache, cols: dict[str, list[Any]], n: int, results: list[GroupResult | None]
) -> list[int]:
    """Group the rows that have a signature (memoised per signature); return the rest,
    which the full path groups and validates code by code."""
    signer = signer_for(cache.logic)
    sign = signer.signature
    empty: list[Any] = [None] * n
    sexes, ages = cols.get("kjonn", empty), cols.get("alder_dager", empty)
    disch, stays = cols.get("utskr_maate", empty), cols.get("liggetid", empty)
    hd, hd2 = cols.get("hdiag", empty), cols.get("hdiag2", empty)
    bd, px = cols.get("bdiag", empty), cols.get("prosedyrer", empty)
    memo = cache.raw
    slow: list[int] = []
    for i in range(n):
        age, los, sex, dc = ages[i], stays[i], sexes[i], disch[i]
        h, h2 = hd[i], hd2[i]
        if (
            type(age) is not int or not 0 <= age <= MAX_AGE_DAYS
            or type(los) is not int or not 0 <= los <= 100_000
            or type(sex) not in _SCALAR_OK or type(dc) not in _SCALAR_OK or sex not in _SEX_OK or dc not in _DISCH_OK
            or type(bd[i]) not in _LIST_OK or type(px[i]) not in _LIST_OK
            or type(h) not in _TEXT_OK or type(h2) not in _TEXT_OK or (h2 and not h)
        ):
            slow.append(i)
            continue
        principal = (h, h2) if h2 else (h,) if h else ()
        try:
            key = sign(sex=_SEX_OK[sex], age=age, los=los, discharge=_DISCH_OK[dc], principal=principal,
                       secondary=bd[i] or (), procedures=px[i] or ())
        except (TypeError, AttributeError):  # e.g. a null or a number inside a code list
            key = None
        if key is None:
            slow.append(i)
            continue
        reduced = reduce_signature(signer, key)
        r = memo.get(reduced)
        if r is None:
            cache.misses += 1
            r = match_signature(signer, key)  # the full signature decides; the reduced one remembers
            if len(memo) >= cache.max_entries:
                memo.clear()
            memo[reduced] = r
        else:
            cache.hits += 1
        results[i] = r
    return slow
