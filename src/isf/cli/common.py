"""Shared pieces of the command modules: the error console, the logic option, progress bars,
and the one place where errors become messages and exit codes (`IsfGroup`).

Exit codes: 0 done (rows with errors are in the output, with status), 2 an `IsfError` (the
message names file, row and field, never a value), 3 an internal error (no traceback and no
local values unless ``ISF_DEBUG=1``: they could hold patient data).
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

if TYPE_CHECKING:
    from rich.progress import Progress

    from isf.definitions import Logic

__all__ = ["EXIT_INPUT", "EXIT_INTERNAL", "IsfGroup", "LogicOpt", "err", "fail", "load_logic_or_exit", "progress",
           "tidy_help"]

EXIT_INPUT = 2
EXIT_INTERNAL = 3

err = Console(stderr=True, soft_wrap=True)  # a message is one line, never wrapped inside a path

LogicOpt = Annotated[
    str, typer.Option("--logic", "-l", help="Logic: zip/JSON file, CSV-table folder, or id (demo, NOR2015, ...).")
]


def fail(message: str, cause: BaseException | None = None) -> NoReturn:
    """Print ``error: message`` on stderr (as plain text, never as markup) and exit 2."""
    err.print(f"[red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_INPUT) from cause


def load_logic_or_exit(ref: str, *, compiled: bool = False) -> Logic:
    """The logic `ref` names, or exit 2 with the loader's message. With `compiled`, for a
    command that groups many rows, also compiled.

    A release is about a million objects that live as long as the command: the garbage
    collector is off while they are built (load and compile take a third less time) and, with
    `compiled`, they are then kept out of its sight (`gc.freeze`), or every full collection
    during the run would walk them all (a tenth of `isf group`'s CPU time on 10M rows)."""
    import gc

    from isf.definitions import DefinitionError, load_logic
    from isf.grouping.compiled import CompileError, compiled_logic

    collecting = gc.isenabled()
    gc.disable()
    try:
        logic = load_logic(ref)
        if compiled:
            compiled_logic(logic)  # kept on the logic: the run finds it there
            gc.freeze()
        return logic
    except (DefinitionError, CompileError) as e:
        fail(str(e), e)
    finally:
        if collecting:
            gc.enable()


def _no_hyphen_breaks() -> None:
    """Help text wraps at spaces only: "docs/data-model.md" and "non-NPR" are never split at
    their hyphen (click's wrapper would print "docs/data- model.md")."""
    import importlib

    for name in ("typer._click._textwrap", "click._textwrap"):
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        base = getattr(mod, "TextWrapper", None)
        if base is None or getattr(base, "_isf", False):
            continue

        class Wrapper(base):  # type: ignore[misc, valid-type]
            _isf = True

            def __init__(self, *args: Any, **kwargs: Any) -> None:
                kwargs.setdefault("break_on_hyphens", False)
                super().__init__(*args, **kwargs)

        setattr(mod, "TextWrapper", Wrapper)  # noqa: B010 - the vendored module is untyped


_no_hyphen_breaks()


def _metavar(param: Any) -> str:
    """A value's placeholder in help: its name in capitals (``--year YEAR``, ``INPUT``)."""
    return str(param.name or "value").strip("_").upper().replace("_", "-")


def tidy_help(command: Any) -> None:
    """Give every option of `command` (and of its subcommands) a plain metavar.

    Typer's default shows Python types (``<list[str]>``, ``<bool>``); a name in capitals
    reads better and never needs cutting (tests/unit/test_cli_help.py renders every help)."""
    for p in getattr(command, "params", []):
        if p.param_type_name == "option" and p.metavar is None and not getattr(p, "is_flag", False):
            p.metavar = _metavar(p)
    for sub in getattr(command, "commands", {}).values():
        tidy_help(sub)


class IsfGroup(TyperGroup):
    """The root command group: every `IsfError` a command lets through becomes ``error: ...``
    and exit 2; anything else is an internal error, reported without traceback or values.
    Help is plain text (no tables that cut long words) with readable placeholders."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tidy_help(self)

    def invoke(self, ctx: Any) -> Any:
        from isf.errors import IsfError

        try:
            return super().invoke(ctx)
        except IsfError as e:
            fail(str(e), e)
        except KeyboardInterrupt:
            raise
        except BrokenPipeError:  # `isf ... | head`: the reader left; stop quietly
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(1) from None
        except Exception as e:
            # typer's own exits and usage errors (its vendored click) are answers, not failures
            if os.environ.get("ISF_DEBUG") or type(e).__module__.split(".")[0] in ("typer", "click"):
                raise
            name = ctx.invoked_subcommand or ctx.info_name or "isf"
            err.print(f"[red]internal error[/] in `isf {escape(name)}` ({type(e).__name__}); no data is shown. "
                      "Run again with ISF_DEBUG=1 to see the traceback.", highlight=False)
            raise typer.Exit(EXIT_INTERNAL) from None


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
