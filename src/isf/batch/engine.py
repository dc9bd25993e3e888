"""Streaming batch grouping: read (case strings, CSV, Parquet) -> group -> write, in bounded memory.

Input is read chunk by chunk by `isf.activity` (every row of the file, with its row number and
any read problem), grouped by the native batch path (`isf.batch.fast`: a chunk is grouped in
slices on ``threads`` threads, since Arrow's kernels and the native loop release the GIL; or
in a process pool whose workers get the compiled logic pickled, order preserved, at most a
few chunks in flight) and written chunk by chunk to a temporary file that gets its real name
only when the whole input is done (`isf.files.atomic_output`). Reading (`READ_AHEAD` chunks
ahead) and writing (up to `WRITE_BEHIND` chunks behind, Parquet gathered into row groups of
`ROW_GROUP_ROWS`) overlap grouping. Every input row comes out, in order, with its result and a
status; rows out = rows in is checked at the end.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from isf.activity import (
    DEFAULT_BATCH_ROWS,
    FORMATS,
    REQUIRED_COLUMNS,
    ActivityReader,
    Chunk,
    detect_format,
    open_activity,
    typed_view,
)
from isf.batch.fast import RESULT_SCHEMA, GroupingRun, group_table
from isf.definitions import Logic, load_logic
from isf.errors import InputError, IsfError, Status
from isf.files import atomic_output, parquet_writer
from isf.grouping.compiled import CompiledLogic

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "FORMATS",
    "BatchStats",
    "count_rows",
    "default_threads",
    "detect_format",
    "group_chunk",
    "group_dataframe",
    "group_file",
    "group_stream",
    "read_batches",
]

#: rows `group_file` and `group_dataframe` read and group at a time: each chunk pays a fixed
#: cost (the code tables hashed for its look-ups, about 20 ms with NOR2015), which 100,000-row
#: chunks made a sixth of the CPU time on cases that do not repeat (`benchmarks/bench_grouping.py`)
GROUP_BATCH_ROWS = 250_000
#: chunks read ahead of grouping, and grouped chunks waiting to be written (memory: about
#: this many chunks, plus a row group)
READ_AHEAD = 2
WRITE_BEHIND = 4


@dataclass
class BatchStats:
    """What a batch run read and wrote: rows in = rows out = ok + errors."""

    rows: int = 0
    ok: int = 0
    errors: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    blank_lines: int = 0  # not rows: counted so the user can check the file's line count
    encoding: str | None = None
    memo_size: int = 0  # the run's fact memo (dagger/asterisk pairs outside the tables)
    memo_hits: int = 0
    memo_misses: int = 0
    fallback_rows: int = 0  # rows read one by one by the row kernel (text to clean, bad values)

    def add(self, result: pa.RecordBatch) -> None:
        for kv in pc.value_counts(result.column("status")).to_pylist():
            self.by_status[kv["values"]] = self.by_status.get(kv["values"], 0) + kv["counts"]
        self.rows += result.num_rows
        self.ok = self.by_status.get(Status.OK.value, 0)
        self.errors = self.rows - self.ok


def count_rows(path: Path, fmt: str) -> int | None:
    """Row count when cheap to know (Parquet metadata), for the progress bar."""
    if fmt == "parquet":
        try:
            with open_activity(path, fmt) as reader:
                return reader.total_rows
        except IsfError:
            return None
    return None


def read_batches(path: Path, fmt: str, *, batch_rows: int = DEFAULT_BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    """Stream `path` as record batches of its columns, in input order (unreadable rows null)."""
    with open_activity(path, fmt, batch_rows=batch_rows) as reader:
        for chunk in reader.chunks():
            yield from chunk.raw.combine_chunks().to_batches()


def default_threads() -> int:
    """Threads a chunk is grouped on: the machine's cores, at most 4 (two already reach the
    I/O floor's order on this kind of work)."""
    return max(1, min(4, os.cpu_count() or 1))


def group_chunk(run: GroupingRun, chunk: Chunk) -> pa.RecordBatch:
    """Results for every row of `chunk`: grouped, or the row's read/type problem as status."""
    typed, status, error = typed_view(chunk)
    n = chunk.num_rows
    if status.count(None) == n:
        return group_table(run, typed, rows=chunk.rows, file=chunk.file)
    good = [i for i, s in enumerate(status) if s is None]
    cols: dict[str, list[Any]] = {k: [None] * n for k in RESULT_SCHEMA.names}
    cols["status"], cols["error"] = status, error
    if good:
        res = group_table(run, typed.take(pa.array(good, pa.int64())), rows=[chunk.rows[i] for i in good],
                          file=chunk.file).to_pydict()
        for name in RESULT_SCHEMA.names:
            target = cols[name]
            for i, v in zip(good, res[name], strict=True):
                target[i] = v
    return pa.RecordBatch.from_pydict(cols, schema=RESULT_SCHEMA)


def group_batch(run: GroupingRun, batch: pa.RecordBatch, *, row_offset: int = 0) -> pa.RecordBatch:
    """Group one record batch of activity columns (rows numbered from `row_offset` + 1)."""
    n = batch.num_rows
    chunk = Chunk(pa.Table.from_batches([batch]), list(range(row_offset + 1, row_offset + n + 1)), [None] * n, [None] * n)
    return group_chunk(run, chunk)


def _run_for(logic: Logic | CompiledLogic | str, threads: int) -> GroupingRun:
    lg = load_logic(logic) if isinstance(logic, str) else logic
    return GroupingRun.for_logic(lg, threads=threads)


# --- worker side ---------------------------------------------------------------------------
_WORKER: dict[str, GroupingRun] = {}  # one process's own run (set once by the pool's initializer)


def _init_worker(compiled: CompiledLogic, threads: int) -> None:
    # Each worker runs its own Arrow threads: share the cores instead of oversubscribing them.
    os.environ.setdefault("POLARS_MAX_THREADS", str(threads))
    _WORKER["run"] = GroupingRun(compiled, threads)


def _work(chunk: Chunk) -> pa.RecordBatch:
    return group_chunk(_WORKER["run"], chunk)


# --- output --------------------------------------------------------------------------------
#: rows per Parquet row group of `isf group`'s output (chunks are gathered up to this size)
ROW_GROUP_ROWS = 500_000
_CSV_PLAIN = (pa.types.is_string, pa.types.is_large_string, pa.types.is_integer, pa.types.is_floating,
              pa.types.is_boolean, pa.types.is_date, pa.types.is_timestamp, pa.types.is_decimal, pa.types.is_null)


def _csv_value(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, list | tuple) and all(x is None or isinstance(x, str | int | float) for x in v):
        return "|".join("" if x is None else str(x) for x in v)  # the form the CSV reader accepts
    return json.dumps(v, ensure_ascii=False, default=str)


def _csv_safe(table: pa.Table) -> pa.Table:
    """CSV holds plain values only: lists are joined with '|', other nested values as JSON."""
    cols = []
    for col in table.columns:
        t = col.type
        if pa.types.is_dictionary(t):
            col, t = col.cast(t.value_type), t.value_type
        if not any(test(t) for test in _CSV_PLAIN):
            col = pa.array([_csv_value(v) for v in col.to_pylist()], pa.string())
        cols.append(col)
    return pa.table(cols, names=table.column_names)


class _Writer:
    """Chunks to one CSV or Parquet sink (a path or a binary stream), same schema throughout.
    Parquet chunks are gathered into row groups of at least `ROW_GROUP_ROWS` rows: small row
    groups cost an eighth more to write (`benchmarks/bench_grouping.py`)."""

    def __init__(self, sink: Path | BinaryIO, *, parquet: bool) -> None:
        self.sink = sink
        self.parquet = parquet
        self._w: pq.ParquetWriter | pacsv.CSVWriter | None = None
        self._held: list[pa.Table] = []

    def write(self, table: pa.Table) -> None:
        if not self.parquet:
            self._write(_csv_safe(table))
            return
        self._held.append(table)
        if sum(t.num_rows for t in self._held) >= ROW_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self._held:
            held, self._held = self._held, []
            self._write(pa.concat_tables(held) if len(held) > 1 else held[0])

    def _write(self, table: pa.Table) -> None:
        if self._w is None:
            self._w = parquet_writer(self.sink, table.schema) if self.parquet else pacsv.CSVWriter(self.sink, table.schema)
        self._w.write_table(table)

    def close(self, empty: pa.Table) -> None:
        self._flush()
        if self._w is None:  # no rows at all: still write a header / an empty file
            self.write(empty)
            self._flush()
        assert self._w is not None
        self._w.close()


def _combine(fmt: str, chunk: Chunk, result: pa.RecordBatch) -> pa.Table:
    if fmt == "case-string":
        line = pa.array(chunk.rows, pa.int64())
        return pa.Table.from_batches([result]).add_column(0, "line", line)
    table = chunk.raw
    for name in RESULT_SCHEMA.names:  # results of an earlier run are replaced
        if name in table.column_names:
            table = table.drop_columns([name])
    for name, col in zip(RESULT_SCHEMA.names, result.columns, strict=True):
        table = table.append_column(name, col)
    return table


def _empty_output(fmt: str, reader: ActivityReader) -> pa.Table:
    chunk = Chunk(reader.schema.empty_table(), [], [], [])
    return _combine(fmt, chunk, pa.RecordBatch.from_pylist([], schema=RESULT_SCHEMA))


def _run(
    logic: Logic | CompiledLogic | str,
    reader: ActivityReader,
    writer: _Writer,
    *,
    workers: int,
    threads: int,
    max_rows: int | None,
    on_progress: Callable[[int], None] | None,
) -> BatchStats:
    fmt = reader.fmt
    stats = BatchStats(encoding=reader.encoding_label)
    run = _run_for(logic, threads if workers <= 1 else 1)

    def emit(chunk: Chunk, result: pa.RecordBatch) -> None:
        if result.num_rows != chunk.num_rows:  # the invariant, checked: never a silent loss
            raise IsfError(f"internal error: {chunk.num_rows} rows read, {result.num_rows} grouped")
        stats.add(result)
        if on_progress:
            on_progress(chunk.num_rows)

    def chunks() -> Iterator[Chunk]:
        n = 0
        for chunk in reader.chunks():
            n += chunk.num_rows
            if max_rows is not None and n > max_rows:
                raise InputError(f"more than {max_rows} rows", file=reader.name)
            yield chunk

    # The reader runs up to READ_AHEAD chunks ahead and the writer up to WRITE_BEHIND behind,
    # each on its own thread (in order): reading and writing overlap grouping (Arrow's readers
    # and writers release the GIL), and grouping never waits for a row group being written.
    with ThreadPoolExecutor(1) as out, ThreadPoolExecutor(1) as ahead:
        writes: deque[Future[None]] = deque()

        def write(chunk: Chunk, result: pa.RecordBatch) -> None:
            emit(chunk, result)
            writes.append(out.submit(writer.write, _combine(fmt, chunk, result)))
            while len(writes) > WRITE_BEHIND:
                writes.popleft().result()

        if workers <= 1:
            source = chunks()
            reads = deque(ahead.submit(next, source, None) for _ in range(READ_AHEAD))
            while (chunk := reads.popleft().result()) is not None:
                reads.append(ahead.submit(next, source, None))
                write(chunk, group_chunk(run, chunk))
        else:
            pending: deque[tuple[Chunk, Future[pa.RecordBatch]]] = deque()
            ctx = multiprocessing.get_context("spawn")  # polars is not fork-safe
            per_worker = max(1, (os.cpu_count() or 1) // workers)
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                                     initargs=(run.compiled, per_worker)) as pool:
                for chunk in chunks():
                    pending.append((chunk, pool.submit(_work, chunk)))
                    while len(pending) > 2 * workers:
                        c, fut = pending.popleft()
                        write(c, fut.result())
                while pending:
                    c, fut = pending.popleft()
                    write(c, fut.result())
        while writes:
            writes.popleft().result()
    writer.close(_empty_output(fmt, reader))
    stats.blank_lines = reader.blank_lines
    stats.memo_size, stats.memo_hits, stats.memo_misses = run.memo.size, run.memo.hits, run.memo.misses
    stats.fallback_rows = run.fallback_rows
    return stats


def group_file(
    logic: Logic | CompiledLogic | str,
    src: Path,
    out: Path,
    *,
    fmt: str | None = None,
    workers: int = 1,
    threads: int | None = None,
    batch_rows: int = GROUP_BATCH_ROWS,
    encoding: str = "auto",
    on_progress: Callable[[int], None] | None = None,
) -> BatchStats:
    """Group every row of `src` into `out` (CSV or Parquet by suffix), streaming.

    Each chunk is grouped on `threads` threads (default `default_threads`); with
    ``workers > 1`` chunks are grouped in a process pool instead (each worker gets the
    compiled logic, pickled). Raises `InputError` (naming file, row and column where known)
    when the file cannot be grouped at all; then `out` is not written (an older `out` stays
    as it was).
    """
    src, out = Path(src), Path(out)
    if out.resolve() == src.resolve():
        raise InputError("the output would overwrite the input", file=out)
    with open_activity(src, fmt, encoding=encoding, batch_rows=batch_rows, required=REQUIRED_COLUMNS) as reader, \
            atomic_output(out) as tmp:
        writer = _Writer(tmp, parquet=out.suffix.lower() in (".parquet", ".pq"))
        return _run(logic, reader, writer, workers=workers, threads=threads or default_threads(), max_rows=None,
                    on_progress=on_progress)


def group_stream(
    logic: Logic,
    data: bytes,
    *,
    fmt: str = "csv",
    name: str = "upload",
    max_rows: int | None = None,
    encoding: str = "auto",
) -> tuple[bytes, BatchStats]:
    """Group an in-memory upload and return the grouped CSV bytes (nothing touches the disk)."""
    import io

    reader = open_activity(data, fmt, name=name, encoding=encoding, required=REQUIRED_COLUMNS)
    sink = io.BytesIO()
    stats = _run(logic, reader, _Writer(sink, parquet=False), workers=1, threads=1, max_rows=max_rows, on_progress=None)
    return sink.getvalue(), stats


def group_dataframe(logic: Logic, df: pl.DataFrame, *, batch_rows: int = GROUP_BATCH_ROWS) -> pl.DataFrame:
    """`df` with the result columns appended (same rows, same order): the polars adapter.

    A frame from `isf.activity.read_activity` carries each row's number and read problem
    (`_row`, `_read_status`, `_read_error`): rows that could not be read keep that status and
    error, errors name the file's row numbers, and the three columns are dropped.
    """
    import polars as pl

    from isf.activity import READ_ERROR, READ_STATUS, ROW_COLUMN

    run = GroupingRun.for_logic(logic, threads=default_threads())
    rows = df[ROW_COLUMN].to_list() if ROW_COLUMN in df.columns else list(range(1, df.height + 1))
    status = df[READ_STATUS].to_list() if READ_STATUS in df.columns else [None] * df.height
    error = df[READ_ERROR].to_list() if READ_ERROR in df.columns else [None] * df.height
    base = df.drop([c for c in (*RESULT_SCHEMA.names, ROW_COLUMN, READ_STATUS, READ_ERROR) if c in df.columns])
    parts = []
    for start in range(0, max(df.height, 1), batch_rows):
        piece = base.slice(start, batch_rows)
        end = start + piece.height
        chunk = Chunk(piece.to_arrow(), rows[start:end], status[start:end], error[start:end])
        parts.append(group_chunk(run, chunk))
    res = pl.from_arrow(pa.Table.from_batches(parts, schema=RESULT_SCHEMA))
    assert isinstance(res, pl.DataFrame)
    return base.hstack(res)
