"""`isf logics` and `isf convert-logic`: which NordDRG logics isf can load, and their formats."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from isf.cli.common import load_logic_or_exit

__all__ = ["logics_command", "convert_logic_command"]


def logics_command() -> None:
    """List the logic ids isf can load without a path."""
    from isf.definitions import available_logics

    for k, v in sorted(available_logics().items()):
        typer.echo(f"{k}\t{v}")


def convert_logic_command(
    logic: Annotated[str, typer.Argument(help="Logic to convert (file, folder or id).")],
    out: Annotated[Path, typer.Option("--output", "-o", help="Folder for the NordDRG CSV tables.")],
) -> None:
    """Write a logic in the NordDRG CSV export layout (drg_logic.csv, dg_feat.csv, ...)."""
    from isf.definitions import write_csv_tables

    write_csv_tables(load_logic_or_exit(logic), out)
    typer.echo(f"wrote {out}")


