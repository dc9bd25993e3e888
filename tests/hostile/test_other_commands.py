"""The hostile corpus through `isf run`, `isf points`, `isf weights estimate` and `isf effects`.

The same contract as `isf group`: exit 0 with every row accounted for (bad rows flagged with
row and field, never a silent default), or exit 2 with a message naming the file; never a
traceback or an internal error (exit 3), never a value from the input in the output streams.

These commands belong to the settlement work; the cases that fail today are marked
``xfail(strict=True, reason="settlement owner: ...")`` so that a fix turns them into errors
here and the mark can go.
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
    return [pytest.param(c, id=c.name, marks=pytest.mark.xfail(strict=True, reason=f"settlement owner: {reasons[c.name]}"))
            if c.name in reasons else pytest.param(c, id=c.name) for c in cases]


# --- isf run ------------------------------------------------------------------------------------
RUN_XFAIL: dict[str, str] = {}


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
POINTS_XFAIL = {
    "grouped_bad_numbers.csv": "isf points reads CSV with pl.read_csv(try_parse_dates=True) and compute._col casts "
                               "with strict=False then fill_null(0): liggetid 'abc'/'NaN' becomes a 0-day stay that "
                               "counts, omsorgsniva 'x' and debitor '²' become null without naming the field",
    "grouped_impossible_dates.csv": "pl.read_csv(try_parse_dates=True) leaves inn_dato 2025-02-30 as text and a date "
                                    "conversion in compute raises polars InvalidOperationError: internal error, exit 3, "
                                    "no row or field named",
    "grouped_stray_quote.csv": "pl.read_csv raises ComputeError on the unclosed quote: internal error, exit 3, no row "
                               "named (isf.activity.read_activity(path, required=('drg',)) reads it row by row)",
    "grouped_empty.csv": "an empty file (no header, no drg column) gives '0 rows' and exit 0 instead of an error "
                         "naming the file",
}


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
KPP_XFAIL = {
    "kpp_bad_costs.csv": "estimate_weights drops rows whose validate_kpp status is not ok without reporting them; "
                         "print isf.weights.kpp.summarize_kpp(...) (e.g. '30 KPP rows: 24 used, 6 rejected "
                         "(6 missing_value)') in the command output",
    "kpp_stray_quote.csv": "cli/weights.read_table uses pl.read_csv, which raises ComputeError on the unclosed quote: "
                           "internal error, exit 3, no row named",
    "kpp_empty.csv": "pl.read_csv raises NoDataError on an empty file: internal error, exit 3",
    "kpp_cp1252.csv": "pl.read_csv fails on Windows-1252 bytes (polars ComputeError): internal error, exit 3",
    "kpp_header_only.csv": "EstimationError('no valid KPP rows') does not name the KPP file",
    "kpp_missing_column.csv": "KppError('KPP table lacks column(s): kostnad_ore') names neither the file nor the user's "
                              "column (kostnad)",
}


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
_WL_XLSX = ("weightlist.read_weights_xlsx lets openpyxl's {exc} through (not a WeightListError): internal error, "
            "exit 3")
_WL_1E400 = ("weightlist parses vekt 1e400 as Decimal('1E+400') without complaint; {where} then fails "
             "({exc}): internal error, exit 3")
EFFECTS_XFAIL = {
    "weights_xlsx_text.xlsx": _WL_XLSX.format(exc="BadZipFile"),
    "weights_truncated.xlsx": _WL_XLSX.format(exc="KeyError ([Content_Types].xml)"),
    "weights_1e400.csv": _WL_1E400.format(where="cli/weights.read_weight_frame", exc="polars Decimal128 overflow, "
                                                                                     "RuntimeError"),
}


@pytest.mark.parametrize("case", _xfail(weight_cases(), EFFECTS_XFAIL))
def test_effects_stops_on_a_broken_weight_list(case: Case, tmp_path: Path) -> None:
    src = case.write(tmp_path)
    good = GOLDEN / "old_weights_small.csv"
    res = runner.invoke(app, ["effects", "--activity", str(GOLDEN / "activity_small.csv"), "--old", str(good),
                              "--new", str(src), "--year", "2025", "-o", str(tmp_path / "eff.csv")])
    assert_clean_exit(res)
    _stopped(case, res, src)


RUN_WEIGHTS_XFAIL = {
    "weights_xlsx_text.xlsx": _WL_XLSX.format(exc="BadZipFile"),
    "weights_truncated.xlsx": _WL_XLSX.format(exc="KeyError ([Content_Types].xml)"),
    "weights_1e400.csv": _WL_1E400.format(where="the points step", exc="decimal.InvalidOperation"),
}


@pytest.mark.parametrize("case", _xfail(weight_cases(), RUN_WEIGHTS_XFAIL))
def test_run_stops_on_a_broken_weight_list(case: Case, tmp_path: Path) -> None:
    src = case.write(tmp_path)
    act = next(c for c in activity_cases() if c.name == "csv_clean_comma.csv").write(tmp_path)
    res = runner.invoke(app, ["run", "--activity", str(act), "--weights", str(src), "--year", "2025", "--demo-params",
                              "-o", str(tmp_path / "run"), "-q"])
    assert_clean_exit(res)
    _stopped(case, res, src)


EFFECTS_ACTIVITY_XFAIL = {
    "grouped_cp1252.csv": "cli/weights.read_table uses pl.read_csv: Windows-1252 bytes raise ComputeError, internal "
                          "error (exit 3)",
    "grouped_empty.csv": "an empty activity file gives '0 groups' and exit 0 instead of an error naming the file",
    "grouped_stray_quote.csv": "cli/weights.read_table uses pl.read_csv, which raises ComputeError on the unclosed "
                               "quote: internal error (exit 3), no row named",
    "grouped_bad_numbers.csv": "liggetid 'abc'/'NaN' read through pl.read_csv make a later cast raise polars "
                               "InvalidOperationError: internal error (exit 3), no row or field named",
}


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
