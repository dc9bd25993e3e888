"""Write synthetic activity to Parquet or CSV, chunk by chunk (the I/O side of `isf synth`)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from isf.definitions.model import Logic
from isf.synth.activity import ACTIVITY_SCHEMA, synth_activity

__all__ = ["FORMATS", "PARTITION_ROWS", "csv_table", "write_synth"]

#: Above this many rows Parquet output is a folder of ``part-NNNNN.parquet`` files.
PARTITION_ROWS = 2_000_000
FORMATS = ("parquet", "csv")
LIST_SEPARATOR = "|"


def csv_table(table: pa.Table) -> pa.Table:
    """The CSV form of an activity table: list columns joined with ``|``."""
    for name in ("bdiag", "prosedyrer"):
        i = table.schema.get_field_index(name)
        table = table.set_column(i, name, pc.binary_join(table[name], LIST_SEPARATOR))
    return table


def _progress(quiet: bool) -> Progress:
    return Progress(
        TextColumn("isf synth"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=quiet,
        transient=False,
    )


def _is_part_folder(folder: Path) -> bool:
    return folder.is_dir() and all(f.name.startswith("part-") for f in folder.iterdir())


def _check_target(out: Path) -> None:
    """Refuse to overwrite a folder that `write_synth` did not write."""
    if out.is_dir() and not _is_part_folder(out):
        raise IsADirectoryError(f"{out} is a folder that does not hold isf part files")


def _remove_old(out: Path) -> None:
    if out.is_dir():
        shutil.rmtree(out)
    elif out.exists():
        out.unlink()


def write_synth(
    logic: Logic,
    out_path: str | os.PathLike[str],
    *,
    rows: int,
    seed: int,
    year: int = 2025,
    fmt: str = "parquet",
    quiet: bool = False,
    chunk_rows: int = 500_000,
    partition_rows: int = PARTITION_ROWS,
    rbf: bool = False,
) -> Path:
    """Generate `rows` rows and write them to `out_path`; returns the path written.

    Parquet: one file, or a folder of part files (one per chunk) when there are more than
    `partition_rows` rows. CSV: one file.
    Files are written under a temporary name and renamed at the end, so a crash never leaves
    a half-written file under the requested name. `rbf` adds RBF procedure codes
    (`isf.synth.rbf_codes`).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    chunks = synth_activity(logic, rows=rows, seed=seed, year=year, chunk_rows=chunk_rows, rbf=rbf)
    partitioned = fmt == "parquet" and rows > partition_rows
    _check_target(out)
    tmp = out.with_name(out.name + ".tmp")
    if tmp.is_dir():
        shutil.rmtree(tmp)
    with _progress(quiet) as bar:
        task = bar.add_task("rows", total=rows)
        if partitioned:
            tmp.mkdir()
            for i, chunk in enumerate(chunks):
                pq.write_table(chunk, tmp / f"part-{i:05d}.parquet", compression="zstd")
                bar.advance(task, chunk.num_rows)
        elif fmt == "parquet":
            with pq.ParquetWriter(tmp, ACTIVITY_SCHEMA, compression="zstd") as w:
                for chunk in chunks:
                    w.write_table(chunk)
                    bar.advance(task, chunk.num_rows)
        else:
            schema = csv_table(ACTIVITY_SCHEMA.empty_table()).schema
            with pacsv.CSVWriter(tmp, schema) as w:
                for chunk in chunks:
                    w.write_table(csv_table(chunk))
                    bar.advance(task, chunk.num_rows)
    _remove_old(out)
    os.replace(tmp, out)
    return out
