"""Fast batch grouping: Arrow columns -> integer ids -> the native loop, for every row at once.

Code strings become fact rows by hash look-ups against the compiled logic's keys (pyarrow's
``index_in``; case folded like the tables' look-ups), lists become CSR offsets, ages and stays
become buckets between the logic's own limits, and `isf.batch.native.match_cases` returns a
rule per case. Nothing is grouped one case at a time and nothing depends on cases repeating.

Rows this path cannot take exactly as the row API would (text needing cleaning, values of
the wrong type or out of range, wide layouts) go to a fallback (by default the row kernel,
`isf.batch.kernel.group_rows`), which also reports their errors. Same rows, same order, same
results as grouping each row with `isf.grouping.group`.

The output contract is defined here: `RESULT_SCHEMA`, and a row's status is ``ok`` unless it
could not be read or grouped (``invalid_*``, from the fallback) or landed in the logic's error
group (``grouping_error``, `rtc_error`); its ``error`` then says ``row N: field: reason``.

One `GroupingRun` per run holds the compiled logic, the run's `FactMemo` (facts of dagger/
asterisk pairs the tables do not list) and counters; it pickles (for worker processes).

>>> from isf.definitions import DgRow, Rule, build_logic
>>> rules = [Rule("001D", "122", "0", icd="+"), Rule("002D", "470", "1", icd="-"), Rule("999D999", "470", "8")]
>>> lg = build_logic(id="T", source="doc", rules=rules, dg=[DgRow("I219", "", "DGCAT", "05M01")], proc=[],
...                  complcat=[], complexcl=[])
>>> data = pa.table({"case_string": ["1,20000,H,3,,I219", "1,-5,H,3,,I219", "1,20000,H,3,,XYZ"]})
>>> out = group_table(GroupingRun.for_logic(lg), data, rows=[2, 3, 4])
>>> out.column("drg").to_pylist(), out.column("status").to_pylist()
(['122', None, '470'], ['ok', 'invalid_age_days', 'grouping_error'])
>>> out.column("error").to_pylist()[1:]
['row 3: case_string: age_days: outside 0..73200', 'row 4: rtc: NordDRG return code 9']
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from isf.batch.native import match_cases
from isf.definitions.model import Logic
from isf.errors import Status
from isf.grouping.case import MAX_AGE_DAYS, MAX_STAY_DAYS, Case, GroupResult
from isf.grouping.compiled import PAIR_SEP, CompiledLogic, FactArrays, FactMemo, compiled_logic
from isf.grouping.features import DISCHARGE_VALUES, SEX_VALUES

__all__ = ["COLUMNS", "OK_RTC", "RESULT_SCHEMA", "GroupingRun", "group_table", "rtc_error"]

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
#: NordDRG's return code for a case grouped without error or warning.
OK_RTC = "0"


def rtc_error(rtc: str | None, drg: str | None, error_drgs: frozenset[str]) -> str | None:
    """The reason a grouped row is not ok: it landed in the logic's error group
    (`Logic.error_drgs`) with a return code other than 0, or in no group at all. A real DRG
    reached with a warning code (7 on 468/477) is grouped and counts."""
    if rtc in (None, "", OK_RTC):
        return None
    if drg and drg not in error_drgs:
        return None
    return f"NordDRG return code {rtc}"


COLUMNS = ("kjonn", "alder_dager", "utskr_maate", "liggetid", "hdiag", "hdiag2", "bdiag", "prosedyrer")
_CODE = r"^[A-Za-z0-9]+$"
_SLOT = r"^[A-Za-z0-9]+(&[A-Za-z0-9]+)?$"

# How the row API reads sex and discharge (isf.grouping.case.make_case), as text.
_SEX_TEXT = {"": "", "0": "", "9": "", "1": "M", "M": "M", "2": "F", "F": "F", "K": "F"}
_DISCHARGE_TEXT = {"": "H", "H": "H", "1": "H", "R": "R", "E": "E", "2": "E", "3": "E"}

Fallback = Callable[["GroupingRun", pa.RecordBatch, Sequence[int], "str | None"], pa.RecordBatch]
"""``fallback(run, batch, rows, file)``: results for every row of `batch`, errors naming
``rows[i]`` (the rows' numbers in the user's file) and `file`."""
I32 = npt.NDArray[np.int32]


@dataclass
class GroupingRun:
    """State of one grouping run: the compiled logic, the run's fact memo, counters (rows by
    path). Build with `GroupingRun.for_logic(logic)` or ``GroupingRun(compiled)``."""

    compiled: CompiledLogic
    threads: int = 1  # slices of a batch grouped at once
    memo: FactMemo = field(init=False)
    rows: int = 0
    fast_rows: int = 0
    fallback_rows: int = 0
    _arrays: dict[str, pa.Array] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.memo = FactMemo(self.compiled)

    @classmethod
    def for_logic(cls, logic: Logic | CompiledLogic, *, threads: int = 1) -> GroupingRun:
        cl = logic if isinstance(logic, CompiledLogic) else compiled_logic(logic)
        return cls(cl, threads)

    def __getstate__(self) -> dict[str, Any]:
        """Pickles as the compiled logic and settings (a worker starts its own memo)."""
        return {"compiled": self.compiled, "threads": self.threads}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    @property
    def error_drgs(self) -> frozenset[str]:
        return self.compiled.error_drgs

    def group(self, case: Case) -> GroupResult:
        """One case, with the compiled logic's single-case matcher."""
        return self.compiled.group(case)

    def count(self, fast: int, fallback: int) -> None:
        with self._lock:
            self.rows += fast + fallback
            self.fast_rows += fast
            self.fallback_rows += fallback

    def keys(self, name: str) -> pa.Array:
        """The compiled keys (or result strings per rule, -1 first) as an Arrow array, once per run."""
        with self._lock:
            a = self._arrays.get(name)
            if a is None:
                a = self._arrays[name] = pa.array(self._values(name), pa.string())
            return a

    def _values(self, name: str) -> Sequence[str | None]:
        cl = self.compiled
        if name in ("principal_keys", "secondary_keys", "procedure_keys"):
            return list(getattr(cl, name))
        if name == "drg":
            return [None, *(d or None for d in cl.drg)]
        if name in ("rtc", "rtc_principal"):
            return ["9", *(r or None for r in getattr(cl, name))]
        if name in ("rtc_error", "rtc_error_principal"):  # why a rule's rows are not ok (None: they are)
            codes = ["9", *getattr(cl, name.replace("_error", ""))]
            return [rtc_error(c, d, cl.error_drgs) for c, d in zip(codes, ["", *cl.drg], strict=True)]
        if name in ("rtc_by_outcome", "rtc_error_by_outcome"):  # per 2 * (rule + 1) + principal slot used
            a, b = self._values(name.replace("_by_outcome", "")), self._values(name.replace("_by_outcome", "_principal"))
            return [x for pair in zip(a, b, strict=True) for x in pair]
        if name == "rule":
            return [None, *(r.ord or None for r in cl.rules)]
        if name == "status":
            return [Status.OK.value, Status.GROUPING_ERROR.value]
        if name == "mdc_names":
            return self._mdc()[0]
        raise KeyError(name)

    def _mdc(self) -> tuple[list[str | None], npt.NDArray[np.int32], npt.NDArray[np.int32]]:
        """MDC names, and each rule's (-1 first: none) and each DGCAT's position among them: a
        result's MDC is its DRG's (from ``drgnames``), else its principal's."""
        cl = self.compiled
        names: list[str | None] = [None, *sorted({m for m in (*cl.drg_mdc, *(d[:2] for d in cl.dgcats)) if m})]
        at = {m: i for i, m in enumerate(names)}
        by_rule = np.array([0, *(at[m] if m else 0 for m in cl.drg_mdc)], dtype=np.int32)
        by_dgcat = np.array([at[d[:2]] if d else 0 for d in cl.dgcats], dtype=np.int32)
        return names, by_rule, by_dgcat

    def mdc_index(self, rule: I32, dgcat: I32) -> pa.Array:
        """Position of each result's MDC in ``keys("mdc_names")``."""
        with self._lock:
            found = self._arrays.get("_mdc")
            if found is None:
                _, by_rule, by_dgcat = self._mdc()
                found = self._arrays["_mdc"] = pa.array(np.concatenate([by_rule, by_dgcat]))
        tables = np.asarray(found)
        n_rule = len(self.compiled.drg_mdc) + 1
        r = tables[rule.astype(np.int64) + 1]
        return pa.array(np.where(r > 0, r, tables[n_rule + dgcat.astype(np.int64)]))

    @property
    def hits(self) -> int:
        return self.memo.hits

    @property
    def misses(self) -> int:
        return self.memo.misses

    def stats(self) -> dict[str, int]:
        """Counters for benchmarks: rows by path, memo size, hits and misses."""
        return {"rows": self.rows, "fast_rows": self.fast_rows, "fallback_rows": self.fallback_rows,
                "memo_size": self.memo.size, "memo_hits": self.memo.hits, "memo_misses": self.memo.misses}


# -- column -> clean values ---------------------------------------------------------------------
def _text(col: pa.Array) -> pa.Array:
    return col if pa.types.is_string(col.type) or pa.types.is_large_string(col.type) else pc.cast(col, pa.string())


def _mapped(col: pa.Array, mapping: dict[str, str], values: tuple[str, ...]) -> tuple[I32, npt.NDArray[np.bool_]]:
    """Index into `values` of each row's mapped text; ok = the row API accepts it."""
    keys = list(mapping)
    lut = np.array([values.index(mapping[k]) for k in keys], dtype=np.int32)
    if pa.types.is_integer(col.type):  # a number (kjonn): digits 0-9 through a table, null as ""
        table = np.full(12, -1, dtype=np.int32)  # 0-9: the digit, 10: null, 11: anything else
        for i, k in enumerate(keys):
            if k.isdigit():
                table[int(k)] = lut[i]
        table[10] = lut[keys.index("")]
        v = np.asarray(pc.fill_null(col.cast(pa.int64()), -1))
        code = np.where((v >= 0) & (v <= 9), v, 11)
        if col.null_count:
            code[np.asarray(col.is_null())] = 10
        out = table[code]
        ok = out >= 0
        return np.where(ok, out, 0).astype(np.int32), ok
    text = pc.fill_null(pc.utf8_upper(_text(col)), "")
    idx = pc.index_in(text, value_set=pa.array(keys, pa.string()))
    ok = np.asarray(pc.is_valid(idx))
    pos = np.asarray(pc.fill_null(idx, 0), dtype=np.int64)
    return lut[pos], ok


def _whole(col: pa.Array, *, nullable: bool, maximum: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Whole numbers in 0..maximum (null -> 0 when `nullable`); ok = the row API accepts it."""
    t = col.type
    if pa.types.is_integer(t):
        valid = np.asarray(pc.is_valid(col))
        v = np.asarray(pc.fill_null(pc.cast(col, pa.int64()), 0))
    elif pa.types.is_string(t) or pa.types.is_large_string(t):
        digits = np.asarray(pc.fill_null(pc.match_substring_regex(col, r"^[0-9]{1,9}$"), False))
        valid = np.asarray(pc.is_valid(col))
        text = pc.if_else(pa.array(digits), col, "0")
        v = np.asarray(pc.cast(text, pa.int64()))
        if nullable:  # an empty text is not a missing value: the row API rejects it
            valid = valid & digits
        else:
            valid = digits
        ok = (digits | (~np.asarray(pc.is_valid(col)) & nullable)) & (v >= 0) & (v <= maximum)
        return np.where(digits, v, 0), ok
    else:
        return np.zeros(len(col), dtype=np.int64), np.zeros(len(col), dtype=bool)
    ok = (valid | nullable) & (v >= 0) & (v <= maximum)
    return v, ok


def _list(col: pa.Array) -> pa.Array:
    """A list column as lists; a text column holds codes joined with '|' (CSV form)."""
    if pa.types.is_list(col.type) or pa.types.is_large_list(col.type):
        return col
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        return pc.split_pattern(col, "|")
    return pa.nulls(len(col), pa.list_(pa.string()))


def _lookup(values: pa.Array, keys: pa.Array) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Position of each value in `keys` (exact spelling, else upper-cased) and whether found.
    The keys are clean codes (`isf.grouping.compiled`), so a value found needs no cleaning."""
    idx = pc.index_in(values, value_set=keys)
    if idx.null_count:
        missing = pc.and_(pc.is_null(idx), pc.is_valid(values))
        if pc.any(missing).as_py():
            idx = pc.if_else(missing, pc.index_in(pc.utf8_upper(values), value_set=keys), idx)
    found = np.asarray(idx.is_valid()) if idx.null_count else np.ones(len(idx), dtype=bool)
    return np.asarray(idx.fill_null(0) if idx.null_count else idx, dtype=np.int64), found


@dataclass
class _Codes:
    """One list column as CSR lists of fact rows, and which rows hold a code that needs the
    row API (text needing cleaning)."""

    offsets: npt.NDArray[np.int64]
    rows: I32
    dirty: npt.NDArray[np.bool_]


def _code_lists(run: GroupingRun, col: pa.Array, n: int, *, secondary: bool) -> _Codes:
    lists = _list(col)
    values = pc.list_flatten(lists)
    parents = np.asarray(pc.list_parent_indices(lists), dtype=np.int64)
    cl = run.compiled
    table = cl.secondary_rows if secondary else cl.procedure_rows
    pos, found = _lookup(values, run.keys("secondary_keys" if secondary else "procedure_keys"))
    rows = np.zeros(len(values), dtype=np.int32)
    rows[found] = table[pos[found]]
    dirty = np.zeros(n, dtype=bool)
    if not found.all():  # codes the tables do not list (or no code at all: null, "")
        rest = np.flatnonzero(~found)
        other = values.take(pa.array(rest))
        absent = np.asarray(pc.fill_null(pc.equal(other, ""), True))
        clean = np.asarray(pc.fill_null(pc.match_substring_regex(other, _SLOT if secondary else _CODE), False))
        dirty[parents[rest[~absent & ~clean]]] = True
        if not secondary:
            rows[rest] = cl.unknown_procedure
        else:
            pair = clean & np.asarray(pc.fill_null(pc.match_substring(other, PAIR_SEP), False))
            if pair.any():  # a pair the tables do not list: its facts from the run's memo
                names = other.filter(pa.array(pair))
                uniq = pc.unique(names)
                ids = np.array([run.memo.secondary(tuple(x.split(PAIR_SEP))) for x in uniq.to_pylist()], dtype=np.int32)
                rows[rest[pair]] = ids[np.asarray(pc.index_in(names, value_set=uniq), dtype=np.int64)]
            # any other code the tables do not know brings nothing: row 0
        if absent.any():  # null and "" are no code: out of the lists
            keep = np.ones(len(values), dtype=bool)
            keep[rest[absent]] = False
            rows, parents = rows[keep], parents[keep]
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(parents, minlength=n), out=offsets[1:])
    return _Codes(offsets, rows, dirty)


def _principals(run: GroupingRun, hdiag: pa.Array, hdiag2: pa.Array, sex: I32, n: int) -> tuple[I32, npt.NDArray[np.bool_]]:
    """Fact row of each row's principal slot, and whether the row API is needed."""
    cl = run.compiled
    h = pc.fill_null(_text(hdiag), "")
    h2 = _text(hdiag2)
    has2 = np.asarray(pc.fill_null(pc.not_equal(h2, ""), False)) if h2.null_count < len(h2) else np.zeros(n, bool)
    key = pc.if_else(pa.array(has2), pc.binary_join_element_wise(h, pc.fill_null(h2, ""), PAIR_SEP), h) if has2.any() else h
    pos, found = _lookup(key, run.keys("principal_keys"))
    rows = np.empty(n, dtype=np.int32)
    rows[found] = cl.principal_rows[pos[found], sex[found]]
    dirty = np.zeros(n, dtype=bool)
    if found.all():
        return rows, dirty
    rest = np.flatnonzero(~found)
    one = h.take(pa.array(rest))
    has1 = np.asarray(pc.not_equal(one, ""))
    two = has2[rest]
    clean1 = np.asarray(pc.fill_null(pc.match_substring_regex(one, _CODE), False))
    clean2 = np.asarray(pc.fill_null(pc.match_substring_regex(pc.fill_null(h2, "").take(pa.array(rest)), _CODE), False))
    bad = (has1 & ~clean1) | (two & ~(clean2 & has1 & clean1))
    unknown = np.array(cl.unknown_principal, dtype=np.int32)
    single = rest[has1 & ~two]
    rows[single] = unknown[sex[single]]
    rows[rest[~has1 & ~two]] = cl.empty_principal
    pair = rest[two & ~bad]
    if len(pair):  # a pair the tables do not list: its facts from the run's memo, once per batch
        names = pc.binary_join_element_wise(key.take(pa.array(pair)), pa.array(sex[pair].astype(str)), "|")
        uniq = pc.unique(names)
        ids = np.array([run.memo.principal(tuple(k.split(PAIR_SEP)), SEX_VALUES[int(x)])
                        for k, x in (u.rsplit("|", 1) for u in uniq.to_pylist())], dtype=np.int32)
        rows[pair] = ids[np.asarray(pc.index_in(names, value_set=uniq), dtype=np.int64)]
    dirty[rest[bad]] = True
    rows[dirty] = cl.empty_principal
    return rows, dirty


def group_table(
    run: GroupingRun,
    data: pa.Table | pa.RecordBatch,
    *,
    row_offset: int = 0,
    rows: Sequence[int] | None = None,
    file: str | None = None,
    fallback: Fallback | None = None,
) -> pa.RecordBatch:
    """Result columns (drg, rtc, rule, mdc, status, error) for every row of `data`, in order.

    `data` has the activity columns `COLUMNS` (``bdiag``/``prosedyrer`` as lists, or as text
    joined with '|') or NPK case strings (``case_string``). Other layouts, and rows the row
    API must judge, go to `fallback` (default: the row kernel, `isf.batch.kernel.group_rows`).
    Errors name row ``rows[i]`` (default: `row_offset` + i + 1) and `file`. With
    ``run.threads > 1`` a large batch is grouped in that many slices at once (Arrow's kernels
    and the native loop release the GIL).
    """
    table = pa.Table.from_batches([data]) if isinstance(data, pa.RecordBatch) else data
    n = table.num_rows
    if rows is not None and len(rows) != n:
        raise ValueError(f"{len(rows)} row numbers for {n} rows")
    labels = (np.arange(row_offset + 1, row_offset + n + 1, dtype=np.int64) if rows is None
              else np.asarray(rows, dtype=np.int64))
    fallback = fallback or _row_kernel
    if n == 0:
        return pa.RecordBatch.from_pylist([], schema=RESULT_SCHEMA)
    run.memo.start_batch()
    k = min(run.threads, n // _MIN_SLICE)
    if k <= 1:
        return _group_slice(run, table, labels, file, fallback)
    bounds = [n * i // k for i in range(k + 1)]
    with ThreadPoolExecutor(k) as pool:
        parts = list(pool.map(lambda i: _group_slice(run, table.slice(bounds[i], bounds[i + 1] - bounds[i]),
                                                     labels[bounds[i]:bounds[i + 1]], file, fallback), range(k)))
    return _batch(pa.Table.from_batches(parts))


_MIN_SLICE = 20_000  # rows per thread below which one thread is faster


def _group_slice(run: GroupingRun, table: pa.Table, labels: npt.NDArray[np.int64], file: str | None,
                 fallback: Fallback) -> pa.RecordBatch:
    n = table.num_rows
    dirty = np.zeros(n, dtype=bool)
    if "case_string" in table.column_names:
        from isf.batch.case_strings import parse_case_strings

        col, dirty = parse_case_strings(_one_chunk(table.column("case_string")))
    elif all(c in table.column_names for c in COLUMNS):
        col = {c: _one_chunk(table.column(c)) for c in COLUMNS}
    else:  # another layout (wide code columns ...): the fallback reads it
        run.count(0, n)
        return fallback(run, _batch(table), labels.tolist(), file)
    cl = run.compiled
    m = cl.match
    sex, sex_ok = _mapped(col["kjonn"], _SEX_TEXT, SEX_VALUES)
    disch, disch_ok = _mapped(col["utskr_maate"], _DISCHARGE_TEXT, DISCHARGE_VALUES)
    age, age_ok = _whole(col["alder_dager"], nullable=False, maximum=MAX_AGE_DAYS)
    stay, stay_ok = _whole(col["liggetid"], nullable=False, maximum=MAX_STAY_DAYS)
    principal, p_dirty = _principals(run, col["hdiag"], col["hdiag2"], sex, n)
    sec = _code_lists(run, col["bdiag"], n, secondary=True)
    proc = _code_lists(run, col["prosedyrer"], n, secondary=False)
    fast = sex_ok & disch_ok & age_ok & stay_ok & ~p_dirty & ~sec.dirty & ~proc.dirty & ~dirty
    facts = run.memo.arrays()  # after the look-ups: holds every row they handed out
    rule, _ = match_cases(
        m, facts,
        principal=principal,
        age_bucket=np.searchsorted(m.age_points, age, side="right").astype(np.int32),
        stay_bucket=np.searchsorted(m.stay_points, stay, side="right").astype(np.int32),
        sex=sex, discharge=disch,
        secondary_offsets=sec.offsets, secondary=sec.rows,
        procedure_offsets=proc.offsets, procedures=proc.rows,
    )
    out = _results(run, facts, rule, principal, labels, file, fast)
    n_fast = int(fast.sum())
    run.count(n_fast, n - n_fast)
    if n_fast == n:
        return out
    slow_idx = np.flatnonzero(~fast)
    slow = fallback(run, _batch(table.take(pa.array(slow_idx))), labels[slow_idx].tolist(), file)
    return _merge(out, slow, slow_idx)


def _one_chunk(col: pa.ChunkedArray) -> pa.Array:
    """One array, text as ``string`` and lists as ``list<string>`` (polars hands over large or
    view strings and large lists)."""
    arr = col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()
    t = arr.type
    if _is_text(t):
        return arr.cast(pa.string()) if t != pa.string() else arr
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_list_view(t) or pa.types.is_large_list_view(t):
        want = pa.list_(pa.string())
        return arr.cast(want) if t != want else arr
    return arr


def _is_text(t: pa.DataType) -> bool:
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t))


def _results(run: GroupingRun, facts: FactArrays, rule: I32, principal: I32, labels: npt.NDArray[np.int64],
             file: str | None, fast: npt.NDArray[np.bool_]) -> pa.RecordBatch:
    """The result columns of rule index per row (-1: no rule); status ``grouping_error`` with
    its error for the rows the fallback will not replace and that landed in the error group."""
    outcome = pa.array(2 * (rule.astype(np.int64) + 1) + facts.p_has[principal])  # (rule, principal slot used)
    rtc = pc.take(run.keys("rtc_by_outcome"), outcome)
    mdc_at = run.mdc_index(rule, facts.p_dgcat[principal])
    why = pc.take(run.keys("rtc_error_by_outcome"), outcome)
    failed = np.asarray(why.is_valid()) & fast if why.null_count < len(why) else np.zeros(len(rule), dtype=bool)
    status = pc.take(run.keys("status"), pa.array(failed.astype(np.int8)))
    if failed.any():
        idx = np.flatnonzero(failed)
        prefix = f"{file} row " if file else "row "
        text = pc.binary_join_element_wise(prefix, pa.array(labels[idx]).cast(pa.string()), ": rtc: ",
                                           why.take(pa.array(idx)), "")
        error = pc.take(text, _positions(failed))
    else:
        error = pa.nulls(len(rule), pa.string())
    at = pa.array(rule.astype(np.int64) + 1)
    return pa.RecordBatch.from_arrays(
        [pc.take(run.keys("drg"), at), rtc, pc.take(run.keys("rule"), at), pc.take(run.keys("mdc_names"), mdc_at), status,
         error],
        schema=RESULT_SCHEMA,
    )


def _positions(mask: npt.NDArray[np.bool_]) -> pa.Array:
    """Per row, its position among the rows set in `mask` (null where not set): spreads a
    column computed for those rows back over all rows with `take`."""
    pos = np.cumsum(mask) - 1
    return pa.array(pos, pa.int64(), mask=~mask)


def _batch(table: pa.Table) -> pa.RecordBatch:
    t = table.combine_chunks()
    return t.to_batches()[0] if t.num_rows else pa.RecordBatch.from_pylist([], schema=t.schema)


def _row_kernel(run: GroupingRun, batch: pa.RecordBatch, rows: Sequence[int], file: str | None) -> pa.RecordBatch:
    from isf.batch.kernel import group_rows

    return group_rows(run, batch, rows, file)


def _merge(out: pa.RecordBatch, slow: pa.RecordBatch, idx: npt.NDArray[np.int64]) -> pa.RecordBatch:
    """`out` with rows `idx` replaced by `slow`'s rows (in order)."""
    n = out.num_rows
    pick = np.zeros(n, dtype=bool)
    pick[idx] = True
    order = np.empty(n, dtype=np.int64)  # position in concat(out, slow)
    order[~pick] = np.flatnonzero(~pick)
    order[pick] = n + np.arange(len(idx))
    both = pa.Table.from_batches([out, slow.cast(out.schema)]).combine_chunks()
    return _batch(both.take(pa.array(order)))
