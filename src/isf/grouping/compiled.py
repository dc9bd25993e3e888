"""The compiled logic: the column units' checks turned into tables, once per logic.

`compile_logic` evaluates each rule column's ``check`` (`isf.grouping.criteria`) over the
values of the part of the case it looks at, and keeps the verdicts as arrays:

* **candidates** -- columns that look only at the principal's DGCAT (icd, mdc, dgcat) are
  evaluated once per DGCAT a principal can have; each DGCAT gets the list of rules it passes,
  in ``ord`` order;
* **literals** -- columns that test one value of a property set (pdgprop, procpro, dgprop1..n,
  secpro ``-X``) become a bit to be set or clear in the case's property mask; the polarity is
  read from ``check`` on an empty and a one-value set (and ``check`` must be exactly that);
* **view tables** -- the other columns get a verdict per value of a finite view: age and stay
  buckets between the logic's own limits, sex, discharge, CC level, OR summary, and for each
  (secpro, procpro) pair the procedure classes (`isf.grouping.features`).

It also turns each code's facts (`isf.grouping.codes`) into rows of bit masks and counts, so a
batch can fold a case from integer ids. The result is immutable (read-only arrays and
mappings) and picklable; `compiled_logic` keeps one per `Logic` object, on the object itself
(no module-level cache). A run's facts for slots the compiler could not list (dagger/asterisk
pairs that are not in the tables) live in one bounded `FactMemo` per run.

>>> from isf.definitions import DgRow, Rule, build_logic
>>> from isf.grouping.case import make_case
>>> rules = [Rule("001D", "121", "0", icd="+", compl="1"), Rule("002D", "122", "0", icd="+"), Rule("999D999", "470", "8")]
>>> dg = [DgRow("I219", "", "DGCAT", "05M01"), DgRow("J960", "", "COMPL", "04G05")]
>>> cl = compiled_logic(build_logic(id="T", source="doc", rules=rules, dg=dg, proc=[], complcat=[], complexcl=[]))
>>> [cl.group(make_case(sex="M", age_days=20000, diagnoses=d)).drg for d in (["I219"], ["I219", "J960"])]
['122', '121']
>>> cl.compiled_as[(cl.columns[4], "1")]  # compl 1: a verdict per CC level (0, 1, 2)
('view', 4, (0, 1, 1))
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from isf.definitions.model import Logic, Rule
from isf.errors import IsfError
from isf.grouping.case import Case, GroupResult
from isf.grouping.codes import (
    CodeTables,
    Contribution,
    Frozen,
    PrincipalFacts,
    code_tables,
    codes_by_property,
    compl_level,
    principal_facts,
    procedure_contribution,
    recode98,
    secondary_contribution,
    wildcard,
)
from isf.grouping.criteria import (
    Condition,
    Criterion,
    Principal,
    ProcedureClasses,
    PropertyValue,
    Threshold,
    View,
    criteria,
)
from isf.grouping.features import (
    CC_LEVELS,
    DISCHARGE_VALUES,
    ITEM_STATES,
    OR1,
    OR_STATES,
    SEX_VALUES,
    CaseFeatures,
    case_features,
    item_probe,
    or_probe,
    principal_features,
    probe,
)

__all__ = [
    "PAIR_SEP",
    "VIEW_SLOTS",
    "CompileError",
    "CompiledLogic",
    "FactArrays",
    "FactMemo",
    "MatchTables",
    "compile_logic",
    "compiled_logic",
    "reported_rtc",
]

PAIR_SEP = "&"  # a dagger/asterisk pair written as one code: "A390&G01"
VIEW_SLOTS = ("age", "stay", "sex", "discharge", "cc", "or")
"""Slots of a case's view values; procedure-class slots follow, one per (secpro, procpro)."""

I32 = npt.NDArray[np.int32]
U64 = npt.NDArray[np.uint64]
U8 = npt.NDArray[np.uint8]


class CompileError(IsfError, ValueError):
    """A column's check does not have the shape its domain declares (a bug in a unit)."""


def _ro(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


def _csr(lists: Sequence[Sequence[int]]) -> tuple[I32, I32]:
    off = np.zeros(len(lists) + 1, dtype=np.int32)
    np.cumsum([len(x) for x in lists], out=off[1:])
    flat = np.fromiter((v for x in lists for v in x), dtype=np.int32, count=int(off[-1]))
    return _ro(off), _ro(flat)


# -- the arrays the kernel reads ------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class MatchTables:
    """Rules as tables: candidates per DGCAT, literals over the property mask, view tests."""

    n_rules: int
    words: int  # 64-bit words in a property mask
    n_keys: int  # candidate lists per class: 0 = rules every case of the class tries, 1 + b = ...
    cand_off: I32  # ... rules keyed on property bit b (tried only when the case has b); the list
    cand_rules: I32  # (class k, key j) is cand_rules[cand_off[k * n_keys + j]:cand_off[k * n_keys + j + 1]]
    cand_keys: U64  # (classes, words): bit b set when class k files rules under property bit b
    lit_off: I32  # per rule: literals lit_bit/lit_want[lit_off[r]:lit_off[r + 1]]
    lit_bit: I32
    lit_want: U8
    test_off: I32  # per rule: view tests; pass when verdicts[test_base + value of test_slot]
    test_slot: I32
    test_base: I32
    verdicts: U8
    age_points: I32  # a case's age bucket = searchsorted(age_points, age, side="right")
    stay_points: I32
    item_secondary: I32  # per procedure-class slot: bit of the secondary property ...
    item_carrier: I32  # ... and of the carrier (-1: none)


@dataclass(frozen=True, eq=False)
class FactArrays:
    """Principal facts and code contributions as rows of masks and counts (see module doc)."""

    p_mask: U64  # (rows, words): the principal's DGPROP, PROCPR and PDGPRO bits
    p_blocked: U64  # (rows, list words): the letter-masked COMPL categories it blocks
    p_or1: U8  # whether it brings an OR value of 1
    p_or2: U8  # ... of 2
    p_dgcat: I32  # DGCAT id (0 = none)
    p_class: I32  # principal class: which candidate list to walk
    p_has: U8  # whether the slot holds a code
    c_mask: U64  # (rows, words): a code's DGPROP and PROCPR bits (and a procedure's OR-1 mark)
    c_or1: U8
    c_or2: U8
    c_cc: U8
    c_compl_off: I32  # COMPL category ids of row i: c_compl[c_compl_off[i]:c_compl_off[i + 1]]
    c_compl: I32
    compl_level: I32  # per COMPL category id: level once active (0 = none)
    compl_list: I32  # per COMPL category id: bit of its letter-masked form in p_blocked
    compl_needs: U8  # per COMPL category id: 1 when inactive until another code activates it
    compl_act: U64  # (COMPL category ids, words): the bits of the DGPROPs that activate it

    @property
    def n_principal(self) -> int:
        return int(self.p_mask.shape[0])

    @property
    def n_contribution(self) -> int:
        return int(self.c_mask.shape[0])


@dataclass(frozen=True, eq=False)
class _Encoder:
    """Facts -> array rows (shared by the compiler and the per-run memo)."""

    bits: Mapping[tuple[str, str], int]
    words: int
    compl_ids: Mapping[str, int]
    list_ids: Mapping[str, int]  # letter-masked category ('06*03') -> bit of p_blocked
    list_words: int
    dgcat_ids: Mapping[str, int]
    classes: Mapping[tuple[str, frozenset[str]], int]
    pdg_named: frozenset[str]

    def principal_class(self, dgcat: str, pdgprops: frozenset[str]) -> int:
        """Class id of a principal: its (DGCAT, named PDGPRO values) if compiled, else the
        DGCAT's catch-all class (whose list is a superset; the literals still decide)."""
        k = self.classes.get((dgcat, pdgprops & self.pdg_named))
        return self.dgcat_ids[dgcat] if k is None else k

    def mask_bits(self, c: Contribution, pdgprops: Iterable[str] = ()) -> list[int]:
        """Bits of the named property values `c` (and a principal's PDGPRO values) bring."""
        dg, pr, pdg = self._by_feature
        out = [dg[v] for v in c.dgprops if v in dg] + [pr[v] for v in c.procprops if v in pr]
        if c.or1_procedure and OR1 in pr:
            out.append(pr[OR1])
        return out + [pdg[v] for v in pdgprops if v in pdg]

    @property
    def _by_feature(self) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
        found = self.__dict__.get("_by_feature_")
        if found is None:
            split: dict[str, dict[str, int]] = {"dgprops": {}, "procprops": {}, "pdgprops": {}}
            for (feature, value), bit in self.bits.items():
                split[feature][value] = bit
            found = (split["dgprops"], split["procprops"], split["pdgprops"])
            object.__setattr__(self, "_by_feature_", found)
        return found

    def principal_rows(self, facts: Sequence[PrincipalFacts]) -> dict[str, npt.NDArray[Any]]:
        n = len(facts)
        mask = np.zeros((n, self.words), dtype=np.uint64)
        blocked = np.zeros((n, self.list_words), dtype=np.uint64)
        rows, bits, brows, bbits = [], [], [], []
        for i, pf in enumerate(facts):
            for b in self.mask_bits(pf.contribution, pf.pdgprops):
                rows.append(i)
                bits.append(b)
            for c in pf.blocked:
                k = self.list_ids.get(c)
                if k is not None:
                    brows.append(i)
                    bbits.append(k)
        _set_bits(mask, rows, bits)
        _set_bits(blocked, brows, bbits)
        return {
            "p_mask": mask,
            "p_blocked": blocked,
            "p_or1": np.array([1 in pf.contribution.or_values for pf in facts], dtype=np.uint8),
            "p_or2": np.array([2 in pf.contribution.or_values for pf in facts], dtype=np.uint8),
            "p_dgcat": np.array([self.dgcat_ids[pf.dgcat] for pf in facts], dtype=np.int32),
            "p_class": np.array([self.principal_class(pf.dgcat, pf.pdgprops) for pf in facts], dtype=np.int32),
            "p_has": np.array([pf.has_principal for pf in facts], dtype=np.uint8),
        }

    def contribution_rows(self, contributions: Sequence[Contribution]) -> dict[str, npt.NDArray[Any]]:
        n = len(contributions)
        mask = np.zeros((n, self.words), dtype=np.uint64)
        rows, bits = [], []
        for i, c in enumerate(contributions):
            for b in self.mask_bits(c):
                rows.append(i)
                bits.append(b)
        _set_bits(mask, rows, bits)
        off, flat = _csr([[self.compl_ids[k] for k in c.compl] for c in contributions])
        return {
            "c_mask": mask,
            "c_or1": np.array([1 in c.or_values for c in contributions], dtype=np.uint8),
            "c_or2": np.array([2 in c.or_values for c in contributions], dtype=np.uint8),
            "c_cc": np.array([c.cc for c in contributions], dtype=np.uint8),
            "c_compl_off": off,
            "c_compl": flat,
        }


def _set_bits(mask: U64, rows: Sequence[int], bits: Sequence[int]) -> None:
    if rows:
        r = np.asarray(rows, dtype=np.int64)
        b = np.asarray(bits, dtype=np.int64)
        np.bitwise_or.at(mask, (r, b >> 6), np.left_shift(np.uint64(1), (b & 63).astype(np.uint64)))


# -- the compiled logic -----------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class CompiledLogic:
    """One logic, compiled (see module doc). Immutable; build with `compiled_logic`."""

    logic_id: str
    checksum: str
    error_drgs: frozenset[str]  # the logic's error group (`Logic.error_drgs`)
    tables: CodeTables
    columns: tuple[Criterion, ...]
    rules: tuple[Rule, ...]
    drg: tuple[str, ...]  # per rule index
    rtc: tuple[str, ...]  # as the rule says (the principal slot empty)
    rtc_principal: tuple[str, ...]  # as reported when the principal slot holds a code
    drg_mdc: tuple[str, ...]  # the DRG's MDC from drgnames ('' when not listed)
    dgcats: tuple[str, ...]  # DGCAT ids: 0 is '' (no valid principal)
    dgcat_ids: Mapping[str, int]
    match: MatchTables
    facts: FactArrays
    principal_keys: tuple[str, ...]  # codes and 'dagger&asterisk' pairs the compiler listed
    principal_rows: I32  # (keys, 3): facts row per sex ('', 'M', 'F'); last key = unknown code
    secondary_keys: tuple[str, ...]
    secondary_rows: I32  # contribution row per key (row 0 = nothing)
    procedure_keys: tuple[str, ...]
    procedure_rows: I32
    unknown_procedure: int  # contribution row of a procedure code the tables do not know
    empty_principal: int  # facts row of an empty principal slot (any sex)
    unknown_principal: tuple[int, int, int]  # facts rows of an unknown principal code, per sex
    compiled_as: Mapping[tuple[Criterion, Hashable], tuple[Any, ...]] = field(repr=False)
    """How each (column, requirement) was compiled: ("principal", verdict per DGCAT id),
    ("literal", bit, wanted), ("view", slot, verdict per view value), ("always",) or ("never",)."""
    _reqs: tuple[tuple[tuple[Criterion, Hashable], ...], ...] = field(repr=False)  # per rule, table order
    _rest: tuple[tuple[tuple[Criterion, Hashable], ...], ...] = field(repr=False)
    _encoder: _Encoder = field(repr=False)
    _pfacts: tuple[PrincipalFacts, ...] = field(repr=False)  # the objects behind facts.p_* rows
    _contribs: tuple[Contribution, ...] = field(repr=False)  # ... and behind facts.c_* rows
    _index: Mapping[str, Mapping[str, int]] = field(repr=False)  # key -> position, per key kind

    @cached_property
    def by_property(self) -> tuple[Mapping[tuple[str, str], tuple[str, ...]], Mapping[tuple[str, str], tuple[str, ...]]]:
        """The tables read backwards (`codes.codes_by_property`), built on first use (look-ups)."""
        return codes_by_property(self.tables)

    def __repr__(self) -> str:
        return (f"CompiledLogic({self.logic_id}, rules={len(self.rules)}, principal classes="
                f"{len(self.match.cand_off) // self.match.n_keys}, checksum={self.checksum[:12]})")

    # -- single case ----------------------------------------------------------------------
    def features(self, case: Case, *, with_codes: bool = True) -> CaseFeatures:
        """The case's features (`isf.grouping.facts.case_features`, facts from this object)."""
        return case_features(self, case, with_codes=with_codes)

    def _key(self, kind: str, key: str) -> int | None:
        index = self._index[kind]
        i = index.get(key)
        return index.get(key.upper()) if i is None else i

    def principal(self, slot: tuple[str, ...], sex: str) -> PrincipalFacts:
        """The principal's facts (`codes.principal_facts`), precomputed for listed slots."""
        i = self._key("principal", PAIR_SEP.join(slot)) if slot and all(c.isalnum() for c in slot) else None
        if i is None:
            return principal_facts(self.tables, slot, sex)
        return self._pfacts[int(self.principal_rows[i, SEX_VALUES.index(sex)])]

    def secondary(self, slot: tuple[str, ...]) -> Contribution:
        """A secondary slot's contribution (`codes.secondary_contribution`), precomputed."""
        i = self._key("secondary", PAIR_SEP.join(slot)) if all(c.isalnum() for c in slot) else None
        return secondary_contribution(self.tables, slot) if i is None else self._contribs[self.secondary_rows[i]]

    def procedure(self, code: str) -> Contribution:
        """A procedure's contribution (`codes.procedure_contribution`), precomputed."""
        i = self._key("procedure", code)
        return procedure_contribution(self.tables, code) if i is None else self._contribs[self.procedure_rows[i]]

    def candidates(self, f: CaseFeatures) -> Sequence[int]:
        """Rule indices a case with these features can reach, in ``ord`` order: those of its
        principal class that require no property, and those filed under a property it has."""
        if f.dgcat not in self.dgcat_ids:  # not a DGCAT of these tables: test every rule
            return range(len(self.rules))
        m = self.match
        base = self._encoder.principal_class(f.dgcat, f.pdgprops) * m.n_keys
        off, rules = m.cand_off, m.cand_rules
        have = self._encoder.mask_bits(Contribution(f.dgprops, f.procprops), f.pdgprops)
        found = rules[off[base]:off[base + 1]].tolist()
        for b in have:
            found += rules[off[base + 1 + b]:off[base + 2 + b]].tolist()
        return sorted(found)

    def first_match(self, f: CaseFeatures) -> int:
        """Index of the first rule whose every column's check holds for `f`, or -1."""
        principal_checked = f.dgcat in self.dgcat_ids
        for r in self.candidates(f):
            rest = self._rest[r] if principal_checked else self._reqs[r]
            if all(c.check(req, f) for c, req in rest):
                return r
        return -1

    def result(self, r: int, *, has_principal: bool, mdc: str) -> GroupResult:
        """The grouping result of rule index `r` (-1: no rule matched, "other error")."""
        if r < 0:
            return GroupResult(drg="", rtc="9", rule="", mdc=mdc, logic=self.logic_id)
        rtc = self.rtc_principal[r] if has_principal else self.rtc[r]
        return GroupResult(drg=self.drg[r], rtc=rtc, rule=self.rules[r].ord, mdc=self.drg_mdc[r] or mdc,
                           logic=self.logic_id)

    def group(self, case: Case) -> GroupResult:
        """Group one case: its features, then the first rule all of whose checks hold."""
        f = self.features(case, with_codes=False)
        return self.result(self.first_match(f), has_principal=f.has_principal, mdc=f.mdc)

    def requirements(self, r: int) -> tuple[tuple[Criterion, Hashable], ...]:
        """(column, requirement) of rule index `r` for every column it fills, in table order."""
        return self._reqs[r]

    def conditions(self, r: int, f: CaseFeatures) -> tuple[Condition, ...]:
        """Every condition of rule index `r`, evaluated, in column order (for explain)."""
        return tuple(c.condition(req, f) for c, req in self.requirements(r))

    # -- per-run facts ---------------------------------------------------------------------
    def principal_rows_for(self, facts: Sequence[PrincipalFacts]) -> dict[str, npt.NDArray[Any]]:
        return self._encoder.principal_rows(facts)

    def contribution_rows_for(self, contributions: Sequence[Contribution]) -> dict[str, npt.NDArray[Any]]:
        return self._encoder.contribution_rows(contributions)


def _all(columns: tuple[Criterion, ...], rule: Rule) -> tuple[tuple[Criterion, Hashable], ...]:
    return tuple((c, req) for c in columns if (req := c.requirement(rule)))


def reported_rtc(rule: Rule, *, has_principal: bool) -> str:
    """Return code as the official grouper reports it.

    The 2015 reference cases (826, 829) show rtc 9 ("other error") where a row with rtc 1
    ("no principal diagnosis") is reached by a case whose principal slot *does* hold a code
    (unknown, or in the invalid category 99M00): rtc 1 is kept for a truly empty principal.
    """
    if rule.rtc == "1" and has_principal:
        return "9"
    return rule.rtc


# -- the compiler -----------------------------------------------------------------------------
def _dgcat_domain(t: CodeTables) -> tuple[str, ...]:
    cats = {vv for props in (*t.dx.values(), *t.dx_pair.values()) for vt, vv in props if vt == "DGCAT"}
    cats |= {recode98(c, s) for c in cats for s in ("M", "F")}
    return ("", *sorted(cats - {""}))


def _literal(c: Criterion, req: Hashable, dom: PropertyValue) -> bool | None:
    """The value's wanted presence (True: must be there, False: must not), or None when the
    check does not depend on it (always true). Raises if the check is not one literal."""
    other = "\x00other"
    with_none = c.check(req, probe(**{dom.feature: frozenset()}))
    with_value = c.check(req, probe(**{dom.feature: frozenset({dom.value})}))
    if (c.check(req, probe(**{dom.feature: frozenset({other})})) != with_none
            or c.check(req, probe(**{dom.feature: frozenset({dom.value, other})})) != with_value):
        raise CompileError(f"{c.column} {req!r}: check depends on more than {dom.value!r}")
    if with_none == with_value:
        return None if with_none else _NEVER
    return with_value


_NEVER: Any = "never"


def _view_row(c: Criterion, req: Hashable, dom: Any, items: list[tuple[str, str]], slot_of: Mapping[str, int],
              probes_of: Mapping[str, list[CaseFeatures]]) -> tuple[int, tuple[int, ...]]:
    """(slot, verdict per value) of a column whose check looks at one finite view."""
    if isinstance(dom, ProcedureClasses):
        j = items.index((dom.secondary, dom.carrier))
        return len(VIEW_SLOTS) + j, tuple(
            int(c.check(req, probe(**item_probe(s, dom.secondary, dom.carrier)))) for s in range(ITEM_STATES))
    assert isinstance(dom, (View, Threshold))
    return slot_of[dom.name], tuple(int(c.check(req, f)) for f in probes_of[dom.name])


def _view_probes(name: str, points: Mapping[str, tuple[int, ...]]) -> list[CaseFeatures]:
    if name == "sex":
        return [probe(sex=v) for v in SEX_VALUES]
    if name == "discharge":
        return [probe(discharge=v) for v in DISCHARGE_VALUES]
    if name == "cc":
        return [probe(cc_level=v) for v in CC_LEVELS]
    if name == "or":
        return [probe(**or_probe(i)) for i in range(len(OR_STATES))]
    reps = [0, *points[name]]  # bucket k holds values from points[k-1] up to points[k]
    field_name = {"age": "age_days", "stay": "los"}[name]
    return [probe(**{field_name: v}) for v in reps]


def compile_logic(logic: Logic) -> CompiledLogic:
    """Compile `logic` (pure; about a second for a national release)."""
    t = code_tables(logic)
    columns = criteria(max((len(r.dgprop) for r in logic.rules), default=4))
    rules = logic.rules
    reqs = [_all(columns, r) for r in rules]
    domains = {(c, req): c.domain(req) for rr in reqs for c, req in rr}

    # DGCAT-only columns -> candidate lists
    dgcats = _dgcat_domain(t)
    dgcat_ids = {d: i for i, d in enumerate(dgcats)}
    principal_probes = [probe(**principal_features(d)) for d in dgcats]
    verdict_of: dict[tuple[Criterion, Hashable], npt.NDArray[np.bool_]] = {}
    reachable = np.ones((len(rules), len(dgcats)), dtype=bool)
    for r, rr in enumerate(reqs):
        for c, req in rr:
            if isinstance(domains[(c, req)], Principal):
                v = verdict_of.get((c, req))
                if v is None:
                    v = verdict_of[(c, req)] = np.array([c.check(req, f) for f in principal_probes], dtype=bool)
                reachable[r] &= v

    # property bits: every value a literal names, the activators, the procedure-class pairs
    keys: set[tuple[str, str]] = set()
    items: list[tuple[str, str]] = []
    points: dict[str, set[int]] = {"age": set(), "stay": set()}
    for dom in domains.values():
        if isinstance(dom, PropertyValue):
            keys.add((dom.feature, dom.value))
        elif isinstance(dom, ProcedureClasses):
            keys.add(("procprops", dom.secondary))
            if dom.carrier:
                keys.add(("procprops", dom.carrier))
            if (dom.secondary, dom.carrier) not in items:
                items.append((dom.secondary, dom.carrier))
        elif isinstance(dom, Threshold):
            points[dom.name].update(dom.points)
    keys |= {("dgprops", v) for vs in t.inclprop.values() for v in vs}
    bits = {k: i for i, k in enumerate(sorted(keys))}
    words = max(1, (len(bits) + 63) // 64)
    sorted_points = {k: tuple(sorted(v)) for k, v in points.items()}

    # literals and view tests per rule
    slot_of = {name: i for i, name in enumerate(VIEW_SLOTS)}
    probes_of = {name: _view_probes(name, sorted_points) for name in VIEW_SLOTS}
    verdict_rows: dict[tuple[int, ...], int] = {}
    flat: list[int] = []
    lits: list[list[tuple[int, int]]] = []
    tests: list[list[tuple[int, int]]] = []
    rest: list[tuple[tuple[Criterion, Hashable], ...]] = []
    literal_of: dict[tuple[Criterion, Hashable], Any] = {}
    compiled_as: dict[tuple[Criterion, Hashable], tuple[Any, ...]] = {
        k: ("principal", tuple(bool(x) for x in v)) for k, v in verdict_of.items()}
    row_of: dict[tuple[Criterion, Hashable], tuple[int, tuple[int, ...]]] = {}
    for r, rr in enumerate(reqs):
        lit: list[tuple[int, int]] = []
        tst: list[tuple[int, int]] = []
        mine: list[tuple[Criterion, Hashable]] = []
        for c, req in rr:
            dom = domains[(c, req)]
            if isinstance(dom, Principal):
                continue
            mine.append((c, req))
            if isinstance(dom, PropertyValue):
                if (c, req) not in literal_of:
                    literal_of[(c, req)] = _literal(c, req, dom)
                want = literal_of[(c, req)]
                compiled_as[(c, req)] = ("never",) if want is _NEVER else ("always",) if want is None else (
                    "literal", bits[(dom.feature, dom.value)], bool(want))
                if want is _NEVER:
                    reachable[r] = False
                elif want is not None:
                    lit.append((bits[(dom.feature, dom.value)], int(want)))
                continue
            if (c, req) not in row_of:
                row_of[(c, req)] = _view_row(c, req, dom, items, slot_of, probes_of)
            slot, row = row_of[(c, req)]
            compiled_as[(c, req)] = ("view", slot, row)
            if all(row):
                continue
            if not any(row):
                reachable[r] = False
            base = verdict_rows.get(row)
            if base is None:
                base = verdict_rows[row] = len(flat)
                flat.extend(row)
            tst.append((slot, base))
        lits.append(lit)
        tests.append(tst)
        # procpro and the other literals first: most rules fail there
        mine.sort(key=lambda cr: not isinstance(domains[cr], PropertyValue))
        rest.append(tuple(mine))

    compl_ids = {c: i for i, c in enumerate(t.compl_categories)}
    list_ids = {w: i for i, w in enumerate(sorted({wildcard(c) for c in t.compl_categories}))}
    pfacts, keys_rows = _principal_slots(t)
    pdg_named = frozenset(v for f, v in bits if f == "pdgprops")
    classes: dict[tuple[str, frozenset[str]], int] = {}
    for pf in pfacts:
        classes.setdefault((pf.dgcat, pf.pdgprops & pdg_named), len(dgcats) + len(classes))
    encoder = _Encoder(Frozen(bits), words, Frozen(compl_ids), Frozen(list_ids),
                       max(1, (len(list_ids) + 63) // 64), Frozen(dgcat_ids), Frozen(classes),
                       pdg_named)
    facts, more_rows = _compile_facts(t, encoder, pfacts)
    keys_rows |= more_rows
    class_lists = [np.flatnonzero(reachable[:, d]) for d in range(len(dgcats))]
    pdg_lit = np.full(len(rules), -1, dtype=np.int64)  # the pdgprop literal of each rule, if any
    pdg_want = np.zeros(len(rules), dtype=bool)
    pdg_bits = {bits[("pdgprops", v)] for v in pdg_named}
    for r, x in enumerate(lits):
        for b, w in x:
            if b in pdg_bits:
                pdg_lit[r], pdg_want[r] = b, bool(w)
    for (dgcat, pdg), _k in sorted(classes.items(), key=lambda kv: kv[1]):
        have = np.zeros(len(bits) + 1, dtype=bool)
        have[[bits[("pdgprops", v)] for v in pdg]] = True
        ok = reachable[:, dgcat_ids[dgcat]] & ((pdg_lit < 0) | (have[pdg_lit] == pdg_want))
        class_lists.append(np.flatnonzero(ok))
    key = _rule_keys(lits, facts, pdg_bits, len(bits))
    n_keys = len(bits) + 1
    cand_off, cand_rules = _buckets(class_lists, key, n_keys)
    filed = np.flatnonzero(np.diff(cand_off).reshape(len(class_lists), n_keys)[:, 1:].ravel())
    cand_keys = np.zeros((len(class_lists), words), dtype=np.uint64)
    _set_bits(cand_keys, (filed // (n_keys - 1)).tolist(), (filed % (n_keys - 1)).tolist())
    lit_off, lit_flat = _csr([[b for b, _ in x] for x in lits])
    test_off, slot_flat = _csr([[s for s, _ in x] for x in tests])
    match = MatchTables(
        n_rules=len(rules), words=words, n_keys=n_keys, cand_off=cand_off, cand_rules=cand_rules, cand_keys=_ro(cand_keys),
        lit_off=lit_off, lit_bit=lit_flat, lit_want=_ro(np.array([w for x in lits for _, w in x], dtype=np.uint8)),
        test_off=test_off, test_slot=slot_flat,
        test_base=_ro(np.array([b for x in tests for _, b in x], dtype=np.int32)),
        verdicts=_ro(np.array(flat or [0], dtype=np.uint8)),
        age_points=_ro(np.array(sorted_points["age"], dtype=np.int32)),
        stay_points=_ro(np.array(sorted_points["stay"], dtype=np.int32)),
        item_secondary=_ro(np.array([bits[("procprops", x)] for x, _ in items], dtype=np.int32)),
        item_carrier=_ro(np.array([bits[("procprops", p)] if p else -1 for _, p in items], dtype=np.int32)),
    )
    drg_mdc = {d.drg: d.mdc for d in logic.drgnames if d.mdc}
    return CompiledLogic(
        logic_id=logic.id, checksum=logic.checksum, error_drgs=logic.error_drgs, tables=t, columns=columns, rules=rules,
        drg=tuple(r.drg for r in rules), rtc=tuple(r.rtc for r in rules),
        rtc_principal=tuple(reported_rtc(r, has_principal=True) for r in rules),
        drg_mdc=tuple(drg_mdc.get(r.drg, "") for r in rules),
        dgcats=dgcats, dgcat_ids=Frozen(dgcat_ids), match=match, facts=facts,
        compiled_as=Frozen(compiled_as), _reqs=tuple(reqs), _rest=tuple(rest), _encoder=encoder,
        _index=Frozen({kind: Frozen({k: i for i, k in enumerate(keys_rows[f"{kind}_keys"])})
                                 for kind in ("principal", "secondary", "procedure")}),
        **keys_rows,
    )


def _buckets(class_lists: list[npt.NDArray[np.int64]], key: npt.NDArray[np.int64], n_keys: int) -> tuple[I32, I32]:
    """CSR of candidate rules by (class, key), rules in order within each list."""
    lens = np.array([len(x) for x in class_lists], dtype=np.int64)
    rules = np.concatenate(class_lists) if class_lists else np.zeros(0, dtype=np.int64)
    slot = np.repeat(np.arange(len(class_lists), dtype=np.int64), lens) * n_keys + key[rules]
    order = np.lexsort((rules, slot))
    off = np.zeros(len(class_lists) * n_keys + 1, dtype=np.int32)
    np.cumsum(np.bincount(slot, minlength=len(class_lists) * n_keys), out=off[1:])
    return _ro(off), _ro(rules[order].astype(np.int32))


def _rule_keys(lits: list[list[tuple[int, int]]], facts: FactArrays, skip: set[int], n_bits: int) -> npt.NDArray[np.int64]:
    """Per rule, 1 + the bit it is filed under (the rarest bit it requires, PDGPRO aside:
    the principal classes sort those), or 0 when it requires none."""
    rows = np.concatenate([facts.c_mask, facts.p_mask])
    freq = np.array([np.count_nonzero(rows[:, b >> 6] & np.uint64(1 << (b & 63))) for b in range(n_bits)])
    key = np.zeros(len(lits), dtype=np.int64)
    for r, x in enumerate(lits):
        required = [b for b, w in x if w and b not in skip]
        if required:
            key[r] = 1 + min(required, key=lambda b: (freq[b], b))
    return key


_UNKNOWN = "\x00unknown"  # a code no table lists: its facts stand for every such code


def _principal_slots(t: CodeTables) -> tuple[list[PrincipalFacts], dict[str, Any]]:
    """Facts of every principal slot a table names (dg_feat codes and pairs, compl_excl codes),
    per sex where the MDC 98 recode matters; row 0 is the empty slot, the last an unknown code."""
    singles = sorted({*t.dx, *(c for k in t.dx_pair for c in k), *t.excl_code})
    slots: list[tuple[str, ...]] = [(c,) for c in singles] + [tuple(k) for k in sorted(t.dx_pair)]
    pkeys = [s[0] if len(s) == 1 else PAIR_SEP.join(s) for s in slots]
    facts: list[PrincipalFacts] = [principal_facts(t, (), "")]
    rows = np.zeros((len(slots) + 1, 3), dtype=np.int32)
    for i, slot in enumerate([*slots, (_UNKNOWN,)]):
        neutral = principal_facts(t, slot, "")
        facts.append(neutral)
        sexes: tuple[str, ...] = ("",)
        if neutral.recodable:
            sexes = SEX_VALUES
            facts += [principal_facts(t, slot, s) for s in SEX_VALUES[1:]]
        first = len(facts) - len(sexes)
        rows[i] = [first + SEX_VALUES.index(s) if s in sexes else first for s in SEX_VALUES]
    unknown_rows = rows[len(slots)]
    keys, known_rows = _with_aliases(pkeys, rows[: len(slots)])
    return facts, {
        "principal_keys": tuple(keys), "principal_rows": _ro(known_rows), "empty_principal": 0,
        "unknown_principal": (int(unknown_rows[0]), int(unknown_rows[1]), int(unknown_rows[2])),
    }


def _compile_facts(t: CodeTables, enc: _Encoder, pfacts: list[PrincipalFacts]) -> tuple[FactArrays, dict[str, Any]]:
    p = enc.principal_rows(pfacts)

    # contributions: row 0 = nothing; then secondary slots; then procedures
    contribs: list[Contribution] = [Contribution()]
    skeys = [*sorted(t.dx), *(PAIR_SEP.join(k) for k in sorted(t.dx_pair))]
    sslots = [(c,) for c in sorted(t.dx)] + [tuple(k) for k in sorted(t.dx_pair)]
    srows = np.arange(1, len(sslots) + 1, dtype=np.int32)
    contribs += [secondary_contribution(t, s) for s in sslots]
    prkeys = sorted(t.proc)
    prrows = np.arange(len(contribs), len(contribs) + len(prkeys), dtype=np.int32)
    contribs += [procedure_contribution(t, c) for c in prkeys]
    unknown_proc = len(contribs)
    contribs.append(procedure_contribution(t, _UNKNOWN))
    c = enc.contribution_rows(contribs)
    skeys2, srows2 = _with_aliases(skeys, srows)
    prkeys2, prrows2 = _with_aliases(prkeys, prrows)
    objects = {"_pfacts": tuple(pfacts), "_contribs": tuple(contribs)}

    levels = [compl_level(t, k) for k in t.compl_categories]
    act = np.zeros((max(1, len(levels)), enc.words), dtype=np.uint64)
    pairs = [(i, enc.bits[("dgprops", a)]) for i, (_, acts) in enumerate(levels) for a in acts]
    _set_bits(act, [i for i, _ in pairs], [b for _, b in pairs])
    arrays = FactArrays(
        **{k: _ro(v) for k, v in p.items()}, **{k: _ro(v) for k, v in c.items()},
        compl_level=_ro(np.array([lv for lv, _ in levels] or [0], dtype=np.int32)),
        compl_list=_ro(np.array([enc.list_ids[wildcard(k)] for k in t.compl_categories] or [0], dtype=np.int32)),
        compl_needs=_ro(np.array([int(bool(acts)) for _, acts in levels] or [0], dtype=np.uint8)),
        compl_act=_ro(act),
    )
    return arrays, {
        "secondary_keys": tuple(skeys2), "secondary_rows": _ro(srows2),
        "procedure_keys": tuple(prkeys2), "procedure_rows": _ro(prrows2),
        "unknown_procedure": unknown_proc, **objects,
    }


_CLEAN_KEY = re.compile(r"[A-Za-z0-9]+(&[A-Za-z0-9]+)?")


def _with_aliases(keys: list[str], rows: npt.NDArray[Any]) -> tuple[list[str], npt.NDArray[Any]]:
    """Keep the keys the batch path may look up as they are -- ASCII letters and digits, a
    pair joined by '&' (a code the row API would clean first must reach it) -- and add their
    upper-case spellings (an exact key wins), so look-ups fold case like the tables'."""
    keep = [i for i, k in enumerate(keys) if _CLEAN_KEY.fullmatch(k)]
    if len(keep) < len(keys):
        keys, rows = [keys[i] for i in keep], rows[np.array(keep, dtype=np.int64)]
    seen = set(keys)
    extra_keys: list[str] = []
    extra_idx: list[int] = []
    for i, k in enumerate(keys):
        u = k.upper()
        if u not in seen:
            seen.add(u)
            extra_keys.append(u)
            extra_idx.append(i)
    if not extra_keys:
        return keys, rows
    return keys + extra_keys, np.concatenate([rows, rows[np.array(extra_idx, dtype=np.int64)]])


_ATTR = "_isf_compiled"


def compiled_logic(logic: Logic) -> CompiledLogic:
    """The compiled form of `logic`, built once per `Logic` object and kept on it (beside its
    own cached properties); the value is immutable, so sharing it between threads is safe."""
    found = vars(logic).get(_ATTR)
    if isinstance(found, CompiledLogic) and found.checksum == logic.checksum:
        return found
    cl = compile_logic(logic)
    vars(logic).setdefault(_ATTR, cl)
    return cl


# -- the per-run memo ---------------------------------------------------------------------------
@dataclass
class FactMemo:
    """Facts of slots the compiler did not list (pairs outside the tables), for one run.

    Rows are numbered after the compiled ones; at most `max_entries` are kept (the memo starts
    over when full, between batches). `hits`/`misses` count look-ups. Safe to share between
    the threads grouping slices of one batch.
    """

    compiled: CompiledLogic = field(repr=False)
    max_entries: int = 100_000
    hits: int = 0
    misses: int = 0
    _principal: dict[str, int] = field(default_factory=dict)
    _secondary: dict[str, int] = field(default_factory=dict)
    _pfacts: list[PrincipalFacts] = field(default_factory=list)
    _contribs: list[Contribution] = field(default_factory=list)
    _arrays: FactArrays | None = None
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def size(self) -> int:
        return len(self._principal) + len(self._secondary)

    def start_batch(self) -> None:
        """Start over if full (ids handed out stay valid within a batch)."""
        with self._lock:
            self._start_batch()

    def _start_batch(self) -> None:
        if self.size >= self.max_entries:
            self._principal.clear()
            self._secondary.clear()
            self._pfacts.clear()
            self._contribs.clear()
            self._arrays = None

    def principal(self, slot: tuple[str, ...], sex: str) -> int:
        """Row of this slot's principal facts (computed on the first look-up)."""
        with self._lock:
            return self._row(self._principal, f"{PAIR_SEP.join(slot)}|{sex}", self._pfacts, self.compiled.facts.n_principal,
                             lambda: principal_facts(self.compiled.tables, slot, sex))

    def secondary(self, slot: tuple[str, ...]) -> int:
        """Row of this secondary slot's contribution (computed on the first look-up)."""
        with self._lock:
            return self._row(self._secondary, PAIR_SEP.join(slot), self._contribs, self.compiled.facts.n_contribution,
                             lambda: secondary_contribution(self.compiled.tables, slot))

    def _row(self, rows: dict[str, int], key: str, made: list[Any], first: int, make: Callable[[], Any]) -> int:
        """The row of `key` (numbered after the compiled ones, from `first`), made on a miss."""
        row = rows.get(key)
        if row is not None:
            self.hits += 1
            return row
        self.misses += 1
        row = rows[key] = first + len(made)
        made.append(make())
        self._arrays = None
        return row

    def arrays(self) -> FactArrays:
        """The compiled fact arrays with this run's rows appended."""
        with self._lock:
            return self._merged()

    def _merged(self) -> FactArrays:
        base = self.compiled.facts
        if not self._pfacts and not self._contribs:
            return base
        if self._arrays is None:
            p = self.compiled.principal_rows_for(self._pfacts) if self._pfacts else None
            c = self.compiled.contribution_rows_for(self._contribs) if self._contribs else None
            merged: dict[str, Any] = {}
            for name in ("p_mask", "p_blocked", "p_or1", "p_or2", "p_dgcat", "p_class", "p_has"):
                merged[name] = base.__dict__[name] if p is None else np.concatenate([base.__dict__[name], p[name]])
            for name in ("c_mask", "c_or1", "c_or2", "c_cc"):
                merged[name] = base.__dict__[name] if c is None else np.concatenate([base.__dict__[name], c[name]])
            if c is None:
                merged["c_compl_off"], merged["c_compl"] = base.c_compl_off, base.c_compl
            else:
                merged["c_compl_off"] = np.concatenate([base.c_compl_off, c["c_compl_off"][1:] + base.c_compl_off[-1]])
                merged["c_compl"] = np.concatenate([base.c_compl, c["c_compl"]])
            self._arrays = FactArrays(**{k: _ro(v) for k, v in merged.items()}, compl_level=base.compl_level,
                                      compl_list=base.compl_list,
                                      compl_needs=base.compl_needs, compl_act=base.compl_act)
        return self._arrays
