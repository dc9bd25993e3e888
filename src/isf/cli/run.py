"""`isf run` and `isf points`: the main job (thin shells over `isf.run.run_job`)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from isf.cli.common import LogicOpt, err, load_logic_or_exit
from isf.formatting import DEFAULT_YEAR

if TYPE_CHECKING:
    from isf.run import RunResult

__all__ = ["AllowMissingOpt", "WeightsOpt", "print_result", "run_command", "settle_or_exit"]

WeightsOpt = Annotated[
    list[str] | None,
    typer.Option("--weights", "-w", help="Weight list(s): 'demo' (DRG+STG+TFG demo lists) or CSV/XLSX files; "
                 "repeat for the DRG, STG and TFG lists, or give one file with a 'type' column. "
                 "'stg:FILE'/'tfg:FILE' names the type of a file without one."),
]
AllowMissingOpt = Annotated[
    bool, typer.Option("--allow-missing-weights",
                       help="Settle groups without a weight as not counting instead of stopping.")
]
ParamsOpt = Annotated[list[Path] | None, typer.Option("--params", help="Year-parameter TOML file(s).")]
SetOpt = Annotated[list[str] | None, typer.Option("--set", help="Parameter override, e.g. somatikk.enhetspris=56000.")]


def _fmt(v: object) -> str:
    """A summary cell as people read it (`isf.formatting`): 1 748 317,25 (kroner), 17 446,533 (points)."""
    from isf.formatting import number

    if v is None:
        return ""
    if isinstance(v, Decimal):
        return number(v, 2) if v.as_tuple().exponent == -2 else number(v, 3)
    if isinstance(v, int):
        return number(v)
    return str(v)


def settle_or_exit(**kwargs: object) -> RunResult:
    """`run_job(**kwargs)`, translating every isf error into a message and exit code 2."""
    from isf.errors import IsfError
    from isf.run import run_job

    try:
        return run_job(**kwargs)  # type: ignore[arg-type]
    except (IsfError, OSError) as e:
        err.print(f"[red]error:[/] {e}", markup=True, highlight=False)
        raise typer.Exit(2) from e


def print_result(res: RunResult, *, quiet: bool) -> None:
    """The summary table (with DEMO and missing weights said) and where the files are."""
    from rich.table import Table

    if res.coverage.height:
        names = ", ".join(f"{r['type']} {r['gruppe']}" for r in res.coverage.head(20).iter_rows(named=True))
        err.print(f"[yellow]warning:[/] {res.coverage.height} group(s) without weight settled as not counting "
                  f"({names}); see vektdekning.csv", highlight=False)
    if quiet:
        return
    demo = res.demo
    title = f"ISF {res.year}" + (f", logic {res.logic}" if res.logic else ", grouped input") + \
        f": {_fmt(res.rows)} rows, {_fmt(res.rows_with_errors)} with input errors"
    t = Table(title=title + (f"\n{demo}" if demo else ""))
    cols = ["sektor", "type", "antall", "antall_tellende", "isf_poeng", "isf_kroner"]
    for c in cols:
        t.add_column(c, justify="left" if c in ("sektor", "type") else "right", no_wrap=True)
    for row in res.summary.select(cols).iter_rows():
        t.add_row(*(_fmt(v) for v in row))
    Console(width=max(Console().width, 110)).print(t)
    tot = res.summary.filter(res.summary["sektor"] == "totalt").row(0, named=True)
    typer.echo(f"total (DRG + STG + TFG): {_fmt(tot['isf_poeng'])} ISF points, {_fmt(tot['isf_kroner'])} kr"
               + (" (DEMO)" if demo else ""))  # Norwegian style; the exact figures are in sammendrag.csv
    typer.echo(f"tables written to {res.out_dir}/ (sorge_for.csv, sorge_for_hf.csv, enheter.parquet, points.parquet, "
               f"aggregates as Parquet/CSV, isf.duckdb, kontekst.json); `isf report {res.out_dir}` makes an HTML report")


def run_command(
    activity: Annotated[
        Path | None, typer.Option("--activity", "-a", help="Activity (Parquet/CSV, docs/data-model.md). Default: synthetic demo.")
    ] = None,
    logic: LogicOpt = "demo",
    year: Annotated[int, typer.Option(help="Settlement year (parameters, weights, STG/TFG rules).")] = DEFAULT_YEAR,
    weights: WeightsOpt = None,
    params: ParamsOpt = None,
    set_: SetOpt = None,
    demo_params: Annotated[
        bool | None, typer.Option("--demo-params/--no-demo-params", help="Fill unknown parameters with DEMO values.")
    ] = None,
    grouped: Annotated[bool, typer.Option("--grouped", help="The activity has a drg column: settle it without regrouping.")] = False,
    allow_missing_weights: AllowMissingOpt = False,
    rows: Annotated[int, typer.Option(help="Synthetic rows when no --activity is given.")] = 50_000,
    seed: Annotated[int, typer.Option(help="Seed for the synthetic activity.")] = 1,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("isf-out"),
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No steps and no summary table.")] = False,
) -> None:
    """The main job: activity -> grouping -> settlement (DRG, STG, TFG) -> kroner per sørge-for RHF/HF."""
    lg = None if grouped else load_logic_or_exit(logic, compiled=True)
    res = settle_or_exit(
        logic=lg, activity=activity, year=year, weights=weights or ["demo"], param_files=params or (),
        overrides=set_ or (), demo_params=demo_params, rows=rows, seed=seed, out_dir=out, grouped=grouped,
        allow_missing_weights=allow_missing_weights, command="isf run",
        on_step=None if quiet else (lambda s: err.print(f"[dim]- {s}[/]")),
    )
    print_result(res, quiet=quiet)
