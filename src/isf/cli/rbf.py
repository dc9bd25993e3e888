"""`isf rbf`: result-based financing (a thin shell over `isf.rbf.run.run_rbf`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from isf.cli.common import err
from isf.formatting import DEFAULT_YEAR

__all__ = ["rbf_command"]


def rbf_command(
    year: Annotated[int, typer.Option(help="RBF budget year (definitions isf/data/rbf/<year>.toml).")] = DEFAULT_YEAR,
    activity: Annotated[
        Path | None,
        typer.Option("--activity", "-a", help="NPR-like activity (Parquet/CSV, docs/data-model.md). Default: synthetic DEMO data."),
    ] = None,
    registers: Annotated[
        Path | None, typer.Option(help="Registers table (CSV/Parquet): NKI and other non-NPR indicators, completeness.")
    ] = None,
    period: Annotated[
        str, typer.Option(help="Data period: T1 (first tertial: preliminary) or aar/year (whole year: final).")
    ] = "aar",
    preliminary: Annotated[
        Path | None, typer.Option(help="Output folder of the T1 run: the year run then settles against it.")
    ] = None,
    definitions: Annotated[
        Path | None, typer.Option(help="Own RBF definitions (TOML, docs/rbf.md) instead of the bundled ones.")
    ] = None,
    allow_missing: Annotated[
        bool, typer.Option("--allow-missing", help="Go on when register values are missing (they score 0).")
    ] = False,
    rows: Annotated[int, typer.Option(min=1, help="Synthetic rows when no --activity is given.")] = 30_000,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic DEMO data.")] = 1,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("isf-out/rbf"),
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary.")] = False,
) -> None:
    """Result-based financing: indicators per region, the pool's distribution, the settlement."""
    from rich.markup import escape

    from isf.errors import IsfError
    from isf.rbf.output import summary_lines
    from isf.rbf.run import run_rbf

    per = {"year": "aar", "t1": "T1"}.get(period.lower(), period)
    try:
        res = run_rbf(year=year, out_dir=out, activity=activity, registers=registers, period=per,
                      preliminary=preliminary, definitions=definitions, allow_missing=allow_missing,
                      rows=rows, seed=seed)
    except IsfError as e:
        err.print(f"[red]error:[/] {escape(str(e))}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from e
    except OSError as e:
        err.print(f"[red]error:[/] {escape(f'{e.strerror}: {e.filename}')}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from e
    if quiet:
        return
    for line in summary_lines(res.summary, res.tables):
        typer.echo(line)
    typer.echo(f"\nTabeller skrevet til {res.out_dir}/ (indikatorer, fordeling{', avregning' if res.settlement else ''}: "
               "CSV + Parquet; rader.parquet; SVG; sammendrag.json)")
