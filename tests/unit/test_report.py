"""isf report from a small hand-made units table and context.

SOURCE of expected values: the units below, summed by hand. Counting units: Helse Nord
somatikk DRG 1.2 + TFG BT01 3.2 = 4.4 points, 54 000.00 + 48 000.00 = 102 000.00 kr; Helse Vest
somatikk DRG 0.5 (22 500.00) and phv STG ACT 0.3 (300.00); the non-counting 802U unit is 0.
Headline: 4.4 + 0.5 + 0.3 = 5.2 points, 102 000 + 22 500 + 300 = 124 800.00 kr.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from isf.cli.report import report_command
from isf.reports import build_report, summarise
from isf.reports.html import fmt_number

D = pl.Decimal(38, 4)
K = pl.Decimal(38, 2)


@pytest.fixture
def units() -> pl.DataFrame:
    return pl.DataFrame({
        "type": ["DRG", "TFG", "DRG", "STG", "DRG"],
        "gruppe": ["122", "BT01", "183", "ACT", "802U"],
        "kontakt_id": [1, 2, 3, 4, 2],
        "antall_kontakter": [1, 2, 1, 1, 1],
        "aar": [2026] * 5, "tertial": [1, 1, 2, 3, 1],
        "sektor": ["somatikk", "somatikk", "somatikk", "phv", "somatikk"],
        "bo_rhf": ["Helse Nord", "Helse Nord", "Helse Vest", "Helse Vest", "Helse Nord"],
        "bo_hf": ["UNN HF", "UNN HF", "Helse Bergen HF", "Helse Bergen HF", "UNN HF"],
        "beh_rhf": ["Helse Nord", "Helse Nord", "Helse Vest", "Helse Vest", "Helse Nord"],
        "beh_hf": ["UNN HF", "UNN HF", "Helse Bergen HF", "Helse Bergen HF", "UNN HF"],
        "mdc": ["05", None, "06", None, "02"],
        "poeng_langligger": [Decimal("0.2"), Decimal(0), Decimal(0), Decimal(0), Decimal(0)],
        "isf_poeng": [Decimal("1.2"), Decimal("3.2"), Decimal("0.5"), Decimal("0.3"), Decimal(0)],
        "isf_kroner": [Decimal(54000), Decimal(48000), Decimal(22500), Decimal(300), Decimal(0)],
        "isf_tellende": [True, True, True, True, False],
        "isf_arsak": [None, None, None, None, "finansiert gjennom TFG BT01"],
        "isf_regel": [None, None, None, None, "tfg_overtatt"],
    }, schema_overrides={"poeng_langligger": D, "isf_poeng": D, "isf_kroner": K})


CONTEXT = {
    "kommando": "isf run", "aar": 2026, "logikk": {"id": "DEMO", "checksum": "abc123def456aaaa", "merknad": ""},
    "stg_tfg": {"kilde": "isf demo definitions 2026", "checksum": "f00"},
    "vektlister": [{"fil": "isf/data/weights/demo_2026.csv", "typer": ["DRG"], "demo": True}],
    "parametre": [{"navn": "somatikk.enhetspris", "verdi": "56800", "kilde": "DEMO: invented", "demo": True},
                  {"navn": "somatikk.isf_andel", "verdi": "0.30", "kilde": "seeds/002", "demo": False}],
    "demo": {"parametre": ["somatikk.enhetspris"], "vektlister": ["isf/data/weights/demo_2026.csv"],
             "syntetisk_aktivitet": False},
    "rader_inn": 5, "rader_med_feil": 0, "mangler_vekt": [], "totalt": {},
}


def test_summary_sums_by_hand(units):
    rep = summarise(units, context=CONTEXT)
    assert rep.totals["enheter"] == 4
    assert rep.totals["isf_poeng"] == Decimal("5.2") and rep.totals["isf_kroner"] == Decimal(124800)
    sf = {(r["bo_rhf"], r["sektor"]): r for r in rep.tables["sorge_for_rhf"].iter_rows(named=True)}
    assert sf[("Helse Nord", "somatikk")]["isf_poeng"] == Decimal("4.4")  # DRG + TFG BT01
    assert sf[("Helse Nord", "somatikk")]["isf_kroner"] == Decimal(102000)
    assert sf[("Helse Vest", "phv")]["isf_kroner"] == Decimal(300)
    assert rep.tables["sorge_for_rhf"]["bo_rhf"].to_list()[0] == "Helse Nord"  # directorate order: Nord before Vest
    for name in ("sorge_for_rhf", "sorge_for_hf", "per_rhf", "per_hf", "per_tertial", "per_mdc", "top_grupper",
                 "stg_tfg", "per_sektor"):
        assert "sektor" in rep.tables[name].columns, name  # sector split in every table
    assert rep.tables["ikke_tellende"]["isf_regel"].to_list() == ["tfg_overtatt"]


def test_html_context_first_sorge_for_before_treating_headline_exact(units, tmp_path):
    eff = pl.DataFrame({"hf": ["OUS", "Ahus", "UNN"], "endring_kroner": [-120000.0, 40000.0, 80000.0]})
    out = build_report(units, out=tmp_path / "r" / "report.html", context=CONTEXT, effects=eff, title="Test <rapport>")
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "<title>Test &lt;rapport&gt;</title>" in html
    assert "<script" not in html and not re.search(r'(src|href)="https?://', html)
    assert html.index("Grunnlag") < html.index("Sørge for: per pasientens bo-RHF") < html.index("Behandlende RHF")
    assert 'data-testid="headline-kroner" data-value="124800.00"' in html
    assert "124\u00a0800,00\u00a0kr" in html
    assert "DEMO: parametre somatikk.enhetspris" in html and "abc123def456aaaa" in html
    assert html.count("<svg") >= 7  # sørge-for, RHF, HF, tertial, MDC, groups, effects
    assert 'role="img"' in html and "<desc>" in html
    assert "-120\u00a0000\u00a0kr" in html and "+80\u00a0000\u00a0kr" in html


def test_points_like_frame_without_context_still_renders(tmp_path):
    df = pl.DataFrame({"drg": ["122", "122"], "isf_poeng": [1.0, 2.0]})
    rep = summarise(df)
    assert "top_grupper" in rep.tables and "per_rhf" not in rep.tables
    assert any("beh_rhf" in n for n in rep.notes) and any("bo_rhf" in n for n in rep.notes)
    html = build_report(df, out=tmp_path / "x.html").read_text(encoding="utf-8")
    assert "Merknader" in html and "kontekst.json" in html


def test_fmt_number():
    assert fmt_number(1234567.891, 2) == "1\u00a0234\u00a0567,89"  # isf.formatting, no-break spaces
    assert fmt_number(Decimal("-5.5"), 1) == "-5,5"
    assert fmt_number(None) == "–"


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command("report")(report_command)
    app.command("noop")(lambda: None)
    return app


def test_report_command_reads_run_folder(units, tmp_path: Path):
    import json

    run = tmp_path / "run"
    run.mkdir()
    units.write_parquet(run / "enheter.parquet")
    (run / "kontekst.json").write_text(json.dumps(CONTEXT), encoding="utf-8")
    pl.DataFrame({"hf": ["OUS"], "endring_poeng": [1.5]}).write_csv(run / "effects.csv")
    out = tmp_path / "report.html"
    res = CliRunner().invoke(_cli(), ["report", str(run), "--out", str(out)])
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    assert "Helse Nord" in html and "endring_poeng" in html and "DEMO" in html


def test_report_command_errors(tmp_path: Path):
    res = CliRunner().invoke(_cli(), ["report", str(tmp_path), "--out", str(tmp_path / "r.html")])
    assert res.exit_code != 0 and "enheter.parquet" in res.output
    res = CliRunner().invoke(_cli(), ["report", str(tmp_path / "nope")])
    assert res.exit_code != 0


# --- issue 13: every number says what it is ------------------------------------------------------
def _text(html: str) -> str:
    """The report's visible text (tags dropped, no-break spaces as spaces)."""
    return re.sub(r"<[^>]+>", " ", html).replace("\u00a0", " ")


def test_year_is_printed_2026_not_2_026_and_counts_are_whole(units, tmp_path):
    # issue 13: 'Year printed "2 025"'; STG/TFG 'counts like "95,0"'
    html = build_report(units, out=tmp_path / "r.html", context=CONTEXT).read_text(encoding="utf-8")
    cells = re.findall(r'<td class="num">([^<]*)</td>', html)
    assert "2026" in cells and "2\u00a0026" not in html and "2 026" not in _text(html)
    stg = html[html.index("Særtjenestegrupper"):]
    stg = stg[:stg.index("</table>")]
    assert "Antall" not in stg  # no column that is always 1
    assert re.search(r"<td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">2</td>", stg)  # TFG: 1 unit, counts, 2 contacts


def test_tertial_chart_names_the_spill_over_year(units, tmp_path):
    # issue 13: 'the tertial chart reads T1 T2 T3 T1 (the spill-over year unnamed)'
    spill = units.with_columns(aar=pl.Series([2026, 2026, 2026, 2027, 2026]))
    html = build_report(spill, out=tmp_path / "r.html").read_text(encoding="utf-8")
    desc = re.search(r"<title>ISF-poeng per tertial</title><desc>([^<]*)</desc>", html).group(1)
    assert desc.startswith("T1 2026:") and "T3 2027:" in desc
    labels = re.findall(r">(T[123] 20\d\d)<", html)
    assert labels == ["T1 2026", "T2 2026", "T3 2027"]


def test_notes_print_numbers_norwegian_style(tmp_path):
    # issue 13: 'notes print "43195 av 1000000"'
    n = 1_000_000
    df = pl.DataFrame({"drg": ["122"] * n, "isf_poeng": [1.0] * n,
                       "isf_tellende": [True] * (n - 43_195) + [False] * 43_195})
    rep = summarise(df)
    assert any(note.startswith("43 195 av 1 000 000 enheter") for note in rep.notes), rep.notes


def test_drg_mdc_and_group_names_where_known(units, tmp_path):
    # issue 13: 'no DRG or MDC names'
    names = {("DRG", "122"): "Akutt hjerteinfarkt u/kompl", ("MDC", "05"): "Sirkulasjonsorganene",
             ("TFG", "BT01"): "Behandlingsforløp"}
    rep = summarise(units, names=names)
    top = {r["gruppe"]: r["navn"] for r in rep.tables["top_grupper"].iter_rows(named=True)}
    assert top["122"] == "Akutt hjerteinfarkt u/kompl" and top["183"] == "" and top["BT01"] == "Behandlingsforløp"
    mdc = {r["mdc"]: r["navn"] for r in rep.tables["per_mdc"].iter_rows(named=True)}
    assert mdc["05"] == "Sirkulasjonsorganene" and mdc["06"] == ""
    assert rep.tables["per_mdc"].columns[:2] == ["mdc", "navn"]
    assert "navn" not in summarise(units).tables["per_mdc"].columns  # no names known: no empty column


def test_report_names_from_the_demo_logic_and_weights():
    from isf.definitions import load_logic
    from isf.reports.html import report_names
    from isf.weights.weightlist import load_weight_lists

    names = report_names(load_logic("demo"), load_weight_lists(["demo"], year=2026))
    assert names[("DRG", "122")] == load_logic("demo").drg_name("122") != ""
    assert names[("TFG", "BT01")]


def test_headline_kroner_say_demo(units, tmp_path):
    # issue 13: 'kroner are never marked as demo in the summary'
    html = build_report(units, out=tmp_path / "r.html", context=CONTEXT).read_text(encoding="utf-8")
    assert "Kroner (DRG + STG + TFG) – DEMO" in html


@pytest.mark.slow
def test_report_command_adds_the_rbf_section(units, tmp_path: Path):
    import json

    from isf.rbf.run import run_rbf

    run = tmp_path / "run"
    run.mkdir()
    units.write_parquet(run / "enheter.parquet")
    (run / "kontekst.json").write_text(json.dumps(CONTEXT), encoding="utf-8")
    run_rbf(year=2026, out_dir=run / "rbf", rows=3000, seed=2)
    out = tmp_path / "report.html"
    res = CliRunner().invoke(_cli(), ["report", str(run), "--out", str(out)])
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    assert 'id="rbf"' in html and "Resultatbasert finansiering (RBF) 2026" in html and "DEMO" in html
    assert html.index("Sørge for") < html.index('id="rbf"')
    from isf.cli import app

    bad = CliRunner().invoke(app, ["report", str(run), "--out", str(out), "--rbf", str(tmp_path)])
    assert bad.exit_code == 2 and "is not an `isf rbf` output folder" in bad.output


def test_effects_of_isf_effects_chart_the_rhf_rows_and_say_they_are_not_run_totals(units, tmp_path):
    # issue 13: 'the effects total differs from the run total without a word about why'
    eff = pl.DataFrame({
        "sektor": ["Somatikk"] * 5, "nivaa": ["RHF", "RHF", "RHF", "HF", "HF"],
        "navn": ["Helse Nord", "Helse Vest", "TOTALT", "UNN HF", "TOTALT"],
        "poeng_gammel": [10.0, 20.0, 30.0, 10.0, 10.0], "poeng_ny": [11.0, 19.0, 30.0, 11.0, 11.0],
        "endring": [1.0, -1.0, 0.0, 1.0, 1.0], "endring_pst": [10.0, -5.0, 0.0, 10.0, 10.0],
    })
    html = build_report(units, out=tmp_path / "r.html", effects=eff).read_text(encoding="utf-8")
    desc = re.search(r"<title>Endring i poeng per RHF \(sørge for\)</title><desc>([^<]*)</desc>", html).group(1)
    assert desc.replace("\u00a0", " ") == "Helse Nord (Somatikk): +1,000; Helse Vest (Somatikk): -1,000"  # no TOTALT, no HF
    assert "summene er derfor ikke oppgjørets poeng" in html
