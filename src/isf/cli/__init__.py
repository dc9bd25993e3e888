"""The `isf` command line: thin shells over the library (they parse options and translate errors).

One module per command family; heavy libraries are imported inside the commands so that
`isf --help` stays fast.
"""

from __future__ import annotations

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
    from isf.cli.points import points_command
    from isf.cli.rbf import rbf_command
    from isf.cli.report import report_command
    from isf.cli.run import run_command
    from isf.cli.serve import serve_command
    from isf.cli.synth import synth_command
    from isf.cli.weights import effects_command, weights_app

    app.command("group")(group_command)
    app.command("explain")(explain_command)
    app.command("logics")(logics_command)
    app.command("convert-logic")(convert_logic_command)
    app.command("certify")(certify_command)
    app.command("run")(run_command)
    app.command("synth")(synth_command)
    app.command("points")(points_command)
    app.command("report")(report_command)
    app.add_typer(weights_app, name="weights")
    app.command("effects")(effects_command)
    app.command("serve")(serve_command)
    app.command("rbf")(rbf_command)


def main() -> None:  # pragma: no cover - console entry point
    app()


_register()
