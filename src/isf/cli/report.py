"""``isf report``: read a run folder's units and context and write the HTML report (thin I/O shell)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    import polars as pl


__all__ = ["read_table", "report_command"]


def read_table(run_dir: Path, name: str) -> pl.DataFrame | None:
    """``name.parquet`` or ``name.csv`` from ``run_dir``, or None when neither exists."""
    import polars as pl

    for suffix, reader in ((".parquet", pl.read_parquet), (".csv", pl.read_csv)):
        p = run_dir / f"{name}{suffix}"
        if p.exists():
            return reader(p)
    return None


def report_command(
    run_dir: Annotated[Path, typer.Argument(help="Folder written by `isf run` or `isf points` (enheter.parquet, kontekst.json).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.")] = Path("report.html"),
    title: Annotated[str, typer.Option(help="Report title.")] = "ISF-rapport",
) -> None:
    """Turn a run folder into a single-file HTML report: context, sørge-for, sectors, charts."""
    from isf.reports.html import build_report
    from isf.run import read_context

    if not run_dir.is_dir():
        raise typer.BadParameter(f"{run_dir} is not a folder", param_hint="RUN_DIR")
    units = read_table(run_dir, "enheter")
    if units is None:
        units = read_table(run_dir, "points")
    if units is None:
        raise typer.BadParameter(f"no enheter.parquet (or points.parquet) in {run_dir}: run `isf run` or `isf points` "
                                 "first", param_hint="RUN_DIR")
    effects = read_table(run_dir, "effects")
    path = build_report(units, out=out, context=read_context(run_dir), effects=effects, title=title)
    typer.echo(f"wrote {path} ({units.height} units)")
