"""`isf weights estimate` and `isf effects`: thin adapters, files in, files out.

Input files are read through `isf.activity.read_activity` (any encoding, `,`/`;`/tab, a stray
quote costs one row, every row keeps its number), so a bad row is named, never a traceback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from isf.cli.common import fail
from isf.formatting import DEFAULT_YEAR

if TYPE_CHECKING:
    import polars as pl

__all__ = ["EFFECTS_NOTE", "effects_command", "read_frame", "read_weight_frame", "weights_app", "write_weight_frame"]

#: Why an effects total is not a run total (printed under every `isf effects` table).
EFFECTS_NOTE = (
    "Note: effects price one activity with two weight lists: DRG points only (vekt + days beyond the "
    "trimpunkt) of every stay with a DRG, before ISF eligibility (sector, care level, debitor, year), "
    "hospital-stay merging, ambulant and copay points, STG and TFG. Their totals are therefore not the "
    "points of `isf run`; the change between the lists is the point."
)
_ROW_FIELD = re.compile(r"row (\d+): ([^:]+):")


def read_frame(path: Path, *, required: Sequence[str] = (), allow_empty: bool = False) -> pl.DataFrame:
    """A CSV/Parquet table read as activity is read: the file's own columns, typed where the
    data model knows them, plus `_row`, `_read_status`, `_read_error` for each row. A file
    without rows stops (`InputError` naming it) unless `allow_empty`."""
    from isf.activity import GROUPER_COLUMNS, open_activity, read_activity
    from isf.errors import InputError

    with open_activity(path, required=required) as reader:
        own = set(reader.columns)
    df = read_activity(path, required=required)
    if df.height == 0 and not allow_empty:
        raise InputError("the file is empty: a header and no rows", file=path)
    return df.drop([c for c in GROUPER_COLUMNS if c not in own and c in df.columns])


def _unusable(df: pl.DataFrame, used: Sequence[str]) -> list[str]:
    """The read errors of rows whose problem is in a column of `used` (or the whole row)."""
    from isf.activity import READ_ERROR, READ_STATUS
    from isf.errors import Status

    out = []
    for status, error in df.select(READ_STATUS, READ_ERROR).filter(
            df[READ_STATUS].is_not_null()).iter_rows():
        m = _ROW_FIELD.search(error or "")
        if status == Status.UNREADABLE.value or m is None or m.group(2) in used:
            out.append(error or "")
    return out


def _helpers_dropped(df: pl.DataFrame) -> pl.DataFrame:
    from isf.activity import READ_ERROR, READ_STATUS, ROW_COLUMN

    return df.drop([c for c in (ROW_COLUMN, READ_STATUS, READ_ERROR) if c in df.columns])


def read_weight_frame(path: Path, *, year: int) -> pl.DataFrame:
    """A weight list file as a frame with exact Decimal weights (via isf.weights.weightlist)."""
    import polars as pl

    from isf.weights.estimate import WEIGHT_DTYPE
    from isf.weights.weightlist import load_weights

    wl = load_weights(path, year=year)
    rows = [
        {"drg": e.drg, "navn": e.navn, "vekt": e.vekt, "trimpunkt": e.trimpunkt,
         "vekt_per_dag": e.vekt_per_dag, "gjsn_liggetid": e.gjsn_liggetid, "dagkirurgi": e.dagkirurgi}
        for e in wl.entries if e.type == "DRG"
    ]
    return pl.DataFrame(
        rows,
        schema={"drg": pl.String, "navn": pl.String, "vekt": WEIGHT_DTYPE, "trimpunkt": pl.Int32,
                "vekt_per_dag": WEIGHT_DTYPE, "gjsn_liggetid": pl.Decimal(38, 2), "dagkirurgi": pl.Boolean},
    )


def write_weight_frame(weights: pl.DataFrame, path: Path) -> None:
    """Write the weight-list CSV layout (J/N for dagkirurgi, `isf` N where no weight)."""
    import polars as pl

    from isf.weights.calibrate import WEIGHTLIST_COLUMNS

    out = weights.with_columns(
        pl.when(pl.col("dagkirurgi")).then(pl.lit("J")).otherwise(pl.lit("N")).alias("dagkirurgi"),
        pl.when(pl.col("vekt").is_null()).then(pl.lit("N")).otherwise(pl.lit("J")).alias("isf"),
    )
    extra = [c for c in out.columns if c not in WEIGHTLIST_COLUMNS and c != "isf"]
    out.select(*WEIGHTLIST_COLUMNS, "isf", *extra).write_csv(path)


def _fraction(text: str, option: str, *, allow_zero: bool = True) -> Fraction:
    """A number option ('1.5', '3/2') as an exact fraction, or exit 2 naming the option."""
    try:
        f = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        fail(f"{option}: expected a number such as 1.5 or 3/2")
    if f < 0 or (f == 0 and not allow_zero) or f > 1000:
        fail(f"{option}: must be between 0 and 1000")
    return f


def _read_kpp(path: Path) -> tuple[pl.DataFrame, str]:
    """KPP rows for the estimation, and the line that reports what was used and rejected."""
    import polars as pl

    from isf.activity import READ_ERROR
    from isf.weights.kpp import KppError, summarize_kpp, validate_kpp

    df = read_frame(path, allow_empty=True)
    plain = _helpers_dropped(df)
    try:
        checked = validate_kpp(plain)
    except KppError as e:
        raise KppError(f"{path}: {e}") from None
    # a row that could not be read keeps the reader's reason (row and field) in the report
    checked = checked.with_columns(
        pl.when(pl.col("status") != "ok").then(pl.coalesce(df[READ_ERROR], pl.col("error")))
        .otherwise(pl.col("error")).alias("error"))
    summary = summarize_kpp(checked)
    line = f"{path.name}: {summary}"
    bad = checked.filter(pl.col("status") != "ok")["error"].head(5).to_list()
    if bad:
        line += "; first: " + "; ".join(str(b) for b in bad)
    return plain, line


def weights_command(
    kpp: Annotated[Path, typer.Option("--kpp", metavar="FILE", help="KPP records (CSV/Parquet; columns of isf.weights.kpp).")],
    activity: Annotated[Path, typer.Option("--activity", metavar="FILE", help="Base activity grouped with the OLD logic.")],
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FILE", help="New weight list (CSV).")],
    old: Annotated[Path | None, typer.Option("--old", metavar="FILE",
                                             help="Old weight list; without it the weights stay uncalibrated.")] = None,
    activity_new: Annotated[Path | None, typer.Option("--activity-new", metavar="FILE",
                                                      help="Same activity regrouped with the NEW logic (default: --activity).")] = None,
    year: Annotated[int, typer.Option("--year", help="Weight year (sets the ≥5 / >5 stays-per-HF rule).")] = DEFAULT_YEAR,
    old_year: Annotated[int | None, typer.Option("--old-year", help="Year of the old weight list (default: year − 1).")] = None,
    trim_factor: Annotated[str, typer.Option("--trim-factor", metavar="K",
                                             help="k in trimpunkt = floor(Q3 + k·IQR), e.g. 1.5 or 3/2.")] = "1.5",
    min_stays_hf: Annotated[int | None, typer.Option("--min-stays-hf", min=1, help="Override stays an HF needs in a DRG.")] = None,
    min_stays_drg: Annotated[int, typer.Option("--min-stays-drg", min=0, help="Eligible stays below which a DRG is low-volume.")] = 10,
    min_hf: Annotated[int, typer.Option("--min-hf", min=0, help="Eligible HFs below which a DRG is low-volume.")] = 1,
    egenandel_kr: Annotated[str | None, typer.Option("--egenandel-kr", metavar="KR",
                                                     help="Flat copay subtracted (kr); 'reported' uses the KPP column.")] = "375",
    pairs: Annotated[Path | None, typer.Option("--pairs", metavar="FILE",
                                               help='JSON object: day-surgery DRG -> list of inpatient DRGs, '
                                                    'e.g. {"8O": ["8A", "8B"]}. Default: the pairs the seeds name for --year.')] = None,
    prissatt: Annotated[list[str] | None, typer.Option("--prissatt", metavar="DRG",
                                                       help="PHV/TSB DRG keeping its priced weight (repeat; default TD97). "
                                                            "Add the structured day offers.")] = None,
) -> None:
    """Estimate cost weights from KPP data and calibrate them to the old total points.

    KPP rows that cannot be used (a cost that is not a number, a negative value, a broken
    line) are not used and are counted by reason in the output, with the first few named by
    row and field.
    """
    import polars as pl

    from isf.errors import IsfError
    from isf.weights.calibrate import calibrate
    from isf.weights.estimate import PHV_TSB_PRISSATTE, EstimateParams, EstimationError, estimate_weights

    k = _fraction(trim_factor, "--trim-factor")
    copay = None
    if egenandel_kr not in (None, "reported"):
        copay = int(_fraction(egenandel_kr, "--egenandel-kr") * 100)
    try:
        dag_pairs = json.loads(pairs.read_text(encoding="utf-8")) if pairs else None  # None: the year's seed pairs
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        fail(f"{pairs}: not a JSON file of day-surgery pairs ({type(e).__name__})", e)
    if dag_pairs is not None and (not isinstance(dag_pairs, dict) or not all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in dag_pairs.values())):
        fail(f"{pairs}: expected a JSON object of DRG -> list of DRGs")
    params = EstimateParams(aar=year, trim_iqr_factor=k, min_stays_hf=min_stays_hf, min_stays_drg=min_stays_drg,
                            min_hf=min_hf, egenandel_ore=copay, dagkirurgi_par=dag_pairs,
                            prissatte_drg=tuple(prissatt) if prissatt else PHV_TSB_PRISSATTE)
    try:
        kpp_rows, kpp_line = _read_kpp(kpp)
        try:
            raw = estimate_weights(kpp_rows, params=params)
        except EstimationError as e:
            raise EstimationError(f"{kpp}: {e} ({kpp_line.split(': ', 1)[1]})") from None
        typer.echo(kpp_line)
        if old is None:
            table = raw.table.rename({"vekt_raa": "vekt", "vekt_per_dag_raa": "vekt_per_dag"})
            write_weight_frame(table.drop("snittkostnad_kr"), output)
            typer.echo(f"{table.height} DRGs estimated (uncalibrated: no --old weights) -> {output}")
            return
        act = _helpers_dropped(read_frame(activity, required=("drg",)))
        cal = calibrate(
            raw,
            old_weights=read_weight_frame(old, year=old_year or year - 1),
            activity_old=act,
            activity_new=_helpers_dropped(read_frame(activity_new, required=("drg",))) if activity_new else act,
        )
    except IsfError as e:  # KppError, EstimationError, CalibrationError, WeightListError, InputError
        fail(str(e), e)
    except OSError as e:
        fail(f"{e.filename or kpp}: {e.strerror or type(e).__name__}", e)
    from isf.formatting import number, points
    from isf.weights.calibrate import SECTOR_LABELS

    write_weight_frame(cal.weights, output)
    low = cal.weights.filter(pl.col("regel").str.starts_with("lavt_volum")).height
    lines = [f"{number(cal.weights.height)} DRGs ({number(low)} low-volume) -> {output}"]
    for sec, f in cal.factors.items():
        t_old, t_new = cal.totals[sec]
        lines.append(f"{SECTOR_LABELS.get(sec, sec)}: calibration factor {number(f, 9)}; total points old "
                     f"{points(t_old)}, new {points(t_new)}")
    typer.echo("\n".join(lines))


def chart_path(output: Path, sector: str) -> Path:
    """Where `isf effects -o OUTPUT` writes a sector's chart: beside OUTPUT, named
    ``<OUTPUT without suffix>-<sektor>.svg`` (effects.csv -> effects-somatikk.svg)."""
    return output.with_name(f"{output.stem}-{sector.replace('/', '_').replace(' ', '_').lower()}.svg")


def effects_command(
    activity: Annotated[Path, typer.Option("--activity", metavar="FILE",
                                           help="Activity grouped with the old logic (CSV/Parquet with drg, liggetid; "
                                                "sektor, bo_rhf, beh_hf).")],
    old: Annotated[Path, typer.Option("--old", metavar="FILE", help="Old weight list (CSV/XLSX).")],
    new: Annotated[Path, typer.Option("--new", metavar="FILE", help="New weight list (CSV/XLSX).")],
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FILE.csv",
                                         help="Effects, exact (CSV). A bar chart per sector is written beside it as "
                                              "FILE-<sektor>.svg (effects.csv -> effects-somatikk.svg).")],
    activity_new: Annotated[Path | None, typer.Option("--activity-new", metavar="FILE",
                                                      help="Activity regrouped with the new logic.")] = None,
    year: Annotated[int, typer.Option("--year", help="Year of the new weight list (the old one is year − 1).")] = DEFAULT_YEAR,
    rhf: Annotated[str, typer.Option("--rhf", metavar="COLUMN", help="Region column of the RHF table (sørge for).")] = "bo_rhf",
    hf: Annotated[str, typer.Option("--hf", metavar="COLUMN", help="Trust column of the HF table (foretak).")] = "beh_hf",
    by: Annotated[str | None, typer.Option("--by", hidden=True, help="Old option: both tables are always made.")] = None,
) -> None:
    """Redistribution per sector: RHF (sørge for) and HF tables, old/new points, change, % change.

    The points are DRG points of one activity under two weight lists (not `isf run` totals:
    no eligibility rules, STG or TFG); the note under the tables says so.
    """
    if by is not None and by not in (rhf, hf):
        fail(f"--by must be {rhf} or {hf} (both tables are made; --rhf/--hf choose the columns), got {by!r}")
    import polars as pl

    from isf.errors import IsfError
    from isf.formatting import points
    from isf.weights.calibrate import CalibrationError
    from isf.weights.effects import TOTAL_LABEL, effects_svg, format_effects, sector_effects

    used = ("drg", "liggetid", "utskrklar_dager", "sektor", rhf, hf)
    frames = []
    try:
        for path in (activity, activity_new):
            if path is None:
                continue
            df = read_frame(path, required=("drg", "liggetid"))
            bad = _unusable(df, used)
            if bad:
                fail(f"{path}: {len(bad)} row(s) cannot be used ({'; '.join(bad[:5])}"
                     f"{'; …' if len(bad) > 5 else ''}); fix them or leave them out")
            df = _helpers_dropped(df)
            if "utskrklar_dager" not in df.columns:
                df = df.with_columns(utskrklar_dager=pl.lit(0, pl.Int32))
            frames.append(df)
        table = sector_effects(
            frames[0], read_weight_frame(old, year=year - 1), read_weight_frame(new, year=year),
            activity_new=frames[1] if len(frames) > 1 else None, rhf=rhf, hf=hf,
        )
    except (IsfError, CalibrationError, ValueError) as e:
        fail(str(e), e)
    except OSError as e:
        fail(f"{e.filename or activity}: {e.strerror or type(e).__name__}", e)
    table.write_csv(output)
    charts = []
    for sec in table["sektor"].unique(maintain_order=True).to_list():
        part = table.filter((pl.col("sektor") == sec) & (pl.col("nivaa") == "RHF"))
        chart = chart_path(output, sec)
        chart.write_text(effects_svg(part.select(pl.col("navn").alias("rhf"), "endring", "endring_pst"),
                                     title=f"Effekter RHF – {sec} – sørge for"), encoding="utf-8")
        charts.append(chart)
    typer.echo(format_effects(table, old_label=f"{year - 1}-vekter", new_label=f"{year}-vekter"))
    totals = table.filter(pl.col("navn") == TOTAL_LABEL)
    typer.echo(f"{table.height - totals.height} rows -> {output}; charts -> {', '.join(str(c) for c in charts)}")
    typer.echo("Total change per sector and level: " + ", ".join(
        f"{r['sektor']} {r['nivaa']} {points(r['endring'])}" for r in totals.iter_rows(named=True)))
    typer.echo(EFFECTS_NOTE)


weights_app = typer.Typer(help="Cost weights: estimation from KPP and calibration.", no_args_is_help=True,
                          rich_markup_mode=None)
weights_app.command("estimate", short_help="Estimate cost weights from KPP costs and calibrate them.")(weights_command)
