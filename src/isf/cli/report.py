"""``isf report``: read a run folder's units and context and write the HTML report (thin I/O shell)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from isf.cli.common import err

if TYPE_CHECKING:
    import polars as pl


__all__ = ["RBF_SUBFOLDER", "read_table", "report_command"]

#: `isf run -o isf-out` and `isf rbf -o isf-out/rbf` (their defaults) put RBF here
RBF_SUBFOLDER = "rbf"


def read_table(run_dir: Path, name: str) -> pl.DataFrame | None:
    """``name.parquet`` or ``name.csv`` from ``run_dir``, or None when neither exists."""
    import polars as pl

    for suffix, reader in ((".parquet", pl.read_parquet), (".csv", pl.read_csv)):
        p = run_dir / f"{name}{suffix}"
        if p.exists():
            return reader(p)
    return None


def _names(context: dict[str, Any] | None) -> dict[tuple[str, str], str]:
    """Names of DRGs, MDCs and STG/TFG groups from the run's logic and weight lists (when they
    can be loaded again; otherwise the report shows codes only and says why on stderr)."""
    from isf.errors import IsfError
    from isf.reports.html import report_names

    if context is None:
        return {}
    logic = weights = None
    logic_id = (context.get("logikk") or {}).get("id")
    if logic_id:
        from isf.definitions import load_logic

        try:
            logic = load_logic(logic_id)
        except IsfError:
            err.print(f"note: logic {logic_id} is not available here: the report shows DRG codes without names",
                      highlight=False, markup=False)
    lists = context.get("vektlister") or []
    if lists and all(w.get("demo") for w in lists) and context.get("aar"):
        from isf.weights.weightlist import load_weight_lists

        try:
            weights = load_weight_lists(["demo"], year=int(context["aar"]))
        except IsfError:
            weights = None
    return report_names(logic, weights)


def report_command(
    run_dir: Annotated[Path, typer.Argument(help="Folder written by `isf run` or `isf points` (enheter.parquet, kontekst.json).")],
    out: Annotated[Path, typer.Option("--out", "-o", metavar="FILE", help="HTML file to write.")] = Path("report.html"),
    title: Annotated[str, typer.Option(help="Report title.")] = "ISF-rapport",
    rbf: Annotated[Path | None, typer.Option("--rbf", metavar="DIR",
                                             help="Folder written by `isf rbf` to add as a section (default: "
                                                  "RUN_DIR/rbf when it holds one).")] = None,
) -> None:
    """Turn a run folder into a single-file HTML report: context, sørge-for, sectors, charts.

    Numbers are written as Norwegian readers expect (1 748 317,25; 0,2 %; year 2025); DRG, MDC
    and group names come from the run's logic and weight lists where they have them. With
    `isf rbf` output (--rbf, or RUN_DIR/rbf) the report gets an RBF section.
    """
    from isf.rbf.run import SUMMARY_FILE
    from isf.reports.html import build_report
    from isf.reports.rbf import rbf_section
    from isf.run import read_context

    if not run_dir.is_dir():
        raise typer.BadParameter(f"{run_dir} is not a folder", param_hint="RUN_DIR")
    units = read_table(run_dir, "enheter")
    if units is None:
        units = read_table(run_dir, "points")
    if units is None:
        raise typer.BadParameter(f"no enheter.parquet (or points.parquet) in {run_dir}: run `isf run` or `isf points` "
                                 "first", param_hint="RUN_DIR")
    effects = read_table(run_dir, "effects")
    context = read_context(run_dir)
    rbf_dir = rbf if rbf is not None else run_dir / RBF_SUBFOLDER
    sections = []
    if rbf is not None or (rbf_dir / SUMMARY_FILE).is_file():
        sections.append(rbf_section(rbf_dir))  # InputError (not an rbf folder) -> message, exit 2
    path = build_report(units, out=out, context=context, effects=effects, title=title, names=_names(context),
                        sections=sections)
    from isf.formatting import number

    typer.echo(f"wrote {path} ({number(units.height)} units{', with RBF ' + str(rbf_dir) if sections else ''})")
