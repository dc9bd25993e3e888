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
    assert "124\u202f800,00 kr" in html
    assert "DEMO: parametre somatikk.enhetspris" in html and "abc123def456aaaa" in html
    assert html.count("<svg") >= 7  # sørge-for, RHF, HF, tertial, MDC, groups, effects
    assert 'role="img"' in html and "<desc>" in html
    assert "-120\u202f000 kr" in html and "+80\u202f000 kr" in html


def test_points_like_frame_without_context_still_renders(tmp_path):
    df = pl.DataFrame({"drg": ["122", "122"], "isf_poeng": [1.0, 2.0]})
    rep = summarise(df)
    assert "top_grupper" in rep.tables and "per_rhf" not in rep.tables
    assert any("beh_rhf" in n for n in rep.notes) and any("bo_rhf" in n for n in rep.notes)
    html = build_report(df, out=tmp_path / "x.html").read_text(encoding="utf-8")
    assert "Merknader" in html and "kontekst.json" in html


def test_fmt_number():
    assert fmt_number(1234567.891, 2) == "1\u202f234\u202f567,89"
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
