"""Fast rule matching: the same conditions as `rules.py`, without building explanations.

Rules are pre-filtered once per principal-diagnosis signature (validity, DGCAT, PDGPRO set):
those conditions depend only on the principal, so a year of activity reuses a few thousand
candidate lists. The remaining conditions are checked with plain comparisons.
`rules.first_failure` stays the reference; tests assert both agree on every case.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from isf.definitions.model import Logic, Rule
from isf.grouping.features import CaseFeatures
from isf.grouping.rules import limit_ok, or_letter_ok, secpro_or_ok

__all__ = ["Matcher", "matcher_for"]


def _in(value: str, have: frozenset[str]) -> bool:
    return value[1:] not in have if value.startswith("-") else value in have


def _principal_ok(r: Rule, valid: bool, mdc: str, dgcat: str, pdg: frozenset[str]) -> bool:
    if r.icd == "+" and not valid:
        return False
    if r.icd == "-" and valid:
        return False
    if r.mdc and not (mdc != r.mdc[1:] if r.mdc.startswith("-") else mdc == r.mdc):
        return False
    if r.dgcat and not (dgcat and (dgcat != r.dgcat[1:] if r.dgcat.startswith("-") else dgcat == r.dgcat)):
        return False
    return not (r.pdgprop and not _in(r.pdgprop, pdg))


def _rest_ok(r: Rule, f: CaseFeatures) -> bool:
    if r.compl and f.cc_level < int(r.compl):
        return False
    if r.or_proc and not or_letter_ok(r.or_proc, 1 in f.or_values, 2 in f.or_values):
        return False
    if r.procpro and not _in(r.procpro, f.procprops):
        return False
    if r.secpro and not _secpro_ok(r, f):
        return False
    for prop in r.dgprop:
        if not _in(prop, f.dgprops):
            return False
    if r.agelim and not limit_ok(r.agelim, f.age_days):
        return False
    if r.sex and f.sex != {"M": "M", "F": "F", "-": ""}[r.sex]:
        return False
    if r.dur and not limit_ok(r.dur, f.los):
        return False
    if r.disch:
        d = f.discharge
        if r.disch == "N" and d == "E":
            return False
        if r.disch in ("E", "R") and d != r.disch:
            return False
    return True


def _secpro_ok(r: Rule, f: CaseFeatures) -> bool:
    sp = r.secpro
    if sp in ("-", "+"):
        return secpro_or_ok(sp, ((1 in o, bool(r.procpro) and r.procpro in p) for p, o in zip(f.proc_props_each, f.proc_or)))
    if sp.startswith("-"):
        return sp[1:] not in f.procprops
    hits = [i for i, s in enumerate(f.proc_props_each) if sp in s]
    if not hits:
        return sp in f.procprops
    carriers = [i for i, s in enumerate(f.proc_props_each) if r.procpro and r.procpro in s]
    return any(any(h != c for c in carriers) for h in hits) if carriers else True


@dataclass
class Matcher:
    """Candidate rules per principal signature, memoised (bounded) for batch reuse."""

    logic: Logic
    max_cached: int = 50_000
    _cache: dict[tuple[bool, str, frozenset[str]], tuple[Rule, ...]] = field(default_factory=dict)
    _by_proc: dict[tuple[bool, str, frozenset[str], frozenset[str]], tuple[Rule, ...]] = field(default_factory=dict)

    def candidates(self, f: CaseFeatures) -> tuple[Rule, ...]:
        key = (f.principal_valid, f.dgcat, f.pdgprops)
        found = self._cache.get(key)
        if found is None:
            found = tuple(
                r for r in self.logic.rules if _principal_ok(r, f.principal_valid, f.mdc, f.dgcat, f.pdgprops)
            )
            if len(self._cache) >= self.max_cached:
                self._cache.clear()
            self._cache[key] = found
        return found

    def candidates_for_procedures(self, f: CaseFeatures) -> tuple[Rule, ...]:
        """Candidates that also pass their `procpro` condition (most rules fail there)."""
        key = (f.principal_valid, f.dgcat, f.pdgprops, f.procprops)
        found = self._by_proc.get(key)
        if found is None:
            found = tuple(r for r in self.candidates(f) if not r.procpro or _in(r.procpro, f.procprops))
            if len(self._by_proc) >= self.max_cached:
                self._by_proc.clear()
            self._by_proc[key] = found
        return found

    def first_match(self, f: CaseFeatures) -> Rule | None:
        for r in self.candidates_for_procedures(f):
            if _rest_ok(r, f):
                return r
        return None


_MATCHERS: dict[str, Matcher] = {}


def matcher_for(logic: Logic) -> Matcher:
    """The memoised matcher of `logic` (keyed by checksum; a pure cache, no I/O)."""
    m = _MATCHERS.get(logic.checksum)
    if m is None or m.logic is not logic and m.logic != logic:
        m = Matcher(logic)
        if len(_MATCHERS) > 8:
            _MATCHERS.clear()
        _MATCHERS[logic.checksum] = m
    return m
