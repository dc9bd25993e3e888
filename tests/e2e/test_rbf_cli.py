"""End to end: `isf rbf` on the DEMO data and on a user's activity (preliminary T1 run, final year
run, settlement), its failures (exit 2 with the full list), and the report section."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from isf.cli import app
from isf.errors import InputError
from isf.rbf.output import fmt_mnok
from isf.reports.rbf import rbf_section

runner = CliRunner()
REGIONS = ["Helse Midt-Norge", "Helse Nord", "Helse Sør-Øst", "Helse Vest"]
POOL = Decimal("693100000.00")  # [002] l.1461


def _kroner(df: pl.DataFrame, col: str) -> dict[str, Decimal]:
    return {r: Decimal(k) for r, k in zip(df["rhf"].to_list(), df[col].to_list())}


def test_demo_run_writes_tables_charts_and_a_summary(tmp_path: Path):
    out = tmp_path / "rbf"
    res = runner.invoke(app, ["rbf", "--rows", "6000", "--seed", "2", "--out", str(out)])
    assert res.exit_code == 0, res.output
    text = res.output
    assert "RBF 2026" in text and "Pott: 693,1 MNOK" in text and "DEMO-data" in text
    assert "6\u202f000 inn = 6\u202f000 ut" in text
    assert "DEMO:" in text and "fordeling.rangpoeng" in text
    for name in ("indikatorer", "fordeling", "avregning"):
        assert (out / f"{name}.parquet").is_file() and (out / f"{name}.csv").is_file()
    for name in ("fordeling.svg", "maloppnaelse.svg", "avregning.svg", "rader.parquet", "sammendrag.json"):
        assert (out / name).is_file()
    fordeling = pl.read_parquet(out / "fordeling.parquet")
    assert fordeling["rhf"].to_list() == REGIONS
    rbf = _kroner(fordeling, "rbf_kroner")
    assert sum(rbf.values()) == POOL == sum(_kroner(fordeling, "basis_kroner").values())
    for r, k in rbf.items():  # the printed table is the file's numbers
        assert f"{r}" in text and fmt_mnok(k) in text
    csv = pl.read_csv(out / "fordeling.csv")
    assert [Decimal(str(v)) for v in csv["rbf_kroner"].to_list()] == list(rbf.values())
    avregning = pl.read_parquet(out / "avregning.parquet")
    assert sum(_kroner(avregning, "endring_kroner").values()) == 0
    assert _kroner(avregning, "endelig_kroner") == rbf
    rows = pl.read_parquet(out / "rader.parquet")
    assert rows.height == 6000 and rows["kontakt_id"].to_list() == list(range(1, 6001))
    ind = pl.read_parquet(out / "indikatorer.parquet")
    assert ind.height == 9 * 4 and ind["demo"].str.contains("data").all()
    summary = json.loads((out / "sammendrag.json").read_text(encoding="utf-8"))
    assert summary["demo_data"] and summary["rader_inn"] == summary["rader_ut"] == 6000
    assert sum(summary["rader_status"].values()) == 6000
    assert "<title>" in (out / "maloppnaelse.svg").read_text(encoding="utf-8")


def _registers(path: Path, regions: list[str]) -> Path:
    shares = dict(zip(REGIONS, (705, 621, 684, 714)))  # [002] l.1493-1511: discharge summaries, per mille
    rows = ["indikator,bo_rhf,teller,nevner"] + [f"epikriser_1_dag,{r} RHF,{shares[r]},1000" for r in regions]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
def test_user_activity_preliminary_final_and_settlement(tmp_path: Path):
    act = tmp_path / "act.parquet"
    res = runner.invoke(app, ["synth", "--rows", "5000", "--seed", "3", "--year", "2025", "--rbf", "-q", "--out", str(act)])
    assert res.exit_code == 0, res.output
    regs = _registers(tmp_path / "nki.csv", REGIONS)
    t1, year = tmp_path / "t1", tmp_path / "year"
    res = runner.invoke(app, ["rbf", "--activity", str(act), "--registers", str(regs), "--period", "T1", "--out", str(t1)])
    assert res.exit_code == 0, res.output
    assert "foreløpig fordeling på 1. tertial 2025" in res.output and "DEMO-data" not in res.output
    res = runner.invoke(app, ["rbf", "-a", str(act), "--registers", str(regs), "--period", "year",
                              "--preliminary", str(t1), "--out", str(year)])
    assert res.exit_code == 0, res.output
    assert "endelig fordeling på årsdata 2025" in res.output and "Avregning" in res.output
    pre = _kroner(pl.read_parquet(t1 / "fordeling.parquet"), "rbf_kroner")
    fin = _kroner(pl.read_parquet(year / "fordeling.parquet"), "rbf_kroner")
    settlement = pl.read_parquet(year / "avregning.parquet")
    assert _kroner(settlement, "endring_kroner") == {r: fin[r] - pre[r] for r in REGIONS}
    assert sum(pre.values()) == sum(fin.values()) == POOL
    ind = pl.read_parquet(year / "indikatorer.parquet").filter(pl.col("indikator") == "epikriser_1_dag")
    assert [Decimal(a) for a in ind["andel"].to_list()] == [Decimal("0.705"), Decimal("0.621"), Decimal("0.684"),
                                                              Decimal("0.714")]
    t1_rows = pl.read_parquet(t1 / "rader.parquet")
    assert t1_rows.height == 5000 and (t1_rows["status"] == "utenfor_periode").sum() > 2500
    # The report section shows the same numbers as the files.
    html = rbf_section(year)
    assert html.startswith('<section id="rbf"') and html.rstrip().endswith("</section>")
    assert "Avregning" in html and "Måloppnåelse" in html and html.count("<svg") >= 11
    for r in REGIONS:
        assert fmt_mnok(fin[r]) in html
    assert "<script" not in html


def test_missing_register_values_stop_the_run_with_the_full_list(tmp_path: Path):
    act = tmp_path / "act.csv"
    assert runner.invoke(app, ["synth", "--rows", "800", "--year", "2025", "--format", "csv", "--rbf", "-q",
                               "--out", str(act)]).exit_code == 0
    out = tmp_path / "out"
    res = runner.invoke(app, ["rbf", "--activity", str(act), "--out", str(out)])
    assert res.exit_code == 2
    assert "4 indicator result(s) missing" in res.output and all(r in res.output for r in REGIONS)
    res = runner.invoke(app, ["rbf", "-a", str(act), "--registers", str(_registers(tmp_path / "r.csv", REGIONS[:2])),
                              "--out", str(out)])
    assert res.exit_code == 2 and "2 indicator result(s) missing" in res.output
    res = runner.invoke(app, ["rbf", "-a", str(act), "--allow-missing", "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    ind = pl.read_parquet(out / "indikatorer.parquet").filter(pl.col("indikator") == "epikriser_1_dag")
    assert ind["andel"].is_null().all() and (ind["poeng"] == 0).all()


@pytest.mark.parametrize(("args", "message"), [
    (["--period", "T2"], "period"),
    (["--period", "T1", "--preliminary", "."], "--period aar"),
    (["--year", "2019"], "known years"),
    (["--activity", "nosuch.parquet"], "nosuch.parquet: input not found"),
])
def test_bad_options_exit_2(tmp_path: Path, args: list[str], message: str):
    res = runner.invoke(app, ["rbf", "--rows", "50", "--out", str(tmp_path / "o"), *args])
    assert res.exit_code == 2, res.output
    assert message in res.output


def test_bad_input_files_exit_2_naming_row_and_field(tmp_path: Path):
    act = tmp_path / "act.csv"
    act.write_text("kontakt_id,pasient_id,bo_rhf,inn_dato\n1,hemmelig-id,Helse Nord,2025-01-01\n", encoding="utf-8")
    res = runner.invoke(app, ["rbf", "-a", str(act), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2  # every missing column named at once
    assert all(f"column '{c}'" in res.output for c in ("omsorgsniva", "kontakt_type", "sektor", "prosedyrer"))
    regs = tmp_path / "bad.csv"
    regs.write_text("indikator,bo_rhf,teller,nevner\nepikriser_1_dag,Helse Nord,11,10\n", encoding="utf-8")
    res = runner.invoke(app, ["rbf", "--rows", "50", "--registers", str(regs), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "rad 1: teller er større enn nevner" in res.output
    assert "hemmelig" not in res.output
    res = runner.invoke(app, ["rbf", "--rows", "50", "--preliminary", str(tmp_path), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "not an `isf rbf` output folder" in res.output


def _own_definitions(tmp_path: Path, old: str, new: str) -> Path:
    """The bundled 2026 definitions with one text change, as a user's own file."""
    src = (Path(__file__).resolve().parents[2] / "src" / "isf" / "data" / "rbf" / "2026.toml").read_text(encoding="utf-8")
    assert old in src
    own = tmp_path / "rbf2026.toml"
    own.write_text(src.replace(old, new), encoding="utf-8")
    return own


def test_own_definitions_file(tmp_path: Path):
    own = _own_definitions(tmp_path, 'pott_kroner = "693100000.00"', 'pott_kroner = "700000000.00"')
    out = tmp_path / "o"
    res = runner.invoke(app, ["rbf", "--rows", "3000", "--definitions", str(own), "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    assert sum(_kroner(pl.read_parquet(out / "fordeling.parquet"), "rbf_kroner").values()) == Decimal("700000000.00")
    res = runner.invoke(app, ["rbf", "--year", "2025", "--definitions", str(own), "--out", str(out)])
    assert res.exit_code == 2 and "not 2025" in res.output


def test_report_section_escapes_names_from_the_files(tmp_path: Path):
    own = _own_definitions(tmp_path, 'navn = "Helse Vest"', 'navn = "<script>alert(1)</script>"')
    out = tmp_path / "o"
    res = runner.invoke(app, ["rbf", "--rows", "2000", "--period", "T1", "--definitions", str(own), "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    rows = pl.read_parquet(out / "rader.parquet")
    assert (rows["status"] == "invalid").sum() > 0  # the synthetic Vest residents match no region now
    html = rbf_section(out)
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "Avregning" not in html  # a T1 run has no settlement
    with pytest.raises(InputError, match="not an `isf rbf` output folder"):
        rbf_section(tmp_path)
