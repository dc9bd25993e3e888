"""End-to-end: `isf run`, the main job, on the bundled demo and on a user's activity file."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
from typer.testing import CliRunner

from isf.cli import app

runner = CliRunner()


def test_run_demo_writes_tables_and_consistent_totals(tmp_path: Path):
    out = tmp_path / "run"
    res = runner.invoke(app, ["run", "--rows", "6000", "--seed", "3", "--year", "2026", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "totalt" in res.output and "STG/TFG" in res.output
    points = pl.read_parquet(out / "points.parquet")
    assert points.height == 6000 and points["kontakt_id"].to_list() == list(range(1, 6001))
    components = ["poeng_basis", "poeng_langligger", "poeng_ambulant", "poeng_egenandel", "poeng_trekk"]
    assert (points.select(pl.sum_horizontal(components) - pl.col("isf_poeng")).to_series().abs() < 1e-9).all()
    # 2026: DRG 802U contacts are financed through the BT01 pathway, not on their own
    bt = points.filter(pl.col("drg") == "802U")
    if bt.height:
        assert (bt["isf_poeng"] == 0).all() and bt["isf_arsak"].str.contains("TFG|BT01").all()
    summary = pl.read_parquet(out / "sammendrag.parquet")
    total = summary.filter(pl.col("sektor") == "totalt")
    body = summary.filter(pl.col("sektor") != "totalt")
    assert abs(total["isf_poeng"][0] - body["isf_poeng"].sum()) < 1e-6
    assert total["isf_kroner"][0] == sum(body["isf_kroner"].to_list(), Decimal(0))
    stg = pl.read_parquet(out / "stg_tfg.parquet")
    assert abs(body.filter(pl.col("sektor") == "STG/TFG")["isf_poeng"][0] - stg["isf_poeng"].sum()) < 1e-6
    drg_points = points["isf_poeng"].sum()
    assert abs(body.filter(pl.col("sektor") != "STG/TFG")["isf_poeng"].sum() - drg_points) < 1e-6
    for name in ("tertial", "beh_hf", "bo_rhf", "drg", "mdc", "sektor"):
        t = pl.read_parquet(out / f"{name}.parquet")
        assert abs(t["isf_poeng"].sum() - drg_points) < 1e-6, name
    with duckdb.connect(str(out / "isf.duckdb"), read_only=True) as con:
        tables = {r[0] for r in con.execute("show tables").fetchall()}
    assert {"bo_rhf", "beh_hf", "tertial", "stg_tfg"} <= tables
    rep = runner.invoke(app, ["report", str(out), "--out", str(out / "report.html")])
    assert rep.exit_code == 0, rep.output
    assert "Poeng og kroner per RHF" in (out / "report.html").read_text(encoding="utf-8")


def test_run_on_user_activity_needs_real_parameters(tmp_path: Path):
    act = tmp_path / "act.parquet"
    res = runner.invoke(app, ["synth", "--rows", "2000", "--seed", "4", "--year", "2026", "--out", str(act), "--quiet"])
    assert res.exit_code == 0, res.output
    out = tmp_path / "run"
    base = ["run", "--activity", str(act), "--year", "2026", "--out", str(out), "-q"]
    named: list[str] = []
    for _ in range(10):  # isf never invents a value: each missing one is named, until all are given
        res = runner.invoke(app, base + [a for n in named for a in ("--set", f"{n}=0.5")])
        if res.exit_code == 0:
            break
        assert res.exit_code == 2, res.output
        m = re.search(r"missing ISF parameter (\S+) for 2026", res.output)
        assert m and m.group(1) not in named, res.output
        named.append(m.group(1))
    assert "somatikk.enhetspris" in named and res.exit_code == 0
    res = runner.invoke(app, ["run", "--activity", str(act), "--year", "2026", "--out", str(out), "-q",
                              "--demo-params"])
    assert res.exit_code == 0, res.output
    assert pl.read_parquet(out / "points.parquet").height == 2000
