"""CLI end-to-end: `isf weights estimate` and `isf effects` on the golden files (CliRunner)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import polars as pl
import typer
from typer.testing import CliRunner

from isf.cli.weights import effects_command, read_weight_frame, weights_app
from isf.formatting import DEFAULT_YEAR

GOLDEN = Path(__file__).parents[1] / "golden" / "weights"
runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(weights_app, name="weights")
    app.command("effects")(effects_command)
    return app


def _estimate(tmp_path: Path, *extra: str) -> tuple[object, Path]:
    out = tmp_path / "new.csv"
    res = runner.invoke(_app(), [
        "weights", "estimate", "--kpp", str(GOLDEN / "kpp_small.csv"),
        "--activity", str(GOLDEN / "activity_small.csv"), "--old", str(GOLDEN / "old_weights_small.csv"),
        "--min-stays-hf", "3", "--min-stays-drg", "1", "-o", str(out), *extra,
    ])
    return res, out


def test_estimate_writes_a_loadable_calibrated_list(tmp_path: Path) -> None:
    res, out = _estimate(tmp_path)
    assert res.exit_code == 0, res.output
    assert "13,700" in res.output  # old and new total, Norwegian style
    w = read_weight_frame(out, year=2024)
    got = dict(zip(w["drg"].to_list(), w["vekt"].to_list()))
    # hand values: see tests/golden/test_weights_golden.py (1782/925, 924/925, 165/925, old 0.5)
    assert got == {"A": Decimal("1.926486486486"), "B": Decimal("0.998918918919"),
                   "C": Decimal("0.178378378378"), "D": Decimal("0.5")}
    header = out.read_text().splitlines()[0].split(",")
    assert header[:7] == ["drg", "navn", "vekt", "trimpunkt", "vekt_per_dag", "gjsn_liggetid", "dagkirurgi"]


def test_estimate_without_old_is_uncalibrated(tmp_path: Path) -> None:
    out = tmp_path / "raw.csv"
    res = runner.invoke(_app(), ["weights", "estimate", "--kpp", str(GOLDEN / "kpp_small.csv"),
                                 "--activity", str(GOLDEN / "activity_small.csv"), "--min-stays-hf", "3", "--min-stays-drg", "1", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "uncalibrated" in res.output
    df = pl.read_csv(out)
    assert df.filter(pl.col("drg") == "A")["vekt"][0] == round(207 / 119, 12)
    assert df.filter(pl.col("drg") == "D")["isf"][0] == "N"


def test_estimate_with_pairs_file(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.json"
    pairs.write_text(json.dumps({"C": ["B"]}))
    res, out = _estimate(tmp_path, "--pairs", str(pairs))
    assert res.exit_code == 0, res.output
    w = read_weight_frame(out, year=2024)
    got = dict(zip(w["drg"].to_list(), w["vekt"].to_list()))
    assert got["B"] == got["C"]


def test_effects_command_writes_exact_table_and_prints_whole_points(tmp_path: Path) -> None:
    _res, new = _estimate(tmp_path)
    out = tmp_path / "eff.csv"
    res = runner.invoke(_app(), ["effects", "--activity", str(GOLDEN / "activity_small.csv"),
                                 "--old", str(GOLDEN / "old_weights_small.csv"), "--new", str(new), "-o", str(out)])
    assert res.exit_code == 0, res.output
    t = pl.read_csv(out, schema_overrides={"endring": pl.String, "poeng_ny": pl.String})
    hf = t.filter(pl.col("nivaa") == "HF")
    # hand values: tests/golden/test_weights_golden.py (H2 +0.108108, H1 -0.169730, H3 +0.061622; sum 0)
    assert hf["navn"].to_list() == ["H2", "H1", "H3", "TOTALT"]
    assert [round(Decimal(v), 3) for v in hf["endring"].to_list()] == [
        Decimal("0.108"), Decimal("-0.170"), Decimal("0.062"), Decimal("0.000")]
    assert t.filter(pl.col("nivaa") == "RHF")["navn"].to_list() == ["R1", "R2", "TOTALT"]
    assert "Effekter RHF – Alle sektorer – sørge for" in res.output and "Foretak" in res.output
    assert f"{DEFAULT_YEAR - 1}-vekter" in res.output and "TOTALT" in res.output  # the default year
    svg = (tmp_path / "eff-alle_sektorer.svg").read_text()
    assert svg.count("<rect") == 2  # R1, R2 (no bar for the total)


def test_bad_input_exits_2_with_a_message(tmp_path: Path) -> None:
    res = runner.invoke(_app(), ["effects", "--activity", str(GOLDEN / "activity_small.csv"),
                                 "--old", str(GOLDEN / "old_weights_small.csv"),
                                 "--new", str(GOLDEN / "old_weights_small.csv"), "--rhf", "kommune",
                                 "-o", str(tmp_path / "x.csv")])
    assert res.exit_code == 2 and "kommune" in res.output
    res = runner.invoke(_app(), ["weights", "estimate", "--kpp", str(tmp_path / "missing.csv"),
                                 "--activity", str(GOLDEN / "activity_small.csv"), "-o", str(tmp_path / "y.csv")])
    assert res.exit_code == 2 and "error" in res.output
