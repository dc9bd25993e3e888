"""Golden test: PHV/TSB cost weights ([004] §7.2) and the 2026 day-surgery pairs ([002]).

SOURCE: hand-made KPP records below; every expected value is worked out by hand in the comments,
not by the code under test. Seeds: [004] = seeds/004_bcd00c97214dae43.txt, [002] =
seeds/002_0e0619ee0f506de5.txt. Parameters: min_stays_hf 1, min_stays_drg 1, no copay
(egenandel_ore 0), trimpunkt k = 1.5.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import polars as pl
import pytest

from isf.weights.calibrate import calibrate
from isf.weights.estimate import EstimateParams, dagkirurgi_par_for, estimate_weights

SEED_LINES = {
    # [004] 1172-1176: «på samme vis som for somatikken, med unntak av regler for trimming av kostnader»
    "no_trimming": ("004", 1174, "med unntak av regler for trimming av kostnader, da dette er knyttet til"),
    # [004] 1191: «Vektene er fortsatt diagnoseuavhengige, med unntak av for TD11A Opioidavhengighet»
    "td11a": ("004", 1191, "Vektene er fortsatt diagnoseuavhengige, med unntak av for TD11A Opioidavhengighet"),
    # [004] 1199: TD97 keeps its priced weight
    "td97": ("004", 1199, "Vekten for TD97 Fysisk treningsterapi som ledd i spesialisthelsetjenester til pasienter"),
    # [002] 734: 112B with 112P in the day-surgery solution from 2026
    "pairs_2026": ("002", 734, "112B Perkutan ablasjonsbehandling for hjertearytmi (sammen med DRG 112P)"),
    # [002] 746: day births like uncomplicated vaginal births
    "day_births": ("002", 746, "komplikasjoner finansieres likt i ISF fra 2026."),
}


def _kpp(rows: list[tuple]) -> pl.DataFrame:
    cols = ("kontakt_id", "beh_hf", "drg", "sektor", "omsorgsniva", "liggetid", "utskrklar_dager", "kostnad_ore",
            "liggetidskostnad_ore")
    return pl.DataFrame([dict(zip(cols, r)) for r in rows]).with_columns(egenandel_ore=pl.lit(0, dtype=pl.Int64))


# S1 somatic: 2 stays, liggetid 4, utskrklar 2, cost 500 kr, LOS cost 200 kr each.
# TP1 PHV: one stay (omsorgsniva 1) liggetid 10, utskrklar 4, cost 1000 kr, LOS cost 600 kr; one contact 200 kr.
# TD11A TSB: contacts 30 and 50 kr. TD97 PHV: one contact 90 kr.
KPP = _kpp([
    (1, "H1", "S1", "somatikk", 1, 4, 2, 50000, 20000),
    (2, "H1", "S1", "somatikk", 1, 4, 2, 50000, 20000),
    (3, "H1", "TP1", "phv", 1, 10, 4, 100000, 60000),
    (4, "H1", "TP1", "phv", 3, 0, 0, 20000, 0),
    (5, "H1", "TD11A", "tsb", 3, 0, 0, 3000, 0),
    (6, "H1", "TD11A", "tsb", 3, 0, 0, 5000, 0),
    (7, "H1", "TD97", "phv", 3, 0, 0, 9000, 0),
])
PARAMS = EstimateParams(aar=2024, min_stays_hf=1, min_stays_drg=1, egenandel_ore=0)


def test_seed_lines_are_quoted_exactly() -> None:
    from pathlib import Path

    seeds = Path(__file__).resolve().parents[3] / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip("../shared/seeds not present")
    from isf.settlement.rules import SEEDS

    for seed, line, quote in SEED_LINES.values():
        text = (seeds / SEEDS[seed]).read_text(encoding="utf-8").splitlines()[line - 1]
        assert " ".join(quote.split()) in " ".join(text.split())


def test_phv_tsb_weights_are_not_trimmed_td11a_own_td97_priced() -> None:
    raw = estimate_weights(KPP, params=PARAMS)
    # S1: trimpunkt from somatic stays only: liggetid - utskrklar = [2, 2] -> Q1 = Q3 = 2 -> 2.
    # Excluded days per stay: utskrklar 2 + max(0, 4 - 2 - 2) = 2 of 4: LOS cost 400 kr x 4/8 = 200 kr
    # trimmed; base 1000 - 200 = 800 kr; mean 400 kr = 40000 øre.
    assert raw.drgs["S1"].trimpunkt == 2 and raw.drgs["S1"].snittkostnad == 40000
    # TP1 (PHV): no trimming ([004] 1174): base 1000 + 200 kr, mean 600 kr = 60000 øre; no trimpunkt.
    # (Trimmed like somatic care it would lose 600 x 4/10 = 240 kr and have mean 480 kr.)
    assert raw.drgs["TP1"].trimpunkt is None and raw.drgs["TP1"].snittkostnad == 60000
    # TD11A: its own cost weight from its own contacts: mean 40 kr = 4000 øre.
    assert raw.drgs["TD11A"].snittkostnad == 4000
    # TD97 keeps its priced weight: not estimated.
    assert raw.drgs["TD97"].prissatt and "TD97" not in raw.raw and raw.regel["TD97"] == "prissatt_vekt"
    # normaliser = (800 + 1200 + 80) kr / 6 = 208000 / 6 øre
    assert raw.normaliser == Fraction(208000, 6)
    assert raw.raw["S1"] == (Fraction(15, 13), Fraction(15, 104))  # per day 5000 øre / normaliser
    assert raw.raw["TP1"] == (Fraction(45, 26), None)
    assert raw.raw["TD11A"] == (Fraction(3, 26), None)


def test_per_sector_calibration_keeps_td97() -> None:
    raw = estimate_weights(KPP, params=PARAMS)
    old = pl.DataFrame({
        "drg": ["S1", "TP1", "TD11A", "TD97"],
        "vekt": [Decimal("1.0"), Decimal("0.5"), Decimal("0.2"), Decimal("0.3")],
        "trimpunkt": [10, None, None, None],
        "vekt_per_dag": [Decimal("0.1"), None, None, None],
    })
    # Activity: S1 x 2 (liggetid 2, so no long-stay days with either list); TP1, TD11A, TD97 x 2 each.
    act = pl.DataFrame({
        "drg": ["S1", "S1", "TP1", "TP1", "TD11A", "TD11A", "TD97", "TD97"],
        "sektor": ["somatikk"] * 2 + ["phv"] * 2 + ["tsb"] * 2 + ["phv"] * 2,
        "liggetid": [2, 2, 0, 0, 0, 0, 0, 0], "utskrklar_dager": [0] * 8,
    })
    cal = calibrate(raw, old_weights=old, activity_old=act)
    # somatikk: old 2.0; raw 2 x 15/13 = 30/13 -> f = 13/15; S1 = 1, per day 15/104 x 13/15 = 0.125
    assert cal.factors["somatikk"] == Fraction(13, 15)
    # PHV/TSB: old 2 x (0.5 + 0.2 + 0.3) = 2.0; TD97 kept: 0.6; raw 2 x (45/26 + 3/26) = 48/13
    # f = 1.4 / (48/13) = 91/240; TP1 = 45/26 x 91/240 = 21/32 = 0.65625; TD11A = 7/160 = 0.04375
    assert cal.factors["phv_tsb"] == Fraction(91, 240)
    w = {r["drg"]: r for r in cal.weights.iter_rows(named=True)}
    assert w["S1"]["vekt"] == Decimal(1) and w["S1"]["vekt_per_dag"] == Decimal("0.125")
    assert w["TP1"]["vekt"] == Decimal("0.65625") and w["TD11A"]["vekt"] == Decimal("0.04375")
    assert w["TD97"]["vekt"] == Decimal("0.3") and w["TD97"]["regel"] == "prissatt_vekt"
    # budget neutral per sector: 2 x 0.65625 + 2 x 0.04375 + 2 x 0.3 = 2.0
    assert cal.totals["phv_tsb"] == (Decimal(2), Decimal(2)) and cal.totals["somatikk"] == (Decimal(2), Decimal(2))


def test_before_2022_phv_tsb_weights_are_not_cost_based() -> None:
    """[004] 322: «Fra 2022 implementeres kostnadsbaserte vekter for psykisk helsevern og TSB»: in 2021
    every PHV/TSB DRG keeps its (tariff-based) weight; the sector's factor is 1."""
    raw = estimate_weights(KPP, params=EstimateParams(aar=2021, min_stays_hf=1, min_stays_drg=1, egenandel_ore=0))
    assert {d for d, e in raw.drgs.items() if e.prissatt} == {"TP1", "TD11A", "TD97"}
    assert set(raw.raw) == {"S1"} and raw.raw["S1"][0] == 1  # alone: its mean is the normaliser


def _pair_kpp(day: str, inpatient: str) -> pl.DataFrame:
    # inpatient: 4 stays of 500 kr (liggetid 1, LOS cost 100 kr; trimpunkt 1, nothing trimmed);
    # day: 4 stays of 300 kr. Means 50000 and 30000 øre; normaliser 40000 øre.
    rows = [(i, "H1", inpatient, "somatikk", 1, 1, 0, 50000, 10000) for i in range(4)]
    rows += [(10 + i, "H1", day, "somatikk", 2, 0, 0, 30000, 0) for i in range(4)]
    return _kpp(rows)


@pytest.mark.parametrize(("day", "inpatient"), [("112P", "112B"), ("373O", "373"), ("361O", "361")])
def test_day_surgery_pairs_of_2026(day: str, inpatient: str) -> None:
    """2026 pairs ([002] 730-746): one common weight, the volume-weighted mean 4 x 1.25 + 4 x 0.75 over 8
    = 1.0; in 2025 they are no pair: 1.25 and 0.75."""
    assert day in dagkirurgi_par_for(2026) and inpatient in dagkirurgi_par_for(2026)[day]
    kpp = _pair_kpp(day, inpatient)
    w26 = estimate_weights(kpp, params=EstimateParams(aar=2026, min_stays_hf=1, min_stays_drg=1, egenandel_ore=0))
    assert w26.raw[day][0] == w26.raw[inpatient][0] == 1
    assert w26.regel[day] == w26.regel[inpatient] == "dagkirurgi_par"
    w25 = estimate_weights(kpp, params=EstimateParams(aar=2025, min_stays_hf=1, min_stays_drg=1, egenandel_ore=0))
    assert (w25.raw[inpatient][0], w25.raw[day][0]) == (Fraction(5, 4), Fraction(3, 4))


def test_one_to_many_pair_keeps_the_inpatient_difference() -> None:
    """60O with 59N and 60N from 2026 ([002] 732; [004] 776-778 «de relative forskjellene mellom de
    døgnkirurgiske-DRG-ene ... opprettholdt»). 59N: 4 stays of 600 kr, 60N: 4 of 400 kr, 60O: 4 of
    200 kr; normaliser 400 kr -> raw 1.5, 1.0, 0.5. Reference side 59N/60N (two DRGs), mean 1.25;
    mass 4 x (1.5 + 1.0 + 0.5) = 12; s = 12 / (4 x 2.5 + 4 x 1.25) = 0.8: 59N 1.2, 60N 0.8, 60O 1.0."""
    rows = [(i, "H1", "59N", "somatikk", 1, 1, 0, 60000, 0) for i in range(4)]
    rows += [(10 + i, "H1", "60N", "somatikk", 1, 1, 0, 40000, 0) for i in range(4)]
    rows += [(20 + i, "H1", "60O", "somatikk", 2, 0, 0, 20000, 0) for i in range(4)]
    raw = estimate_weights(_kpp(rows), params=EstimateParams(aar=2026, min_stays_hf=1, min_stays_drg=1, egenandel_ore=0))
    assert {d: raw.raw[d][0] for d in ("59N", "60N", "60O")} == {"59N": Fraction(6, 5), "60N": Fraction(4, 5), "60O": 1}
