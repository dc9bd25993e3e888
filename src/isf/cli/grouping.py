"""`isf group` and `isf explain`: thin shells over grouping."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from isf.cli.common import LogicOpt, err, fail, load_logic_or_exit, progress

__all__ = ["explain_command", "group_command"]


def group_command(
    input: Annotated[Path, typer.Argument(help="Cases: NPK case strings (one per line), CSV or Parquet (file or folder).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Result file (.csv or .parquet).")],
    logic: LogicOpt = "demo",
    fmt: Annotated[
        str | None, typer.Option("--format", "-f", help="case-string | csv | parquet (default: from the file name).")
    ] = None,
    encoding: Annotated[
        str, typer.Option(help="Text encoding of a CSV/case-string file: auto (UTF-8/UTF-16 by BOM, else UTF-8 or "
                                "Windows-1252), or a name such as utf-8, cp1252, latin-1, utf-16.")
    ] = "auto",
    workers: Annotated[int, typer.Option(min=1, help="Processes to group with (1 = in-process).")] = 1,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")] = False,
) -> None:
    """Group every case of INPUT; OUTPUT keeps every row in order with drg, rtc, rule, mdc, status, error.

    Rows that cannot be read or grouped are kept with a status and an error naming row and
    column; a file that cannot be grouped at all stops with exit code 2 and no OUTPUT.
    """
    from isf.batch.engine import FORMATS, count_rows, detect_format, group_file
    from isf.errors import InputError

    try:
        fmt = fmt or detect_format(input)
        if fmt not in FORMATS:
            raise InputError(f"unknown --format {fmt!r}; use one of {', '.join(FORMATS)}")
        lg = load_logic_or_exit(logic)
        ref = logic if workers > 1 else lg
        prog = progress(quiet, count_rows(input, fmt) if input.exists() else None, "grouping")
        kwargs = {"fmt": fmt, "workers": workers, "encoding": encoding}
        if prog:
            with prog:
                task = prog.task_ids[0]
                stats = group_file(ref, input, output, on_progress=lambda n: prog.advance(task, n), **kwargs)
        else:
            stats = group_file(ref, input, output, **kwargs)
    except OSError as e:  # the disk, not the data: no file content in the message
        fail(f"{e.filename or input}: {e.strerror or type(e).__name__}", e)
    if not quiet:
        kinds = ", ".join(f"{n} {s}" for s, n in sorted(stats.by_status.items()) if s != "ok")
        blank = f"; {stats.blank_lines} blank lines skipped" if stats.blank_lines else ""
        err.print(f"{stats.rows} rows grouped with {lg.id}: {stats.ok} ok, {stats.errors} with errors"
                  f"{f' ({kinds})' if kinds else ''}{blank} -> {output}", markup=False, highlight=False, soft_wrap=True)


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
    from isf.grouping import CaseError, explain, parse_case_string
    from isf.grouping.render import explanation_to_dict, explanation_to_text

    lg = load_logic_or_exit(logic)
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


def _points_for_case(drg: str, case: Any, *, year: int, weights: str, sektor: str, utskrklar_dager: int,
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
