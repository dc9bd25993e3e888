"""Vectorised STG/TFG assignment over grouped activity (polars, lazy).

Steps (each a join or group_by, no Python loop over rows):
1. row status (bad rows are kept with `status`/`error`, never assigned);
2. STG: explode `prosedyrer`, join the trigger-code table, keep contacts at an allowed
   omsorgsnivå (or døgn meldt utskrivningsklar) and sector, check indication diagnoses by
   prefix join, group by patient, STG and period, keep periods with at least `min_kontakter`;
3. TFG: members by `drg` join plus the contacts of the patient's member STG assignments;
   group by patient, TFG and period, keep triggered periods, keep the best of a familie;
4. contacts of TFGs that take over DRG points (`overtar_drg_poeng`) get `tfg_overtatt`.
The engine forms groups; what they weigh is settlement's business (`isf.settlement`).
`isf.stg_tfg.reference` is the slow loop version of the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from isf.errors import IsfError
from isf.stg_tfg.definitions import StgTfgDefinitions

__all__ = [
    "ADJUSTMENT_SCHEMA",
    "ASSIGNMENT_SCHEMA",
    "INPUT_COLUMNS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "ActivitySchemaError",
    "StgTfgResult",
    "assign",
    "assign_lazy",
]

REQUIRED_COLUMNS = (
    "kontakt_id", "pasient_id", "inn_dato", "drg", "prosedyrer", "hdiag", "bdiag",
    "omsorgsniva", "utskrklar_dager",
)
# `hdiag2` is optional; `sektor` is needed when a definition restricts an STG to sectors.
# `kontakt_type` (null: unknown, so an STG with `kontakttype` is not formed from a non-døgn
# contact) and `act_halv_maaned` (null: the condition is taken as met) are optional.
OPTIONAL_COLUMNS = ("hdiag2", "sektor", "kontakt_type", "act_halv_maaned")
#: every column the engine reads, for callers that pass a selection of their frame
INPUT_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
ASSIGNMENT_SCHEMA: dict[str, pl.DataType] = {
    "pasient_id": pl.String(),
    "gruppe": pl.String(),
    "type": pl.String(),
    "aar": pl.Int32(),
    "periode_type": pl.String(),
    "periode": pl.String(),
    "antall_kontakter": pl.Int32(),
    "kontakt_ider": pl.List(pl.Int64()),
    "poeng_kontakt_id": pl.Int64(),
}
ADJUSTMENT_SCHEMA: dict[str, pl.DataType] = {
    "kontakt_id": pl.Int64(),
    "tfg_overtatt": pl.Boolean(),
    "tfg_gruppe": pl.String(),
    "status": pl.String(),
    "error": pl.String(),
}


class ActivitySchemaError(IsfError, ValueError):
    """The activity table lacks a column the STG/TFG engine needs."""


@dataclass(frozen=True, slots=True)
class StgTfgResult:
    """Per patient-period assignments and a per-contact DRG-points adjustment."""

    assignments: pl.DataFrame
    contact_adjustments: pl.DataFrame


def _period_number(kind: pl.Expr, day: pl.Expr) -> pl.Expr:
    """Month 1-12, tertial 1-3, or 0 for a year; the label is made after aggregation."""
    month = day.dt.month().cast(pl.Int8)
    return (
        pl.when(kind == "maaned").then(month)
        .when(kind == "tertial").then((month - 1) // 4 + 1)
        .otherwise(pl.lit(0, pl.Int8))
    )


def _period_label(kind: pl.Expr, number: pl.Expr, year: int) -> pl.Expr:
    """'2024-03', '2024-T1' or '2024', as `reference.period_label`."""
    return (
        pl.when(kind == "maaned").then(pl.lit(f"{year}-") + number.cast(pl.String).str.zfill(2))
        .when(kind == "tertial").then(pl.lit(f"{year}-T") + number.cast(pl.String))
        .otherwise(pl.lit(str(year)))
    )


def _group_table(defs: StgTfgDefinitions) -> pl.LazyFrame:
    rows: list[tuple[str, str, str, int, str | None, int]] = [
        (s.kode, "STG", s.periode, s.min_kontakter, None, 0) for s in defs.stg]
    rows += [(t.kode, "TFG", t.periode, 1, t.familie, t.prioritet) for t in defs.tfg]
    return pl.LazyFrame(
        rows,
        schema={"gruppe": pl.String, "type": pl.String, "periode_type": pl.String,
                "min_kontakter": pl.Int32, "familie": pl.String, "prioritet": pl.Int64},
        orient="row",
    )


def _status(lf: pl.LazyFrame, year: int, til_tertial: int | None) -> pl.LazyFrame:
    kid, pid, day = pl.col("kontakt_id"), pl.col("pasient_id"), pl.col("inn_dato")
    late = pl.lit(False) if til_tertial is None else ((day.dt.month() - 1) // 4 + 1) > til_tertial
    dup = pl.len().over("kontakt_id") > 1
    return lf.with_columns(
        status=pl.when(kid.is_null() | dup | pid.is_null() | (pid == "") | day.is_null())
        .then(pl.lit("ugyldig"))
        .when(day.dt.year() != year).then(pl.lit("utenfor_aar"))
        .when(late).then(pl.lit("utenfor_periode"))
        .otherwise(pl.lit("ok")),
        error=pl.when(kid.is_null()).then(pl.lit("kontakt_id mangler"))
        .when(dup).then(pl.lit("kontakt_id er ikke unik"))
        .when(pid.is_null() | (pid == "")).then(pl.lit("pasient_id mangler"))
        .when(day.is_null()).then(pl.lit("inn_dato mangler"))
        .otherwise(pl.lit(None, dtype=pl.String)),
    )


def _prepare(activity: pl.LazyFrame, defs: StgTfgDefinitions) -> pl.LazyFrame:
    names = activity.collect_schema().names()
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    by_sector = [s.kode for s in defs.stg if s.sektor]
    if by_sector and "sektor" not in names:
        missing.append(f"sektor (STG {', '.join(by_sector)} form from some sectors only)")
    if missing:
        raise ActivitySchemaError(f"activity lacks column(s): {', '.join(missing)}")
    hdiag2 = pl.col("hdiag2").cast(pl.String) if "hdiag2" in names else pl.lit(None, pl.String)
    sektor = pl.col("sektor").cast(pl.String) if "sektor" in names else pl.lit(None, pl.String)
    ktype = pl.col("kontakt_type").cast(pl.Int16, strict=False) if "kontakt_type" in names else pl.lit(None, pl.Int16)
    halv = pl.col("act_halv_maaned").cast(pl.Boolean, strict=False) if "act_halv_maaned" in names \
        else pl.lit(None, pl.Boolean)
    return activity.select(
        pl.col("kontakt_id").cast(pl.Int64),
        pl.col("pasient_id").cast(pl.String),
        pl.col("inn_dato").cast(pl.Date),
        pl.col("drg").cast(pl.String),
        pl.col("prosedyrer").cast(pl.List(pl.String)),
        pl.col("hdiag").cast(pl.String),
        hdiag2.alias("hdiag2"),
        pl.col("bdiag").cast(pl.List(pl.String)),
        pl.col("omsorgsniva").cast(pl.Int8),
        pl.col("utskrklar_dager").cast(pl.Int32).fill_null(0),
        sektor.alias("sektor"),
        ktype.alias("kontakt_type"),
        halv.alias("act_halv_maaned"),
    )


def _stg_contacts(valid: pl.LazyFrame, defs: StgTfgDefinitions) -> pl.LazyFrame:
    """(pasient_id, kontakt_id, inn_dato, gruppe) for every contact that triggers an STG."""
    codes = pl.LazyFrame(
        [(c, s.kode) for s in defs.stg for c in s.koder],
        schema={"kode": pl.String, "gruppe": pl.String}, orient="row",
    )
    levels = pl.LazyFrame(
        [(s.kode, n, False) for s in defs.stg for n in s.omsorgsniva]
        + [(s.kode, 1, True) for s in defs.stg if s.utskrivningsklar and 1 not in s.omsorgsniva],
        schema={"gruppe": pl.String, "omsorgsniva": pl.Int8, "krever_utskrklar": pl.Boolean},
        orient="row",
    )
    hits = (
        valid.select("kontakt_id", pl.col("prosedyrer").alias("kode"))
        .explode("kode")
        .join(codes, on="kode", how="inner")
        .select("kontakt_id", "gruppe")
        .unique()
        .join(valid.drop("prosedyrer", "drg"), on="kontakt_id", how="inner")
        .join(levels, on=["gruppe", "omsorgsniva"], how="inner")
        .filter(~pl.col("krever_utskrklar") | (pl.col("utskrklar_dager") > 0))
    )
    hits = _only_allowed(hits, [(s.kode, x) for s in defs.stg for x in s.sektor], "sektor", pl.String)
    hits = _contact_conditions(hits, valid, defs)
    indicated = [(s.kode, p) for s in defs.stg for p in s.diagnoser]
    if indicated:
        prefixes = pl.LazyFrame(indicated, schema={"gruppe": pl.String, "prefix": pl.String},
                                orient="row")
        need = pl.LazyFrame({"gruppe": sorted({g for g, _ in indicated}), "krever_diag": True})
        diag = (
            hits.select("kontakt_id", "gruppe",
                        pl.concat_list(pl.col("hdiag"), pl.col("hdiag2"),
                                       pl.col("bdiag").fill_null([])).alias("diag"))
            .explode("diag")
            .with_columns(pl.col("diag").str.split("&"))
            .explode("diag")
            .filter(pl.col("diag").is_not_null() & (pl.col("diag") != ""))
        )
        lengths = sorted({len(p) for _, p in indicated})
        ok = (
            pl.concat([diag.select("kontakt_id", "gruppe",
                                   pl.col("diag").str.slice(0, n).alias("prefix"))
                       for n in lengths])
            .join(prefixes, on=["gruppe", "prefix"], how="inner")
            .select("kontakt_id", "gruppe", pl.lit(True).alias("diag_ok"))
            .unique()
        )
        hits = (
            hits.join(need, on="gruppe", how="left")
            .join(ok, on=["kontakt_id", "gruppe"], how="left")
            .filter(pl.col("krever_diag").is_null() | pl.col("diag_ok").fill_null(False))
        )
    return hits.select("pasient_id", "kontakt_id", "inn_dato", "gruppe")


def _only_allowed(hits: pl.LazyFrame, pairs: list[tuple[str, Any]], column: str, dtype: Any,
                  exempt: pl.Expr | None = None) -> pl.LazyFrame:
    """Keep (contact, STG) hits whose group sets no list for `column`, whose value is in the
    group's list (`pairs` of group and allowed value), or that are `exempt`."""
    if not pairs:
        return hits
    allowed = pl.LazyFrame(pairs, schema={"gruppe": pl.String, column: dtype}, orient="row")
    limited = pl.LazyFrame({"gruppe": sorted({g for g, _ in pairs}), "_limited": True})
    keep = pl.col("_limited").is_null() | pl.col("_allowed").fill_null(False)
    return (
        hits.join(limited, on="gruppe", how="left")
        .join(allowed.with_columns(_allowed=pl.lit(True)), on=["gruppe", column], how="left")
        .filter(keep if exempt is None else keep | exempt)
        .drop("_limited", "_allowed")
    )


def _contact_conditions(hits: pl.LazyFrame, valid: pl.LazyFrame, defs: StgTfgDefinitions) -> pl.LazyFrame:
    """Drop (contact, STG) hits that fail `kontakttype`, `unntatt_koder` or `halv_maaned`."""
    typed = [(s.kode, t) for s in defs.stg for t in s.kontakttype]
    hits = _only_allowed(hits, typed, "kontakt_type", pl.Int16, exempt=pl.col("omsorgsniva") == 1)
    excluded = [(c, s.kode) for s in defs.stg for c in s.unntatt_koder]
    if excluded:
        table = pl.LazyFrame(excluded, schema={"kode": pl.String, "gruppe": pl.String}, orient="row")
        out = (
            valid.select("kontakt_id", pl.col("prosedyrer").alias("kode")).explode("kode")
            .join(table, on="kode", how="inner").select("kontakt_id", "gruppe").unique()
        )
        hits = hits.join(out, on=["kontakt_id", "gruppe"], how="anti")
    halv = [s.kode for s in defs.stg if s.halv_maaned]
    if halv:
        short = pl.col("act_halv_maaned").not_().fill_null(False)  # explicitly false; null = met
        hits = hits.filter(~(pl.col("gruppe").is_in(halv) & short))
    return hits


def _aggregate(contacts: pl.LazyFrame, groups: pl.LazyFrame, year: int) -> pl.LazyFrame:
    """Group contacts (pasient_id, kontakt_id, inn_dato, gruppe[, utloser]) into assignments.

    The contact list is sorted by (inn_dato, kontakt_id) inside each group (no reliance on
    group_by row order), so it is the timeline and its first element gets the points.
    """
    has_trigger = "utloser" in contacts.collect_schema().names()
    aggs = [
        pl.col("kontakt_id").sort_by("inn_dato", "kontakt_id").alias("kontakt_ider"),
        pl.len().cast(pl.Int32).alias("antall_kontakter"),
        pl.col("min_kontakter").first(),
    ]
    if has_trigger:
        aggs.append(pl.col("utloser").any())
    out = (
        contacts.join(groups.select("gruppe", "periode_type", "min_kontakter"), on="gruppe")
        .with_columns(periode_nr=_period_number(pl.col("periode_type"), pl.col("inn_dato")))
        .group_by("pasient_id", "gruppe", "periode_type", "periode_nr")
        .agg(aggs)
        .filter(pl.col("antall_kontakter") >= pl.col("min_kontakter"))
    )
    if has_trigger:
        out = out.filter(pl.col("utloser"))
    return out.select(
        "pasient_id", "gruppe", "periode_type",
        _period_label(pl.col("periode_type"), pl.col("periode_nr"), year).alias("periode"),
        "antall_kontakter", "kontakt_ider",
        pl.lit(year, pl.Int32).alias("aar"),
        pl.col("kontakt_ider").list.first().alias("poeng_kontakt_id"),
    )


def _tfg_members(
    valid: pl.LazyFrame, stg_assigned: pl.LazyFrame, defs: StgTfgDefinitions
) -> pl.LazyFrame:
    """(pasient_id, kontakt_id, inn_dato, gruppe, utloser) for every TFG member contact."""
    def member_table(kind: str) -> pl.LazyFrame:
        rows = []
        for t in defs.tfg:
            codes, trig = (t.drg, t.triggers[0]) if kind == "drg" else (t.stg, t.triggers[1])
            rows += [(t.kode, c, c in trig) for c in codes]
        return pl.LazyFrame(rows, schema={"gruppe": pl.String, "kode": pl.String,
                                          "utloser": pl.Boolean}, orient="row")

    by_drg = (
        valid.select("pasient_id", "kontakt_id", "inn_dato", pl.col("drg").alias("kode"))
        .join(member_table("drg"), on="kode", how="inner")
    )
    by_stg = (
        stg_assigned.select("pasient_id", pl.col("gruppe").alias("kode"), "kontakt_ider")
        .explode("kontakt_ider")
        .rename({"kontakt_ider": "kontakt_id"})
        .join(valid.select("kontakt_id", "inn_dato"), on="kontakt_id", how="inner")
        .join(member_table("stg"), on="kode", how="inner")
    )
    cols = ["pasient_id", "kontakt_id", "inn_dato", "gruppe", "utloser"]
    return (
        pl.concat([by_drg.select(cols), by_stg.select(cols)])
        .group_by("pasient_id", "kontakt_id", "inn_dato", "gruppe")
        .agg(pl.col("utloser").any())
    )


def assign_lazy(
    activity: pl.LazyFrame | pl.DataFrame,
    defs: StgTfgDefinitions,
    *,
    year: int,
    til_tertial: int | None = None,
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """Lazy (assignments, contact_adjustments); any polars engine may collect them.

    Patients must not be split across calls: partition by `pasient_id`, not by rows
    (`isf.stg_tfg.batch.assign_parquet` does this to bound memory).
    """
    if til_tertial is not None and til_tertial not in (1, 2, 3):
        raise ValueError("til_tertial must be 1, 2 or 3")
    base = _status(_prepare(activity.lazy(), defs).with_row_index("_rad"), year, til_tertial)
    valid = base.filter(pl.col("status") == "ok").drop("status", "error", "_rad")
    groups = _group_table(defs)

    stg = _aggregate(_stg_contacts(valid, defs), groups, year).cache()
    tfg = _aggregate(_tfg_members(valid, stg, defs), groups, year)
    tfg = (
        tfg.join(groups.select("gruppe", "familie", "prioritet"), on="gruppe")
        .filter(pl.col("familie").is_null()
                | (pl.col("prioritet") == pl.col("prioritet").min().over(
                    "pasient_id", "familie", "periode")))
        .drop("familie", "prioritet")
        .cache()
    )
    meta = groups.select("gruppe", "type")
    assignments = (
        pl.concat([stg, tfg])
        .join(meta, on="gruppe")
        .select(list(ASSIGNMENT_SCHEMA))
        .sort("pasient_id", "type", "gruppe", "periode")
    )

    takers = [t.kode for t in defs.tfg if t.overtar_drg_poeng]
    taken = (
        tfg.filter(pl.col("gruppe").is_in(takers))
        .select("gruppe", "kontakt_ider")
        .explode("kontakt_ider")
        .group_by(pl.col("kontakt_ider").alias("kontakt_id"))
        .agg(pl.col("gruppe").min().alias("tfg_gruppe"))
        .with_columns(pl.lit("ok").alias("status"))
    )
    adjustments = (
        base.select("_rad", "kontakt_id", "status", "error")
        .join(taken, on=["kontakt_id", "status"], how="left")
        .with_columns(tfg_overtatt=pl.col("tfg_gruppe").is_not_null())
        .sort("_rad")
        .select(list(ADJUSTMENT_SCHEMA))
    )
    return assignments, adjustments


def assign(
    activity: pl.DataFrame | pl.LazyFrame,
    defs: StgTfgDefinitions,
    *,
    year: int,
    til_tertial: int | None = None,
) -> StgTfgResult:
    """STG/TFG assignments per patient per period and the per-contact adjustment.

    An assignment is one financed unit of settlement (its points are the group's weight from
    the weight list, on `poeng_kontakt_id`); contacts with `tfg_overtatt` lose their own DRG
    points. Rows outside `year` (or after `til_tertial`) and bad rows get a status, never an
    error.
    """
    a, b = assign_lazy(activity, defs, year=year, til_tertial=til_tertial)
    assignments, adjustments = pl.collect_all([a, b])
    return StgTfgResult(assignments=assignments, contact_adjustments=adjustments)

