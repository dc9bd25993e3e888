"""Code -> properties: the definition tables as look-ups, and what each code brings to a case.

This is the grouper's first phase and the only place that reads ``dg_feat``, ``proc_feat``,
``compl_name`` and ``compl_excl``. [guide] is *How to read NordDRG definition tables*
(Nordic Casemix Centre, 2021-12-20); where the official Norwegian grouper differs from a
literal reading, the 2015 reference cases decide and the rule cites them.

Every fact here is a function of one code, one diagnosis slot or one principal slot and sex,
so the single-case path calls these functions directly and the batch compiler calls them once
per distinct value (`isf.grouping.compiled`). The case-level fold lives in
`isf.grouping.facts`.

>>> from isf.definitions import load_logic
>>> t = code_tables(load_logic("demo"))
>>> principal_facts(t, ("A630",), "F").dgcat   # MDC 98 read as 13 for a woman [guide ch. 6]
'13M01'
>>> secondary_contribution(t, ("J960",)).compl
('04G05',)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypeVar

from isf.definitions.model import Logic

__all__ = [
    "CodeTables",
    "Contribution",
    "Frozen",
    "PrincipalFacts",
    "Props",
    "code_tables",
    "compl_level",
    "principal_facts",
    "principal_view",
    "procedure_contribution",
    "recode98",
    "secondary_contribution",
    "slot_properties",
    "wildcard",
]

Props = tuple[tuple[str, str], ...]  # ((vartype, varval), ...) in table order
Slot = tuple[str, ...]  # () | (code,) | (dagger, asterisk)

_DGPROP_TYPES = ("DGPROP", "SDGPRO")  # [guide §1 'dgprop1..4': SDGPRO values share the columns]


K = TypeVar("K")
V = TypeVar("V")


class Frozen(dict[K, V]):
    """A read-only dict: look-ups at dict speed, every mutation refused, picklable
    (`types.MappingProxyType` does not pickle)."""

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("a Frozen mapping cannot be changed")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse

    def __reduce__(self) -> tuple[Any, ...]:
        return (Frozen, (dict(self),))

    def __repr__(self) -> str:
        return f"Frozen({len(self)} entries)"


def _frozen(d: Mapping[K, V]) -> Frozen[K, V]:
    return Frozen(d)


@dataclass(frozen=True, slots=True)
class CodeTables:
    """The definition tables of one logic as read-only look-ups (build with `code_tables`).

    ``dx`` holds single-code ``dg_feat`` rows, ``dx_pair`` the rows of dagger/asterisk
    combinations keyed ``(dagger, asterisk)`` [guide §2: ``code_nat`` is the asterisk,
    ``d_code_nat`` the dagger]. ``spelling`` maps an upper-cased code to the table's own
    spelling, so ``i219`` finds ``I219`` and ``T4N`` finds ``T4n`` (an exact match wins).
    """

    dx: Mapping[str, Props]
    dx_pair: Mapping[tuple[str, str], Props]
    proc: Mapping[str, Props]
    dx_spelling: Mapping[str, str]
    proc_spelling: Mapping[str, str]
    inclprop: Mapping[str, str]  # inactive COMPL category -> the DGPROP that activates it
    excl_code: Mapping[str, frozenset[str]]  # principal code -> COMPL categories it is excluded for
    excl_pair: Mapping[tuple[str, str], frozenset[str]]  # (dagger, asterisk) -> COMPL categories
    compl_categories: tuple[str, ...]  # every COMPL category a diagnosis carries, sorted
    _by_wildcard: Mapping[str, tuple[str, ...]] = field(repr=False)
    _inactive_for: Mapping[str, tuple[str, ...]] = field(repr=False)  # active form -> inactive ones

    def dx_code(self, code: str) -> str:
        """The table's spelling of a diagnosis code (the code itself when unknown)."""
        return _spell(code, self.dx_spelling)

    def proc_code(self, code: str) -> str:
        """The table's spelling of a procedure code (the code itself when unknown)."""
        return _spell(code, self.proc_spelling)


def _spell(code: str, spelling: Mapping[str, str]) -> str:
    exact = spelling.get(code)
    if exact == code:
        return code
    return spelling.get(code.upper(), code)


def _spelling(codes: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    codes = list(codes)
    for c in codes:
        out[c] = c
    for c in codes:
        out.setdefault(c.upper(), c)
    return out


def wildcard(compl: str) -> str:
    """A COMPL category with its kind letter masked: ``05C01`` -> ``05*01``."""
    return compl[:2] + "*" + compl[3:]


def _active_form(compl: str) -> str:
    """The category an inactive one becomes once activated: I -> C, J -> G [guide §1 'compl']."""
    return compl[:2] + ("C" if compl[2:3] == "I" else "G") + compl[3:]


def code_tables(logic: Logic) -> CodeTables:
    """Index `logic`'s code tables (pure; the compiled logic keeps one per logic)."""
    dx: dict[str, list[tuple[str, str]]] = defaultdict(list)
    pair: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for r in logic.dg:
        if r.d_code:
            pair[(r.d_code, r.code)].append((r.vartype, r.varval))
        else:
            dx[r.code].append((r.vartype, r.varval))
    proc: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for p in logic.proc:
        proc[p.code].append((p.vartype, p.varval))
    excl_code: dict[str, set[str]] = defaultdict(set)
    excl_pair: dict[tuple[str, str], set[str]] = defaultdict(set)
    for e in logic.complexcl:
        if e.d_code:
            excl_pair[(e.d_code, e.code)].add(e.compl)
        else:
            excl_code[e.code].add(e.compl)
    categories = sorted({r.varval for r in logic.dg if r.vartype == "COMPL"})
    by_wild: dict[str, list[str]] = defaultdict(list)
    for c in categories:
        by_wild[wildcard(c)].append(c)
    dx_names = [*dx, *(c for k in pair for c in k)]
    return CodeTables(
        dx=_frozen({k: tuple(v) for k, v in dx.items()}),
        dx_pair=_frozen({k: tuple(v) for k, v in pair.items()}),
        proc=_frozen({k: tuple(v) for k, v in proc.items()}),
        dx_spelling=_frozen(_spelling(dx_names)),
        proc_spelling=_frozen(_spelling(proc)),
        # NB: a category listed twice in compl_name keeps its last activating property.
        inclprop=_frozen({c.compl: c.inclprop for c in logic.complcat if c.inclprop}),
        excl_code=_frozen({k: frozenset(v) for k, v in excl_code.items()}),
        excl_pair=_frozen({k: frozenset(v) for k, v in excl_pair.items()}),
        compl_categories=tuple(categories),
        _by_wildcard=_frozen({k: tuple(v) for k, v in by_wild.items()}),
        _inactive_for=_frozen(_inactive_for(categories)),
    )


def _inactive_for(categories: Iterable[str]) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = defaultdict(list)
    for c in categories:
        if c[2:3] in ("I", "J"):
            out[_active_form(c)].append(c)
    return {k: tuple(v) for k, v in out.items()}


def recode98(varval: str, sex: str) -> str:
    """MDC 98 (genital diagnoses shared by both sexes) reads as 12 for men, 13 for women;
    sex missing keeps 98 [guide ch. 6].

    >>> recode98("98M03", "M"), recode98("98M03", "F"), recode98("98M03", "")
    ('12M03', '13M03', '98M03')
    """
    if varval.startswith("98"):
        if sex == "M":
            return "12" + varval[2:]
        if sex == "F":
            return "13" + varval[2:]
    return varval


def _canonical(t: CodeTables, slot: Slot) -> Slot:
    return tuple(t.dx_code(c) for c in slot)


def slot_properties(t: CodeTables, slot: Slot) -> tuple[Props, bool]:
    """Rows of a diagnosis slot and whether the tables know it: a pair brings its own rows
    plus each code's single-code rows [guide §2 'code_nat', 'd_code_nat']."""
    return _slot_properties(t, _canonical(t, slot))


def _slot_properties(t: CodeTables, slot: Slot) -> tuple[Props, bool]:
    if len(slot) == 2:
        dagger, asterisk = slot
        own = t.dx_pair.get((dagger, asterisk))
        props = (own or ()) + t.dx.get(dagger, ()) + t.dx.get(asterisk, ())
        return props, own is not None or dagger in t.dx or asterisk in t.dx
    if len(slot) == 1:
        return t.dx.get(slot[0], ()), slot[0] in t.dx
    return (), False


def _first(props: Props, vartype: str) -> str:
    return next((vv for vt, vv in props if vt == vartype), "")


def _principal_dgcat(t: CodeTables, slot: Slot) -> str:
    """One DGCAT for the principal slot: the pair's own row, else the asterisk's, else the
    dagger's (2015 reference cases 775, 1097, 1098) [guide §1 'dgcat': one category per code].
    `slot` is spelled as the tables spell it."""
    if len(slot) == 2:
        for props in (t.dx_pair.get((slot[0], slot[1]), ()), t.dx.get(slot[1], ()), t.dx.get(slot[0], ())):
            v = _first(props, "DGCAT")
            if v:
                return v
        return ""
    return _first(t.dx.get(slot[0], ()), "DGCAT") if slot else ""


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one code or diagnosis slot adds to the case-wide features.

    ``dgprops`` are DGPROP and SDGPRO values (any code, any position) [guide §1 'dgprop1..4'];
    ``procprops`` PROCPR values [guide §1 'procpro']; ``or_values`` OR values [guide §1 'or'];
    ``compl`` COMPL categories (secondary diagnoses only) and ``cc`` the CC property of a
    procedure [guide §1 'compl', ch. 5].
    """

    dgprops: frozenset[str] = frozenset()
    procprops: frozenset[str] = frozenset()
    or_values: tuple[int, ...] = ()
    compl: tuple[str, ...] = ()
    cc: bool = False


NOTHING = Contribution()


def _diagnosis_contribution(props: Props, *, secondary: bool) -> Contribution:
    dg: set[str] = set()
    pr: set[str] = set()
    ors: list[int] = []
    compl: list[str] = []
    for vt, vv in props:
        if vt in _DGPROP_TYPES:
            dg.add(vv)
        elif vt == "PROCPR":
            pr.add(vv)
        elif vt == "OR" and vv.isdigit():
            ors.append(int(vv))  # each diagnosis OR row counts on its own
        elif vt == "COMPL" and secondary:
            compl.append(vv)
    return Contribution(frozenset(dg), frozenset(pr), tuple(ors), tuple(compl), False)


def secondary_contribution(t: CodeTables, slot: Slot) -> Contribution:
    """A secondary diagnosis slot: DGPROP/SDGPRO, PROCPR, OR and its COMPL categories; a
    secondary never brings DGCAT or PDGPRO [guide §1 'dgcat', 'pdgprop'] and is not recoded
    for MDC 98 (2015 reference case 1322)."""
    return _diagnosis_contribution(slot_properties(t, slot)[0], secondary=True)


def procedure_contribution(t: CodeTables, code: str) -> Contribution:
    """A procedure: PROCPR, DGPROP, its OR value (the highest it carries; 0 when none) and
    CC [guide §3 'proc_feat']."""
    dg: set[str] = set()
    pr: set[str] = set()
    orv = 0
    cc = False
    for vt, vv in t.proc.get(t.proc_code(code), ()):
        if vt == "PROCPR":
            pr.add(vv)
        elif vt == "DGPROP":
            dg.add(vv)
        elif vt == "OR":
            orv = max(orv, int(vv) if vv.isdigit() else 0)
        elif vt == "CC" and vv.isdigit() and int(vv) > 0:
            cc = True
    return Contribution(frozenset(dg), frozenset(pr), (orv,), (), cc)


def principal_view(dgcat: str) -> tuple[bool, str]:
    """(valid, MDC) of a principal with this DGCAT: valid means it has a category (what
    ``icd +`` requires [guide §1 'icd']); the MDC is the category's first two digits
    [guide §1 'dgcat': "the numbers before the letter M is the same as the MDC"].

    >>> principal_view("05M01"), principal_view("")
    ((True, '05'), (False, ''))
    """
    return bool(dgcat), dgcat[:2]


@dataclass(frozen=True, slots=True)
class PrincipalFacts:
    """What the principal slot decides, for one sex (MDC 98 recode applied [guide ch. 6]).

    ``blocked`` are the COMPL categories that cannot complicate this principal: those with
    the principal's own category (kind letter masked), those whose ``compl_excl`` list holds
    the principal (its pair row or either code of a pair), and inactive ones whose active
    form is excluded [guide §4, ch. 5 points 3-4].
    """

    has_principal: bool  # the slot holds a code at all
    known: bool  # ... that the tables know
    dgcat: str
    pdgprops: frozenset[str]
    contribution: Contribution  # its DGPROP, PROCPR and OR (COMPL only blocks, see above)
    blocked: frozenset[str]
    properties: Props  # recoded rows, for explain

    @property
    def valid(self) -> bool:
        return principal_view(self.dgcat)[0]

    @property
    def recodable(self) -> bool:
        """Whether the MDC 98 recode can change these facts (a value of the slot starts with
        98; read on the facts for sex missing, which keep 98)."""
        return any(vv.startswith("98") for _, vv in self.properties)

    @property
    def mdc(self) -> str:
        return principal_view(self.dgcat)[1]


def _excluded_for(t: CodeTables, slot: Slot) -> frozenset[str]:
    if len(slot) == 2:
        dagger, asterisk = slot
        return (t.excl_pair.get((dagger, asterisk), frozenset()) | t.excl_code.get(dagger, frozenset())
                | t.excl_code.get(asterisk, frozenset()))
    return t.excl_code.get(slot[0], frozenset()) if slot else frozenset()


def principal_facts(t: CodeTables, slot: Slot, sex: str) -> PrincipalFacts:
    """The principal's facts (pure; see `PrincipalFacts`)."""
    slot = _canonical(t, slot)
    props, known = _slot_properties(t, slot)
    if sex:
        props = tuple((vt, recode98(vv, sex)) for vt, vv in props)
    own = _diagnosis_contribution(props, secondary=False)
    pdg = frozenset(vv for vt, vv in props if vt == "PDGPRO")
    wild = {wildcard(vv) for vt, vv in props if vt == "COMPL"}
    excluded = _excluded_for(t, slot)
    blocked = set(excluded)
    for w in wild:
        blocked.update(t._by_wildcard.get(w, ()))
    for e in excluded:
        blocked.update(t._inactive_for.get(e, ()))
    return PrincipalFacts(
        has_principal=bool(slot),
        known=known,
        dgcat=recode98(_principal_dgcat(t, slot), sex),
        pdgprops=pdg,
        contribution=own,
        blocked=frozenset(blocked),
        properties=props,
    )


def compl_level(t: CodeTables, compl: str) -> tuple[int, str]:
    """(CC level, activating DGPROP) of a secondary's COMPL category [guide §1 'compl', ch. 5].

    G gives level 2 and C level 1; an inactive I (J) category gives 1 (2) once a code other
    than the principal brings its ``inclprop`` DGPROP; other kinds give nothing.

    >>> from isf.definitions import load_logic
    >>> t = code_tables(load_logic("demo"))
    >>> compl_level(t, "04G05"), compl_level(t, "05C01"), compl_level(t, "05I04")
    ((2, ''), (1, ''), (1, '00X05'))
    """
    kind = compl[2:3]
    if kind == "G":
        return 2, ""
    if kind == "C":
        return 1, ""
    if kind in ("I", "J"):
        act = t.inclprop.get(compl, "")
        return (1 if kind == "I" else 2) if act else 0, act
    return 0, ""
