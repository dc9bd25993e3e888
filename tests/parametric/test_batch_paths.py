"""The native batch path equals the single-case path row by row, and the compiler equals the
column units' checks value by value.

* the native loop's views (CC level, OR summary, procedure classes ...) equal the Python fold;
* each compiled literal and verdict table equals the unit's ``check`` on real cases' features;
* the compiled facts equal the facts read straight from the tables;
* the batch path (`isf.batch.fast`) gives the single-case result on non-repeating random rows
  for NOR2012 (dBase, with its code list), NOR2015, NOR2016 and NOR2017, on 100k synthetic and
  100k random rows (slow tier), and on hypothesis rows -- bad rows included: the same status
  and error as the row-by-row path (`isf.batch.kernel.group_rows`);
* the 930 NOR2015 reference cases, from the JSON zip, the CSV layout and dBase tables.
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
from tiers import examples

from isf.batch.fast import GroupingRun, group_table
from isf.batch.kernel import case_from_row, group_rows
from isf.batch.native import match_cases
from isf.errors import IsfError
from isf.grouping import parse_case_string
from isf.grouping.compiled import VIEW_SLOTS, compiled_logic
from isf.grouping.features import DISCHARGE_VALUES, SEX_VALUES, DirectFacts, case_features, item_state, or_state

ROOT = Path(__file__).resolve().parents[2]
RESULT = ("drg", "rtc", "rule", "mdc")
#: every release on every tier; the fast tier checks NOR2015 (the other releases run in the slow tier)
LOGICS = [pytest.param(name, marks=() if name == "nor2015" else pytest.mark.slow)
          for name in ("nor2012", "nor2015", "NOR2016", "NOR2017")]


@pytest.fixture(params=LOGICS)
def any_logic(request):
    """The release of the parameter (only that one is loaded: the fast tier needs NOR2015 alone)."""
    if request.param == "nor2012":
        return request.getfixturevalue("nor2012")
    if request.param == "nor2015":
        return request.getfixturevalue("nor2015")
    return request.getfixturevalue("nor_logics")[request.param]


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
    run = GroupingRun.for_logic(logic, threads=kw.pop("threads", 1))
    return group_table(run, table, **kw).to_pydict(), run


def _assert_batch_equals_single(logic, table):
    out, run = _fast(logic, table)
    single = _single(compiled_logic(logic), table.select(list(ROW_SCHEMA.names)).to_pylist())
    for i, expect in enumerate(single):
        got = tuple(out[k][i] or "" for k in RESULT)
        assert got == expect, (i, table.slice(i, 1).to_pylist()[0], got, expect)
        failed = expect[1] != "0" and (not expect[0] or expect[0] in logic.error_drgs)
        assert out["status"][i] == ("grouping_error" if failed else "ok")
        assert (out["error"][i] == f"row {i + 1}: rtc: NordDRG return code {expect[1]}") if failed else out["error"][i] is None
    return run


def test_non_repeating_rows_batch_equals_single_case(any_logic):
    table = _random_table(any_logic, 4_000, seed=7)
    run = _assert_batch_equals_single(any_logic, table)
    assert run.fast_rows == 4_000


def test_compiled_facts_equal_the_tables(any_logic):
    """The facts the compiler listed ahead of time are the ones the tables give on demand."""
    cl = compiled_logic(any_logic)
    for row in _random_table(any_logic, 1_000, seed=13).to_pylist():
        case = case_from_row(row)
        assert cl.features(case) == case_features(DirectFacts(cl.tables), case), row


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["synth", "random"])
def test_100k_rows_batch_equals_single_case(any_logic, kind):
    if kind == "synth":
        from isf.synth import synth_activity

        table = pa.concat_tables(synth_activity(any_logic, rows=100_000, seed=11, year=2025))
    else:
        table = _random_table(any_logic, 100_000, seed=11)
    run = _assert_batch_equals_single(any_logic, table)
    assert run.fast_rows == 100_000


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
    one, _ = _fast(nor2015, t, row_offset=5)
    two, run = _fast(nor2015, t, row_offset=5, threads=2)
    assert one == two
    assert run.rows == 45_000 and run.fallback_rows == 23 and run.memo.misses == 1
    assert two["error"][997] == "row 1003: alder_dager: outside 0..73200"
    labels = [10 * i + 7 for i in range(len(table))]  # the rows' own numbers (a file with gaps)
    three, _ = _fast(nor2015, t, rows=labels, file="part-1.parquet", threads=2)
    assert three["error"][997] == f"part-1.parquet row {labels[997]}: alder_dager: outside 0..73200"


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


def test_native_views_equal_the_python_fold(any_logic):
    """The native loop's CC level, OR summary and procedure classes are the features module's."""
    cl = compiled_logic(any_logic)
    table = _random_table(any_logic, 2_000, seed=3)
    cases = [case_from_row(r) for r in table.to_pylist()]
    run = GroupingRun.for_logic(any_logic)
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
    cc_seen = set()
    for i, case in enumerate(cases):
        f = cl.features(case)
        cc_seen.add(f.cc_level)
        assert views[i, VIEW_SLOTS.index("cc")] == f.cc_level, case
        assert views[i, VIEW_SLOTS.index("or")] == or_state(f.or_values), case
        assert views[i, VIEW_SLOTS.index("sex")] == SEX_VALUES.index(f.sex)
        assert views[i, VIEW_SLOTS.index("discharge")] == DISCHARGE_VALUES.index(f.discharge)
        for j, (x, p) in enumerate(items):
            if views[i, n + j] >= 0:  # computed when a rule asked
                assert views[i, n + j] == item_state(f, names[x], names[p] if p >= 0 else ""), case
        assert rule[i] == cl.first_match(f), case
    assert cc_seen == {0, 1, 2}


def _view_value(cl, slot, f):
    """The value of view `slot` for features `f`, from the features module's definitions."""
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


@pytest.mark.slow
def test_compiled_tables_equal_the_checks(nor2015, nor2012, reference_cases):
    """Every compiled form (DGCAT verdict, literal, view verdict) gives the unit's check on real
    cases' features: the compiler's abstractions are exact on data, not only on its probes."""
    for logic in (nor2015, nor2012):
        cl = compiled_logic(logic)
        features = [cl.features(parse_case_string(rc.case_string)) for rc in reference_cases[::5]]
        features += [cl.features(case_from_row(r)) for r in _random_table(logic, 300, seed=4).to_pylist()]
        names = {b: k for k, b in cl._encoder.bits.items()}
        kinds = set()
        for (c, req), how in cl.compiled_as.items():
            kinds.add(how[0])
            for f in features:
                want = c.check(req, f)
                if how[0] == "principal":
                    got = how[1][cl.dgcat_ids[f.dgcat]]
                elif how[0] == "literal":
                    _, bit, wanted = how
                    feature, value = names[bit]
                    got = (value in getattr(f, feature)) == wanted
                elif how[0] == "view":
                    got = bool(how[2][_view_value(cl, how[1], f)])
                else:
                    got = how[0] == "always"
                assert got == want, (logic.id, c, req, how[0], f)
        assert kinds == {"principal", "literal", "view"}


@pytest.mark.slow
def test_reference_cases_through_every_layout(nor2015, reference_cases, tmp_path):
    from isf.definitions import read_csv_tables, read_dbase_logic, write_csv_tables
    from isf.definitions.dbase import write_dbase_tables

    from_csv = read_csv_tables(write_csv_tables(nor2015, tmp_path / "csv"), logic_id="NOR2015")
    from_dbf = read_dbase_logic(write_dbase_tables(nor2015, tmp_path / "dbf"), logic_id="NOR2015")
    cases = [parse_case_string(rc.case_string) for rc in reference_cases]
    expected = [(rc.drg, rc.rtc, rc.rule) for rc in reference_cases]
    table = pa.Table.from_pylist([case_row(c) for c in cases], schema=ROW_SCHEMA)
    strings = pa.table({"case_string": [rc.case_string for rc in reference_cases]})
    for logic in (nor2015, from_csv, from_dbf):
        cl = compiled_logic(logic)
        assert [(r.drg, r.rtc, r.rule) for r in (cl.group(c) for c in cases)] == expected
        for data in (table, strings):
            out, run = _fast(logic, data, threads=2)
            assert list(zip(out["drg"], out["rtc"], out["rule"], strict=True)) == expected
            assert run.fast_rows == len(cases)


_DX_NASTY = ["", "ZZZ99", "i219", "T4n", "I21.9", "a390&g01", " I219", "I219*", "Ø12", "٣٣", "A&B&C"]


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_hypothesis_rows_fast_equals_row_by_row(nor2015, data):
    """Odd rows included: the native path gives what validating and grouping each row alone
    gives (`group_rows`), statuses and errors included, each naming its own row."""
    dx = sorted({r.code for r in nor2015.dg if not r.d_code})[::97]
    px = sorted({r.code for r in nor2015.proc})[::61]
    pairs = sorted({f"{r.d_code}&{r.code}" for r in nor2015.dg if r.d_code})[::5]
    code = st.one_of(st.sampled_from(dx), st.sampled_from(_DX_NASTY))
    row = st.fixed_dictionaries({
        "kjonn": st.sampled_from([1, 2, None, 7, 0, 9]),
        "alder_dager": st.one_of(st.integers(-3, 80_000), st.none()),
        "utskr_maate": st.sampled_from(["H", "R", "E", None, "", "X", "e", "2"]),
        "liggetid": st.one_of(st.integers(-1, 60), st.none()),
        "hdiag": st.one_of(code, st.none()),
        "hdiag2": st.one_of(st.none(), st.sampled_from(dx), st.just("")),
        "bdiag": st.lists(st.one_of(code, st.sampled_from(pairs), st.none()), max_size=5),
        "prosedyrer": st.lists(st.one_of(st.sampled_from(px), st.sampled_from(["XYZ00", "", "naa10", "NAA 10"])),
                               max_size=5),
    })
    rows = data.draw(st.lists(row, min_size=1, max_size=30))
    table = pa.Table.from_pylist(rows * 2, schema=ROW_SCHEMA)
    labels = list(range(1001, 1001 + table.num_rows))
    out, run = _fast(nor2015, table, rows=labels)
    ref = group_rows(run, table.to_batches()[0], labels, None).to_pydict()
    assert out == ref
    cl = compiled_logic(nor2015)
    for i, r in enumerate(table.to_pylist()):
        try:
            case = case_from_row(r)
        except IsfError:
            assert out["status"][i].startswith("invalid_") and out["error"][i].startswith(f"row {labels[i]}: ")
            assert out["drg"][i] is None
            continue
        g = cl.group(case)
        assert tuple(out[k][i] or "" for k in RESULT) == (g.drg, g.rtc, g.rule, g.mdc)


_FIELD = st.sampled_from(["", "1", "2", "M", "9", "x", "20000", "0", "-1", "99999999999", "H", "E", "R", "3", " 3", "+3",
                          "٣", "²", "I219", "i219", "A390", "G01", "*", "I21.9", "S324*", "*G01", "NAA10", "ZZZ99", "T4n",
                          "I 219", "\ufeffI219", "A&B"])


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(_FIELD, min_size=0, max_size=90), min_size=1, max_size=20))
def test_hypothesis_case_strings_fast_equals_row_by_row(nor2015, rows):
    """NPK case strings with marks, blanks, odd digits and too few or many fields: the native
    scanner gives what parsing each string alone gives, statuses and errors included."""
    strings = [",".join(r) if len(r) < 80 else ",".join(r[:5] + [""] * 60 + r[5:]) for r in rows]
    table = pa.table({"case_string": strings})
    out, run = _fast(nor2015, table)
    ref = group_rows(run, table.to_batches()[0], list(range(1, len(strings) + 1)), None).to_pydict()
    assert out == ref
