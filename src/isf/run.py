"""The main job: activity in -> grouping -> settlement -> tables, units and context written.

Orchestration only (it reads and writes files): the activity is streamed through grouping and
settlement in bounded memory by `isf.pipeline` (parts of the year settled by the one kernel,
`isf.settlement.settle`), the tables are `isf.settlement.tables`. `isf run` and `isf points`
both call `run_job` (`isf points` with `grouped=True`), so they write the same folder and give
the same numbers.

The folder is written beside its place under a temporary name and moved in when the whole run
has succeeded (`kontekst.json` last), so a failed run leaves no folder that looks complete and
an older run's files stay as they were.

A run folder (docs/data-model.md, "Output contract"):

* ``sorge_for.csv``/``.parquet``: one row per (aar, bo_rhf, sektor), columns
  ``aar,bo_rhf,sektor,isf_poeng,isf_kroner`` (DRG + STG + TFG); ``sorge_for_hf`` per bo_hf;
* ``enheter.parquet``: the financed units; ``points.parquet``: every input row with its points;
* the other tables of `isf.settlement.tables.TABLES`, ``sammendrag`` (summary), ``isf.duckdb``;
* ``kontekst.json``: year, logic, weight lists, parameters (DEMO named), input rows, total;
* ``vektdekning.csv`` when groups had no weight (`allow_missing_weights`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from isf.definitions import Logic, load_logic
from isf.errors import IsfError
from isf.files import TMP_MARK
from isf.formatting import DEFAULT_YEAR, number
from isf.params import YearParams, load_params
from isf.params.model import MissingParametersError
from isf.pipeline import CHUNK_ROWS, Clock, stream_settle
from isf.settlement import ActivityColumnsError, MissingWeightsError, check_columns
from isf.settlement.context import demo_note, run_context
from isf.settlement.frame import required_columns
from isf.settlement.stream import PART_ROWS, Totals, YearSetup
from isf.settlement.tables import summary_of, total
from isf.stg_tfg import StgTfgDefinitions, load_stg_tfg
from isf.weights.weightlist import WeightList, load_weight_lists

__all__ = [
    "Finished", "RunResult", "finish", "publish", "read_context", "run_files", "run_job", "staging", "write_duckdb",
    "write_tables", "year_setup",
]


@dataclass(frozen=True)
class RunResult:
    """What a run produced: where, how much, and the tables it wrote."""

    out_dir: Path
    logic: str | None
    year: int
    rows: int
    rows_with_errors: int
    summary: pl.DataFrame
    tables: dict[str, pl.DataFrame]
    context: dict[str, Any]
    coverage: pl.DataFrame
    stages: dict[str, float] = field(default_factory=dict)  # wall seconds per stage (`isf.pipeline.STAGES`)
    stages_cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds (all threads) per stage
    parts: int = 1

    @property
    def demo(self) -> str:
        """'' or what in this run is DEMO."""
        return demo_note(self.context)


def _csv_ready(df: pl.DataFrame) -> pl.DataFrame:
    """List columns '|'-joined (CSV has no lists; `isf.activity.read_activity` splits them)."""
    lists = [c for c, t in df.schema.items() if isinstance(t, pl.List)]
    return df.with_columns(pl.col(c).cast(pl.List(pl.String)).list.join("|") for c in lists) if lists else df


def write_tables(
    tables: Mapping[str, pl.DataFrame], out_dir: str | Path, *, formats: Iterable[str] = ("parquet", "csv")
) -> list[Path]:
    """Write each table as ``<name>.parquet`` / ``<name>.csv`` under `out_dir`."""
    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in tables.items():
        for fmt in formats:
            p = d / f"{name}.{fmt}"
            if fmt == "parquet":
                df.write_parquet(p)
            elif fmt == "csv":
                _csv_ready(df).write_csv(p)
            else:
                raise ValueError(f"unknown format {fmt!r} (parquet, csv)")
            written.append(p)
    return written


def write_duckdb(tables: Mapping[str, pl.DataFrame], path: str | Path) -> Path:
    """One DuckDB file, one table per aggregation (replaced if it exists)."""
    import duckdb

    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(p))
    try:
        for name, df in tables.items():
            if not name.isidentifier():
                raise ValueError(f"table name {name!r} is not a plain identifier")
            con.register("_isf_tmp", df.to_arrow())
            con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _isf_tmp')
            con.unregister("_isf_tmp")
    finally:
        con.close()
    return p


def read_context(run_dir: Path) -> dict[str, Any] | None:
    """``kontekst.json`` of a run folder, or None."""
    p = Path(run_dir) / "kontekst.json"
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else None


def run_files(tables: Iterable[str]) -> list[str]:
    """The files a run writes into its folder (an older run's copies are replaced; others are left alone)."""
    return ["points.parquet", "enheter.parquet", *(f"{t}.{ext}" for t in tables for ext in ("parquet", "csv")),
            "vektdekning.csv", "isf.duckdb", "kontekst.json"]


@contextlib.contextmanager
def staging(out_dir: Path) -> Iterator[Path]:
    """A folder beside `out_dir` to write the run into; removed when the block fails."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise IsfError(f"{out_dir} exists and is not a folder")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    stage = out_dir.with_name(f".{out_dir.name}{TMP_MARK}{os.getpid()}")
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def publish(stage: Path, out_dir: Path, names: list[str]) -> None:
    """Move the run's files from `stage` into `out_dir`: the old context first out, the new
    one last in, so the folder never holds a `kontekst.json` beside another run's files."""
    if not out_dir.exists():
        os.replace(stage, out_dir)
        return
    (out_dir / "kontekst.json").unlink(missing_ok=True)
    for name in names:
        src, dst = stage / name, out_dir / name
        if name != "kontekst.json":
            if dst.is_dir():  # a folder of part files (a Spark run's points.parquet)
                shutil.rmtree(dst)
            if src.exists():
                os.replace(src, dst)
            else:
                dst.unlink(missing_ok=True)  # e.g. vektdekning.csv of an older run
    os.replace(stage / "kontekst.json", out_dir / "kontekst.json")


def _frame_chunks(df: pl.DataFrame, chunk_rows: int) -> Iterator[pl.DataFrame]:
    """An in-memory activity in chunks, rows numbered as a file's would be."""
    from isf.activity import ROW_COLUMN

    base = df.drop([c for c in ("_row", "_read_status", "_read_error") if c in df.columns])
    for start in range(0, max(df.height, 1), chunk_rows):
        piece = base.slice(start, chunk_rows)
        yield piece.with_columns(pl.int_range(start + 1, start + piece.height + 1, dtype=pl.Int64).alias(ROW_COLUMN))


def _synth_chunks(lg: Logic, *, rows: int, seed: int, year: int, chunk_rows: int) -> Iterator[pl.DataFrame]:
    from isf.synth import synth_activity
    from isf.synth.activity import ACTIVITY_SCHEMA

    done = 0
    for table in synth_activity(lg, rows=rows, seed=seed, year=year, chunk_rows=chunk_rows) if rows else [
            ACTIVITY_SCHEMA.empty_table()]:
        df = pl.from_arrow(table)
        assert isinstance(df, pl.DataFrame)
        yield df.with_columns(pl.int_range(done + 1, done + df.height + 1, dtype=pl.Int64).alias("_row"))
        done += df.height


@dataclass
class _Source:
    chunks: Iterator[pl.DataFrame]
    expected_rows: int
    first: pl.DataFrame  # the first chunk (possibly empty): its schema is checked before anything runs


def _file_chunks(path: Path, *, grouped: bool, chunk_rows: int) -> Iterator[pl.DataFrame | int]:
    """First the expected row count, then the file's chunks (at least one, maybe empty)."""
    from isf.activity import REQUIRED_COLUMNS, Chunk, chunk_frame, model_columns, open_activity

    need = required_columns(grouped=grouped) + ([] if grouped else list(REQUIRED_COLUMNS))
    with open_activity(path, required=list(dict.fromkeys(need)), batch_rows=chunk_rows) as reader:
        size = sum(f.stat().st_size for f in ([path] if path.is_file() else path.rglob("*.parquet")))
        yield reader.total_rows if reader.total_rows is not None else size // 60  # CSV: at most a row per 60 bytes
        columns = model_columns(reader.columns)
        empty = True
        for chunk in reader.chunks():
            empty = False
            yield chunk_frame(chunk, columns)
        if empty:
            yield chunk_frame(Chunk(reader.schema.empty_table(), [], [], []), columns)


def _source(activity: Path | pl.DataFrame | None, lg: Logic | None, *, grouped: bool, rows: int, seed: int, year: int,
            chunk_rows: int, step: Callable[[str], None]) -> _Source:
    if activity is None:
        if lg is None:
            raise ActivityColumnsError(["no activity and no logic to synthesise it for"])
        step(f"synthesising {number(rows)} contacts ({lg.id}, seed {seed})")
        it: Iterator[pl.DataFrame] = _synth_chunks(lg, rows=rows, seed=seed, year=year, chunk_rows=chunk_rows)
        expected = rows
    elif isinstance(activity, pl.DataFrame):
        it, expected = _frame_chunks(activity, chunk_rows), activity.height
    else:
        step(f"reading {activity} in chunks of {number(chunk_rows)} rows")
        gen = _file_chunks(Path(activity), grouped=grouped, chunk_rows=chunk_rows)
        head = next(gen)
        assert isinstance(head, int)
        it, expected = gen, head  # type: ignore[assignment]
    first = next(it)
    return _Source(chunks=_chain(first, it), expected_rows=expected, first=first)


def _chain(first: pl.DataFrame, rest: Iterator[pl.DataFrame]) -> Iterator[pl.DataFrame]:
    yield first
    yield from rest


def year_setup(year: int, *, weights: str | Path | Iterable[str | Path] = "demo", param_files: Iterable[Path] = (),
               overrides: Iterable[str] = (), demo: bool = False) -> YearSetup:
    """Parameters, weight lists and STG/TFG definitions of `year` (what every part is settled with)."""
    params: YearParams = load_params(year, demo=demo, files=list(param_files), overrides=list(overrides))
    refs = [weights] if isinstance(weights, (str, Path)) else list(weights)
    wl: WeightList = load_weight_lists(refs, year=year)
    defs: StgTfgDefinitions = load_stg_tfg(year)
    return YearSetup(year=year, weights=wl, params=params, stg_tfg=defs)


@dataclass(frozen=True)
class Finished:
    """The year's tables, summary, context and weight coverage, written to a folder."""

    tables: dict[str, pl.DataFrame]
    summary: pl.DataFrame
    context: dict[str, Any]
    coverage: pl.DataFrame


def finish(
    folder: Path,
    totals: Totals,
    *,
    setup: YearSetup,
    rows: int,
    rows_with_errors: int,
    logic: Logic | None,
    grouped: bool,
    synthetic: bool,
    command: str,
    allow_missing_weights: bool,
    out_dir: Path,
) -> Finished:
    """Stop on missing parameters or weights (every one named; the weight list also written
    to `out_dir/vektdekning.csv`), else write the tables (Parquet and CSV), the DuckDB file
    and `kontekst.json` (last) into `folder`."""
    if totals.missing:
        raise MissingParametersError(setup.year, totals.missing)
    coverage = totals.coverage(rows)
    if coverage.height and not allow_missing_weights:  # keep the full list where the user looks for output
        out_dir.mkdir(parents=True, exist_ok=True)
        coverage.write_csv(out_dir / "vektdekning.csv")
        raise MissingWeightsError(coverage, setup.weights.source, full_list=str(out_dir / "vektdekning.csv"))
    tables = totals.final_tables()
    summary = summary_of(tables["sektor"])
    tot = total(summary)
    context = run_context(
        year=setup.year, logic_id=None if grouped or logic is None else logic.id,
        logic_checksum=None if grouped or logic is None else logic.checksum, grouped=grouped, stg_tfg=setup.stg_tfg,
        weights=setup.weights, params=setup.params, rows_in=rows, rows_with_errors=rows_with_errors,
        synthetic=synthetic, coverage=coverage,
        totals={"isf_poeng": tot["isf_poeng"], "isf_kroner": tot["isf_kroner"]}, command=command,
    )
    note = demo_note(context)
    tables["sammendrag"] = summary = summary.with_columns(merknad=pl.lit(note or None, dtype=pl.String))
    write_tables(tables, folder)
    if coverage.height:
        coverage.write_csv(folder / "vektdekning.csv")
    write_duckdb(tables, folder / "isf.duckdb")
    (folder / "kontekst.json").write_text(json.dumps(context, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return Finished(tables=tables, summary=summary, context=context, coverage=coverage)


def run_job(
    *,
    logic: str | Logic | None = "demo",
    activity: Path | pl.DataFrame | None = None,
    year: int = DEFAULT_YEAR,
    weights: str | Path | Iterable[str | Path] = "demo",
    param_files: Iterable[Path] = (),
    overrides: Iterable[str] = (),
    demo_params: bool | None = None,
    rows: int = 50_000,
    seed: int = 1,
    out_dir: Path = Path("isf-out"),
    grouped: bool = False,
    allow_missing_weights: bool = False,
    command: str = "isf run",
    on_step: Callable[[str], None] | None = None,
    chunk_rows: int = CHUNK_ROWS,
    part_rows: int = PART_ROWS,
) -> RunResult:
    """Run the whole chain and write `out_dir` (see the module docstring).

    Without `activity`, synthetic activity (`rows`, `seed`) is made for the logic: the demo.
    Demo parameters fill gaps only when asked, or by default on synthetic demo activity.
    `grouped=True` settles the activity's own `drg` column without regrouping. Memory is
    bounded by `chunk_rows` (rows read and grouped at a time) and `part_rows` (rows of the
    patients settled at a time), not by the size of the activity.
    """
    step = on_step or (lambda _s: None)
    clock = Clock()
    out_dir = Path(out_dir)
    lg = logic if isinstance(logic, Logic) or logic is None else load_logic(logic)
    synthetic = activity is None
    src = _source(activity, lg, grouped=grouped, rows=rows, seed=seed, year=year, chunk_rows=chunk_rows, step=step)
    problems = check_columns(src.first.schema, grouped=grouped)
    if not grouped and lg is None:
        problems.append("no logic given to group the activity with (or settle it as grouped)")
    if problems:
        raise ActivityColumnsError(problems)
    setup = year_setup(year, weights=weights, param_files=param_files, overrides=overrides,
                       demo=synthetic if demo_params is None else demo_params)
    clock.lap("read")  # opening the input, parameters, weight lists, definitions

    with staging(out_dir) as stage:
        step(("settling grouped rows (drg column, not regrouped)" if grouped else f"grouping with {lg.id if lg else ''}")
             + ", STG/TFG, points and kroner, part by part")
        res = stream_settle(src.chunks, setup=setup, logic=None if grouped else lg, expected_rows=src.expected_rows,
                            work_dir=stage, allow_missing_weights=allow_missing_weights, part_rows=part_rows,
                            on_step=step, clock=clock)
        step("aggregating and writing")
        done = finish(stage, res.totals, setup=setup, rows=res.rows, rows_with_errors=res.rows_with_errors, logic=lg,
                      grouped=grouped, synthetic=synthetic, command=command,
                      allow_missing_weights=allow_missing_weights, out_dir=out_dir)
        publish(stage, out_dir, run_files(done.tables))
        clock.lap("write")
    return RunResult(
        out_dir=out_dir,
        logic=done.context["logikk"]["id"],
        year=year,
        rows=res.rows,
        rows_with_errors=res.rows_with_errors,
        summary=done.summary,
        tables=done.tables,
        context=done.context,
        coverage=done.coverage,
        stages=dict(clock.seconds),
        stages_cpu=dict(clock.cpu),
        parts=res.parts,
    )
