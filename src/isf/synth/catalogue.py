"""Which codes a synthetic stay can carry, taken from the loaded logic and checked by grouping.

A *template* is a principal diagnosis (or dagger/asterisk pair) plus its procedures, a care
level, and the patient profile (sex, age band) it fits. Candidates are drawn coherently
(principal and procedures from the same MDC: the dg table's DGCAT and the first two digits of
the proc table's PROCPR) and each is grouped at the corners of its profile (both ends of the
age band, short and long stay, each allowed sex). Only candidates that get return code 0
everywhere are kept, so the data works for any logic, including ones written later.
Secondary diagnoses come from *safe* pools: codes whose properties no error rule tests.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

import numpy as np
import pyarrow as pa

from isf.definitions.model import Logic
from isf.grouping import group, make_case

_T = TypeVar("_T")

__all__ = ["BANDS", "COHORTS", "FODSEL", "NYFODT", "PHV", "SOMATIKK", "TSB", "Bank", "build_bank"]

SOMATIKK, FODSEL, NYFODT, PHV, TSB = range(5)
COHORTS = ("somatikk", "fodsel", "nyfodt", "phv", "tsb")
#: Sector (sektor column) of each cohort.
COHORT_SEKTOR = ("somatikk", "somatikk", "somatikk", "phv", "tsb")

_Y = 365.25
#: Age bands in days (inclusive); band 0 = neonates (< 28 days, the NordDRG neonatal limit).
BANDS: tuple[tuple[int, int], ...] = (
    (0, 27),
    (28, round(14 * _Y) - 1),
    (round(14 * _Y), round(18 * _Y) - 1),
    (round(18 * _Y), round(45 * _Y) - 1),
    (round(45 * _Y), round(67 * _Y) - 1),
    (round(67 * _Y), round(80 * _Y) - 1),
    (round(80 * _Y), round(98 * _Y) - 1),
)
NEONATE, CHILD, TEEN, ADULT, MIDDLE, ELDERLY, OLD = range(7)

# Demo/assumed age mix of rows per cohort (bands CHILD..OLD); not from the seeds.
_BAND_MIX = {
    SOMATIKK: (0.09, 0.04, 0.22, 0.28, 0.22, 0.15),
    PHV: (0.12, 0.15, 0.45, 0.20, 0.05, 0.03),
    TSB: (0.0, 0.03, 0.55, 0.35, 0.07, 0.0),
}
# Demo/assumed MDC mix of somatic principal diagnoses (roughly the NPR case mix).
_MDC_MIX = {
    "01": 7, "02": 4, "03": 5, "04": 8, "05": 12, "06": 10, "07": 3, "08": 15, "09": 5,
    "10": 3, "11": 4, "12": 2, "13": 3, "16": 2, "17": 3, "18": 2, "21": 3, "22": 0.3,
    "23": 8, "24": 0.1, "25": 0.1, "30": 0.5, "98": 1,
}
# Candidates drawn per (cohort, care level); care level 1 døgn, 2 dag, 3 poliklinikk.
_CANDIDATES = {
    (SOMATIKK, 1): 700, (SOMATIKK, 2): 400, (SOMATIKK, 3): 900,
    (FODSEL, 1): 160,
    (NYFODT, 1): 150, (NYFODT, 3): 50,
    (PHV, 3): 240, (PHV, 1): 60,
    (TSB, 3): 120, (TSB, 1): 30,
}
_SURGICAL_SHARE = {1: 0.4, 2: 0.65, 3: 0.0}
#: Templates landing in these DRGs are drawn this much less often (DEMO): rare, very costly
#: treatments that a random draw of the MDC's procedures would otherwise make common (CAR-T).
_RARE_DRG = {"412A": 0.01, "853X": 0.1}
_COMMON_SECONDARY = ("I10", "E119", "I489", "J449", "E039", "N189", "Z921", "E785", "I259", "F329")
_ICD = re.compile(r"^[A-Z][0-9]{2}[0-9A-Z]{0,3}$")


@dataclass(frozen=True, eq=False)
class Bank:
    """Validated templates and secondary-diagnosis pools, all as indices into `codes`."""

    codes: pa.Array  # string: every code the generator can write
    t_cohort: np.ndarray  # int8
    t_level: np.ndarray  # int8: omsorgsniva 1/2/3
    t_hdiag: np.ndarray  # int32
    t_hdiag2: np.ndarray  # int32, -1 = none
    t_proc_off: np.ndarray  # int64, len T+1
    t_proc: np.ndarray  # int32
    t_sex: np.ndarray  # int8: 0 either, 1 male, 2 female
    t_band: np.ndarray  # int8
    t_mdc: np.ndarray  # int16: principal MDC as a number (0 unknown)
    t_weight: np.ndarray  # float64: relative frequency within its (cohort, level)
    sec_off: np.ndarray  # int64, len 101: safe secondaries of MDC m are sec[sec_off[m]:sec_off[m+1]]
    sec: np.ndarray  # int32
    sec_general: np.ndarray  # int32
    sec_common: np.ndarray  # int32
    candidates: int  # how many candidates were tried (kept = len(t_cohort))

    def __len__(self) -> int:
        return len(self.t_cohort)


@dataclass
class _Tables:
    dgcat: dict[str, str]  # single code -> DGCAT (first row)
    pair_dgcat: dict[tuple[str, str], str]  # (dagger, asterisk) -> DGCAT
    pdgpro: dict[str, set[str]]
    risky: set[str]  # codes a secondary slot must not carry
    procpr: dict[str, list[str]]
    is_or: set[str]


def _tables(logic: Logic) -> _Tables:
    dgcat: dict[str, str] = {}
    pair: dict[tuple[str, str], str] = {}
    pdgpro: dict[str, set[str]] = defaultdict(set)
    dgprop: dict[str, set[str]] = defaultdict(set)
    special: set[str] = set()
    for r in logic.dg:
        if r.vartype == "DGCAT":
            if r.d_code:
                pair.setdefault((r.d_code, r.code), r.varval)
            else:
                dgcat.setdefault(r.code, r.varval)
        elif r.vartype == "PDGPRO" and not r.d_code:
            pdgpro[r.code].add(r.varval)
        elif r.vartype == "DGPROP":
            dgprop[r.code].add(r.varval)
        elif r.vartype in ("OR", "PROCPR"):
            special.add(r.code)
    # Properties that error rules (rtc not 0) test: a secondary carrying one may trigger them.
    bad_props = {p.lstrip("-+") for rule in logic.rules if rule.rtc != "0" for p in rule.dgprop}
    risky = special | {c for c, props in dgprop.items() if props & bad_props}
    procpr: dict[str, list[str]] = defaultdict(list)
    is_or: set[str] = set()
    for p in logic.proc:
        if p.vartype == "PROCPR":
            procpr[p.code].append(p.varval)
        elif p.vartype == "OR" and p.varval == "1":
            is_or.add(p.code)
    return _Tables(dgcat, pair, pdgpro, risky, dict(procpr), is_or)


def _is_substance(code: str) -> bool:
    return code.startswith("F1") and len(code) > 2 and code[2].isdigit()


def _profile(
    rng: np.random.Generator, cohort: int, dgcat: str, pdg: set[str]
) -> tuple[int, int]:
    """(sex, band) a principal diagnosis fits; sex 0 = either."""
    mdc = dgcat[:2]
    sex = {"12": 1, "13": 2, "14": 2}.get(mdc, 0)
    if mdc == "15" or cohort == NYFODT:
        return sex, NEONATE
    if mdc == "14" or cohort == FODSEL:
        return 2, ADULT
    mix = np.array(_BAND_MIX.get(cohort, _BAND_MIX[SOMATIKK]))
    if "00P02" in pdg:  # a childhood diagnosis (error rule when older than 18)
        mix = mix * np.array([1, 1, 0, 0, 0, 0])
    elif "00P01" in pdg:  # an adult diagnosis (error rule when younger than 14)
        mix = mix * np.array([0, 1, 1, 1, 1, 1])
    if mix.sum() == 0:
        mix = np.ones(6)
    return sex, CHILD + int(rng.choice(6, p=mix / mix.sum()))


def _corners(band: int, level: int) -> list[tuple[int, int]]:
    """The profile corners a template must group cleanly at: (age_days, los)."""
    lo, hi = BANDS[band]
    stays = (1, 30) if level == 1 else (0,)
    return [(age, los) for age in (lo, hi) for los in stays]


@lru_cache(maxsize=4)
def build_bank(logic: Logic, seed: int) -> Bank:
    """Draw and validate templates for `logic` (deterministic in `seed`; memoised)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed % 2**64, 0x5E17]))
    t = _tables(logic)
    usable = {c: g for c, g in t.dgcat.items() if _ICD.match(c) and g[:2] not in ("99", "00")}
    by_mdc: dict[str, list[str]] = defaultdict(list)
    for c, g in sorted(usable.items()):
        by_mdc[g[:2]].append(c)
    pairs_by_mdc: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for (dag, ast), g in sorted(t.pair_dgcat.items()):
        if g[:2] not in ("99", "00") and dag in usable and ast in t.dgcat:
            pairs_by_mdc[g[:2]].append((dag, ast))
    proc_or: dict[str, list[str]] = defaultdict(list)
    proc_plain: dict[str, list[str]] = defaultdict(list)
    for code in sorted(t.procpr):
        for mdc in sorted({v[:2] for v in t.procpr[code]}):
            (proc_or if code in t.is_or else proc_plain)[mdc].append(code)
    all_plain = sorted({c for v in proc_plain.values() for c in v})

    psych = [c for c in by_mdc.get("19", []) if not _is_substance(c)]
    substance = [c for m in ("19", "20") for c in by_mdc.get(m, []) if _is_substance(c)]
    substance += [c for c in by_mdc.get("20", []) if not _is_substance(c)]
    pools: dict[int, dict[str, list[str]]] = {
        FODSEL: {"14": by_mdc.get("14", [])},
        NYFODT: {"15": by_mdc.get("15", [])},
        PHV: {"19": psych},
        TSB: {"20" if "20" in by_mdc else "19": substance},
        SOMATIKK: {m: by_mdc[m] for m in _MDC_MIX if by_mdc.get(m)},
    }

    def pick(xs: Sequence[_T]) -> _T:
        return xs[int(rng.integers(len(xs)))]

    kept: list[tuple[int, int, str, str, tuple[str, ...], int, int, str, str]] = []
    tried = 0
    for (cohort, level), n in _CANDIDATES.items():
        pool = {m: xs for m, xs in pools[cohort].items() if xs}
        if not pool:
            continue
        mdcs = sorted(pool)
        w = np.array([_MDC_MIX.get(m, 1.0) for m in mdcs])
        for _ in range(n):
            tried += 1
            mdc = mdcs[int(rng.choice(len(mdcs), p=w / w.sum()))]
            dag, ast = pick(pool[mdc]), ""
            if cohort == SOMATIKK and pairs_by_mdc.get(mdc) and rng.random() < 0.03:
                dag, ast = pick(pairs_by_mdc[mdc])
            procs: list[str] = []
            surgical = cohort == SOMATIKK and rng.random() < _SURGICAL_SHARE[level]
            if cohort == FODSEL and rng.random() < 0.7:
                surgical = True
            if surgical and proc_or.get(mdc):
                procs.append(pick(proc_or[mdc]))
            p_plain = {1: 0.5, 2: 0.6, 3: 0.35}[level] if cohort in (SOMATIKK, FODSEL) else 0.15
            if proc_plain.get(mdc) and rng.random() < p_plain:
                procs.append(pick(proc_plain[mdc]))
            if procs and all_plain and rng.random() < 0.1:  # e.g. imaging or anaesthesia
                procs.append(pick(all_plain))
            dgcat = t.pair_dgcat.get((dag, ast), "") if ast else usable[dag]
            sex, band = _profile(rng, cohort, dgcat, t.pdgpro.get(dag, set()))
            ok_sexes = set()
            drg = ""
            for s in ("1", "2") if sex == 0 else (str(sex),):
                clean = True
                for age, los in _corners(band, level):
                    case = make_case(
                        sex=s,
                        age_days=age,
                        los=los,
                        diagnoses=[(dag, ast) if ast else dag],
                        procedures=procs,
                    )
                    res = group(logic, case)
                    if res.rtc != "0":
                        clean = False
                        break
                    drg = drg or res.drg
                if clean:
                    ok_sexes.add(int(s))
            if not ok_sexes:
                continue
            sx = 0 if len(ok_sexes) == 2 else ok_sexes.pop()
            kept.append((cohort, level, dag, ast, tuple(procs), sx, band, dgcat[:2], drg))

    # Safe secondary pools: valid, unremarkable codes of every MDC except the sex/age-bound ones.
    safe = [
        c
        for c, g in sorted(usable.items())
        if c not in t.risky and g[:2] not in ("12", "13", "14", "15", "98") and not t.pdgpro.get(c)
    ]
    code_list: list[str] = []
    index: dict[str, int] = {}

    def ix(c: str) -> int:
        if c not in index:
            index[c] = len(code_list)
            code_list.append(c)
        return index[c]

    sec_by: dict[int, list[int]] = defaultdict(list)
    for c in safe:
        sec_by[int(usable[c][:2])].append(ix(c))
    sec_off = np.zeros(101, dtype=np.int64)
    sec: list[int] = []
    for m in range(100):
        sec_off[m] = len(sec)
        sec.extend(sec_by.get(m, []))
    sec_off[100] = len(sec)
    general = [ix(c) for c in safe if usable[c][:2] not in ("19", "20", "22", "24", "25", "30")]
    common = [ix(c) for c in _COMMON_SECONDARY if c in usable and c in set(safe)]

    proc_off = [0]
    proc_vals: list[int] = []
    for k in kept:
        proc_vals.extend(ix(p) for p in k[4])
        proc_off.append(len(proc_vals))
    hdiag = np.array([ix(k[2]) for k in kept], dtype=np.int32)
    hdiag2 = np.array([ix(k[3]) if k[3] else -1 for k in kept], dtype=np.int32)
    return Bank(
        codes=pa.array(code_list, type=pa.string()),
        t_cohort=np.array([k[0] for k in kept], dtype=np.int8),
        t_level=np.array([k[1] for k in kept], dtype=np.int8),
        t_hdiag=hdiag,
        t_hdiag2=hdiag2,
        t_proc_off=np.array(proc_off, dtype=np.int64),
        t_proc=np.array(proc_vals, dtype=np.int32),
        t_sex=np.array([k[5] for k in kept], dtype=np.int8),
        t_band=np.array([k[6] for k in kept], dtype=np.int8),
        t_mdc=np.array([int(k[7]) if k[7].isdigit() else 0 for k in kept], dtype=np.int16),
        t_weight=rng.lognormal(0.0, 1.0, size=len(kept)) * np.array([_RARE_DRG.get(k[8], 1.0) for k in kept]),
        sec_off=sec_off,
        sec=np.array(sec, dtype=np.int32),
        sec_general=np.array(general, dtype=np.int32),
        sec_common=np.array(common, dtype=np.int32),
        candidates=tried,
    )
