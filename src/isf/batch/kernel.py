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

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from isf.definitions.model import Logic
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

__all__ = ["RESULT_SCHEMA", "GroupingCache", "group_record_batch", "case_from_row", "PAIR_SEP"]

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


def case_from_row(row: dict[str, Any]) -> Case:
    """Build a `Case` from one activity row (docs/data-model.md); raises `CaseError`."""
    if row.get("case_string") not in (None, ""):
        return parse_case_string(str(row["case_string"]))
    hdiag = _str(row.get("hdiag"))
    hdiag2 = _str(row.get("hdiag2"))
    slots: list[tuple[str, ...]] = []
    # The principal slot stays first even when empty: a secondary never becomes the principal.
    slots.append((hdiag, hdiag2) if hdiag2 else _slot(hdiag) if hdiag else ())
    for code in row.get("bdiag") or ():
        if code:
            slots.append(_slot(str(code)))
    age = row.get("alder_dager")
    if age is None:
        raise CaseError("alder_dager", "missing")
    los = row.get("liggetid")
    return make_case(
        sex=_str(row.get("kjonn")),
        age_days=age,
        discharge=_str(row.get("utskr_maate")) or "H",
        los=0 if los is None else los,
        diagnoses=slots,
        procedures=[str(p) for p in (row.get("prosedyrer") or ()) if p],
    )


def _columns(batch: pa.RecordBatch) -> dict[str, list[Any]]:
    """The columns the grouper reads, as Python lists (wide code columns folded into lists)."""
    names = batch.schema.names
    wide_dx = sorted((n for n in names if n.startswith("bdiag") and n[5:].isdigit()), key=lambda n: int(n[5:]))
    wide_px = sorted((n for n in names if n.startswith("prosedyre") and n[9:].isdigit()), key=lambda n: int(n[9:]))
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
    """List columns as lists; a string column holds codes joined with '|' (CSV form)."""
    if pa.types.is_list(col.type) or pa.types.is_large_list(col.type):
        return col.to_pylist()
    return [[c for c in s.split("|") if c] if s else [] for s in col.to_pylist()]


def group_record_batch(
    logic: Logic, batch: pa.RecordBatch, *, cache: GroupingCache | None = None, row_offset: int = 0
) -> pa.RecordBatch:
    """Group every row of `batch`; the output has `batch.num_rows` rows in the same order.

    Errors name the row as ``row N`` (1-based, counting from `row_offset`) and the field.
    Clean rows (integer age and stay, plain alphanumeric codes) are grouped from their
    signature (`isf.grouping.signature`), memoised; everything else goes through
    `case_from_row` and the full grouper.
    """
    cache = cache or GroupingCache(logic)
    n = batch.num_rows
    cols = _columns(batch)
    results: list[GroupResult | None] = [None] * n
    status: list[str] = ["ok"] * n
    error: list[str | None] = [None] * n
    slow = _fast_path(cache, cols, n, results) if "case_string" not in cols else range(n)
    for i in slow:
        try:
            results[i] = cache.group(case_from_row(_row(cols, i)))
        except CaseError as e:
            status[i], error[i] = f"invalid_{e.field}", f"row {row_offset + i + 1}: {e}"
        except (TypeError, ValueError) as e:  # a value of the wrong type in a column
            status[i], error[i] = "invalid_row", f"row {row_offset + i + 1}: {type(e).__name__}: {e}"
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
        if (
            type(age) is not int or not 0 <= age <= MAX_AGE_DAYS
            or (los is not None and (type(los) is not int or not 0 <= los <= 100_000))
            or sex not in _SEX_OK or dc not in _DISCH_OK
        ):
            slow.append(i)
            continue
        h, h2 = hd[i], hd2[i]
        principal = (h, h2) if h2 else (h,) if h else ()
        try:
            key = sign(sex=_SEX_OK[sex], age=age, los=los or 0, discharge=_DISCH_OK[dc], principal=principal,
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
