"""`isf group` on every hostile corpus file, to CSV and to Parquet: rows in = rows out, every
malformed row flagged with its row number and field, readable rows unchanged and in place, and
files that cannot be grouped stop with exit 2, a message naming the file (and column), and no
output at all. No traceback, ever."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from hostile.corpus import Case, activity_cases
from isf.cli import app
from isf.files import TMP_MARK

runner = CliRunner()
CASES = activity_cases()


def read_output(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pylist()
    return [{k: (v if v != "" else None) for k, v in r.items()}
            for r in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))]


def assert_clean_exit(res: Any) -> None:
    """Exit 0 or 2 only (3 = internal error, 1 = an uncaught exception), never a traceback."""
    assert res.exit_code in (0, 2), (res.exit_code, res.output, res.exception)
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in res.output


def check_rows(case: Case, rows: list[dict[str, Any]]) -> None:
    """The rows of `case` as the expectation says (also used for `isf run` and the web upload)."""
    e = case.expect
    assert len(rows) == e.rows, (case.name, len(rows), e.rows)
    for row, number in zip(rows, e.numbers, strict=True):
        if "line" in row:
            assert int(row["line"]) == number
        err = row["error"] or ""
        if number in e.bad:
            status, field = e.bad[number]
            assert row["status"] == status, (case.name, number, row["status"], err)
            assert f"row {number}: {field}: " in err, (case.name, number, err)
            assert not row["drg"]
        else:
            want = "grouping_error" if number in e.grouping_errors else "ok"
            assert row["status"] == want, (case.name, number, row["status"], err)
            assert row["drg"], (case.name, number)
            if want == "ok":
                assert not err
            else:
                assert err.startswith(f"row {number}: rtc: NordDRG return code ")
            if e.ids:
                assert str(row["kontakt_id"]) == str(number), (case.name, number)


# Parquet output of every hostile input: slow tier (the fast tier writes CSV; the writers have their own tests)
@pytest.mark.parametrize("suffix", [".csv", pytest.param(".parquet", marks=pytest.mark.slow)])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_group_accounts_for_every_row(case: Case, suffix: str, tmp_path: Path) -> None:
    src = case.write(tmp_path)
    out = tmp_path / f"grouped{suffix}"
    res = runner.invoke(app, ["group", str(src), "-o", str(out)])
    assert_clean_exit(res)
    assert not [p for p in tmp_path.iterdir() if TMP_MARK in p.name]  # no half-written file left
    if case.expect.rows is None:
        assert res.exit_code == 2, res.output
        assert res.stderr.startswith("error: ") and src.name in res.stderr, res.stderr
        for word in case.expect.stop_words:
            assert word in res.stderr, (word, res.stderr)
        assert not out.exists()
        return
    assert res.exit_code == 0, res.output
    assert f"{case.expect.rows} rows grouped" in res.stderr
    check_rows(case, read_output(out))


def test_readable_values_pass_through_unchanged(tmp_path: Path) -> None:
    """Encodings are decoded, not mangled: ø from a Windows-1252 or UTF-16 file stays ø."""
    for case in CASES:
        if case.name in ("csv_cp1252.csv", "csv_latin1.csv", "csv_utf16_bom.csv", "csv_utf16le_nobom.csv",
                         "csv_utf8_bom.csv", "csv_quoted_delimiters.csv"):
            out = tmp_path / f"{case.name}.csv"
            assert runner.invoke(app, ["group", str(case.write(tmp_path)), "-o", str(out)]).exit_code == 0
            rows = read_output(out)
            if case.name == "csv_quoted_delimiters.csv":
                assert rows[1]["beh_hf"] == 'Helse, "Bergen" HF'
                assert rows[2]["bdiag"] == "E119|I109"
            else:
                assert rows[0]["beh_hf"] == "Sørlandet sykehus HF" and rows[0]["bo_rhf"] == "Helse Sør-Øst"
                assert next(iter(rows[0])) == "kontakt_id"  # no BOM glued to the first column name


def test_a_failed_run_leaves_the_old_output_untouched(tmp_path: Path) -> None:
    src = next(c for c in CASES if c.name == "csv_duplicate_columns.csv").write(tmp_path)
    out = tmp_path / "grouped.csv"
    out.write_text("an older result\n")
    res = runner.invoke(app, ["group", str(src), "-o", str(out)])
    assert res.exit_code == 2 and out.read_text() == "an older result\n"


def test_a_failure_midway_leaves_no_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo_logic: Any) -> None:
    """A run that breaks after some chunks were written leaves nothing that looks complete."""
    from hostile.corpus import csv_text
    from isf.batch import engine

    src = tmp_path / "a.csv"
    src.write_text(csv_text([{}] * 50)[0])
    calls = {"n": 0}
    real = engine.group_chunk

    def flaky(*a: Any, **k: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return real(*a, **k)

    monkeypatch.setattr(engine, "group_chunk", flaky)
    out = tmp_path / "out.parquet"
    with pytest.raises(OSError):
        engine.group_file(demo_logic, src, out, batch_rows=10)
    assert not out.exists() and not [p for p in tmp_path.iterdir() if TMP_MARK in p.name]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["csv_stray_quote_open.csv", "pq_corrupt_page.parquet", "csv_numbers_as_text.csv"])
def test_worker_processes_give_the_same_rows(name: str, tmp_path: Path) -> None:
    case = next(c for c in CASES if c.name == name)
    src = case.write(tmp_path)
    one, two = tmp_path / "one.parquet", tmp_path / "two.parquet"
    assert runner.invoke(app, ["group", str(src), "-o", str(one)]).exit_code == 0
    res = runner.invoke(app, ["group", str(src), "-o", str(two), "--workers", "2"])
    assert res.exit_code == 0, res.output
    assert read_output(one) == read_output(two)
    check_rows(case, read_output(two))


def test_explicit_encoding_and_a_wrong_one(tmp_path: Path) -> None:
    case = next(c for c in CASES if c.name == "csv_cp1252.csv")
    src = case.write(tmp_path)
    out = tmp_path / "o.csv"
    assert runner.invoke(app, ["group", str(src), "-o", str(out), "--encoding", "cp1252"]).exit_code == 0
    assert read_output(out)[0]["beh_hf"] == "Sørlandet sykehus HF"
    # read as UTF-8 on purpose, the rows with ø cannot be read: they say so, none is lost
    res = runner.invoke(app, ["group", str(src), "-o", str(out), "--encoding", "utf-8"])
    rows = read_output(out)
    assert res.exit_code == 0 and len(rows) == 3
    assert [r["status"] for r in rows] == ["unreadable", "ok", "unreadable"]
    assert rows[0]["error"].startswith("row 1: ") and "UTF-8" in rows[0]["error"]
    res = runner.invoke(app, ["group", str(src), "-o", str(out), "--encoding", "klingon"])
    assert res.exit_code == 2 and "unknown encoding" in res.stderr


@pytest.mark.slow
def test_no_value_from_the_input_in_messages_or_errors(tmp_path: Path) -> None:
    """A fødselsnummer-like marker in every cell of every corpus file: rows are still all there,
    and neither the console nor any `error` ever shows it."""
    from hostile.corpus import MARKER

    leaks = []
    for case in activity_cases(marker=MARKER):
        src = case.write(tmp_path)
        out = tmp_path / f"out-{case.name}.parquet"
        res = runner.invoke(app, ["group", str(src), "-o", str(out)])
        assert_clean_exit(res)
        if MARKER in res.output:
            leaks.append((case.name, "console"))
        if out.exists():
            rows = read_output(out)
            assert len(rows) == case.expect.rows, case.name
            leaks += [(case.name, r["error"]) for r in rows if MARKER in (r["error"] or "")]
    assert not leaks, leaks


@pytest.mark.parametrize(("field", "value"), [
    ("age_days", "{m}x"), ("age_days", "1²"), ("age_days", "١٢٣"), ("age_days", "9" * 5000), ("los", "{m}"),
    ("sex", "{m}"), ("discharge", "{m}"),
])
def test_explain_does_not_echo_a_malformed_value(field: str, value: str) -> None:
    """A malformed field stops `isf explain` with exit 2 naming the field, never the value
    (superscript and Arabic-Indic digits and 5,000-digit numbers included)."""
    from hostile.corpus import MARKER

    fields = {"sex": "1", "age_days": "100", "discharge": "H", "los": "3"}
    fields[field] = value.format(m=MARKER)
    case = ",".join([fields["sex"], fields["age_days"], fields["discharge"], fields["los"], "", "I219"])
    res = runner.invoke(app, ["explain", case])
    assert res.exit_code == 2 and f"malformed case string: {field}: " in res.output
    assert MARKER not in res.output and value.format(m=MARKER)[:12] not in res.output


@pytest.mark.parametrize("value", ["1²", "١٢٣", "9" * 5000, "1" + "0" * 25])
def test_odd_digits_are_row_errors_on_every_path(tmp_path: Path, value: str) -> None:
    """Digits other than ASCII 0-9 and numbers far too long are a row error naming the field,
    from a CSV column and from a case string alike (never an exception, never the value)."""
    src = tmp_path / "odd.csv"
    src.write_text(f"kjonn,alder_dager,liggetid,hdiag\n1,{value},3,I219\n1,100,{value},I219\n1,100,3,I219\n",
                   encoding="utf-8")
    out = tmp_path / "odd.out.csv"
    res = runner.invoke(app, ["group", str(src), "-o", str(out)])
    assert_clean_exit(res)
    rows = read_output(out)
    assert [r["status"] for r in rows] == ["invalid_age_days", "invalid_los", "ok"]
    assert rows[0]["error"].startswith("row 1: alder_dager: ") and rows[1]["error"].startswith("row 2: liggetid: ")
    strings = tmp_path / "odd.txt"
    strings.write_text(f"1,{value},H,3,,I219\n1,100,H,{value},,I219\n", encoding="utf-8")
    out2 = tmp_path / "odd2.csv"
    res = runner.invoke(app, ["group", str(strings), "-o", str(out2)])
    assert_clean_exit(res)
    rows = read_output(out2)
    assert [r["status"] for r in rows] == ["invalid_case", "invalid_case"] or [r["status"] for r in rows] == [
        "invalid_age_days", "invalid_los"]
    assert rows[0]["error"].startswith("row 1: case_string: ") and rows[1]["error"].startswith("row 2: case_string: ")
    assert all(value[:8] not in r["error"] for r in rows)


def test_usage_errors_stay_usage_errors(tmp_path: Path) -> None:
    """typer's own answers (bad option values) pass the error translation untouched."""
    res = runner.invoke(app, ["synth", "--format", "xml", "--out", str(tmp_path / "x.xml")])
    assert res.exit_code == 2 and "internal error" not in res.output and "--format" in res.output
    res = runner.invoke(app, ["group", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "o.csv")])
    assert res.exit_code == 2 and res.stderr.startswith("error: ") and "input not found" in res.stderr
