"""Unit and property tests of KPP validation, trimpunkt, day-surgery pairs and STG weights."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from tiers import examples

from isf.synth.kpp import synth_hresept, true_relative_cost
from isf.weights.estimate import (
    apply_dagkirurgi_pairs,
    cell_cost_base,
    min_stays_per_hf,
    quantile_from_counts,
    stg_weights,
    trimpunkt_from_counts,
)
from isf.weights.kpp import validate_kpp


def _kpp(**over: list) -> pl.DataFrame:
    base = {
        "kontakt_id": [1, 2, 3, 4, 5, 6],
        "beh_hf": ["H1"] * 6,
        "drg": ["A", "A", None, "A", "A", "A"],
        "omsorgsniva": [1, 4, 1, 1, 1, 1],
        "liggetid": [2, 2, 2, -1, 2, 2],
        "utskrklar_dager": [0, 0, 0, 0, 0, 3],
        "kostnad": [100.0, 100.0, 100.0, 100.0, 100.0, 100.0],
        "liggetidskostnad": [50.0, 50.0, 50.0, 50.0, 150.0, 50.0],
    }
    base.update(over)
    return pl.DataFrame(base)


def test_validate_kpp_flags_bad_rows_and_keeps_them() -> None:
    out = validate_kpp(_kpp())
    assert out.height == 6
    assert out["status"].to_list() == [
        "ok", "bad_omsorgsniva", "missing_value", "negative_value", "bad_liggetidskostnad", "bad_utskrklar",
    ]
    assert out["kostnad_ore"][0] == 10000 and out["egenandel_ore"].null_count() == 6
    assert out.filter(pl.col("status") != "ok")["error"].null_count() == 0


def test_from_kroner_rounds_to_ore() -> None:
    out = validate_kpp(_kpp(kostnad=[100.005, 0.014, 1.5, 2.0, 3.0, 4.0]))
    assert out["kostnad_ore"].to_list()[:3] == [10001, 1, 150]


def test_min_stays_per_hf_follows_the_seed_wording() -> None:
    # [004] 2022 "mer enn 5" -> 6; [001] 2024 "minst 5" -> 5
    assert min_stays_per_hf(2022) == 6
    assert min_stays_per_hf(2024) == 5
    assert min_stays_per_hf(2026) == 5


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=80),
       st.sampled_from([Fraction(1, 4), Fraction(1, 2), Fraction(3, 4), Fraction(1, 10)]))
def test_quantile_matches_numpy_linear(values: list[int], p: Fraction) -> None:
    counts = sorted({v: values.count(v) for v in values}.items())
    expected = np.quantile(np.array(values, dtype=float), float(p), method="linear")
    assert abs(float(quantile_from_counts(counts, p)) - expected) < 1e-9


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=80))
def test_trimpunkt_separates_tukey_outliers(values: list[int]) -> None:
    counts = sorted({v: values.count(v) for v in values}.items())
    t = trimpunkt_from_counts(counts, Fraction(3, 2))
    q1, q3 = np.quantile(values, [0.25, 0.75])
    fence = q3 + 1.5 * (q3 - q1)
    for v in values:
        assert (v > t) == (v > fence + 1e-12)


def test_cell_cost_base_trims_los_cost_by_day_share() -> None:
    # 10 days, 2 beyond trimpunkt + 1 klar -> 3/10 of LOS cost 1000 removed; copay 50
    assert cell_cost_base(5000, 1000, 10, 3, 50) == Fraction(5000 - 300 - 50)
    assert cell_cost_base(5000, 0, 0, 0, 0) == 5000


def test_one_to_one_pair_gets_volume_weighted_common_weight() -> None:
    # day 0.8 x 30 stays, inpatient 1.2 x 10: mass 36 over 40 stays -> 0.9 each
    raw = {"1O": (Fraction(4, 5), None), "1": (Fraction(6, 5), Fraction(1, 10))}
    out, regel = apply_dagkirurgi_pairs(raw, {"1O": 30, "1": 10}, {"1O": ["1"]})
    assert out["1O"][0] == out["1"][0] == Fraction(9, 10)
    assert out["1"][1] == Fraction(1, 10) and regel == {"1O": "dagkirurgi_par", "1": "dagkirurgi_par"}


def test_one_to_many_keeps_inpatient_ratio_and_mass() -> None:
    # day D 1.0 x10; inpatient I1 1.0 x10, I2 2.0 x10: mass 40; mean inpatient 1.5;
    # s = 40 / (30 + 10*1.5) = 8/9 -> I1 8/9, I2 16/9, D 4/3
    raw = {"D": (Fraction(1), None), "I1": (Fraction(1), None), "I2": (Fraction(2), None)}
    out, _ = apply_dagkirurgi_pairs(raw, {"D": 10, "I1": 10, "I2": 10}, {"D": ["I1", "I2"]})
    assert (out["I1"][0], out["I2"][0], out["D"][0]) == (Fraction(8, 9), Fraction(16, 9), Fraction(4, 3))


@settings(max_examples=examples(100), deadline=None)
@given(st.lists(st.tuples(st.fractions(min_value=Fraction(1, 10), max_value=10),
                          st.integers(min_value=1, max_value=500)), min_size=2, max_size=5),
       st.integers(min_value=1, max_value=3))
def test_pairs_preserve_cost_mass(members: list[tuple[Fraction, int]], n_day: int) -> None:
    n_day = min(n_day, len(members) - 1)
    names = [f"d{i}" for i in range(n_day)] + [f"i{i}" for i in range(len(members) - n_day)]
    raw = {nm: (w, None) for nm, (w, _) in zip(names, members)}
    vol = {nm: n for nm, (_, n) in zip(names, members)}
    pairs = {d: [x for x in names if x.startswith("i")] for d in names if d.startswith("d")}
    out, _ = apply_dagkirurgi_pairs(raw, vol, pairs)
    assert sum(vol[k] * out[k][0] for k in names) == sum(vol[k] * raw[k][0] for k in names)


def test_stg_weights_mean_cost_per_patient_period() -> None:
    # S1: patient a has 2 lines in T1 (100 + 300 kr) and 1 in T2 (200): 600 kr / 2 = 300 kr
    h = pl.DataFrame({"pasient_id": ["a", "a", "a", "b"], "periode": ["T1", "T1", "T2", "T1"],
                      "stg": ["S1", "S1", "S1", "S2"], "kostnad_ore": [10000, 30000, 20000, 5000]})
    out = stg_weights(h, normaliser=Fraction(10000))
    assert out["n_pasient_perioder"].to_list() == [2, 1]
    assert [str(v) for v in out["snittkostnad_kr"]] == ["300.00", "50.00"]
    assert [str(v) for v in out["vekt_raa"]] == ["3.000000000000", "0.500000000000"]


def test_synth_hresept_is_deterministic() -> None:
    a = synth_hresept(n_patients=50, seed=7)
    assert a.equals(synth_hresept(n_patients=50, seed=7))
    assert a.columns == ["pasient_id", "periode", "stg", "kostnad_ore"] and (a["kostnad_ore"] > 0).all()
    assert true_relative_cost("123") == true_relative_cost("123")
