"""Reading activity files (docs/data-model.md): Parquet (file or folder) or CSV."""

from __future__ import annotations

from pathlib import Path

import polars as pl

__all__ = ["read_activity"]


def read_activity(path: Path) -> pl.DataFrame:
    """Activity as in docs/data-model.md from Parquet (file or folder) or CSV ('|'-joined lists)."""
    if path.is_dir() or path.suffix.lower() in (".parquet", ".pq"):
        files = sorted(path.rglob("*.parquet")) if path.is_dir() else [path]
        return pl.concat([pl.read_parquet(f) for f in files], how="vertical_relaxed")
    df = pl.read_csv(path, infer_schema_length=10_000, try_parse_dates=True)
    for col in ("bdiag", "prosedyrer"):
        if col in df.columns and df.schema[col] == pl.String:
            df = df.with_columns(pl.col(col).fill_null("").str.split("|").list.eval(pl.element().filter(pl.element() != "")))
    return df
