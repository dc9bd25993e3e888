"""`settle`: grouped activity -> financed units with points and kroner (pure, one path).

Order (each step in `isf.settlement.compute`, each rule in `isf.settlement.rules`):

1. `prepare` the rows, join the DRG weights;
2. the activity rules of `eligibility` on every contact; the contacts that pass form the
   STG/TFG assignments (`isf.stg_tfg.assign`), and a TFG with `overtar_drg_poeng` marks its
   member contacts (`_overtatt`);
3. weight coverage: groups present without a weight-list entry stop settlement
   (`MissingWeightsError`) unless `allow_missing_weights`;
4. DRG units: `eligibility`, `add_points`, `merge_stays`; STG/TFG units: the same
   `eligibility` and `add_points`;
5. `add_kroner` per unit; every missing parameter is reported at once
   (`MissingParametersError`).

The result has the input rows (same order, input columns kept, points of their DRG unit on
the carrying row) and the units (`UNIT_COLUMNS`). Settle a year in patient partitions and
concatenate: the units are the same (a hospital stay and an STG/TFG never span patients).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from isf.errors import IsfError
from isf.params.model import YearParams
from isf.settlement.compute import (
    COMPONENTS,
    add_kroner,
    add_points,
    eligibility,
    join_weights,
    merge_stays,
    rule_text,
    stg_tfg_frame,
    weights_frame,
)
from isf.settlement.fixed import KRONER, POINTS, e4_to_points
from isf.settlement.frame import PLACE_COLUMNS, prepare
from isf.settlement.rules import Params
from isf.stg_tfg import StgTfgDefinitions, assign
from isf.stg_tfg.engine import INPUT_COLUMNS
from isf.weights.weightlist import WeightList

__all__ = [
    "UNIT_COLUMNS",
    "MissingWeightsError",
    "Settlement",
    "settle",
]

UNIT_COLUMNS = (
    "type", "gruppe", "kontakt_id", "antall_kontakter", "kontakt_ider", "pasient_id", "periode",
    "aar", "tertial", "maaned", "sektor", "omsorgsniva", "debitor", *PLACE_COLUMNS,
    *COMPONENTS, "isf_poeng", "isf_tellende", "isf_arsak", "isf_regel", "poeng_regel",
    "enhetspris", "isf_andel", "isf_kroner",
)
_ENGINE_COLUMNS = INPUT_COLUMNS  # the STG/TFG engine names the columns it reads


class MissingWeightsError(IsfError, LookupError):
    """Groups present in the activity have no weight-list entry: all of them, with their share."""

    SHOWN = 30

    def __init__(self, coverage: pl.DataFrame, source: str, *, full_list: str | None = None) -> None:
        self.coverage, self.source = coverage, source
        rows = int(coverage["rader"].sum())
        share = float(coverage["andel_rader"].sum())
        lines = [f"  {r['type']} {r['gruppe']}: {r['rader']:,} rows ({100 * r['andel_rader']:.1f} % of the activity)"
                 for r in coverage.head(self.SHOWN).iter_rows(named=True)]
        if coverage.height > self.SHOWN:
            lines.append(f"  … and {coverage.height - self.SHOWN} more" + (f" (all in {full_list})" if full_list else ""))
        super().__init__(
            f"{coverage.height} group(s) in the activity, {rows:,} rows ({100 * share:.1f} %), have no weight in "
            f"{source}:\n" + "\n".join(lines)
            + "\nadd them to the weight list(s) (or mark them isf = N), or pass --allow-missing-weights to "
            "settle them as not counting"
        )


@dataclass(frozen=True)
class Settlement:
    """Rows (input order, per-row points) and financed units (DRG, STG, TFG) of one year."""

    year: int
    rows: pl.DataFrame
    units: pl.DataFrame
    coverage: pl.DataFrame  # groups without weight (empty when the lists cover the activity)
    detail: pl.DataFrame | None = None  # units with every rule's value and text (settle(detail=True))


def _coverage(contacts: pl.DataFrame, stg: pl.DataFrame, total_rows: int) -> pl.DataFrame:
    drg = (
        contacts.filter(pl.col("_ok") & ~pl.col("_w_found"))
        .group_by("_gruppe").agg(rader=pl.len().cast(pl.Int64), enheter=pl.len().cast(pl.Int64))
        .select(pl.lit("DRG").alias("type"), pl.col("_gruppe").alias("gruppe"), "rader", "enheter")
    )
    grp = (
        stg.filter(~pl.col("_w_found"))
        .group_by("_type", "_gruppe").agg(rader=pl.col("_n").sum().cast(pl.Int64), enheter=pl.len().cast(pl.Int64))
        .select(pl.col("_type").alias("type"), pl.col("_gruppe").alias("gruppe"), "rader", "enheter")
    )
    out = pl.concat([drg, grp])
    share = pl.col("rader") / total_rows if total_rows else pl.lit(0.0)
    return out.with_columns(andel_rader=share.cast(pl.Float64)).sort(["rader", "type", "gruppe"],
                                                                       descending=[True, False, False])


def _outputs() -> dict[str, pl.Expr]:
    """The output columns shared by rows and units (points as exact decimals)."""
    return {
        **{c: e4_to_points(pl.col(f"_c_{c}")) for c in COMPONENTS},
        "isf_poeng": e4_to_points(pl.col("_total")),
        "isf_tellende": pl.col("_count"),
        "isf_arsak": pl.col("_arsak"),
        "poeng_regel": pl.col("_regeltekst"),
        "aar": pl.col("_aar").cast(pl.Int32),
        "tertial": ((pl.col("_dato").dt.month().cast(pl.Int8) - 1) // 4 + 1).cast(pl.Int8),
        "maaned": pl.col("_dato").dt.month().cast(pl.Int8),
    }


def _unit_table(frame: pl.DataFrame) -> pl.DataFrame:
    out = frame.select(
        type=pl.col("_type"),
        gruppe=pl.col("_gruppe"),
        kontakt_id=pl.col("_kid"),
        antall_kontakter=pl.col("_n").cast(pl.Int32),
        kontakt_ider=pl.col("_kontakt_ider") if "_kontakt_ider" in frame.columns else pl.lit(None, pl.List(pl.Int64)),
        pasient_id=pl.col("_pid"),
        periode=pl.col("_periode") if "_periode" in frame.columns else pl.lit(None, pl.String),
        sektor=pl.col("_sektor"),
        omsorgsniva=pl.col("_oms").cast(pl.Int8),
        debitor=pl.col("_deb").cast(pl.Int16),
        **{c: pl.col(f"_{c}") for c in PLACE_COLUMNS},
        **_outputs(),
        isf_regel=pl.col("_regel"),
        enhetspris=pl.col("_pris"),
        isf_andel=pl.col("_andel"),
        isf_kroner=pl.col("_kr"),
    )
    return out.select(UNIT_COLUMNS)


def _empty_assignments() -> pl.DataFrame:
    from isf.stg_tfg import ASSIGNMENT_SCHEMA

    return pl.DataFrame(schema=ASSIGNMENT_SCHEMA)


def settle(
    activity: pl.DataFrame,
    *,
    weights: WeightList,
    params: YearParams,
    stg_tfg: StgTfgDefinitions | None,
    year: int,
    allow_missing_weights: bool = False,
    detail: bool = False,
) -> Settlement:
    """Settle grouped `activity` (a `drg` column from grouping, `status` optional) for `year`.

    `stg_tfg=None` settles DRG units only (a year without STG/TFG definitions). Raises
    `MissingWeightsError` (groups without weight, unless `allow_missing_weights`) and
    `MissingParametersError` (every parameter needed and unknown).
    """
    if weights.year != year or params.year != year:
        raise IsfError(f"year {year} but weights are for {weights.year} and parameters for {params.year}")
    p = Params(params)
    wf = weights_frame(weights)
    contacts = join_weights(prepare(activity, year), wf)

    # 2. STG/TFG from the contacts that pass the activity rules
    akt = eligibility(contacts, p, aktivitet_only=True)
    if stg_tfg is not None and (stg_tfg.stg or stg_tfg.tfg):
        if stg_tfg.aar != year:
            raise IsfError(f"year {year} but the STG/TFG definitions are for {stg_tfg.aar}")
        basis = akt.filter(pl.col("_count"))
        cols = [c for c in _ENGINE_COLUMNS if c in basis.columns]
        res = assign(basis.select(cols), stg_tfg, year=year)
        assignments = res.assignments
        taken = basis.select("_i").hstack(res.contact_adjustments.select("tfg_gruppe"))
        contacts = contacts.drop("_overtatt").join(
            taken.rename({"tfg_gruppe": "_overtatt"}), on="_i", how="left", maintain_order="left")
    else:
        basis = akt.filter(pl.col("_count"))
        assignments = _empty_assignments()
    groups = join_weights(stg_tfg_frame(assignments, basis), wf)

    # 3. weight coverage before any points
    coverage = _coverage(contacts, groups, activity.height)
    if coverage.height and not allow_missing_weights:
        raise MissingWeightsError(coverage, weights.source)

    # 4. units
    drg = merge_stays(add_points(eligibility(contacts, p), p))
    grp = add_points(eligibility(groups, p), p)
    drg = drg.with_columns(_regeltekst=rule_text(drg, year))
    grp = grp.with_columns(_regeltekst=rule_text(grp, year))
    internal = [c for c in drg.columns if c.startswith("_")]  # units carry no input column
    units = pl.concat([drg.select(internal).filter(pl.col("_unit")), grp], how="diagonal_relaxed")
    units = add_kroner(units, p)
    p.check()

    # rows: points of the row's DRG unit on the carrying row
    kr = units.filter(pl.col("_type") == "DRG").select("_i", "_kr")
    rows = drg.hstack(drg.select("_i").join(kr, on="_i", how="left", maintain_order="left")
                      .select(pl.col("_kr").fill_null(pl.lit(0, dtype=KRONER))))
    rows = rows.with_columns(
        vekt=e4_to_points(pl.col("_w_vekt")).cast(POINTS),
        trimpunkt=pl.col("_w_trim").cast(pl.Int32),
        liggetid_isf=(pl.col("_ligg") - pl.col("_uk")).clip(lower_bound=0).cast(pl.Int32),
        **_outputs(),
        baerende_kontakt_id=pl.col("_baerende").cast(pl.Int64),
        isf_kroner=pl.col("_kr"),
    )
    rows = rows.select([c for c in rows.columns if not c.startswith("_")])
    table = _unit_table(units)
    return Settlement(
        year=year,
        rows=rows,
        units=table,
        coverage=coverage,
        detail=units if detail else None,
    )
