"""Golden: calibration and redistribution effects per sector on a mixed somatic/PHV/TSB file.

SOURCE: [002] 002_0e0619ee0f506de5.txt line 1145 «Nytt vektsett er kalibrert for å sikre
budsjettnøytralitet»; line 1146 «Effekter RHF – Nye vekter 2026 Somatikk –» and line 1201
«Effekter RHF – Nye vekter 2026 PHV/TSB –»: one table per sector, each with total change 0,
RHF rows Helse Midt-Norge, Helse Nord, Helse Vest, Helse Sør-Øst, then per HF (largest first).
The activity, old weights and raw (uncalibrated, cost-relative) weights below are invented for
the test; every expected number is computed by hand in the comments, not by the code.

Activity (no stay beyond a trimpunkt):
  somatikk: Helse Nord/UNN HF 2 x A; Helse Vest/Helse Bergen HF 1 x A, 2 x B
  phv: Helse Nord/UNN HF 1 x T; tsb: Helse Vest/Helse Bergen HF 1 x U
Old weights A 2.0, B 1.0, T 0.1, U 0.3. Raw weights A = B = T = U = 1.
Somatikk: T_old = 3 x 2.0 + 2 x 1.0 = 8; P_raw = 5 -> f = 8/5; A = B = 1.6.
  Nord 4.0 -> 3.2 (-0.8, -20 %); Vest 4.0 -> 1.6 + 3.2 = 4.8 (+0.8, +20 %); total 8 -> 8.
PHV/TSB (phv and tsb together): T_old = 0.1 + 0.3 = 0.4; P_raw = 2 -> f = 1/5; T = U = 0.2.
  Nord 0.1 -> 0.2 (+0.1, +100 %); Vest 0.3 -> 0.2 (-0.1, -33.333333 %); total 0.4 -> 0.4.
One factor for the whole file (the old behaviour) would be 8.4 / 7 = 6/5: somatikk 8 -> 6 and
PHV/TSB 0.4 -> 2.4, moving 2 points from somatikk to PHV/TSB.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import polars as pl
import pytest

from isf.weights.calibrate import CalibrationError, calibrate
from isf.weights.effects import TOTAL_LABEL, format_effects, sector_effects
from isf.weights.estimate import RawWeights

ACTIVITY = pl.DataFrame(
    {
        "kontakt_id": [1, 2, 3, 4, 5, 6, 7],
        "sektor": ["somatikk"] * 5 + ["phv", "tsb"],
        "bo_rhf": ["Helse Nord", "Helse Nord", "Helse Vest", "Helse Vest", "Helse Vest", "Helse Nord", "Helse Vest"],
        "beh_hf": ["UNN HF", "UNN HF", "Helse Bergen HF", "Helse Bergen HF", "Helse Bergen HF", "UNN HF",
                   "Helse Bergen HF"],
        "drg": ["A", "A", "A", "B", "B", "T", "U"],
        "liggetid": [2, 2, 2, 1, 1, 0, 0],
        "utskrklar_dager": [0] * 7,
        "omsorgsniva": [1, 1, 1, 1, 1, 3, 3],
    }
)
W = pl.Decimal(38, 12)
OLD = pl.DataFrame(
    {"drg": ["A", "B", "T", "U"], "vekt": [Decimal("2.0"), Decimal("1.0"), Decimal("0.1"), Decimal("0.3")],
     "trimpunkt": [None] * 4, "vekt_per_dag": [None] * 4},
    schema={"drg": pl.String, "vekt": W, "trimpunkt": pl.Int64, "vekt_per_dag": W},
)


def _raw() -> RawWeights:
    codes = ["A", "B", "T", "U"]
    table = pl.DataFrame(
        {"drg": codes, "navn": codes, "trimpunkt": [None] * 4, "gjsn_liggetid": [None] * 4,
         "dagkirurgi": [False] * 4, "n_grunnlag": [10] * 4, "n_hf": [2] * 4},
        schema={"drg": pl.String, "navn": pl.String, "trimpunkt": pl.Int32, "gjsn_liggetid": pl.Decimal(38, 2),
                "dagkirurgi": pl.Boolean, "n_grunnlag": pl.Int64, "n_hf": pl.Int64},
    )
    return RawWeights(table=table, drgs={}, normaliser=Fraction(1), raw={c: (Fraction(1), None) for c in codes},
                      regel={})


def test_calibration_is_budget_neutral_per_sector() -> None:
    cal = calibrate(_raw(), old_weights=OLD, activity_old=ACTIVITY)
    assert cal.factors == {"somatikk": Fraction(8, 5), "phv_tsb": Fraction(1, 5)}
    assert cal.totals == {"somatikk": (Decimal(8), Decimal(8)), "phv_tsb": (Decimal("0.4"), Decimal("0.4"))}
    w = {r["drg"]: (r["vekt"], r["sektor"]) for r in cal.weights.iter_rows(named=True)}
    assert w == {"A": (Decimal("1.6"), "somatikk"), "B": (Decimal("1.6"), "somatikk"),
                 "T": (Decimal("0.2"), "phv_tsb"), "U": (Decimal("0.2"), "phv_tsb")}
    with pytest.raises(CalibrationError, match="per sector"):
        _ = cal.factor


def test_one_factor_for_a_mixed_file_would_move_points_between_sectors() -> None:
    cal = calibrate(_raw(), old_weights=OLD, activity_old=ACTIVITY.drop("sektor"))
    assert cal.factor == Fraction(6, 5)
    new = {r["drg"]: r["vekt"] for r in cal.weights.iter_rows(named=True)}
    assert 3 * new["A"] + 2 * new["B"] == Decimal(6) and new["T"] + new["U"] == Decimal("2.4")


def test_effects_per_sector_in_the_seed_layout() -> None:
    cal = calibrate(_raw(), old_weights=OLD, activity_old=ACTIVITY)
    t = sector_effects(ACTIVITY, OLD, cal.weights)
    got = [(r["sektor"], r["nivaa"], r["navn"], r["poeng_gammel"], r["poeng_ny"], r["endring"], r["endring_pst"])
           for r in t.iter_rows(named=True)]
    d = Decimal
    assert got == [
        ("Somatikk", "RHF", "Helse Nord", d("4"), d("3.2"), d("-0.8"), d("-20")),
        ("Somatikk", "RHF", "Helse Vest", d("4"), d("4.8"), d("0.8"), d("20")),
        ("Somatikk", "RHF", TOTAL_LABEL, d("8"), d("8"), d("0"), d("0")),
        ("Somatikk", "HF", "Helse Bergen HF", d("4"), d("4.8"), d("0.8"), d("20")),
        ("Somatikk", "HF", "UNN HF", d("4"), d("3.2"), d("-0.8"), d("-20")),
        ("Somatikk", "HF", TOTAL_LABEL, d("8"), d("8"), d("0"), d("0")),
        ("PHV/TSB", "RHF", "Helse Nord", d("0.1"), d("0.2"), d("0.1"), d("100")),
        ("PHV/TSB", "RHF", "Helse Vest", d("0.3"), d("0.2"), d("-0.1"), d("-33.333333")),
        ("PHV/TSB", "RHF", TOTAL_LABEL, d("0.4"), d("0.4"), d("0"), d("0")),
        ("PHV/TSB", "HF", "Helse Bergen HF", d("0.3"), d("0.2"), d("-0.1"), d("-33.333333")),
        ("PHV/TSB", "HF", "UNN HF", d("0.1"), d("0.2"), d("0.1"), d("100")),
        ("PHV/TSB", "HF", TOTAL_LABEL, d("0.4"), d("0.4"), d("0"), d("0")),
    ]
    text = format_effects(t, old_label="2025-vekter", new_label="2026-vekter")
    assert "Effekter RHF – Somatikk – sørge for" in text and "Effekter RHF – PHV/TSB – sørge for" in text
    lines = [" ".join(x.split()) for x in text.splitlines()]
    assert "Sørge for 2025-vekter 2026-vekter Endring %-endring" in lines
    assert "Helse Nord 4 3 -1 -20,00 %" in lines  # whole points: 3.2 -> 3, -0.8 -> -1
    assert "Helse Vest 0 0 -0 -33,33 %" not in lines and "Helse Vest 0 0 0 -33,33 %" in lines  # no '-0'


def test_rhf_rows_follow_the_directorates_order() -> None:
    act = pl.concat([ACTIVITY.with_columns(bo_rhf=pl.lit(r)) for r in
                     ("Helse Sør-Øst", "Helse Vest", "Helse Nord", "Helse Midt-Norge")])
    cal = calibrate(_raw(), old_weights=OLD, activity_old=act)
    t = sector_effects(act, OLD, cal.weights).filter((pl.col("nivaa") == "RHF") & (pl.col("sektor") == "Somatikk"))
    assert t["navn"].to_list() == ["Helse Midt-Norge", "Helse Nord", "Helse Vest", "Helse Sør-Øst", TOTAL_LABEL]


def test_a_drg_in_two_sectors_is_refused() -> None:
    act = ACTIVITY.with_columns(drg=pl.when(pl.col("kontakt_id") == 6).then(pl.lit("A")).otherwise(pl.col("drg")))
    with pytest.raises(CalibrationError, match="A \\(phv_tsb/somatikk\\)"):
        calibrate(_raw(), old_weights=OLD, activity_old=act)
