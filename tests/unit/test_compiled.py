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
from isf.grouping.facts import ITEM_STATES, OR_STATES, CaseFeatures, item_probe, item_state, or_probe, or_state, probe


def test_every_item_state_round_trips():
    for s in range(ITEM_STATES):
        f = probe(**item_probe(s, "08S02", "08S01"))
        union, counts = divmod(s, 81)
        if union or not (counts // 27 or (counts // 9) % 3):  # the secondary is in the union when a procedure has it
            assert item_state(f, "08S02", "08S01") == s


def test_every_or_state_round_trips():
    assert [or_state(probe(**or_probe(i)).or_values) for i in range(len(OR_STATES))] == list(range(len(OR_STATES)))


@given(st.lists(st.sets(st.sampled_from(["A", "B", "C"])), max_size=6), st.sampled_from(["A", "B"]), st.sampled_from(["", "A", "C"]))
def test_secpro_check_depends_only_on_the_item_state(each, secondary, carrier):
    """The procedure-class view is exact for the secpro unit: same state, same verdict."""
    from isf.grouping.criteria import SECPRO

    f = probe(proc_props_each=tuple(frozenset(s) for s in each), procprops=frozenset().union(*each))
    rep = probe(**item_probe(item_state(f, secondary, carrier), secondary, carrier))
    assert SECPRO.check((secondary, carrier), f) == SECPRO.check((secondary, carrier), rep)


@given(st.lists(st.integers(0, 3), max_size=8))
def test_or_checks_depend_only_on_the_or_state(values):
    from isf.grouping.criteria import OR_PROC, SECPRO

    rep = probe(**or_probe(or_state(values)))
    f = probe(or_values=tuple(v for v in values if v in (0, 1, 2)))
    for letter in "SPNZ":
        assert OR_PROC.check(letter, f) == OR_PROC.check(letter, rep)
    assert SECPRO.check(("-", ""), f) == SECPRO.check(("-", ""), rep)


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


def test_compiled_logic_is_shared_per_logic_value():
    lg = _tiny()
    assert compiled_logic(lg) is compiled_logic(_tiny())  # equal logics (same checksum), one object


def test_run_memo_is_bounded():
    memo = FactMemo(compiled_logic(_tiny()), max_entries=2)
    ids = [memo.principal(("I219", f"X{i}"), "M") for i in range(3)]
    assert memo.size == 3 and memo.misses == 3 and len(set(ids)) == 3
    assert memo.principal(("I219", "X0"), "M") == ids[0] and memo.hits == 1
    memo.start_batch()  # full: starts over between batches
    assert memo.size == 0
    assert memo.arrays() is memo.compiled.facts
