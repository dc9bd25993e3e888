"""Parquet adapter: STG/TFG assignment for large activity files in bounded memory.

Rows are split into `partitions` buckets by a hash of `pasient_id`, so every patient's whole
timeline is in one bucket, and each bucket is assigned and written on its own. Memory is about
1/partitions of the year's activity. A `kontakt_id` repeated across buckets is not detected.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from isf.stg_tfg.definitions import StgTfgDefinitions
from isf.stg_tfg.engine import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, assign_lazy

__all__ = ["assign_parquet"]


def assign_parquet(
    source: str | Path,
    defs: StgTfgDefinitions,
    *,
    year: int,
    out_dir: str | Path,
    partitions: int = 8,
    til_tertial: int | None = None,
) -> tuple[Path, Path]:
    """Write `assignments/part-*.parquet` and `contact_adjustments/part-*.parquet` under out_dir."""
    if partitions < 1:
        raise ValueError("partitions must be >= 1")
    out = Path(out_dir)
    dirs = (out / "assignments", out / "contact_adjustments")
    for d in dirs:
        d.mkdir(parents=True, exist_ok=True)
    scan = pl.scan_parquet(source)
    names = scan.collect_schema().names()
    keep = list(REQUIRED_COLUMNS) + [c for c in OPTIONAL_COLUMNS if c in names]
    scan = scan.select([c for c in keep if c in names])
    for i in range(partitions):
        bucket = scan.filter(
            (pl.col("pasient_id").fill_null("").hash(seed=0) % partitions) == i
        )
        a, b = assign_lazy(bucket, defs, year=year, til_tertial=til_tertial)
        got_a, got_b = pl.collect_all([a, b])
        got_a.write_parquet(dirs[0] / f"part-{i:04d}.parquet")
        got_b.write_parquet(dirs[1] / f"part-{i:04d}.parquet")
    return dirs
