"""Group a case: features first, then the first matching `drg_logic` row in `ord` order."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from isf.definitions.model import Logic, Rule
from isf.grouping.case import Case
from isf.grouping.features import CaseFeatures, CodeInfo, case_features
from isf.grouping.matcher import matcher_for
from isf.grouping.rules import Condition, conditions, first_failure

__all__ = ["Explanation", "GroupResult", "RuleTrace", "explain", "group", "group_features"]


@dataclass(frozen=True, slots=True)
class GroupResult:
    """The grouping outcome: DRG, return code, matching rule (`ord`) and MDC."""

    drg: str
    rtc: str
    rule: str
    mdc: str
    logic: str = ""


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


@lru_cache(maxsize=16)
def drg_mdc(logic: Logic) -> dict[str, str]:
    """DRG -> MDC from the `drgnames` table (the result's MDC, as NPK reports it)."""
    return {d.drg: d.mdc for d in logic.drgnames if d.mdc}


def reported_rtc(rule: Rule, *, has_principal: bool) -> str:
    """Return code as the official grouper reports it.

    The 2015 reference cases (826, 829) show rtc 9 ("other error") where a row with rtc 1
    ("no principal diagnosis") is reached by a case whose principal slot *does* hold a code
    (unknown, or in the invalid category 99M00): rtc 1 is kept for a truly empty principal.
    """
    if rule.rtc == "1" and has_principal:
        return "9"
    return rule.rtc


def _result(logic: Logic, rule: Rule, f: CaseFeatures) -> GroupResult:
    mdc = drg_mdc(logic).get(rule.drg, "") or f.mdc
    return GroupResult(drg=rule.drg, rtc=reported_rtc(rule, has_principal=f.has_principal), rule=rule.ord, mdc=mdc, logic=logic.id)


def group_features(logic: Logic, f: CaseFeatures) -> GroupResult:
    """Group already-derived features (lets batch paths reuse features)."""
    rule = matcher_for(logic).first_match(f)
    if rule is not None:
        return _result(logic, rule, f)
    # A well-formed logic ends in a catch-all row; without one, report "other error".
    return GroupResult(drg="", rtc="9", rule="", mdc=f.mdc, logic=logic.id)


def group(logic: Logic, case: Case) -> GroupResult:
    """Group one case under `logic` (pure: no I/O)."""
    return group_features(logic, case_features(logic, case))


def _family(rule: Rule, matched: Rule | None, f: CaseFeatures) -> bool:
    """Rules worth showing as near misses: same MDC as the case, or leading to the same DRG."""
    if matched is not None and rule.drg[:3] == matched.drg[:3]:
        return True
    return bool(rule.mdc) and rule.mdc == f.mdc


def explain(logic: Logic, case: Case, *, max_near_misses: int = 25) -> Explanation:
    """Group `case` and say why: every code's properties, the matching rule condition by
    condition, and for earlier rules of the same MDC/DRG family the first condition that failed."""
    f = case_features(logic, case)
    tried: list[tuple[Rule, Condition]] = []
    matched_rule: Rule | None = None
    for rule in logic.rules:
        fail = first_failure(rule, f)
        if fail is None:
            matched_rule = rule
            break
        tried.append((rule, fail))
    if matched_rule is None:
        result = GroupResult(drg="", rtc="9", rule="", mdc=f.mdc, logic=logic.id)
        matched = None
    else:
        result = _result(logic, matched_rule, f)
        matched = RuleTrace(matched_rule.ord, matched_rule.drg, result.rtc, True, conditions(matched_rule, f))
    near = [
        RuleTrace(r.ord, r.drg, r.rtc, False, conditions(r, f))
        for r, _ in tried
        if _family(r, matched_rule, f)
    ][-max_near_misses:]
    return Explanation(
        result=result,
        drg_name=logic.drg_name(result.drg),
        features=f,
        matched=matched,
        near_misses=tuple(near),
        rules_tried=len(tried) + (1 if matched_rule else 0),
        texts=_texts(logic, f, matched),
        code_texts=tuple((c, t) for c in dict.fromkeys(
            x for ci in f.codes for x in (ci.code, ci.pair_with) if x)
            if (t := logic.code_text(c, kind="proc" if _is_proc(f, c) else "dx"))),
        rtc_text=dict(logic.rtc_names).get(result.rtc, ""),
    )


_RULE_KINDS = (("mdc", "MDC"), ("dgcat", "DGCAT"), ("pdgprop", "PDGPRO"), ("procpro", "PROCPR"), ("secpro", "PROCPR"))


def _texts(logic: Logic, f: CaseFeatures, matched: RuleTrace | None) -> tuple[tuple[str, str, str], ...]:
    """Texts of every property value the case's codes carry and the matching rule names."""
    wanted: dict[tuple[str, str], None] = {}
    for c in f.codes:
        for vt, vv in c.properties:
            wanted[(vt, vv)] = None
    for cond in matched.conditions if matched else ():
        kind = dict(_RULE_KINDS).get(cond.column) or ("DGPROP" if cond.column.startswith("dgprop") else "")
        if kind and cond.required.lstrip("-"):
            wanted[(kind, cond.required.lstrip("-"))] = None
    return tuple((vt, vv, t) for vt, vv in wanted if (t := logic.property_text(vt, vv)))


def _is_proc(f: CaseFeatures, code: str) -> bool:
    return any(c.code == code and c.role == "procedure" for c in f.codes)
