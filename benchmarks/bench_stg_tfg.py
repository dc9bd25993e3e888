"""Benchmark: STG/TFG assignment over a grouped national-scale year in bounded memory.

    .venv/bin/python benchmarks/bench_stg_tfg.py benchmarks/data/grouped_10000000.parquet --year 2025

Uses `assign_parquet` (patients hashed into partitions, one partition in memory at a time)
and prints rows, time, assignments, contacts taken over by a TFG and peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import polars as pl

from isf.stg_tfg import load_stg_tfg
from isf.stg_tfg.batch import assign_parquet


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("grouped", type=Path, help="Grouped activity (Parquet file or folder) with a drg column.")
    ap.add_argument("--year", type=int, default=2025)
    ap.add_argument("--partitions", type=int, default=8)
    args = ap.parse_args()
    src = str(args.grouped / "*.parquet") if args.grouped.is_dir() else str(args.grouped)
    rows = pl.scan_parquet(src).select(pl.len()).collect().item()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        a_dir, b_dir = assign_parquet(src, load_stg_tfg(args.year), year=args.year, out_dir=tmp, partitions=args.partitions)
        secs = time.perf_counter() - t
        a = pl.scan_parquet(str(a_dir / "*.parquet"))
        n_assign = a.select(pl.len()).collect().item()
        by_group = a.group_by("type", "gruppe").agg(pl.len(), pl.col("antall_kontakter").sum()).sort("gruppe").collect()
        taken = pl.scan_parquet(str(b_dir / "*.parquet")).filter(pl.col("tfg_overtatt")).select(pl.len()).collect().item()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"| {rows:,} rows | {secs:.1f} s | {rows / secs:,.0f} rows/s | {n_assign:,} patient-periods "
          f"| {taken:,} contacts taken over | peak RSS {rss:.2f} GiB |")
    print(by_group)


if __name__ == "__main__":
    main()
