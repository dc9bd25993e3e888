"""Shared pieces of the command modules: the error console, the logic option, progress bars."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from rich.progress import Progress

    from isf.definitions import Logic

__all__ = ["err", "LogicOpt", "load_logic_or_exit", "progress"]

err = Console(stderr=True)

LogicOpt = Annotated[
    str, typer.Option("--logic", "-l", help="Logic: zip/JSON file, CSV-table folder, or id (demo, NOR2015, ...).")
]


def load_logic_or_exit(ref: str) -> Logic:
    """The logic `ref` names, or exit 2 with the loader's message."""
    from isf.definitions import DefinitionError, load_logic

    try:
        return load_logic(ref)
    except DefinitionError as e:
        err.print(f"[red]error:[/] {e}")
        raise typer.Exit(2) from e


def progress(quiet: bool, total: int | None, label: str) -> Progress | None:
    """A transient progress bar on stderr, or None when quiet or not a terminal."""
    if quiet or not sys.stderr.isatty():
        return None
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    cols = [TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    p = Progress(*cols, console=err, transient=True)
    p.add_task(label, total=total)
    return p
