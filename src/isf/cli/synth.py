"""`isf synth`: the command-line shell over `write_synth`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from isf.formatting import DEFAULT_YEAR

if TYPE_CHECKING:
    from isf.definitions import Logic

__all__ = ["synth_command"]

DEFAULT_OUT = Path("isf-out/activity.parquet")


def synth_command(
    rows: Annotated[int, typer.Option(min=0, help="Number of rows (stays/contacts) to generate.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same rows.")] = 1,
    year: Annotated[int, typer.Option(min=1900, max=2200, help="Activity year (admission dates).")] = DEFAULT_YEAR,
    logic: Annotated[str, typer.Option(help="Logic id (demo, NOR2015, ...) or path to its tables.")] = "demo",
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output file (a folder of part files above 2M rows).")
    ] = DEFAULT_OUT,
    fmt: Annotated[str, typer.Option("--format", "--fmt", help="parquet or csv.")] = "parquet",
    kpp: Annotated[
        bool, typer.Option("--kpp", help="Also write synthetic KPP costs (kpp.*) and H-resept lines (hresept.*) beside it.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    rbf: Annotated[
        bool, typer.Option("--rbf", help="Also add the procedure codes RBF counts (codes outside the logic; docs/rbf.md).")
    ] = False,
) -> None:
    """Generate realistic synthetic NPR-like activity whose codes all exist in the logic."""
    from isf.definitions import DefinitionError, load_logic
    from isf.synth.output import FORMATS, write_synth

    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise typer.BadParameter(f"expected one of {', '.join(FORMATS)}", param_hint="--format")
    if fmt == "csv" and out == DEFAULT_OUT:
        out = out.with_suffix(".csv")
    try:
        loaded = load_logic(logic)
    except DefinitionError as e:
        raise typer.BadParameter(str(e), param_hint="--logic") from e
    try:
        path = write_synth(loaded, out, rows=rows, seed=seed, year=year, fmt=fmt, quiet=quiet, rbf=rbf)
    except (IsADirectoryError, ValueError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(1) from e
    if not quiet:
        from isf.formatting import number

        typer.echo(f"wrote {number(rows)} rows ({loaded.id}, seed {seed}, {year}) to {path}")
    if kpp:
        written = write_kpp(loaded, path, seed=seed, fmt=fmt)
        if not quiet:
            typer.echo("wrote " + ", ".join(str(p) for p in written))


def write_kpp(logic: Logic, activity_path: Path, *, seed: int, fmt: str) -> list[Path]:
    """Group the activity and write KPP cost records and H-resept lines beside it."""
    import polars as pl

    from isf.activity import read_activity
    from isf.batch.engine import group_dataframe
    from isf.synth.kpp import synth_hresept, synth_kpp

    grouped = group_dataframe(logic, read_activity(activity_path))
    kpp_df = synth_kpp(grouped.filter(pl.col("status") == "ok"), seed=seed)
    hres = synth_hresept(n_patients=max(10, grouped["pasient_id"].n_unique() // 50), seed=seed)
    folder = activity_path.parent
    out = []
    for name, df in (("kpp", kpp_df), ("hresept", hres)):
        target = folder / f"{name}.{'csv' if fmt == 'csv' else 'parquet'}"
        df.write_csv(target) if fmt == "csv" else df.write_parquet(target)
        out.append(target)
    return out
