"""The `isf` command line: thin shells over the library (they parse options and translate errors).

One module per command family; heavy libraries are imported inside the commands so that
`isf --help` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from isf import __version__
from isf.cli.common import IsfGroup

__all__ = ["app", "main"]

app = typer.Typer(
    name="isf",
    help="Open, explainable ISF engine: NordDRG grouping, ISF points and money.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    cls=IsfGroup,  # IsfError -> "error: ..." and exit 2, in one place
    pretty_exceptions_show_locals=False,  # locals can hold patient data
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"isf {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Open, explainable ISF engine: NordDRG grouping, ISF points and money."""


def _register() -> None:
    from isf.cli.certify import certify_command
    from isf.cli.grouping import explain_command, group_command
    from isf.cli.logic import convert_logic_command, logics_command
    from isf.cli.npk import npk_command
    from isf.cli.points import points_command
    from isf.cli.rbf import rbf_command
    from isf.cli.report import report_command
    from isf.cli.run import run_command
    from isf.cli.serve import serve_command
    from isf.cli.synth import synth_command
    from isf.cli.weights import effects_command, weights_app

    # short help for `isf --help`: one line each, never cut (the full text is `isf CMD --help`)
    commands: list[tuple[str, Callable[..., None], str]] = [
        ("group", group_command, "Group cases (case strings, CSV, Parquet) into DRGs, every row kept."),
        ("explain", explain_command, "Why one case lands in its DRG; with --year its points and kroner."),
        ("logics", logics_command, "List the NordDRG logics isf can load by id."),
        ("convert-logic", convert_logic_command, "Write a logic as NordDRG CSV or NCC dBase tables."),
        ("certify", certify_command, "Replay an NCC test database against a logic."),
        ("run", run_command, "The main job: activity -> DRG/STG/TFG -> points and kroner per region."),
        ("synth", synth_command, "Synthetic NPR-like activity (and KPP costs) for trying isf."),
        ("points", points_command, "Settle already grouped activity (as `isf run --grouped`)."),
        ("report", report_command, "A run folder as one HTML report (numbers in Norwegian style)."),
        ("npk", npk_command, "A run's rows with NPR's NPK variable names (korrvekt, trimpkt, ...)."),
        ("effects", effects_command, "Who gains and who loses with a new weight list (RHF and HF)."),
        ("serve", serve_command, "The local web app: test grouper, compare, look-up, CSV upload."),
        ("rbf", rbf_command, "Result-based financing: indicators, distribution, settlement."),
    ]
    for name, fn, short in commands:
        app.command(name, short_help=short)(fn)
    app.add_typer(weights_app, name="weights", short_help="Cost weights from KPP costs, calibrated (`weights estimate`).")


def main() -> None:  # pragma: no cover - console entry point
    app()


_register()
