"""Year parameters: shipped values with sources, typed missing errors, layering, validation."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from isf.params import MissingParameterError, MissingParametersError, ParameterError, load_params, parse_override, shipped_years


@pytest.mark.parametrize(
    ("year", "sector", "value"),
    [
        (2018, "somatikk", "43428"), (2020, "somatikk", "45808"), (2024, "somatikk", "52248"),
        (2018, "phv_tsb", "2354"), (2020, "phv_tsb", "3160"), (2024, "phv_tsb", "3675"),
    ],
)
def test_known_enhetspris(year: int, sector: str, value: str) -> None:
    # SOURCE: the issue text (enhetspris per year and sector).
    p = load_params(year)
    assert p.decimal(sector, "enhetspris") == Decimal(value)
    assert p.source(sector, "enhetspris")


@pytest.mark.parametrize(
    ("year", "share"),
    [(2018, "0.50"), (2022, "0.50"), (2023, "0.40"), (2024, "0.40"), (2025, "0.30"), (2026, "0.30")],
)
def test_somatic_share(year: int, share: str) -> None:
    # SOURCE: issue text; [004] 2022 50 %, [001] 2024 40 %, [000] 2025 30 %, [002] 2026 30 %.
    assert load_params(year).decimal("somatikk", "isf_andel") == Decimal(share)


def test_ambulant_weights_and_rule_years() -> None:
    # SOURCE: [004] 0.014/0.112 before 2022, 0.019/0.137 in 2022; [002] 980 deduction removed 2026;
    # [000] copay points from 2025. The years are in the rule registry, not in parameter switches.
    from isf.settlement.rules import rule

    assert load_params(2021).decimal("somatikk", "ambulant_vekt") == Decimal("0.014")
    assert load_params(2021).decimal("phv_tsb", "ambulant_vekt") == Decimal("0.112")
    assert load_params(2022).decimal("somatikk", "ambulant_vekt") == Decimal("0.019")
    assert load_params(2022).decimal("phv_tsb", "ambulant_vekt") == Decimal("0.137")
    assert rule("trekk_980").in_force(2025) and not rule("trekk_980").in_force(2026)
    assert not rule("egenandel").in_force(2024) and rule("egenandel").in_force(2025)
    assert rule("ambulant").in_force(2018) and not rule("ambulant").in_force(2017)
    assert set(shipped_years()) >= {2018, 2020, 2022, 2024, 2025, 2026}
    with pytest.raises(ParameterError, match="unknown parameter"):
        parse_override("alle.regel_trekk_980=true")


def test_missing_parameters_are_named_all_at_once() -> None:
    e = MissingParametersError(2026, [("somatikk", "enhetspris"), ("phv_tsb", "enhetspris")])
    assert isinstance(e, MissingParameterError) and (e.year, e.sector, e.name) == (2026, "somatikk", "enhetspris")
    assert "somatikk.enhetspris, phv_tsb.enhetspris" in str(e) and "--demo-params" in str(e)


def test_demo_names_lists_demo_values_only() -> None:
    assert "somatikk.enhetspris" in load_params(2026, demo=True).demo_names()
    assert "somatikk.isf_andel" not in load_params(2026, demo=True).demo_names()
    assert load_params(2026).demo_names() == []


def test_every_shipped_value_has_a_source() -> None:
    for y in shipped_years():
        for sec, name, _value, source in load_params(y, demo=True).rows():
            assert source and source != "", (y, sec, name)


def test_missing_parameter_is_typed_and_exact() -> None:
    with pytest.raises(MissingParameterError) as info:
        load_params(2025).decimal("somatikk", "enhetspris")
    e = info.value
    assert (e.year, e.sector, e.name) == (2025, "somatikk", "enhetspris")
    assert "somatikk.enhetspris" in str(e) and "2025" in str(e)
    with pytest.raises(MissingParameterError):
        load_params(1999).get("alle", "isf_debitorer")


def test_demo_layer_fills_gaps_only() -> None:
    demo = load_params(2025, demo=True)
    assert demo.param("somatikk", "enhetspris").demo
    assert demo.decimal("somatikk", "isf_andel") == Decimal("0.30")  # official value kept
    assert not demo.param("somatikk", "isf_andel").demo


def test_user_file_and_override_layering(tmp_path: Path) -> None:
    f = tmp_path / "p.toml"
    f.write_text('year = 2025\n[somatikk.enhetspris]\nvalue = "55 000"\nsource = "budget letter"\n'
                 '[phv_tsb]\nenhetspris = "3900"\n', encoding="utf-8")
    p = load_params(2025, files=[f], overrides=["phv_tsb.enhetspris=4000"])
    assert p.decimal("somatikk", "enhetspris") == Decimal(55000)
    assert p.source("somatikk", "enhetspris") == "budget letter"
    assert p.decimal("phv_tsb", "enhetspris") == Decimal(4000)
    assert p.source("phv_tsb", "enhetspris") == "user override"


@pytest.mark.parametrize(
    "text",
    ["somatikk.enhetspriss=1", "somatikk.isf_andel=1.5", "nowhere.enhetspris=1", "somatikk.enhetspris=abc",
     "alle.trekk_andel=maybe", "enhetspris", "somatikk.isf_debitorer=1"],
)
def test_bad_overrides_raise(text: str) -> None:
    with pytest.raises(ParameterError):
        parse_override(text)


def test_file_year_mismatch(tmp_path: Path) -> None:
    f = tmp_path / "p.toml"
    f.write_text("year = 2024\n[somatikk]\nenhetspris = \"1\"\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="2024"):
        load_params(2025, files=[f])
