"""RBF definitions: the bundled years carry the seeds' values; corrupt files fail naming table and row."""

from __future__ import annotations

import ast
import re
from decimal import Decimal
from pathlib import Path

import pytest

from isf.definitions import DefinitionError
from isf.errors import IsfError
from isf.rbf import available_years, load_rbf, parse_rbf

ROOT = Path(__file__).resolve().parents[2]
TOML_2026 = (ROOT / "src" / "isf" / "data" / "rbf" / "2026.toml").read_text(encoding="utf-8")

# SOURCE: [002] l.1431-1449 «Indikatornavn Måltall Vekt Poeng», quoted row by row.
SEED_2026 = {
    "video_telefon": ("Video- og telefonkonsultasjoner", "15 %", "20,0 %", "20 000", "NPR"),
    "samarbeid_phv_tsb": ("Samarbeidsaktiviteter (PHV/TSB)", "25 %", "20,0 %", "20 000", "NPR"),
    "samarbeid_somatikk": ("Samarbeidsaktiviteter (Somatikk)", "1 %", "7,0 %", "7 000", "NPR"),
    "team_act": ("Teambasert oppfølging (ACT- og FACT-team)", "2 %", "7,5 %", "7 500", "NPR"),
    "team_somatikk": ("Teambasert oppfølging (Somatikk)", "1 %", "3,0 %", "3 000", "NPR"),
    "digital_skjema": ("Digital skjemabasert pasientoppfølging og monitorering", "1 %", "7,5 %", "7 500", "NPR"),
    "nettbasert_program": ("Gjennomført nettbasert behandlingsprogram", "1 %", "7,5 %", "7 500", "NPR"),
    "digital_hjemme": ("Digital hjemmeoppfølging av pasienter via medisinsk utstyr", "2 %", "7,5 %", "7 500", "NPR"),
    "epikriser_1_dag": ("Andel epikriser sendt innen 1 dag", "70 %", "20,0 %", "20 000", "NKI"),
}


def _pct(text: str) -> Decimal:
    return Decimal(text.rstrip(" %").replace(",", ".")) / 100


def test_bundled_years():
    assert available_years() == (2024, 2025, 2026)
    for year in available_years():
        defs = load_rbf(year)
        assert defs.aar == year and defs.dataaar == year - 1
        assert len(defs.indicators) == 9  # [001] l.781 «Totalt er det 9 indikatorer»; [000] chart; [002] table
        assert sum(i.vekt for i in defs.indicators) == 1
        assert sum(i.poeng for i in defs.indicators) == defs.poeng_total == 100_000
        assert defs.region_names == ("Helse Midt-Norge", "Helse Nord", "Helse Sør-Øst", "Helse Vest")


def test_2026_table_is_the_seed_table():
    defs = load_rbf(2026)
    assert [i.id for i in defs.indicators] == list(SEED_2026)
    for ind in defs.indicators:
        navn, maltall, vekt, poeng, kilde = SEED_2026[ind.id]
        assert (ind.navn, ind.maltall, ind.vekt, ind.poeng, ind.kilde) == (
            navn, _pct(maltall), _pct(vekt), int(poeng.replace(" ", "")), kilde)
        assert "maltall" not in ind.demo and "vekt" not in ind.demo
    assert defs.model.pott_kroner == Decimal("693100000.00")  # [002] l.1461 «693,1 millioner kroner»
    # [002] l.1476-1482: basis amounts 98,4 / 83,6 / 378,0 / 133,2
    assert [r.basis for r in defs.regions] == [Decimal("98.4"), Decimal("83.6"), Decimal("378.0"), Decimal("133.2")]


def test_2025_weights_follow_the_2026_changes():
    # [002] l.1419-1425: video 24 -> 20 %, discharge summaries 24 -> 20 %, form-based 4 -> 7(,5) %,
    # home follow-up 3 -> 7(,5) %; the other five unchanged (inferred, marked `valg`).
    w25 = {i.id: i.vekt for i in load_rbf(2025).indicators}
    w26 = {i.id: i.vekt for i in load_rbf(2026).indicators}
    changed = {"video_telefon": "0.24", "epikriser_1_dag": "0.24", "digital_skjema": "0.04", "digital_hjemme": "0.03"}
    for k, v in w25.items():
        assert v == (Decimal(changed[k]) if k in changed else w26[k])
    assert load_rbf(2025).model.pott_kroner == Decimal("671600000.00")  # [000] l.1293 «671,6 millioner kroner»
    unchanged = [i for i in load_rbf(2025).indicators if i.id not in changed]
    assert all("vekt" in i.valg for i in unchanged)


def test_values_the_seeds_do_not_give_are_demo():
    d24, d25, d26 = (load_rbf(y) for y in (2024, 2025, 2026))
    assert "fordeling.pott_kroner" in d24.demo_labels() and "fordeling.pott_kroner" not in d26.demo_labels()
    assert all("maltall" in i.demo and "vekt" in i.demo for i in d24.indicators)
    assert all("maltall" in i.demo for i in d25.indicators)
    assert all(r.demo == ("basis",) for r in d25.regions) and all(r.demo == () for r in d26.regions)
    assert "teller" in d26.indicator("team_somatikk").demo  # no code in the seeds
    for label in ("metode", "rangpoeng", "maltall_topp", "plassering_andel"):
        assert f"fordeling.{label}" in d26.demo_labels()


def test_seed_text_weights_conflict_with_the_table():
    # [002] l.1421-1425 says 7 % for form-based and home follow-up; the table (l.1443, l.1447)
    # says 7,5 %. With the text's 7 % the nine weights sum to 99 %: the table is the basis.
    text = TOML_2026
    for ind in ("digital_skjema", "digital_hjemme"):
        block = re.search(rf'id = "{ind}"(.*?)\n\n', text, re.DOTALL)
        assert block is not None
        text = text.replace(block.group(0), block.group(0).replace('vekt = "0.075"', 'vekt = "0.070"')
                            .replace("poeng = 7500", "poeng = 7000"))
    with pytest.raises(DefinitionError, match="weights sum to 99"):
        parse_rbf(text, source="2026-text.toml")


def _corrupt(old: str, new: str) -> str:
    assert old in TOML_2026, old
    return TOML_2026.replace(old, new, 1)


@pytest.mark.parametrize(("old", "new", "table", "row", "reason"), [
    ('maltall = "0.15"', 'maltall = "15"', "indikator", 1, "share"),
    ('poeng = 20000\nsitat = "[002] l.1433', 'poeng = 2000\nsitat = "[002] l.1433', "indikator", 1, "poeng"),
    ('kilde = "NKI"', 'kilde = "SSB"', "indikator", 9, "kilde"),
    ('id = "team_act"', 'id = "video_telefon"', "indikator", 4, "twice"),
    ('nevner = { telling = "kontakter"', 'nevner = { telling = "rader"', "indikator", 1, "telling"),
    ('teller = { prosedyrer = ["WMGA28"] }', 'teller = { }', "indikator", 6, "restrict"),
    ('teller = { prosedyrer = ["WMGA28"] }', 'teller = { prosedyrer = ["WMGA28"], farge = 1 }', "indikator", 6, "farge"),
    ('omsorgsniva = [3] }\n\n[[indikator]]\nid = "nettbasert', 'omsorgsniva = [4] }\n\n[[indikator]]\nid = "nettbasert',
     "indikator", 6, "omsorgsniva"),
    ('basis = "83.6"', 'basis = "-83.6"', "rhf", 2, "basis"),
    ('rangpoeng = ["4", "3", "2", "1"]', 'rangpoeng = ["4", "3", "2"]', "fordeling", None, "rangpoeng"),
    ('rangpoeng = ["4", "3", "2", "1"]', 'rangpoeng = ["1", "2", "3", "4"]', "fordeling", None, "non-increasing"),
    ('kompletthet_andel = "0.05"', 'kompletthet_andel = "0.10"', "fordeling", None, "must be 1"),
    ('metode = "rang"', 'metode = "lotteri"', "fordeling", None, "metode"),
    ('pott_kroner = "693100000.00"', 'pott_kroner = "693100000.001"', "fordeling", None, "decimals"),
    ("dataaar = 2025", "dataaar = 2027", "top", None, "dataaar"),
    ('navn = "Helse Vest"', 'navn = "Helse Nord"', "rhf", None, "twice"),
])
def test_corrupt_definitions_name_file_table_and_row(old, new, table, row, reason):
    with pytest.raises(DefinitionError) as exc:
        parse_rbf(_corrupt(old, new), source="bad.toml")
    e = exc.value
    assert isinstance(e, IsfError)
    assert (e.file, e.table, e.row) == ("bad.toml", table, row)
    assert reason in e.reason


def test_unknown_year_and_bad_toml():
    with pytest.raises(DefinitionError, match="known years: 2024, 2025, 2026"):
        load_rbf(2019)
    with pytest.raises(DefinitionError) as exc:
        parse_rbf("aar = [", source="x.toml")
    assert exc.value.table == "toml"


def test_register_indicator_takes_no_numerator():
    bad = _corrupt('sitat = "[002] l.1449', 'teller = { prosedyrer = ["X"] }\nsitat = "[002] l.1449')
    with pytest.raises(DefinitionError, match="registers table"):
        parse_rbf(bad)


@pytest.mark.parametrize("module", ["definitions.py", "distribution.py", "reconcile.py"])
def test_model_modules_are_pure(module):
    tree = ast.parse((ROOT / "src" / "isf" / "rbf" / module).read_text(encoding="utf-8"))
    imported = {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not imported & {"os", "io", "pathlib", "logging", "time", "datetime", "random", "typer", "rich", "sys"}
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert not calls & {"open", "print", "input"}


def test_indicator_table_reprints_the_seed_table_line_by_line(tmp_path):
    """The 2026 indicator table in the seed's layout equals [002] l.1433-1451 as printed."""
    from isf.rbf.output import definition_rows
    from isf.rbf.run import run_rbf

    seed = next((ROOT.parent / "shared" / "seeds").glob("002_*.txt")).read_text(encoding="utf-8").splitlines()
    res = run_rbf(year=2026, out_dir=tmp_path, rows=500, period="T1")
    rows = definition_rows(res.tables["indikatorer"])
    printed = [" ".join(c for c in r[:4] if c).replace("\u202f", " ") for r in rows[1:]]
    expected = [seed[n - 1].strip() for n in range(1433, 1450, 2)] + ["100 % 100 000"]
    assert printed[:-1] == expected[:-1]
    assert printed[-1] == "Sum 100,0 % 100 000" and seed[1450].strip() == expected[-1]
