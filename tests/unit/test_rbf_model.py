"""The RBF model and indicator engine: place scores, øre rounding, registers, and the invariants
(the distribution sums to the pool exactly; every activity row comes back once) as properties."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tiers import examples

from isf.errors import InputError, IsfError, Status
from isf.rbf import (
    IndicatorValue,
    MissingResultsError,
    RegisterError,
    compute_indicators,
    distribute,
    indicator_values,
    load_rbf,
    read_registers,
    split_ore,
)
from isf.rbf.definitions import Region
from isf.rbf.distribution import place_scores

DEFS = load_rbf(2026)
REGIONS = DEFS.region_names


def _model(**kw):
    return dataclasses.replace(DEFS.model, **kw)


def test_place_scores_rank_ties_and_target():
    m = _model()
    f = Fraction
    # Two at/above the target share the top places: (4+3)/2/4; the rest by rank; missing scores 0.
    got = place_scores([f("0.80"), f("0.71"), f("0.60"), None], maltall=Decimal("0.70"), model=m)
    assert got == [(1, f(7, 8)), (1, f(7, 8)), (3, f(1, 2)), (None, f(0))]
    # Without the target tie the better share ranks first.
    got = place_scores([f("0.80"), f("0.71"), f("0.60"), f("0.50")], maltall=Decimal("0.70"), model=_model(maltall_topp=False))
    assert [p for p, _ in got] == [1, 2, 3, 4] and [s for _, s in got] == [1, f(3, 4), f(1, 2), f(1, 4)]
    # Goal achievement method: min(share / target, 1).
    got = place_scores([f("0.35"), f("0.07"), None, f("0.14")], maltall=Decimal("0.14"), model=_model(metode="maloppnaelse"))
    assert [s for _, s in got] == [1, f(1, 2), 0, 1]


def test_equal_results_give_the_basis_share_distribution():
    values = [IndicatorValue(i.id, r, 10, 100, Fraction(1, 10), Fraction(1)) for i in DEFS.indicators for r in REGIONS]
    dist = distribute(DEFS, values)
    assert all(r.rbf_kroner == r.basis_kroner and r.differanse_kroner == 0 for r in dist.regions)


def test_better_results_move_money_towards_a_region():
    def run(vest: Fraction):
        values = [IndicatorValue(i.id, r, None, None, vest if r == "Helse Vest" else Fraction(1, 10), Fraction(1))
                  for i in DEFS.indicators for r in REGIONS]
        return {r.rhf: r.rbf_kroner for r in distribute(DEFS, values).regions}
    low, high = run(Fraction(1, 20)), run(Fraction(1, 5))
    assert high["Helse Vest"] > low["Helse Vest"]
    assert all(high[r] < low[r] for r in REGIONS if r != "Helse Vest")


def test_missing_results_are_listed_in_full():
    values = [IndicatorValue(i.id, r, 1, 2, Fraction(1, 2), Fraction(1)) for i in DEFS.indicators for r in REGIONS
              if not (i.id == "epikriser_1_dag" and r in ("Helse Nord", "Helse Vest"))]
    with pytest.raises(MissingResultsError) as exc:
        distribute(DEFS, values)
    assert exc.value.missing == (("epikriser_1_dag", "Helse Nord"), ("epikriser_1_dag", "Helse Vest"))
    assert isinstance(exc.value, IsfError)


def test_all_zero_scores_fall_back_to_basis_share():
    m = _model(metode="maloppnaelse", plassering_andel=Decimal(1), kompletthet_andel=Decimal(0))
    defs = dataclasses.replace(DEFS, model=m)
    values = [IndicatorValue(i.id, r, 0, 10, Fraction(0), Fraction(0)) for i in DEFS.indicators for r in REGIONS]
    dist = distribute(defs, values)
    assert dist.basis_fallback and [r.rbf_kroner for r in dist.regions] == [r.basis_kroner for r in dist.regions]


def test_split_ore_rejects_what_it_cannot_split():
    with pytest.raises(InputError):
        split_ore(Decimal("1.001"), [Fraction(1)])
    with pytest.raises(InputError):
        split_ore(Decimal(1), [Fraction(0), Fraction(0)])


def _regs(rows):
    return pl.DataFrame(rows, schema={"indikator": pl.String, "bo_rhf": pl.String, "teller": pl.String,
                                      "nevner": pl.String, "kompletthet": pl.String}, orient="row")


def test_registers_table_checks_every_row_and_never_echoes_values():
    rows = [
        ("epikriser_1_dag", "Helse Midt-Norge RHF", "705", "1000", None),  # ok ('RHF' suffix accepted)
        ("epikriser_1_dag", "Helse Nord", "900", "800", None),  # teller > nevner
        ("epikriser_1_dag", "Helse Atlantis", "1", "2", None),  # unknown region
        ("ventetid", "Helse Vest", "1", "2", None),  # unknown indicator
        ("video_telefon", "Helse Vest", "1", "2", None),  # NPR indicators come from activity
        ("video_telefon", "Helse Vest", None, None, "1.5"),  # completeness above 1
        ("epikriser_1_dag", "Helse Midt-Norge", "7.5", "1000", None),  # not an integer; duplicate
    ]
    with pytest.raises(RegisterError) as exc:
        read_registers(_regs(rows), DEFS)
    msg = str(exc.value)
    for i, word in ((2, "teller er større"), (3, "bo_rhf"), (4, "indikator er ukjent"), (5, "NPR"), (6, "kompletthet"),
                    (7, "to ganger")):
        assert f"rad {i}: " in msg and word in msg.split(f"rad {i}: ")[1].split(" | ")[0]
    assert "rad 1:" not in msg and "Atlantis" not in msg and "900" not in msg
    with pytest.raises(RegisterError, match="lacks column"):
        read_registers(pl.DataFrame({"indikator": ["x"]}), DEFS)


def test_register_completeness_and_missing_values():
    regs = read_registers(_regs([("epikriser_1_dag", r, "7", "10", "0.9") for r in REGIONS[:3]]
                                + [("video_telefon", "Helse Vest", None, None, "0.5")]), DEFS)
    counts = pl.DataFrame({"indikator": ["video_telefon"] * 4, "bo_rhf": list(REGIONS), "teller": [1, 2, 3, 0],
                           "nevner": [10, 10, 10, 0]})
    with pytest.raises(MissingResultsError, match="epikriser_1_dag / Helse Vest"):
        indicator_values(DEFS, counts, regs)
    vals = {(v.indikator, v.rhf): v for v in indicator_values(DEFS, counts, regs, allow_missing=True)}
    assert vals[("epikriser_1_dag", "Helse Nord")].andel == Fraction(7, 10)
    assert vals[("epikriser_1_dag", "Helse Nord")].kompletthet == Fraction(9, 10)
    miss = vals[("epikriser_1_dag", "Helse Vest")]
    assert miss.andel is None and miss.kompletthet == 0 and not miss.kompletthet_demo
    vest = vals[("video_telefon", "Helse Vest")]
    assert vest.andel is None and vest.kompletthet == Fraction(1, 2)  # no denominator -> no result
    midt = vals[("video_telefon", "Helse Midt-Norge")]
    assert midt.andel == Fraction(1, 10) and midt.kompletthet_demo  # default completeness is DEMO


def test_activity_without_a_required_column_is_refused():
    with pytest.raises(InputError, match="sektor, prosedyrer"):
        compute_indicators(pl.DataFrame({"kontakt_id": [1], "pasient_id": ["a"], "bo_rhf": ["Helse Nord"],
                                         "inn_dato": [date(2025, 1, 1)], "omsorgsniva": [3], "kontakt_type": [6]}),
                           DEFS, period="T1")
    with pytest.raises(InputError, match="period"):
        compute_indicators(pl.DataFrame(), DEFS, period="T2")


def test_csv_shaped_activity_is_read_the_same():
    df = pl.DataFrame({"kontakt_id": [1, 2, 3], "pasient_id": ["a", "a", "b"], "bo_rhf": ["Helse Vest"] * 3,
                       "inn_dato": ["2025-01-02", "2025-13-01", "2025-02-03"], "omsorgsniva": ["3", "3", "x"],
                       "kontakt_type": ["6", "", "1"], "sektor": ["phv"] * 3, "prosedyrer": ["WPBA10|ZZ", "", None]})
    run = compute_indicators(df, DEFS, period="T1")
    assert run.rows["status"].to_list() == ["ok", "invalid", "invalid"]
    assert "inn_dato" in run.rows["error"][1] and "omsorgsniva" in run.rows["error"][2]
    counts = {(r["indikator"], r["bo_rhf"]): (r["teller"], r["nevner"]) for r in run.counts.iter_rows(named=True)}
    assert counts[("video_telefon", "Helse Vest")] == (1, 1)
    assert counts[("samarbeid_phv_tsb", "Helse Vest")] == (1, 1)


# ---- properties --------------------------------------------------------------------------------

_share = st.integers(0, 1000).map(lambda k: Fraction(k, 1000))


@st.composite
def _case(draw):
    n = draw(st.integers(2, 6))
    names = tuple(f"R{i}" for i in range(n))
    regions = tuple(Region(r, Decimal(draw(st.integers(1, 10**6))) / 10) for r in names)
    rang = sorted((Decimal(draw(st.integers(0, 10))) for _ in range(n)), reverse=True)
    rang[0] = max(rang[0], Decimal(1))
    a = Decimal(draw(st.integers(0, 100))) / 100
    model = dataclasses.replace(DEFS.model, metode=draw(st.sampled_from(["rang", "maloppnaelse"])), rangpoeng=tuple(rang),
                                maltall_topp=draw(st.booleans()), plassering_andel=a, kompletthet_andel=1 - a,
                                pott_kroner=Decimal(draw(st.integers(0, 10**11))) / 100)
    defs = dataclasses.replace(DEFS, regions=regions, model=model)
    values = [IndicatorValue(i.id, r, None, None, draw(st.none() | _share), draw(_share))
              for i in defs.indicators for r in names]
    return defs, values


@pytest.mark.slow
@settings(max_examples=examples(100), deadline=None)
@given(_case())
def test_property_distribution_sums_to_the_pool_exactly(case):
    defs, values = case
    dist = distribute(defs, values)
    pool = defs.model.pott_kroner
    assert sum(r.rbf_kroner for r in dist.regions) == pool
    assert sum(r.basis_kroner for r in dist.regions) == pool
    assert sum(r.differanse_kroner for r in dist.regions) == 0
    assert all(r.rbf_kroner >= 0 and r.rbf_kroner.as_tuple().exponent == -2 for r in dist.regions)
    assert all(0 <= s.score <= 1 and 0 <= s.poeng <= s.poeng_maks for s in dist.scores)
    # Each region is within one øre of its exact share.
    weights = [Fraction(r.basis) * p.poeng for r, p in zip(defs.regions, dist.regions)]
    if sum(weights):
        for w, r in zip(weights, dist.regions):
            assert abs(Fraction(r.rbf_kroner) - Fraction(pool) * w / sum(weights)) < Fraction(1, 100)


_rhf = st.sampled_from([*REGIONS, "Helse Nord RHF", "Utlandet", None])
_row = st.fixed_dictionaries({
    "pasient_id": st.sampled_from(["a", "b", "c", "", None]),
    "bo_rhf": _rhf,
    "inn_dato": st.none() | st.dates(date(2024, 11, 1), date(2026, 2, 1)),
    "omsorgsniva": st.sampled_from([1, 2, 3, 8, 5, None]),
    "kontakt_type": st.sampled_from([1, 2, 3, 5, 6, 7, 12, None]),
    "sektor": st.sampled_from(["somatikk", "phv", "tsb", "rus", None]),
    "prosedyrer": st.lists(st.sampled_from(["WPBA10", "IEAD00", "WMGA28", "IEAB20", "WMFX00", "DEMOTEAM", "AAA"]), max_size=3),
})


@pytest.mark.slow
@settings(max_examples=examples(80), deadline=None)
@given(rows=st.lists(_row, max_size=40), period=st.sampled_from(["T1", "aar"]))
def test_property_rows_in_equal_rows_out(rows, period):
    df = pl.DataFrame([{"kontakt_id": 1000 - i, **r} for i, r in enumerate(rows)],
                      schema={"kontakt_id": pl.Int64, "pasient_id": pl.String, "bo_rhf": pl.String, "inn_dato": pl.Date,
                              "omsorgsniva": pl.Int8, "kontakt_type": pl.Int8, "sektor": pl.String,
                              "prosedyrer": pl.List(pl.String)})
    run = compute_indicators(df, DEFS, period=period)
    out = run.rows
    assert out.height == df.height and out["kontakt_id"].to_list() == df["kontakt_id"].to_list()
    assert set(out["status"].to_list()) <= {s.value for s in Status}
    for r in out.iter_rows(named=True):
        assert (r["status"] == Status.INVALID) == (r["error"] is not None)
        if r["error"]:
            assert r["error"].startswith(f"rad {r['rad']}: ")
        nevner = {k.removeprefix("nevner_") for k, v in r.items() if k.startswith("nevner_") and v}
        teller = {k.removeprefix("teller_") for k, v in r.items() if k.startswith("teller_") and v}
        if r["status"] != Status.OK:
            assert not nevner and not teller
        assert teller <= nevner | {i.id for i in DEFS.indicators if i.telling == "pasienter"}
    assert run.counts.height == 8 * len(REGIONS)
    assert (run.counts["teller"] <= run.counts["nevner"]).all()
    ok_rows = out.filter(pl.col("status") == "ok").height
    video = run.counts.filter(pl.col("indikator") == "video_telefon")["nevner"].sum()
    assert video <= ok_rows
