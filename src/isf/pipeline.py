"""The main job streamed on one machine: activity of any size settled in bounded memory.

Three passes over the year, each holding one chunk or one part in memory:

1. **read, group, spill**: the activity is read chunk by chunk (`isf.activity`), each chunk
   grouped (`isf.batch.engine.group_dataframe`) and numbered (`ROW_INDEX`, its position in
   the input), and its rows appended to the bucket of their patient (Arrow IPC files under a
   spill folder); the kontakt_id and opphold_id of each bucket go to small key files.
2. **settle**: buckets that share a kontakt_id or an opphold_id (bad data) are joined into one
   part (`isf.settlement.stream.work_units`); each part is settled by the one kernel
   (`settle_part`), its rows and DRG units written back cut at the input's chunk boundaries,
   its STG/TFG units appended, its tables added to the year's (exact sums).
3. **merge**: ``points.parquet`` is written chunk by chunk in input order (the rows of chunk
   c from every part, ordered by `ROW_INDEX`), ``enheter.parquet`` likewise (DRG units in
   input order of their carrying row, then STG/TFG units by patient, type, group, period):
   the same files, row for row, as settling the whole year at once.

Memory is one chunk (pass 1), one part (pass 2) or one chunk of output (pass 3), whatever the
number of rows; the spill takes about the size of the input (uncompressed) twice on disk,
beside the output folder, and is removed at the end.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from isf.definitions import Logic
from isf.errors import IsfError
from isf.params.model import MissingParametersError
from isf.settlement.frame import ROW_INDEX
from isf.settlement.stream import (
    BUCKET,
    PART_ROWS,
    Totals,
    YearSetup,
    bucket_count,
    bucket_of,
    link_keys,
    linked_pairs,
    settle_part,
    work_units,
)

__all__ = ["CHUNK_ROWS", "STAGES", "Clock", "Streamed", "stream_settle"]

#: rows per chunk read and grouped at a time
CHUNK_ROWS = 500_000
#: the stages a run's time is split into (`Clock`)
STAGES = ("read", "group", "spill", "stg_tfg", "points", "money", "write")
_READ_COLUMNS = ("_row", "_read_status", "_read_error")
_UNIT_ORDER = ("pasient_id", "type", "gruppe", "periode")


class Clock:
    """Wall time per stage: `lap(stage)` books the time since the previous lap to `stage`."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = dict.fromkeys(STAGES, 0.0)
        self._t = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - self._t
        self._t = now


@dataclass
class Streamed:
    """What the streamed settlement produced (its files are in the work folder)."""

    rows: int
    rows_with_errors: int
    totals: Totals
    parts: int
    linked_buckets: int
    clock: Clock = field(default_factory=Clock)


def _fold_read_problems(df: pl.DataFrame) -> pl.DataFrame:
    """Grouped input (not regrouped): a row that could not be read keeps that as its status."""
    if "_read_status" not in df.columns:
        return df
    status = pl.col("status").cast(pl.String) if "status" in df.columns else pl.lit(None, dtype=pl.String)
    error = pl.col("error").cast(pl.String) if "error" in df.columns else pl.lit(None, dtype=pl.String)
    return df.with_columns(
        status=pl.coalesce(pl.col("_read_status"), status),
        error=pl.coalesce(pl.col("_read_error"), error),
    ).drop([c for c in _READ_COLUMNS if c in df.columns])


class _Spill:
    """Arrow IPC files of one run: one writer per name, the schema of its first table."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._writers: dict[str, tuple[pa.ipc.RecordBatchFileWriter, pa.Schema]] = {}

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.arrow"

    def write(self, name: str, table: pa.Table) -> None:
        if name not in self._writers:
            self._writers[name] = (pa.ipc.new_file(str(self.path(name)), table.schema), table.schema)
        writer, schema = self._writers[name]
        if table.schema != schema:
            table = table.cast(schema)
        batch = table.combine_chunks().to_batches()
        writer.write_batch(batch[0] if batch else pa.RecordBatch.from_pylist([], schema=schema))

    def close(self, name: str | None = None) -> None:
        for n in [name] if name is not None else list(self._writers):
            if n in self._writers:
                self._writers.pop(n)[0].close()

    def exists(self, name: str) -> bool:
        return name in self._writers or self.path(name).exists()

    def read(self, name: str) -> pl.DataFrame:
        self.close(name)
        with pa.OSFile(str(self.path(name))) as f:  # read, not memory-mapped: RSS stays what is held
            df = pl.from_arrow(pa.ipc.open_file(f).read_all())
        assert isinstance(df, pl.DataFrame)
        return df

    def remove(self, name: str) -> None:
        self.close(name)
        self.path(name).unlink(missing_ok=True)


def _cut(df: pl.DataFrame, bounds: list[int], column: str) -> Iterator[pl.DataFrame]:
    """`df` (sorted by `column`) cut at the chunk boundaries `bounds` (one piece per chunk)."""
    idx = df[column].to_numpy()
    ends = np.searchsorted(idx, np.asarray(bounds, dtype=np.int64), side="left")
    start = 0
    for end in ends:
        yield df.slice(start, int(end) - start)
        start = int(end)


def stream_settle(
    chunks: Iterable[pl.DataFrame],
    *,
    setup: YearSetup,
    logic: Logic | None,
    expected_rows: int,
    work_dir: Path,
    allow_missing_weights: bool,
    part_rows: int = PART_ROWS,
    on_step: Callable[[str], None] | None = None,
    clock: Clock | None = None,
) -> Streamed:
    """Group (unless `logic` is None: the chunks carry `drg`), settle and write
    ``points.parquet`` and ``enheter.parquet`` into `work_dir`; return the year's totals.

    `chunks` are activity frames in input order (as `isf.activity.chunk_frame` gives them).
    Missing weights and parameters do not stop the passes (every part is looked at, so the
    error can list all of them); the caller raises from `Streamed.totals`.
    """
    step = on_step or (lambda _s: None)
    clock = clock or Clock()
    spill = _Spill(work_dir / ".spill")
    n_buckets = bucket_count(expected_rows, part_rows)
    bounds: list[int] = []
    rows = errors = 0
    first: pl.DataFrame | None = None
    from isf.batch.engine import group_dataframe

    # 1. read, group, spill
    it = iter(chunks)
    clock.lap("write")
    for chunk in it:
        clock.lap("read")
        if logic is not None:
            g = group_dataframe(logic, chunk)
            clock.lap("group")
        else:
            g = _fold_read_problems(chunk)
        if "status" in g.columns:
            errors += int((g["status"] != "ok").sum())
        n = g.height
        g = g.with_columns(pl.int_range(rows, rows + n, dtype=pl.Int64).alias(ROW_INDEX), bucket_of(n_buckets))
        if first is None:
            first = g.head(0).drop(BUCKET)
        keys = link_keys(g)
        shards = keys.with_columns(_s=pl.col("key").hash(seed=7) % n_buckets)  # all of a key's rows in one shard
        for (shard,), part in shards.partition_by("_s", as_dict=True).items():
            spill.write(f"keys-{shard:05d}", part.drop("_s").to_arrow())
        for (b,), part in g.partition_by(BUCKET, as_dict=True).items():
            spill.write(f"bucket-{b:05d}", part.drop(BUCKET).to_arrow())
        rows += n
        bounds.append(rows)
        clock.lap("spill")
    spill.close()

    # links between buckets (ids shared by patients of different buckets), then the parts
    pairs: list[tuple[int, int]] = []
    for shard in range(n_buckets):
        if spill.exists(f"keys-{shard:05d}"):
            pairs += linked_pairs(spill.read(f"keys-{shard:05d}"))
            spill.remove(f"keys-{shard:05d}")
    parts = [u for u in work_units(n_buckets, pairs) if any(spill.exists(f"bucket-{b:05d}") for b in u)]
    linked = sum(len(u) for u in parts if len(u) > 1)
    clock.lap("spill")
    step(f"settling {rows:,} rows in {len(parts)} part(s)" + (
        f" ({linked} buckets joined: kontakt_id/opphold_id shared by patients)" if linked else ""))

    # 2. settle each part
    totals = Totals()
    names: list[int] = []
    for k, unit in enumerate(parts):
        frames = [spill.read(f"bucket-{b:05d}") for b in unit if spill.exists(f"bucket-{b:05d}")]
        df = pl.concat(frames) if len(frames) > 1 else frames[0]
        if len(frames) > 1:
            df = df.sort(ROW_INDEX)
        clock.lap("spill")
        try:
            part = settle_part(df, setup, lap=clock.lap)
        except MissingParametersError as e:
            totals.add_missing(e)
            continue
        totals.add(part.tables, part.coverage)
        del df, frames
        for b in unit:
            spill.remove(f"bucket-{b:05d}")
        if totals.missing or (totals.coverage_counts and not allow_missing_weights):
            continue  # the run will stop: only look for every missing weight and parameter
        for piece in _cut(part.rows, bounds, ROW_INDEX):
            spill.write(f"rows-{k:05d}", piece.to_arrow())
        for piece in _cut(part.drg_units, bounds, ROW_INDEX):
            spill.write(f"drg-{k:05d}", piece.to_arrow())
        if part.group_units.height:
            spill.write("groups", part.group_units.to_arrow())
        spill.close(f"rows-{k:05d}")
        spill.close(f"drg-{k:05d}")
        names.append(k)
        clock.lap("write")
    spill.close()
    if totals.missing or (totals.coverage_counts and not allow_missing_weights):
        shutil.rmtree(spill.folder, ignore_errors=True)
        return Streamed(rows=rows, rows_with_errors=errors, totals=totals, parts=len(parts), linked_buckets=linked,
                        clock=clock)

    # 3. merge in input order
    step("writing points.parquet and enheter.parquet in input order")
    if not names:  # no rows at all: the empty tables, with the columns of a settled part
        assert first is not None
        empty = settle_part(first, setup)
        empty.rows.drop(ROW_INDEX).write_parquet(work_dir / "points.parquet")
        empty.drg_units.drop(ROW_INDEX).write_parquet(work_dir / "enheter.parquet")
    else:
        _merge(spill, [f"rows-{k:05d}" for k in names], len(bounds), work_dir / "points.parquet")
        tail = spill.read("groups").sort(list(_UNIT_ORDER)) if spill.exists("groups") else None
        _merge(spill, [f"drg-{k:05d}" for k in names], len(bounds), work_dir / "enheter.parquet", tail=tail)
    shutil.rmtree(spill.folder, ignore_errors=True)
    clock.lap("write")
    return Streamed(rows=rows, rows_with_errors=errors, totals=totals, parts=len(parts), linked_buckets=linked,
                    clock=clock)


def _merge(spill: _Spill, names: list[str], chunks: int, out: Path, *, tail: pl.DataFrame | None = None) -> None:
    """Write the IPC files `names` (each one batch per input chunk, sorted by `ROW_INDEX`)
    as one Parquet file in input order, then `tail`."""
    readers = [pa.ipc.open_file(pa.OSFile(str(spill.path(n)))) for n in names]
    for r in readers:
        if r.num_record_batches != chunks:
            raise IsfError(f"internal error: {r.num_record_batches} pieces where the input had {chunks} chunks")
    writer: pq.ParquetWriter | None = None
    schema: pa.Schema | None = None
    try:
        for c in range(chunks):
            table = pa.Table.from_batches([r.get_batch(c) for r in readers])
            df = pl.from_arrow(table)
            assert isinstance(df, pl.DataFrame)
            data = (df.sort(ROW_INDEX) if len(readers) > 1 else df).drop(ROW_INDEX).to_arrow()
            if writer is None:
                schema = data.schema
                writer = pq.ParquetWriter(str(out), schema, compression="zstd")
            writer.write_table(data.cast(schema) if data.schema != schema else data)
        if tail is not None and tail.height:
            data = tail.drop(ROW_INDEX).to_arrow()
            assert writer is not None and schema is not None
            writer.write_table(data.cast(schema) if data.schema != schema else data)
    finally:
        if writer is not None:
            writer.close()
