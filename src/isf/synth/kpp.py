"""Synthetic KPP and H-resept data for testing the cost-weight estimation (all demo values).

Costs follow a hidden truth that tests can check the estimator against: each DRG has a true
relative cost and each hospital an efficiency factor, both derived deterministically from a
blake2b hash of the code (so the same DRG always costs the same, in every run and process),
with lognormal noise and a small share of outliers. Nothing here comes from real KPP data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import polars as pl

#: kroner per unit of true relative cost (demo; about one 2020s DRG point)
KR_PER_UNIT = 50_000
#: share of cost by omsorgsniva relative to an inpatient stay of the same DRG (demo)
LEVEL_SHARE = {1: 1.0, 2: 0.55, 3: 0.06, 8: 0.06}

#: demo hospitals and their region (background knowledge, see demo only)
DEMO_HF: dict[str, str] = {
    "Oslo universitetssykehus HF": "Helse Sør-Øst",
    "Akershus universitetssykehus HF": "Helse Sør-Øst",
    "Vestre Viken HF": "Helse Sør-Øst",
    "Sykehuset Innlandet HF": "Helse Sør-Øst",
    "Helse Bergen HF": "Helse Vest",
    "Helse Stavanger HF": "Helse Vest",
    "Helse Førde HF": "Helse Vest",
    "St. Olavs Hospital HF": "Helse Midt-Norge",
    "Møre og Romsdal HF": "Helse Midt-Norge",
    "Universitetssykehuset i Nord-Norge HF": "Helse Nord",
    "Nordlandssykehuset HF": "Helse Nord",
    "Helse Finnmark HF": "Helse Nord",
}


def stable_unit(text: str) -> float:
    """Deterministic number in [0, 1) from a string, independent of PYTHONHASHSEED."""
    h = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(h, "big") / 2**64


def true_relative_cost(drg: str) -> float:
    """Hidden true relative cost of a DRG: 0.2 … 8, log-uniform from the code's hash."""
    return float(0.2 * 40 ** stable_unit("drg:" + drg))


def hospital_efficiency(beh_hf: str) -> float:
    """Hidden cost factor of a hospital: 0.85 … 1.15 (1 = average)."""
    return 0.85 + 0.3 * stable_unit("hf:" + beh_hf)


def synth_kpp(
    activity: pl.DataFrame,
    *,
    seed: int,
    noise_sigma: float = 0.25,
    outlier_share: float = 0.003,
    egenandel_ore: int = 37500,
) -> pl.DataFrame:
    """One KPP record per grouped activity row (columns of `isf.weights.kpp`).

    Inpatient cost = fixed part + LOS part; the LOS part is about 40 % of a typical stay and
    grows with liggetid. Day and outpatient stays have no LOS cost and pay a copay in 85 % of
    cases. Outliers cost 4–10 times more.
    """
    rng = np.random.default_rng(seed)
    drgs = activity["drg"].cast(pl.String).fill_null("")
    hfs = activity["beh_hf"].cast(pl.String).fill_null("")
    rel_map = {d: true_relative_cost(d) for d in drgs.unique().to_list()}
    eff_map = {h: hospital_efficiency(h) for h in hfs.unique().to_list()}
    rel = drgs.replace_strict(rel_map, return_dtype=pl.Float64).to_numpy()
    eff = hfs.replace_strict(eff_map, return_dtype=pl.Float64).to_numpy()
    niva = activity["omsorgsniva"].cast(pl.Int64).fill_null(1).to_numpy()
    los = activity["liggetid"].cast(pl.Int64).fill_null(0).to_numpy().clip(0)
    n = activity.height
    share = np.select([niva == 1, niva == 2], [LEVEL_SHARE[1], LEVEL_SHARE[2]], LEVEL_SHARE[3])
    unit = rel * eff * KR_PER_UNIT * share
    inpatient = niva == 1
    # LOS part: 40 % of a stay of 4 days' typical length per unit, linear in days
    per_day = np.where(inpatient, unit * 0.4 / 4.0, 0.0)
    los_cost = per_day * los * rng.lognormal(0.0, noise_sigma, n)
    fixed = np.where(inpatient, unit * 0.6, unit) * rng.lognormal(0.0, noise_sigma, n)
    outlier = rng.random(n) < outlier_share
    factor = np.where(outlier, rng.uniform(4.0, 10.0, n), 1.0)
    los_cost = los_cost * factor
    total = fixed * factor + los_cost
    pays = (~inpatient) & (rng.random(n) < 0.85)
    return pl.DataFrame(
        {
            "kontakt_id": activity["kontakt_id"].cast(pl.Int64),
            "beh_hf": hfs,
            "drg": drgs,
            "omsorgsniva": activity["omsorgsniva"].cast(pl.Int8),
            "liggetid": activity["liggetid"].cast(pl.Int32),
            "utskrklar_dager": activity["utskrklar_dager"].cast(pl.Int32),
            "kostnad_ore": np.round(total * 100).astype(np.int64),
            "liggetidskostnad_ore": np.round(los_cost * 100).astype(np.int64),
            "egenandel_ore": np.where(pays, egenandel_ore, 0).astype(np.int64),
        }
    )


def synth_hresept(
    *,
    n_patients: int,
    seed: int,
    stgs: Sequence[str] = ("AS01", "AS03", "ES02", "CS02", "HS01"),
    periods: Sequence[str] = ("T1", "T2", "T3"),
) -> pl.DataFrame:
    """H-resept settlement lines: pasient_id, periode, stg, kostnad_ore (demo).

    Each patient has one drug STG and 1–3 dispensings in each period it is treated in; the
    mean cost per patient-period of an STG is 20 000 … 400 000 kr, from the STG code's hash.
    """
    rng = np.random.default_rng(seed)
    rows_p, rows_per, rows_stg, rows_cost = [], [], [], []
    stg_of = rng.integers(0, len(stgs), n_patients)
    for p in range(n_patients):
        stg = stgs[int(stg_of[p])]
        mean = 20_000 * 20 ** stable_unit("stg:" + stg)
        for per in periods:
            if rng.random() < 0.2:
                continue
            k = int(rng.integers(1, 4))
            for c in rng.lognormal(np.log(mean / k), 0.3, k):
                rows_p.append(f"P{p:07d}")
                rows_per.append(per)
                rows_stg.append(stg)
                rows_cost.append(round(c * 100))
    return pl.DataFrame(
        {"pasient_id": rows_p, "periode": rows_per, "stg": rows_stg, "kostnad_ore": rows_cost},
        schema={"pasient_id": pl.String, "periode": pl.String, "stg": pl.String, "kostnad_ore": pl.Int64},
    )


def demo_drgs(n_inpatient: int = 120) -> tuple[list[str], dict[str, str]]:
    """Demo DRG codes: inpatient NNN, their day-surgery twin NNNO for every 4th, outpatient 9NNO.

    Returns (codes, day DRG → inpatient DRG pairs).
    """
    inp = [f"{100 + i:03d}" for i in range(n_inpatient)]
    day = {f"{c}O": c for c in inp[::4]}
    out = [f"9{i:02d}O" for i in range(n_inpatient // 3)]
    return inp + list(day) + out, day


def demo_grouped_activity(n: int, *, seed: int, n_inpatient_drgs: int = 120) -> pl.DataFrame:
    """Grouped activity for tests/benchmarks (columns of docs/data-model.md; demo values).

    Stand-in for `isf synth` + `isf group`: kontakt_id, pasient_id, beh_hf, bo_rhf, drg,
    liggetid, utskrklar_dager, omsorgsniva.
    """
    rng = np.random.default_rng(seed)
    codes, day = demo_drgs(n_inpatient_drgs)
    ranks = np.arange(1, len(codes) + 1)
    p = 1.0 / ranks**0.9
    order = rng.permutation(len(codes))
    probs = p[order] / p.sum()
    drg_idx = rng.choice(len(codes), size=n, p=probs)
    codes_arr = np.array(codes, dtype=object)
    drg = codes_arr[drg_idx]
    is_out = np.array([c.startswith("9") and c.endswith("O") for c in codes])[drg_idx]
    is_day = np.array([c in day for c in codes])[drg_idx]
    niva = np.where(is_out, 3, np.where(is_day, 2, 1)).astype(np.int8)
    mean_los = np.array([1.0 + 8.0 * stable_unit("los:" + c) for c in codes])[drg_idx]
    los = np.where(niva == 1, rng.poisson(mean_los) + (rng.random(n) < 0.02) * rng.integers(5, 60, n), 0)
    klar = np.where((niva == 1) & (rng.random(n) < 0.05), rng.integers(1, 6, n), 0)
    klar = np.minimum(klar, los)
    hf_names = list(DEMO_HF)
    hf_w = np.array([1.0 / (i + 1) ** 0.5 for i in range(len(hf_names))])
    hf_idx = rng.choice(len(hf_names), size=n, p=hf_w / hf_w.sum())
    beh_hf = np.array(hf_names, dtype=object)[hf_idx]
    rhf_of_hf = np.array([DEMO_HF[h] for h in hf_names], dtype=object)[hf_idx]
    regions = np.array(sorted(set(DEMO_HF.values())), dtype=object)
    other = regions[rng.integers(0, len(regions), n)]
    bo_rhf = np.where(rng.random(n) < 0.9, rhf_of_hf, other)
    return pl.DataFrame(
        {
            "kontakt_id": np.arange(1, n + 1, dtype=np.int64),
            "pasient_id": [f"S{i:08d}" for i in rng.integers(0, max(n // 2, 1), n)],
            "beh_hf": beh_hf.astype(str),
            "bo_rhf": bo_rhf.astype(str),
            "drg": drg.astype(str),
            "liggetid": los.astype(np.int32),
            "utskrklar_dager": klar.astype(np.int32),
            "omsorgsniva": niva,
        }
    )
