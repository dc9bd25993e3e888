"""The `isf` command line: a thin shell over the library (it only parses and translates errors)."""

from __future__ import annotations

import json
from decimal import Decimal
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from isf.definitions import DefinitionError, available_logics, load_logic, write_csv_tables
from isf.grouping import CaseError, explain, parse_case_string
from isf.grouping.render import explanation_to_dict, explanation_to_text

app = typer.Typer(
    name="isf",
    help="Open, explainable ISF engine: NordDRG grouping, ISF points and money.",
    no_args_is_help=True,
    add_completion=False,
)
err = Console(stderr=True)

LogicOpt = Annotated[
    str, typer.Option("--logic", "-l", help="Logic: zip/JSON file, CSV-table folder, or id (demo, NOR2015, ...).")
]


def _logic(ref: str):  # noqa: ANN202 - returns Logic
    try:
        return load_logic(ref)
    except DefinitionError as e:
        err.print(f"[red]error:[/] {e}")
        raise typer.Exit(2) from e


def _progress(quiet: bool, total: int | None, label: str) -> Progress | None:
    if quiet or not sys.stderr.isatty():
        return None
    cols = [TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    p = Progress(*cols, console=err, transient=True)
    p.add_task(label, total=total)
    return p


@app.command("group")
def group_command(
    input: Annotated[Path, typer.Argument(help="Cases: NPK case strings (one per line), CSV or Parquet.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Result file (.csv or .parquet).")],
    logic: LogicOpt = "demo",
    fmt: Annotated[
        str | None, typer.Option("--format", "-f", help="case-string | csv | parquet (default: from the file name).")
    ] = None,
    workers: Annotated[int, typer.Option(help="Processes to group with (1 = in-process).")] = 1,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")] = False,
) -> None:
    """Group every case of INPUT; OUTPUT keeps every row in order with drg, rtc, rule, mdc, status, error."""
    from isf.batch.engine import FORMATS, count_rows, detect_format, group_file

    if not input.exists():
        err.print(f"[red]error:[/] input not found: {input}")
        raise typer.Exit(2)
    fmt = fmt or detect_format(input)
    if fmt not in FORMATS:
        err.print(f"[red]error:[/] unknown --format {fmt!r}; use one of {', '.join(FORMATS)}")
        raise typer.Exit(2)
    lg = _logic(logic)
    ref = logic if workers > 1 else lg
    prog = _progress(quiet, count_rows(input, fmt), "grouping")
    try:
        if prog:
            with prog:
                task = prog.task_ids[0]
                stats = group_file(ref, input, output, fmt=fmt, workers=workers, on_progress=lambda n: prog.advance(task, n))
        else:
            stats = group_file(ref, input, output, fmt=fmt, workers=workers)
    except (OSError, ValueError) as e:
        err.print(f"[red]error:[/] {e}")
        raise typer.Exit(2) from e
    if not quiet:
        err.print(f"{stats.rows} rows grouped with {lg.id}: {stats.ok} ok, {stats.errors} with errors -> {output}")


@app.command("explain")
def explain_command(
    case: Annotated[str, typer.Argument(help="One NPK case string (DRGGrupperingsstreng).")],
    logic: LogicOpt = "demo",
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable JSON.")] = False,
    year: Annotated[int | None, typer.Option(help="Also show the ISF points of the case for this year.")] = None,
    weights: Annotated[str, typer.Option(help="Weight list for --year: 'demo' or a CSV/XLSX file.")] = "demo",
    sektor: Annotated[str, typer.Option(help="Sector for --year: somatikk, phv or tsb.")] = "somatikk",
    utskrklar_dager: Annotated[int, typer.Option(help="Days after ready-for-discharge (for --year).")] = 0,
    ambulant: Annotated[bool, typer.Option(help="Ambulant contact (for --year).")] = False,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Parameter override, e.g. somatikk.enhetspris=56000.")] = None,
) -> None:
    """Group one case and show why: codes and properties, the matching rule, near misses; with
    --year also the points, component by component, with the rule and source of each."""
    lg = _logic(logic)
    try:
        c = parse_case_string(case)
    except CaseError as e:
        err.print(f"[red]error:[/] malformed case string: {e}")
        raise typer.Exit(2) from e
    e = explain(lg, c)
    data = explanation_to_dict(e)
    lines = [explanation_to_text(e)]
    if year is not None:
        points = _points_for_case(e.result.drg, c, year=year, weights=weights, sektor=sektor,
                                  utskrklar_dager=utskrklar_dager, ambulant=ambulant, overrides=set_ or [])
        data["points"] = points
        lines += ["", f"ISF points {year} ({weights} weights):"]
        lines += [f"  {p['component']:<17} {p['value']:>9}  {p['rule']}" + (f"  [{p['source']}]" if p["source"] else "")
                  for p in points]
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2) if as_json else "\n".join(lines))


def _points_for_case(drg: str, case, *, year: int, weights: str, sektor: str, utskrklar_dager: int,  # noqa: ANN001
                     ambulant: bool, overrides: list[str]) -> list[dict[str, str]]:
    from isf.params import MissingParameterError, ParameterError, load_params
    from isf.points import explain_points
    from isf.weights.weightlist import WeightListError, load_weights

    try:
        wl = load_weights(weights, year=year)
        params = load_params(year, demo=weights == "demo", overrides=overrides)
        row = {
            "drg": drg, "sektor": sektor, "liggetid": case.los, "utskrklar_dager": utskrklar_dager,
            "omsorgsniva": 1 if case.los > 0 else 3, "kontakt_type": None if case.los > 0 else 2,
            "debitor": 1, "ambulant": ambulant,
        }
        return [{"component": x.component, "value": str(x.value), "rule": x.rule, "source": x.source}
                for x in explain_points(row, wl, params)]
    except (MissingParameterError, ParameterError, WeightListError) as ex:
        err.print(f"[red]error:[/] {ex}")
        raise typer.Exit(2) from ex


@app.command("logics")
def logics_command() -> None:
    """List the logic ids isf can load without a path."""
    for k, v in sorted(available_logics().items()):
        typer.echo(f"{k}\t{v}")


@app.command("convert-logic")
def convert_logic_command(
    logic: Annotated[str, typer.Argument(help="Logic to convert (file, folder or id).")],
    out: Annotated[Path, typer.Option("--output", "-o", help="Folder for the NordDRG CSV tables.")],
) -> None:
    """Write a logic in the NordDRG CSV export layout (drg_logic.csv, dg_feat.csv, ...)."""
    write_csv_tables(_logic(logic), out)
    typer.echo(f"wrote {out}")


def main() -> None:  # pragma: no cover - console entry point
    app()


@app.command("run")
def run_command(
    activity: Annotated[
        Path | None, typer.Option("--activity", "-a", help="Activity (Parquet/CSV, docs/data-model.md). Default: synthetic demo.")
    ] = None,
    logic: LogicOpt = "demo",
    year: Annotated[int, typer.Option(help="Settlement year (parameters, weights, STG/TFG rules).")] = 2026,
    weights: Annotated[str, typer.Option(help="Weight list: 'demo' or a CSV/XLSX file.")] = "demo",
    params: Annotated[list[Path] | None, typer.Option("--params", help="Year-parameter TOML file(s).")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Parameter override, e.g. somatikk.enhetspris=56000.")] = None,
    demo_params: Annotated[
        bool | None, typer.Option("--demo-params/--no-demo-params", help="Fill unknown parameters with demo values.")
    ] = None,
    rows: Annotated[int, typer.Option(help="Synthetic rows when no --activity is given.")] = 50_000,
    seed: Annotated[int, typer.Option(help="Seed for the synthetic activity.")] = 1,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("isf-out"),
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """The main job: activity -> grouping -> points -> STG/TFG -> money -> tables + summary."""
    from rich.table import Table

    from isf.params import MissingParameterError, ParameterError
    from isf.points import PointsInputError
    from isf.run import run_job
    from isf.weights.weightlist import WeightCoverageError, WeightListError

    lg = _logic(logic)
    try:
        res = run_job(
            logic=lg, activity=activity, year=year, weights=weights, param_files=params or (),
            overrides=set_ or (), demo_params=demo_params, rows=rows, seed=seed, out_dir=out,
            on_step=None if quiet else (lambda s: err.print(f"[dim]- {s}[/]")),
        )
    except (MissingParameterError, ParameterError, PointsInputError, WeightListError, WeightCoverageError,
            DefinitionError, OSError) as e:
        err.print(f"[red]error:[/] {e}")
        raise typer.Exit(2) from e
    if quiet:
        return
    t = Table(title=f"ISF {res.year}, logic {res.logic}: {res.rows:,} rows, {res.rows_with_errors:,} with input errors")
    cols = [c for c in ("sektor", "antall", "antall_tellende", "isf_poeng", "isf_kroner") if c in res.summary.columns]
    for c in cols:
        t.add_column(c, justify="left" if c == "sektor" else "right")
    for row in res.summary.select(cols).iter_rows():
        t.add_row(*("" if v is None else f"{v:,.3f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, (int, Decimal)) else str(v)
                    for v in row))
    Console().print(t)
    typer.echo(f"tables written to {res.out_dir}/ (points.parquet, aggregates as Parquet/CSV, isf.duckdb); "
               f"`isf report {res.out_dir}` makes an HTML report")


def _register() -> None:
    """Commands whose implementations live beside their domain modules."""
    from isf.reports.command import report_command
    from isf.weights.command import effects_command, weights_app
    from isf.points.command import points_command
    from isf.synth import synth_command
    from isf.web.command import serve_command

    app.command("synth")(synth_command)
    app.command("points")(points_command)

    app.command("serve")(serve_command)
    app.command("report")(report_command)
    app.add_typer(weights_app, name="weights")
    app.command("effects")(effects_command)


_register()
