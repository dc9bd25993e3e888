"""Code -> properties: the definition tables as look-ups, and what each code brings to a case.

This is the grouper's first phase and the only place that reads ``dg_feat``, ``proc_feat``,
``compl_name`` and ``compl_excl``. [guide] is *How to read NordDRG definition tables*
(Nordic Casemix Centre, 2021-12-20); where the official Norwegian grouper differs from a
literal reading, the 2015 reference cases decide and the rule cites them.

Every fact here is a function of one code, one diagnosis slot or one principal slot and sex,
so the single-case path calls these functions directly and the batch compiler calls them once
per distinct value (`isf.grouping.compiled`). The case-level fold lives in
`isf.grouping.features`.

>>> from isf.definitions import DgRow, Rule, build_logic
>>> dg = [DgRow("A630", "", "DGCAT", "98M03"), DgRow("J960", "", "COMPL", "04G05")]
>>> lg = build_logic(id="T", source="doc", rules=[Rule("999D999", "470", "8")], dg=dg, proc=[],
...                  complcat=[], complexcl=[])
>>> t = code_tables(lg)
>>> principal_facts(t, ("A630",), "F").dgcat   # MDC 98 read as 13 for a woman [guide ch. 6]
'13M03'
>>> secondary_contribution(t, ("J960",)).compl
('04G05',)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

from isf.definitions.model import Logic

__all__ = [
    "NOTHING",
    "CodeTables",
    "Contribution",
    "Frozen",
    "PrincipalFacts",
    "Props",
    "code_tables",
    "codes_by_property",
    "compl_level",
    "principal_facts",
    "principal_view",
    "procedure_contribution",
    "recode98",
    "secondary_contribution",
    "slot_properties",
    "valid_diagnosis_codes",
    "valid_procedure_codes",
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
    valid_dx: frozenset[str] | None  # the release's valid diagnosis codes (None: it has no list)
    valid_px: frozenset[str] | None  # ... and procedure codes
    inclprop: Mapping[str, frozenset[str]]  # inactive COMPL category -> every DGPROP that activates it
    excl_code: Mapping[str, frozenset[str]]  # principal code -> exclusion lists it is on (letter masked)
    excl_pair: Mapping[tuple[str, str], frozenset[str]]  # (dagger, asterisk) -> exclusion lists
    compl_categories: tuple[str, ...]  # every COMPL category a diagnosis carries, sorted

    def dx_code(self, code: str) -> str:
        """The table's spelling of a diagnosis code (the code itself when unknown)."""
        return _spell(code, self.dx_spelling)

    def proc_code(self, code: str) -> str:
        """The table's spelling of a procedure code (the code itself when unknown)."""
        return _spell(code, self.proc_spelling)

    def dx_valid(self, code: str) -> bool:
        """Whether the release's code list has the diagnosis code (true without a list)."""
        return _listed(code, self.valid_dx)

    def proc_valid(self, code: str) -> bool:
        """Whether the release's code list has the procedure code (true without a list)."""
        return _listed(code, self.valid_px)

    def slot_valid(self, slot: Slot) -> bool:
        """Every code of a diagnosis slot is valid: a dagger/asterisk pair only when both are."""
        return all(self.dx_valid(c) for c in slot)


def _listed(code: str, valid: frozenset[str] | None) -> bool:
    return valid is None or code in valid or code.upper() in valid


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


def valid_diagnosis_codes(logic: Logic) -> frozenset[str] | None:
    """The diagnosis codes a release accepts, or None when it publishes no code list
    (the 2015-2017 JSON: every code the tables know is used, unknown codes carry nothing).

    With a list (NCC dBase ``ICD.DBF``), a code is valid when the list has it and it is not
    longer than the list's WHO codes (``CODE_W``, at most four characters in 2012): a
    five-character national subdivision (``S92.00``, ``F00.00``, ``Z51.13``) is listed, with
    properties in ``dg_1``, yet NCC's 2012 test database treats it as no valid code -- all
    709 test cases with one as principal expect an ``icd '-'`` rule, none expects it valid,
    and as secondary it brings nothing (tests 20779/20780/20792: S9200 gives neither its
    CC 21C16 nor DGPROP 08X15, S921 in test 4014 gives both). Invalid codes are treated as
    unknown ones; a dagger/asterisk slot is valid only when both codes are.
    """
    if not logic.dx_codes:
        return None
    longest = max((len(c.who) for c in logic.dx_codes if c.who), default=0)
    return frozenset(c.code for c in logic.dx_codes if not longest or len(c.code) <= longest)


def valid_procedure_codes(logic: Logic) -> frozenset[str] | None:
    """Procedure codes of the release's list (NCC dBase ``csp.DBF``), or None without a list."""
    return frozenset(c.code for c in logic.proc_codes) if logic.proc_codes else None


def code_tables(logic: Logic) -> CodeTables:
    """Index `logic`'s code tables (pure; the compiled logic keeps one per logic).

    Rows of codes the release's code list does not have are left out (`valid_diagnosis_codes`):
    such a code is unknown to every phase after this one. Exclusion lists are keyed by the
    category with its kind letter masked (see `principal_facts`).
    """
    valid_dx = valid_diagnosis_codes(logic)
    valid_px = valid_procedure_codes(logic)
    dx: dict[str, list[tuple[str, str]]] = defaultdict(list)
    pair: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for r in logic.dg:
        if valid_dx is not None and (r.code not in valid_dx or (r.d_code and r.d_code not in valid_dx)):
            continue
        if r.d_code:
            pair[(r.d_code, r.code)].append((r.vartype, r.varval))
        else:
            dx[r.code].append((r.vartype, r.varval))
    proc: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for p in logic.proc:
        if valid_px is None or p.code in valid_px:
            proc[p.code].append((p.vartype, p.varval))
    excl_code: dict[str, set[str]] = defaultdict(set)
    excl_pair: dict[tuple[str, str], set[str]] = defaultdict(set)
    for e in logic.complexcl:
        if e.d_code:
            excl_pair[(e.d_code, e.code)].add(wildcard(e.compl))
        else:
            excl_code[e.code].add(wildcard(e.compl))
    inclprop: dict[str, set[str]] = defaultdict(set)
    for cat in logic.complcat:
        if cat.inclprop:
            inclprop[cat.compl].add(cat.inclprop)  # a category may have several (06I10: 06X02, 06X03)
    categories = sorted({vv for props in (*dx.values(), *pair.values()) for vt, vv in props if vt == "COMPL"})
    dx_names = [*dx, *(c for k in pair for c in k)]
    return CodeTables(
        dx=_frozen({k: tuple(v) for k, v in dx.items()}),
        dx_pair=_frozen({k: tuple(v) for k, v in pair.items()}),
        proc=_frozen({k: tuple(v) for k, v in proc.items()}),
        dx_spelling=_frozen(_spelling(dx_names)),
        proc_spelling=_frozen(_spelling(proc)),
        valid_dx=valid_dx,
        valid_px=valid_px,
        inclprop=_frozen({k: frozenset(v) for k, v in inclprop.items()}),
        excl_code=_frozen({k: frozenset(v) for k, v in excl_code.items()}),
        excl_pair=_frozen({k: frozenset(v) for k, v in excl_pair.items()}),
        compl_categories=tuple(categories),
    )


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
    plus each code's single-code rows [guide §2 'code_nat', 'd_code_nat']. A slot with a code
    the release's list does not have brings nothing (`valid_diagnosis_codes`)."""
    return _slot_properties(t, _canonical(t, slot))


def _slot_properties(t: CodeTables, slot: Slot) -> tuple[Props, bool]:
    if not slot or not t.slot_valid(slot):
        return (), False
    if len(slot) == 2:
        dagger, asterisk = slot
        own = t.dx_pair.get((dagger, asterisk))
        props = (own or ()) + t.dx.get(dagger, ()) + t.dx.get(asterisk, ())
        return props, own is not None or dagger in t.dx or asterisk in t.dx
    return t.dx.get(slot[0], ()), slot[0] in t.dx


def _first(props: Props, vartype: str) -> str:
    return next((vv for vt, vv in props if vt == vartype), "")


def _principal_dgcat(t: CodeTables, slot: Slot) -> str:
    """One DGCAT for the principal slot: the pair's own row, else the asterisk's, else the
    dagger's (2015 reference cases 775, 1097, 1098) [guide §1 'dgcat': one category per code].
    `slot` is spelled as the tables spell it."""
    if not slot or not t.slot_valid(slot):
        return ""
    if len(slot) == 2:
        for props in (t.dx_pair.get((slot[0], slot[1]), ()), t.dx.get(slot[1], ()), t.dx.get(slot[0], ())):
            v = _first(props, "DGCAT")
            if v:
                return v
        return ""
    return _first(t.dx.get(slot[0], ()), "DGCAT")


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one code or diagnosis slot adds to the case-wide features.

    ``dgprops`` are DGPROP and SDGPRO values (any code, any position) [guide §1 'dgprop1..4'];
    ``procprops`` PROCPR values [guide §1 'procpro']; ``or_values`` every OR value the code
    carries [guide §1 'or'] (NOR2017's LFB30 has both 1 and 2); ``compl`` COMPL categories
    (secondary diagnoses only) and ``cc`` the CC property of a procedure [guide §1 'compl',
    ch. 5]. ``procedure`` marks a procedure's contribution: secpro '-'/'+' look at procedures'
    OR values only.
    """

    dgprops: frozenset[str] = frozenset()
    procprops: frozenset[str] = frozenset()
    or_values: frozenset[int] = frozenset()
    compl: tuple[str, ...] = ()
    cc: bool = False
    procedure: bool = False

    @property
    def or1_procedure(self) -> bool:
        """A procedure with OR 1 (what secpro '-' and '+' count)."""
        return self.procedure and 1 in self.or_values


NOTHING = Contribution()


def _or_value(vv: str) -> int:
    """An OR value as a number (0 for none or anything that is not a positive whole number)."""
    return int(vv) if vv.isascii() and vv.isdigit() else 0


def _diagnosis_contribution(props: Props, *, secondary: bool) -> Contribution:
    dg: set[str] = set()
    pr: set[str] = set()
    ors: set[int] = set()
    compl: list[str] = []
    for vt, vv in props:
        if vt in _DGPROP_TYPES:
            dg.add(vv)
        elif vt == "PROCPR":
            pr.add(vv)
        elif vt == "OR" and _or_value(vv):
            ors.add(_or_value(vv))
        elif vt == "COMPL" and secondary:
            compl.append(vv)
    return Contribution(frozenset(dg), frozenset(pr), frozenset(ors), tuple(compl), False)


def secondary_contribution(t: CodeTables, slot: Slot) -> Contribution:
    """A secondary diagnosis slot: DGPROP/SDGPRO, PROCPR, OR and its COMPL categories; a
    secondary never brings DGCAT or PDGPRO [guide §1 'dgcat', 'pdgprop'] and is not recoded
    for MDC 98 (2015 reference case 1322)."""
    return _diagnosis_contribution(slot_properties(t, slot)[0], secondary=True)


def procedure_contribution(t: CodeTables, code: str) -> Contribution:
    """A procedure: PROCPR, DGPROP, every OR value it carries and CC [guide §3 'proc_feat']
    (a code the release's list does not have brings nothing)."""
    dg: set[str] = set()
    pr: set[str] = set()
    ors: set[int] = set()
    cc = False
    for vt, vv in t.proc.get(t.proc_code(code), ()):
        if vt == "PROCPR":
            pr.add(vv)
        elif vt == "DGPROP":
            dg.add(vv)
        elif vt == "OR" and _or_value(vv):
            ors.add(_or_value(vv))
        elif vt == "CC" and _or_value(vv):
            cc = True
    return Contribution(frozenset(dg), frozenset(pr), frozenset(ors), (), cc, True)


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

    ``blocked`` are the COMPL categories that cannot complicate this principal [guide §4,
    ch. 5 points 3-4], as categories with the kind letter masked (``06*03``: ``06C03``,
    ``06G03`` and ``06I03`` fall together; `blocks`): the principal's own categories and those
    whose exclusion list (``compl_excl``) holds the principal (its pair row or either code of a
    pair). The 2012
    release publishes exclusion lists only under the C form (13,761 rows, none for its 178 G
    categories) and its test database needs S141 (01G02) excluded for principal S128 by the
    01C02 list (tests 4598, 6626, 6632); 2015-2017 publish identical C and G lists for every
    number, so the masked reading changes nothing there.
    """

    has_principal: bool  # the slot holds a code at all
    known: bool  # ... that the tables know
    valid: bool  # ... every code of it on the release's list (true without a list)
    dgcat: str
    pdgprops: frozenset[str]
    contribution: Contribution  # its DGPROP, PROCPR and OR (COMPL only blocks, see above)
    blocked: frozenset[str]
    properties: Props  # recoded rows, for explain

    def blocks(self, compl: str) -> bool:
        """Whether this principal keeps COMPL category `compl` from complicating the case."""
        return wildcard(compl) in self.blocked

    @property
    def recodable(self) -> bool:
        """Whether the MDC 98 recode can change these facts (a value of the slot starts with
        98; read on the facts for sex missing, which keep 98)."""
        return any(vv.startswith("98") for _, vv in self.properties)

    @property
    def mdc(self) -> str:
        return principal_view(self.dgcat)[1]


def _excluded_for(t: CodeTables, slot: Slot) -> frozenset[str]:
    """The (letter-masked) exclusion lists that hold the principal slot."""
    if len(slot) == 2:
        dagger, asterisk = slot
        return (t.excl_pair.get((dagger, asterisk), frozenset()) | t.excl_code.get(dagger, frozenset())
                | t.excl_code.get(asterisk, frozenset()))
    return t.excl_code.get(slot[0], frozenset()) if slot else frozenset()


def principal_facts(t: CodeTables, slot: Slot, sex: str) -> PrincipalFacts:
    """The principal's facts (pure; see `PrincipalFacts`)."""
    slot = _canonical(t, slot)
    props, known = _slot_properties(t, slot)
    if sex and any(vv.startswith("98") for _, vv in props):
        props = tuple((vt, recode98(vv, sex)) for vt, vv in props)
    dg: set[str] = set()
    pr: set[str] = set()
    ors: set[int] = set()
    pdg: set[str] = set()
    lists = set(_excluded_for(t, slot))
    for vt, vv in props:  # one pass: what `_diagnosis_contribution` reads, PDGPRO and COMPL
        if vt in _DGPROP_TYPES:
            dg.add(vv)
        elif vt == "PROCPR":
            pr.add(vv)
        elif vt == "PDGPRO":
            pdg.add(vv)
        elif vt == "COMPL":
            lists.add(wildcard(vv))
        elif vt == "OR" and _or_value(vv):
            ors.add(_or_value(vv))
    dgcat = _principal_dgcat(t, slot) if len(slot) == 2 else _first(props, "DGCAT")
    return PrincipalFacts(
        has_principal=bool(slot),
        known=known,
        valid=t.slot_valid(slot),
        dgcat=recode98(dgcat, sex),
        pdgprops=frozenset(pdg),
        contribution=Contribution(frozenset(dg), frozenset(pr), frozenset(ors)),
        blocked=frozenset(lists),
        properties=props,
    )


def compl_level(t: CodeTables, compl: str) -> tuple[int, frozenset[str]]:
    """(CC level, activating DGPROPs) of a secondary's COMPL category [guide §1 'compl', ch. 5].

    G gives level 2 and C level 1; an inactive I (J) category gives 1 (2) once another code of
    the case brings one of its ``inclprop`` DGPROPs (`isf.grouping.features.cc_level`); other
    kinds give nothing.

    >>> from isf.definitions import ComplCat, DgRow, Rule, build_logic
    >>> lg = build_logic(id="T", source="doc", rules=[Rule("999D999", "470", "8")], proc=[], complexcl=[],
    ...                  dg=[DgRow("E119", "", "COMPL", "10I01")],
    ...                  complcat=[ComplCat("10I01", "10X01"), ComplCat("10I01", "10X02")])
    >>> t = code_tables(lg)
    >>> compl_level(t, "04G05"), compl_level(t, "05C01")
    ((2, frozenset()), (1, frozenset()))
    >>> level, activators = compl_level(t, "10I01")
    >>> level, sorted(activators)
    (1, ['10X01', '10X02'])
    """
    kind = compl[2:3]
    if kind == "G":
        return 2, frozenset()
    if kind == "C":
        return 1, frozenset()
    if kind in ("I", "J"):
        act = t.inclprop.get(compl, frozenset())
        return ((1 if kind == "I" else 2) if act else 0), act
    return 0, frozenset()


_RECODED = ("DGCAT", "PDGPRO", "DGPROP")  # principal properties the MDC 98 recode can turn into 12/13


def codes_by_property(t: CodeTables) -> tuple[Mapping[tuple[str, str], tuple[str, ...]], Mapping[tuple[str, str], tuple[str, ...]]]:
    """(vartype, varval) -> the diagnosis codes (pairs as ``dagger&asterisk``) and the procedure
    codes that carry it, in table order: the tables read backwards [guide ch. 7]. A 98 value of
    a principal property is also listed under the 12 and 13 values it becomes (`recode98`)."""
    dx: dict[tuple[str, str], dict[str, None]] = defaultdict(dict)
    for code, props in [*t.dx.items(), *(("&".join(k), v) for k, v in t.dx_pair.items())]:
        for vt, vv in props:
            forms = {vv, recode98(vv, "M"), recode98(vv, "F")} if vt in _RECODED else {vv}
            for form in sorted(forms):
                dx[(vt, form)][code] = None
    proc: dict[tuple[str, str], dict[str, None]] = defaultdict(dict)
    for code, props in t.proc.items():
        for vt, vv in props:
            proc[(vt, vv)][code] = None
    return (_frozen({k: tuple(v) for k, v in dx.items()}), _frozen({k: tuple(v) for k, v in proc.items()}))
