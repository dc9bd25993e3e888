"""Golden test: cost weights, trimpunkt, trimming, calibration and effects on a hand-made set.

SOURCE: tests/golden/weights/SOURCE.md. Every expected value below was computed by hand from
the CSV files (the working is in the comments), not by the code under test. Method: [004] §7
(seeds/004_*.txt) and [001] §7.1 (seeds/001_*.txt), with the choices in docs/weights.md.
Parameters: aar 2024, min_stays_hf 3 (instead of 5, so a 28-row set has eligible HFs),
min_stays_drg 1, flat copay kr 375, trimpunkt k = 1.5.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest

from isf.cli.weights import read_weight_frame
from isf.weights.calibrate import calibrate, points_total
from isf.weights.effects import effects
from isf.weights.estimate import EstimateParams, estimate_weights

DATA = Path(__file__).parent / "weights"
PARAMS = EstimateParams(aar=2024, min_stays_hf=3, min_stays_drg=1)


@pytest.fixture(scope="module")
def kpp() -> pl.DataFrame:
    return pl.read_csv(DATA / "kpp_small.csv")


@pytest.fixture(scope="module")
def activity() -> pl.DataFrame:
    return pl.read_csv(DATA / "activity_small.csv")


@pytest.fixture(scope="module")
def old() -> pl.DataFrame:
    return read_weight_frame(DATA / "old_weights_small.csv", year=2023)


@pytest.fixture(scope="module")
def raw(kpp: pl.DataFrame):
    return estimate_weights(kpp, params=PARAMS)


def test_trimpunkt(raw) -> None:
    # A: liggetid - utskrklar of all 10 inpatient stays, sorted: 2 2 3 3 3 3 4 4 4 12.
    #    Q1: h = 9*0.25 = 2.25 -> x[2] = x[3] = 3 -> 3.  Q3: h = 6.75 -> x[6] = x[7] = 4 -> 4.
    #    IQR 1; 4 + 1.5 = 5.5 -> floor 5.
    # B: all 1 -> IQR 0 -> 1.   C: outpatient only -> none.   D: 2, 2 -> 2.
    assert raw.drgs["A"].trimpunkt == 5
    assert raw.drgs["B"].trimpunkt == 1
    assert raw.drgs["C"].trimpunkt is None
    assert raw.drgs["D"].trimpunkt == 2


def test_trimmed_cost_base_and_means(raw) -> None:
    # A, H1: cost 10000+11000+12000+30000 = 63000; LOS cost 21000 over 2+3+4+12 = 21 days;
    #   excluded days: stay of 12 -> 12-0-5 = 7 beyond trimpunkt -> 21000*7/21 = 7000 -> 56000.
    # A, H2: cost 54000; LOS cost 16000 over 16 days; excluded: 2 utskrivningsklar days
    #   (stay 5 days, 2 klar -> 3 left <= 5, none beyond) -> 16000*2/16 = 2000 -> 52000.
    # A, H3: 2 stays < 3 -> not in the base.  A: (56000+52000)/8 = 13500 kr.
    # B: no stay beyond trimpunkt 1; H1 18000 + H2 18000 + H3 27000 = 63000 / 9 = 7000 kr.
    # C: H1 3 x (1375-375) = 3000; H2 1000+1500+2000 = 4500 (row 22's reported 0 copay does not
    #   matter: the flat kr 375 is subtracted); H3 1 contact < 3 -> out. 7500/6 = 1250 kr.
    # D: 2 stays at H1 only < 3 -> no eligible HF -> low volume.
    d = raw.drgs
    assert d["A"].snittkostnad == Fraction(13500_00)
    assert (d["A"].n_grunnlag, d["A"].n_hf, d["A"].n_kpp) == (8, 2, 10)
    assert d["B"].snittkostnad == Fraction(7000_00)
    assert (d["B"].n_grunnlag, d["B"].n_hf) == (9, 3)
    assert d["C"].snittkostnad == Fraction(1250_00)
    assert (d["C"].n_grunnlag, d["C"].n_hf) == (6, 2)
    assert d["D"].low_volume and d["D"].snittkostnad is None
    # per-day LOS cost: A (21000+16000)/(21+16) = 1000 kr; B 9000/9 = 1000 kr
    assert d["A"].kostnad_per_dag == Fraction(1000_00)
    assert d["B"].kostnad_per_dag == Fraction(1000_00)


def test_relative_weights(raw) -> None:
    # overall mean = (108000 + 63000 + 7500) / (8 + 9 + 6) = 178500/23 kr
    # A = 13500*23/178500 = 207/119; B = 7000*23/178500 = 46/51; C = 1250*23/178500 = 115/714
    # per-day = 1000*23/178500 = 46/357 (A and B)
    assert raw.normaliser == Fraction(178500_00, 23)
    assert raw.raw["A"] == (Fraction(207, 119), Fraction(46, 357))
    assert raw.raw["B"] == (Fraction(46, 51), Fraction(46, 357))
    assert raw.raw["C"] == (Fraction(115, 714), None)
    assert "D" not in raw.raw and raw.regel["D"] == "lavt_volum"


def test_hf_threshold_by_year(kpp: pl.DataFrame) -> None:
    # 2022 rule ">5" = 6 stays: no HF has 6 stays in any DRG -> nothing can be estimated.
    from isf.weights.estimate import EstimationError

    with pytest.raises(EstimationError):
        estimate_weights(kpp, params=EstimateParams(aar=2022, min_stays_drg=1))
    # a threshold of 4: A keeps H1 and H2 (4 stays each); B and C lose every HF (3 each).
    r = estimate_weights(kpp, params=EstimateParams(aar=2024, min_stays_hf=4, min_stays_drg=1))
    assert set(r.raw) == {"A"} and r.drgs["B"].low_volume and r.drgs["C"].low_volume


def test_calibration_factor_and_weights(raw, old, activity) -> None:
    # Old points (old weights, trimpunkt A 5 / B 1, 0.1 per day):
    #   A: 2 + 2 + (2 + 3*0.1) [8 days] + (2 + 3*0.1) [10 days, 2 klar -> 8] = 8.6
    #   B: 1 + 1 + 1 + (1 + 2*0.1) = 4.2;  C: 0.2 + 0.2 = 0.4;  D: 0.5 (2 days <= 5)  -> 13.7
    # Raw new points (denominator 714): A 4*1242 + 6 long-stay days*92 = 5520; B 4*644 + 2*92
    #   = 2760; C 2*115 = 230 -> 8510/714 = 4255/357. Low volume D keeps 0.5.
    # f = (13.7 - 0.5) / (4255/357) = 13.2*357/4255 = 23562/21275
    # Calibrated: A = 207/119*f = 1782/925 = 1.926486486486...; B = 924/925 = 0.998918918918...;
    #   C = 165/925 = 0.178378378378...; per day = 132/925 = 0.142702702702...
    cal = calibrate(raw, old_weights=old, activity_old=activity)
    assert cal.factor == Fraction(23562, 21275)
    assert cal.total_old == Decimal("13.7")
    w = {r["drg"]: r for r in cal.weights.iter_rows(named=True)}
    assert w["A"]["vekt"] == Decimal("1.926486486486")
    assert w["A"]["vekt_per_dag"] == Decimal("0.142702702703")
    assert w["B"]["vekt"] == Decimal("0.998918918919")
    assert w["C"]["vekt"] == Decimal("0.178378378378")
    assert w["C"]["vekt_per_dag"] is None
    assert (w["D"]["vekt"], w["D"]["regel"]) == (Decimal("0.5"), "lavt_volum_gammel_vekt")
    assert (w["A"]["trimpunkt"], w["B"]["trimpunkt"]) == (5, 1)
    # budget neutrality to the 3 decimals shown (12-place weights: error < 1e-10 here)
    assert abs(cal.total_new - Decimal("13.7")) < Decimal("1e-10")
    assert round(cal.total_new, 3) == Decimal("13.700")
    assert points_total(activity, cal.weights) == cal.total_new


def test_effects_per_hf_and_rhf(raw, old, activity) -> None:
    # New points per HF (x/925): H1 = 1782+1782+924+165 = 4653 -> 5.030270; old 5.2
    #   H2 = 2178+2178+924 (+0.5 for D) -> 6.208108; old 2.3+2.3+1+0.5 = 6.1
    #   H3 = 924+1188+165 = 2277 -> 2.461622; old 1+1.2+0.2 = 2.4
    # change: -0.169730, +0.108108, +0.061622 (sum 0); % = change/old*100.
    cal = calibrate(raw, old_weights=old, activity_old=activity)
    t = effects(activity, old, cal.weights, by=("beh_hf",))
    rows = [(r["beh_hf"], str(r["poeng_gammel"]), str(r["poeng_ny"]), str(r["endring"]), str(r["endring_pst"]))
            for r in t.iter_rows(named=True)]
    assert rows == [
        ("H2", "6.100", "6.208", "0.108", "1.77"),
        ("H1", "5.200", "5.030", "-0.170", "-3.26"),
        ("H3", "2.400", "2.462", "0.062", "2.57"),
        ("TOTALT", "13.700", "13.700", "0.000", "0.00"),
    ]
    # By residence: R1 = rows 1,2,4,5,9: old 7.5, new (1782*2+2178+924+165)/925 = 7.384865
    #   R2: old 6.2, new 5379/925 + 0.5 = 6.315135; change -/+0.115135 -> -1.54 % / 1.86 %
    t2 = effects(activity, old, cal.weights, by=("bo_rhf",))
    rows2 = [(r["bo_rhf"], str(r["poeng_ny"]), str(r["endring"]), str(r["endring_pst"]))
             for r in t2.iter_rows(named=True)]
    assert rows2 == [
        ("R1", "7.385", "-0.115", "-1.54"),
        ("R2", "6.315", "0.115", "1.86"),
        ("TOTALT", "13.700", "0.000", "0.00"),
    ]
