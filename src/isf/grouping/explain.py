"""Why a case landed where it did: the rules tried, condition by condition.

The trace runs the same column checks (`isf.grouping.criteria`) that grouping runs, on the
same features (`isf.grouping.features`), walking ``drg_logic`` in ``ord`` order from the top as
the reading guide describes [guide §1: "compared ... line by line, starting from the top"].
It also carries the release's texts (DRG name, property values, codes, return code) so the
renderers (`isf.grouping.render`) and the web page need nothing else.

>>> from isf.definitions import DgRow, Rule, build_logic
>>> from isf.grouping.case import make_case
>>> rules = [Rule("001D", "122", "0", icd="+", dgcat="05M01", or_proc="N"), Rule("999D999", "470", "8")]
>>> lg = build_logic(id="T", source="doc", rules=rules, dg=[DgRow("I219", "", "DGCAT", "05M01")], proc=[],
...                  complcat=[], complexcl=[])
>>> e = explain(lg, make_case(sex="M", age_days=20000, los=3, diagnoses=["I219"]))
>>> e.result.drg, [(c.column, c.required, c.satisfied) for c in e.matched.conditions]
('122', [('icd', '+', True), ('dgcat', '05M01', True), ('or', 'N', True)])
>>> e.matched.conditions[2].describe("en")
'no OR procedure with OR 1 (OR 2 allowed)'
"""

from __future__ import annotations

from dataclasses import dataclass

from isf.definitions.model import Logic, Rule
from isf.grouping.case import Case, GroupResult
from isf.grouping.compiled import CompiledLogic, compiled_logic
from isf.grouping.criteria import Condition
from isf.grouping.features import CaseFeatures, CodeInfo

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
    """Why a case landed where it did: codes and properties, the matching rule, near misses,
    and the release's texts of what they name."""

    result: GroupResult
    drg_name: str
    features: CaseFeatures
    matched: RuleTrace | None
    near_misses: tuple[RuleTrace, ...]
    rules_tried: int
    texts: tuple[tuple[str, str, str], ...] = ()  # (vartype, varval, the release's text)
    code_texts: tuple[tuple[str, str], ...] = ()  # (code, the release's text)
    rtc_text: str = ""  # the release's text of the return code

    @property
    def codes(self) -> tuple[CodeInfo, ...]:
        return self.features.codes

    def text_of(self, kind: str, value: str) -> str:
        """The release's text of a property value ("" when it has none)."""
        kind = "DGPROP" if kind == "SDGPRO" else kind
        return next((t for vt, vv, t in self.texts if (vt, vv) == (kind, value)), "")


def _family(rule: Rule, matched: Rule | None, f: CaseFeatures) -> bool:
    """Rules worth showing as near misses: same MDC as the case, or leading to the same DRG."""
    if matched is not None and rule.drg[:3] == matched.drg[:3]:
        return True
    return bool(rule.mdc) and rule.mdc == f.mdc


def explain(logic: Logic | CompiledLogic, case: Case, *, max_near_misses: int = 25) -> Explanation:
    """Group `case` and say why: every code's properties, the matching rule condition by
    condition, and for earlier rules of the same MDC/DRG family all their conditions.

    With a `CompiledLogic` the release's texts are left out (it keeps none)."""
    cl = logic if isinstance(logic, CompiledLogic) else compiled_logic(logic)
    f = cl.features(case)
    tried: list[int] = []
    matched = -1
    for r in range(len(cl.rules)):
        if all(c.check(req, f) for c, req in cl.requirements(r)):
            matched = r
            break
        tried.append(r)
    result = cl.result(matched, has_principal=f.has_principal, mdc=f.mdc)
    matched_rule = cl.rules[matched] if matched >= 0 else None
    trace = None
    if matched_rule is not None:
        trace = RuleTrace(matched_rule.ord, matched_rule.drg, result.rtc, True, cl.conditions(matched, f))
    near = tuple(RuleTrace(cl.rules[r].ord, cl.rules[r].drg, cl.rules[r].rtc, False, cl.conditions(r, f))
                 for r in tried if _family(cl.rules[r], matched_rule, f))[-max_near_misses:] if max_near_misses else ()
    base = Explanation(result=result, drg_name="", features=f, matched=trace, near_misses=near,
                       rules_tried=len(tried) + (1 if matched >= 0 else 0))
    if not isinstance(logic, Logic):
        return base
    return Explanation(
        result=result,
        drg_name=logic.drg_name(result.drg),
        features=f,
        matched=trace,
        near_misses=near,
        rules_tried=base.rules_tried,
        texts=_texts(logic, f, (*((trace,) if trace else ()), *near)),
        code_texts=_code_texts(logic, f),
        rtc_text=dict(logic.rtc_names).get(result.rtc, ""),
    )


def _texts(logic: Logic, f: CaseFeatures, traces: tuple[RuleTrace, ...]) -> tuple[tuple[str, str, str], ...]:
    """Texts of every property value the case's codes carry and the shown rules name."""
    wanted: dict[tuple[str, str], None] = {}
    for c in f.codes:
        for vt, vv in c.properties:
            wanted[(vt, vv)] = None
    for trace in traces:
        for cond in trace.conditions:
            if cond.unit is not None and cond.unit.kind and (value := cond.required.lstrip("-")) and value != "+":
                wanted[(cond.unit.kind, value)] = None
    return tuple((vt, vv, t) for vt, vv in wanted if (t := logic.property_text(vt, vv)))


def _code_texts(logic: Logic, f: CaseFeatures) -> tuple[tuple[str, str], ...]:
    """Texts of the case's codes from the release's code lists."""
    out: dict[str, str] = {}
    for c in f.codes:
        kind = "proc" if c.role == "procedure" else "dx"
        for code in (c.code, c.pair_with):
            if code and code not in out and (t := logic.code_text(code, kind=kind)):
                out[code] = t
    return tuple(out.items())
