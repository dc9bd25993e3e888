"""The `drg_logic` columns: one unit per column, each with the one ``check`` of its rule.

A rule matches when every non-empty column from ``icd`` to ``disch`` holds ("and", not "or")
[guide §1]. Each unit below names its column as the reading guide does, cites the paragraph
that defines it, and has:

* ``requirement(rule)``: what the rule asks of this column (empty: no condition);
* ``check(req, f)``: whether case features `f` satisfy it -- the single definition;
* ``evidence(req, f)``: the codes that satisfied it and a short note, for explain;
* ``domain(req)``: which part of the features ``check`` looks at (the principal's DGCAT, one
  value of a property set, a finite view such as the age bucket or the OR summary, or the
  procedure classes of a property pair), so `isf.grouping.compiled` can evaluate ``check``
  once per value of that part and build the tables the batch kernel looks up.

The explain trace, the single-case matcher and the compiled batch form all run these checks;
nothing else in the package knows what a column means.

>>> from isf.definitions import Rule
>>> from isf.grouping.facts import probe
>>> OR_PROC.check("N", probe(or_values=(2,))), OR_PROC.check("N", probe(or_values=(1,)))
(True, False)
>>> [c.column for c in criteria(4)][-8:]
['dgprop1', 'dgprop2', 'dgprop3', 'dgprop4', 'agelim', 'sex', 'dur', 'disch']
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from typing import cast

from isf.definitions.model import Rule
from isf.grouping.facts import CaseFeatures

__all__ = [
    "AGELIM",
    "COMPL",
    "DGCAT",
    "DISCH",
    "DUR",
    "ICD",
    "MDC",
    "OR_PROC",
    "PDGPROP",
    "PROCPRO",
    "SECPRO",
    "SEX",
    "Condition",
    "Criterion",
    "Domain",
    "Principal",
    "ProcedureClasses",
    "PropertyValue",
    "Threshold",
    "View",
    "conditions",
    "criteria",
    "first_failure",
    "limit_ok",
    "limit_points",
]


@dataclass(frozen=True, slots=True)
class Condition:
    """One requirement of a rule and how the case fared against it."""

    column: str
    required: str
    satisfied: bool
    by: tuple[str, ...] = ()
    detail: str = ""


# -- what a check looks at ----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Principal:
    """The check depends on the principal's DGCAT alone (and what it fixes: validity, MDC)."""


@dataclass(frozen=True, slots=True)
class PropertyValue:
    """The check depends on whether one value is in one set-valued feature."""

    feature: str  # 'pdgprops' | 'procprops' | 'dgprops'
    value: str


@dataclass(frozen=True, slots=True)
class View:
    """The check depends on one finite view of the case: 'sex', 'discharge', 'cc' or 'or'."""

    name: str


@dataclass(frozen=True, slots=True)
class Threshold:
    """The check depends on a whole number ('age' or 'stay') only through which side of
    each point it lies (`limit_points`)."""

    name: str
    points: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ProcedureClasses:
    """The check depends on the procedures' classes for a (secondary, carrier) property pair
    (`isf.grouping.facts.item_state`)."""

    secondary: str
    carrier: str


Domain = Principal | PropertyValue | View | Threshold | ProcedureClasses


# -- helpers shared by several columns --------------------------------------------------------
def limit_ok(limit: str, value: int) -> bool:
    """``<N`` / ``>N`` (and ``<=``, ``>=``, ``=``) limits of 'agelim' and 'dur' [guide §1].

    >>> limit_ok("<29", 28), limit_ok("<29", 29), limit_ok(">6574", 6575)
    (True, False, True)
    """
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


def limit_points(limit: str) -> tuple[int, ...]:
    """Where `limit_ok` can change its verdict: just before and after the number."""
    n = int(limit.lstrip("<>="))
    return (n, n + 1)


def _in(value: str, have: frozenset[str]) -> bool:
    """Set membership with NordDRG's '-' prefix meaning 'must not have'."""
    return value[1:] not in have if value.startswith("-") else value in have


_ALL_ROLES = ("principal", "secondary", "procedure")


def _codes_with(f: CaseFeatures, vartypes: tuple[str, ...], value: str, roles: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(
        c.code for c in f.codes if c.role in roles and any(vt in vartypes and vv == value for vt, vv in c.properties)
    )


Evidence = tuple[tuple[str, ...], str]


# -- the units --------------------------------------------------------------------------------
class Criterion:
    """One `drg_logic` column. Subclasses set ``column``, ``guide`` and ``attr`` and define
    ``check``, ``evidence`` and ``domain``."""

    column: str
    guide: str
    attr: str

    def requirement(self, rule: Rule) -> Hashable:
        """What `rule` asks of this column; falsy when it asks nothing."""
        return getattr(rule, self.attr)  # type: ignore[no-any-return]

    def shown(self, req: Hashable) -> str:
        """The requirement as the table writes it."""
        return str(req)

    def check(self, req: Hashable, f: CaseFeatures) -> bool:
        raise NotImplementedError

    def evidence(self, req: Hashable, f: CaseFeatures, ok: bool) -> Evidence:
        return (), ""

    def domain(self, req: Hashable) -> Domain:
        raise NotImplementedError

    def condition(self, req: Hashable, f: CaseFeatures) -> Condition:
        """`check` with its evidence, for explain."""
        ok = self.check(req, f)
        by, detail = self.evidence(req, f, ok)
        return Condition(self.column, self.shown(req), ok, by if ok else (), detail)

    def __repr__(self) -> str:
        return f"<criterion {self.column}>"


class Icd(Criterion):
    """'+': a principal diagnosis the tables know (one with a DGCAT); '-': none allowed."""

    column, guide, attr = "icd", "guide §1 'icd' (p. 2)", "icd"

    def check(self, req: Hashable, f: CaseFeatures) -> bool:
        return f.principal_valid if req == "+" else not f.principal_valid if req == "-" else True

    def evidence(self, req: Hashable, f: CaseFeatures, ok: bool) -> Evidence:
        return (), "needs a valid principal diagnosis" if req == "+" else "no valid principal diagnosis allowed"

    def domain(self, req: Hashable) -> Domain:
        return Principal()


class Mdc(Criterion):
    """The principal's MDC; '-' before it: any other MDC."""

    column, guide, attr = "mdc", "guide §1 'mdc' (p. 2)", "mdc"

    def check(self, req: Hashable, f: CaseFeatures) -> bool:
        r = str(req)
        return f.mdc != r[1:] if r.startswith("-") else f.mdc == r

    def evidence(self, req: Hashable, f: CaseFeatures, ok: bool) -> Evidence:
        return (), f"principal MDC is {f.mdc or 'none'}"

    def domain(self, req: Hashable) -> Domain:
        return Principal()


class Dgcat(Criterion):
    """The principal's diagnosis category (one per code; never from a secondary)."""

    column, guide, attr = "dgcat", "guide §1 'dgcat' (p. 2)", "dgcat"

    def check(self, req: Hashable, f: CaseFeatures) -> bool:
        r = str(req)
        return bool(f.dgcat) and (f.dgcat != r[1:] if r.startswith("-") else f.dgcat == r)

    def evidence(self, req: Hashable, f: CaseFeatures, ok: bool) -> Evidence:
        return (), f"principal DGCAT is {f.dgcat or 'none'}"

    def domain(self, req: Hashable) -> Domain:
        return Principal()


class Pdgprop(Criterion):
    """A principal diagnosis property (a code may have several; never from a secondary)."""

    column, guide, attr = "pdgprop", "guide §1 'pdgprop' (p. 2)", "pdgprop"

    def check(self, req: Hashable, f: CaseFeatures) -> bool:
        return _in(str(req), f.pdgprops)

    def evidence(self, req: Hashable, f: CaseFeatures, ok: bool) -> Evidence:
        return _codes_with(f, ("PDGPRO",), str(req), ("principal",)), ""

    def domain(self, req: Hashable) -> Domain:
        return PropertyValue("pdgprops", str(req).lstrip("-"))


class Compl(Criterion):
    """CC level: 2 needs an MCC, 1 a CC or MCC ("1 can be read as 1 or 2")."""

    column, guide, attr = "compl", "guide §1 'compl' (pp. 2-3), ch. 5", "compl"

    def check(self, req: Hashable, f: CaseFeatures) -> bool:
        return f.cc_level >= int(str(req))

    def evidence(self, req: Hashable, f: CaseFeatures, ok: bool) -> Evidence:
        return f.cc_sources, f"case CC level is {f.cc_level}"

    def domain(self, req: Hashable) -> Domain:
        return View("cc")


_OR_NOTE = {"S": "needs a procedure with OR=1", "P": "needs a procedure with OR=1 or 2",
            "N": "no procedure with OR=1 allowed", "Z": "no OR procedure allowed"}


class OrProc(Criterion):
    """OR property: S = an OR 1 procedure; P = OR 1 or 2; N = no OR 1 (OR 2 allowed);
    Z = neither 1 nor 2."""

    column, guide, attr = "or", "guide §1 'or_proc' (p. 3)", "or_proc"

    def check(self, req: Hashable, f: CaseFeatures) -> bool:
        has1, has2 = 1 in f.or_values, 2 in f.or_values
        return {"S": has1, "P": has1 or has2, "N": not has1, "Z": not has1 and not has2}.get(str(req), True)

    def evidence(self, req: Hashable, f: CaseFeatures, ok: bool) -> Evidence:
        procs = [c.code for c in f.codes if c.role == "procedure"]
        return tuple(p for p, v in zip(procs, f.or_values, strict=False) if v), _OR_NOTE.get(str(req), "")

    def domain(self, req: Hashable) -> Domain:
        return View("or")


class Procpro(Criterion):
    """A procedure property some code of the case carries; '-': none may."""

    column, guide, attr = "procpro", "guide §1 'procpro' (pp. 3-4)", "procpro"

    def check(self, req: Hashable, f: CaseFeatures) -> bool:
        return _in(str(req), f.procprops)

    def evidence(self, req: Hashable, f: CaseFeatures, ok: bool) -> Evidence:
        return _codes_with(f, ("PROCPR",), str(req), _ALL_ROLES), ""

    def domain(self, req: Hashable) -> Domain:
        return PropertyValue("procprops", str(req).lstrip("-"))


class Secpro(Criterion):
    """A secondary procedure: another procedure with the property than the one carrying the
    rule's 'procpro'; '-X': no procedure with X; a lone '-': no second OR 1 procedure.

    The requirement is the pair (secpro, procpro). A property brought only by a diagnosis
    still counts, as for 'procpro'.
    """

    column, guide, attr = "secpro", "guide §1 'secpro' (p. 4)", "secpro"

    def requirement(self, rule: Rule) -> Hashable:
        return (rule.secpro, rule.procpro) if rule.secpro else ()

    def shown(self, req: Hashable) -> str:
        return cast(tuple[str, str], req)[0]

    def check(self, req: Hashable, f: CaseFeatures) -> bool:
        secpro, carrier = cast(tuple[str, str], req)
        if secpro == "-":
            return sum(1 for v in f.or_values if v == 1) <= 1
        if secpro.startswith("-"):
            return secpro[1:] not in f.procprops
        hits = [i for i, s in enumerate(f.proc_props_each) if secpro in s]
        if not hits:
            return secpro in f.procprops
        carriers = [i for i, s in enumerate(f.proc_props_each) if carrier and carrier in s]
        return any(h != c for h in hits for c in carriers) if carriers else True

    def evidence(self, req: Hashable, f: CaseFeatures, ok: bool) -> Evidence:
        secpro = cast(tuple[str, str], req)[0]
        if secpro == "-":
            return (), "no second procedure with OR=1 allowed"
        procs = [c.code for c in f.codes if c.role == "procedure"]
        prop = secpro.lstrip("-")
        hits = tuple(procs[i] for i, s in enumerate(f.proc_props_each) if prop in s and i < len(procs))
        if secpro.startswith("-"):
            return hits, f"no procedure with {prop} allowed"
        return hits, f"needs another procedure with {secpro}"

    def domain(self, req: Hashable) -> Domain:
        secpro, carrier = cast(tuple[str, str], req)
        if secpro == "-":
            return View("or")
        if secpro.startswith("-"):
            return PropertyValue("procprops", secpro[1:])
        return ProcedureClasses(secpro, carrier)


class DgProp(Criterion):
    """The k-th diagnosis property column: any diagnosis (any position) or procedure carries
    it (DGPROP or SDGPRO); '-': none may."""

    guide, attr = "guide §1 'dgprop1..4' (p. 4)", "dgprop"

    def __init__(self, k: int) -> None:
        self.k = k
        self.column = f"dgprop{k}"

    def requirement(self, rule: Rule) -> Hashable:
        return rule.dgprop[self.k - 1] if len(rule.dgprop) >= self.k else ""

    def check(self, req: Hashable, f: CaseFeatures) -> bool:
        return _in(str(req), f.dgprops)

    def evidence(self, req: Hashable, f: CaseFeatures, ok: bool) -> Evidence:
        r = str(req)
        if r.startswith("-"):
            return (), f"no code with {r[1:]} allowed"
        return _codes_with(f, ("DGPROP", "SDGPRO"), r, _ALL_ROLES), ""

    def domain(self, req: Hashable) -> Domain:
        return PropertyValue("dgprops", str(req).lstrip("-"))


class Agelim(Criterion):
    """Age limit in days (at admission)."""

    column, guide, attr = "agelim", "guide §1 'agelim' (p. 4)", "agelim"

    def check(self, req: Hashable, f: CaseFeatures) -> bool:
        return limit_ok(str(req), f.age_days)

    def evidence(self, req: Hashable, f: CaseFeatures, ok: bool) -> Evidence:
        return (), f"age is {f.age_days} days"

    def domain(self, req: Hashable) -> Domain:
        return Threshold("age", limit_points(str(req)))


_SEX_WANTED = {"M": "M", "F": "F", "-": ""}


class Sex(Criterion):
    """M or F; '-': sex missing (the MDC 98 validation rules, guide ch. 6)."""

    column, guide, attr = "sex", "guide §1 'sex' (p. 4)", "sex"

    def check(self, req: Hashable, f: CaseFeatures) -> bool:
        return f.sex == _SEX_WANTED[str(req)]

    def evidence(self, req: Hashable, f: CaseFeatures, ok: bool) -> Evidence:
        return (), f"sex is {f.sex or 'missing'}"

    def domain(self, req: Hashable) -> Domain:
        return View("sex")


class Dur(Criterion):
    """Length of stay in days (0 = outpatient)."""

    column, guide, attr = "dur", "guide §1 'dur' (pp. 4-5)", "dur"

    def check(self, req: Hashable, f: CaseFeatures) -> bool:
        return limit_ok(str(req), f.los)

    def evidence(self, req: Hashable, f: CaseFeatures, ok: bool) -> Evidence:
        return (), f"length of stay is {f.los} days"

    def domain(self, req: Hashable) -> Domain:
        return Threshold("stay", limit_points(str(req)))


class Disch(Criterion):
    """Discharge: E = dead, N = alive (not E), R = transferred."""

    column, guide, attr = "disch", "guide §1 'disch' (p. 5)", "disch"

    def check(self, req: Hashable, f: CaseFeatures) -> bool:
        return {"N": f.discharge != "E", "E": f.discharge == "E", "R": f.discharge == "R"}[str(req)]

    def evidence(self, req: Hashable, f: CaseFeatures, ok: bool) -> Evidence:
        return (), f"discharge is {f.discharge}"

    def domain(self, req: Hashable) -> Domain:
        return View("discharge")


ICD, MDC, DGCAT, PDGPROP, COMPL = Icd(), Mdc(), Dgcat(), Pdgprop(), Compl()
OR_PROC, PROCPRO, SECPRO = OrProc(), Procpro(), Secpro()
AGELIM, SEX, DUR, DISCH = Agelim(), Sex(), Dur(), Disch()


def criteria(n_dgprop: int = 4) -> tuple[Criterion, ...]:
    """Every column in table order, with `n_dgprop` diagnosis property columns."""
    dg = tuple(DgProp(k) for k in range(1, max(n_dgprop, 4) + 1))
    return (ICD, MDC, DGCAT, PDGPROP, COMPL, OR_PROC, PROCPRO, SECPRO, *dg, AGELIM, SEX, DUR, DISCH)


def _requirements(rule: Rule, columns: tuple[Criterion, ...]) -> Iterator[tuple[Criterion, Hashable]]:
    for c in columns:
        req = c.requirement(rule)
        if req:
            yield c, req


def conditions(rule: Rule, f: CaseFeatures, columns: tuple[Criterion, ...] | None = None) -> tuple[Condition, ...]:
    """Every condition of `rule`, evaluated, in table column order (for explain)."""
    cols = columns or criteria(len(rule.dgprop))
    return tuple(c.condition(req, f) for c, req in _requirements(rule, cols))


def first_failure(rule: Rule, f: CaseFeatures, columns: tuple[Criterion, ...] | None = None) -> Condition | None:
    """The first condition of `rule` that `f` fails, or None when the rule matches."""
    cols = columns or criteria(len(rule.dgprop))
    for c, req in _requirements(rule, cols):
        if not c.check(req, f):
            return c.condition(req, f)
    return None
