"""Case features: what the `drg_logic` columns test, folded from the codes' facts.

The per-code facts come from `isf.grouping.codes`; this module only folds them into one
`CaseFeatures` per case: unions of property sets, the OR values, the CC level [guide ch. 5].
The batch path folds the same per-code facts with bit operations (`isf.grouping.compiled`,
`isf.batch.native`); tests check both folds agree row by row.

It also names the finite views the compiled rules use (age and stay buckets, sex, discharge,
CC level, OR summary, procedure classes): each is a function of `CaseFeatures` with a
representative per value, so the compiler can evaluate a rule column's ``check`` once per
value instead of once per case.

>>> from isf.definitions import DgRow, Rule, build_logic
>>> from isf.grouping.case import make_case
>>> from isf.grouping.codes import code_tables
>>> dg = [DgRow("I219", "", "DGCAT", "05M01"), DgRow("J960", "", "COMPL", "04G05")]
>>> lg = build_logic(id="T", source="doc", rules=[Rule("999D999", "470", "8")], dg=dg, proc=[],
...                  complcat=[], complexcl=[])
>>> f = case_features(code_tables(lg), make_case(sex="M", age_days=20000, diagnoses=["I219", "J960"]))
>>> f.dgcat, f.mdc, f.cc_level, f.cc_sources
('05M01', '05', 2, ('J960',))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from isf.definitions.model import Logic
from isf.grouping.case import Case
from isf.grouping.codes import (
    CodeTables,
    Contribution,
    PrincipalFacts,
    Props,
    compl_level,
    principal_facts,
    principal_view,
    procedure_contribution,
    secondary_contribution,
    slot_properties,
)

__all__ = [
    "CC_LEVELS",
    "DISCHARGE_VALUES",
    "ITEM_STATES",
    "NEUTRAL",
    "OR1",
    "OR_STATES",
    "SEX_VALUES",
    "CaseFeatures",
    "CodeInfo",
    "DirectFacts",
    "FactSource",
    "case_features",
    "cc_level",
    "item_probe",
    "item_state",
    "or_probe",
    "or_state",
    "principal_features",
    "probe",
]


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """One code of the case with the properties it brings (for the explain trace)."""

    code: str
    role: str  # principal | secondary | procedure
    slot: int
    known: bool
    properties: Props
    pair_with: str = ""
    valid: bool = True  # False: not a valid code of this release (its code list says so)


@dataclass(frozen=True, slots=True)
class CaseFeatures:
    """What the rules look at [guide §1, columns 'icd' .. 'disch'].

    ``proc_props_each`` and ``proc_or`` hold each procedure's PROCPR and OR values, in order;
    ``or_values`` every OR value of the case (procedures and diagnoses, 0 left out).
    """

    has_principal: bool  # the principal slot holds a code
    principal_known: bool  # ... that the tables know
    principal_valid: bool  # ... and that gives a DGCAT (what icd '+' requires)
    mdc: str
    dgcat: str
    pdgprops: frozenset[str]
    dgprops: frozenset[str]  # DGPROP/SDGPRO from any diagnosis or procedure
    procprops: frozenset[str]
    proc_props_each: tuple[frozenset[str], ...]
    proc_or: tuple[frozenset[int], ...]
    or_values: frozenset[int]
    cc_level: int  # 0, 1 (CC) or 2 (MCC)
    cc_sources: tuple[str, ...]  # codes that gave CC, for explain
    sex: str
    age_days: int
    los: int
    discharge: str
    codes: tuple[CodeInfo, ...] = ()


NEUTRAL = CaseFeatures(
    has_principal=False, principal_known=False, principal_valid=False, mdc="", dgcat="", pdgprops=frozenset(),
    dgprops=frozenset(), procprops=frozenset(), proc_props_each=(), proc_or=(), or_values=frozenset(), cc_level=0,
    cc_sources=(), sex="", age_days=0, los=0, discharge="H",
)
"""A case with nothing: the compiler's probes replace the fields one column looks at."""


def principal_features(dgcat: str) -> dict[str, object]:
    """The `CaseFeatures` fields a principal with this DGCAT fixes (for probes)."""
    valid, mdc = principal_view(dgcat)
    return {"dgcat": dgcat, "mdc": mdc, "principal_valid": valid}


def cc_level(
    t: CodeTables,
    principal: PrincipalFacts,
    secondaries: Sequence[tuple[str, Contribution]],
    procedures: Sequence[tuple[str, Contribution]],
) -> tuple[int, tuple[str, ...]]:
    """CC level and the codes that gave it [guide ch. 5].

    A procedure with CC gives level 1. Each COMPL category of a secondary diagnosis gives its
    `codes.compl_level` unless the principal blocks it (`PrincipalFacts.blocked`). An inactive
    category counts once "another diagnosis or procedure code" [ch. 5.3] brings one of its
    activating DGPROPs: any code of the case -- the principal included -- but the slot that
    carries the category. The NCC 2012 test database decides the principal (test 16729:
    principal K315 with 06X02 activates 06I10 of K277); a slot never activates itself (in
    NOR2017 J042 carries both 03I01 and its activator 04X02, which would make it always active).
    """
    level = 0
    sources: list[str] = []
    for code, c in procedures:
        if c.cc:
            level = 1
            sources.append(code)
    shared: frozenset[str] | None = None
    for i, (code, c) in enumerate(secondaries):
        for compl in c.compl:
            if principal.blocks(compl):
                continue
            this, activators = compl_level(t, compl)
            if activators:
                if shared is None:
                    shared = principal.contribution.dgprops.union(*(p.dgprops for _, p in procedures))
                others = shared.union(*(s.dgprops for j, (_, s) in enumerate(secondaries) if j != i))
                if not activators & others:
                    continue
            if not this:
                continue
            sources.append(code)
            level = max(level, this)
    return level, tuple(sources)


class FactSource(Protocol):
    """Where the fold gets each code's facts: straight from the tables (`DirectFacts`), or from
    the compiled logic, which computed them with the same functions ahead of time."""

    @property
    def tables(self) -> CodeTables: ...

    def principal(self, slot: tuple[str, ...], sex: str) -> PrincipalFacts: ...

    def secondary(self, slot: tuple[str, ...]) -> Contribution: ...

    def procedure(self, code: str) -> Contribution: ...


@dataclass(frozen=True, slots=True)
class DirectFacts:
    """Every fact computed from the tables on demand (`isf.grouping.codes`)."""

    tables: CodeTables

    def principal(self, slot: tuple[str, ...], sex: str) -> PrincipalFacts:
        return principal_facts(self.tables, slot, sex)

    def secondary(self, slot: tuple[str, ...]) -> Contribution:
        return secondary_contribution(self.tables, slot)

    def procedure(self, code: str) -> Contribution:
        return procedure_contribution(self.tables, code)


def case_features(source: FactSource | CodeTables | Logic, case: Case, *, with_codes: bool = True) -> CaseFeatures:
    """Derive the grouping features of `case` (pure).

    * DGCAT and PDGPRO come from the principal slot only; MDC from the DGCAT [guide §1].
    * DGPROP (and SDGPRO), PROCPR and OR come from every diagnosis slot and every procedure.
    * COMPL comes from secondary slots only; see `cc_level`.
    * MDC 98 recode: the principal's properties only (`codes.principal_facts`).

    `with_codes` adds each code with its table rows (for explain; grouping does not need it).
    A `Logic` is read through its compiled form (`isf.grouping.compiled.compiled_logic`).
    """
    if isinstance(source, Logic):
        from isf.grouping.compiled import compiled_logic

        source = compiled_logic(source)
    src: FactSource = DirectFacts(source) if isinstance(source, CodeTables) else source
    t = src.tables
    principal = src.principal(case.principal, case.sex)
    own = principal.contribution
    codes: list[CodeInfo] = []
    pslot = case.principal
    if pslot and with_codes:
        codes.append(CodeInfo(t.dx_code(pslot[0]), "principal", 0, principal.known, principal.properties,
                              t.dx_code(pslot[1]) if len(pslot) == 2 else "", principal.valid))
    secondaries: list[tuple[str, Contribution]] = []
    for i, slot in enumerate(case.diagnoses[1:], start=1):
        if not slot:
            continue
        first = t.dx_code(slot[0])
        secondaries.append((first, src.secondary(slot)))
        if with_codes:
            props, known = slot_properties(t, slot)
            codes.append(CodeInfo(first, "secondary", i, known, props, t.dx_code(slot[1]) if len(slot) == 2 else "",
                                  t.slot_valid(tuple(t.dx_code(c) for c in slot))))
    procedures: list[tuple[str, Contribution]] = []
    for j, raw in enumerate(case.procedures):
        code = t.proc_code(raw)
        procedures.append((code, src.procedure(code)))
        if with_codes:
            codes.append(CodeInfo(code, "procedure", j, code in t.proc, t.proc.get(code, ()), "", t.proc_valid(code)))
    others = [c for _, c in secondaries] + [c for _, c in procedures]
    level, sources = cc_level(t, principal, secondaries, procedures)
    return CaseFeatures(
        has_principal=principal.has_principal,
        principal_known=principal.known,
        principal_valid=principal_view(principal.dgcat)[0],
        mdc=principal.mdc,
        dgcat=principal.dgcat,
        pdgprops=principal.pdgprops,
        dgprops=own.dgprops.union(*(c.dgprops for c in others)),
        procprops=own.procprops.union(*(c.procprops for c in others)),
        proc_props_each=tuple(c.procprops for _, c in procedures),
        proc_or=tuple(c.or_values for _, c in procedures),
        or_values=own.or_values.union(*(c.or_values for c in others)),
        cc_level=level,
        cc_sources=sources,
        sex=case.sex,
        age_days=case.age_days,
        los=case.los,
        discharge=case.discharge,
        codes=tuple(codes),
    )


# -- finite views: what the compiler evaluates a column's check over -------------------------
SEX_VALUES: tuple[str, ...] = ("", "M", "F")
DISCHARGE_VALUES: tuple[str, ...] = ("H", "R", "E")
CC_LEVELS: tuple[int, ...] = (0, 1, 2)
OR_STATES: tuple[tuple[bool, bool], ...] = ((False, False), (False, True), (True, False), (True, True))
"""OR summary: whether the case has an OR value of 1, and whether one of 2."""

OR1 = "\x00OR=1"
"""The procedure mark of secpro '-' and '+': a procedure with OR 1 (in place of a PROCPR value)."""

ITEM_STATES = 2 * 3**4
"""Procedure classes for one (secondary, carrier) pair: whether any code brings the secondary
mark, then per procedure class (neither, carrier only, secondary only, both) how many
procedures are in it (0, 1, 2 or more). The secondary mark is a PROCPR value, or `OR1`."""


def or_state(or_values: frozenset[int] | Sequence[int]) -> int:
    """Index into `OR_STATES` of a case's OR values.

    >>> OR_STATES[or_state(frozenset({1, 2}))], OR_STATES[or_state(frozenset({2}))]
    ((True, True), (False, True))
    """
    return 2 * (1 in or_values) + (2 in or_values)


def or_probe(state: int) -> dict[str, object]:
    """Fields of a representative case with OR summary `state`."""
    has1, has2 = OR_STATES[state]
    return {"or_values": frozenset(v for v, on in ((1, has1), (2, has2)) if on)}


def _marks(f: CaseFeatures, secondary: str) -> list[bool]:
    """Per procedure: does it carry the secondary mark?"""
    if secondary == OR1:
        return [1 in o for o in f.proc_or]
    return [secondary in s for s in f.proc_props_each]


def item_state(f: CaseFeatures, secondary: str, carrier: str) -> int:
    """Index of `f`'s procedure classes for the pair (see `ITEM_STATES`)."""
    counts = [0, 0, 0, 0]
    marks = _marks(f, secondary)
    for s, mark in zip(f.proc_props_each, marks, strict=True):
        k = (bool(carrier) and carrier in s) + 2 * mark
        counts[k] = min(counts[k] + 1, 2)
    state = int(any(marks) if secondary == OR1 else secondary in f.procprops)
    for k in (3, 2, 1, 0):
        state = state * 3 + counts[k]
    return state


def item_probe(state: int, secondary: str, carrier: str) -> dict[str, object]:
    """Fields of a representative case in procedure-class `state` for the pair."""
    counts = []
    s = state
    for _ in range(4):
        counts.append(s % 3)
        s //= 3
    union = bool(s)
    each: list[frozenset[str]] = []
    ors: list[frozenset[int]] = []
    for k, n in enumerate(counts):
        props = frozenset(v for v, on in ((carrier, k & 1), (secondary, k & 2 and secondary != OR1)) if on and v)
        each += [props] * n
        ors += [frozenset({1}) if k & 2 and secondary == OR1 else frozenset()] * n
    if secondary == OR1:
        return {"proc_props_each": tuple(each), "proc_or": tuple(ors), "procprops": frozenset().union(*each),
                "or_values": frozenset().union(*ors)}
    procprops = frozenset().union(*each) | ({secondary} if union else set())
    return {"proc_props_each": tuple(each), "proc_or": tuple(ors), "procprops": procprops}


_NEUTRAL_FIELDS = {name: getattr(NEUTRAL, name) for name in CaseFeatures.__slots__}


def probe(**fields: object) -> CaseFeatures:
    """`NEUTRAL` with `fields` replaced: a representative case for one column's check."""
    return CaseFeatures(**(_NEUTRAL_FIELDS | fields))
