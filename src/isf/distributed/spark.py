"""`isf run` on Apache Spark: Spark reads, shuffles and schedules; isf's pure kernel computes.

The same steps as the local streamed run (`isf.pipeline`), each on Spark:

1. **read**: ``spark.read.parquet`` (a file or a folder of part files); each row gets its
   position in the input (`ROW_INDEX`): part files in name order, rows in file order
   (``_metadata.row_index``), so row numbers and tie-breaks are the local run's;
2. **group** (`mapInArrow`): each Arrow batch is typed and checked row by row as
   `isf.activity` does (`chunk_frame`) and grouped by `isf.batch.engine.group_dataframe`; the
   row's patient bucket is added (`isf.settlement.stream.bucket_of`);
3. **link**: buckets sharing a kontakt_id or an opphold_id are joined into one part
   (`linked_pairs`, `work_units`: a few rows collected on the driver);
4. **settle** (``groupBy(part).applyInArrow``): each part settled by `settle_part`; it
   returns its rows (``points``), its units and its tables (one serialised row);
5. **combine and write**: the parts' tables are added on the driver (exact sums,
   `isf.settlement.tables.combine`) and written with the local run's code (`isf.run.finish`);
   ``points.parquet`` and ``enheter.parquet`` are written by Spark, ordered as the local run
   orders them, as folders of part files.

Outputs are the local run's, row for row and to the øre (tests/e2e/test_spark.py); only
``points.parquet`` and ``enheter.parquet`` are folders of part files. A local `out` is written
beside its place and moved in at the end, like `isf run`; on cluster storage (``hdfs://``,
``s3a://``) Spark's commit protocol writes the two big tables and the small tables go to
`tables_out` (a path on the driver). Corrupt Parquet files stop the Spark job (the local
reader reports their rows instead); CSV input: convert it to Parquet first (`isf group` reads
every CSV dialect it accepts).

    spark-submit --master yarn $(python -c 'import isf.distributed.spark as m; print(m.__file__)') \\
        --activity hdfs:///npr/2025 --year 2025 --out hdfs:///isf/2025 --tables-out ./isf-2025
"""

from __future__ import annotations

import argparse
import pickle
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from isf.definitions import Logic, load_logic
from isf.formatting import number
from isf.params.model import MissingParametersError
from isf.settlement.frame import ROW_INDEX, required_columns
from isf.settlement.settle import rows_with
from isf.settlement.stream import (
    BUCKET,
    PART_ROWS,
    Totals,
    YearSetup,
    bucket_count,
    bucket_of,
    linked_pairs,
    settle_part,
    work_units,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["SparkRun", "main", "run_spark"]

_FILE, _FILE_ROW, _PART = "_isf_fil", "_isf_filrad", "_isf_part"
_BATCH_ROWS = 100_000


@dataclass(frozen=True)
class SparkRun:
    """What a Spark run produced: where, how many rows and parts, the tables and context."""

    out: str
    tables_out: Path
    rows: int
    rows_with_errors: int
    parts: int
    tables: dict[str, pl.DataFrame]
    summary: pl.DataFrame
    context: dict[str, Any]


# --- Arrow as Spark takes it -----------------------------------------------------------------

def _plain_type(t: pa.DataType) -> pa.DataType:
    """The Arrow type Spark accepts for `t` (no large or view types, no unsigned integers)."""
    if pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return pa.string()
    if pa.types.is_large_binary(t) or pa.types.is_binary_view(t):
        return pa.binary()
    if pa.types.is_large_list(t) or pa.types.is_list(t) or pa.types.is_list_view(t):
        return pa.list_(_plain_type(t.value_type))
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, _plain_type(f.type)) for f in t])
    if pa.types.is_unsigned_integer(t):
        return pa.int64()
    return t


def _plain(table: pa.Table) -> pa.Table:
    return table.cast(pa.schema([pa.field(f.name, _plain_type(f.type)) for f in table.schema]))


def _spark_schema(schema: pa.Schema) -> Any:
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(pa.schema([pa.field(f.name, _plain_type(f.type)) for f in schema]))


# --- worker side: grouping -------------------------------------------------------------------

_LOGICS: dict[str, Logic] = {}


def _logic(ref: str) -> Logic:
    """The logic, loaded once per Python worker."""
    if ref not in _LOGICS:
        _LOGICS[ref] = load_logic(ref)
    return _LOGICS[ref]


def _group_table(table: pa.Table, *, logic_ref: str | None, offsets: dict[str, int], label: bool,
                 buckets: int) -> pl.DataFrame:
    """Rows of one input file (with `_FILE`, `_FILE_ROW`): typed and checked, grouped (or their
    read problems folded into the grouped input's status), numbered, bucketed."""
    from isf.activity import Chunk, chunk_frame, fold_read_problems, model_columns
    from isf.batch.engine import group_dataframe

    files = table.column(_FILE).to_pylist() if table.num_rows else []
    file = files[0] if files else None
    start = offsets.get(file, 0) if file is not None else 0
    rows = [r + 1 for r in table.column(_FILE_ROW).to_pylist()]
    raw = table.drop_columns([_FILE, _FILE_ROW])
    name = Path(unquote(urlparse(file).path)).name if (file and label) else None  # Spark gives a URI
    frame = chunk_frame(Chunk(raw, rows, [None] * len(rows), [None] * len(rows), name), model_columns(raw.column_names))
    g = fold_read_problems(frame) if logic_ref is None else group_dataframe(_logic(logic_ref), frame)
    index = pl.Series(ROW_INDEX, [start + r - 1 for r in rows], dtype=pl.Int64)
    return g.with_columns(index).with_columns(bucket_of(buckets, g.columns))


def _grouper(**kw: Any) -> Callable[[Iterable[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The `mapInArrow` function: batches in, grouped batches out (one input file at a time)."""
    def run(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            table = pa.Table.from_batches([batch])
            files = table.column(_FILE)
            names = list(dict.fromkeys(files.to_pylist()))  # a batch may hold several small files
            for file in names:
                part = table.filter(pc.equal(files, file)) if len(names) > 1 else table
                yield from _plain(_group_table(part, **kw).to_arrow()).to_batches()
    return run


# --- worker side: settling a part ------------------------------------------------------------

def _kinds(points: pa.Schema, units: pa.Schema) -> pa.Schema:
    """One row per point row, per unit, and one with the part's tables (a union of the three)."""
    return pa.schema([pa.field("kind", pa.string()), pa.field("row", pa.struct(list(points))),
                      pa.field("unit", pa.struct(list(units))), pa.field("blob", pa.binary())])


def _settle_table(table: pa.Table, *, setup: YearSetup, schema: pa.Schema) -> pa.Table:
    """The `applyInArrow` function: one part's grouped rows -> its rows, units and tables."""
    df = pl.from_arrow(table)
    assert isinstance(df, pl.DataFrame)
    df = df.drop([c for c in (_PART, BUCKET) if c in df.columns]).sort(ROW_INDEX)
    errors = int((df["status"] != "ok").sum()) if "status" in df.columns else 0
    info: dict[str, Any] = {"rows": df.height, "errors": errors, "missing": [], "tables": {}, "coverage": None}
    try:
        part = settle_part(df, setup)
    except MissingParametersError as e:
        info["missing"] = list(e.missing)
        return _union(schema, None, None, info)
    info["tables"], info["coverage"] = part.tables, part.coverage
    points = rows_with(df, part.row_outputs).with_columns(part.row_outputs[ROW_INDEX])
    units = pl.concat([part.drg_units, part.group_units])
    return _union(schema, points, units, info)


def _union(schema: pa.Schema, points: pl.DataFrame | None, units: pl.DataFrame | None, info: dict[str, Any]) -> pa.Table:
    row_t, unit_t = schema.field("row").type, schema.field("unit").type
    n_rows = 0 if points is None else points.height
    n_units = 0 if units is None else units.height

    def struct(df: pl.DataFrame | None, t: pa.StructType) -> pa.Array:
        if df is None or df.height == 0:
            return pa.array([], t)
        return df.to_arrow().cast(pa.schema(list(t))).to_struct_array().combine_chunks()

    rows = pa.concat_arrays([struct(points, row_t), pa.nulls(n_units + 1, row_t)])
    unit = pa.concat_arrays([pa.nulls(n_rows, unit_t), struct(units, unit_t), pa.nulls(1, unit_t)])
    blob = pa.array([None] * (n_rows + n_units) + [pickle.dumps(info)], pa.binary())
    kind = pa.array(["row"] * n_rows + ["unit"] * n_units + ["tables"], pa.string())
    return pa.Table.from_arrays([kind, rows, unit, blob], schema=schema)


# --- driver ------------------------------------------------------------------------------------

def _is_local(path: str) -> bool:
    scheme = urlparse(path).scheme
    return scheme in ("", "file")


def _numbered(spark: SparkSession, activity: str) -> tuple[DataFrame, dict[str, int], int, bool]:
    """The input with each row's file and row in the file; file offsets in name order."""
    from pyspark.sql import functions as F

    df = spark.read.parquet(activity)
    src = df.select("*", F.col("_metadata.file_path").alias(_FILE), F.col("_metadata.row_index").alias(_FILE_ROW))
    counts = {r[_FILE]: int(r["count"]) for r in src.groupBy(_FILE).count().collect()}
    offsets, total = {}, 0
    for f in sorted(counts):
        offsets[f] = total
        total += counts[f]
    single = len(counts) == 1 and Path(urlparse(next(iter(counts))).path).name == Path(urlparse(activity).path).name
    return src, offsets, total, not single


def _links(grouped: DataFrame) -> list[tuple[int, int]]:
    """Bucket pairs sharing a kontakt_id or an opphold_id (collected: a handful in bad data)."""
    from pyspark.sql import functions as F

    keys = None
    for kind, col in ((0, "kontakt_id"), (1, "opphold_id")):
        if col in grouped.columns:
            k = grouped.select(F.lit(kind).cast("tinyint").alias("kind"), F.col(col).cast("long").alias("key"),
                               F.col(BUCKET)).where(F.col("key").isNotNull())
            keys = k if keys is None else keys.unionByName(k)
    if keys is None:
        return []
    spans = (keys.distinct().groupBy("kind", "key").agg(F.collect_set(BUCKET).alias("b"))
             .where(F.size("b") > 1).select("kind", "key", F.explode("b").alias(BUCKET)))
    rows = spans.collect()
    return linked_pairs(pl.DataFrame({"kind": [r["kind"] for r in rows], "key": [r["key"] for r in rows],
                                      BUCKET: [r[BUCKET] for r in rows]},
                                     schema={"kind": pl.Int8, "key": pl.Int64, BUCKET: pl.Int32}))


def run_spark(
    spark: SparkSession,
    *,
    activity: str,
    out: str,
    year: int,
    logic: str = "demo",
    weights: str | Iterable[str] = "demo",
    param_files: Iterable[Path] = (),
    overrides: Iterable[str] = (),
    demo_params: bool = False,
    grouped: bool = False,
    allow_missing_weights: bool = False,
    part_rows: int = PART_ROWS,
    tables_out: Path | None = None,
    command: str = "isf spark",
    on_step: Callable[[str], None] | None = None,
) -> SparkRun:
    """Settle `activity` (Parquet file or folder, any Spark-readable path) for `year` on `spark`
    and write the run folder `out` (see the module docstring). Raises what `isf run` raises:
    schema problems, missing parameters (all of them), missing weights (all of them)."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    from isf.activity import REQUIRED_COLUMNS, check_schema
    from isf.run import finish, publish, run_files, staging, year_setup
    from isf.settlement import ActivityColumnsError, check_columns

    step = on_step or (lambda _m: None)
    lg = None if grouped else load_logic(logic)
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(_BATCH_ROWS))
    spark.conf.set("spark.sql.execution.arrow.useLargeVarTypes", "false")
    src, offsets, total, folder = _numbered(spark, activity)
    need = required_columns(grouped=grouped) + ([] if grouped else list(REQUIRED_COLUMNS))
    from pyspark.sql.pandas.types import to_arrow_schema

    raw_schema = to_arrow_schema(src.drop(_FILE, _FILE_ROW).schema)
    check_schema(raw_schema, required=list(dict.fromkeys(need)), file=activity)
    setup = year_setup(year, weights=weights, param_files=param_files, overrides=overrides, demo=demo_params)
    buckets = bucket_count(total, part_rows)

    # 2. group (the output schema: the function run on no rows)
    kw: dict[str, Any] = {"logic_ref": None if grouped else logic, "offsets": offsets, "label": folder, "buckets": buckets}
    empty = raw_schema.empty_table().append_column(_FILE, pa.array([], pa.string())) \
        .append_column(_FILE_ROW, pa.array([], pa.int64()))
    sample = _group_table(empty, **kw)
    problems = check_columns(sample.schema, grouped=grouped)
    if problems:
        raise ActivityColumnsError(problems)
    step("reading and grouping")
    grouped_df = src.mapInArrow(_grouper(**kw), _spark_schema(_plain(sample.to_arrow()).schema))
    grouped_df = grouped_df.persist(StorageLevel.MEMORY_AND_DISK)
    grouped_df.count()  # fill the cache once (the link query reads it twice)

    # 3. parts: buckets joined by shared ids
    step("linking patient buckets by shared ids")
    units = work_units(buckets, _links(grouped_df))
    step(f"settling {number(len(units))} parts")
    part_of = F.create_map(*[x for k, u in enumerate(units) for b in u for x in (F.lit(b), F.lit(k))])
    parts_df = grouped_df.withColumn(_PART, part_of[F.col(BUCKET)])

    # 4. settle each part (the output schema: a part of no rows)
    base = sample.drop(BUCKET)
    probe = settle_part(base, setup)
    points_schema = _plain(rows_with(base, probe.row_outputs).with_columns(probe.row_outputs[ROW_INDEX]).to_arrow()).schema
    units_schema = _plain(probe.drg_units.to_arrow()).schema
    schema = _kinds(points_schema, units_schema)
    settled = parts_df.groupBy(_PART).applyInArrow(
        lambda t: _settle_table(t, setup=setup, schema=schema), _spark_schema(schema))
    settled = settled.persist(StorageLevel.MEMORY_AND_DISK)

    # 5. combine the parts' tables on the driver, then write
    totals, rows, errors = Totals(), 0, 0
    for r in settled.where(F.col("kind") == "tables").select("blob").collect():  # one small row per part
        info = pickle.loads(r["blob"])  # written by _settle_table of this run
        rows, errors = rows + info["rows"], errors + info["errors"]
        if info["missing"]:
            totals.add_missing(MissingParametersError(year, info["missing"]))
        if info["coverage"] is not None:
            totals.add(info["tables"], info["coverage"])
    step("writing")
    tables_dir = Path(tables_out) if tables_out is not None else Path(urlparse(out).path)
    if not _is_local(out) and tables_out is None:
        raise ValueError("an output on cluster storage needs tables_out (a folder on the driver)")
    with staging(tables_dir) as stage:
        done = finish(stage, totals, setup=setup, rows=rows, rows_with_errors=errors, logic=lg, grouped=grouped,
                      synthetic=False, command=command, allow_missing_weights=allow_missing_weights,
                      out_dir=tables_dir)
        step("writing points and units")
        big = str(stage) if _is_local(out) and tables_out is None else out.rstrip("/")
        points = settled.where(F.col("kind") == "row").select("row.*")
        points.orderBy(ROW_INDEX).drop(ROW_INDEX).write.mode("overwrite").parquet(f"{big}/points.parquet")
        unit_rows = settled.where(F.col("kind") == "unit").select("unit.*")
        drg_first = F.when(F.col("type") == "DRG", F.lit(0)).otherwise(F.lit(1))
        drg_index = F.when(F.col("type") == "DRG", F.col(ROW_INDEX))
        (unit_rows.orderBy(drg_first, drg_index, "pasient_id", "type", "gruppe", "periode").drop(ROW_INDEX)
         .write.mode("overwrite").parquet(f"{big}/enheter.parquet"))
        step("publishing")
        publish(stage, tables_dir, run_files(done.tables))
    settled.unpersist()
    grouped_df.unpersist()
    return SparkRun(out=out, tables_out=tables_dir, rows=rows, rows_with_errors=errors, parts=len(units),
                    tables=done.tables, summary=done.summary, context=done.context)


def main(argv: list[str] | None = None) -> None:
    """spark-submit entry point: the options of `isf run` that make sense on a cluster."""
    from pyspark.sql import SparkSession

    from isf.formatting import DEFAULT_YEAR, kroner

    ap = argparse.ArgumentParser(prog="isf.distributed.spark", description=__doc__.split("\n\n")[0])
    ap.add_argument("--activity", required=True, help="Parquet file or folder (any path Spark reads)")
    ap.add_argument("--out", required=True, help="run folder (points.parquet and enheter.parquet as part-file folders)")
    ap.add_argument("--tables-out", type=Path, default=None, help="driver folder for the small tables (needed when --out is on cluster storage)")
    ap.add_argument("--year", type=int, default=DEFAULT_YEAR)
    ap.add_argument("--logic", default="demo")
    ap.add_argument("--weights", action="append", default=None)
    ap.add_argument("--params", action="append", type=Path, default=[])
    ap.add_argument("--set", dest="overrides", action="append", default=[])
    ap.add_argument("--demo-params", action="store_true")
    ap.add_argument("--grouped", action="store_true")
    ap.add_argument("--allow-missing-weights", action="store_true")
    ap.add_argument("--part-rows", type=int, default=PART_ROWS)
    a = ap.parse_args(argv)
    spark = SparkSession.builder.appName(f"isf {a.year}").getOrCreate()
    res = run_spark(spark, activity=a.activity, out=a.out, year=a.year, logic=a.logic, weights=a.weights or ["demo"],
                    param_files=a.params, overrides=a.overrides, demo_params=a.demo_params, grouped=a.grouped,
                    allow_missing_weights=a.allow_missing_weights, part_rows=a.part_rows, tables_out=a.tables_out)
    tot = res.summary.filter(pl.col("sektor") == "totalt").row(0, named=True)
    print(f"ISF {a.year}: {number(res.rows)} rows in {number(res.parts)} parts; total {kroner(tot['isf_kroner'])} "
          f"({res.tables_out}/sorge_for.csv)")


if __name__ == "__main__":  # spark-submit runs this file: use the installed module, so the
    from isf.distributed.spark import main as _main  # functions shipped to workers are isf's

    _main()
