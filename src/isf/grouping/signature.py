"""Case signatures: the few numbers that decide a case's DRG, computed from per-code bitmasks.

Two cases with the same signature pass and fail exactly the same `drg_logic` conditions, so
a batch groups each distinct signature once. The signature keeps only what the rules can
test: the principal slot (which fixes DGCAT, MDC, PDGPRO and the principal's own properties),
the DGPROP and PROCPR values some rule names, per-procedure properties some `secpro` rule
names, the OR summary, the CC level, sex, discharge and the side of every age and
length-of-stay limit. Cases the signature cannot describe exactly (codes needing cleaning,
secondary dagger/asterisk pairs, inactive complication categories) return None and take
the full path. Tests check signature-grouping against the full grouper row by row.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from isf.definitions.model import Logic, Rule
from isf.grouping.features import (
    CodeIndex,
    _canon,
    _dgcat,
    _excluded,
    _recode98,
    _slot_props,
    _wildcard,
    code_index,
)
from isf.grouping.grouper import GroupResult, drg_mdc, reported_rtc
from isf.grouping.matcher import _principal_ok
from isf.grouping.rules import limit_ok, or_letter_ok, secpro_or_ok

__all__ = ["Signer", "signer_for"]

Signature = tuple[object, ...]


@dataclass(frozen=True, slots=True)
class _Code:
    """A code's contribution: masks over rule-named values, OR values, COMPL categories, CC."""

    dgprop: int
    procpr: int
    secpr: int
    or1: int
    or2: bool
    compl: tuple[str, ...]
    cc: bool


def _limits(values: set[str]) -> tuple[int, ...]:
    out: set[int] = set()
    for lim in values:
        n = int(lim.lstrip("<>="))
        out.update((n, n + 1))
    return tuple(sorted(out))


@dataclass(frozen=True, slots=True)
class _CompiledRule:
    """A rule's non-principal conditions as masks over the signature's bit spaces."""

    rule: Rule
    req_dg: int
    neg_dg: int
    req_pr: int
    neg_pr: int
    or_letter: str
    compl: int
    age_ok: tuple[bool, ...]
    dur_ok: tuple[bool, ...]
    sex: str | None
    disch: str
    secpro: tuple[str, int, int]


def _secpro_ok(secpro: tuple[str, int, int], pr: int, sec_masks: tuple[int, ...]) -> bool:
    sp, bit, carrier_bit = secpro
    if sp in ("-", "+"):  # `bit` is the OR-1 bit of the masks
        return secpro_or_ok(sp, ((bool(m & bit), bool(m & carrier_bit)) for m in sec_masks))
    if sp.startswith("-"):
        return not pr & bit
    hits = [i for i, m in enumerate(sec_masks) if m & bit]
    if not hits:
        return bool(pr & bit)
    carriers = [i for i, m in enumerate(sec_masks) if carrier_bit and m & carrier_bit]
    return any(h != c for h in hits for c in carriers) if carriers else True


@dataclass
class Signer:
    """Computes signatures for one logic (look-ups built once, principal info memoised)."""

    logic: Logic
    idx: CodeIndex = field(init=False)
    dg_bit: dict[str, int] = field(init=False)
    pr_bit: dict[str, int] = field(init=False)
    sec_mask: int = field(init=False)
    or1_bit: int = field(init=False)
    ages: tuple[int, ...] = field(init=False)
    durs: tuple[int, ...] = field(init=False)
    _dx: dict[str, _Code | None] = field(init=False, default_factory=dict)
    _px: dict[str, _Code] = field(init=False, default_factory=dict)
    _principal: dict[tuple[tuple[str, ...], str], tuple[int, int, int, bool, frozenset[str]]] = field(
        init=False, default_factory=dict
    )
    _excl: dict[tuple[tuple[str, ...], str], bool] = field(init=False, default_factory=dict)
    _rules: tuple[_CompiledRule, ...] = field(init=False)
    _cands: dict[tuple[bool, str, frozenset[str]], _RuleSet] = field(init=False, default_factory=dict)
    _pfeat: dict[tuple[tuple[str, ...], str], tuple[bool, str, str, frozenset[str]]] = field(init=False, default_factory=dict)
    _rel: dict[tuple[bool, str, frozenset[str]], tuple[int, int, tuple[int, ...], tuple[int, ...]]] = field(
        init=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        rules = self.logic.rules
        self.idx = code_index(self.logic)
        dg_vals = sorted({p.lstrip("-") for r in rules for p in r.dgprop})
        named = [(r.procpro, "" if r.secpro in ("-", "+") else r.secpro) for r in rules]
        pr_vals = sorted({v.lstrip("-") for pair in named for v in pair if v.lstrip("-")})
        sec_vals = sorted({v for pp, sp in named if sp and not sp.startswith("-") for v in (sp, pp)
                           if v and not v.startswith("-")}
                          | {r.procpro for r in rules if r.secpro in ("-", "+") and r.procpro and r.procpro[0] != "-"})
        self.dg_bit = {v: 1 << i for i, v in enumerate(dg_vals)}
        self.pr_bit = {v: 1 << i for i, v in enumerate(pr_vals)}
        self.sec_mask = sum(self.pr_bit[v] for v in sec_vals if v in self.pr_bit)
        # secpro '-'/'+' look at each procedure's OR 1 (one bit beyond the PROCPR bits)
        self.or1_bit = (1 << len(pr_vals)) if any(r.secpro in ("-", "+") for r in rules) else 0
        self.ages = _limits({r.agelim for r in rules if r.agelim})
        self.durs = _limits({r.dur for r in rules if r.dur})
        self._rules = tuple(self._compile(r) for r in rules)

    def _compile(self, r: Rule) -> _CompiledRule:
        def masks(values: Sequence[str], bits: dict[str, int]) -> tuple[int, int]:
            req = sum(bits[v] for v in {v for v in values if v and not v.startswith("-")})
            neg = sum(bits[v[1:]] for v in {v for v in values if v.startswith("-") and len(v) > 1})
            return req, neg

        req_dg, neg_dg = masks(r.dgprop, self.dg_bit)
        req_pr, neg_pr = masks([r.procpro] if r.procpro else [], self.pr_bit)
        rep_age = [0, *self.ages]
        rep_dur = [0, *self.durs]
        age_ok = tuple(not r.agelim or limit_ok(r.agelim, a) for a in rep_age)
        dur_ok = tuple(not r.dur or limit_ok(r.dur, d) for d in rep_dur)
        sp = r.secpro
        bit = self.or1_bit if sp in ("-", "+") else self.pr_bit.get(sp.lstrip("-"), 0)
        sec = (sp, bit, self.pr_bit.get(r.procpro, 0) if r.procpro else 0)
        return _CompiledRule(r, req_dg, neg_dg, req_pr, neg_pr, r.or_proc, int(r.compl or 0), age_ok, dur_ok,
                             {"M": "M", "F": "F", "-": ""}.get(r.sex), r.disch, sec)

    # -- per code ---------------------------------------------------------------------------
    def _contribution(self, props: Sequence[tuple[str, str]], *, secondary: bool, procedure: bool = False) -> _Code:
        dg = pr = or1 = 0
        or2 = cc = has1 = False
        compl: list[str] = []
        for vt, vv in props:
            if vt in ("DGPROP", "SDGPRO"):
                dg |= self.dg_bit.get(vv, 0)
            elif vt == "PROCPR":
                pr |= self.pr_bit.get(vv, 0)
            elif vt == "OR" and vv.isdigit():
                # Every OR value counts (NOR2017's LFB30 has OR 1 and OR 2); a procedure
                # counts once towards the number of OR-1 codes, each diagnosis OR row alone.
                has1 = has1 or vv == "1"
                or1 += vv == "1"
                or2 = or2 or vv == "2"
            elif vt == "COMPL" and secondary:
                compl.append(vv)
            elif vt == "CC" and vv.isdigit() and int(vv) > 0:
                cc = True
        secpr = pr & self.sec_mask
        if procedure:
            or1 = int(has1)
            secpr |= self.or1_bit if has1 else 0
        return _Code(dg, pr, secpr, or1, or2, tuple(compl), cc)

    def _dx_code(self, code: str) -> _Code | None:
        if code in self._dx:
            return self._dx[code]
        table = self.idx.dx
        props = table.get(_canon(code, table), ())
        c: _Code | None = self._contribution(props, secondary=True)
        if c is not None and any(x[2:3] not in ("C", "G") for x in c.compl):
            c = None  # an inactive category depends on the rest of the case: full path
        self._dx[code] = c
        return c

    def _px_code(self, code: str) -> _Code:
        c = self._px.get(code)
        if c is None:
            table = self.idx.proc
            props = table.get(_canon(code, table), ())
            c = self._contribution(props, secondary=False, procedure=True)
            self._px[code] = c
        return c

    def _principal_info(self, slot: tuple[str, ...], sex: str) -> tuple[int, int, int, bool, frozenset[str]]:
        """The principal's own contribution (recoded by sex) and its complication wildcards."""
        key = (slot, sex)
        info = self._principal.get(key)
        if info is None:
            canon = tuple(_canon(c, self.idx.dx) for c in slot)
            props, _known = _slot_props(self.idx, canon) if canon else ((), False)
            props = tuple((vt, _recode98(vv, sex)) for vt, vv in props)
            c = self._contribution(props, secondary=False)
            wild = frozenset(_wildcard(vv) for vt, vv in props if vt == "COMPL")
            info = (c.dgprop, c.procpr, c.or1, c.or2, wild)
            self._principal[key] = info
        return info

    def _excluded(self, pslot: tuple[str, ...], compl: str) -> bool:
        key = (pslot, compl)
        v = self._excl.get(key)
        if v is None:
            canon = tuple(_canon(c, self.idx.dx) for c in pslot)
            v = _excluded(self.idx, compl, canon)
            self._excl[key] = v
        return v

    # -- per case -------------------------------------------------------------------------------
    def signature(
        self,
        *,
        sex: str,
        age: int,
        los: int,
        discharge: str,
        principal: tuple[str, ...],
        secondary: Sequence[str],
        procedures: Sequence[str],
    ) -> Signature | None:
        """The signature, or None when only the full grouper can decide (see module doc)."""
        for code in (*principal, *secondary, *procedures):
            if not code.isalnum():
                return None
        dx: list[_Code] = []
        for code in secondary:
            c = self._dx_code(code)
            if c is None:
                return None
            dx.append(c)
        px = [self._px_code(code) for code in procedures]
        return self.combine(principal, sex, dx, px, bisect_right(self.ages, age), bisect_right(self.durs, los), discharge)

    def combine(
        self,
        principal: tuple[str, ...],
        sex: str,
        secondary: Iterable[_Code],
        procedures: Iterable[_Code],
        age_bucket: int,
        stay_bucket: int,
        discharge: str,
    ) -> Signature:
        """The signature from the principal and the contributions of the other codes."""
        dg, pr, n_or1, or2, wild = self._principal_info(principal, sex)
        level = 0
        sec_masks: list[int] = []
        for c in secondary:
            dg |= c.dgprop
            pr |= c.procpr
            n_or1 += c.or1
            or2 = or2 or c.or2
            for compl in c.compl:
                if level == 2 or _wildcard(compl) in wild:
                    continue
                this = 2 if compl[2] == "G" else 1
                if this > level and not (principal and self._excluded(principal, compl)):
                    level = this
        for c in procedures:
            dg |= c.dgprop
            pr |= c.procpr
            n_or1 += c.or1
            or2 = or2 or c.or2
            if c.cc and level == 0:
                level = 1
            if c.secpr:
                sec_masks.append(c.secpr)
        return (
            principal, sex, dg, pr, tuple(sorted(sec_masks)), min(n_or1, 2), or2, level,
            age_bucket, stay_bucket, "E" if discharge == "E" else discharge,
        )


def _principal_features(signer: Signer, principal: tuple[str, ...], sex: str) -> tuple[bool, str, str, frozenset[str]]:
    key = (principal, sex)
    pf = signer._pfeat.get(key)
    if pf is None:
        idx = signer.idx
        canon = tuple(_canon(c, idx.dx) for c in principal)
        dgcat = _recode98(_dgcat(idx, canon), sex) if canon else ""
        props = _slot_props(idx, canon)[0] if canon else ()
        pdg = frozenset(_recode98(vv, sex) for vt, vv in props if vt == "PDGPRO")
        pf = (bool(dgcat), dgcat[:2], dgcat, pdg)
        signer._pfeat[key] = pf
    return pf


def _relevance(signer: Signer, principal: tuple[str, ...], sex: str) -> tuple[int, int, tuple[int, ...], tuple[int, ...]]:
    """What the rules a principal can reach look at: DGPROP and PROCPR bits, and which age and
    stay buckets they tell apart (bucket -> class of identical verdicts)."""
    valid, mdc, dgcat, pdg = _principal_features(signer, principal, sex)
    key = (valid, dgcat, pdg)
    rel = signer._rel.get(key)
    if rel is None:
        cands = _rule_set(signer, principal, sex).rules
        dg = pr = 0
        for c in cands:
            dg |= c.req_dg | c.neg_dg
            pr |= c.req_pr | c.neg_pr | c.secpro[1] | c.secpro[2]
        ages = _classes([c.age_ok for c in cands], len(signer.ages) + 1)
        durs = _classes([c.dur_ok for c in cands], len(signer.durs) + 1)
        rel = (dg, pr, ages, durs)
        signer._rel[key] = rel
    return rel


def _classes(verdicts: list[tuple[bool, ...]], n: int) -> tuple[int, ...]:
    """Bucket -> class id, buckets with the same verdict in every rule sharing a class."""
    seen: dict[tuple[bool, ...], int] = {}
    return tuple(seen.setdefault(tuple(v[b] for v in verdicts), len(seen)) for b in range(n))


def reduce_signature(signer: Signer, sig: Signature) -> Signature:
    """The signature with what no reachable rule looks at masked out: the memo key."""
    principal, sex, dg, pr, sec, n_or1, or2, level, ab, db, disch = sig
    rdg, rpr, ages, durs = _relevance(signer, principal, sex)  # type: ignore[arg-type]
    return (principal, sex, dg & rdg, pr & rpr, sec, n_or1, or2, level, ages[ab], durs[db], disch)  # type: ignore[operator,index]


@dataclass(frozen=True, slots=True)
class _RuleSet:
    """Candidate rules as bit positions (bit i = i-th rule in `ord` order) with, per condition
    value, the set of rules that value fails: a case's surviving rules are a few integer
    operations away, and the lowest surviving bit is the first matching rule."""

    rules: tuple[_CompiledRule, ...]
    dg: _Requirement
    pr: _Requirement
    age_fail: tuple[int, ...]
    dur_fail: tuple[int, ...]
    level_fail: tuple[int, int, int]
    sex_fail: dict[str, int]
    disch_fail: dict[str, int]
    or_fail: dict[tuple[bool, bool], int]


@dataclass(frozen=True, slots=True)
class _Requirement:
    """Which rules a set of property bits lets through: rules needing nothing, rules needing
    one bit (by bit), rules needing several (checked one by one), rules forbidding a bit."""

    free: int
    single: dict[int, int]
    multi: dict[int, tuple[tuple[int, int], ...]]  # by the lowest required bit
    forbidden: dict[int, int]

    def passing(self, have: int) -> int:
        ok = self.free
        fail = 0
        m = have
        single, multi, forbidden = self.single, self.multi, self.forbidden
        while m:
            low = m & -m
            m ^= low
            if low in single:
                ok |= single[low]
            if low in forbidden:
                fail |= forbidden[low]
            if low in multi:
                for i, req in multi[low]:
                    if have & req == req:
                        ok |= 1 << i
        return ok & ~fail


def _requirement(rules: Sequence[_CompiledRule], req_attr: str, neg_attr: str) -> _Requirement:
    free = 0
    single: dict[int, int] = {}
    multi: dict[int, list[tuple[int, int]]] = {}
    forbidden: dict[int, int] = {}
    for i, c in enumerate(rules):
        req, neg = getattr(c, req_attr), getattr(c, neg_attr)
        if not req:
            free |= 1 << i
        elif req & (req - 1) == 0:
            single[req] = single.get(req, 0) | (1 << i)
        else:
            multi.setdefault(req & -req, []).append((i, req))
        while neg:
            low = neg & -neg
            forbidden[low] = forbidden.get(low, 0) | (1 << i)
            neg ^= low
    return _Requirement(free, single, {k: tuple(v) for k, v in multi.items()}, forbidden)


def _rule_set(signer: Signer, principal: tuple[str, ...], sex: str) -> _RuleSet:
    """The rules a principal can reach (shared by all principals with the same DGCAT and
    PDGPRO), memoised."""
    valid, mdc, dgcat, pdg = _principal_features(signer, principal, sex)
    key = (valid, dgcat, pdg)
    rs = signer._cands.get(key)
    if rs is None:
        rs = _build_rule_set(signer, [c for c in signer._rules if _principal_ok(c.rule, valid, mdc, dgcat, pdg)])
        signer._cands[key] = rs
    return rs


def _build_rule_set(signer: Signer, rules: Sequence[_CompiledRule]) -> _RuleSet:
    """One pass over the rules, each setting its bit in the fail sets of the values it rejects."""
    n_age, n_dur = len(signer.ages) + 1, len(signer.durs) + 1
    age_fail, dur_fail = [0] * n_age, [0] * n_dur
    level_fail = [0, 0, 0]
    sex_fail = {"M": 0, "F": 0, "": 0}
    disch_fail = {"H": 0, "R": 0, "E": 0}
    or_keys = [(h1, h2) for h1 in (False, True) for h2 in (False, True)]
    or_fail = dict.fromkeys(or_keys, 0)
    for i, c in enumerate(rules):
        bit = 1 << i
        if c.rule.agelim:
            for b in range(n_age):
                if not c.age_ok[b]:
                    age_fail[b] |= bit
        if c.rule.dur:
            for b in range(n_dur):
                if not c.dur_ok[b]:
                    dur_fail[b] |= bit
        for lv in range(3):
            if c.compl > lv:
                level_fail[lv] |= bit
        if c.sex is not None:
            for sx in sex_fail:
                if sx != c.sex:
                    sex_fail[sx] |= bit
        if c.disch:
            for d in disch_fail:
                if not ((c.disch == "N" and d != "E") or (c.disch in ("E", "R") and d == c.disch)):
                    disch_fail[d] |= bit
        if c.or_letter:
            for k in or_keys:
                if not or_letter_ok(c.or_letter, *k):
                    or_fail[k] |= bit
    return _RuleSet(
        rules=tuple(rules),
        dg=_requirement(rules, "req_dg", "neg_dg"),
        pr=_requirement(rules, "req_pr", "neg_pr"),
        age_fail=tuple(age_fail),
        dur_fail=tuple(dur_fail),
        level_fail=(level_fail[0], level_fail[1], level_fail[2]),
        sex_fail=sex_fail,
        disch_fail=disch_fail,
        or_fail=or_fail,
    )


def match_signature(signer: Signer, sig: Signature) -> GroupResult:
    """Group a case from its signature alone: same rules, same order, same result."""
    principal, sex, dg, pr, sec_masks, n_or1, or2, level, ab, db, disch = sig
    rs = _rule_set(signer, principal, sex)  # type: ignore[arg-type]
    fail = (
        rs.age_fail[ab] | rs.dur_fail[db] | rs.level_fail[level]  # type: ignore[index]
        | rs.sex_fail.get(sex, 0) | rs.disch_fail.get(disch, 0) | rs.or_fail[(n_or1 > 0, bool(or2))]  # type: ignore[arg-type,index,operator]
    )
    alive = rs.dg.passing(dg) & rs.pr.passing(pr) & ~fail  # type: ignore[arg-type]
    logic = signer.logic
    _valid, mdc, _dgcat_v, _pdg = _principal_features(signer, principal, sex)  # type: ignore[arg-type]
    while alive:
        low = alive & -alive
        c = rs.rules[low.bit_length() - 1]
        if c.secpro[0] and not _secpro_ok(c.secpro, pr, sec_masks):  # type: ignore[arg-type]
            alive ^= low
            continue
        r = c.rule
        return GroupResult(drg=r.drg, rtc=reported_rtc(r, has_principal=bool(principal)),
                           rule=r.ord, mdc=drg_mdc(logic).get(r.drg, "") or mdc, logic=logic.id)
    return GroupResult(drg="", rtc="9", rule="", mdc=mdc, logic=logic.id)


@lru_cache(maxsize=8)
def signer_for(logic: Logic) -> Signer:
    """The memoised signer of `logic` (a pure cache keyed by the logic's checksum)."""
    return Signer(logic)
