"""The compiled logic: its views round-trip, its shape checks hold, it cannot change, it pickles,
and the per-run memo stays bounded."""

from __future__ import annotations

import pickle
from collections.abc import Hashable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from isf.definitions import DgRow, Rule, build_logic
from isf.grouping import make_case
from isf.grouping.codes import Frozen
from isf.grouping.compiled import CompileError, FactMemo, _literal, compile_logic, compiled_logic
from isf.grouping.criteria import PROCPRO, Criterion, PropertyValue
from isf.grouping.features import ITEM_STATES, OR1, OR_STATES, CaseFeatures, item_probe, item_state, or_probe, or_state, probe


@pytest.mark.parametrize("secondary", ["08S02", OR1])
def test_every_item_state_round_trips(secondary):
    for s in range(ITEM_STATES):
        f = probe(**item_probe(s, secondary, "08S01"))
        union, counts = divmod(s, 81)
        has_mark = counts // 27 or (counts // 9) % 3  # a procedure carries the secondary mark
        if union or not has_mark:  # the mark is in the union when a procedure has it
            if secondary == OR1 and union and not has_mark:
                continue  # an OR-1 mark comes from procedures only: no union without one
            assert item_state(f, secondary, "08S01") == s


def test_every_or_state_round_trips():
    assert [or_state(probe(**or_probe(i)).or_values) for i in range(len(OR_STATES))] == list(range(len(OR_STATES)))


@given(st.lists(st.tuples(st.sets(st.sampled_from(["A", "B", "C"])), st.sets(st.sampled_from([1, 2]))), max_size=6),
       st.sampled_from(["A", "B", "+", "-"]), st.sampled_from(["", "A", "C"]))
def test_secpro_check_depends_only_on_the_item_state(procs, secpro, carrier):
    """The procedure-class view is exact for the secpro unit: same state, same verdict
    (a PROCPR value, or the lone signs over OR-1 procedures)."""
    from isf.grouping.criteria import SECPRO

    each = tuple(frozenset(p) for p, _ in procs)
    ors = tuple(frozenset(o) for _, o in procs)
    f = probe(proc_props_each=each, proc_or=ors, procprops=frozenset().union(*each), or_values=frozenset().union(*ors))
    mark = OR1 if secpro in "+-" else secpro
    rep = probe(**item_probe(item_state(f, mark, carrier), mark, carrier))
    assert SECPRO.check((secpro, carrier), f) == SECPRO.check((secpro, carrier), rep)
    assert SECPRO.domain((secpro, carrier)).secondary == mark


@given(st.sets(st.integers(0, 3)))
def test_or_check_depends_only_on_the_or_state(values):
    from isf.grouping.criteria import OR_PROC

    rep = probe(**or_probe(or_state(frozenset(values))))
    f = probe(or_values=frozenset(values))
    for letter in "SPNZ":
        assert OR_PROC.check(letter, f) == OR_PROC.check(letter, rep)


class _TwoValues(Criterion):
    """A broken unit: declares one value but looks at two."""

    column, guide, attr = "procpro", "test", "procpro"

    def check(self, req: Hashable, f: CaseFeatures) -> bool:
        return "A" in f.procprops or "\x00other" in f.procprops

    def domain(self, req: Hashable) -> PropertyValue:
        return PropertyValue("procprops", "A")


def test_a_check_that_is_not_one_literal_is_refused():
    assert _literal(PROCPRO, "A", PropertyValue("procprops", "A")) is True
    assert _literal(PROCPRO, "-A", PropertyValue("procprops", "A")) is False
    with pytest.raises(CompileError, match="depends on more than"):
        _literal(_TwoValues(), "A", PropertyValue("procprops", "A"))


def _tiny():
    rules = [Rule(ord="001D", drg="A", rtc="0", dgcat="05M01"), Rule(ord="999D", drg="470", rtc="8")]
    dg = [DgRow("I219", "", "DGCAT", "05M01"), DgRow("I219", "", "MDC", "05")]
    return build_logic(id="TINY", source="test", rules=rules, dg=dg, proc=[], complcat=[], complexcl=[])


def test_compiled_logic_cannot_change_and_pickles():
    cl = compile_logic(_tiny())
    with pytest.raises(ValueError):
        cl.match.cand_rules[0] = 1
    with pytest.raises(ValueError):
        cl.facts.p_mask[0, 0] = 1
    with pytest.raises(TypeError):
        cl.tables.dx["X"] = ()  # type: ignore[index]
    assert isinstance(cl.tables.dx, Frozen)
    back = pickle.loads(pickle.dumps(cl))
    case = make_case(sex="M", age_days=100, diagnoses=["I219"])
    assert back.group(case) == cl.group(case) and cl.group(case).drg == "A"
    assert np.array_equal(back.match.cand_rules, cl.match.cand_rules)


def test_compiled_logic_is_kept_on_its_logic():
    lg = _tiny()
    assert compiled_logic(lg) is compiled_logic(lg)  # compiled once per Logic object
    other = _tiny()
    assert compiled_logic(other) is not compiled_logic(lg) and compiled_logic(other).checksum == lg.checksum


def test_no_module_level_caches_in_grouping_or_batch():
    """Caches live on objects (the Logic, a run), never in module globals: no lru_cache'd
    function and no empty module-level dict, list or set waiting to be filled -- except the
    process pool's per-worker run, which is the worker process's own state."""
    import importlib
    import pkgutil

    import isf.batch
    import isf.grouping

    found = []
    for pkg in (isf.grouping, isf.batch):
        for info in pkgutil.iter_modules(pkg.__path__):
            mod = importlib.import_module(f"{pkg.__name__}.{info.name}")
            for name, value in vars(mod).items():
                if getattr(value, "__module__", None) != mod.__name__ and not isinstance(value, dict | list | set):
                    continue
                if hasattr(value, "cache_info") or (isinstance(value, dict | list | set) and not value):
                    found.append(f"{mod.__name__}.{name}")
    assert found == ["isf.batch.engine._WORKER"], found


def test_run_memo_is_bounded():
    memo = FactMemo(compiled_logic(_tiny()), max_entries=2)
    ids = [memo.principal(("I219", f"X{i}"), "M") for i in range(3)]
    assert memo.size == 3 and memo.misses == 3 and len(set(ids)) == 3
    assert memo.principal(("I219", "X0"), "M") == ids[0] and memo.hits == 1
    memo.start_batch()  # full: starts over between batches
    assert memo.size == 0
    assert memo.arrays() is memo.compiled.facts
