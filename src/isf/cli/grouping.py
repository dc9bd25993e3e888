"""`isf group` and `isf explain`: thin shells over grouping."""

from __future__ import annotations

import json
from decimal import Decimal
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
    threads: Annotated[int | None, typer.Option(min=1, help="Threads a chunk is grouped on in-process "
                                                              "(default: the cores, at most 4).")] = None,
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
        lg = load_logic_or_exit(logic, compiled=workers <= 1)
        ref = logic if workers > 1 else lg
        prog = progress(quiet, count_rows(input, fmt) if input.exists() else None, "grouping")
        if prog:
            with prog:
                task = prog.task_ids[0]
                stats = group_file(ref, input, output, fmt=fmt, workers=workers, threads=threads, encoding=encoding,
                                   on_progress=lambda n: prog.advance(task, n))
        else:
            stats = group_file(ref, input, output, fmt=fmt, workers=workers, threads=threads, encoding=encoding)
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
    lang: Annotated[str, typer.Option("--lang", help="Language of the explanation: nb (bokmål) or en.")] = "nb",
    year: Annotated[int | None, typer.Option(help="Also settle the case for this year: points per unit (DRG, STG, TFG) and kroner.")] = None,
    weights: Annotated[list[str] | None, typer.Option(help="Weight list(s) for --year: 'demo' or CSV/XLSX files (as `isf run`).")] = None,
    sektor: Annotated[str, typer.Option(help="Sector for --year: somatikk, phv or tsb.")] = "somatikk",
    utskrklar_dager: Annotated[int, typer.Option(help="Days after ready-for-discharge (for --year).")] = 0,
    ambulant: Annotated[bool, typer.Option(help="Ambulant contact (for --year).")] = False,
    debitor: Annotated[int, typer.Option(help="Debitor code (for --year).")] = 1,
    dato: Annotated[str | None, typer.Option(help="Contact/admission date YYYY-MM-DD (for --year; default 1 January).")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Parameter override, e.g. somatikk.enhetspris=56000.")] = None,
    demo_params: Annotated[bool | None, typer.Option("--demo-params/--no-demo-params",
                                                     help="DEMO values for unknown parameters (default: with demo weights).")] = None,
) -> None:
    """Group one case and show why: codes and properties, the matching rule, near misses; with
    --year also the points, component by component, with the rule and source of each."""
    from isf.errors import safe_reason
    from isf.grouping import CaseError, explain, parse_case_string
    from isf.grouping.render import explanation_to_dict, explanation_to_text

    if lang not in ("nb", "en"):
        err.print("[red]error:[/] --lang must be nb or en", highlight=False)
        raise typer.Exit(2)
    lg = load_logic_or_exit(logic)
    try:
        c = parse_case_string(case)
    except CaseError as bad:  # the message names the field, never the value (patient data)
        err.print(f"[red]error:[/] malformed case string: {bad.field}: {safe_reason(bad.reason)}", markup=True,
                  highlight=False)
        raise typer.Exit(2) from None
    e = explain(lg, c)
    data = explanation_to_dict(e, lang=lang)
    lines = [explanation_to_text(e, lang=lang)]
    if year is not None:
        refs = weights or ["demo"]
        demo = refs == ["demo"] if demo_params is None else demo_params
        points, kroner = _points_for_case(e.result, c, lg.id, year=year, weights=refs, sektor=sektor,
                                          utskrklar_dager=utskrklar_dager, ambulant=ambulant, debitor=debitor,
                                          dato=dato, overrides=set_ or [], demo_params=demo)
        data["points"] = points
        data["kroner"] = kroner
        lines += ["", f"ISF points {year} ({', '.join(refs)} weights), settled as `isf run` would:"]
        for p in points:
            unit = f"{p['unit']:<9} " if p.get("unit") else " " * 10
            lines.append(f"  {unit}{p['component']:<17} {p['value']:>9}  {p['rule']}"
                         + (f"  [{p['source']}]" if p["source"] else ""))
        lines += [f"  {k['unit']:<9} isf_kroner        {k['isf_kroner']:>12}  {k['rule']}" for k in kroner]
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2) if as_json else "\n".join(lines))


def _points_for_case(result: Any, case: Any, logic_id: str, *, year: int, weights: list[str], sektor: str,
                     utskrklar_dager: int, ambulant: bool, debitor: int, dato: str | None, overrides: list[str],
                     demo_params: bool) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Settle the case as a one-row activity (`isf.settlement.explain`): the numbers of `isf run`."""
    import datetime as dt

    from isf.errors import IsfError
    from isf.params import load_params
    from isf.points import one_row_frame
    from isf.settlement.explain import explain_rows
    from isf.stg_tfg import available_years, load_stg_tfg
    from isf.weights.weightlist import load_weight_lists

    try:
        day = dt.date.fromisoformat(dato) if dato else dt.date(year, 1, 1)
        wl = load_weight_lists(weights, year=year)
        params = load_params(year, demo=demo_params, overrides=overrides)
        slots = ["&".join(s) for s in case.diagnoses]
        row = {
            "drg": result.drg, "mdc": result.mdc, "status": "ok" if result.drg else "no_drg", "sektor": sektor,
            "liggetid": case.los, "utskrklar_dager": utskrklar_dager, "omsorgsniva": 1 if case.los > 0 else 3,
            "kontakt_type": None if case.los > 0 else 2, "debitor": debitor, "ambulant": ambulant,
            "inn_dato": day, "fodselsdato": day - dt.timedelta(days=case.age_days),
            "hdiag": case.diagnoses[0][0] if case.diagnoses else None,
            "hdiag2": case.diagnoses[0][1] if case.diagnoses and len(case.diagnoses[0]) > 1 else None,
            "bdiag": slots[1:], "prosedyrer": list(case.procedures),
        }
        defs = load_stg_tfg(year) if year in available_years() else None
        units = explain_rows(one_row_frame(row, year=year), weights=wl, params=params, stg_tfg=defs, year=year)
    except (IsfError, ValueError) as ex:
        err.print(f"[red]error:[/] {ex}", highlight=False)
        raise typer.Exit(2) from ex
    points = [{"unit": u.label, "component": x.component, "value": str(x.value), "rule": x.rule, "source": x.source}
              for u in units for x in u.lines]
    total = sum((u.isf_poeng for u in units), Decimal(0))
    points.append({"unit": "", "component": "isf_poeng", "value": str(total),
                   "rule": "sum over " + ", ".join(u.label for u in units), "source": ""})
    kroner = [{"unit": u.label, "isf_kroner": str(u.isf_kroner),
               "rule": (f"{u.isf_poeng} x {u.enhetspris} x {u.isf_andel}" if u.counts else "0 (teller ikke)")}
              for u in units]
    return points, kroner
