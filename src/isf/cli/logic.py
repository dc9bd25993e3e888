"""`isf logics` and `isf convert-logic`: which NordDRG logics isf can load, and their formats."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from isf.cli.common import err, load_logic_or_exit

__all__ = ["convert_logic_command", "logics_command"]

FORMATS = ("csv", "dbase")


def logics_command() -> None:
    """List the logic ids isf can load without a path: id, format, where it was found, file.

    Ids are looked up in $ISF_LOGIC_PATH, then in shared/norddrg/definitions beside the
    repository checkout (found from the installed package and from the current directory).
    """
    from isf.definitions import logic_sources, search_path

    for s in sorted(logic_sources(), key=lambda s: s.id):
        typer.echo(f"{s.id}\t{s.format}\t{s.origin}\t{s.path}")
    searched = "; ".join(f"{d} ({origin})" for d, origin in search_path()) or "nothing but the bundled demo"
    err.print(f"search path: {searched}")


def convert_logic_command(
    logic: Annotated[str, typer.Argument(help="Logic to convert (JSON zip, CSV folder, dBase zip/folder, or id).")],
    out: Annotated[Path, typer.Option("--output", "-o", help="Folder to write the tables to.")],
    to: Annotated[str, typer.Option("--to", help="Output layout: csv (NordDRG CSV export) or dbase (NCC dBase III).")] = "csv",
) -> None:
    """Write a logic as NordDRG CSV tables (drg_logic.csv, ...) or NCC dBase tables (drglogic.dbf, ...).

    Both layouts keep everything isf reads (rules, properties, code lists, names and texts)
    and read back to the same checksum; a release's test database is copied along
    (testrule.csv / testrule.dbf). There is no JSON output: the Norwegian JSON layout has no
    tables for code lists or texts, so it could not carry a dBase release whole.
    """
    from isf.certify import CertifyError, export_tests
    from isf.definitions import DefinitionError, available_logics, write_csv_tables
    from isf.definitions.dbase import write_dbase_tables

    if to not in FORMATS:
        err.print(f"[red]error:[/] unknown --to {to!r}; use one of {', '.join(FORMATS)}")
        raise typer.Exit(2)
    lg = load_logic_or_exit(logic)
    try:
        (write_csv_tables if to == "csv" else write_dbase_tables)(lg, out)
        release = Path(logic) if Path(logic).exists() else available_logics().get(logic.upper())
        tests = export_tests(release, out, fmt=to) if release is not None else None
    except (DefinitionError, CertifyError, OSError) as e:
        err.print(f"[red]error:[/] {e}")
        raise typer.Exit(2) from e
    typer.echo(f"wrote {lg.id} as {to} tables to {out}" + (f" (with test database {tests.name})" if tests else ""))
