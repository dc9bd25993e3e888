"""Golden RBF tests: each indicator on hand-made activity, the model on a hand-made case, and the
settlement on the seed's own 2025 table. Expected values are hand-computed in the JSON files
beside this module (their SOURCE notes cite the seed lines)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest

from isf.errors import Status
from isf.rbf import compute_indicators, distribute, indicator_values, load_rbf, parse_rbf, read_registers, settle
from isf.rbf.reconcile import SETTLEMENT_2025, SETTLEMENT_2025_PRINTED

HERE = Path(__file__).parent
IND = json.loads((HERE / "indicators_2026.json").read_text(encoding="utf-8"))
DIST = json.loads((HERE / "distribution_case.json").read_text(encoding="utf-8"))


def _ids(row: dict, part: str) -> list[str]:
    """Indicator ids whose `part` (nevner/teller) flag is set on a rows-table row."""
    return [k.removeprefix(f"{part}_") for k, v in row.items() if k.startswith(f"{part}_") and v]


def _activity() -> pl.DataFrame:
    rows = [{k: v for k, v in r.items() if k in ("kontakt_id", "pasient_id", "bo_rhf", "inn_dato", "omsorgsniva",
                                                  "kontakt_type", "sektor", "prosedyrer")} for r in IND["rows"]]
    df = pl.DataFrame(rows, schema={"kontakt_id": pl.Int64, "pasient_id": pl.String, "bo_rhf": pl.String,
                                    "inn_dato": pl.String, "omsorgsniva": pl.Int8, "kontakt_type": pl.Int8,
                                    "sektor": pl.String, "prosedyrer": pl.List(pl.String)})
    return df.with_columns(pl.col("inn_dato").str.to_date())


@pytest.mark.parametrize("period", ["T1", "aar"])
@pytest.mark.parametrize("indicator", sorted(IND["indicators"]))
def test_indicator_on_hand_made_activity(indicator: str, period: str):
    defs = load_rbf(IND["aar"])
    run = compute_indicators(_activity(), defs, period=period)
    got = {r["bo_rhf"]: [r["teller"], r["nevner"]]
           for r in run.counts.filter(pl.col("indikator") == indicator).iter_rows(named=True)}
    assert got == IND["expected"][period][indicator], IND["indicators"][indicator]


@pytest.mark.parametrize("period", ["T1", "aar"])
def test_every_row_comes_back_with_its_status(period: str):
    defs = load_rbf(IND["aar"])
    run = compute_indicators(_activity(), defs, period=period)
    assert run.rows["kontakt_id"].to_list() == [r["kontakt_id"] for r in IND["rows"]]
    assert (run.start, run.end) == ((date(2025, 1, 1), date(2025, 4, 30)) if period == "T1"
                                    else (date(2025, 1, 1), date(2025, 12, 31)))
    for got, row in zip(run.rows.iter_rows(named=True), IND["rows"], strict=True):
        want = row.get(f"status_{period}", row["status_T1"] if row["status_T1"] != "utenfor_periode" else "ok")
        assert got["status"] == want, row["note"]
        if want == Status.INVALID:
            assert got["error"].startswith(f"rad {got['rad']}: ") and row["error_field"] in got["error"]
            assert (row["pasient_id"] or "§") not in got["error"]  # never echo an identifier
            assert _ids(got, "nevner") == [] and _ids(got, "teller") == []
        else:
            assert got["error"] is None


def test_row_flags_explain_the_counts():
    run = compute_indicators(_activity(), load_rbf(2026), period="T1")
    by_id = {r["kontakt_id"]: r for r in run.rows.iter_rows(named=True)}
    assert by_id[2]["teller_video_telefon"] and by_id[2]["nevner_video_telefon"]
    assert _ids(by_id[4], "teller") == ["samarbeid_phv_tsb"]
    assert not by_id[4]["nevner_video_telefon"]  # indirect contact
    assert _ids(by_id[12], "nevner") == [] and _ids(by_id[12], "teller") == []  # day treatment only
    assert set(_ids(by_id[11], "teller")) == {"video_telefon", "digital_hjemme", "team_somatikk"}
    # Contact counts are the sums of the row flags.
    rows = run.rows.join(_activity().select("kontakt_id", pl.col("bo_rhf").str.replace(" RHF", "")), on="kontakt_id")
    sums = rows.group_by("bo_rhf").agg(pl.col("teller_video_telefon", "nevner_video_telefon").sum())
    for r in sums.iter_rows(named=True):
        if r["bo_rhf"] in IND["expected"]["T1"]["video_telefon"]:
            assert [r["teller_video_telefon"], r["nevner_video_telefon"]] == IND["expected"]["T1"]["video_telefon"][r["bo_rhf"]]


def _case():
    defs = parse_rbf((HERE / "distribution_case.toml").read_text(encoding="utf-8"), source="distribution_case.toml")
    regs = pl.DataFrame(DIST["registers"], schema={"indikator": pl.String, "bo_rhf": pl.String, "teller": pl.Int64,
                                                  "nevner": pl.Int64, "kompletthet": pl.String})
    counts = pl.DataFrame(schema={"indikator": pl.String, "bo_rhf": pl.String, "teller": pl.Int64, "nevner": pl.Int64})
    values = indicator_values(defs, counts, read_registers(regs, defs), allow_missing=True)
    return defs, values


def test_distribution_hand_made_case():
    defs, values = _case()
    dist = distribute(defs, values)
    exp = DIST["expected"]
    assert {r.rhf: r.poeng for r in dist.regions} == {k: Fraction(v) for k, v in exp["points"].items()}
    for s in dist.scores:
        assert s.plass == exp["place"][s.indikator][s.rhf]
        assert s.score == Fraction(exp["score"][s.indikator][s.rhf])
    for col in ("rbf_kroner", "basis_kroner", "differanse_kroner"):
        got = {r.rhf: getattr(r, col) for r in dist.regions}
        assert got == {k: Decimal(v) for k, v in exp["pool_531000"][col].items()}, col
    assert sum(r.rbf_kroner for r in dist.regions) == Decimal("531000.00")
    assert not dist.basis_fallback


@pytest.mark.parametrize("pool", ["1000000", "1000000.01"])
def test_distribution_hand_made_case_largest_remainder(pool: str):
    defs, values = _case()
    dist = distribute(defs, values, pott_kroner=Decimal(pool))
    assert {r.rhf: r.rbf_kroner for r in dist.regions} == {
        k: Decimal(v) for k, v in DIST["expected"][f"pool_{pool}"]["rbf_kroner"].items()}
    assert sum(r.rbf_kroner for r in dist.regions) == Decimal(pool)


def test_settlement_on_the_seeds_2025_table():
    # [000] l.1303-1310: preliminary (T1 2024) and final (annual 2024) RBF 2025 per RHF, MNOK.
    m = Decimal(1_000_000)
    rows = settle({r: v[0] * m for r, v in SETTLEMENT_2025.items()}, {r: v[1] * m for r, v in SETTLEMENT_2025.items()})
    got = {s.rhf: s.endring_kroner / m for s in rows}
    assert got == {"Helse Midt-Norge": Decimal("-6.4"), "Helse Nord": Decimal("-2.3"),
                   "Helse Sør-Øst": Decimal("-21.3"), "Helse Vest": Decimal("30.0")}
    assert sum(s.endring_kroner for s in rows) == 0
    # The seed prints 29,9 for Vest (from unrounded amounts): its change column sums to -0,1.
    assert sum(SETTLEMENT_2025_PRINTED.values()) == Decimal("-0.1")
