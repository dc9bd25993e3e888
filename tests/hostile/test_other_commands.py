"""The hostile corpus through `isf run`, `isf points`, `isf weights estimate` and `isf effects`.

The same contract as `isf group`: exit 0 with every row accounted for (bad rows flagged with
row and field, never a silent default), or exit 2 with a message naming the file; never a
traceback or an internal error (exit 3), never a value from the input in the output streams.

A case that fails for a known reason can be marked through the ``*_XFAIL`` dicts
(``xfail(strict=True)``, so a fix turns the mark into an error and it must go); all are empty.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from hostile.corpus import MARKER, Case, activity_cases, grouped_cases, kpp_cases, weight_cases
from hostile.test_group_cli import assert_clean_exit, check_rows
from isf.cli import app

runner = CliRunner()
GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "weights"


def _stopped(case: Case, res: Any, src: Path) -> None:
    assert res.exit_code == 2, res.output
    assert "error" in res.output and src.name in res.output, res.output
    for word in case.expect.stop_words:
        assert word in res.output, (word, res.output)


def _xfail(cases: list[Case], reasons: dict[str, str]) -> list[Any]:
    return [pytest.param(c, id=c.name, marks=pytest.mark.xfail(strict=True, reason=reasons[c.name]))
            if c.name in reasons else pytest.param(c, id=c.name) for c in cases]


# --- isf run ------------------------------------------------------------------------------------
RUN_XFAIL: dict[str, str] = {}


@pytest.mark.slow
@pytest.mark.parametrize("case", _xfail(activity_cases(), RUN_XFAIL))
def test_run_accounts_for_every_row(case: Case, tmp_path: Path) -> None:
    src = case.write(tmp_path)
    out = tmp_path / "run"
    res = runner.invoke(app, ["run", "--activity", str(src), "--year", "2025", "--demo-params", "-o", str(out), "-q"])
    assert_clean_exit(res)
    expect = case.expect_run or case.expect
    if expect.rows is None or case.fmt == "case-string":  # case strings alone hold no sector: nothing to settle
        if case.fmt == "case-string" and expect.rows is not None:
            assert res.exit_code == 2 and "sektor" in res.output, res.output
            return
        _stopped(case, res, src)
        return
    assert res.exit_code == 0, res.output
    points = pl.read_parquet(out / "points.parquet")
    assert not [c for c in points.columns if c.startswith("_")]
    check_rows(Case(case.name, case.fmt, case.what, case.write, expect), points.to_dicts())
    assert points.filter(pl.col("status") != "ok")["isf_tellende"].sum() == 0  # a bad row never counts


# --- isf points ---------------------------------------------------------------------------------
POINTS_XFAIL: dict[str, str] = {}


@pytest.mark.parametrize("case", _xfail(grouped_cases(), POINTS_XFAIL))
def test_points_accounts_for_every_row(case: Case, tmp_path: Path) -> None:
    src = case.write(tmp_path)
    out = tmp_path / "points"
    res = runner.invoke(app, ["points", str(src), "--year", "2025", "--demo-params", "--out", str(out)])
    assert_clean_exit(res)
    if case.expect.rows is None:
        _stopped(case, res, src)
        return
    assert res.exit_code == 0, res.output
    pts = pl.read_parquet(out / "points.parquet")
    assert pts.height == case.expect.rows
    for pos, number in enumerate(case.expect.numbers):
        row = pts.row(pos, named=True)
        if number in case.expect.bad:  # a value the points step cannot use: flagged with its field, never counted
            field = case.expect.bad[number][1]
            said = " ".join(str(row.get(c) or "") for c in ("status", "error", "isf_arsak"))
            assert not row["isf_tellende"] and field in said, (number, field, said)
        else:
            assert row["isf_tellende"], (number, row.get("isf_arsak"))


# --- isf weights estimate -------------------------------------------------------------------------
KPP_XFAIL: dict[str, str] = {}


@pytest.mark.parametrize("case", _xfail(kpp_cases(), KPP_XFAIL))
def test_weights_estimate_reports_every_rejected_row(case: Case, tmp_path: Path) -> None:
    src = case.write(tmp_path)
    out = tmp_path / "weights.csv"
    res = runner.invoke(app, ["weights", "estimate", "--kpp", str(src), "--activity", str(GOLDEN / "activity_small.csv"),
                              "--min-stays-hf", "1", "--min-stays-drg", "1", "-o", str(out)])
    assert_clean_exit(res)
    if case.expect.rows is None:
        _stopped(case, res, src)
        return
    assert res.exit_code == 0, res.output
    rejected = int(case.expect.bad[0][1]) if case.expect.bad else 0
    if rejected:
        assert f"{rejected} rejected" in res.output or f"{rejected} avvist" in res.output, res.output
    assert out.exists()


# --- isf effects and weight lists ---------------------------------------------------------------
EFFECTS_XFAIL: dict[str, str] = {}


@pytest.mark.parametrize("case", _xfail(weight_cases(), EFFECTS_XFAIL))
def test_effects_stops_on_a_broken_weight_list(case: Case, tmp_path: Path) -> None:
    src = case.write(tmp_path)
    good = GOLDEN / "old_weights_small.csv"
    res = runner.invoke(app, ["effects", "--activity", str(GOLDEN / "activity_small.csv"), "--old", str(good),
                              "--new", str(src), "--year", "2025", "-o", str(tmp_path / "eff.csv")])
    assert_clean_exit(res)
    _stopped(case, res, src)


RUN_WEIGHTS_XFAIL: dict[str, str] = {}


@pytest.mark.parametrize("case", _xfail(weight_cases(), RUN_WEIGHTS_XFAIL))
def test_run_stops_on_a_broken_weight_list(case: Case, tmp_path: Path) -> None:
    src = case.write(tmp_path)
    act = next(c for c in activity_cases() if c.name == "csv_clean_comma.csv").write(tmp_path)
    res = runner.invoke(app, ["run", "--activity", str(act), "--weights", str(src), "--year", "2025", "--demo-params",
                              "-o", str(tmp_path / "run"), "-q"])
    assert_clean_exit(res)
    _stopped(case, res, src)


EFFECTS_ACTIVITY_XFAIL: dict[str, str] = {}


@pytest.mark.parametrize("case", _xfail(grouped_cases(), EFFECTS_ACTIVITY_XFAIL))
def test_effects_on_hostile_activity(case: Case, tmp_path: Path) -> None:
    """exit 2 naming the file, or exit 0 only when every row it uses could be used (no silent loss or default);
    dates are not used by effects, so an impossible one may pass."""
    src = case.write(tmp_path)
    w = GOLDEN / "old_weights_small.csv"
    res = runner.invoke(app, ["effects", "--activity", str(src), "--old", str(w), "--new", str(w), "--year", "2025",
                              "-o", str(tmp_path / "eff.csv")])
    assert_clean_exit(res)
    if case.expect.rows is None or case.name in ("grouped_stray_quote.csv", "grouped_bad_numbers.csv"):
        assert res.exit_code == 2 or any(f"row {n}" in res.output for n in case.expect.bad), res.output
        assert src.name in res.output or any(f"row {n}" in res.output for n in case.expect.bad)
    else:
        assert res.exit_code == 0, res.output


# --- nothing from the input in any output stream ----------------------------------------------------
LEAK_XFAIL: dict[str, str] = {}


@pytest.mark.slow
@pytest.mark.parametrize("command", ["run", "points", "weights", "effects"])
def test_no_value_from_the_input_in_messages(command: str, tmp_path: Path) -> None:
    """A fødselsnummer-like marker in every cell: never in stdout/stderr, never in an `error`."""
    if command == "run":
        cases = [c for c in activity_cases(marker=MARKER) if c.fmt != "case-string"]
    elif command == "points":
        cases = grouped_cases(marker=MARKER)
    elif command == "weights":
        cases = kpp_cases(marker=MARKER)
    else:
        cases = weight_cases(marker=MARKER)
    leaks = []
    for case in cases:
        src = case.write(tmp_path)
        out = tmp_path / f"out-{case.name}"
        args = {
            "run": ["run", "--activity", str(src), "--year", "2025", "--demo-params", "-o", str(out), "-q"],
            "points": ["points", str(src), "--year", "2025", "--demo-params", "--out", str(out)],
            "weights": ["weights", "estimate", "--kpp", str(src), "--activity", str(GOLDEN / "activity_small.csv"),
                        "--min-stays-hf", "1", "--min-stays-drg", "1", "-o", str(out)],
            "effects": ["effects", "--activity", str(GOLDEN / "activity_small.csv"), "--old",
                        str(GOLDEN / "old_weights_small.csv"), "--new", str(src), "-o", str(out)],
        }[command]
        res = runner.invoke(app, args)
        if MARKER in res.output:
            leaks.append((case.name, "output"))
        if command == "run" and (out / "points.parquet").exists():
            errors = pl.read_parquet(out / "points.parquet")["error"].drop_nulls().to_list()
            if any(MARKER in e for e in errors):
                leaks.append((case.name, "error column"))
    assert not leaks, leaks
