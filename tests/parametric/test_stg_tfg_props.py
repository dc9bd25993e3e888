"""Property tests: the vectorised STG/TFG engine equals the pure-Python reference.

Random small activity (several patients, year boundaries, bad rows, duplicate ids, dagger pairs)
is run through both `assign` and `assign_reference` with the bundled 2026 definitions and with
a synthetic definition set that exercises every feature (minimum activity, indication
diagnoses, utskrivningsklar, contact types, excluding codes, the ACT half-month flag, STG
members and triggers of a TFG, families, taking over points).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tiers import examples

from isf.stg_tfg import StgTfgDefinitions, assign, assign_reference, load_stg_tfg, parse_stg_tfg

pytestmark = pytest.mark.slow

SYNTHETIC = parse_stg_tfg("""
aar = 2026
[[stg]]
kode = "SM"
navn = "monthly, two contacts"
periode = "maaned"
koder = ["K1", "K2"]
min_kontakter = 2
omsorgsniva = [3]
utskrivningsklar = true
sektor = ["somatikk", "tsb"]
[[stg]]
kode = "ST"
navn = "tertial with indication"
periode = "tertial"
koder = ["K2", "K3"]
diagnoser = ["G20", "C5"]
[[stg]]
kode = "SY"
navn = "year"
periode = "aar"
koder = ["K3"]
omsorgsniva = [1, 2]
[[stg]]
kode = "SK"
navn = "indirect contacts only, not with X9, followed half the month"
periode = "maaned"
koder = ["K1", "K3"]
kontakttype = [5]
utskrivningsklar = true
omsorgsniva = [3, 8]
unntatt_koder = ["X9"]
halv_maaned = true
[[tfg]]
kode = "TA"
navn = "drg + stg, stg trigger"
periode = "aar"
drg = ["D1", "D2"]
stg = ["SM", "ST"]
utloser_stg = ["ST"]
[[tfg]]
kode = "TB"
navn = "takes over D1"
periode = "aar"
drg = ["D1", "D3"]
utloser_drg = ["D3"]
overtar_drg_poeng = true
familie = "F"
prioritet = 2
[[tfg]]
kode = "TC"
navn = "family winner"
periode = "aar"
drg = ["D1", "D4"]
overtar_drg_poeng = true
familie = "F"
prioritet = 1
[[tfg]]
kode = "TD"
navn = "takes over D1 too, tertial"
periode = "tertial"
drg = ["D1"]
overtar_drg_poeng = true
""", source="synthetic")

BUNDLED = load_stg_tfg(2026)
ALPHABET = {
    "synthetic": (["K1", "K2", "K3", "X9"], ["D1", "D2", "D3", "D4", "X"]),
    "bundled": (["WPBA10", "IEAD00", "N04BA02", "J06BD01", "QXGX00", "N07BC01", "ZWUU20", "L01EA01", "X9"],
                ["802U", "209U", "209V", "TD99L", "370", "373", "901O"]),
}
DIAGS = ["G20", "G200", "C50", "Z00", "G20&F023", "I10&C5"]
SCHEMA = {
    "kontakt_id": pl.Int64, "pasient_id": pl.String, "inn_dato": pl.Date, "drg": pl.String,
    "prosedyrer": pl.List(pl.String), "hdiag": pl.String, "bdiag": pl.List(pl.String),
    "omsorgsniva": pl.Int8, "utskrklar_dager": pl.Int32, "sektor": pl.String,
    "kontakt_type": pl.Int8, "act_halv_maaned": pl.Boolean,
}


def rows_strategy(which: str = "synthetic") -> st.SearchStrategy[list[dict[str, Any]]]:
    codes, drgs = ALPHABET[which]
    day = st.one_of(st.integers(-10, 130), st.integers(-25, 390)).map(
        lambda n: None if n < -20 else date(2026, 1, 1) + timedelta(days=n))
    return st.lists(
        st.fixed_dictionaries({
            # rare None / duplicate ids, dense dates and codes: patients meet several groups
            "kontakt_id": st.integers(-1, 400).map(lambda n: None if n < 0 else n),
            "pasient_id": st.sampled_from(["a", "a", "a", "b", "b", "c", "", None]),
            "inn_dato": day,
            "drg": st.one_of(st.sampled_from(drgs), st.none()),
            "prosedyrer": st.one_of(st.lists(st.sampled_from(codes), max_size=3), st.none()),
            "hdiag": st.one_of(st.sampled_from(["G20", "C509", "Z00", "H353"]), st.none()),
            "bdiag": st.one_of(st.lists(st.sampled_from(DIAGS), max_size=2), st.none()),
            "omsorgsniva": st.one_of(st.sampled_from([1, 1, 2, 3, 8]), st.none()),
            "utskrklar_dager": st.one_of(st.integers(0, 2), st.none()),
            "sektor": st.sampled_from(["somatikk", "somatikk", "phv", "tsb", None]),
            "kontakt_type": st.sampled_from([1, 5, 5, 7, None]),
            "act_halv_maaned": st.sampled_from([True, False, None]),
        }),
        min_size=2,
        max_size=30,
    )


def _engine(rows: list[dict[str, Any]], defs: StgTfgDefinitions,
            til: int | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    res = assign(pl.DataFrame(rows, schema=SCHEMA), defs, year=2026, til_tertial=til)
    return res.assignments.to_dicts(), res.contact_adjustments.to_dicts()


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), which=st.sampled_from(["synthetic", "bundled"]),
       til=st.sampled_from([None, 1, 2]))
def test_engine_equals_reference(data: st.DataObject, which: str, til: int | None) -> None:
    defs = SYNTHETIC if which == "synthetic" else BUNDLED
    rows = data.draw(rows_strategy(which))
    got_a, got_b = _engine(rows, defs, til)
    df_rows = pl.DataFrame(rows, schema=SCHEMA).to_dicts()
    want_a, want_b = assign_reference(df_rows, defs, year=2026, til_tertial=til)
    assert got_a == want_a
    assert got_b == want_b


@settings(max_examples=examples(60), deadline=None)
@given(rows=rows_strategy(), perm=st.randoms(use_true_random=False))
def test_arrival_order_does_not_matter(rows: list[dict[str, Any]], perm: Any) -> None:
    """Late-reported activity only changes the row order: assignments must not change."""
    shuffled = list(rows)
    perm.shuffle(shuffled)
    a1, b1 = _engine(rows, SYNTHETIC, None)
    a2, b2 = _engine(shuffled, SYNTHETIC, None)
    assert a1 == a2
    key = lambda r: (r["kontakt_id"] is None, r["kontakt_id"] or 0, r["status"], r["error"] or "")
    assert sorted(b1, key=key) == sorted(b2, key=key)


@settings(max_examples=examples(60), deadline=None)
@given(rows=rows_strategy())
def test_invariants(rows: list[dict[str, Any]]) -> None:
    """One assignment per patient, group and period; taken-over contacts are exactly the
    members of TFGs that take over DRG points; sector-limited STGs hold only their sectors."""
    assignments, adjustments = _engine(rows, SYNTHETIC, None)
    groups = {**SYNTHETIC.stg_by_code(), **SYNTHETIC.tfg_by_code()}
    sector_of = {r["kontakt_id"]: r["sektor"] for r in rows}
    members: set[Any] = set()
    for a in assignments:
        g = groups[a["gruppe"]]
        assert a["antall_kontakter"] == len(a["kontakt_ider"]) >= 1
        assert a["poeng_kontakt_id"] == a["kontakt_ider"][0]
        if a["type"] == "STG" and g.sektor:  # type: ignore[union-attr]
            assert all(sector_of[k] in g.sektor for k in a["kontakt_ider"])  # type: ignore[union-attr]
        if a["type"] == "TFG" and g.overtar_drg_poeng:  # type: ignore[union-attr]
            members |= set(a["kontakt_ider"])
    assert len(adjustments) == len(rows)
    assert {b["kontakt_id"] for b in adjustments if b["tfg_overtatt"]} == members
    keys = [(a["pasient_id"], a["gruppe"], a["periode"]) for a in assignments]
    assert len(keys) == len(set(keys))
