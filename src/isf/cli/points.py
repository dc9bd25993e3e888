"""`isf points`: score a grouped activity file and write points plus summary tables."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

if TYPE_CHECKING:
    import polars as pl


__all__ = ["points_command"]


def _read(path: Path) -> pl.DataFrame:
    import polars as pl

    if path.suffix.lower() == ".csv":
        return pl.read_csv(path, try_parse_dates=True)
    return pl.read_parquet(path)


def points_command(
    input: Annotated[Path, typer.Argument(help="Grouped activity (Parquet or CSV) with a drg column.")],
    year: Annotated[int, typer.Option("--year", help="ISF year (weights and parameters).")],
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("isf-points"),
    weights: Annotated[str, typer.Option("--weights", help="'demo' or a weight list (CSV/XLSX).")] = "demo",
    params_file: Annotated[Optional[list[Path]], typer.Option("--params", help="Extra parameter TOML file(s).")] = None,
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="Override, e.g. somatikk.enhetspris=54000.")] = None,
    demo_params: Annotated[bool, typer.Option("--demo-params", help="Fill unknown parameters with DEMO values.")] = False,
    duckdb: Annotated[Optional[Path], typer.Option("--duckdb", help="Also write all tables to this DuckDB file.")] = None,
    no_money: Annotated[bool, typer.Option("--no-money", help="Points only (no enhetspris needed).")] = False,
) -> None:
    """Compute ISF points (and kroner) per row and standard aggregations."""
    from isf.params import MissingParameterError, ParameterError, load_params
    from isf.points import (
        PointsInputError,
        compute_points,
        summary_table,
        summary_tables,
        write_duckdb,
        write_tables,
    )
    from isf.weights.weightlist import WeightListError, load_weights

    try:
        params = load_params(year, demo=demo_params, files=params_file or [], overrides=set_ or [])
        wl = load_weights(weights, year=year)
        pts = compute_points(_read(input), weights=wl, params=params, year=year)
        money_params = None if no_money else params
        tables = {"poeng": pts, **summary_tables(pts, params=money_params)}
        summary = summary_table(pts, params=money_params)
    except (MissingParameterError, ParameterError, WeightListError, PointsInputError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from None
    written = write_tables(tables, out, formats=("parquet", "csv"))
    if duckdb is not None:
        write_duckdb(tables, duckdb)
    n_count = int(pts["isf_tellende"].sum())
    typer.echo(f"{pts.height} rows, {n_count} counting for ISF; wrote {len(written)} files to {out}")
    for row in summary.iter_rows(named=True):
        kr = f", {row['isf_kroner']} kr" if "isf_kroner" in row else ""
        typer.echo(f"  {row['sektor']}: {row['isf_poeng']:.4f} points{kr}")
