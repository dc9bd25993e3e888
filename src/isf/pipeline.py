"""The main job streamed on one machine: activity of any size settled in bounded memory.

Three passes over the year, none holding the year in memory:

1. **read, group, spill**: the activity is read chunk by chunk (`isf.activity`), each chunk
   grouped (`isf.batch.engine.group_dataframe`), numbered (`ROW_INDEX`, its position in the
   input) and spilled twice (Arrow IPC files under a spill folder): as it is, in input order,
   and row by row to the bucket of its patient; the kontakt_id and opphold_id of each bucket
   go to small key files.
2. **settle**: buckets that share a kontakt_id or an opphold_id (bad data) are joined into one
   part (`isf.settlement.stream.work_units`); each part is settled by the one kernel
   (`settle_part`), what it adds to the rows and its DRG units written back cut at the input's
   chunk boundaries, its STG/TFG units appended, its tables added to the year's (exact sums).
3. **merge**: ``points.parquet`` is written chunk by chunk in input order (the chunk as read
   and grouped, beside what settlement added to its rows, gathered from every part by
   `ROW_INDEX`: rows in = rows out is checked chunk by chunk), ``enheter.parquet`` likewise
   (DRG units in input order of their carrying row, then STG/TFG units by patient, type,
   group, period, sorted out of core by DuckDB): the same files, row for row, as settling the
   whole year at once.

Work overlaps where it is independent: a chunk is spilled while the next is read and grouped,
`SETTLE_THREADS` parts are settled at once (polars works outside the GIL), and the two files of
pass 3 are written side by side, each preparing its next chunk while one is encoded. Memory is
about two chunks (pass 1), `SETTLE_THREADS` parts (pass 2) or two chunks of output per file
(pass 3), whatever the number of rows; the spill takes about twice the size of the input
(uncompressed) on disk, beside the output folder, and is removed at the end.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from isf.activity import fold_read_problems
from isf.definitions import Logic
from isf.errors import IsfError
from isf.files import parquet_writer
from isf.formatting import number
from isf.params.model import MissingParametersError
from isf.settlement.frame import ROW_INDEX
from isf.settlement.settle import row_columns, rows_with
from isf.settlement.stream import (
    BUCKET,
    PART_ROWS,
    Part,
    Totals,
    YearSetup,
    bucket_count,
    bucket_of,
    link_keys,
    linked_pairs,
    settle_part,
    work_units,
)

__all__ = ["CHUNK_ROWS", "SETTLE_THREADS", "STAGES", "Clock", "Stopwatch", "Streamed", "stream_settle"]

#: rows per chunk read and grouped at a time
CHUNK_ROWS = 500_000
#: parts settled at once (threads: polars works outside the GIL); memory is about this many parts
SETTLE_THREADS = 2
#: disk the spill takes per input row, about: 1 GB per million `isf synth` rows (`benchmarks/bench_run.py`)
SPILL_BYTES_PER_ROW = 1_000
#: the stages a run's time is split into (`Clock`)
STAGES = ("read", "group", "spill", "stg_tfg", "points", "money", "write")
_UNIT_ORDER = ("pasient_id", "type", "gruppe", "periode")
#: spill files hold plain Arrow strings, not polars' string views: a view sliced or gathered into a
#: patient bucket keeps the whole chunk's text buffers, so every bucket file would hold every chunk's
#: text (1M rows, 10 buckets: 3.5 GB spilled instead of 0.97 GB; benchmarks/bench_run.py)
_IPC = pl.CompatLevel.oldest()
T = TypeVar("T")


class Clock:
    """Wall and CPU time (all threads) per stage: `lap(stage)` books the time since the
    previous lap to `stage`."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = dict.fromkeys(STAGES, 0.0)
        self.cpu: dict[str, float] = dict.fromkeys(STAGES, 0.0)
        self._t, self._c = time.perf_counter(), time.process_time()

    def lap(self, stage: str) -> None:
        self.book({stage: 1.0})

    def book(self, weights: Mapping[str, float]) -> None:
        """Book the time since the previous lap to several stages in proportion to `weights`
        (stages that ran at once: parts settled on several threads, each timed by a `Stopwatch`)."""
        now, cpu = time.perf_counter(), time.process_time()
        total = sum(weights.values())
        for stage, w in weights.items():
            share = w / total if total > 0 else 1.0 / len(weights)
            self.seconds[stage] = self.seconds.get(stage, 0.0) + (now - self._t) * share
            self.cpu[stage] = self.cpu.get(stage, 0.0) + (cpu - self._c) * share
        self._t, self._c = now, cpu


class Stopwatch:
    """Wall time per stage of one thread's work (`lap(stage)` like `Clock.lap`); a `Clock`
    books concurrent work by these proportions."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._t = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - self._t
        self._t = now

    def add(self, other: Stopwatch) -> None:
        for stage, secs in other.seconds.items():
            self.seconds[stage] = self.seconds.get(stage, 0.0) + secs


@dataclass
class Streamed:
    """What the streamed settlement produced (its files are in the work folder)."""

    rows: int
    rows_with_errors: int
    totals: Totals
    parts: int
    linked_buckets: int
    clock: Clock = field(default_factory=Clock)


class _Spill:
    """Arrow IPC files of one run: one writer per name (one record batch per `write`), the
    schema of its first table."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._writers: dict[str, tuple[pa.ipc.RecordBatchFileWriter, pa.Schema]] = {}

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.arrow"

    def write(self, name: str, df: pl.DataFrame) -> None:
        table = df.to_arrow(compat_level=_IPC)
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

    def batches(self, name: str) -> _Batches:
        self.close(name)
        return _Batches(self.path(name))

    def remove(self, name: str) -> None:
        self.close(name)
        self.path(name).unlink(missing_ok=True)


class _Batches:
    """The record batches of one spill file, read one at a time (as Arrow: pass 3 writes them
    without a round trip through polars)."""

    def __init__(self, path: Path) -> None:
        self._file = pa.OSFile(str(path))
        self._reader = pa.ipc.open_file(self._file)

    def __len__(self) -> int:
        return int(self._reader.num_record_batches)

    def __getitem__(self, i: int) -> pa.RecordBatch:
        return self._reader.get_batch(i)

    def close(self) -> None:
        self._file.close()


def _cut(df: pl.DataFrame, bounds: list[int], column: str) -> Iterator[pl.DataFrame]:
    """`df` (sorted by `column`) cut at the chunk boundaries `bounds` (one piece per chunk)."""
    idx = df[column].to_numpy()
    ends = np.searchsorted(idx, np.asarray(bounds, dtype=np.int64), side="left")
    start = 0
    for end in ends:
        yield df.slice(start, int(end) - start)
        start = int(end)


def _stops(totals: Totals, allow_missing_weights: bool) -> bool:
    """The run will stop (missing parameters or weights): the rest only looks for all of them."""
    return bool(totals.missing) or (bool(totals.coverage_counts) and not allow_missing_weights)


def stream_settle(
    chunks: Iterable[pl.DataFrame],
    *,
    setup: YearSetup,
    logic: Logic | None,
    expected_rows: int,
    work_dir: Path,
    allow_missing_weights: bool,
    part_rows: int = PART_ROWS,
    threads: int | None = None,
    on_step: Callable[[str], None] | None = None,
    clock: Clock | None = None,
) -> Streamed:
    """Group (unless `logic` is None: the chunks carry `drg`), settle and write
    ``points.parquet`` and ``enheter.parquet`` into `work_dir`; return the year's totals.

    `chunks` are activity frames in input order (as `isf.activity.chunk_frame` gives them).
    Missing weights and parameters do not stop the passes (every part is looked at, so the
    error can list all of them); the caller raises from `Streamed.totals`. `threads` parts are
    settled at once (each part alone is the same work whatever the number of threads).
    """
    from isf.batch.engine import group_dataframe

    step = on_step or (lambda _s: None)
    clock = clock or Clock()
    threads = max(1, SETTLE_THREADS if threads is None else threads)
    spill = _Spill(work_dir / ".spill")
    need, free = expected_rows * SPILL_BYTES_PER_ROW, shutil.disk_usage(spill.folder).free
    if need > free:  # said before the hours of work, not only when the disk is full
        step(f"warning: the spill needs about {need / 1e9:.1f} GB of free disk beside the output, "
             f"{free / 1e9:.1f} GB are free: the run stops if the disk fills up")
    n_buckets = bucket_count(expected_rows, part_rows)
    bounds: list[int] = []
    rows = errors = 0
    first: pl.DataFrame | None = None

    # 1. read, group, spill (in input order, and by patient bucket); a chunk is spilled on a
    # second thread while the next one is read and grouped (one chunk in flight)
    def spill_chunk(g: pl.DataFrame) -> None:
        spill.write("order", g)
        g = g.with_columns(bucket_of(n_buckets, g.columns))
        shards = link_keys(g).with_columns(_s=pl.col("key").hash(seed=7) % n_buckets)  # a key's rows in one shard
        for (shard,), keys in shards.partition_by("_s", as_dict=True).items():
            spill.write(f"keys-{shard:05d}", keys.drop("_s"))
        for (b,), piece in g.partition_by(BUCKET, as_dict=True).items():
            spill.write(f"bucket-{b:05d}", piece.drop(BUCKET))

    with ThreadPoolExecutor(max_workers=1) as spiller:
        pending: Future[None] | None = None
        for chunk in chunks:
            clock.lap("read")
            if logic is not None:
                g = group_dataframe(logic, chunk)
                clock.lap("group")
            else:
                g = fold_read_problems(chunk)
            del chunk
            if "status" in g.columns:
                errors += int((g["status"] != "ok").sum())
            n = g.height
            g = g.with_columns(pl.int_range(rows, rows + n, dtype=pl.Int64).alias(ROW_INDEX))
            if first is None:
                first = g.head(0)
            if pending is not None:
                pending.result()  # the previous chunk is on disk
            pending = spiller.submit(spill_chunk, g)
            del g
            rows += n
            bounds.append(rows)
            clock.lap("spill")
        if pending is not None:
            pending.result()
    spill.close()
    clock.lap("spill")
    assert first is not None, "an activity source yields at least one (maybe empty) chunk"

    # links between buckets (ids shared by patients of different buckets), then the parts
    pairs: list[tuple[int, int]] = []
    for shard in range(n_buckets):
        if spill.exists(f"keys-{shard:05d}"):
            pairs += linked_pairs(spill.read(f"keys-{shard:05d}"))
            spill.remove(f"keys-{shard:05d}")
    parts = [u for u in work_units(n_buckets, pairs) if any(spill.exists(f"bucket-{b:05d}") for b in u)]
    linked = sum(len(u) for u in parts if len(u) > 1)
    clock.lap("spill")
    step(f"settling {number(rows)} rows in {number(len(parts))} part(s)" + (
        f" ({number(linked)} buckets joined: kontakt_id/opphold_id shared by patients)" if linked else ""))

    # 2. settle the parts, `threads` at a time; their results are taken in part order
    totals = Totals()
    done: list[int] = []
    spent = Stopwatch()  # the parts' own time per stage: how the wall time of this pass is booked

    def settle(unit: list[int]) -> tuple[Part | MissingParametersError, Stopwatch]:
        watch = Stopwatch()
        frames = [spill.read(f"bucket-{b:05d}") for b in unit if spill.exists(f"bucket-{b:05d}")]
        df = pl.concat(frames).sort(ROW_INDEX) if len(frames) > 1 else frames[0]
        del frames
        watch.lap("spill")
        try:
            return settle_part(df, setup, lap=watch.lap), watch
        except MissingParametersError as e:
            return e, watch

    with ThreadPoolExecutor(max_workers=threads) as pool:
        ahead: list[Future[tuple[Part | MissingParametersError, Stopwatch]]] = []
        for k in range(len(parts)):
            while len(ahead) < threads and k + len(ahead) < len(parts):
                ahead.append(pool.submit(settle, parts[k + len(ahead)]))
            result, settling = ahead.pop(0).result()
            spent.add(settling)
            writing = Stopwatch()  # this thread's writing of the part's outputs
            if isinstance(result, MissingParametersError):
                totals.add_missing(result)
                continue
            part = result
            totals.add(part.tables, part.coverage)
            for b in parts[k]:
                spill.remove(f"bucket-{b:05d}")
            if _stops(totals, allow_missing_weights):
                continue
            for piece in _cut(part.row_outputs, bounds, ROW_INDEX):
                spill.write(f"out-{k:05d}", piece)
            for piece in _cut(part.drg_units, bounds, ROW_INDEX):
                spill.write(f"drg-{k:05d}", piece)
            if part.group_units.height:
                spill.write("groups", part.group_units)
            spill.close(f"out-{k:05d}")
            spill.close(f"drg-{k:05d}")
            del part, result
            done.append(k)
            writing.lap("write")
            spent.add(writing)
    spill.close()
    clock.book(spent.seconds)
    if _stops(totals, allow_missing_weights):
        shutil.rmtree(spill.folder, ignore_errors=True)
        return Streamed(rows=rows, rows_with_errors=errors, totals=totals, parts=len(parts), linked_buckets=linked,
                        clock=clock)

    # 3. merge in input order: the two files side by side (encoding Parquet is most of the work)
    step("writing points.parquet and enheter.parquet in input order")
    if not done:  # no rows at all: empty files with the columns of a settled part
        empty = settle_part(first, setup)
        rows_with(first, empty.row_outputs).write_parquet(work_dir / "points.parquet")
        empty.drg_units.drop(ROW_INDEX).write_parquet(work_dir / "enheter.parquet")
    else:
        spill.close("groups")
        tail = spill.path("groups") if spill.exists("groups") else None
        with ThreadPoolExecutor(max_workers=2) as pool:
            jobs = [pool.submit(_write_points, spill, done, bounds, work_dir / "points.parquet"),
                    pool.submit(_write_units, spill, done, len(bounds), work_dir / "enheter.parquet", tail)]
            for job in jobs:
                job.result()
    shutil.rmtree(spill.folder, ignore_errors=True)
    clock.lap("write")
    return Streamed(rows=rows, rows_with_errors=errors, totals=totals, parts=len(parts), linked_buckets=linked,
                    clock=clock)


class _ParquetOut:
    """One Parquet file written table by table (`isf.files.parquet_writer`)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self._w: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None

    def write_arrow(self, table: pa.Table) -> None:
        if self._w is None:
            self._schema = table.schema
            self._w = parquet_writer(self.out, table.schema)
        assert self._schema is not None
        self._w.write_table(table if table.schema == self._schema else table.cast(self._schema))

    def close(self) -> None:
        if self._w is not None:
            self._w.close()


def _prepared(make: Callable[[int], T], n: int) -> Generator[T, None, None]:
    """`make(0)` … `make(n - 1)` in order, each made on a helper thread while the caller
    writes the one before (reading and gathering a chunk overlap encoding the previous one)."""
    with ThreadPoolExecutor(max_workers=1) as helper:
        ahead = helper.submit(make, 0) if n else None
        for i in range(n):
            assert ahead is not None
            item = ahead.result()
            ahead = helper.submit(make, i + 1) if i + 1 < n else None
            yield item


def _gathered(files: list[_Batches], c: int) -> pa.Table:
    """Piece `c` of every part, in input order (`ROW_INDEX`)."""
    if len(files) == 1:
        return pa.Table.from_batches([files[0][c]])
    table = pa.concat_tables([pa.Table.from_batches([f[c]]) for f in files])
    return table.take(pc.sort_indices(table[ROW_INDEX]))  # a stable sort: a row's units keep their order


def _write_points(spill: _Spill, done: list[int], bounds: list[int], out: Path) -> None:
    """``points.parquet``: each input chunk as read and grouped, with what settlement added to
    its rows (`row_columns`; rows in = rows out, checked chunk by chunk)."""
    order = spill.batches("order")
    files = [spill.batches(f"out-{k:05d}") for k in done]
    writer = _ParquetOut(out)

    def rows_of(c: int) -> pa.Table:
        chunk = order[c]
        outputs = _gathered(files, c)
        start, end = bounds[c] - chunk.num_rows, bounds[c]
        if outputs.num_rows != chunk.num_rows or (chunk.num_rows and not (
                outputs[ROW_INDEX].to_numpy() == np.arange(start, end)).all()):
            raise IsfError(f"internal error: chunk {c + 1} has {chunk.num_rows} rows but {outputs.num_rows} were settled")
        kept, added = row_columns(chunk.schema.names, outputs.column_names)
        rows = pa.Table.from_batches([chunk]).select(kept)
        for name in added:
            rows = rows.append_column(name, outputs[name])
        return rows

    try:
        with closing(_prepared(rows_of, len(bounds))) as prepared:  # closed (helper done) before the files
            for rows in prepared:
                writer.write_arrow(rows)
    finally:
        writer.close()
        for f in (order, *files):
            f.close()


def _write_units(spill: _Spill, done: list[int], chunks: int, out: Path, tail: Path | None) -> None:
    """``enheter.parquet``: DRG units in input order of their carrying row, then the STG/TFG
    units of every part (`tail`, a spill file) in `_UNIT_ORDER`."""
    files = [spill.batches(f"drg-{k:05d}") for k in done]
    writer = _ParquetOut(out)
    try:
        with closing(_prepared(lambda c: _gathered(files, c).drop_columns([ROW_INDEX]), chunks)) as prepared:
            for units in prepared:
                writer.write_arrow(units)
        if tail is not None:
            for batch in _sorted_units(tail, spill.folder / "sort"):
                writer.write_arrow(pa.Table.from_batches([batch]).drop_columns([ROW_INDEX]))
    finally:
        writer.close()
        for f in files:
            f.close()


def _sorted_units(path: Path, temp: Path) -> Iterator[pa.RecordBatch]:
    """The units of the spill file `path` in `_UNIT_ORDER` (nulls first, as polars sorts), in
    record batches. DuckDB sorts them out of core (spilling under `temp`), so memory stays
    bounded whatever the number of STG/TFG units in the year (about 5 % of the rows)."""
    import duckdb
    import pyarrow.dataset as ds

    temp.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        con.execute("SET memory_limit = '1GB'")
        con.execute("SET threads = 2")
        con.execute("SET temp_directory = '" + str(temp).replace("'", "''") + "'")
        con.execute("SET arrow_large_buffer_size = true")  # large strings and lists, as the DRG units
        con.register("units", ds.dataset(str(path), format="ipc"))
        order = ", ".join(f'"{c}" ASC NULLS FIRST' for c in _UNIT_ORDER)
        reader: pa.RecordBatchReader = con.sql(f"SELECT * FROM units ORDER BY {order}").to_arrow_reader(CHUNK_ROWS)
        yield from reader
    finally:
        con.close()
