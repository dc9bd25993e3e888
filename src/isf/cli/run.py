"""`isf run`: the main job (a thin shell over `isf.run.run_job`)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from isf.cli.common import LogicOpt, err, load_logic_or_exit

__all__ = ["run_command"]


def run_command(
    activity: Annotated[
        Path | None, typer.Option("--activity", "-a", help="Activity (Parquet/CSV, docs/data-model.md). Default: synthetic demo.")
    ] = None,
    logic: LogicOpt = "demo",
    year: Annotated[int, typer.Option(help="Settlement year (parameters, weights, STG/TFG rules).")] = 2026,
    weights: Annotated[str, typer.Option(help="Weight list: 'demo' or a CSV/XLSX file.")] = "demo",
    params: Annotated[list[Path] | None, typer.Option("--params", help="Year-parameter TOML file(s).")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Parameter override, e.g. somatikk.enhetspris=56000.")] = None,
    demo_params: Annotated[
        bool | None, typer.Option("--demo-params/--no-demo-params", help="Fill unknown parameters with demo values.")
    ] = None,
    rows: Annotated[int, typer.Option(help="Synthetic rows when no --activity is given.")] = 50_000,
    seed: Annotated[int, typer.Option(help="Seed for the synthetic activity.")] = 1,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("isf-out"),
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """The main job: activity -> grouping -> points -> STG/TFG -> money -> tables + summary."""
    from rich.table import Table

    from isf.definitions import DefinitionError
    from isf.params import MissingParameterError, ParameterError
    from isf.points import PointsInputError
    from isf.run import run_job
    from isf.weights.weightlist import WeightCoverageError, WeightListError

    lg = load_logic_or_exit(logic)
    try:
        res = run_job(
            logic=lg, activity=activity, year=year, weights=weights, param_files=params or (),
            overrides=set_ or (), demo_params=demo_params, rows=rows, seed=seed, out_dir=out,
            on_step=None if quiet else (lambda s: err.print(f"[dim]- {s}[/]")),
        )
    except (MissingParameterError, ParameterError, PointsInputError, WeightListError, WeightCoverageError,
            DefinitionError, OSError) as e:
        err.print(f"[red]error:[/] {e}")
        raise typer.Exit(2) from e
    if quiet:
        return
    t = Table(title=f"ISF {res.year}, logic {res.logic}: {res.rows:,} rows, {res.rows_with_errors:,} with input errors")
    cols = [c for c in ("sektor", "antall", "antall_tellende", "isf_poeng", "isf_kroner") if c in res.summary.columns]
    for c in cols:
        t.add_column(c, justify="left" if c == "sektor" else "right")
    for row in res.summary.select(cols).iter_rows():
        t.add_row(*("" if v is None else f"{v:,.3f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, (int, Decimal)) else str(v)
                    for v in row))
    Console().print(t)
    typer.echo(f"tables written to {res.out_dir}/ (points.parquet, aggregates as Parquet/CSV, isf.duckdb); "
               f"`isf report {res.out_dir}` makes an HTML report")


