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
the carrying row) and the units (`UNIT_COLUMNS`). The steps work on the internal columns only
(the input's wide columns are not copied along) and are exposed one by one (`Settler`) so a
streaming run can time them. A year can be settled in parts that keep every patient, hospital
stay and kontakt_id whole (`isf.settlement.stream`): give each row its position in the whole
input in the column `ROW_INDEX`, and the parts' rows and units are exactly the whole's.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    unit_prices,
    weights_frame,
)
from isf.settlement.fixed import POINTS, e4_to_points
from isf.settlement.frame import OUTPUT_ROW_COLUMNS, PLACE_COLUMNS, ROW_INDEX, prepare
from isf.settlement.rules import INPUT_READS, Params
from isf.stg_tfg import StgTfgDefinitions, assign
from isf.stg_tfg.engine import INPUT_COLUMNS
from isf.weights.weightlist import WeightList

__all__ = [
    "ROW_INDEX",
    "UNIT_COLUMNS",
    "MissingWeightsError",
    "Settlement",
    "Settler",
    "coverage_of",
    "row_columns",
    "rows_with",
    "settle",
]

UNIT_COLUMNS = (
    "type", "gruppe", "kontakt_id", "antall_kontakter", "kontakt_ider", "pasient_id", "periode",
    "aar", "tertial", "maaned", "sektor", "omsorgsniva", "debitor", *PLACE_COLUMNS,
    *COMPONENTS, "isf_poeng", "isf_tellende", "isf_arsak", "isf_regel", "poeng_regel",
    "enhetspris", "isf_andel", "isf_kroner",
)
_ENGINE_COLUMNS = INPUT_COLUMNS  # the STG/TFG engine names the columns it reads
#: coverage table columns (groups without a weight)
COVERAGE_SCHEMA = {"type": pl.String, "gruppe": pl.String, "rader": pl.Int64, "enheter": pl.Int64,
                   "andel_rader": pl.Float64}


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


def coverage_of(counts: pl.DataFrame, total_rows: int) -> pl.DataFrame:
    """The coverage table from (type, gruppe, rader, enheter) counts (of a whole or of its parts:
    the counts are summed), with each group's share of the rows, largest first."""
    out = counts.group_by("type", "gruppe").agg(pl.col("rader").sum(), pl.col("enheter").sum()) if counts.height else counts
    share = pl.col("rader") / total_rows if total_rows else pl.lit(0.0)
    return (out.with_columns(andel_rader=share.cast(pl.Float64)).select(list(COVERAGE_SCHEMA))
            .sort(["rader", "type", "gruppe"], descending=[True, False, False]))


def _coverage_counts(contacts: pl.DataFrame, stg: pl.DataFrame) -> pl.DataFrame:
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
    return pl.concat([drg, grp])


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


_UNIT_READS = {"_type", "_gruppe", "_kid", "_n", "_kontakt_ider", "_pid", "_periode", "_sektor", "_oms", "_deb",
               "_total", "_count", "_arsak", "_regeltekst", "_aar", "_dato", "_regel", "_pris", "_andel", "_kr", "_i",
               "_unit", *(f"_{c}" for c in PLACE_COLUMNS)}


def _unit_table(frame: pl.DataFrame, *, index: bool, only: pl.Expr | None = None) -> pl.DataFrame:
    cols = frame.columns
    if only is not None:  # filter the columns the table reads, not the whole frame
        used = [c for c in cols if c in _UNIT_READS or c.startswith("_c_")]
        frame = frame.select(used).filter(only)
    out = frame.select(
        type=pl.col("_type"),
        gruppe=pl.col("_gruppe"),
        kontakt_id=pl.col("_kid"),
        antall_kontakter=pl.col("_n").cast(pl.Int32),
        kontakt_ider=(pl.col("_kontakt_ider") if "_kontakt_ider" in cols else pl.lit(None)).cast(pl.List(pl.Int64)),
        pasient_id=pl.col("_pid"),
        periode=(pl.col("_periode") if "_periode" in cols else pl.lit(None)).cast(pl.String),
        sektor=pl.col("_sektor"),
        omsorgsniva=pl.col("_oms").cast(pl.Int8),
        debitor=pl.col("_deb").cast(pl.Int16),
        **{c: pl.col(f"_{c}").cast(pl.String) for c in PLACE_COLUMNS},
        **_outputs(),
        isf_regel=pl.col("_regel"),
        enhetspris=pl.col("_pris"),
        isf_andel=pl.col("_andel"),
        isf_kroner=pl.col("_kr"),
        **({ROW_INDEX: pl.col("_i").cast(pl.Int64)} if index else {}),
    )
    return out.select([*UNIT_COLUMNS, *([ROW_INDEX] if index else [])])


def _empty_assignments() -> pl.DataFrame:
    from isf.stg_tfg import ASSIGNMENT_SCHEMA

    return pl.DataFrame(schema=ASSIGNMENT_SCHEMA)


def _stg_tfg_candidates(frame: pl.DataFrame, activity: pl.DataFrame, defs: StgTfgDefinitions) -> pl.Series:
    """Positions of the basis contacts (`_count` after the activity rules) that can take part in
    an STG or TFG: a trigger code of an STG, a member DRG of a TFG (a TFG's STG members are STG
    contacts), or a kontakt_id that is not unique among the basis contacts (the engine refuses
    those, so all of them are passed on). Assigning only these is the same as assigning every
    basis contact, in a fraction of the time."""
    codes = sorted({c for s in defs.stg for c in s.koder})
    drgs = sorted({c for t in defs.tfg for c in t.drg})
    basis = pl.col("_count")
    kid = pl.when(basis).then(pl.col("_kid"))
    mask = frame.select((basis & (pl.col("_gruppe").is_in(drgs) | (kid.is_duplicated() & kid.is_not_null())))
                        .fill_null(False)).to_series()
    if codes:
        coded = activity.select(pl.col("prosedyrer").cast(pl.List(pl.String)).list.eval(pl.element().is_in(codes))
                                .list.any().fill_null(False)).to_series()
        mask = mask | (coded & frame["_count"])
    return mask.arg_true()


def row_columns(activity: Sequence[str], outputs: Sequence[str]) -> tuple[list[str], list[str]]:
    """The columns of a settled row: the input's (not internal ones, not an earlier run's
    outputs), then the outputs' (`Settler.row_outputs`), each in its own order."""
    return ([c for c in activity if not c.startswith("_") and c not in OUTPUT_ROW_COLUMNS],
            [c for c in outputs if c in OUTPUT_ROW_COLUMNS])


def rows_with(activity: pl.DataFrame, outputs: pl.DataFrame) -> pl.DataFrame:
    """The rows as settlement gives them (`row_columns`): the input columns, then `outputs` (of
    the same rows, same order)."""
    kept, added = row_columns(activity.columns, outputs.columns)
    return activity.select(kept).hstack(outputs.select(added).get_columns())


class Settler:
    """The steps of one settlement, in order (`settle` runs them all; a streaming run times
    them one by one). Each step reads and adds internal columns only."""

    def __init__(self, activity: pl.DataFrame, *, weights: WeightList, params: YearParams, year: int) -> None:
        if weights.year != year or params.year != year:
            raise IsfError(f"year {year} but weights are for {weights.year} and parameters for {params.year}")
        self.activity = activity
        self.year = year
        self.weights = weights
        self.p = Params(params)
        self.wf = weights_frame(weights)
        prepared = prepare(activity, year)
        # the internal columns, and the few input columns a rule reads (`INPUT_READS`): the
        # input's other (wide) columns are not copied through the steps
        internal = [c for c in prepared.columns if c.startswith("_") and (c == "_i" or c not in activity.columns)]
        reads = [c for c in INPUT_READS if c in prepared.columns]
        self.contacts = join_weights(prepared.select(*internal, *reads), self.wf)
        self.groups: pl.DataFrame | None = None
        self.drg: pl.DataFrame | None = None

    def stg_tfg(self, defs: StgTfgDefinitions | None) -> None:
        """Step 2: STG/TFG assignments from the contacts that pass the activity rules, as units
        with their points (`self.groups`); TFG takeovers marked on the contacts."""
        p, year = self.p, self.year
        akt = eligibility(self.contacts, p, aktivitet_only=True)
        if defs is not None and (defs.stg or defs.tfg):
            if defs.aar != year:
                raise IsfError(f"year {year} but the STG/TFG definitions are for {defs.aar}")
            pos = _stg_tfg_candidates(akt, self.activity, defs)
            basis = akt.gather(pos)
            cols = [c for c in _ENGINE_COLUMNS if c in self.activity.columns]
            res = assign(self.activity.select(cols).gather(pos), defs, year=year)
            assignments = res.assignments
            taken = res.contact_adjustments["tfg_gruppe"].cast(pl.String)
            overtatt = pl.select(pl.repeat(None, self.contacts.height, dtype=pl.String)).to_series()
            self.contacts = self.contacts.with_columns(_overtatt=overtatt.scatter(pos, taken))
        else:
            basis = akt.head(0)
            assignments = _empty_assignments()
        groups = join_weights(stg_tfg_frame(assignments, basis), self.wf)
        self.coverage_counts = _coverage_counts(self.contacts, groups)
        grp = add_points(eligibility(groups, p), p)
        self.groups = grp.with_columns(_regeltekst=rule_text(grp, year))

    def coverage(self) -> pl.DataFrame:
        """Step 3: groups present without a weight (counted; the run decides whether to stop)."""
        return coverage_of(self.coverage_counts, self.activity.height)

    def drg_points(self) -> None:
        """Step 4: DRG units: eligibility, points, hospital stays, rule texts."""
        drg = merge_stays(add_points(eligibility(self.contacts, self.p), self.p))
        self.drg = drg.with_columns(_regeltekst=rule_text(drg, self.year))

    def money(self) -> None:
        """Step 5: kroner per unit (DRG and STG/TFG); every missing parameter at once."""
        assert self.drg is not None and self.groups is not None
        counting = pl.col("_count") & pl.col("_psek").is_not_null()
        sectors = sorted(set(self.drg.select(pl.col("_psek").filter(counting).unique()).to_series().to_list())
                         | set(self.groups.select(pl.col("_psek").filter(counting).unique()).to_series().to_list()))
        prices = unit_prices(self.p, sectors)
        self.drg = add_kroner(self.drg, self.p, prices=prices)
        self.groups = add_kroner(self.groups, self.p, prices=prices)
        self.p.check()

    def row_outputs(self) -> pl.DataFrame:
        """The columns settlement adds to each input row (`OUTPUT_ROW_COLUMNS`), same order."""
        drg = self.drg
        assert drg is not None
        return drg.select(
            vekt=e4_to_points(pl.col("_w_vekt")).cast(POINTS),
            trimpunkt=pl.col("_w_trim").cast(pl.Int32),
            liggetid_isf=(pl.col("_ligg") - pl.col("_uk")).clip(lower_bound=0).cast(pl.Int32),
            **_outputs(),
            baerende_kontakt_id=pl.col("_baerende").cast(pl.Int64),
            isf_kroner=pl.col("_kr"),
        )

    def rows(self) -> pl.DataFrame:
        """The input rows (same order; input columns kept, earlier outputs replaced) with the
        points of their DRG unit on the carrying row."""
        return rows_with(self.activity, self.row_outputs())

    def units(self, *, index: bool = False) -> pl.DataFrame:
        """DRG units in input order (of the carrying row), then STG/TFG units (patient, type,
        group, period). With `index`, `ROW_INDEX` = the carrying (first) contact's row."""
        assert self.drg is not None and self.groups is not None
        drg = _unit_table(self.drg, index=index, only=pl.col("_unit"))
        grp = _unit_table(self.groups, index=index)
        return pl.concat([drg, grp.cast(drg.schema)]) if grp.height else drg

    def detail(self) -> pl.DataFrame:
        """The units with every internal column (each rule's value and text): `explain`."""
        assert self.drg is not None and self.groups is not None
        internal = [c for c in self.drg.columns if c.startswith("_")]
        return pl.concat([self.drg.select(internal).filter(pl.col("_unit")), self.groups], how="diagonal_relaxed")


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
    s = Settler(activity, weights=weights, params=params, year=year)
    s.stg_tfg(stg_tfg)
    coverage = s.coverage()
    if coverage.height and not allow_missing_weights:
        raise MissingWeightsError(coverage, weights.source)
    s.drg_points()
    s.money()
    return Settlement(year=year, rows=s.rows(), units=s.units(), coverage=coverage,
                      detail=s.detail() if detail else None)
