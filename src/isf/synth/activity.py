"""Synthetic NPR-like activity: vectorised, chunked, deterministic in the seed.

Each chunk is drawn with its own ``np.random.Generator`` (seeded from ``(seed, chunk number)``),
so memory stays bounded and there is no Python loop per row. Patients are identified by a
(stratum, number) key; everything stable about a patient (id, birth date, municipality) is a
hash of that key, so the same patient looks the same in every chunk. The distributions are
documented in docs/synth.md; every number here that the seed documents do not give is a
demo assumption.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from isf.definitions.model import Logic
from isf.synth.catalogue import (
    BANDS,
    COHORT_SEKTOR,
    ELDERLY,
    FODSEL,
    NEONATE,
    NYFODT,
    PHV,
    SOMATIKK,
    TSB,
    Bank,
    build_bank,
)
from isf.synth.geo import SECTORS, Geography, load_geography
from isf.synth.rbf_codes import add_rbf_codes
from isf.synth.stg_codes import add_stg_codes

__all__ = ["ACTIVITY_SCHEMA", "synth_activity"]

ACTIVITY_SCHEMA = pa.schema(
    [
        ("kontakt_id", pa.int64()),
        ("pasient_id", pa.string()),
        ("kjonn", pa.int8()),
        ("fodselsdato", pa.date32()),
        ("alder_dager", pa.int32()),
        ("bo_kommune", pa.string()),
        ("bo_hf", pa.string()),
        ("bo_rhf", pa.string()),
        ("beh_hf", pa.string()),
        ("beh_rhf", pa.string()),
        ("inn_dato", pa.date32()),
        ("ut_dato", pa.date32()),
        ("liggetid", pa.int32()),
        ("utskrklar_dager", pa.int32()),
        ("omsorgsniva", pa.int8()),
        ("kontakt_type", pa.int8()),
        ("innmate_hast", pa.int8()),
        ("utskr_maate", pa.string()),
        ("sektor", pa.string()),
        ("debitor", pa.int16()),
        ("ambulant", pa.bool_()),
        ("opphold_id", pa.int64()),
        ("hdiag", pa.string()),
        ("hdiag2", pa.string()),
        ("bdiag", pa.list_(pa.string())),
        ("prosedyrer", pa.list_(pa.string())),
    ]
)

# ---- demo/assumed parameters (not in the seeds; see docs/synth.md) -------------------------
#: Share of rows per (cohort, omsorgsniva): NPR-like, outpatient somatic care dominates.
ROW_MIX: dict[tuple[int, int], float] = {
    (SOMATIKK, 1): 0.80 * 0.11,
    (SOMATIKK, 2): 0.80 * 0.06,
    (SOMATIKK, 3): 0.80 * 0.83,
    (FODSEL, 1): 0.008,
    (NYFODT, 1): 0.008 * 0.85,
    (NYFODT, 3): 0.008 * 0.15,
    (PHV, 3): 0.14 * 0.94,
    (PHV, 1): 0.14 * 0.06,
    (TSB, 3): 0.044 * 0.90,
    (TSB, 1): 0.044 * 0.10,
}
#: P(innmate_hast = 1 akutt) per (cohort, omsorgsniva); the rest is 4 planlagt.
P_AKUTT = {(SOMATIKK, 1): 0.68, (SOMATIKK, 2): 0.08, (SOMATIKK, 3): 0.04, (FODSEL, 1): 0.85,
           (NYFODT, 1): 0.9, (NYFODT, 3): 0.05, (PHV, 3): 0.05, (PHV, 1): 0.6, (TSB, 3): 0.03,
           (TSB, 1): 0.4}
#: Population share per age band (stratum sizes; Norway-like, neonates sized to about 1.3
#: stays each), bands as in catalogue.BANDS.
POP_SHARE = np.array([0.02, 0.15, 0.05, 0.36, 0.29, 0.11, 0.04])
#: In-hospital death risk per age band for somatic inpatients.
P_DEATH = np.array([0.002, 0.001, 0.001, 0.002, 0.008, 0.025, 0.05])
KONTAKT_TYPES = np.array([1, 2, 3, 5, 6, 7, 12, 13], dtype=np.int8)
P_KONTAKT_SOMATIKK = np.array([0.30, 0.25, 0.28, 0.03, 0.04, 0.06, 0.02, 0.02])
P_KONTAKT_PHV_TSB = np.array([0.15, 0.55, 0.05, 0.08, 0.08, 0.06, 0.0, 0.03])
DEBITOR = np.array([1, 11, 22, 30, 40, 90], dtype=np.int16)
P_DEBITOR = np.array([0.965, 0.01, 0.004, 0.006, 0.01, 0.005])
P_LOCAL = 0.80  # treated by the trust of residence
P_SAME_REGION = 0.75  # otherwise: by a provider of the same region
P_TRANSFER = 0.07  # a somatic inpatient stay continues in another department (same opphold)
PATIENTS_PER_ROW = 0.35
#: Patient j of a stratum is drawn as n * U**CONTACT_SKEW: a few patients have many contacts.
CONTACT_SKEW = 1.3
MAX_PATIENTS = 5_600_000

_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a stateless hash, so patient attributes need no lookup table."""
    z = x.astype(np.uint64, copy=True)
    with np.errstate(over="ignore"):
        z += np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _unit(h: np.ndarray) -> np.ndarray:
    return (h >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def _hex_ids(h: np.ndarray) -> pa.Array:
    """16-hex-digit strings from uint64 hashes, without a Python loop."""
    shifts = np.arange(60, -4, -4, dtype=np.uint64)
    digits = ((h[:, None] >> shifts) & np.uint64(15)).astype(np.uint8)
    buf = _HEX[digits].tobytes()
    offsets = np.arange(0, 16 * (len(h) + 1), 16, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), len(h), [None, pa.py_buffer(offsets), pa.py_buffer(buf)])


def _choice(rng: np.random.Generator, p: np.ndarray, n: int) -> np.ndarray:
    cdf = np.cumsum(p / p.sum())
    return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(p) - 1)


def _list_array(lengths: np.ndarray, values: np.ndarray, codes: pa.Array) -> pa.Array:
    offsets = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), codes.take(pa.array(values, pa.int32())))


@dataclass(frozen=True, eq=False)
class _Plan:
    bank: Bank
    geo: Geography
    keys: tuple[tuple[int, int], ...]
    key_p: np.ndarray
    key_templates: tuple[np.ndarray, ...]  # template indices per key
    key_cdf: tuple[np.ndarray, ...]
    stratum_n: np.ndarray  # patients per stratum (band * 2 + sex - 1)
    seed_mix: np.uint64
    year_start: int  # days since 1970-01-01
    year_days: int
    provider_cdf: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]  # (sector, rhf|-1)


def _plan(logic: Logic, *, rows: int, seed: int, year: int, geo: Geography) -> _Plan:
    bank = build_bank(logic, seed)
    keys, probs, tmpl, cdfs = [], [], [], []
    for key, share in ROW_MIX.items():
        idx = np.flatnonzero((bank.t_cohort == key[0]) & (bank.t_level == key[1]))
        if len(idx):
            keys.append(key)
            probs.append(share)
            tmpl.append(idx)
            w = bank.t_weight[idx]
            cdfs.append(np.cumsum(w) / w.sum())
    if not keys:
        raise ValueError(f"logic {logic.id} has no diagnosis codes that group without error")
    n_pat = min(MAX_PATIENTS, max(50, int(rows * PATIENTS_PER_ROW)))
    stratum_n = np.maximum(1, np.repeat(POP_SHARE * n_pat / 2, 2)).astype(np.int64)
    provider_cdf: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
    for s in range(len(SECTORS)):
        w_all = geo.provider_weight[s]
        for r in [-1, *range(len(geo.rhf))]:
            w = w_all * ((geo.provider_rhf == r) if r >= 0 else 1.0)
            idx = np.flatnonzero(w > 0)
            provider_cdf[(s, r)] = (idx, np.cumsum(w[idx]) / w[idx].sum())
    start = int(np.datetime64(f"{year}-01-01", "D").astype(np.int64))
    end = int(np.datetime64(f"{year + 1}-01-01", "D").astype(np.int64))
    return _Plan(
        bank=bank,
        geo=geo,
        keys=tuple(keys),
        key_p=np.array(probs) / sum(probs),
        key_templates=tuple(tmpl),
        key_cdf=tuple(cdfs),
        stratum_n=stratum_n,
        seed_mix=_mix(np.array([seed & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64))[0],
        year_start=start,
        year_days=end - start,
        provider_cdf=provider_cdf,
    )


def _lognormal_days(rng: np.random.Generator, n: int, median: float, sigma: float) -> np.ndarray:
    return np.rint(median * np.exp(sigma * rng.standard_normal(n)))


def _length_of_stay(rng: np.random.Generator, cohort: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Inpatient stays: a short-stay body plus a long tail (lognormal mixture); others 0."""
    n = len(cohort)
    body = _lognormal_days(rng, n, 2.6, 0.75)
    tail = _lognormal_days(rng, n, 12.0, 0.7)
    los = np.where(rng.random(n) < 0.12, tail, body)
    los = np.where(cohort == FODSEL, _lognormal_days(rng, n, 2.5, 0.45), los)
    neo_long = rng.random(n) < 0.2
    los = np.where(cohort == NYFODT, np.where(neo_long, _lognormal_days(rng, n, 11, 0.8),
                                              _lognormal_days(rng, n, 2.5, 0.4)), los)
    los = np.where(cohort == PHV, _lognormal_days(rng, n, 14, 0.9), los)
    los = np.where(cohort == TSB, _lognormal_days(rng, n, 20, 0.6), los)
    los = np.clip(los, 1, 365)
    return np.where(level == 1, los, 0).astype(np.int32)


def synth_chunk(plan: _Plan, rng: np.random.Generator, *, n: int, first_id: int) -> pa.Table:
    """One chunk of `n` rows with kontakt_id ``first_id .. first_id + n - 1``."""
    b, geo = plan.bank, plan.geo
    # 1. Which kind of stay, and which validated template.
    key = _choice(rng, plan.key_p, n)
    tmpl = np.empty(n, dtype=np.int64)
    u = rng.random(n)
    for k, (idx, cdf) in enumerate(zip(plan.key_templates, plan.key_cdf)):
        m = key == k
        tmpl[m] = idx[np.minimum(np.searchsorted(cdf, u[m], side="right"), len(idx) - 1)]
    cohort = b.t_cohort[tmpl].astype(np.int64)
    level = b.t_level[tmpl].astype(np.int64)
    # 2. Transfers: a somatic inpatient row continues the previous one (no chains).
    # The continuation takes the place of the row that followed.
    cand = rng.random(n) < P_TRANSFER
    cand[0] = False
    cand[1:] &= (level[:-1] == 1) & (cohort[:-1] == SOMATIKK)
    cont = cand.copy()
    cont[1:] &= ~cand[:-1]
    ci = np.flatnonzero(cont)
    tmpl[ci] = tmpl[ci - 1]
    key[ci] = key[ci - 1]
    cohort[ci], level[ci] = cohort[ci - 1], level[ci - 1]
    # 3. The patient: stratum from the template's profile, a skewed draw within it.
    band = b.t_band[tmpl].astype(np.int64)
    sex = b.t_sex[tmpl].astype(np.int64)
    sex = np.where(sex == 0, 1 + (rng.random(n) < 0.52), sex)
    stratum = band * 2 + sex - 1
    skew = np.where(band == NEONATE, 1.0, CONTACT_SKEW)
    j = (plan.stratum_n[stratum] * rng.random(n) ** skew).astype(np.int64)
    sex[ci], stratum[ci], j[ci] = sex[ci - 1], stratum[ci - 1], j[ci - 1]
    pkey = (stratum.astype(np.uint64) << np.uint64(40)) | j.astype(np.uint64)
    h1 = _mix(pkey ^ plan.seed_mix)
    h2, h3 = _mix(h1), _mix(h1 ^ np.uint64(0xA5A5A5A5))
    ref = plan.year_start + 182
    lo = np.array([b_[0] for b_ in BANDS])[band]
    hi = np.array([b_[1] for b_ in BANDS])[band]
    age_ref = lo + 183 + (_unit(h2) * np.maximum(hi - lo - 366, 0)).astype(np.int64)
    birth = ref - age_ref
    neo = band == NEONATE
    birth[neo] = plan.year_start + (_unit(h2[neo]) * (plan.year_days - 28)).astype(np.int64)
    # 4. Dates and stay.
    los = _length_of_stay(rng, cohort, level)
    inn = plan.year_start + rng.integers(0, plan.year_days, n)
    planned = rng.random(n) >= np.array([P_AKUTT[plan.keys[k]] for k in range(len(plan.keys))])[key]
    dow = (inn + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    inn = np.where(planned & (level > 1) & (dow == 5), inn - 1, inn)
    inn = np.where(planned & (level > 1) & (dow == 6), inn + 1, inn)
    neo_offset = np.where(rng.random(n) < 0.75, 0, rng.integers(1, 28, n))
    inn = np.where(neo, birth + neo_offset, inn)
    inn[ci] = inn[ci - 1] + los[ci - 1]
    ut = inn + los
    age = (inn - birth).astype(np.int32)
    # Waiting for a municipal place: mostly the old, and more likely the longer the stay.
    p_ready = np.where(band >= ELDERLY, 0.08, 0.025) * np.where(los >= 10, 4.0, 1.0)
    ready = (level == 1) & (los >= 3) & (rng.random(n) < p_ready)
    ready_days = np.minimum(los - 1, rng.geometric(np.where(los >= 10, 0.15, 0.4)))
    utskrklar = np.where(ready, ready_days, 0).astype(np.int32)
    hast = np.where(planned, 4, 1).astype(np.int8)
    hast[(level == 1) & (rng.random(n) < 0.01)] = 5
    # 5. Discharge: E dead, R transferred (always before a continuation row), else H home.
    died = (level == 1) & (cohort == SOMATIKK) & (rng.random(n) < P_DEATH[band])
    moved = (level == 1) & (rng.random(n) < 0.02)
    maate = np.where(died, 2, np.where(moved, 1, 0))
    maate[ci - 1] = 1
    # 6. Contact type, debitor, ambulant, sector.
    phv_tsb = (cohort == PHV) | (cohort == TSB)
    kt_s = KONTAKT_TYPES[_choice(rng, P_KONTAKT_SOMATIKK, n)]
    kt_p = KONTAKT_TYPES[_choice(rng, P_KONTAKT_PHV_TSB, n)]
    kt_d = np.where(rng.random(n) < 0.85, 2, 1).astype(np.int8)
    kontakt = np.where(level == 2, kt_d, np.where(phv_tsb, kt_p, kt_s))
    kontakt = np.where((cohort == NYFODT) & (level == 3), 3, kontakt)
    debitor = DEBITOR[_choice(rng, P_DEBITOR, n)]
    p_amb = np.where(phv_tsb, np.where(cohort == PHV, 0.15, 0.12), 0.02)
    ambulant = (level == 3) & (rng.random(n) < p_amb)
    sektor_ix = np.array([SECTORS.index(s) for s in COHORT_SEKTOR])[cohort]
    # 7. Residence (from the patient) and treating provider.
    kcdf = np.cumsum(geo.kommune_p)
    kom = np.minimum(np.searchsorted(kcdf, _unit(h3), side="right"), len(kcdf) - 1)
    bo_hf = geo.kommune_hf[kom].astype(np.int64)
    bo_rhf = geo.provider_rhf[bo_hf].astype(np.int64)
    beh = bo_hf.copy()
    away = rng.random(n) >= P_LOCAL
    region = rng.random(n) < P_SAME_REGION
    uu = rng.random(n)
    for (s, r), (idx, cdf) in plan.provider_cdf.items():
        m = away & (sektor_ix == s) & ((bo_rhf == r) & region if r >= 0 else ~region)
        beh[m] = idx[np.minimum(np.searchsorted(cdf, uu[m], side="right"), len(idx) - 1)]
    no_sector = plan.geo.provider_weight[sektor_ix, beh] <= 0
    beh = np.where(no_sector, bo_hf, beh)
    beh[ci] = beh[ci - 1]
    # 8. Ids.
    kontakt_id = first_id + np.arange(n, dtype=np.int64)
    opphold = np.where(level == 1, kontakt_id, 0)
    opphold[ci] = opphold[ci - 1]
    # 9. Codes: template principal + procedures; secondaries from safe pools.
    p_len = (b.t_proc_off[tmpl + 1] - b.t_proc_off[tmpl]).astype(np.int64)
    p_start = b.t_proc_off[tmpl]
    tot = int(p_len.sum())
    row_first = np.cumsum(p_len) - p_len
    p_vals = b.t_proc[np.repeat(p_start - row_first, p_len) + np.arange(tot)]
    lam = np.select(
        [level == 1, level == 2, phv_tsb],
        [1.2 + np.clip(age / 365.25 - 40, 0, 50) * 0.03, 0.6, 0.4],
        0.35,
    )
    lam = np.where(cohort == NYFODT, 0.8, np.where(cohort == FODSEL, 1.0, lam))
    s_len = np.minimum(rng.poisson(lam), 12)
    s_tot = int(s_len.sum())
    s_row = np.repeat(np.arange(n), s_len)
    mdc = b.t_mdc[tmpl].astype(np.int64)[s_row]
    lo_m, hi_m = b.sec_off[mdc], b.sec_off[mdc + 1]
    us = rng.random(s_tot)
    kind = rng.random(s_tot)
    same = (kind < 0.4) & (hi_m > lo_m)
    s_vals = b.sec_general[(us * len(b.sec_general)).astype(np.int64)] if len(b.sec_general) else \
        b.sec[(us * len(b.sec)).astype(np.int64)]
    if len(b.sec_common):
        common = (kind >= 0.4) & (kind < 0.6)
        s_vals = np.where(common, b.sec_common[(us * len(b.sec_common)).astype(np.int64) %
                                               len(b.sec_common)], s_vals)
    if len(b.sec):
        s_same = b.sec[np.minimum(lo_m + (us * (hi_m - lo_m)).astype(np.int64), len(b.sec) - 1)]
        s_vals = np.where(same, s_same, s_vals)
    hdiag = b.t_hdiag[tmpl]
    hdiag2 = b.t_hdiag2[tmpl]
    codes = b.codes
    dates = pa.date32()
    maate_txt = pa.array(["H", "R", "E"])
    cols = {
        "kontakt_id": pa.array(kontakt_id),
        "pasient_id": _hex_ids(h1),
        "kjonn": pa.array(sex.astype(np.int8)),
        "fodselsdato": pa.array(birth.astype(np.int32)).cast(dates),
        "alder_dager": pa.array(age),
        "bo_kommune": pa.array(geo.kommune).take(pa.array(kom)),
        "bo_hf": pa.array(geo.providers).take(pa.array(bo_hf)),
        "bo_rhf": pa.array(geo.rhf).take(pa.array(bo_rhf)),
        "beh_hf": pa.array(geo.providers).take(pa.array(beh)),
        "beh_rhf": pa.array(geo.rhf).take(pa.array(geo.provider_rhf[beh].astype(np.int64))),
        "inn_dato": pa.array(inn.astype(np.int32)).cast(dates),
        "ut_dato": pa.array(ut.astype(np.int32)).cast(dates),
        "liggetid": pa.array(los),
        "utskrklar_dager": pa.array(utskrklar),
        "omsorgsniva": pa.array(level.astype(np.int8)),
        "kontakt_type": pa.array(kontakt.astype(np.int8), mask=level == 1),
        "innmate_hast": pa.array(hast),
        "utskr_maate": maate_txt.take(pa.array(maate)),
        "sektor": pa.array(SECTORS).take(pa.array(sektor_ix)),
        "debitor": pa.array(debitor),
        "ambulant": pa.array(ambulant),
        "opphold_id": pa.array(opphold, mask=level != 1),
        "hdiag": codes.take(pa.array(hdiag)),
        "hdiag2": codes.take(pa.array(np.where(hdiag2 < 0, 0, hdiag2), mask=hdiag2 < 0)),
        "bdiag": _list_array(s_len, s_vals, codes),
        "prosedyrer": _list_array(p_len, p_vals, codes),
    }
    return pa.Table.from_pydict(cols, schema=ACTIVITY_SCHEMA)


def synth_activity(
    logic: Logic,
    *,
    rows: int,
    seed: int,
    year: int = 2025,
    chunk_rows: int = 500_000,
    geography: Geography | None = None,
    rbf: bool = False,
    stg: bool = True,
) -> Iterator[pa.Table]:
    """Yield `rows` synthetic activity rows for `logic` as Arrow tables of ≤ `chunk_rows` rows.

    Same arguments, same rows. Every code is one the logic knows; principal diagnoses and
    procedures were checked to group with return code 0 at the edges of the patient profile.
    With `rbf`, some outpatient rows also carry the codes the RBF indicators count
    (`isf.synth.rbf_codes`; codes outside the logic, drawn from a separate random stream, so the
    other columns are the same as without).
    With `stg` (the default), some rows also carry trigger codes of the year's bundled STG
    definitions (`isf.synth.stg_codes`; a separate random stream, other columns unchanged), so
    a demo run forms STG/TFG units; a year without bundled definitions gets none.
    """
    if rows < 0:
        raise ValueError(f"rows must be >= 0, got {rows}")
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be >= 1, got {chunk_rows}")
    plan = _plan(logic, rows=rows, seed=seed, year=year, geo=geography or load_geography())
    defs = None
    if stg:
        from isf.stg_tfg import available_years, load_stg_tfg

        defs = load_stg_tfg(year) if year in available_years() else None
    done = 0
    chunk = 0
    while done < rows:
        n = min(chunk_rows, rows - done)
        s64 = seed % 2**64
        rng = np.random.default_rng(np.random.SeedSequence([s64 & 0xFFFFFFFF, s64 >> 32, chunk]))
        table = synth_chunk(plan, rng, n=n, first_id=done + 1)
        if defs is not None:
            stg_rng = np.random.default_rng(np.random.SeedSequence([s64 & 0xFFFFFFFF, s64 >> 32, chunk, 0x57C]))
            table = add_stg_codes(table, defs, stg_rng)
        if rbf:
            rbf_rng = np.random.default_rng(np.random.SeedSequence([s64 & 0xFFFFFFFF, s64 >> 32, chunk, 0x5BF]))
            table = add_rbf_codes(table, rbf_rng)
        yield table
        done += n
        chunk += 1
