"""compute_points, money, aggregation, writers and the CLI adapter."""

from __future__ import annotations

import ast
import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest
import typer
from typer.testing import CliRunner

import isf.points
from isf.params import load_params
from isf.points import (
    AGGREGATIONS,
    PointsInputError,
    add_kroner,
    aggregate,
    compute_points,
    explain_points,
    kroner,
    money,
    summary_table,
    summary_tables,
    write_duckdb,
    write_tables,
)
from isf.cli.points import points_command
from isf.weights.weightlist import load_weights


def test_glossary_money_example() -> None:
    # SOURCE: docs/npr-npk-glossary.md: −112.721 points × 45 808 kr × 50 % = −2 581 761.78 kr.
    assert kroner(Decimal("112.721"), Decimal("45808"), Decimal("0.50")) == Decimal("2581761.78")
    assert kroner(Decimal("-112.721"), Decimal("45808"), Decimal("0.50")) == Decimal("-2581761.78")


def test_half_up_to_ore() -> None:
    # 0.0001 × 52248 × 0.40 = 2.08992 -> 2.09; 0.00005 x 100 x 1 = 0.005 -> 0.01 (half up)
    assert kroner(Decimal("0.0001"), Decimal("52248"), Decimal("0.40")) == Decimal("2.09")
    assert kroner(Decimal("0.00005"), Decimal("100"), Decimal("1")) == Decimal("0.01")


def _activity(n_extra: int = 0) -> pl.DataFrame:
    d = dt.date(2026, 5, 10)
    rows = [
        dict(kontakt_id=5, drg="14A", sektor="somatikk", omsorgsniva=1, debitor=1, liggetid=40, utskrklar_dager=0,
             ambulant=False, opphold_id=1, kontakt_type=None, bo_rhf="Helse Vest", beh_hf="Helse Bergen HF", mdc="01"),
        dict(kontakt_id=3, drg="802U", sektor="somatikk", omsorgsniva=3, debitor=1, liggetid=0, utskrklar_dager=0,
             ambulant=False, opphold_id=None, kontakt_type=2, bo_rhf="Helse Nord", beh_hf="UNN HF", mdc="02"),
        dict(kontakt_id=9, drg="919O", sektor="phv", omsorgsniva=3, debitor=1, liggetid=0, utskrklar_dager=0,
             ambulant=True, opphold_id=None, kontakt_type=1, bo_rhf="Helse Vest", beh_hf="Helse Bergen HF", mdc="19"),
        dict(kontakt_id=1, drg=None, sektor="somatikk", omsorgsniva=1, debitor=1, liggetid=2, utskrklar_dager=0,
             ambulant=False, opphold_id=None, kontakt_type=None, bo_rhf="Helse Nord", beh_hf="UNN HF", mdc=None),
    ]
    df = pl.DataFrame(rows).with_columns(inn_dato=pl.lit(d), ut_dato=pl.lit(d), fodselsdato=pl.lit(dt.date(2002, 1, 1)),
                                         status=pl.Series(["ok", "ok", "ok", "bad_age"]))
    return df


def _run(year: int = 2026) -> tuple[pl.DataFrame, pl.DataFrame]:
    act = _activity()
    pts = compute_points(act, weights=load_weights("demo", year=year), params=load_params(year, demo=True), year=year)
    return act, pts


def test_same_rows_same_order_inputs_kept() -> None:
    act, pts = _run()
    assert pts.height == act.height
    assert pts["kontakt_id"].to_list() == [5, 3, 9, 1]
    assert pts.select(act.columns).equals(act)
    assert pts["tertial"].to_list() == [2, 2, 2, 2]


def test_demo_2026_rules() -> None:
    _, pts = _run()
    r = {row["kontakt_id"]: row for row in pts.iter_rows(named=True)}
    assert not r[3]["isf_tellende"] and "802U" in r[3]["isf_arsak"]
    assert not r[1]["isf_tellende"] and "bad_age" in r[1]["isf_arsak"]
    assert r[9]["poeng_ambulant"] > 0 and r[9]["poeng_egenandel"] > 0  # young PHV outpatient, 2026
    assert r[5]["poeng_langligger"] > 0 and "langligger" in r[5]["poeng_regel"]


def test_rerun_on_own_output_is_stable() -> None:
    _, pts = _run()
    again = compute_points(pts, weights=load_weights("demo", year=2026), params=load_params(2026, demo=True), year=2026)
    assert again.equals(pts)


def test_input_errors() -> None:
    act = _activity()
    w, p = load_weights("demo", year=2026), load_params(2026, demo=True)
    with pytest.raises(PointsInputError, match="drg"):
        compute_points(act.drop("drg"), weights=w, params=p, year=2026)
    with pytest.raises(PointsInputError, match="2025"):
        compute_points(act, weights=w, params=p, year=2025)


def test_empty_frame() -> None:
    act = _activity().clear()
    pts = compute_points(act, weights=load_weights("demo", year=2026), params=load_params(2026), year=2026)
    assert pts.height == 0 and "isf_poeng" in pts.columns


def test_money_and_row_kroner() -> None:
    _, pts = _run()
    p = load_params(2026, demo=True)
    m = money(pts, p)
    som = m.filter(pl.col("sektor_isf") == "somatikk").row(0, named=True)
    exp = (Decimal(str(som["isf_poeng"])) * p.decimal("somatikk", "enhetspris") * Decimal("0.30")).quantize(Decimal("0.01"))
    assert som["isf_kroner"] == exp and som["isf_andel"] == Decimal("0.30")
    rows = add_kroner(pts, p)
    assert rows.filter(pl.col("kontakt_id") == 3)["isf_kroner"][0] == Decimal("0")
    assert abs(rows["isf_kroner"].sum() - aggregate(pts, by=[], params=p)["isf_kroner"][0]) <= Decimal("0.01") * pts.height


def test_summary_tables_and_totals() -> None:
    _, pts = _run()
    p = load_params(2026, demo=True)
    tables = summary_tables(pts, params=p)
    assert set(tables) == set(AGGREGATIONS)
    total = Decimal(str(pts["isf_poeng"].sum())).quantize(Decimal("0.0001"))
    for name, t in tables.items():
        assert Decimal(str(t["isf_poeng"].sum())).quantize(Decimal("0.0001")) == total, name
        assert t["antall"].sum() == pts.height
    s = summary_table(pts, params=p)
    assert s["sektor"].to_list()[-1] == "totalt"


def test_writers_round_trip(tmp_path: Path) -> None:
    _, pts = _run()
    tables = summary_tables(pts, params=load_params(2026, demo=True))
    files = write_tables(tables, tmp_path / "out")
    assert {f.name for f in files} >= {"tertial.parquet", "tertial.csv", "bo_rhf.parquet"}
    assert pl.read_parquet(tmp_path / "out" / "drg.parquet").equals(tables["drg"])
    db = write_duckdb(tables, tmp_path / "isf.duckdb")
    con = duckdb.connect(str(db))
    try:
        names = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        assert names == set(tables)
        kr = con.execute("select sum(isf_kroner) from sektor").fetchone()[0]
        assert kr == tables["sektor"]["isf_kroner"].sum()
    finally:
        con.close()


def test_explain_traces_sources() -> None:
    act = _activity()
    w, p = load_weights("demo", year=2026), load_params(2026, demo=True)
    trace = explain_points(act.row(2, named=True), w, p)
    comps = {t.component: t for t in trace}
    assert "DEMO" in comps["poeng_ambulant"].source
    assert comps["poeng_basis"].source.startswith("isf/data/weights/demo_2026.csv row")
    assert trace[-1].value == sum(t.value for t in trace[:-1])


def test_kernel_modules_do_no_io() -> None:
    """The kernel (rules, compute, explain, money, param model) imports no I/O or CLI modules."""
    root = Path(isf.points.__file__).parent
    forbidden = {"os", "logging", "typer", "fastapi", "pathlib", "duckdb", "time", "random"}
    for f in [root / "rules.py", root / "compute.py", root / "explain.py", root / "money.py",
              root.parent / "params" / "model.py"]:
        tree = ast.parse(f.read_text(encoding="utf-8"))
        mods = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        mods |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not mods & forbidden, (f.name, mods & forbidden)


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command("points")(points_command)
    app.command("noop")(lambda: None)
    return app


def test_cli_end_to_end(tmp_path: Path) -> None:
    inp = tmp_path / "grouped.parquet"
    _activity().write_parquet(inp)
    res = CliRunner().invoke(_cli(), ["points", str(inp), "--year", "2026", "--demo-params",
                                      "--out", str(tmp_path / "o"), "--duckdb", str(tmp_path / "o.duckdb")])
    assert res.exit_code == 0, res.output
    assert "counting for ISF" in res.output and "totalt" in res.output
    assert pl.read_parquet(tmp_path / "o" / "poeng.parquet").height == 4
    assert (tmp_path / "o.duckdb").exists()


def test_cli_missing_parameter_message(tmp_path: Path) -> None:
    inp = tmp_path / "grouped.parquet"
    _activity().write_parquet(inp)
    res = CliRunner().invoke(_cli(), ["points", str(inp), "--year", "2026", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "ambulant_vekt" in res.output or "enhetspris" in res.output
    ok = CliRunner().invoke(_cli(), ["points", str(inp), "--year", "2026", "--out", str(tmp_path / "o"),
                                     "--set", "somatikk.ambulant_vekt=0.019", "--set", "phv_tsb.ambulant_vekt=0.137",
                                     "--set", "phv_tsb.egenandel_poeng=0.1", "--no-money"])
    assert ok.exit_code == 0, ok.output


def test_missing_care_level_does_not_count() -> None:
    """A null omsorgsniva cannot prove ISF eligibility (regression: null slipped through)."""
    act = _activity().with_columns(omsorgsniva=pl.lit(None, dtype=pl.Int8))
    pts = compute_points(act, weights=load_weights("demo", year=2026), params=load_params(2026, demo=True), year=2026)
    assert pts["isf_tellende"].sum() == 0
    assert "omsorgsniva (tom)" in pts.filter(pl.col("kontakt_id") == 5)["isf_arsak"][0]
