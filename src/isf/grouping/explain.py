"""Why a case landed where it did: the rules tried, condition by condition.

The trace runs the same column checks (`isf.grouping.criteria`) that grouping runs, on the
same features (`isf.grouping.facts`), walking ``drg_logic`` in ``ord`` order from the top as
the reading guide describes [guide §1: "compared ... line by line, starting from the top"].

>>> from isf.definitions import load_logic
>>> from isf.grouping.case import make_case
>>> e = explain(load_logic("demo"), make_case(sex="M", age_days=20000, los=3, diagnoses=["I219"]))
>>> e.result.drg, [(c.column, c.required, c.satisfied) for c in e.matched.conditions]
('122', [('icd', '+', True), ('dgcat', '05M01', True), ('or', 'N', True)])
"""

from __future__ import annotations

from dataclasses import dataclass

from isf.definitions.model import Logic, Rule
from isf.grouping.case import Case
from isf.grouping.compiled import CompiledLogic, compiled_logic
from isf.grouping.criteria import Condition
from isf.grouping.facts import CaseFeatures, CodeInfo

__all__ = ["Explanation", "RuleTrace", "explain"]


@dataclass(frozen=True, slots=True)
class RuleTrace:
    """A rule as tried against the case: its conditions and the first that failed."""

    ord: str
    drg: str
    rtc: str
    matched: bool
    conditions: tuple[Condition, ...]

    @property
    def first_failed(self) -> Condition | None:
        return next((c for c in self.conditions if not c.satisfied), None)


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a case landed where it did: codes and properties, the matching rule, near misses."""

    result: object  # isf.grouping.grouper.GroupResult
    drg_name: str
    features: CaseFeatures
    matched: RuleTrace | None
    near_misses: tuple[RuleTrace, ...]
    rules_tried: int

    @property
    def codes(self) -> tuple[CodeInfo, ...]:
        return self.features.codes


def _family(rule: Rule, matched: Rule | None, f: CaseFeatures) -> bool:
    """Rules worth showing as near misses: same MDC as the case, or leading to the same DRG."""
    if matched is not None and rule.drg[:3] == matched.drg[:3]:
        return True
    return bool(rule.mdc) and rule.mdc == f.mdc


def explain(logic: Logic | CompiledLogic, case: Case, *, max_near_misses: int = 25,
            drg_name: str | None = None) -> Explanation:
    """Group `case` and say why: every code's properties, the matching rule condition by
    condition, and for earlier rules of the same MDC/DRG family all their conditions."""
    cl = logic if isinstance(logic, CompiledLogic) else compiled_logic(logic)
    f = cl.features(case)
    tried: list[int] = []
    matched = -1
    for r, rule in enumerate(cl.rules):
        if all(c.check(req, f) for c, req in cl.requirements(r)):
            matched = r
            break
        tried.append(r)
    result = cl.result(matched, has_principal=f.has_principal, mdc=f.mdc)
    matched_rule = cl.rules[matched] if matched >= 0 else None
    trace = None
    if matched_rule is not None:
        trace = RuleTrace(matched_rule.ord, matched_rule.drg, result.rtc, True, cl.conditions(matched, f))
    near = [RuleTrace(cl.rules[r].ord, cl.rules[r].drg, cl.rules[r].rtc, False, cl.conditions(r, f))
            for r in tried if _family(cl.rules[r], matched_rule, f)][-max_near_misses:]
    name = drg_name if drg_name is not None else (logic.drg_name(result.drg) if isinstance(logic, Logic) else "")
    return Explanation(result=result, drg_name=name, features=f, matched=trace, near_misses=tuple(near),
                       rules_tried=len(tried) + (1 if matched >= 0 else 0))
