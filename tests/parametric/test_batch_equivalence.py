"""The batch path (signature memo) gives the single-case API's result on every row."""

from __future__ import annotations

import polars as pl
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from isf.batch.kernel import GroupingCache, case_from_row, group_record_batch, problem
from isf.batch.vectorized import group_frame
from isf.errors import IsfError
from isf.grouping import group
from isf.synth import synth_activity

SCHEMA = pa.schema([
    ("kjonn", pa.int8()), ("alder_dager", pa.int32()), ("utskr_maate", pa.string()), ("liggetid", pa.int32()),
    ("hdiag", pa.string()), ("hdiag2", pa.string()), ("bdiag", pa.list_(pa.string())), ("prosedyrer", pa.list_(pa.string())),
])


def _compare(logic, table: pa.Table) -> int:
    out = pa.Table.from_batches(
        [group_record_batch(logic, b, cache=GroupingCache(logic)) for b in table.to_batches(max_chunksize=50_000)]
    ).to_pydict()
    vec = group_frame(logic, pl.from_arrow(table), cache=GroupingCache(logic)).to_dict(as_series=False)
    assert vec == out  # the vectorised path equals the row kernel, statuses and errors included
    rows = table.select([c for c in SCHEMA.names if c in table.column_names]).to_pylist()
    exact = GroupingCache(logic)  # memo keyed on the whole case: the single-case API, reused
    for i, row in enumerate(rows):
        try:
            r = exact.group(case_from_row(row))
        except IsfError as e:  # a bad row: reported with row and field, never dropped, never grouped
            status, field, reason = problem(e, case_string=False)
            assert out["status"][i] == status and out["error"][i] == f"row {i + 1}: {field}: {reason}", (i, row)
            assert out["drg"][i] is None
            continue
        assert (out["drg"][i], out["rtc"][i], out["rule"][i], out["mdc"][i]) == (r.drg, r.rtc, r.rule, r.mdc), (i, row)
        # the error group with a return code other than 0 keeps the DRG but is never ok
        failed = r.rtc != "0" and (not r.drg or r.drg in logic.error_drgs)
        assert out["status"][i] == ("grouping_error" if failed else "ok"), (i, row)
        assert (out["error"][i] is None) == (not failed)
    return len(rows)


def test_100k_synthetic_rows_nor2015(nor2015):
    table = pa.concat_tables(synth_activity(nor2015, rows=100_000, seed=11, year=2025))
    assert _compare(nor2015, table) == 100_000


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_rows_equal_row_api(nor2015, data):
    dx = sorted({r.code for r in nor2015.dg if not r.d_code})[::97]
    px = sorted({r.code for r in nor2015.proc})[::61]
    pairs = sorted({f"{r.d_code}&{r.code}" for r in nor2015.dg if r.d_code})[::5]
    code = st.one_of(st.sampled_from(dx), st.sampled_from(["", "ZZZ99", "i219", "T4n"]))
    row = st.fixed_dictionaries({
        "kjonn": st.sampled_from([1, 2, None, 7]),
        "alder_dager": st.integers(-3, 80_000),
        "utskr_maate": st.sampled_from(["H", "R", "E", None, "", "X"]),
        "liggetid": st.one_of(st.integers(0, 60), st.none()),
        "hdiag": code,
        "hdiag2": st.one_of(st.none(), st.sampled_from(dx)),
        "bdiag": st.lists(st.one_of(code, st.sampled_from(pairs)), max_size=5),
        "prosedyrer": st.lists(st.one_of(st.sampled_from(px), st.just("XYZ00")), max_size=5),
    })
    rows = data.draw(st.lists(row, min_size=1, max_size=30))
    table = pa.Table.from_pylist(rows * 2, schema=SCHEMA)  # repeated: the memo is exercised
    _compare(nor2015, table)
    for r in rows[:5]:
        try:
            case = case_from_row(r)
        except IsfError:
            continue
        assert GroupingCache(nor2015).group(case) == group(nor2015, case)
