"""Reading the logic backwards: which DRGs a code can lead to, and what a DRG contains.

These are the two manual look-ups of the reading guide ("How to read NordDRG definition
tables", 2021-12-20) done as pure functions over a `Logic`:

* ch. 8 -- `drgs_for_code`: the rules a code can reach *as principal diagnosis* (or, for a
  procedure code, as the procedure the rule asks for). The code's facts come from
  `isf.grouping.codes` (MDC 98 recode included) and each rule column is judged by its unit's
  own ``check`` (`isf.grouping.criteria`) on a case holding that code alone: a column the code
  satisfies by a property it carries is *via*, one it makes impossible drops the rule, and
  what the rest of the case must bring is *needs*.
* ch. 7 -- `drg_contents`: the rules leading to a DRG, and for each property a rule asks
  for, the diagnosis and procedure codes that carry it (`codes.codes_by_property`).

Both are indicative, as the guide says: a code found this way may also end elsewhere with
other codes, and a rule may need properties from other codes of the case (listed as
``needs``).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from isf.definitions.model import Logic, Rule
from isf.grouping.codes import Props, principal_facts, procedure_contribution
from isf.grouping.compiled import CompiledLogic, compiled_logic
from isf.grouping.criteria import (
    ICD,
    OR_PROC,
    SEX,
    Criterion,
    Principal,
    ProcedureClasses,
    PropertyValue,
    unit,
)
from isf.grouping.features import CaseFeatures, principal_features, probe

__all__ = [
    "CodeProperties",
    "DrgContents",
    "DrgRoute",
    "PropertyCodes",
    "RuleContents",
    "code_properties",
    "drg_contents",
    "drgs_for_code",
]


@dataclass(frozen=True, slots=True)
class CodeProperties:
    """A code as the tables know it: ``kind`` is ``dx`` or ``proc``; empty props = unknown."""

    code: str
    kind: str
    properties: Props

    @property
    def known(self) -> bool:
        return bool(self.properties)

    def values(self, vartype: str) -> tuple[str, ...]:
        return tuple(vv for vt, vv in self.properties if vt == vartype)


@dataclass(frozen=True, slots=True)
class DrgRoute:
    """One `drg_logic` rule the code can reach.

    ``via`` says which of the rule's columns the code itself satisfies (``"dgcat 05M01"``);
    ``needs`` lists what the rest of the case must bring (other codes, age, CC level ...);
    ``sex`` is ``M``/``F`` when only that sex gets there (MDC 98 recode, ch. 6), else ``""``.
    """

    drg: str
    name: str
    ord: str
    rtc: str
    via: tuple[str, ...]
    needs: tuple[str, ...]
    sex: str = ""


@dataclass(frozen=True, slots=True)
class PropertyCodes:
    """Codes carrying the property one rule column asks for (empty for a '-' requirement)."""

    column: str
    required: str
    dx: tuple[str, ...]
    proc: tuple[str, ...]
    text: str = ""  # the release's text of the property value ("" when it publishes none)


@dataclass(frozen=True, slots=True)
class RuleContents:
    rule: Rule
    properties: tuple[PropertyCodes, ...]


@dataclass(frozen=True, slots=True)
class DrgContents:
    """Every rule leading to ``drg`` (in ``ord`` order) with the codes behind each property."""

    drg: str
    name: str
    rules: tuple[RuleContents, ...]


def _clean(code: str) -> str:
    return code.replace("*", "").replace(".", "").replace(" ", "").strip()


def code_properties(logic: Logic, code: str, *, kind: str = "auto") -> CodeProperties:
    """The table rows of ``code`` (``kind`` ``dx``, ``proc`` or ``auto``: diagnosis first)."""
    t = compiled_logic(logic).tables
    c = _clean(code)
    for k, table, spell in (("dx", t.dx, t.dx_code), ("proc", t.proc, t.proc_code)):
        if kind in ("auto", k) and spell(c) in table:
            return CodeProperties(spell(c), k, table[spell(c)])
    return CodeProperties(c, "proc" if kind == "proc" else "dx", ())


def _principal_probe(cl: CompiledLogic, code: str, sex: str) -> CaseFeatures:
    """A case holding `code` alone as principal diagnosis."""
    pf = principal_facts(cl.tables, (code,), sex)
    own = pf.contribution
    return probe(**principal_features(pf.dgcat), has_principal=True, principal_known=pf.known, pdgprops=pf.pdgprops,
                 dgprops=own.dgprops, procprops=own.procprops, or_values=own.or_values, sex=sex)


def _procedure_probe(cl: CompiledLogic, code: str) -> CaseFeatures:
    """A case holding `code` alone as procedure (no principal diagnosis)."""
    c = procedure_contribution(cl.tables, code)
    return probe(dgprops=c.dgprops, procprops=c.procprops, proc_props_each=(c.procprops,), proc_or=(c.or_values,),
                 or_values=c.or_values)


def _route(cl: CompiledLogic, r: int, f: CaseFeatures, *, principal: bool, sex: str) -> tuple[list[str], list[str]] | None:
    """(via, needs) when a case with `f`'s code can satisfy rule `r`, else None.

    As principal diagnosis the code decides the principal's columns (icd, mdc, dgcat, pdgprop):
    each must hold. In every role, a column over the case's property sets that the code
    satisfies with a value it carries is *via*; a negated one it violates drops the rule, as
    does an 'or' letter that forbids the code's OR value; for a sex variant (MDC 98) the sex
    column must hold. Everything else is *needs*.
    """
    via: list[str] = []
    needs: list[str] = []
    for c, req in cl.requirements(r):
        label = f"{c.column} {c.shown(req)}"
        dom = c.domain(req)
        if isinstance(dom, Principal) or (isinstance(dom, PropertyValue) and dom.feature == "pdgprops"):
            if not principal:
                needs.append(label)
            elif not c.check(req, f):
                return None
            elif c is not ICD:
                via.append(label)
        elif isinstance(dom, PropertyValue) or (isinstance(dom, ProcedureClasses) and c.shown(req) not in "+-"):
            ok = c.check(req, f)
            if c.shown(req).startswith("-"):
                if not ok:
                    return None
                needs.append(label)
            else:
                (via if ok else needs).append(label)
        elif c is OR_PROC and c.shown(req) in ("N", "Z") and not c.check(req, f):
            return None
        elif c is SEX and sex:
            if not c.check(req, f):
                return None
        else:
            needs.append(label)
    return (via, needs) if via else None


def _sibling_key(rule: Rule) -> tuple[object, ...]:
    return (rule.icd, rule.mdc, rule.pdgprop, rule.compl, rule.or_proc, rule.procpro, rule.secpro,
            rule.dgprop, rule.agelim, rule.sex, rule.dur, rule.disch)


def drgs_for_code(logic: Logic, code: str, *, kind: str = "auto") -> list[DrgRoute]:
    """Rules (and so DRGs) ``code`` can lead to, in rule order [reading guide ch. 8].

    A diagnosis is read as principal: rules whose ``mdc``/``dgcat``/``pdgprop`` contradict
    its properties are left out, and a rule must be tied to the code by at least one column.
    A rule with an empty ``dgcat`` is dropped when an earlier, otherwise identical rule asks
    for the code's own category (the guide's "residual categories" reading). MDC 98 codes
    are tried for both sexes (ch. 6). Unknown codes give an empty list.
    """
    cp = code_properties(logic, code, kind=kind)
    if not cp.known:
        return []
    cl = compiled_logic(logic)
    dx = cp.kind == "dx"
    sexes: tuple[str, ...] = ("",)
    if dx and principal_facts(cl.tables, (cp.code,), "").recodable:
        sexes = ("M", "F")
    routes: list[DrgRoute] = []
    for sex in sexes:
        f = _principal_probe(cl, cp.code, sex) if dx else _procedure_probe(cl, cp.code)
        claimed: set[tuple[object, ...]] = set()
        for r, rule in enumerate(cl.rules):
            found = _route(cl, r, f, principal=dx, sex=sex)
            if found is None:
                continue
            if dx and rule.dgcat and rule.dgcat == f.dgcat:
                claimed.add(_sibling_key(rule))
            elif dx and not rule.dgcat and _sibling_key(rule) in claimed:
                continue
            via, needs = found
            routes.append(DrgRoute(rule.drg, logic.drg_name(rule.drg), rule.ord, rule.rtc, tuple(via), tuple(needs), sex))
    routes.sort(key=lambda r: (r.ord, r.sex))
    return routes


def _codes(cl: CompiledLogic, c: Criterion, req: Hashable, *, proc: bool) -> PropertyCodes:
    """The codes carrying the property value the column's requirement names."""
    shown = c.shown(req)
    if shown.startswith("-") or shown in ("+", "") or not c.kind:
        return PropertyCodes(c.column, shown, (), ())
    dx_by, proc_by = cl.by_property
    kinds = ("DGPROP", "SDGPRO") if c.kind == "DGPROP" else (c.kind,)
    d = tuple(dict.fromkeys(x for k in kinds for x in dx_by.get((k, shown), ())))
    p = tuple(dict.fromkeys(x for k in kinds for x in proc_by.get((k, shown), ()))) if proc else ()
    return PropertyCodes(c.column, shown, d, p)


def _residual_dgcats(logic: Logic, rule: Rule) -> set[str]:
    """DGCATs claimed by earlier rules identical to ``rule`` except for ``dgcat`` [ch. 7]."""
    key = _sibling_key(rule)
    out = set()
    for r in logic.rules:
        if r.ord >= rule.ord:
            break
        if r.dgcat and not r.dgcat.startswith("-") and _sibling_key(r) == key:
            out.add(r.dgcat)
    return out


def drg_contents(logic: Logic, drg: str) -> DrgContents:
    """The rules leading to ``drg`` and the codes having each property they need [ch. 7].

    For a rule with an ``mdc`` but no ``dgcat``, the ``mdc`` entry lists the principal
    diagnoses of that MDC whose category no earlier sibling rule claims ("residual
    diagnosis categories"): the codes whose principal facts (MDC 98 recode included) pass the
    ``mdc`` column's check. Procedures with diagnosis properties are listed under ``proc``.
    """
    cl = compiled_logic(logic)
    dx_by, _ = cl.by_property
    want = drg.strip()
    out: list[RuleContents] = []
    for r, rule in enumerate(cl.rules):
        if rule.drg != want:
            continue
        props: list[PropertyCodes] = []
        for c, req in cl.requirements(r):
            if c.column == "mdc" and not rule.dgcat and not rule.mdc.startswith("-"):
                taken = _residual_dgcats(logic, rule)
                cats = [(vv, codes) for (vt, vv), codes in dx_by.items() if vt == "DGCAT" and vv not in taken
                        and c.check(req, probe(**principal_features(vv)))]
                codes = tuple(dict.fromkeys(x for _, xs in cats for x in xs if "&" not in x))
                props.append(PropertyCodes("mdc", rule.mdc, codes, ()))
            elif c.kind and c.column != "mdc":
                props.append(_codes(cl, c, req, proc=c.column not in ("dgcat", "pdgprop")))
        texts = [logic.property_text(unit(p.column).kind, p.required) for p in props]
        out.append(RuleContents(rule, tuple(PropertyCodes(p.column, p.required, p.dx, p.proc, t)
                                            for p, t in zip(props, texts, strict=True))))
    return DrgContents(want, logic.drg_name(want), tuple(out))
