"""End-to-end: the `isf` CLI contract for grouping (used by acceptance checks; keep stable)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import polars as pl
import pytest
from conftest import LOGIC_FILES
from typer.testing import CliRunner

from isf.cli import app

runner = CliRunner()


@pytest.mark.slow
def test_group_case_strings_with_2015_zip(reference_cases, tmp_path: Path):
    src = tmp_path / "cases.txt"
    src.write_text("\n".join(rc.case_string for rc in reference_cases[:200]) + "\nbroken\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    res = runner.invoke(app, ["group", "--logic", str(LOGIC_FILES["NOR2015"]), "--format", "case-string", str(src), "-o", str(out)])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 201
    assert {"drg", "rtc", "rule", "mdc", "status", "error"} <= set(rows[0])
    for rc, row in zip(reference_cases[:200], rows, strict=False):
        assert (row["drg"], row["rtc"], row["rule"]) == (rc.drg, rc.rtc, rc.rule)
    assert rows[-1]["status"] == "invalid_case" and "row 201" in rows[-1]["error"]


def test_group_csv_and_parquet_activity(tmp_path: Path):
    df = pl.DataFrame({
        "kontakt_id": [1, 2, 3],
        "kjonn": [1, 2, None],
        "alder_dager": [20000, 9000, 400],
        "utskr_maate": ["H", "E", "H"],
        "liggetid": [3, 0, 1],
        "hdiag": ["I219", "K359", ""],
        "hdiag2": [None, None, None],
        "bdiag": [["I109"], [], []],
        "prosedyrer": [[], ["JEA00"], []],
    })
    pq_in = tmp_path / "act.parquet"
    df.write_parquet(pq_in)
    out = tmp_path / "grouped.parquet"
    res = runner.invoke(app, ["group", str(pq_in), "-o", str(out), "--quiet"])
    assert res.exit_code == 0, res.output
    g = pl.read_parquet(out)
    assert g.height == 3 and g["kontakt_id"].to_list() == [1, 2, 3]
    # K359 is not in the demo logic (rtc 9) and row 3 has no principal diagnosis (rtc 1): both keep
    # DRG 470, and neither counts as ok
    assert g["status"].to_list() == ["ok", "grouping_error", "grouping_error"] and g["drg"].null_count() == 0
    assert g["rtc"].to_list() == ["0", "9", "1"] and g["error"][2] == "row 3: rtc: NordDRG return code 1"
    # the same data as CSV with '|'-joined lists groups identically
    csv_in = tmp_path / "act.csv"
    df.with_columns(pl.col("bdiag").list.join("|"), pl.col("prosedyrer").list.join("|")).write_csv(csv_in)
    out2 = tmp_path / "grouped.csv"
    res = runner.invoke(app, ["group", str(csv_in), "-o", str(out2), "--quiet"])
    assert res.exit_code == 0, res.output
    g2 = pl.read_csv(out2, infer_schema=False)
    assert g2["drg"].to_list() == g["drg"].to_list()


def test_explain_text_and_json(reference_cases):
    rc = reference_cases[4]
    res = runner.invoke(app, ["explain", "--logic", "NOR2015", "--lang", "en", rc.case_string])
    assert res.exit_code == 0, res.output
    assert f"DRG {rc.drg}" in res.output and f"rule {rc.rule}" in res.output
    assert "Matched rule" in res.output and "failed on" in res.output
    res = runner.invoke(app, ["explain", "--logic", "NOR2015", rc.case_string])  # bokmål by default
    assert res.exit_code == 0 and f"DRG {rc.drg}" in res.output and f"regel {rc.rule}" in res.output
    assert "Regelen som slo til" in res.output and "feilet på" in res.output
    assert "gyldig hoveddiagnose  [icd +]" in res.output  # conditions in words, the table's value beside
    res = runner.invoke(app, ["explain", "--logic", "NOR2015", "--json", rc.case_string])
    data = json.loads(res.output)
    assert data["result"]["drg"] == rc.drg and data["matched_rule"]["ord"] == rc.rule
    assert all(c["satisfied"] for c in data["matched_rule"]["conditions"])
    assert all(c["text"] and c["required"] for c in data["matched_rule"]["conditions"])
    assert data["near_misses"] and all(not t["matched"] and t["first_failed"] for t in data["near_misses"])


def test_bad_inputs_fail_with_clear_messages(tmp_path: Path):
    res = runner.invoke(app, ["explain", "--logic", str(tmp_path / "nope.zip"), "1,100,H,0,,I219"])
    assert res.exit_code == 2 and "nope.zip" in res.output
    res = runner.invoke(app, ["explain", "--logic", "demo", "1,x"])
    assert res.exit_code == 2 and "malformed case string" in res.output


def test_logics_lists_demo_and_shared_versions():
    res = runner.invoke(app, ["logics"])
    assert res.exit_code == 0 and "DEMO" in res.output and "NOR2017" in res.output


def test_explain_with_points_shows_components_and_sources():
    case = "1,20000,H,30,,I219,,E119"
    res = runner.invoke(app, ["explain", "--year", "2025", case])
    assert res.exit_code == 0, res.output
    assert "poeng_basis" in res.output and "poeng_langligger" in res.output and "demo_2025.csv" in res.output
    data = json.loads(runner.invoke(app, ["explain", "--year", "2025", "--json", case]).output)
    comps = {p["component"]: p["value"] for p in data["points"]}
    parts = sum(float(v) for k, v in comps.items() if k != "isf_poeng")
    assert abs(parts - float(comps["isf_poeng"])) < 1e-9 and float(comps["poeng_langligger"]) > 0


def test_parquet_output_gathers_chunks_into_row_groups_and_keeps_order(tmp_path: Path, monkeypatch):
    """Chunks smaller than a row group are gathered (`ROW_GROUP_ROWS`), several chunks are read
    ahead and written behind: every row still comes out once, in input order, and the last row
    group holds the rest."""
    import pyarrow.parquet as pq

    from isf.batch import engine
    from isf.definitions import load_logic

    monkeypatch.setattr(engine, "ROW_GROUP_ROWS", 25)
    monkeypatch.setattr(engine, "WRITE_BEHIND", 2)
    n = 73
    df = pl.DataFrame({
        "kontakt_id": list(range(n)),
        "kjonn": [1 + i % 2 for i in range(n)],
        "alder_dager": [20000] * n,
        "utskr_maate": ["H"] * n,
        "liggetid": [i % 5 for i in range(n)],
        "hdiag": ["I219" if i % 3 else "" for i in range(n)],
        "hdiag2": [None] * n,
        "bdiag": [["I109"] if i % 2 else [] for i in range(n)],
        "prosedyrer": [[] for _ in range(n)],
    })
    src, out = tmp_path / "act.parquet", tmp_path / "grouped.parquet"
    df.write_parquet(src)
    stats = engine.group_file(load_logic("demo"), src, out, batch_rows=10, threads=1)
    meta = pq.ParquetFile(out).metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [30, 30, 13]
    g = pl.read_parquet(out)
    assert stats.rows == g.height == n and g["kontakt_id"].to_list() == list(range(n))
    assert g["status"].to_list() == ["grouping_error" if i % 3 == 0 else "ok" for i in range(n)]


def test_parquet_outputs_keep_statistics_of_numbers_and_dates_only(tmp_path: Path):
    """`isf.files.parquet_writer`: zstd, min/max for integer, date and boolean columns (what
    filters read), none for text (a third of the writing)."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    from isf.files import parquet_writer

    table = pa.table({"n": [3, 1], "d": [dt.date(2025, 1, 2), dt.date(2025, 3, 4)], "b": [True, False],
                      "s": ["b", "a"], "l": [["x"], []]})
    w = parquet_writer(tmp_path / "t.parquet", table.schema)
    w.write_table(table)
    w.close()
    rg = pq.ParquetFile(tmp_path / "t.parquet").metadata.row_group(0)
    cols = {rg.column(i).path_in_schema.split(".")[0]: rg.column(i) for i in range(rg.num_columns)}
    assert {c.compression for c in cols.values()} == {"ZSTD"}
    assert (cols["n"].statistics.min, cols["n"].statistics.max) == (1, 3)
    assert cols["d"].statistics.has_min_max and cols["b"].statistics.has_min_max
    assert cols["s"].statistics is None or not cols["s"].statistics.has_min_max
    assert pq.read_table(tmp_path / "t.parquet").equals(table)


def test_a_command_that_groups_keeps_its_logic_out_of_the_collector():
    """`load_logic_or_exit(compiled=True)`: the logic is compiled once (kept on it, where the run
    finds it) and the objects then alive are frozen, so collections during the run skip them."""
    import gc

    from isf.cli.common import load_logic_or_exit
    from isf.grouping.compiled import compiled_logic

    before = gc.get_freeze_count()
    try:
        logic = load_logic_or_exit("demo", compiled=True)
        assert gc.get_freeze_count() > before
        assert compiled_logic(logic) is compiled_logic(logic)
        assert gc.is_tracked(compiled_logic(logic))
    finally:
        gc.unfreeze()
