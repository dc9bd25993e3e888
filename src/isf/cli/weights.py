"""`isf weights estimate` and `isf effects`: thin adapters, files in, files out."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    import polars as pl

__all__ = ["effects_command", "read_weight_frame", "weights_app", "write_weight_frame"]


def read_table(path: Path) -> pl.DataFrame:
    """CSV or Parquet by file name."""
    import polars as pl

    if path.suffix.lower() in (".parquet", ".pq"):
        return pl.read_parquet(path)
    return pl.read_csv(path, infer_schema_length=10000)


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


def _fail(msg: str) -> typer.Exit:
    typer.echo(f"error: {msg}", err=True)
    return typer.Exit(2)


def weights_command(
    kpp: Annotated[Path, typer.Option("--kpp", help="KPP records (CSV/Parquet; columns of isf.weights.kpp).")],
    activity: Annotated[Path, typer.Option("--activity", help="Base activity grouped with the OLD logic.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="New weight list (CSV).")],
    old: Annotated[Path | None, typer.Option("--old", help="Old weight list; without it the weights stay uncalibrated.")] = None,
    activity_new: Annotated[Path | None, typer.Option("--activity-new", help="Same activity regrouped with the NEW logic (default: --activity).")] = None,
    year: Annotated[int, typer.Option("--year", help="Weight year (sets the ≥5 / >5 stays-per-HF rule).")] = 2024,
    old_year: Annotated[int | None, typer.Option("--old-year", help="Year of the old weight list (default: year − 1).")] = None,
    trim_factor: Annotated[str, typer.Option("--trim-factor", help="k in trimpunkt = floor(Q3 + k·IQR).")] = "1.5",
    min_stays_hf: Annotated[int | None, typer.Option("--min-stays-hf", help="Override stays an HF needs in a DRG.")] = None,
    min_stays_drg: Annotated[int, typer.Option("--min-stays-drg", help="Eligible stays below which a DRG is low-volume.")] = 10,
    min_hf: Annotated[int, typer.Option("--min-hf", help="Eligible HFs below which a DRG is low-volume.")] = 1,
    egenandel_kr: Annotated[str | None, typer.Option("--egenandel-kr", help="Flat copay subtracted (kr); 'reported' uses the KPP column.")] = "375",
    pairs: Annotated[Path | None, typer.Option("--pairs", help="JSON {day DRG: [inpatient DRG, ...]} (default: the pairs the seeds name for --year).")] = None,
    prissatt: Annotated[list[str] | None, typer.Option("--prissatt", help="PHV/TSB DRG keeping its priced weight (repeat; default TD97). Add the structured day offers.")] = None,
) -> None:
    """Estimate cost weights from KPP data and calibrate them to the old total points."""
    import polars as pl

    from isf.weights.calibrate import CalibrationError, calibrate
    from isf.weights.effects import format_no
    from isf.weights.estimate import PHV_TSB_PRISSATTE, EstimateParams, EstimationError, estimate_weights
    from isf.weights.kpp import KppError
    from isf.weights.weightlist import WeightListError

    try:
        copay = None if egenandel_kr in (None, "reported") else int(Fraction(egenandel_kr) * 100)
        params = EstimateParams(
            aar=year, trim_iqr_factor=Fraction(trim_factor), min_stays_hf=min_stays_hf,
            min_stays_drg=min_stays_drg, min_hf=min_hf, egenandel_ore=copay,
            dagkirurgi_par=json.loads(pairs.read_text(encoding="utf-8")) if pairs else None,
            prissatte_drg=tuple(prissatt) if prissatt else PHV_TSB_PRISSATTE,
        )
        raw = estimate_weights(read_table(kpp), params=params)
        if old is None:
            table = raw.table.rename({"vekt_raa": "vekt", "vekt_per_dag_raa": "vekt_per_dag"})
            write_weight_frame(table.drop("snittkostnad_kr"), output)
            typer.echo(f"{table.height} DRGs estimated (uncalibrated: no --old weights) -> {output}")
            return
        act = read_table(activity)
        cal = calibrate(
            raw,
            old_weights=read_weight_frame(old, year=old_year or year - 1),
            activity_old=act,
            activity_new=read_table(activity_new) if activity_new else act,
        )
    except (KppError, EstimationError, CalibrationError, WeightListError, ValueError, OSError) as e:
        raise _fail(str(e)) from e
    from isf.weights.calibrate import SECTOR_LABELS

    write_weight_frame(cal.weights, output)
    low = cal.weights.filter(pl.col("regel").str.starts_with("lavt_volum")).height
    lines = [f"{cal.weights.height} DRGs ({low} low-volume) -> {output}"]
    for sec, f in cal.factors.items():
        t_old, t_new = cal.totals[sec]
        lines.append(f"{SECTOR_LABELS.get(sec, sec)}: calibration factor {float(f):.9f}; total points old "
                     f"{format_no(t_old, 3)}, new {format_no(t_new, 3)}")
    typer.echo("\n".join(lines))


def effects_command(
    activity: Annotated[Path, typer.Option("--activity", help="Activity grouped with the old logic (CSV/Parquet; sektor, bo_rhf, beh_hf).")],
    old: Annotated[Path, typer.Option("--old", help="Old weight list.")],
    new: Annotated[Path, typer.Option("--new", help="New weight list.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Effects, exact (CSV); a bar chart per sector goes to OUTPUT-<sektor>.svg.")],
    activity_new: Annotated[Path | None, typer.Option("--activity-new", help="Activity regrouped with the new logic.")] = None,
    year: Annotated[int, typer.Option("--year", help="Year of the new weight list.")] = 2024,
    rhf: Annotated[str, typer.Option("--rhf", help="Region column of the RHF table (sørge for).")] = "bo_rhf",
    hf: Annotated[str, typer.Option("--hf", help="Trust column of the HF table (foretak).")] = "beh_hf",
    by: Annotated[str | None, typer.Option("--by", hidden=True, help="Old option: both tables are always made.")] = None,
) -> None:
    """Redistribution per sector: RHF (sørge for) and HF tables, old/new points, change, % change."""
    if by is not None and by not in (rhf, hf):
        raise _fail(f"--by must be {rhf} or {hf} (both tables are made; --rhf/--hf choose the columns), got {by!r}")
    import polars as pl

    from isf.weights.calibrate import CalibrationError
    from isf.weights.effects import TOTAL_LABEL, effects_svg, format_effects, sector_effects
    from isf.weights.weightlist import WeightListError

    try:
        act = read_table(activity)
        table = sector_effects(
            act, read_weight_frame(old, year=year - 1), read_weight_frame(new, year=year),
            activity_new=read_table(activity_new) if activity_new else None, rhf=rhf, hf=hf,
        )
    except (WeightListError, CalibrationError, ValueError, OSError) as e:
        raise _fail(str(e)) from e
    table.write_csv(output)
    for sec in table["sektor"].unique(maintain_order=True).to_list():
        part = table.filter((pl.col("sektor") == sec) & (pl.col("nivaa") == "RHF"))
        chart = output.with_name(f"{output.stem}-{sec.replace('/', '_').replace(' ', '_').lower()}.svg")
        chart.write_text(effects_svg(part.select(pl.col("navn").alias("rhf"), "endring", "endring_pst"),
                                     title=f"Effekter RHF – {sec} – sørge for"), encoding="utf-8")
    typer.echo(format_effects(table, old_label=f"{year - 1}-vekter", new_label=f"{year}-vekter"))
    totals = table.filter(pl.col("navn") == TOTAL_LABEL)
    typer.echo(f"{table.height - totals.height} rows -> {output}; total change per sector and level: "
               + ", ".join(f"{r['sektor']} {r['nivaa']} {r['endring']}" for r in totals.iter_rows(named=True)))


weights_app = typer.Typer(help="Cost weights: estimation from KPP and calibration.", no_args_is_help=True)
weights_app.command("estimate")(weights_command)
