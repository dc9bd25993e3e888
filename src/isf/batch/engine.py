"""Streaming batch grouping: read (case strings, CSV, Parquet) -> group -> write, in bounded memory.

Input is read as Arrow record batches, grouped by the pure kernel (optionally in a process
pool, order preserved, at most a few batches in flight) and written batch by batch. Every
input row comes out, in order, with its result and a status.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from isf.batch.kernel import RESULT_SCHEMA, GroupingCache
from isf.definitions import Logic, load_logic

if TYPE_CHECKING:
    import polars as pl

__all__ = ["BatchStats", "read_batches", "group_file", "group_dataframe", "count_rows", "FORMATS"]

FORMATS = ("case-string", "csv", "parquet")
DEFAULT_BATCH_ROWS = 250_000


@dataclass
class BatchStats:
    rows: int = 0
    ok: int = 0
    errors: int = 0
    cache_hits: int = 0
    cache_misses: int = 0


def detect_format(path: Path) -> str:
    if path.is_dir() or path.suffix.lower() in (".parquet", ".pq"):
        return "parquet"
    if path.suffix.lower() in (".csv", ".tsv"):
        return "csv"
    return "case-string"


def _case_string_batches(path: Path, batch_rows: int) -> Iterator[pa.RecordBatch]:
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        buf: list[str] = []
        for line in fh:
            buf.append(line.rstrip("\r\n"))
            if len(buf) >= batch_rows:
                yield pa.RecordBatch.from_pydict({"case_string": buf})
                buf = []
        if buf:
            yield pa.RecordBatch.from_pydict({"case_string": buf})


def _csv_batches(path: Path, batch_rows: int) -> Iterator[pa.RecordBatch]:
    with open(path, encoding="utf-8-sig") as fh:
        header = fh.readline()
    delim = ";" if header.count(";") > header.count(",") else ","
    names = [h.strip().strip('"') for h in header.rstrip("\r\n").split(delim)]
    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=1 << 24),
        parse_options=pacsv.ParseOptions(delimiter=delim),
        # Everything as text: the kernel validates values and reports the bad ones per row.
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=True),
    )
    for batch in reader:
        for start in range(0, batch.num_rows, batch_rows):
            yield batch.slice(start, batch_rows)


def _parquet_files(path: Path) -> list[Path]:
    return sorted(path.rglob("*.parquet")) if path.is_dir() else [path]


def _parquet_batches(path: Path, batch_rows: int) -> Iterator[pa.RecordBatch]:
    for f in _parquet_files(path):
        yield from pq.ParquetFile(f).iter_batches(batch_size=batch_rows)


def read_batches(path: Path, fmt: str, *, batch_rows: int = DEFAULT_BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    """Stream `path` as record batches in input order."""
    if fmt == "case-string":
        return _case_string_batches(path, batch_rows)
    if fmt == "csv":
        return _csv_batches(path, batch_rows)
    if fmt == "parquet":
        return _parquet_batches(path, batch_rows)
    raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")


def count_rows(path: Path, fmt: str) -> int | None:
    """Row count when cheap to know (Parquet metadata), for the progress bar."""
    if fmt == "parquet":
        return sum(pq.ParquetFile(f).metadata.num_rows for f in _parquet_files(path))
    return None


# --- worker side ---------------------------------------------------------------------------
_WORKER: dict[str, GroupingCache] = {}


def _init_worker(logic_ref: str, threads: int) -> None:
    # Each worker runs its own polars: share the cores instead of oversubscribing them.
    os.environ.setdefault("POLARS_MAX_THREADS", str(threads))
    _WORKER["cache"] = GroupingCache(load_logic(logic_ref))


def _work(batch: pa.RecordBatch, offset: int) -> pa.RecordBatch:
    cache = _WORKER["cache"]
    return group_batch(cache.logic, batch, cache=cache, row_offset=offset)


def group_batch(logic: Logic, batch: pa.RecordBatch, *, cache: GroupingCache, row_offset: int = 0) -> pa.RecordBatch:
    """Group one record batch with the vectorised path (the row kernel for other layouts)."""
    import polars as pl

    from isf.batch.vectorized import group_frame

    df = pl.from_arrow(batch)
    assert isinstance(df, pl.DataFrame)
    res = group_frame(logic, df, cache=cache, row_offset=row_offset).to_arrow()
    return _as_batch(res)


def _as_batch(table: pa.Table) -> pa.RecordBatch:
    table = table.cast(RESULT_SCHEMA).combine_chunks()
    batches = table.to_batches()
    return batches[0] if batches else pa.RecordBatch.from_pylist([], schema=RESULT_SCHEMA)


def _csv_safe(table: pa.Table) -> pa.Table:
    """CSV cannot hold lists: join list columns with '|' (the form the reader accepts)."""
    cols = []
    for name, col in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_list(col.type) or pa.types.is_large_list(col.type):
            joined = [None if v is None else "|".join(str(x) for x in v) for v in col.to_pylist()]
            cols.append(pa.array(joined, pa.string()))
        else:
            cols.append(col)
    return pa.table(cols, names=table.column_names)


class _Writer:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.parquet = out.suffix.lower() in (".parquet", ".pq")
        self._w: pq.ParquetWriter | pacsv.CSVWriter | None = None
        out.parent.mkdir(parents=True, exist_ok=True)

    def write(self, table: pa.Table) -> None:
        if not self.parquet:
            table = _csv_safe(table)
        if self._w is None:
            self._w = pq.ParquetWriter(self.out, table.schema) if self.parquet else pacsv.CSVWriter(self.out, table.schema)
        self._w.write_table(table)

    def close(self, empty_schema: pa.Schema) -> None:
        if self._w is None:  # no rows at all: still write a header / an empty file
            self.write(empty_schema.empty_table())
        assert self._w is not None
        self._w.close()


def _combine(fmt: str, batch: pa.RecordBatch, result: pa.RecordBatch, offset: int) -> pa.Table:
    if fmt == "case-string":
        line = pa.array(range(offset + 1, offset + batch.num_rows + 1), pa.int64())
        return pa.Table.from_batches([result]).add_column(0, "line", line)
    table = pa.Table.from_batches([batch])
    for name in RESULT_SCHEMA.names:
        if name in table.column_names:
            table = table.drop_columns([name])
    for name, col in zip(RESULT_SCHEMA.names, result.columns, strict=True):
        table = table.append_column(name, col)
    return table


def group_file(
    logic: Logic | str,
    src: Path,
    out: Path,
    *,
    fmt: str | None = None,
    workers: int = 1,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    on_progress: Callable[[int], None] | None = None,
) -> BatchStats:
    """Group every row of `src` into `out` (CSV or Parquet by suffix), streaming.

    With ``workers > 1`` batches are grouped in a process pool (each worker loads the logic
    itself from `logic`, which must then be a path or id).
    """
    fmt = fmt or detect_format(src)
    stats = BatchStats()
    writer = _Writer(out)
    empty = RESULT_SCHEMA if fmt != "case-string" else pa.schema([("line", pa.int64()), *RESULT_SCHEMA])

    def emit(batch: pa.RecordBatch, result: pa.RecordBatch, offset: int) -> None:
        writer.write(_combine(fmt, batch, result, offset))
        n = batch.num_rows
        ok = sum(1 for s in result.column("status").to_pylist() if s == "ok")
        stats.rows += n
        stats.ok += ok
        stats.errors += n - ok
        if on_progress:
            on_progress(n)

    offset = 0
    if workers <= 1:
        lg = logic if isinstance(logic, Logic) else load_logic(logic)
        cache = GroupingCache(lg)
        for batch in read_batches(src, fmt, batch_rows=batch_rows):
            emit(batch, group_batch(lg, batch, cache=cache, row_offset=offset), offset)
            offset += batch.num_rows
        stats.cache_hits, stats.cache_misses = cache.hits, cache.misses
    else:
        if isinstance(logic, Logic):
            raise ValueError("workers > 1 needs the logic as a path or id")
        pending: deque[tuple[pa.RecordBatch, int, Future[pa.RecordBatch]]] = deque()
        ctx = multiprocessing.get_context("spawn")  # polars is not fork-safe
        threads = max(1, (os.cpu_count() or 1) // workers)
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                                 initargs=(logic, threads)) as pool:
            for batch in read_batches(src, fmt, batch_rows=batch_rows):
                pending.append((batch, offset, pool.submit(_work, batch, offset)))
                offset += batch.num_rows
                while len(pending) > 2 * workers:
                    b, o, fut = pending.popleft()
                    emit(b, fut.result(), o)
            while pending:
                b, o, fut = pending.popleft()
                emit(b, fut.result(), o)
    writer.close(empty)
    return stats


def group_dataframe(logic: Logic, df: "pl.DataFrame", *, batch_rows: int = DEFAULT_BATCH_ROWS) -> "pl.DataFrame":
    """`df` with the result columns appended (same rows, same order): the polars adapter."""
    from isf.batch.vectorized import group_frame

    res = group_frame(logic, df, cache=GroupingCache(logic))
    return df.drop([c for c in RESULT_SCHEMA.names if c in df.columns]).hstack(res)

