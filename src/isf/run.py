"""The main job: activity in -> grouping -> points -> STG/TFG -> money -> tables and a summary.

This module is orchestration (it reads and writes files); every computation it calls is a
pure function of the grouping, points and STG/TFG packages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import polars as pl
import pyarrow as pa

from isf.activity import read_activity
from isf.batch.engine import group_dataframe
from isf.definitions import Logic, load_logic
from isf.params import YearParams, load_params
from isf.points import (
    add_kroner,
    compute_points,
    kroner,
    summary_table,
    summary_tables,
    write_duckdb,
    write_tables,
)
from isf.stg_tfg import assign, load_stg_tfg
from isf.weights.weightlist import load_weights

__all__ = ["RunResult", "run_job", "apply_tfg", "stg_tfg_summary"]

POINT_COLUMNS = ("poeng_basis", "poeng_langligger", "poeng_ambulant", "poeng_egenandel", "poeng_trekk", "isf_poeng")


@dataclass(frozen=True)
class RunResult:
    """What a run produced: where, how much, and the tables it wrote."""

    out_dir: Path
    logic: str
    year: int
    rows: int
    rows_with_errors: int
    summary: pl.DataFrame
    tables: dict[str, pl.DataFrame]


def apply_tfg(points: pl.DataFrame, adjustments: pl.DataFrame) -> pl.DataFrame:
    """Contacts whose financing moved to a TFG carry no DRG points of their own.

    Their point components become 0, ``isf_tellende`` false and ``isf_arsak`` names the TFG;
    the TFG's points land on the assignment's ``poeng_kontakt_id`` (see the stg_tfg table).
    """
    taken = adjustments.filter(pl.col("tfg_overtatt")).select("kontakt_id", "tfg_gruppe")
    if taken.is_empty():
        return points.with_columns(tfg_gruppe=pl.lit(None, pl.String))
    df = points.join(taken, on="kontakt_id", how="left", maintain_order="left")
    moved = pl.col("tfg_gruppe").is_not_null()
    return df.with_columns(
        *(pl.when(moved).then(0.0).otherwise(pl.col(c)).alias(c) for c in POINT_COLUMNS),
        isf_tellende=pl.when(moved).then(False).otherwise(pl.col("isf_tellende")),
        isf_arsak=pl.when(moved).then(pl.lit("finansiert gjennom TFG ") + pl.col("tfg_gruppe")).otherwise(pl.col("isf_arsak")),
    )


def stg_tfg_summary(assignments: pl.DataFrame, params: YearParams) -> pl.DataFrame:
    """Per group: patients-periods, contacts, points and kroner (somatic price and share)."""
    if assignments.is_empty():
        return pl.DataFrame(schema={"type": pl.String, "gruppe": pl.String, "finansiert": pl.Boolean,
                                    "pasientperioder": pl.Int64, "kontakter": pl.Int64, "isf_poeng": pl.Float64,
                                    "isf_kroner": pl.Decimal(38, 2)})
    agg = (
        assignments.group_by("type", "gruppe", "finansiert")
        .agg(pasientperioder=pl.len().cast(pl.Int64), kontakter=pl.col("antall_kontakter").sum().cast(pl.Int64),
             isf_poeng=pl.col("isf_poeng").sum())
        .sort("type", "gruppe")
    )
    price, share = params.decimal("somatikk", "enhetspris"), params.decimal("somatikk", "isf_andel")
    kr = [kroner(Decimal(str(p)), price, share) for p in agg["isf_poeng"].to_list()]
    return agg.with_columns(isf_poeng=pl.col("isf_poeng").cast(pl.Float64), isf_kroner=pl.Series(kr, dtype=pl.Decimal(38, 2)))


def _summary(points: pl.DataFrame, stg: pl.DataFrame, params: YearParams) -> pl.DataFrame:
    per = summary_table(points, params=params)
    if stg.is_empty():
        return per
    line = pl.DataFrame({"sektor": ["STG/TFG"], "antall": [int(stg["pasientperioder"].sum())], "isf_poeng": [float(stg["isf_poeng"].sum())],
                         "isf_kroner": pl.Series([sum(stg["isf_kroner"].to_list(), Decimal(0))], dtype=pl.Decimal(38, 2))})
    body = per.filter(pl.col("sektor") != "totalt")
    total = per.filter(pl.col("sektor") == "totalt")
    total = total.with_columns(
        antall=pl.col("antall") + line["antall"][0],
        isf_poeng=pl.col("isf_poeng") + line["isf_poeng"][0],
        isf_kroner=pl.col("isf_kroner") + line["isf_kroner"][0],
    ) if "isf_kroner" in total.columns else total
    return pl.concat([body, line, total], how="diagonal_relaxed")


def run_job(
    *,
    logic: str | Logic = "demo",
    activity: Path | None = None,
    year: int = 2026,
    weights: str | Path = "demo",
    param_files: Iterable[Path] = (),
    overrides: Iterable[str] = (),
    demo_params: bool | None = None,
    rows: int = 50_000,
    seed: int = 1,
    out_dir: Path = Path("isf-out"),
    on_step: Callable[[str], None] | None = None,
) -> RunResult:
    """Run the whole chain and write `out_dir`: points (per row), aggregates, STG/TFG, DuckDB.

    Without `activity`, synthetic activity (`rows`, `seed`) is made for the logic: the demo.
    Demo parameters fill gaps only when asked, or by default on synthetic demo activity.
    """
    step = on_step or (lambda _s: None)
    lg = logic if isinstance(logic, Logic) else load_logic(logic)
    if activity is None:
        from isf.synth import synth_activity

        step(f"synthesising {rows:,} contacts ({lg.id}, seed {seed})")
        df = pl.from_arrow(pa.concat_tables(list(synth_activity(lg, rows=rows, seed=seed, year=year))))
        assert isinstance(df, pl.DataFrame)
    else:
        step(f"reading {activity}")
        df = read_activity(activity)
    use_demo = activity is None if demo_params is None else demo_params
    params = load_params(year, demo=use_demo, files=list(param_files), overrides=list(overrides))
    wl = load_weights(weights, year=year)

    step(f"grouping {df.height:,} rows with {lg.id}")
    grouped = group_dataframe(lg, df)
    step("points")
    points = compute_points(grouped, weights=wl, params=params, year=year)
    step("særtjenester and tjenesteforløp")
    st = assign(grouped.filter(pl.col("status") == "ok"), load_stg_tfg(year), year=year)
    points = add_kroner(apply_tfg(points, st.contact_adjustments), params)  # per row, øre
    stg = stg_tfg_summary(st.assignments, params)

    step("aggregating and writing")
    tables = summary_tables(points, params=params)
    tables["stg_tfg"] = stg
    tables["stg_tfg_tildelinger"] = st.assignments.with_columns(
        pl.col("kontakt_ider").cast(pl.List(pl.String)).list.join("|")
    )
    summary = _summary(points, stg, params)
    tables["sammendrag"] = summary
    out_dir.mkdir(parents=True, exist_ok=True)
    points.write_parquet(out_dir / "points.parquet")
    write_tables(tables, out_dir)
    write_duckdb(tables, out_dir / "isf.duckdb")
    return RunResult(
        out_dir=out_dir,
        logic=lg.id,
        year=year,
        rows=points.height,
        rows_with_errors=int((grouped["status"] != "ok").sum()),
        summary=summary,
        tables=tables,
    )
