"""Golden checks of the bundled year data against the seeds (issue 16): parameters, STG/TFG
financing in the weight lists, the DRG changes and the 2026 day-surgery solution.

SOURCE: each fact below names the seed line it follows and quotes it (checked against the
seed when ../shared/seeds is present); the expected values are read off the seeds by hand.
Where a value is DEMO (invented), the check is on what the seeds do fix: financed or not,
present or gone, equal or not.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from seed_quotes import SEEDS_DIR, quote_on_line

from isf.params import load_params
from isf.weights.weightlist import load_weights

D = Decimal

# (fact, seed, line, quote)
FACTS = [
    ("isf_andel_2022", "004", 297, "innen somatikk (med 50 pst ISF-andel)"),
    ("isf_andel_2023_2024", "001", 276, "ISF-andelen er foreslatt uendret og vil vaere 40 prosent i 2024."),
    ("phv_andel_2023_2024", "001", 200, "beregnet til om lag 25 prosent."),
    ("isf_andel_2025", "000", 12, "|SF-andelen er 30 psti 2025"),
    ("isf_andel_2026", "002", 59, "Poliklinikk 30 % ISF 25 % ISF"),
    ("ambulant_2022", "004", 299, "Ny vekt somatikk blir 0,019 (fra 0,014)"),
    ("ambulant_phv_2022", "004", 301, "psykisk helsevern blir 0,137 (fra 0,112)."),
    ("phv_outpatient_only", "004", 1154, "Poliklinisk aktivitet innen PHV og TSB ble innlemmet i ISF-ordningen fra 2017."),
    ("put_30", "002", 1134, "Unntak er pasienter i LAR samt PUT opp til 30"),
    ("xs81_2022", "004", 369, "ikke gir ISF-poeng for 2022"),
    ("xs80_xs82_2022", "004", 385, "Derfor vil også XS80 og XS82"),
    ("as04_ds04_2026", "002", 1018, "(STG uten finansiering)"),
    ("bt01_2026", "003", 147, "Det knyttes finansiering til følgende TFG fra 01.01.2026:"),
    ("t30_unfinanced", "001", 265, "Tjenesteforlgpet vil opprettes uten finansiering i 2024."),
    ("ht05_ht06", "004", 150, "For 2022 foreslås det at disse to TFG-ene erstattes av to nye forløp som det knyttes finansiering"),
    ("nbp_2026", "002", 567, "Vekten på nettbaserte behandlingsprogram i somatikk økes til 0,178"),
    ("209_split", "004", 855, "DRG 209D Innsetting av hofteleddsprotese m/bk utgår og splittes i to nye DRG-er:"),
    ("993O_995O", "004", 887, "DRG-ene for samarbeidsaktiviteter 993O og 995O utgår"),
    ("new_drgs_2026", "002", 1034, "412A 17 Transfusjon av genmodifiserte autologe lymfocytter"),
    ("protons_2026", "002", 1036, "853X 40 Poliklinisk strålebehandling med protoner"),
    ("day_surgery_60N", "002", 732, "60N Operasjoner på tonsiller eller adenoid vev 0-17 år (sammen med DRG 59N og 60O)"),
    ("day_surgery_112B", "002", 734, "112B Perkutan ablasjonsbehandling for hjertearytmi (sammen med DRG 112P)"),
    ("day_surgery_530", "002", 737, "plastikkirurgi etter stort vekttap (inkl postbariatrisk kirurgi) (sammen med 530O og 530)"),
    ("day_surgery_361", "002", 739, "(sammen med DRG 361O)"),
    ("day_births", "002", 746, "komplikasjoner finansieres likt i ISF fra 2026."),
    ("day_surgery_59N_60O", "000", 850, "DRG 59N Operasjoner pa tonsiller eller adenoidvev"),
]


@pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason="../shared/seeds not present")
@pytest.mark.parametrize(("fact", "seed", "line", "quote"), FACTS, ids=[f[0] for f in FACTS])
def test_fact_quotes_its_seed_line(fact: str, seed: str, line: int, quote: str) -> None:
    assert quote_on_line(seed, line, quote), fact


def test_isf_shares_and_ambulant_weights_per_year() -> None:
    share = {y: load_params(y).decimal("somatikk", "isf_andel") for y in range(2018, 2027)}
    assert share == {2018: D("0.50"), 2019: D("0.50"), 2020: D("0.50"), 2021: D("0.50"), 2022: D("0.50"),
                     2023: D("0.40"), 2024: D("0.40"), 2025: D("0.30"), 2026: D("0.30")}
    assert all(load_params(y).decimal("phv_tsb", "isf_andel") == D("0.25") for y in (2023, 2024, 2025, 2026))
    for y in (2018, 2019, 2020, 2021):
        p = load_params(y)
        assert (p.decimal("somatikk", "ambulant_vekt"), p.decimal("phv_tsb", "ambulant_vekt")) == (D("0.014"), D("0.112"))
    p = load_params(2022)
    assert (p.decimal("somatikk", "ambulant_vekt"), p.decimal("phv_tsb", "ambulant_vekt")) == (D("0.019"), D("0.137"))
    for y in range(2018, 2027):
        assert load_params(y).get("phv_tsb", "isf_omsorgsniva") == (3, 8)  # outpatient PHV/TSB only
    assert load_params(2026).decimal("alle", "egenandel_put_maks_alder") == 30


def test_the_980_deduction_drgs_and_size_are_user_parameters() -> None:
    """[002] 858 «kun ... i noen tilfeller»: nothing official is shipped; the DEMO values say DEMO."""
    for y in (2022, 2023, 2024, 2025):
        assert not load_params(y).has("alle", "trekk_drg") and not load_params(y).has("alle", "trekk_andel")
        demo = load_params(y, demo=True)
        assert demo.param("alle", "trekk_drg").demo and demo.param("alle", "trekk_andel").demo


@pytest.mark.parametrize("year", [2022, 2023, 2024, 2025, 2026])
def test_financing_in_the_demo_lists_follows_the_seeds(year: int) -> None:
    w = load_weights("demo", year=year)

    def financed(code: str, kind: str) -> bool | None:
        e = w.get(code, kind)
        return None if e is None else e.isf

    assert financed("XS08", "STG") and financed("HT05", "TFG") and financed("HT06", "TFG")
    assert financed("HT02", "TFG") is None and financed("HT03", "TFG") is None
    if year == 2022:
        assert financed("XS80", "STG") is financed("XS81", "STG") is financed("XS82", "STG") is False
    if year >= 2024:
        assert financed("T30", "TFG") is False
    assert financed("BT01", "TFG") is (True if year >= 2026 else None)
    if year == 2026:
        assert financed("AS04", "STG") is financed("DS04", "STG") is False
        assert w.get("NBP", "STG").vekt == D("0.178")
    drgs = {e.drg for e in w.entries if e.type == "DRG"}
    assert not drgs & {"209D", "209E", "993O", "995O"}
    assert {"209S", "209T", "209U", "209V", "412A", "853X", "TD99L", "TD11A"} <= drgs


@pytest.mark.parametrize("year", [2022, 2023, 2024, 2025, 2026])
def test_day_surgery_weights(year: int) -> None:
    """Up to 2025 59N and 60O share one weight ([000] 850); from 2026 ([002] 730-746) 112P = 112B,
    361O = 361, day births 373O = 373, and 60O / 530O get the mean of their inpatient DRGs."""
    w = {e.drg: e for e in load_weights("demo", year=year).entries if e.type == "DRG"}
    v = {d: w[d].vekt for d in ("59N", "60N", "60O", "112B", "112P", "530", "531", "530O", "361", "361O", "373", "373O")}
    assert v["60O"] == v["59N"] if year < 2026 else v["60O"] == ((v["59N"] + v["60N"]) / 2).quantize(D("0.001"))
    same = [("112P", "112B"), ("361O", "361"), ("373O", "373")]
    assert all((v[a] == v[b]) == (year >= 2026) for a, b in same)
    if year >= 2026:
        assert v["530O"] == ((v["530"] + v["531"]) / 2).quantize(D("0.001"))
        assert all(w[d].dagkirurgi for d in ("60N", "59N", "60O", "112B", "112P", "530", "531", "530O", "361", "361O"))
