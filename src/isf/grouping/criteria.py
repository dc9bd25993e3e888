"""The `drg_logic` columns: one unit per column, each with the one ``check`` of its rule.

A rule matches when every non-empty column from ``icd`` to ``disch`` holds ("and", not "or")
[guide §1]. Each unit below names its column as the reading guide does, cites the paragraph
that defines it, and has:

* ``requirement(rule)``: what the rule asks of this column (empty: no condition);
* ``check(req, f)``: whether case features `f` satisfy it -- the single definition;
* ``evidence(req, f)``: the codes that satisfied it, for explain;
* ``domain(req)``: which part of the features ``check`` looks at (the principal's DGCAT, one
  value of a property set, a finite view such as the age bucket or the OR summary, or the
  procedure classes of a mark pair), so `isf.grouping.compiled` can evaluate ``check`` once
  per value of that part and build the tables the batch kernel looks up;
* ``describe(required, lang)`` and ``note(required, f, lang)``: the requirement and what the
  case has, in words (bokmål by default, English with ``lang="en"``).

The explain trace, the single-case matcher, the compiled batch form and the DRG look-ups all
run these checks; nothing else in the package knows what a column means.

>>> from isf.grouping.features import probe
>>> OR_PROC.check("N", probe(or_values=frozenset({2}))), OR_PROC.check("N", probe(or_values=frozenset({1})))
(True, False)
>>> OR_PROC.describe("P"), OR_PROC.describe("P", "en")
('minst én OR-prosedyre (OR 1 eller 2)', 'at least one OR procedure (OR 1 or 2)')
>>> AGELIM.describe("<29"), PROCPRO.describe("05S01", text="Koronar angioplastikk")
('alder under 29 dager', 'prosedyre med egenskap 05S01 (Koronar angioplastikk)')
>>> [c.column for c in criteria(4)][-8:]
['dgprop1', 'dgprop2', 'dgprop3', 'dgprop4', 'agelim', 'sex', 'dur', 'disch']
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from typing import cast

from isf.definitions.model import Rule
from isf.formatting import number
from isf.grouping.features import OR1, CaseFeatures

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
    "Limit",
    "Principal",
    "ProcedureClasses",
    "PropertyValue",
    "Threshold",
    "View",
    "conditions",
    "criteria",
    "describe_condition",
    "first_failure",
    "limit_ok",
    "limit_points",
    "unit",
]

Texts = Callable[[str, str], str]  # (property kind, value) -> the release's text ("" when none)


@dataclass(frozen=True, slots=True)
class Condition:
    """One requirement of a rule and how the case fared against it.

    ``required`` is the column's value as the table writes it; ``detail`` says (in English)
    what the case has; ``describe``/``note`` give both in words in either language.
    """

    column: str
    required: str
    satisfied: bool
    by: tuple[str, ...] = ()
    detail: str = ""
    unit: Criterion | None = field(default=None, compare=False, repr=False)

    def describe(self, lang: str = "nb", texts: Texts | None = None) -> str:
        """What the rule asks, in words (the release's text of a property value added)."""
        return describe_condition(self.column, self.required, lang, texts, self.unit)

    def note(self, f: CaseFeatures, lang: str = "nb") -> str:
        """What the case has for this column, in words ("" when the codes say it)."""
        return (self.unit or unit(self.column)).note(self.required, f, lang)


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
    """The check depends on the procedures' classes for a (secondary mark, carrier) pair
    (`isf.grouping.features.item_state`); the mark is a PROCPR value or `features.OR1`."""

    secondary: str
    carrier: str


Domain = Principal | PropertyValue | View | Threshold | ProcedureClasses


# -- helpers shared by several columns --------------------------------------------------------
def limit_ok(limit: str, value: int) -> bool:
    """``<N`` / ``>N`` (and ``<=``, ``>=``, ``=``) limits of 'agelim' and 'dur' [guide §1].

    >>> limit_ok("<29", 28), limit_ok("<29", 29), limit_ok(">6574", 6575)
    (True, False, True)
    """
    op, n = _limit(limit)
    return {"<=": value <= n, ">=": value >= n, "<": value < n, ">": value > n, "=": value == n}.get(op, False)


def _limit(limit: str) -> tuple[str, int]:
    op = limit[:2] if limit[:2] in ("<=", ">=") else limit[:1]
    return op, int(limit[len(op):])


def limit_points(limit: str) -> tuple[int, ...]:
    """Where `limit_ok` can change its verdict: just before and after the number."""
    n = _limit(limit)[1]
    return (n, n + 1)


def _in(value: str, have: frozenset[str]) -> bool:
    """Set membership with NordDRG's '-' prefix meaning 'must not have'."""
    return value[1:] not in have if value.startswith("-") else value in have


_ALL_ROLES = ("principal", "secondary", "procedure")


def _codes_with(f: CaseFeatures, vartypes: tuple[str, ...], value: str, roles: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(
        c.code for c in f.codes if c.role in roles and any(vt in vartypes and vv == value for vt, vv in c.properties)
    )


def _procedures(f: CaseFeatures) -> list[str]:
    return [c.code for c in f.codes if c.role == "procedure"]


def _words(lang: str, nb: str, en: str) -> str:
    return en if lang == "en" else nb


def _negated(req: str) -> tuple[bool, str]:
    return (True, req[1:]) if req.startswith("-") else (False, req)


def _with_text(words: str, text: str) -> str:
    return f"{words} ({text})" if text else words


_LIMIT_WORDS = {"<": ("under", "under"), ">": ("over", "over"), "<=": ("høyst", "at most"),
                ">=": ("minst", "at least"), "=": ("nøyaktig", "exactly")}


def _days(n: int, lang: str) -> str:
    unit_ = _words(lang, "dag" if n == 1 else "dager", "day" if n == 1 else "days")
    years = f" (≈ {round(n / 365.25)} {_words(lang, 'år', 'years')})" if n >= 365 else ""
    return f"{number(n, lang=lang)} {unit_}{years}"


def _limit_words(limit: str, lang: str) -> str:
    op, n = _limit(limit)
    nb, en = _LIMIT_WORDS[op]
    return f"{_words(lang, nb, en)} {_days(n, lang)}"


# -- the units --------------------------------------------------------------------------------
class Criterion:
    """One `drg_logic` column. Subclasses set ``column``, ``guide``, ``attr`` (and ``kind``,
    the property type whose release text names a value) and define ``check``, ``domain``,
    ``describe`` and ``note``."""

    column: str
    guide: str
    attr: str
    kind: str = ""  # MDC, DGCAT, PDGPRO, PROCPR or DGPROP: where `Logic.property_text` finds a text

    def requirement(self, rule: Rule) -> Hashable:
        """What `rule` asks of this column; falsy when it asks nothing."""
        return getattr(rule, self.attr)  # type: ignore[no-any-return]

    def shown(self, req: Hashable) -> str:
        """The requirement as the table writes it."""
        return str(req)

    def check(self, req: Hashable, f: CaseFeatures) -> bool:
        raise NotImplementedError

    def evidence(self, req: Hashable, f: CaseFeatures) -> tuple[str, ...]:
        """The codes that satisfy the requirement (for explain)."""
        return ()

    def domain(self, req: Hashable) -> Domain:
        raise NotImplementedError

    def describe(self, required: str, lang: str = "nb", *, text: str = "") -> str:
        """The requirement `required` (as the table writes it) in words; `text` is the
        release's text of the property value it names."""
        raise NotImplementedError

    def note(self, required: str, f: CaseFeatures, lang: str = "nb") -> str:
        """What the case has for this column, in words ("" when the evidence codes say it)."""
        return ""

    def text(self, required: str, texts: Texts | None) -> str:
        """The release's text of the property value `required` names ("" without one)."""
        value = _negated(required)[1]
        return texts(self.kind, value) if texts and self.kind and value else ""

    def condition(self, req: Hashable, f: CaseFeatures) -> Condition:
        """`check` with its evidence, for explain."""
        ok = self.check(req, f)
        shown = self.shown(req)
        return Condition(self.column, shown, ok, self.evidence(req, f) if ok else (), self.note(shown, f, "en"), self)

    def __repr__(self) -> str:
        return f"<criterion {self.column}>"


class Icd(Criterion):
    """'+': a principal diagnosis the tables know (one with a DGCAT); '-': none allowed."""

    column, guide, attr = "icd", "guide §1 'icd' (p. 2)", "icd"

    def check(self, req: Hashable, f: CaseFeatures) -> bool:
        return f.principal_valid if req == "+" else not f.principal_valid if req == "-" else True

    def domain(self, req: Hashable) -> Domain:
        return Principal()

    def describe(self, required: str, lang: str = "nb", *, text: str = "") -> str:
        if required == "-":
            return _words(lang, "ingen gyldig hoveddiagnose", "no valid principal diagnosis")
        return _words(lang, "gyldig hoveddiagnose", "a valid principal diagnosis")

    def note(self, required: str, f: CaseFeatures, lang: str = "nb") -> str:
        if f.principal_valid:
            return _words(lang, "hoveddiagnosen er gyldig", "the principal diagnosis is valid")
        return _words(lang, "ingen gyldig hoveddiagnose", "no valid principal diagnosis")


class Mdc(Criterion):
    """The principal's MDC; '-' before it: any other MDC."""

    column, guide, attr, kind = "mdc", "guide §1 'mdc' (p. 2)", "mdc", "MDC"

    def check(self, req: Hashable, f: CaseFeatures) -> bool:
        r = str(req)
        return f.mdc != r[1:] if r.startswith("-") else f.mdc == r

    def domain(self, req: Hashable) -> Domain:
        return Principal()

    def describe(self, required: str, lang: str = "nb", *, text: str = "") -> str:
        neg, v = _negated(required)
        if neg:
            return _with_text(_words(lang, f"hoveddiagnose utenfor MDC {v}", f"principal diagnosis outside MDC {v}"), text)
        return _with_text(_words(lang, f"hoveddiagnose i MDC {v}", f"principal diagnosis in MDC {v}"), text)

    def note(self, required: str, f: CaseFeatures, lang: str = "nb") -> str:
        return _words(lang, f"hoveddiagnosens MDC er {f.mdc or 'ingen'}", f"principal MDC is {f.mdc or 'none'}")


class Dgcat(Criterion):
    """The principal's diagnosis category (one per code; never from a secondary)."""

    column, guide, attr, kind = "dgcat", "guide §1 'dgcat' (p. 2)", "dgcat", "DGCAT"

    def check(self, req: Hashable, f: CaseFeatures) -> bool:
        r = str(req)
        return bool(f.dgcat) and (f.dgcat != r[1:] if r.startswith("-") else f.dgcat == r)

    def domain(self, req: Hashable) -> Domain:
        return Principal()

    def describe(self, required: str, lang: str = "nb", *, text: str = "") -> str:
        neg, v = _negated(required)
        if neg:
            return _with_text(_words(lang, f"hoveddiagnose med kategori, men ikke {v}",
                                     f"principal diagnosis with a category other than {v}"), text)
        return _with_text(_words(lang, f"hoveddiagnose i kategori {v}", f"principal diagnosis in category {v}"), text)

    def note(self, required: str, f: CaseFeatures, lang: str = "nb") -> str:
        return _words(lang, f"hoveddiagnosens kategori er {f.dgcat or 'ingen'}", f"principal DGCAT is {f.dgcat or 'none'}")


class Pdgprop(Criterion):
    """A principal diagnosis property (a code may have several; never from a secondary)."""

    column, guide, attr, kind = "pdgprop", "guide §1 'pdgprop' (p. 2)", "pdgprop", "PDGPRO"

    def check(self, req: Hashable, f: CaseFeatures) -> bool:
        return _in(str(req), f.pdgprops)

    def evidence(self, req: Hashable, f: CaseFeatures) -> tuple[str, ...]:
        return _codes_with(f, ("PDGPRO",), str(req), ("principal",))

    def domain(self, req: Hashable) -> Domain:
        return PropertyValue("pdgprops", str(req).lstrip("-"))

    def describe(self, required: str, lang: str = "nb", *, text: str = "") -> str:
        neg, v = _negated(required)
        if neg:
            return _with_text(_words(lang, f"hoveddiagnose uten egenskap {v}", f"principal diagnosis without property {v}"), text)
        return _with_text(_words(lang, f"hoveddiagnose med egenskap {v}", f"principal diagnosis with property {v}"), text)


class Compl(Criterion):
    """CC level: 2 needs an MCC, 1 a CC or MCC ("1 can be read as 1 or 2")."""

    column, guide, attr = "compl", "guide §1 'compl' (pp. 2-3), ch. 5", "compl"

    def check(self, req: Hashable, f: CaseFeatures) -> bool:
        return f.cc_level >= int(str(req))

    def evidence(self, req: Hashable, f: CaseFeatures) -> tuple[str, ...]:
        return f.cc_sources

    def domain(self, req: Hashable) -> Domain:
        return View("cc")

    def describe(self, required: str, lang: str = "nb", *, text: str = "") -> str:
        if required == "2":
            return _words(lang, "alvorlig komplikasjon eller komorbiditet (MCC)", "a major complication or comorbidity (MCC)")
        return _words(lang, "minst én komplikasjon eller komorbiditet (CC eller MCC)",
                      "at least one complication or comorbidity (CC or MCC)")

    def note(self, required: str, f: CaseFeatures, lang: str = "nb") -> str:
        return _words(lang, f"sakens CC-nivå er {f.cc_level}", f"case CC level is {f.cc_level}")


_OR_WORDS = {
    "S": ("minst én OR-prosedyre med OR 1", "at least one OR procedure with OR 1"),
    "P": ("minst én OR-prosedyre (OR 1 eller 2)", "at least one OR procedure (OR 1 or 2)"),
    "N": ("ingen OR-prosedyre med OR 1 (OR 2 er tillatt)", "no OR procedure with OR 1 (OR 2 allowed)"),
    "Z": ("ingen OR-prosedyre (verken OR 1 eller 2)", "no OR procedure (neither OR 1 nor 2)"),
}


class OrProc(Criterion):
    """OR property: S = an OR 1 code; P = OR 1 or 2; N = no OR 1 (OR 2 allowed); Z = neither
    1 nor 2. Every OR value of every code counts (NOR2017's LFB30 has both 1 and 2)."""

    column, guide, attr = "or", "guide §1 'or_proc' (p. 3)", "or_proc"

    def check(self, req: Hashable, f: CaseFeatures) -> bool:
        has1, has2 = 1 in f.or_values, 2 in f.or_values
        return {"S": has1, "P": has1 or has2, "N": not has1, "Z": not has1 and not has2}.get(str(req), True)

    def evidence(self, req: Hashable, f: CaseFeatures) -> tuple[str, ...]:
        return tuple(p for p, v in zip(_procedures(f), f.proc_or, strict=False) if v)

    def domain(self, req: Hashable) -> Domain:
        return View("or")

    def describe(self, required: str, lang: str = "nb", *, text: str = "") -> str:
        nb, en = _OR_WORDS.get(required, (f"OR {required}", f"OR {required}"))
        return _words(lang, nb, en)

    def note(self, required: str, f: CaseFeatures, lang: str = "nb") -> str:
        values = ", ".join(str(v) for v in sorted(f.or_values)) or _words(lang, "ingen", "none")
        return _words(lang, f"OR-verdier i saken: {values}", f"OR values of the case: {values}")


class Procpro(Criterion):
    """A procedure property some code of the case carries; '-': none may."""

    column, guide, attr, kind = "procpro", "guide §1 'procpro' (pp. 3-4)", "procpro", "PROCPR"

    def check(self, req: Hashable, f: CaseFeatures) -> bool:
        return _in(str(req), f.procprops)

    def evidence(self, req: Hashable, f: CaseFeatures) -> tuple[str, ...]:
        return _codes_with(f, ("PROCPR",), str(req), _ALL_ROLES)

    def domain(self, req: Hashable) -> Domain:
        return PropertyValue("procprops", str(req).lstrip("-"))

    def describe(self, required: str, lang: str = "nb", *, text: str = "") -> str:
        neg, v = _negated(required)
        if neg:
            return _with_text(_words(lang, f"ingen prosedyre med egenskap {v}", f"no procedure with property {v}"), text)
        return _with_text(_words(lang, f"prosedyre med egenskap {v}", f"a procedure with property {v}"), text)


class Secpro(Criterion):
    """A secondary procedure [guide §1 'secpro']. 'X': another procedure with property X than
    the one carrying the rule's 'procpro' (a property brought only by a diagnosis still
    counts, as for 'procpro'); '-X': no code with X. The lone signs (2012 release) look at
    procedures with OR 1 that do not carry the rule's 'procpro': '+' needs one, '-' allows
    none. The NCC 2012 test database decides it: R065 with EMB10 (03S03, OR 1) and EMC10
    (03S11, OR 1) or KAH80 (OR 1) reaches 403D124 (procpro 03S03, secpro '+'), while EMB10
    with EMB30 (also 03S03), EMB10 twice, or EMB10 with EMA10 (OR 2) do not.

    The requirement is the pair (secpro, procpro); a negated procpro carries nothing.
    """

    column, guide, attr, kind = "secpro", "guide §1 'secpro' (p. 4)", "secpro", "PROCPR"

    def requirement(self, rule: Rule) -> Hashable:
        carrier = "" if rule.procpro.startswith("-") else rule.procpro
        return (rule.secpro, carrier) if rule.secpro else ()

    def shown(self, req: Hashable) -> str:
        return cast(tuple[str, str], req)[0]

    def check(self, req: Hashable, f: CaseFeatures) -> bool:
        secpro, carrier = cast(tuple[str, str], req)
        if secpro in ("-", "+"):
            found = any(1 in o and not (carrier and carrier in p) for p, o in zip(f.proc_props_each, f.proc_or, strict=True))
            return found if secpro == "+" else not found
        if secpro.startswith("-"):
            return secpro[1:] not in f.procprops
        hits = [i for i, s in enumerate(f.proc_props_each) if secpro in s]
        if not hits:
            return secpro in f.procprops
        carriers = [i for i, s in enumerate(f.proc_props_each) if carrier and carrier in s]
        return any(h != c for h in hits for c in carriers) if carriers else True

    def evidence(self, req: Hashable, f: CaseFeatures) -> tuple[str, ...]:
        secpro, carrier = cast(tuple[str, str], req)
        procs = _procedures(f)
        if secpro in ("-", "+"):
            return tuple(procs[i] for i, (p, o) in enumerate(zip(f.proc_props_each, f.proc_or, strict=True))
                         if 1 in o and not (carrier and carrier in p) and i < len(procs))
        prop = secpro.lstrip("-")
        return tuple(procs[i] for i, s in enumerate(f.proc_props_each) if prop in s and i < len(procs))

    def domain(self, req: Hashable) -> Domain:
        secpro, carrier = cast(tuple[str, str], req)
        if secpro in ("-", "+"):
            return ProcedureClasses(OR1, carrier)
        if secpro.startswith("-"):
            return PropertyValue("procprops", secpro[1:])
        return ProcedureClasses(secpro, carrier)

    def text(self, required: str, texts: Texts | None) -> str:
        return "" if required in ("-", "+") else super().text(required, texts)

    def describe(self, required: str, lang: str = "nb", *, text: str = "") -> str:
        if required == "+":
            return _words(lang, "en annen prosedyre med OR 1 (uten regelens procpro-egenskap)",
                          "another procedure with OR 1 (one without the rule's procpro property)")
        if required == "-":
            return _words(lang, "ingen annen prosedyre med OR 1 (utenom den med regelens procpro-egenskap)",
                          "no other procedure with OR 1 (besides one with the rule's procpro property)")
        neg, v = _negated(required)
        if neg:
            return _with_text(_words(lang, f"ingen kode med prosedyreegenskap {v}", f"no code with procedure property {v}"),
                              text)
        return _with_text(_words(lang, f"en annen prosedyre med egenskap {v}", f"another procedure with property {v}"), text)


class DgProp(Criterion):
    """The k-th diagnosis property column: any diagnosis (any position) or procedure carries
    it (DGPROP or SDGPRO); '-': none may."""

    guide, attr, kind = "guide §1 'dgprop1..4' (p. 4)", "dgprop", "DGPROP"

    def __init__(self, k: int) -> None:
        self.k = k
        self.column = f"dgprop{k}"

    def requirement(self, rule: Rule) -> Hashable:
        return rule.dgprop[self.k - 1] if len(rule.dgprop) >= self.k else ""

    def check(self, req: Hashable, f: CaseFeatures) -> bool:
        return _in(str(req), f.dgprops)

    def evidence(self, req: Hashable, f: CaseFeatures) -> tuple[str, ...]:
        r = str(req)
        return () if r.startswith("-") else _codes_with(f, ("DGPROP", "SDGPRO"), r, _ALL_ROLES)

    def domain(self, req: Hashable) -> Domain:
        return PropertyValue("dgprops", str(req).lstrip("-"))

    def describe(self, required: str, lang: str = "nb", *, text: str = "") -> str:
        neg, v = _negated(required)
        if neg:
            return _with_text(_words(lang, f"ingen diagnose eller prosedyre med egenskap {v}",
                                     f"no diagnosis or procedure with property {v}"), text)
        return _with_text(_words(lang, f"diagnose eller prosedyre med egenskap {v}",
                                 f"a diagnosis or procedure with property {v}"), text)


class Limit(Criterion):
    """A limit on a whole number of days: ``<N``, ``>N``, ``<=N``, ``>=N`` or ``=N`` (`limit_ok`).
    Two columns are limits: 'agelim' on the age at admission, 'dur' on the length of stay
    (0 = outpatient)."""

    def __init__(self, column: str, guide: str, feature: str, view: str, words: tuple[str, str],
                 has: tuple[str, str]) -> None:
        self.column, self.guide, self.attr = column, guide, column
        self.feature, self.view, self.words, self.has = feature, view, words, has

    def check(self, req: Hashable, f: CaseFeatures) -> bool:
        return limit_ok(str(req), getattr(f, self.feature))

    def domain(self, req: Hashable) -> Domain:
        return Threshold(self.view, limit_points(str(req)))

    def describe(self, required: str, lang: str = "nb", *, text: str = "") -> str:
        return f"{_words(lang, *self.words)} {_limit_words(required, lang)}"

    def note(self, required: str, f: CaseFeatures, lang: str = "nb") -> str:
        return f"{_words(lang, *self.has)} {_days(getattr(f, self.feature), lang)}"


_SEX_WANTED = {"M": "M", "F": "F", "-": ""}
_SEX_WORDS = {"M": ("mann", "male"), "F": ("kvinne", "female"), "": ("mangler", "missing")}


class Sex(Criterion):
    """M or F; '-': sex missing (the MDC 98 validation rules, guide ch. 6)."""

    column, guide, attr = "sex", "guide §1 'sex' (p. 4)", "sex"

    def check(self, req: Hashable, f: CaseFeatures) -> bool:
        return f.sex == _SEX_WANTED[str(req)]

    def domain(self, req: Hashable) -> Domain:
        return View("sex")

    def describe(self, required: str, lang: str = "nb", *, text: str = "") -> str:
        if required == "-":
            return _words(lang, "kjønn mangler", "sex missing")
        return _words(lang, *_SEX_WORDS.get(required, (required, required)))

    def note(self, required: str, f: CaseFeatures, lang: str = "nb") -> str:
        return f"{_words(lang, 'kjønn', 'sex')}: {_words(lang, *_SEX_WORDS.get(f.sex, (f.sex, f.sex)))}"


_DISCH_WORDS = {"E": ("død", "died"), "N": ("utskrevet levende", "discharged alive"),
                "R": ("overført til annen institusjon", "transferred to another institution"),
                "H": ("utskrevet hjem", "discharged home")}


class Disch(Criterion):
    """Discharge: E = dead, N = alive (not E), R = transferred."""

    column, guide, attr = "disch", "guide §1 'disch' (p. 5)", "disch"

    def check(self, req: Hashable, f: CaseFeatures) -> bool:
        return {"N": f.discharge != "E", "E": f.discharge == "E", "R": f.discharge == "R"}[str(req)]

    def domain(self, req: Hashable) -> Domain:
        return View("discharge")

    def describe(self, required: str, lang: str = "nb", *, text: str = "") -> str:
        return _words(lang, *_DISCH_WORDS.get(required, (required, required)))

    def note(self, required: str, f: CaseFeatures, lang: str = "nb") -> str:
        return f"{_words(lang, 'utskrivning', 'discharge')}: {_words(lang, *_DISCH_WORDS.get(f.discharge, ('?', '?')))}"


ICD, MDC, DGCAT, PDGPROP, COMPL = Icd(), Mdc(), Dgcat(), Pdgprop(), Compl()
OR_PROC, PROCPRO, SECPRO = OrProc(), Procpro(), Secpro()
AGELIM = Limit("agelim", "guide §1 'agelim' (p. 4)", "age_days", "age", ("alder", "age"), ("alderen er", "age is"))
DUR = Limit("dur", "guide §1 'dur' (pp. 4-5)", "los", "stay", ("liggetid", "length of stay"),
            ("liggetiden er", "length of stay is"))
SEX, DISCH = Sex(), Disch()


def criteria(n_dgprop: int = 4) -> tuple[Criterion, ...]:
    """Every column in table order, with `n_dgprop` diagnosis property columns."""
    dg = tuple(DgProp(k) for k in range(1, max(n_dgprop, 4) + 1))
    return (ICD, MDC, DGCAT, PDGPROP, COMPL, OR_PROC, PROCPRO, SECPRO, *dg, AGELIM, SEX, DUR, DISCH)


_BY_COLUMN = {c.column: c for c in criteria()}


def unit(column: str) -> Criterion:
    """The unit of a column name (``dgprop5`` and beyond included)."""
    found = _BY_COLUMN.get(column)
    if found is None:
        if not (column.startswith("dgprop") and column[6:].isdigit()):
            raise KeyError(column)
        return DgProp(int(column[6:]))
    return found


def describe_condition(column: str, required: str, lang: str = "nb", texts: Texts | None = None,
                       u: Criterion | None = None) -> str:
    """A rule column's value in words, without a case (``or P`` -> "minst én OR-prosedyre
    (OR 1 eller 2)"), with the release's text of the property value it names.

    >>> describe_condition("dgcat", "05M01", "en", lambda kind, v: "Acute MI" if kind == "DGCAT" else "")
    'principal diagnosis in category 05M01 (Acute MI)'
    """
    u = u or unit(column)
    return u.describe(required, lang, text=u.text(required, texts))


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
