"""isf report from a small hand-made points table.

SOURCE of expected values: the DataFrame below, summed by hand (Helse Sør-Øst 1.2 + 0.5 =
1.7 points, 54 000 + 22 500 = 76 500 kr; the non-counting row is left out).
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from isf.reports import build_report, summarise
from isf.cli.report import report_command
from isf.reports.html import fmt_number


@pytest.fixture
def points() -> pl.DataFrame:
    return pl.DataFrame({
        "kontakt_id": [1, 2, 3, 4, 5, 6],
        "beh_rhf": ["Helse Sør-Øst", "Helse Sør-Øst", "Helse Vest", "Helse Nord", "Helse Midt-Norge", "Helse Vest"],
        "beh_hf": ["OUS", "Ahus", "Helse Bergen", "UNN", "St. Olavs", "Helse Bergen"],
        "aar": [2025] * 6,
        "tertial": [1, 2, 1, 3, 2, 1],
        "mdc": ["05", "06", "05", "08", "01", None],
        "drg": ["122", "183", "122", "209E", "14A", "470"],
        "isf_poeng": [1.2, 0.5, 1.1, 3.0, 2.2, 0.0],
        "poeng_langligger": [0.0, 0.0, 0.3, 0.0, 0.0, 0.0],
        "isf_kroner": [Decimal("54000.00"), Decimal("22500.00"), Decimal("49500.00"), Decimal("135000.00"),
                       Decimal("99000.00"), Decimal("0.00")],
        "isf_tellende": [True, True, True, True, True, False],
    })


def test_summary_sums_by_hand(points):
    rep = summarise(points)
    assert rep.totals["rader"] == 5
    assert rep.totals["isf_poeng"] == pytest.approx(8.0)
    assert rep.totals["isf_kroner"] == Decimal("360000.00")
    rhf = {r["beh_rhf"]: r for r in rep.tables["per_rhf"].iter_rows(named=True)}
    assert rhf["Helse Sør-Øst"]["isf_poeng"] == pytest.approx(1.7)
    assert rhf["Helse Sør-Øst"]["isf_kroner"] == Decimal("76500.00")
    assert rhf["Helse Vest"]["antall"] == 1  # the non-counting 470 row is excluded
    assert rep.tables["per_rhf"]["beh_rhf"][0] == "Helse Nord"  # sorted by points
    tert = {r["tertial"]: r["isf_poeng"] for r in rep.tables["per_tertial"].iter_rows(named=True)}
    assert tert == pytest.approx({1: 2.3, 2: 2.7, 3: 3.0})
    assert rep.totals["langliggere"] == 1 and rep.totals["andel_langliggere"] == pytest.approx(0.2)
    assert rep.totals["andel_poeng_langligger"] == pytest.approx(0.3 / 8.0)
    assert rep.tables["top_drg"]["drg"].to_list()[:2] == ["209E", "122"]
    assert any("1 av 6 rader" in n for n in rep.notes)


def test_html_is_single_offline_file(points, tmp_path):
    eff = pl.DataFrame({"hf": ["OUS", "Ahus", "UNN"], "endring_kroner": [-120000.0, 40000.0, 80000.0]})
    stg = pl.DataFrame({"stg_tfg": ["XS08", "XS08", "HT05"], "isf_poeng": [0.1, 0.2, 1.5]})
    out = build_report(points, out=tmp_path / "r" / "report.html", stg_tfg=stg, effects=eff, title="Test <rapport>")
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "<title>Test &lt;rapport&gt;</title>" in html
    assert "<script" not in html and not re.search(r'(src|href)="https?://', html)
    assert html.count("<svg") >= 6  # RHF, HF, tertial, MDC, DRG, effects
    assert 'role="img"' in html and "<desc>" in html
    assert "76\u202f500" in html  # Helse Sør-Øst kroner, Norwegian format
    assert "XS08" in html and "Omfordelingseffekter" in html
    assert "-120\u202f000 kr" in html and "+80\u202f000 kr" in html


def test_missing_columns_become_notes(tmp_path):
    df = pl.DataFrame({"drg": ["122", "122"], "isf_poeng": [1.0, 2.0]})
    rep = summarise(df)
    assert "top_drg" in rep.tables and "per_rhf" not in rep.tables
    assert any("beh_rhf" in n for n in rep.notes)
    html = build_report(df, out=tmp_path / "x.html").read_text(encoding="utf-8")
    assert "Merknader" in html


def test_fmt_number():
    assert fmt_number(1234567.891, 2) == "1\u202f234\u202f567,89"
    assert fmt_number(Decimal("-5.5"), 1) == "-5,5"
    assert fmt_number(None) == "–"


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command("report")(report_command)
    app.command("noop")(lambda: None)
    return app


def test_report_command_reads_run_folder(points, tmp_path: Path):
    run = tmp_path / "run"
    run.mkdir()
    points.write_parquet(run / "points.parquet")
    pl.DataFrame({"hf": ["OUS"], "endring_poeng": [1.5]}).write_csv(run / "effects.csv")
    out = tmp_path / "report.html"
    res = CliRunner().invoke(_cli(), ["report", str(run), "--out", str(out)])
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    assert "Helse Sør-Øst" in html and "endring_poeng" in html


def test_report_command_errors(tmp_path: Path):
    res = CliRunner().invoke(_cli(), ["report", str(tmp_path), "--out", str(tmp_path / "r.html")])
    assert res.exit_code != 0 and "points.parquet" in res.output
    res = CliRunner().invoke(_cli(), ["report", str(tmp_path / "nope")])
    assert res.exit_code != 0
