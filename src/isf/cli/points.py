"""`isf points`: settle an already grouped activity file (output of `isf group`), as `isf run --grouped`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from isf.cli.run import AllowMissingOpt, ParamsOpt, SetOpt, WeightsOpt, print_result, settle_or_exit

__all__ = ["points_command"]


def points_command(
    input: Annotated[Path, typer.Argument(help="Grouped activity (Parquet or CSV, e.g. from `isf group`) with a drg column.")],
    year: Annotated[int, typer.Option("--year", help="ISF year (weights, parameters, STG/TFG rules).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (same layout as `isf run`).")] = Path("isf-points"),
    weights: WeightsOpt = None,
    params: ParamsOpt = None,
    set_: SetOpt = None,
    demo_params: Annotated[bool, typer.Option("--demo-params", help="Fill unknown parameters with DEMO values.")] = False,
    allow_missing_weights: AllowMissingOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Settle grouped activity: points and kroner per unit, sørge-for tables, summary (as `isf run`)."""
    if not input.exists():
        typer.echo(f"error: no such file: {input}", err=True)
        raise typer.Exit(2)
    res = settle_or_exit(
        logic=None, activity=input, year=year, weights=weights or ["demo"], param_files=params or (),
        overrides=set_ or (), demo_params=demo_params, out_dir=out, grouped=True,
        allow_missing_weights=allow_missing_weights, command="isf points",
    )
    print_result(res, quiet=quiet)
