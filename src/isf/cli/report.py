"""``isf report``: read a run folder's tables and write the HTML report (thin I/O shell)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    import polars as pl


__all__ = ["report_command", "read_table"]


def read_table(run_dir: Path, name: str) -> pl.DataFrame | None:
    """``name.parquet`` or ``name.csv`` from ``run_dir``, or None when neither exists."""
    import polars as pl

    for suffix, reader in ((".parquet", pl.read_parquet), (".csv", pl.read_csv)):
        p = run_dir / f"{name}{suffix}"
        if p.exists():
            return reader(p)
    return None


def report_command(
    run_dir: Annotated[Path, typer.Argument(help="Folder written by `isf run` (points.parquet, ...).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.")] = Path("report.html"),
    title: Annotated[str, typer.Option(help="Report title.")] = "ISF-rapport",
) -> None:
    """Turn a run folder into a single-file HTML report with tables and inline SVG charts."""
    from isf.reports.html import build_report

    if not run_dir.is_dir():
        raise typer.BadParameter(f"{run_dir} is not a folder", param_hint="RUN_DIR")
    points = read_table(run_dir, "points")
    if points is None:
        raise typer.BadParameter(f"no points.parquet or points.csv in {run_dir}", param_hint="RUN_DIR")
    stg = read_table(run_dir, "stg_tfg")
    effects = read_table(run_dir, "effects")
    path = build_report(points, out=out, stg_tfg=stg, effects=effects, title=title)
    typer.echo(f"wrote {path} ({points.height} rows)")
