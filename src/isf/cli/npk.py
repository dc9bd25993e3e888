"""`isf npk`: a run's rows under NPR/NPK variable names (a thin shell over `isf.npk.npk_view`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from isf.cli.common import err, fail

__all__ = ["npk_command"]


def _weights_of(context: dict[str, Any] | None, refs: list[str] | None, year: int | None) -> Any:
    """The run's weight list (from kontekst.json, or `refs`), or None with a warning."""
    from isf.errors import IsfError
    from isf.weights.weightlist import load_weight_lists

    if year is None:
        return None
    if refs is None:
        lists = (context or {}).get("vektlister") or []
        refs = ["demo"] if lists and all(w.get("demo") for w in lists) else [
            (f"{w['typer'][0].lower()}:{w['fil']}" if len(w.get("typer", [])) == 1 else str(w["fil"])) for w in lists]
    if not refs:
        return None
    try:
        return load_weight_lists(refs, year=year)
    except (IsfError, OSError) as e:
        err.print(f"warning: dag_kir left empty: the run's weight list cannot be read ({e}); give it with --weights",
                  highlight=False, markup=False)
        return None


def npk_command(
    run_dir: Annotated[Path, typer.Argument(help="Folder written by `isf run` or `isf points` (points.parquet).")],
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FILE",
                                         help="NPK-named rows: .parquet or .csv (by the name).")],
    logic: Annotated[str | None, typer.Option("--logic", "-l", metavar="LOGIC",
                                              help="Logic for drg_type and komp_drg (default: the run's).")] = None,
    weights: Annotated[list[str] | None, typer.Option("--weights", "-w", metavar="FILE",
                                                      help="Weight list(s) for dag_kir (default: the run's).")] = None,
) -> None:
    """Write a run's rows with the NPR/NPK variable names analysts know (korrvekt, trimpkt,
    drg_type, niva, npkOpphold_ISFPoeng, ...): one row per input row, in order.

    The mapping, and the NPK variables isf has no counterpart for, are in docs/npk.md.
    """
    import polars as pl

    from isf.cli.common import load_logic_or_exit
    from isf.npk import drg_properties, missing_variables, npk_view
    from isf.run import read_context

    points = run_dir / "points.parquet"
    if not points.is_file():
        fail(f"{run_dir}: no points.parquet; run `isf run` or `isf points` first")
    if output.suffix.lower() not in (".parquet", ".csv"):
        fail(f"{output}: the output name must end in .parquet or .csv")
    context = read_context(run_dir)
    rows = pl.read_parquet(points)
    units_path = run_dir / "enheter.parquet"
    units = pl.read_parquet(units_path) if units_path.is_file() else None
    logic_id = logic or ((context or {}).get("logikk") or {}).get("id")
    props = drg_properties(load_logic_or_exit(logic_id)) if logic_id else None
    if props is None:
        err.print("warning: drg_type and komp_drg left empty: the run was settled from grouped input; give --logic",
                  highlight=False, markup=False)
    wl = _weights_of(context, weights, (context or {}).get("aar"))
    dk = {e.drg: e.dagkirurgi for e in wl.entries if e.type == "DRG"} if wl is not None else None
    view = npk_view(rows, units, drg_props=props, dagkirurgi=dk)
    output.parent.mkdir(parents=True, exist_ok=True)
    if output.suffix.lower() == ".csv":
        view.write_csv(output)
    else:
        view.write_parquet(output)
    from isf.formatting import number

    typer.echo(f"{number(view.height)} rows with {view.width} NPK-named columns -> {output}")
    typer.echo("not in isf (see docs/npk.md): " + ", ".join(missing_variables()))
