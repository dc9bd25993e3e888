"""`isf points`: settle an already grouped activity file (output of `isf group`), as `isf run --grouped`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from isf.cli.run import AllowMissingOpt, ParamsOpt, SetOpt, WeightsOpt, print_result, settle_or_exit
from isf.formatting import DEFAULT_YEAR

if TYPE_CHECKING:
    import polars as pl

__all__ = ["points_command", "read_grouped"]


def read_grouped(path: Path) -> pl.DataFrame:
    """A grouped activity file (CSV or Parquet) as `isf points` settles it: every row, typed;
    rows that could not be read keep their place with status and error (`fold_read_problems`)."""
    from isf.activity import fold_read_problems, read_activity
    from isf.errors import InputError
    from isf.settlement.frame import required_columns

    frame = read_activity(path, required=list(dict.fromkeys(required_columns(grouped=True))))
    if frame.height == 0:
        raise InputError("the file is empty: a header and no rows, nothing to settle", file=path)
    return fold_read_problems(frame)


def points_command(
    input: Annotated[Path, typer.Argument(help="Grouped activity (Parquet or CSV, e.g. from `isf group`) with a drg column.")],
    year: Annotated[int, typer.Option("--year", help="ISF year (weights, parameters, STG/TFG rules).")] = DEFAULT_YEAR,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (same layout as `isf run`).")] = Path("isf-points"),
    weights: WeightsOpt = None,
    params: ParamsOpt = None,
    set_: SetOpt = None,
    demo_params: Annotated[bool, typer.Option("--demo-params", help="Fill unknown parameters with DEMO values.")] = False,
    allow_missing_weights: AllowMissingOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary table.")] = False,
) -> None:
    """Settle grouped activity: points and kroner per unit, sørge-for tables, summary (as `isf run`).

    Every row of INPUT is in points.parquet, in order; a row whose values cannot be used
    (liggetid 'abc', an impossible date, a broken line) does not count, and its error names
    row and field.
    """
    from isf.errors import IsfError

    if not input.exists():
        typer.echo(f"error: no such file: {input}", err=True)
        raise typer.Exit(2)
    try:
        frame = read_grouped(input)
    except IsfError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from e
    res = settle_or_exit(
        logic=None, activity=frame, year=year, weights=weights or ["demo"], param_files=params or (),
        overrides=set_ or (), demo_params=demo_params, out_dir=out, grouped=True,
        allow_missing_weights=allow_missing_weights, command="isf points",
    )
    print_result(res, quiet=quiet)
