"""The compiled batch path equals the single-case path row by row, and the compiler equals the
column units' checks value by value.

* the native loop's views (CC level, OR summary, procedure classes ...) equal the Python fold;
* each compiled literal and verdict table equals the unit's ``check`` on real cases' features;
* the batch path (`isf.batch.fast`) gives the single-case result on 100k synthetic rows, on
  non-repeating random rows and on hypothesis rows (bad rows: same status and error as the
  row kernel);
* the 930 NOR2015 reference cases, read from the JSON zip and from the CSV layout, through
  the compiled matcher and the batch path; NOR2016/2017 agree with the row API.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from grouping_paths import ROW_SCHEMA, case_row
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from isf.batch.fast import GroupingRun, group_table
from isf.batch.kernel import case_from_row, group_record_batch
from isf.batch.native import match_cases
from isf.grouping import CaseError, group, parse_case_string
from isf.grouping.compiled import VIEW_SLOTS, compiled_logic
from isf.grouping.facts import DISCHARGE_VALUES, SEX_VALUES, item_state, or_state

ROOT = Path(__file__).resolve().parents[2]
RESULT = ("drg", "rtc", "rule", "mdc")


def _random_table(logic, rows, seed):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from random_cases import random_cases
    finally:
        sys.path.pop(0)
    return random_cases(logic, rows, seed=seed)


def _single(cl, rows):
    """Single-case results (memoised on the whole case: only exact repeats are shared)."""
    memo = {}
    out = []
    for row in rows:
        case = case_from_row(row)
        r = memo.get(case)
        if r is None:
            r = memo[case] = cl.group(case)
        out.append((r.drg, r.rtc, r.rule, r.mdc))
    return out


def _fast(logic, table, **kw):
    run = GroupingRun.for_logic(logic)
    return group_table(run, table, **kw).to_pydict(), run


def _assert_batch_equals_single(logic, table):
    out, run = _fast(logic, table)
    single = _single(compiled_logic(logic), table.select(list(ROW_SCHEMA.names)).to_pylist())
    for i, expect in enumerate(single):
        got = tuple(out[k][i] or "" for k in RESULT)
        assert got == expect, (i, table.slice(i, 1).to_pylist()[0], got, expect)
        assert out["status"][i] == "ok"
    return run


@pytest.mark.slow
def test_100k_synthetic_rows_batch_equals_single_case(nor2015):
    from isf.synth import synth_activity

    table = pa.concat_tables(synth_activity(nor2015, rows=100_000, seed=11, year=2025))
    run = _assert_batch_equals_single(nor2015, table)
    assert run.fast_rows == 100_000


def test_non_repeating_rows_batch_equals_single_case(nor2015):
    table = _random_table(nor2015, 5_000, seed=7)
    run = _assert_batch_equals_single(nor2015, table)
    assert run.fast_rows == 5_000


def test_polars_arrow_types_take_the_native_path(nor2015):
    """polars hands over large and view strings and large lists: same results, all native."""
    import polars as pl

    table = _random_table(nor2015, 500, seed=9)
    from_polars = pl.from_arrow(table).to_arrow()
    assert from_polars.schema != table.schema
    a, run = _fast(nor2015, from_polars)
    b, _ = _fast(nor2015, table)
    assert a == b and run.fast_rows == 500


def test_threads_change_nothing(nor2015):
    """Slices on two threads: same rows, same results, bad rows' errors name their own row."""
    table = _random_table(nor2015, 45_000, seed=21).to_pylist()
    for i in range(0, len(table), 997):  # odd rows spread over both slices
        table[i] = dict(table[i], alder_dager=-1) if i % 2 else dict(table[i], hdiag="A390", hdiag2="Q999", kjonn=2)
    t = pa.Table.from_pylist(table, schema=ROW_SCHEMA)
    one = group_table(GroupingRun.for_logic(nor2015, threads=1), t, row_offset=5).to_pydict()
    run = GroupingRun.for_logic(nor2015, threads=2)
    two = group_table(run, t, row_offset=5).to_pydict()
    assert one == two
    assert run.rows == 45_000 and run.fallback_rows == 23 and run.memo.misses == 1
    assert two["error"][997] == "row 1003: age_days: -1 outside 0..73200"


def test_pairs_outside_the_tables_use_the_run_memo(nor2015):
    dx = sorted(nor2015.dg, key=lambda r: r.code)
    singles = [r.code for r in dx if not r.d_code and r.vartype == "DGCAT"][::500]
    rows = [dict(case_row(parse_case_string("1,20000,H,3,,I219")), hdiag=a, hdiag2=b, bdiag=[f"{b}&{a}", "I109"])
            for a, b in itertools.pairwise(singles)]
    table = pa.Table.from_pylist(rows * 2, schema=ROW_SCHEMA)
    run = GroupingRun.for_logic(nor2015)
    n = len(rows)
    single = _single(compiled_logic(nor2015), table.to_pylist())
    for batch in (1, 2):  # each pair's facts computed once per role, then found in the memo
        out = group_table(run, table).to_pydict()
        assert (run.memo.misses, run.memo.hits, run.memo.size) == (2 * n, 2 * n * (batch - 1), 2 * n)
        assert [tuple(out[k][i] or "" for k in RESULT) for i in range(2 * n)] == single


def test_native_views_equal_the_python_fold(nor2015):
    """The native loop's CC level, OR summary and procedure classes are the facts module's."""
    cl = compiled_logic(nor2015)
    table = _random_table(nor2015, 2_000, seed=3)
    cases = [case_from_row(r) for r in table.to_pylist()]
    run = GroupingRun.for_logic(nor2015)
    from isf.batch import fast

    col = {c: table.column(c).combine_chunks() for c in fast.COLUMNS}
    sex, _ = fast._mapped(col["kjonn"], fast._SEX_TEXT, SEX_VALUES)
    disch, _ = fast._mapped(col["utskr_maate"], fast._DISCHARGE_TEXT, DISCHARGE_VALUES)
    principal, _ = fast._principals(run, col["hdiag"], col["hdiag2"], sex, len(cases))
    sec = fast._code_lists(run, col["bdiag"], len(cases), secondary=True)
    proc = fast._code_lists(run, col["prosedyrer"], len(cases), secondary=False)
    m = cl.match
    ages = np.array([c.age_days for c in cases])
    stays = np.array([c.los for c in cases])
    rule, views = match_cases(
        m, run.memo.arrays(), principal=principal,
        age_bucket=np.searchsorted(m.age_points, ages, side="right").astype(np.int32),
        stay_bucket=np.searchsorted(m.stay_points, stays, side="right").astype(np.int32),
        sex=sex, discharge=disch, secondary_offsets=sec.offsets, secondary=sec.rows,
        procedure_offsets=proc.offsets, procedures=proc.rows, views=True)
    items = [(m.item_secondary[j], m.item_carrier[j]) for j in range(len(m.item_secondary))]
    names = {b: v for (_, v), b in cl._encoder.bits.items()}
    n = len(VIEW_SLOTS)
    for i, case in enumerate(cases):
        f = cl.features(case)
        assert views[i, VIEW_SLOTS.index("cc")] == f.cc_level, case
        assert views[i, VIEW_SLOTS.index("or")] == or_state(f.or_values), case
        assert views[i, VIEW_SLOTS.index("sex")] == SEX_VALUES.index(f.sex)
        assert views[i, VIEW_SLOTS.index("discharge")] == DISCHARGE_VALUES.index(f.discharge)
        for j, (x, p) in enumerate(items):
            if views[i, n + j] >= 0:  # computed when a rule asked
                assert views[i, n + j] == item_state(f, names[x], names[p] if p >= 0 else ""), case
        assert rule[i] == cl.first_match(f), case


def _view_value(cl, slot, f):
    """The value of view `slot` for features `f`, from the facts module's definitions."""
    m = cl.match
    name = VIEW_SLOTS[slot] if slot < len(VIEW_SLOTS) else "items"
    if name == "age":
        return int(np.searchsorted(m.age_points, f.age_days, side="right"))
    if name == "stay":
        return int(np.searchsorted(m.stay_points, f.los, side="right"))
    if name == "items":
        names = {b: v for (_, v), b in cl._encoder.bits.items()}
        j = slot - len(VIEW_SLOTS)
        x, p = int(m.item_secondary[j]), int(m.item_carrier[j])
        return item_state(f, names[x], names[p] if p >= 0 else "")
    return {"sex": SEX_VALUES.index(f.sex), "discharge": DISCHARGE_VALUES.index(f.discharge),
            "cc": f.cc_level, "or": or_state(f.or_values)}[name]


def test_compiled_tables_equal_the_checks(nor2015, reference_cases):
    """Every compiled form (DGCAT verdict, literal, view verdict) gives the unit's check on real
    cases' features: the compiler's abstractions are exact on data, not only on its probes."""
    cl = compiled_logic(nor2015)
    features = [cl.features(parse_case_string(rc.case_string)) for rc in reference_cases[::5]]
    kinds = set()
    for (c, req), how in cl.compiled_as.items():
        kinds.add(how[0])
        for f in features:
            want = c.check(req, f)
            if how[0] == "principal":
                got = how[1][cl.dgcat_ids[f.dgcat]]
            elif how[0] == "literal":
                _, bit, wanted = how
                names = {b: k for k, b in cl._encoder.bits.items()}
                feature, value = names[bit]
                got = (value in getattr(f, feature)) == wanted
            elif how[0] == "view":
                got = bool(how[2][_view_value(cl, how[1], f)])
            else:
                got = how[0] == "always"
            assert got == want, (c, req, how[0], f)
    assert kinds == {"principal", "literal", "view"}


def test_reference_cases_through_every_path(nor2015, reference_cases, tmp_path):
    from isf.definitions import read_csv_tables, write_csv_tables

    from_csv = read_csv_tables(write_csv_tables(nor2015, tmp_path / "csv"), logic_id="NOR2015")
    cases = [parse_case_string(rc.case_string) for rc in reference_cases]
    expected = [(rc.drg, rc.rtc, rc.rule) for rc in reference_cases]
    table = pa.Table.from_pylist([case_row(c) for c in cases], schema=ROW_SCHEMA)
    for logic in (nor2015, from_csv):
        cl = compiled_logic(logic)
        assert [(r.drg, r.rtc, r.rule) for r in (cl.group(c) for c in cases)] == expected
        out, run = _fast(logic, table)
        assert list(zip(out["drg"], out["rtc"], out["rule"], strict=True)) == expected
        assert run.fast_rows == len(cases)


def test_other_versions_agree_with_the_row_api(nor_logics, reference_cases):
    cases = [parse_case_string(rc.case_string) for rc in reference_cases]
    table = pa.Table.from_pylist([case_row(c) for c in cases], schema=ROW_SCHEMA)
    for name in ("NOR2016", "NOR2017"):
        logic = nor_logics[name]
        out, _ = _fast(logic, table)
        for i, c in enumerate(cases):
            r = group(logic, c)
            assert tuple(out[k][i] or "" for k in RESULT) == (r.drg, r.rtc, r.rule, r.mdc), (name, i)
        rnd = _random_table(logic, 2_000, seed=5)
        _assert_batch_equals_single(logic, rnd)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_hypothesis_rows_fast_equals_row_kernel(nor2015, data):
    """Odd rows included: bad values get the row kernel's status and error, with their row."""
    dx = sorted({r.code for r in nor2015.dg if not r.d_code})[::97]
    px = sorted({r.code for r in nor2015.proc})[::61]
    pairs = sorted({f"{r.d_code}&{r.code}" for r in nor2015.dg if r.d_code})[::5]
    code = st.one_of(st.sampled_from(dx), st.sampled_from(["", "ZZZ99", "i219", "T4n", "I21.9", "a390&g01"]))
    row = st.fixed_dictionaries({
        "kjonn": st.sampled_from([1, 2, None, 7, 0, 9]),
        "alder_dager": st.one_of(st.integers(-3, 80_000), st.none()),
        "utskr_maate": st.sampled_from(["H", "R", "E", None, "", "X", "e", "2"]),
        "liggetid": st.one_of(st.integers(-1, 60), st.none()),
        "hdiag": st.one_of(code, st.none()),
        "hdiag2": st.one_of(st.none(), st.sampled_from(dx), st.just("")),
        "bdiag": st.lists(st.one_of(code, st.sampled_from(pairs), st.none()), max_size=5),
        "prosedyrer": st.lists(st.one_of(st.sampled_from(px), st.sampled_from(["XYZ00", "", "naa10"])), max_size=5),
    })
    rows = data.draw(st.lists(row, min_size=1, max_size=30))
    table = pa.Table.from_pylist(rows * 2, schema=ROW_SCHEMA)
    out, _ = _fast(nor2015, table, row_offset=1000)
    ref = group_record_batch(nor2015, table.to_batches()[0] if table.num_rows else table, row_offset=1000).to_pydict()
    assert out == ref
    cl = compiled_logic(nor2015)
    for i, r in enumerate(table.to_pylist()):
        try:
            case = case_from_row(r)
        except CaseError:
            continue
        g = cl.group(case)
        assert tuple(out[k][i] or "" for k in RESULT) == (g.drg, g.rtc, g.rule, g.mdc)
