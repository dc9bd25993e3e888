"""Issue 15: `isf run` streamed in chunks and patient parts gives what settling the whole year at
once gives, row for row; a failed run leaves no folder that looks complete.

The streamed run is forced into many chunks and parts (`chunk_rows`, `part_rows`) on a small
activity with bad data that ties parts together (a kontakt_id and hospital stays shared by
patients, rows without a patient); the reference is `settle` on the whole grouped frame.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from test_run import synth_with_stg  # tests/e2e is on the path (pytest rootdir mode)
from typer.testing import CliRunner

from isf.batch.engine import group_dataframe
from isf.cli import app
from isf.definitions import load_logic
from isf.params import load_params
from isf.run import run_job
from isf.settlement import settle
from isf.settlement.tables import TABLES, aggregate
from isf.stg_tfg import load_stg_tfg
from isf.weights.weightlist import load_weight_lists

pytestmark = pytest.mark.slow

runner = CliRunner()
YEAR = 2026


def _bad_data(df: pl.DataFrame) -> pl.DataFrame:
    """A kontakt_id reused by another patient's row, hospital stays shared by patients, rows
    without pasient_id, an unknown sector: what ties patient buckets together or stands alone."""
    k = pl.col("kontakt_id")
    return df.with_columns(
        kontakt_id=pl.when(k % 1999 == 0).then(k - 1).otherwise(k),
        opphold_id=pl.when((k % 997 == 0) & pl.col("opphold_id").is_not_null())
        .then(pl.col("opphold_id").shift(3)).otherwise(pl.col("opphold_id")),
        pasient_id=pl.when(k % 1511 == 0).then(None).otherwise(pl.col("pasient_id")),
        sektor=pl.when(k % 1013 == 0).then(pl.lit("xyz")).otherwise(pl.col("sektor")),
    )


@pytest.fixture(scope="module")
def activity(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    path = tmp_path_factory.mktemp("act") / "act.parquet"
    df = _bad_data(synth_with_stg(path, rows=12_000, seed=15, year=YEAR))
    df.write_parquet(path)
    return df


def _whole(df: pl.DataFrame, *, grouped: bool = False):  # type: ignore[no-untyped-def]
    g = df if grouped else group_dataframe(load_logic("demo"), df)
    return settle(g, weights=load_weight_lists(["demo"], year=YEAR), params=load_params(YEAR, demo=True),
                  stg_tfg=load_stg_tfg(YEAR), year=YEAR)


def _same_as_whole(out: Path, whole) -> None:  # type: ignore[no-untyped-def]
    points = pl.read_parquet(out / "points.parquet")
    assert points.columns == whole.rows.columns
    assert points.equals(whole.rows)  # rows in = rows out, in input order, every value
    assert pl.read_parquet(out / "enheter.parquet").equals(whole.units)
    for name in TABLES:
        assert pl.read_parquet(out / f"{name}.parquet").equals(aggregate(whole.units, name)), name


def test_streamed_in_parts_is_the_whole_row_for_row(activity: pl.DataFrame, tmp_path: Path) -> None:
    res = run_job(logic="demo", activity=activity, year=YEAR, demo_params=True, out_dir=tmp_path / "o",
                  chunk_rows=2_500, part_rows=1_500)
    assert 1 < res.parts < 8  # 8 buckets: several parts, some buckets joined by the shared ids
    _same_as_whole(tmp_path / "o", _whole(activity))
    ctx = json.loads((tmp_path / "o" / "kontekst.json").read_text(encoding="utf-8"))
    assert ctx["rader_inn"] == activity.height
    assert set(res.stages) >= {"read", "group", "spill", "stg_tfg", "points", "money", "write"}


def test_file_input_streamed_in_chunks(activity: pl.DataFrame, tmp_path: Path) -> None:
    """The CLI path: a Parquet file read chunk by chunk gives the same folder as one chunk."""
    src = tmp_path / "act.parquet"
    activity.write_parquet(src)
    small = run_job(logic="demo", activity=src, year=YEAR, demo_params=True, out_dir=tmp_path / "small",
                    chunk_rows=1_000, part_rows=2_000)
    big = run_job(logic="demo", activity=src, year=YEAR, demo_params=True, out_dir=tmp_path / "big")
    assert small.parts > 1 and big.parts == 1
    for name in ("points", "enheter", "sorge_for", "sorge_for_hf", "sammendrag", "gruppe"):
        assert pl.read_parquet(tmp_path / "small" / f"{name}.parquet").equals(
            pl.read_parquet(tmp_path / "big" / f"{name}.parquet")), name


def test_grouped_activity_streamed_in_parts(activity: pl.DataFrame, tmp_path: Path) -> None:
    grouped = group_dataframe(load_logic("demo"), activity)
    src = tmp_path / "grouped.parquet"
    grouped.write_parquet(src)
    res = run_job(logic=None, activity=src, grouped=True, year=YEAR, demo_params=True, out_dir=tmp_path / "o",
                  chunk_rows=3_000, part_rows=2_000)
    assert res.parts > 1
    whole = _whole(grouped, grouped=True)
    assert pl.read_parquet(tmp_path / "o" / "enheter.parquet").equals(whole.units)
    points = pl.read_parquet(tmp_path / "o" / "points.parquet")  # a file's columns come typed, in model order
    assert sorted(points.columns) == sorted(whole.rows.columns)
    assert points.select(whole.rows.columns).equals(whole.rows)


def test_bad_rows_keep_their_row_number_across_chunks(tmp_path: Path) -> None:
    """A CSV read in chunks of 40 rows: the impossible date of row 95 is reported as row 95,
    its row is kept (0 points) and rows in = rows out."""
    df = synth_with_stg(tmp_path / "a.parquet", rows=200, seed=3, year=YEAR)
    csv = df.with_columns(pl.col(c).list.join("|") for c in ("bdiag", "prosedyrer")).with_columns(
        inn_dato=pl.col("inn_dato").cast(pl.String))
    csv = csv.with_columns(inn_dato=pl.when(pl.int_range(pl.len()) == 94).then(pl.lit("2026-02-30"))
                           .otherwise(pl.col("inn_dato")))
    csv.write_csv(tmp_path / "a.csv")
    res = run_job(logic="demo", activity=tmp_path / "a.csv", year=YEAR, demo_params=True, out_dir=tmp_path / "o",
                  chunk_rows=40, part_rows=60)
    points = pl.read_parquet(tmp_path / "o" / "points.parquet")
    assert points.height == 200 == res.rows and points["kontakt_id"].to_list() == df["kontakt_id"].to_list()
    bad = points.row(94, named=True)
    assert bad["status"] == "invalid" and bad["error"].startswith("row 95: inn_dato")
    assert not bad["isf_tellende"] and res.rows_with_errors >= 1


def test_empty_activity_gives_empty_tables(tmp_path: Path) -> None:
    df = synth_with_stg(tmp_path / "a.parquet", rows=10, seed=1, year=YEAR).head(0)
    df.write_parquet(tmp_path / "empty.parquet")
    res = run_job(logic="demo", activity=tmp_path / "empty.parquet", year=YEAR, demo_params=True, out_dir=tmp_path / "o")
    assert res.rows == 0
    assert pl.read_parquet(tmp_path / "o" / "points.parquet").height == 0
    assert pl.read_parquet(tmp_path / "o" / "enheter.parquet").height == 0
    assert pl.read_csv(tmp_path / "o" / "sorge_for.csv").columns == ["aar", "bo_rhf", "sektor", "isf_poeng", "isf_kroner"]
    assert str(res.summary.filter(pl.col("sektor") == "totalt")["isf_kroner"][0]) == "0.00"


def test_missing_parameters_of_every_part_named_at_once(tmp_path: Path) -> None:
    """Parts see different sectors; the error names what any of them needed."""
    df = synth_with_stg(tmp_path / "a.parquet", rows=3_000, seed=4, year=YEAR)
    try:
        run_job(logic="demo", activity=df, year=YEAR, demo_params=False, out_dir=tmp_path / "o", part_rows=300)
    except Exception as e:  # noqa: BLE001 - the message is what is tested
        text = str(e)
    else:
        raise AssertionError("missing parameters did not stop the run")
    for name in ("somatikk.enhetspris", "phv_tsb.enhetspris", "somatikk.ambulant_vekt", "phv_tsb.egenandel_poeng"):
        assert name in text, text
    assert not (tmp_path / "o").exists()


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if ".isf-tmp-" in p.name]


def test_failed_run_leaves_the_older_run_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "o"
    ok = runner.invoke(app, ["run", "--rows", "2000", "--seed", "2", "--year", str(YEAR), "--out", str(out), "-q"])
    assert ok.exit_code == 0, ok.output
    (out / "notater.txt").write_text("mine", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    # a run that stops on its input (missing parameters): nothing of it is written
    act = tmp_path / "act.parquet"
    synth_with_stg(act, rows=500, seed=1, year=YEAR)
    bad = runner.invoke(app, ["run", "--activity", str(act), "--year", str(YEAR), "--out", str(out), "-q"])
    assert bad.exit_code == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before

    # a run that breaks while writing its files: the older run is untouched, no temporary left
    import isf.pipeline

    def broken(*_a: object, **_k: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(isf.pipeline, "_write_units", broken)
    crash = runner.invoke(app, ["run", "--rows", "1500", "--seed", "9", "--year", str(YEAR), "--out", str(out), "-q"])
    assert crash.exit_code == 2 and "disk full" in crash.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert _leftovers(tmp_path) == [] and _leftovers(out) == []

    # a new run into a new folder that fails: no folder at all
    crash = runner.invoke(app, ["run", "--rows", "1500", "--year", str(YEAR), "--out", str(tmp_path / "new"), "-q"])
    assert crash.exit_code == 2 and not (tmp_path / "new").exists() and _leftovers(tmp_path) == []


def test_rerun_replaces_its_own_files_and_keeps_the_users(tmp_path: Path) -> None:
    from isf.weights.weightlist import demo_weights_dir

    out = tmp_path / "o"
    act = tmp_path / "act.parquet"
    synth_with_stg(act, rows=3_000, seed=2, year=YEAR)
    text = (demo_weights_dir() / "demo_2026.csv").read_text(encoding="utf-8")
    partial = tmp_path / "drg.csv"
    partial.write_text("\n".join(ln for ln in text.splitlines() if not ln.startswith(("122,", "901O,"))) + "\n",
                       encoding="utf-8")
    stg = ["--weights", "stg:" + str(demo_weights_dir() / "demo_2026_stg.csv"),
           "--weights", "tfg:" + str(demo_weights_dir() / "demo_2026_tfg.csv")]
    base = ["run", "--activity", str(act), "--year", str(YEAR), "--demo-params", "--out", str(out), "-q"]
    first = runner.invoke(app, [*base, "--weights", str(partial), *stg, "--allow-missing-weights"])
    assert first.exit_code == 0, first.output
    assert (out / "vektdekning.csv").exists()
    (out / "notater.txt").write_text("mine", encoding="utf-8")
    again = runner.invoke(app, base)
    assert again.exit_code == 0, again.output
    assert not (out / "vektdekning.csv").exists()  # the older run's list does not linger
    assert (out / "notater.txt").read_text(encoding="utf-8") == "mine"
    assert json.loads((out / "kontekst.json").read_text(encoding="utf-8"))["mangler_vekt"] == []


def test_one_patient_many_chunks_settles_as_one(tmp_path: Path) -> None:
    """BT01 2026 (one TFG per patient per year) with the patient's contacts in different input
    chunks: one unit, on the first contact of the year."""
    rows = []
    for i, day in enumerate([dt.date(2026, 5, 1), dt.date(2026, 2, 3), dt.date(2026, 9, 9)]):
        rows.append({"kontakt_id": 10 + i, "pasient_id": "X", "kjonn": 1, "alder_dager": 27_000, "bo_kommune": "1804",
                     "bo_hf": "Nordlandssykehuset HF", "bo_rhf": "Helse Nord", "beh_hf": "Nordlandssykehuset HF",
                     "beh_rhf": "Helse Nord", "inn_dato": day, "ut_dato": day, "liggetid": 0, "utskrklar_dager": 0,
                     "omsorgsniva": 3, "kontakt_type": 2, "innmate_hast": 4, "utskr_maate": "H", "sektor": "somatikk",
                     "debitor": 1, "ambulant": False, "hdiag": "H353", "bdiag": [], "prosedyrer": ["CKD05"]})
    df = pl.DataFrame(rows, schema_overrides={"bdiag": pl.List(pl.String)})
    run_job(logic="demo", activity=df, year=YEAR, demo_params=True, out_dir=tmp_path / "o", chunk_rows=1, part_rows=1)
    units = pl.read_parquet(tmp_path / "o" / "enheter.parquet")
    tfg = units.filter(pl.col("type") == "TFG")
    assert tfg.select("gruppe", "kontakt_id").rows() == [("BT01", 11)]
    assert units.filter(pl.col("type") == "DRG")["isf_poeng"].cast(pl.Float64).sum() == 0


def test_grouped_run_folds_read_problems_as_isf_points_does(tmp_path: Path) -> None:
    """`isf run --grouped` (streamed, chunk by chunk) and `isf points` (whole file) fold a read
    problem into the row's status with one helper: same rows, same status and error naming row
    and field, same sørge-for table; the bad row is kept and does not count."""
    df = group_dataframe(load_logic("demo"), synth_with_stg(tmp_path / "a.parquet", rows=300, seed=4, year=YEAR))
    csv = df.with_columns(pl.col(c).list.join("|") for c in ("bdiag", "prosedyrer")).with_columns(
        liggetid=pl.when(pl.int_range(pl.len()) == 130).then(pl.lit("abc")).otherwise(pl.col("liggetid").cast(pl.String)))
    csv.drop("status", "error").write_csv(tmp_path / "g.csv")  # no status column: the helper's default "ok"
    res = run_job(logic=None, activity=tmp_path / "g.csv", grouped=True, year=YEAR, demo_params=True,
                  out_dir=tmp_path / "run", chunk_rows=50, part_rows=100)
    assert res.rows == 300 and res.rows_with_errors == 1
    cli = runner.invoke(app, ["points", str(tmp_path / "g.csv"), "--year", str(YEAR), "--demo-params",
                              "-o", str(tmp_path / "points"), "-q"])
    assert cli.exit_code == 0, cli.output
    streamed = pl.read_parquet(tmp_path / "run" / "points.parquet")
    whole = pl.read_parquet(tmp_path / "points" / "points.parquet")
    assert streamed.equals(whole.select(streamed.columns))
    bad = streamed.row(130, named=True)
    assert bad["status"] == "invalid_los" and bad["error"].startswith("row 131: liggetid") and not bad["isf_tellende"]
    assert set(streamed["status"].to_list()) == {"ok", "invalid_los"}
    assert (tmp_path / "run" / "sorge_for.csv").read_bytes() == (tmp_path / "points" / "sorge_for.csv").read_bytes()


def test_step_messages_print_numbers_in_norwegian_style(activity: pl.DataFrame, tmp_path: Path) -> None:
    src = tmp_path / "a.parquet"
    activity.write_parquet(src)
    steps: list[str] = []
    run_job(logic="demo", activity=src, year=YEAR, demo_params=True, out_dir=tmp_path / "o", chunk_rows=2_000,
            part_rows=1_500, on_step=steps.append)
    text = "\n".join(steps)
    assert "in chunks of 2 000 rows" in text and "settling 12 000 rows in" in text, text
    assert "2,000" not in text and "12,000" not in text


def test_pass_three_prepares_the_next_chunk_in_order_and_stops_cleanly():
    """`isf.pipeline._prepared`: every item once, in order, the next made while the caller
    writes; a failure in making one reaches the caller; closed early, the helper is done before
    the caller goes on (pass 3 then closes the spill files it reads)."""
    import threading

    from isf.pipeline import _prepared

    made: list[int] = []
    assert list(_prepared(lambda i: made.append(i) or i * i, 5)) == [0, 1, 4, 9, 16] and made == [0, 1, 2, 3, 4]
    assert list(_prepared(lambda i: i, 0)) == []

    def bad(i: int) -> int:
        if i == 2:
            raise ValueError("chunk 3")
        return i

    with pytest.raises(ValueError, match="chunk 3"):
        list(_prepared(bad, 4))
    busy = threading.Event()

    def slow(i: int) -> int:
        busy.set()
        threading.Event().wait(0.05 * i)
        busy.clear()
        return i

    gen = _prepared(slow, 3)
    assert next(gen) == 0
    gen.close()  # item 1 was being made: close waits for it
    assert not busy.is_set()


def test_a_run_says_before_it_starts_when_the_spill_may_not_fit(tmp_path: Path, monkeypatch) -> None:
    """Too little free disk for the spill (about `SPILL_BYTES_PER_ROW` per row): a warning
    first, naming sizes only; the run itself goes on (the estimate may be high) and ends as usual.
    With room enough, no warning."""
    import collections

    from isf import pipeline

    synth_with_stg(tmp_path / "a.parquet", rows=300, seed=5, year=YEAR)
    steps: list[str] = []
    run_job(logic="demo", activity=tmp_path / "a.parquet", year=YEAR, demo_params=True, out_dir=tmp_path / "roomy",
            on_step=steps.append)
    assert not [s for s in steps if s.startswith("warning")]
    usage = collections.namedtuple("usage", "total used free")
    monkeypatch.setattr(pipeline.shutil, "disk_usage", lambda _p: usage(10**6, 10**6 - 1000, 1000))
    steps.clear()
    res = run_job(logic="demo", activity=tmp_path / "a.parquet", year=YEAR, demo_params=True, out_dir=tmp_path / "o",
                  on_step=steps.append)
    warned = [s for s in steps if s.startswith("warning")]
    assert warned == [("warning: the spill needs about 0.0 GB of free disk beside the output, 0.0 GB are free: "
                       "the run stops if the disk fills up")]
    assert res.rows == 300 and pl.read_parquet(tmp_path / "o" / "points.parquet").height == 300
