"""End-to-end: `isf run`, `isf points`, `isf report`, `isf explain --year` on files, as a user runs them.

Reconciliation (fast: 50k rows, 2026; slow: 1M rows for each of 2024, 2025, 2026): Σ kroner of
the units = Σ sorge_for.csv = Σ sorge_for_hf.csv = summary total = CLI total = report
headline, to the øre; rows in = rows out. The synthetic activity gets STG trigger codes on a
few contacts (`isf synth` emits none) so that STG units are part of every sum.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from isf.cli import app
from isf.definitions import load_logic

pytestmark = pytest.mark.slow

runner = CliRunner()


def synth_with_stg(path: Path, *, rows: int, seed: int, year: int) -> pl.DataFrame:
    """Synthetic activity with STG codes: WPBA10 (XS08) on ~3 % of somatic outpatient contacts,
    IEAD00 (ACT) on ~10 % of PHV outpatient contacts, N07BC02 (TS03) on ~10 % of TSB contacts."""
    from isf.synth import synth_activity

    df = pl.from_arrow(pa.concat_tables(list(synth_activity(load_logic("demo"), rows=rows, seed=seed, year=year))))
    assert isinstance(df, pl.DataFrame)
    k = pl.col("kontakt_id")
    out3 = pl.col("omsorgsniva") == 3
    code = (
        pl.when((pl.col("sektor") == "somatikk") & out3 & (k % 31 == 0)).then(pl.lit("WPBA10"))
        .when((pl.col("sektor") == "phv") & out3 & (k % 10 == 0)).then(pl.lit("IEAD00"))
        .when((pl.col("sektor") == "tsb") & (k % 10 == 0)).then(pl.lit("N07BC02"))
    )
    df = df.with_columns(prosedyrer=pl.when(code.is_not_null()).then(pl.concat_list(pl.col("prosedyrer"), code))
                         .otherwise(pl.col("prosedyrer")))
    df.write_parquet(path)
    return df


def _dec_sum(path: Path, col: str) -> Decimal:
    return sum((Decimal(v) for v in pl.read_csv(path, schema_overrides={col: pl.String})[col].to_list()), Decimal(0))


def reconcile(tmp_path: Path, *, rows: int, year: int, seed: int = 5) -> dict[str, Decimal]:
    act = tmp_path / "act.parquet"
    synth_with_stg(act, rows=rows, seed=seed, year=year)
    out = tmp_path / "run"
    res = runner.invoke(app, ["run", "--activity", str(act), "--year", str(year), "--demo-params", "--out", str(out)])
    assert res.exit_code == 0, res.output
    units = pl.read_parquet(out / "enheter.parquet")
    assert pl.read_parquet(out / "points.parquet").height == rows  # rows in = rows out
    assert set(units["type"].unique().to_list()) == {"DRG", "STG", "TFG"}
    summary = pl.read_csv(out / "sammendrag.csv", schema_overrides={"isf_kroner": pl.String, "isf_poeng": pl.String})
    tot = summary.filter(pl.col("sektor") == "totalt").row(0, named=True)
    cli_total = re.search(r"total \(DRG \+ STG \+ TFG\): [\d ,]+ ISF points, ([\d ]+,\d\d) kr", res.output)
    assert cli_total, res.output
    rep = runner.invoke(app, ["report", str(out), "--out", str(out / "report.html")])
    assert rep.exit_code == 0, rep.output
    html = (out / "report.html").read_text(encoding="utf-8")
    headline = re.search(r'data-testid="headline-kroner" data-value="([\d.]+)"', html)
    assert headline
    got = {
        "units": sum(units["isf_kroner"].to_list(), Decimal(0)),
        "sorge_for.csv": _dec_sum(out / "sorge_for.csv", "isf_kroner"),
        "sorge_for_hf.csv": _dec_sum(out / "sorge_for_hf.csv", "isf_kroner"),
        "summary": Decimal(tot["isf_kroner"]),
        "cli": Decimal(cli_total.group(1).replace(" ", "").replace(",", ".")),  # Norwegian style, to the øre
        "report": Decimal(headline.group(1)),
    }
    assert len(set(got.values())) == 1, got
    points = {"units": sum(units["isf_poeng"].to_list(), Decimal(0)), "sorge_for": _dec_sum(out / "sorge_for.csv", "isf_poeng"),
              "summary": Decimal(tot["isf_poeng"])}
    assert len(set(points.values())) == 1, points
    stg_tfg = units.filter((pl.col("type") != "DRG") & pl.col("isf_tellende"))
    assert stg_tfg.height > 0 and sum(stg_tfg["isf_kroner"].to_list(), Decimal(0)) > 0
    return got


def test_reconciliation_50k_2026(tmp_path: Path) -> None:
    got = reconcile(tmp_path, rows=50_000, year=2026)
    assert got["units"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_reconciliation_1m(tmp_path: Path, year: int) -> None:
    got = reconcile(tmp_path, rows=1_000_000, year=year, seed=year)
    assert got["units"] > 0


def test_run_demo_writes_contract_tables_and_context(tmp_path: Path) -> None:
    out = tmp_path / "run"
    res = runner.invoke(app, ["run", "--rows", "3000", "--seed", "3", "--year", "2026", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "totalt" in res.output and "DEMO" in res.output and "TFG" in res.output
    sf = pl.read_csv(out / "sorge_for.csv")
    assert sf.columns == ["aar", "bo_rhf", "sektor", "isf_poeng", "isf_kroner"]
    assert pl.read_csv(out / "sorge_for_hf.csv").columns == ["aar", "bo_hf", "sektor", "isf_poeng", "isf_kroner"]
    assert set(sf["sektor"].to_list()) <= {"somatikk", "phv", "tsb"}
    ctx = json.loads((out / "kontekst.json").read_text(encoding="utf-8"))
    assert ctx["aar"] == 2026 and ctx["logikk"]["id"] == "DEMO" and len(ctx["logikk"]["checksum"]) == 64
    assert ctx["rader_inn"] == 3000 and "somatikk.enhetspris" in ctx["demo"]["parametre"]
    assert {tuple(w["typer"]) for w in ctx["vektlister"]} == {("DRG",), ("STG",), ("TFG",)}
    summary = pl.read_parquet(out / "sammendrag.parquet")
    assert summary["merknad"][0].startswith("DEMO")


def test_missing_weights_stop_the_run_and_name_the_groups(tmp_path: Path) -> None:
    """A DRG list without some of the activity's groups: exit 2, each named with rows and share."""
    from isf.weights.weightlist import demo_weights_dir

    text = (demo_weights_dir() / "demo_2026.csv").read_text(encoding="utf-8")
    kept = [ln for ln in text.splitlines() if not ln.startswith(("122,", "901O,"))]
    partial = tmp_path / "drg_partial.csv"
    partial.write_text("\n".join(kept) + "\n", encoding="utf-8")
    act = tmp_path / "act.parquet"
    synth_with_stg(act, rows=3000, seed=2, year=2026)
    base = ["run", "--activity", str(act), "--year", "2026", "--demo-params", "--out", str(tmp_path / "o"),
            "--weights", str(partial), "--weights", "stg:" + str(demo_weights_dir() / "demo_2026_stg.csv"),
            "--weights", "tfg:" + str(demo_weights_dir() / "demo_2026_tfg.csv")]
    res = runner.invoke(app, base)
    assert res.exit_code == 2, res.output
    assert "DRG 122" in res.output and "DRG 901O" in res.output and "% of the activity" in res.output
    assert "--allow-missing-weights" in res.output and not (tmp_path / "o" / "sorge_for.csv").exists()
    # only the DRG list: the STG and TFG groups the activity forms are named too
    res = runner.invoke(app, base[:10])
    assert res.exit_code == 2 and "TFG BT01" in res.output and "STG XS08" in res.output, res.output
    ok = runner.invoke(app, [*base, "--allow-missing-weights"])
    assert ok.exit_code == 0, ok.output
    assert "settled as not counting" in ok.output and "DRG 122" in ok.output
    units = pl.read_parquet(tmp_path / "o" / "enheter.parquet")
    assert units.filter(pl.col("gruppe") == "122")["isf_arsak"].str.contains("mangler i vektlisten").all()
    ctx = json.loads((tmp_path / "o" / "kontekst.json").read_text(encoding="utf-8"))
    assert {m["gruppe"] for m in ctx["mangler_vekt"]} == {"122", "901O"}
    assert (tmp_path / "o" / "vektdekning.csv").exists()


def test_header_only_weight_file_is_an_error_naming_it(tmp_path: Path) -> None:
    empty = tmp_path / "vekter.csv"
    empty.write_text("drg,navn,vekt\n", encoding="utf-8")
    res = runner.invoke(app, ["run", "--rows", "500", "--year", "2026", "--weights", str(empty), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "vekter.csv" in res.output and "no rows" in res.output


def test_input_schema_problems_are_reported_all_at_once(tmp_path: Path) -> None:
    act = tmp_path / "act.parquet"
    synth_with_stg(act, rows=200, seed=1, year=2026)
    bad = tmp_path / "bad.parquet"
    pl.read_parquet(act).drop("bo_rhf", "debitor").with_columns(inn_dato=pl.lit(1.5)).write_parquet(bad)
    res = runner.invoke(app, ["run", "--activity", str(bad), "--year", "2026", "--demo-params", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    for word in ("'bo_rhf'", "'debitor'", "'inn_dato' should be date"):
        assert word in res.output, res.output
    assert not (tmp_path / "o").exists()


def test_missing_parameters_named_all_at_once(tmp_path: Path) -> None:
    act = tmp_path / "act.parquet"
    synth_with_stg(act, rows=2000, seed=4, year=2026)
    res = runner.invoke(app, ["run", "--activity", str(act), "--year", "2026", "--out", str(tmp_path / "o"), "-q"])
    assert res.exit_code == 2
    for name in ("somatikk.enhetspris", "phv_tsb.enhetspris", "somatikk.ambulant_vekt", "phv_tsb.egenandel_poeng"):
        assert name in res.output, res.output
    assert "--demo-params" in res.output
    sets = [a for n in ("somatikk.enhetspris", "phv_tsb.enhetspris", "somatikk.ambulant_vekt",
                        "phv_tsb.ambulant_vekt", "phv_tsb.egenandel_poeng") for a in ("--set", f"{n}=0.5")]
    ok = runner.invoke(app, ["run", "--activity", str(act), "--year", "2026", "--out", str(tmp_path / "o"), *sets])
    assert ok.exit_code == 0, ok.output
    assert json.loads((tmp_path / "o" / "kontekst.json").read_text())["demo"]["parametre"] == []


# --- BT01 2026: one result in isf run, isf points and isf explain --year 2026 ----------------

BT01_SOURCE = """[003] 003_d87f395d066b866b.txt line 152 «BT01 inkluderes med periode på årsbasis»; line 171
«ISF-poengene for TFG vil i hovedsak bli beregnet ved første opphold/kontakt per pasient i DRG 802U»;
line 169 «Det beregnes imidlertid ikke ISF-poeng for oppholdene/kontaktene». Patient X (Helse Nord):
intravitreal injections (CKD05, H353 -> demo DRG 802U) on 5 March (kontakt 11) and 10 January (12).
Hand result: one BT01 on contact 12, 3.2 points (DEMO TFG weight) x 50000 x 30 % = 48000.00 kr;
both 802U contacts 0. Helse Nord somatikk 3.2000 points, 48000.00 kr."""


def _bt01_activity() -> pl.DataFrame:
    def row(kid: int, day: dt.date) -> dict[str, object]:
        return {"kontakt_id": kid, "pasient_id": "X", "kjonn": 1, "fodselsdato": dt.date(1950, 5, 1),
                "alder_dager": (day - dt.date(1950, 5, 1)).days, "bo_kommune": "1804", "bo_hf": "Nordlandssykehuset HF",
                "bo_rhf": "Helse Nord", "beh_hf": "Nordlandssykehuset HF", "beh_rhf": "Helse Nord", "inn_dato": day,
                "ut_dato": day, "liggetid": 0, "utskrklar_dager": 0, "omsorgsniva": 3, "kontakt_type": 2,
                "innmate_hast": 4, "utskr_maate": "H", "sektor": "somatikk", "debitor": 1, "ambulant": False,
                "opphold_id": None, "hdiag": "H353", "hdiag2": None, "bdiag": [], "prosedyrer": ["CKD05"]}
    return pl.DataFrame([row(11, dt.date(2026, 3, 5)), row(12, dt.date(2026, 1, 10))],
                        schema_overrides={"opphold_id": pl.Int64, "hdiag2": pl.String, "bdiag": pl.List(pl.String)})


def _bt01_check(out: Path) -> None:
    units = pl.read_parquet(out / "enheter.parquet").sort("type", "kontakt_id")
    got = [(u["type"], u["gruppe"], u["kontakt_id"], str(u["isf_poeng"]), str(u["isf_kroner"]))
           for u in units.iter_rows(named=True)]
    assert got == [("DRG", "802U", 11, "0.0000", "0.00"), ("DRG", "802U", 12, "0.0000", "0.00"),
                   ("TFG", "BT01", 12, "3.2000", "48000.00")], BT01_SOURCE
    sf = pl.read_csv(out / "sorge_for.csv", schema_overrides={"isf_poeng": pl.String, "isf_kroner": pl.String})
    assert sf.rows() == [(2026, "Helse Nord", "somatikk", "3.2000", "48000.00")]


def test_bt01_2026_same_in_run_points_and_explain(tmp_path: Path) -> None:
    price = ["--set", "somatikk.enhetspris=50000"]
    act = tmp_path / "bt01.parquet"
    _bt01_activity().write_parquet(act)
    res = runner.invoke(app, ["run", "--activity", str(act), "--year", "2026", "--out", str(tmp_path / "run"), *price])
    assert res.exit_code == 0, res.output
    _bt01_check(tmp_path / "run")

    for fmt in ("parquet", "csv"):  # isf group -> isf points, through Parquet and through CSV
        grouped = tmp_path / f"grouped.{fmt}"
        g = runner.invoke(app, ["group", str(act), "-o", str(grouped), "-q"])
        assert g.exit_code == 0, g.output
        p = runner.invoke(app, ["points", str(grouped), "--year", "2026", "--out", str(tmp_path / f"pts_{fmt}"), *price])
        assert p.exit_code == 0, p.output
        _bt01_check(tmp_path / f"pts_{fmt}")
        r = runner.invoke(app, ["report", str(tmp_path / f"pts_{fmt}"), "--out", str(tmp_path / f"r_{fmt}.html")])
        assert r.exit_code == 0, r.output
        assert 'data-value="48000.00"' in (tmp_path / f"r_{fmt}.html").read_text(encoding="utf-8")

    case = "1,27647,H,0,," + "H353" + "," * 59 + ",CKD05"
    e = runner.invoke(app, ["explain", "--year", "2026", "--json", "--no-demo-params", *price,
                            "--dato", "2026-01-10", case])
    assert e.exit_code == 0, e.output
    data = json.loads(e.output)
    assert data["result"]["drg"] == "802U"
    lines = {(p["unit"], p["component"]): p for p in data["points"]}
    assert lines[("DRG 802U", "ikke_isf")]["value"] == "0.0000"
    assert "TFG BT01" in lines[("DRG 802U", "ikke_isf")]["rule"]
    assert lines[("TFG BT01", "poeng_basis")]["value"] == "3.2000"
    assert lines[("", "isf_poeng")]["value"] == "3.2000"
    assert {k["unit"]: k["isf_kroner"] for k in data["kroner"]} == {"DRG 802U": "0.00", "TFG BT01": "48000.00"}


def test_grouped_activity_is_not_regrouped(tmp_path: Path) -> None:
    """`isf run --grouped`: the activity's own drg column is settled (NPK's DRG), STG/TFG still formed."""
    act = _bt01_activity().with_columns(drg=pl.Series(["902O", "802U"]), status=pl.lit("ok"))
    path = tmp_path / "g.parquet"
    act.write_parquet(path)
    res = runner.invoke(app, ["run", "--activity", str(path), "--grouped", "--year", "2026", "--out", str(tmp_path / "o"),
                              "--set", "somatikk.enhetspris=50000"])
    assert res.exit_code == 0, res.output
    units = pl.read_parquet(tmp_path / "o" / "enheter.parquet").sort("type", "kontakt_id")
    # 902O kept (not regrouped to 802U): 0.034 (DEMO) x 15000 = 510.00; BT01 on the one 802U contact (12)
    assert [(u["type"], u["gruppe"], u["kontakt_id"]) for u in units.iter_rows(named=True)] == [
        ("DRG", "902O", 11), ("DRG", "802U", 12), ("TFG", "BT01", 12)]
    ctx = json.loads((tmp_path / "o" / "kontekst.json").read_text(encoding="utf-8"))
    assert ctx["logikk"]["id"] is None and "ikke gruppert på nytt" in ctx["logikk"]["merknad"]
    missing = runner.invoke(app, ["run", "--activity", str(tmp_path / "g.parquet"), "--grouped", "--year", "2026",
                                  "--out", str(tmp_path / "o2")])
    assert missing.exit_code == 2  # no price for 2026: named, not invented
    nodrg = tmp_path / "nodrg.parquet"
    _bt01_activity().write_parquet(nodrg)
    res = runner.invoke(app, ["run", "--activity", str(nodrg), "--grouped", "--year", "2026", "--out", str(tmp_path / "o3")])
    assert res.exit_code == 2 and "'drg'" in res.output
