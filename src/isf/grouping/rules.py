"""Matching one `drg_logic` row against case features, condition by condition.

Each condition knows its column name, what the rule requires, whether the case satisfies it
and which codes did. `first_failure` is the fast path used for grouping; `conditions` is the
full evaluation used by explain. Both share `_checks` so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from isf.definitions.model import Rule
from isf.grouping.features import CaseFeatures

__all__ = ["Condition", "conditions", "first_failure", "limit_ok", "or_letter_ok", "secpro_or_ok"]


@dataclass(frozen=True, slots=True)
class Condition:
    """One requirement of a rule and how the case fared against it."""

    column: str
    required: str
    satisfied: bool
    by: tuple[str, ...] = ()
    detail: str = ""


def limit_ok(limit: str, value: int) -> bool:
    """``<N`` / ``>N`` (and ``<=``, ``>=``, ``=``) limits of agelim and dur."""
    if limit.startswith("<="):
        return value <= int(limit[2:])
    if limit.startswith(">="):
        return value >= int(limit[2:])
    if limit.startswith("<"):
        return value < int(limit[1:])
    if limit.startswith(">"):
        return value > int(limit[1:])
    if limit.startswith("="):
        return value == int(limit[1:])
    return False


def _codes_with(f: CaseFeatures, vartypes: tuple[str, ...], value: str, roles: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(
        c.code for c in f.codes if c.role in roles and any(vt in vartypes and vv == value for vt, vv in c.properties)
    )


_ALL_ROLES = ("principal", "secondary", "procedure")


def or_letter_ok(letter: str, has1: bool, has2: bool) -> bool:
    """The `or` column [reading guide: drg_logic 'or_proc']: S needs OR 1, P OR 1 or 2, N no
    OR 1, Z neither. Every path (matcher, signature bitsets) calls this one definition."""
    if letter == "S":
        return has1
    if letter == "P":
        return has1 or has2
    if letter == "N":
        return not has1
    if letter == "Z":
        return not has1 and not has2
    return True


def secpro_or_ok(secpro: str, procs: Iterable[tuple[bool, bool]]) -> bool:
    """The lone-sign forms of `secpro`, over (has OR 1, carries the rule's procpro) per procedure.

    '-' allows no secondary procedure with OR 1 [reading guide: 'secpro']; '+' (2012
    release) requires one. A secondary procedure is one without the rule's `procpro`
    property. The 2012 test database decides it: R065 with EMB10 (03S03, OR 1) and EMC10
    (03S11, OR 1) or KAH80 (OR 1) reaches 403D124 (procpro 03S03, secpro '+'), while EMB10
    with EMB30 (also 03S03), EMB10 twice, or EMB10 with EMA10 (OR 2) do not.
    """
    found = any(or1 and not carrier for or1, carrier in procs)
    return found if secpro == "+" else not found


_OR_WHY = {
    "S": "needs a procedure with OR=1",
    "P": "needs a procedure with OR=1 or 2",
    "N": "no procedure with OR=1 allowed",
    "Z": "no OR procedure allowed",
}


def _or_check(letter: str, f: CaseFeatures) -> tuple[bool, str]:
    return or_letter_ok(letter, 1 in f.or_values, 2 in f.or_values), _OR_WHY.get(letter, "")


def _secpro_check(secpro: str, rule: Rule, f: CaseFeatures) -> tuple[bool, tuple[str, ...], str]:
    procs = [c for c in f.codes if c.role == "procedure"]
    if secpro in ("-", "+"):
        flags = [(1 in ors, bool(rule.procpro) and rule.procpro in props)
                 for props, ors in zip(f.proc_props_each, f.proc_or, strict=True)]
        hits = tuple(procs[i].code for i, (or1, carrier) in enumerate(flags) if or1 and not carrier)
        why = "no secondary procedure with OR=1 allowed" if secpro == "-" else "needs a secondary procedure with OR=1"
        return secpro_or_ok(secpro, flags), hits, why
    if secpro.startswith("-"):
        prop = secpro[1:]
        hits = tuple(procs[i].code for i, s in enumerate(f.proc_props_each) if prop in s)
        return prop not in f.procprops, hits, f"no procedure with {prop} allowed"
    # A secondary procedure: one with the property other than the one carrying procpro.
    carriers = [i for i, s in enumerate(f.proc_props_each) if rule.procpro and rule.procpro in s]
    hits_idx = [i for i, s in enumerate(f.proc_props_each) if secpro in s]
    if not hits_idx:  # a diagnosis-borne PROCPR still counts, as for procpro
        return secpro in f.procprops, (), f"needs another procedure with {secpro}"
    ok = any(any(h != c for c in carriers) for h in hits_idx) if carriers else True
    return ok, tuple(procs[i].code for i in hits_idx), f"needs another procedure with {secpro}"


def _in(value: str, have: frozenset[str] | set[str]) -> bool:
    """Set membership with NordDRG's '-' prefix meaning 'must not have'."""
    return value[1:] not in have if value.startswith("-") else value in have


def _checks(rule: Rule, f: CaseFeatures) -> Iterator[Condition]:
    """Yield each condition of `rule` in table column order."""
    if rule.icd == "+":
        yield Condition("icd", "+", f.principal_valid, (), "needs a valid principal diagnosis")
    elif rule.icd == "-":
        yield Condition("icd", "-", not f.principal_valid, (), "no valid principal diagnosis allowed")
    if rule.mdc:
        ok = f.mdc != rule.mdc[1:] if rule.mdc.startswith("-") else f.mdc == rule.mdc
        yield Condition("mdc", rule.mdc, ok, (), f"principal MDC is {f.mdc or 'none'}")
    if rule.dgcat:
        ok = bool(f.dgcat) and (f.dgcat != rule.dgcat[1:] if rule.dgcat.startswith("-") else f.dgcat == rule.dgcat)
        yield Condition("dgcat", rule.dgcat, ok, (), f"principal DGCAT is {f.dgcat or 'none'}")
    if rule.pdgprop:
        ok = _in(rule.pdgprop, f.pdgprops)
        yield Condition("pdgprop", rule.pdgprop, ok, _codes_with(f, ("PDGPRO",), rule.pdgprop, ("principal",)) if ok else ())
    if rule.compl:
        need = int(rule.compl)
        ok = f.cc_level >= need
        yield Condition("compl", rule.compl, ok, f.cc_sources if ok else (), f"case CC level is {f.cc_level}")
    if rule.or_proc:
        ok, why = _or_check(rule.or_proc, f)
        yield Condition("or", rule.or_proc, ok, _or_codes(f) if ok else (), why)
    if rule.procpro:
        ok = _in(rule.procpro, f.procprops)
        yield Condition("procpro", rule.procpro, ok, _codes_with(f, ("PROCPR",), rule.procpro, _ALL_ROLES) if ok else ())
    if rule.secpro:
        ok, by, why = _secpro_check(rule.secpro, rule, f)
        yield Condition("secpro", rule.secpro, ok, by if ok else (), why)
    for k, prop in enumerate(rule.dgprop, start=1):
        ok = _in(prop, f.dgprops)
        if prop.startswith("-"):
            yield Condition(f"dgprop{k}", prop, ok, (), f"no code with {prop[1:]} allowed")
        else:
            yield Condition(f"dgprop{k}", prop, ok, _codes_with(f, ("DGPROP", "SDGPRO"), prop, _ALL_ROLES) if ok else ())
    if rule.agelim:
        yield Condition("agelim", rule.agelim, limit_ok(rule.agelim, f.age_days), (), f"age is {f.age_days} days")
    if rule.sex:
        want = {"M": "M", "F": "F", "-": ""}[rule.sex]
        yield Condition("sex", rule.sex, f.sex == want, (), f"sex is {f.sex or 'missing'}")
    if rule.dur:
        yield Condition("dur", rule.dur, limit_ok(rule.dur, f.los), (), f"length of stay is {f.los} days")
    if rule.disch:
        ok = {"N": f.discharge != "E", "E": f.discharge == "E", "R": f.discharge == "R"}[rule.disch]
        yield Condition("disch", rule.disch, ok, (), f"discharge is {f.discharge}")


def _or_codes(f: CaseFeatures) -> tuple[str, ...]:
    procs = [c.code for c in f.codes if c.role == "procedure"]
    return tuple(p for p, v in zip(procs, f.proc_or, strict=True) if v)


def conditions(rule: Rule, f: CaseFeatures) -> tuple[Condition, ...]:
    """Every condition of `rule`, evaluated (for explain)."""
    return tuple(_checks(rule, f))


def first_failure(rule: Rule, f: CaseFeatures) -> Condition | None:
    """The first condition of `rule` that `f` fails, or None when the rule matches."""
    for c in _checks(rule, f):
        if not c.satisfied:
            return c
    return None
