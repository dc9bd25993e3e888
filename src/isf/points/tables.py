"""Standard aggregations (tertial, year, treating HF, RHF of residence, sector, DRG, MDC)
and their writers (Parquet/CSV files, one DuckDB file with one table per aggregation).

`summary_tables` is pure; `write_tables` and `write_duckdb` are the I/O adapters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import polars as pl

from isf.params.model import YearParams
from isf.points.money import aggregate

__all__ = ["AGGREGATIONS", "summary_tables", "summary_table", "write_tables", "write_duckdb"]

# name -> grouping columns. `bo_rhf` is the sorge-for side (RHF of residence).
AGGREGATIONS: dict[str, tuple[str, ...]] = {
    "aar": ("aar",),
    "tertial": ("aar", "tertial"),
    "maaned": ("aar", "maaned"),
    "sektor": ("aar", "sektor"),
    "beh_hf": ("aar", "sektor", "beh_hf"),
    "bo_rhf": ("aar", "sektor", "bo_rhf"),
    "drg": ("aar", "sektor", "drg"),
    "mdc": ("aar", "sektor", "mdc"),
}


def summary_tables(
    points_df: pl.DataFrame,
    *,
    params: YearParams | None = None,
    names: Iterable[str] | None = None,
) -> dict[str, pl.DataFrame]:
    """Every standard aggregation whose columns exist in `points_df` (kroner with `params`)."""
    wanted = list(names) if names is not None else list(AGGREGATIONS)
    out: dict[str, pl.DataFrame] = {}
    for name in wanted:
        by = AGGREGATIONS[name]
        if all(c in points_df.columns for c in by):
            out[name] = aggregate(points_df, by=by, params=params)
    return out


def summary_table(points_df: pl.DataFrame, *, params: YearParams | None = None) -> pl.DataFrame:
    """One small table per sector plus a 'totalt' row: rows, counting rows, points, kroner."""
    per = aggregate(points_df, by=["sektor"], params=params).with_columns(pl.col("sektor").cast(pl.String))
    tot = aggregate(points_df, by=[], params=params).with_columns(sektor=pl.lit("totalt")).select(per.columns)
    return pl.concat([per, tot], how="vertical_relaxed")


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
                df.write_csv(p)
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
