"""Calibration of a new weight set to budget neutrality, and the simple points it rests on.

"nytt vektsett gir samme antall DRG-poeng som gammelt vektsett på det samme
aktivitetsgrunnlag" ([004] §7, [001] §7.1): the base activity grouped with the old logic and
priced with the old weights gives the same total as the same activity regrouped with the new
logic and priced with the new weights. The factor is an exact Fraction; calibrated weights keep
`WEIGHT_PLACES` decimals so totals agree far below the 3 decimals shown (docs/weights.md).

Points here are the weight-based simple points of one stay (names as docs/data-model.md):
`poeng_basis` = `vekt`; `poeng_langligger` = (liggetid − utskrklar_dager − trimpunkt)+ ×
`vekt_per_dag`. Supplements (ambulant, copay replacement, deductions) are left out, as in the
directorate's redistribution simulations ([002]: «Ikke hensyntatt ulike poengtillegg»).

Budget neutrality holds per sector ([002]: one «Effekter RHF – Nye vekter 2026» table for
Somatikk and one for PHV/TSB, each with total change 0): when the activity has a `sektor`
column, each sector (somatikk; phv and tsb together) gets its own factor from its own
activity, and a DRG is scaled by the factor of the sector its stays are in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

import polars as pl

from isf.errors import IsfError
from isf.weights.estimate import WEIGHT_DTYPE, WEIGHT_PLACES, RawWeights, to_decimal

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

#: columns of a weight list (the CSV layout shared with isf.weights.weightlist)
WEIGHTLIST_COLUMNS = ("drg", "navn", "vekt", "trimpunkt", "vekt_per_dag", "gjsn_liggetid", "dagkirurgi")
#: calibration sectors: activity `sektor` -> budget-neutral group ([002] Somatikk, PHV/TSB)
CALIBRATION_SECTOR = {"somatikk": "somatikk", "phv": "phv_tsb", "tsb": "phv_tsb"}
SECTOR_LABELS = {"somatikk": "Somatikk", "phv_tsb": "PHV/TSB", "alle": "Alle sektorer"}
ALL = "alle"


def sector_of(df: pl.DataFrame) -> pl.Expr:
    """The calibration sector of each row (`alle` when the activity has no `sektor` column)."""
    if "sektor" not in df.columns:
        return pl.lit(ALL)
    return pl.col("sektor").cast(pl.String).replace_strict(CALIBRATION_SECTOR, default=None, return_dtype=pl.String)


def in_sector(df: pl.DataFrame, sector: str) -> pl.DataFrame:
    """The rows of `df` in calibration `sector` (all rows when there is no `sektor` column)."""
    if "sektor" not in df.columns:
        return df if sector == ALL else df.clear()
    return df.filter(sector_of(df) == sector)


def sectors_in(*activities: pl.DataFrame) -> list[str]:
    """Calibration sectors present; raises `CalibrationError` for rows of an unknown sector."""
    found: set[str] = set()
    for a in activities:
        s = a.select(sector_of(a).alias("_s"))["_s"]
        if s.null_count():
            bad = sorted({str(v) for v in a.filter(s.is_null())["sektor"].to_list()})
            raise CalibrationError(f"{s.null_count()} stays have an unknown sektor {bad}: expected somatikk, phv, tsb")
        found |= set(s.unique().to_list())
    return sorted(found)


class CalibrationError(IsfError, ValueError):
    """The new weights give no points on the activity, so no factor exists."""


def stay_points(
    *, vekt: Decimal, trimpunkt: int | None, vekt_per_dag: Decimal | None,
    liggetid: int, utskrklar_dager: int,
) -> Decimal:
    """Points of one stay: vekt + days beyond the trimpunkt (ready-for-discharge days excluded)."""
    if trimpunkt is None or vekt_per_dag is None:
        return vekt
    return vekt + max(0, liggetid - utskrklar_dager - trimpunkt) * vekt_per_dag


def _weights_for_join(weights: pl.DataFrame) -> pl.DataFrame:
    return weights.select(
        pl.col("drg").cast(pl.String),
        pl.col("vekt").cast(WEIGHT_DTYPE),
        pl.col("trimpunkt").cast(pl.Int64),
        pl.col("vekt_per_dag").cast(WEIGHT_DTYPE),
    ).unique("drg", keep="first")


def _cells(activity: pl.DataFrame, weights: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Stays (`n`) and long-stay days (`over`) per group×DRG, with the DRG's weights joined."""
    w = _weights_for_join(weights)
    df = activity.select(
        *[pl.col(c) for c in by],
        pl.col("drg").cast(pl.String),
        pl.col("liggetid").cast(pl.Int64).fill_null(0),
        pl.col("utskrklar_dager").cast(pl.Int64).fill_null(0),
    ).join(w, on="drg", how="left")
    over = pl.max_horizontal(
        pl.col("liggetid") - pl.col("utskrklar_dager") - pl.col("trimpunkt"), pl.lit(0)
    )
    df = df.with_columns(
        pl.when(pl.col("vekt_per_dag").is_null()).then(0).otherwise(over.fill_null(0)).alias("over")
    )
    return df.group_by(*by, "drg", "vekt", "vekt_per_dag").agg(
        pl.len().alias("n"), pl.col("over").sum().alias("over")
    )


def points_by(activity: pl.DataFrame, weights: pl.DataFrame, by: Sequence[str] = ()) -> pl.DataFrame:
    """Exact points per group: columns `by`…, `opphold`, `uten_vekt`, `poeng` (Decimal).

    Aggregates counts and long-stay days per group×DRG in polars (integers), then multiplies
    by the Decimal weights in Python, so the sum is exact whatever the row count. Stays whose
    DRG has no weight (or is null) get 0 points and are counted in `uten_vekt`.
    """
    by = list(by)
    cells = _cells(activity, weights, by)
    stays: dict[tuple[object, ...], int] = {}
    unweighted: dict[tuple[object, ...], int] = {}
    poeng: dict[tuple[object, ...], Decimal] = {}
    key_idx = len(by)
    for row in cells.iter_rows():
        key = tuple(row[:key_idx])
        _drg, vekt, per_dag, n, over_days = row[key_idx:]
        stays[key] = stays.get(key, 0) + int(n)
        poeng.setdefault(key, Decimal(0))
        if vekt is None:
            unweighted[key] = unweighted.get(key, 0) + int(n)
            continue
        p = int(n) * vekt + (int(over_days) * per_dag if per_dag is not None else 0)
        poeng[key] += p
    rows = [dict(zip(by, k)) | {"opphold": n, "uten_vekt": unweighted.get(k, 0), "poeng": poeng[k]} for k, n in stays.items()]
    schema: dict[str, PolarsDataType] = {c: activity.schema[c] for c in by}
    schema.update({"opphold": pl.Int64, "uten_vekt": pl.Int64, "poeng": pl.Decimal(38, WEIGHT_PLACES)})
    if not rows:
        return pl.DataFrame(schema=schema)
    return pl.DataFrame(rows, schema=schema).sort(by) if by else pl.DataFrame(rows, schema=schema)


def points_total(activity: pl.DataFrame, weights: pl.DataFrame) -> Decimal:
    """Exact total points of the activity with the weight list."""
    df = points_by(activity, weights)
    return Decimal(0) if df.height == 0 else df["poeng"][0]


@dataclass(frozen=True)
class Calibration:
    """Calibrated weight list plus the evidence of budget neutrality, per sector."""

    weights: pl.DataFrame  # weight-list columns + sektor, regel, n_grunnlag, n_hf
    factors: dict[str, Fraction]  # calibration sector -> factor
    total_old: Decimal
    total_new: Decimal
    low_volume_points: Decimal  # points of DRGs that kept their old weight
    totals: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)  # sector -> (old, new)

    @property
    def factor(self) -> Fraction:
        """The factor of a one-sector calibration (see `factors` for several sectors)."""
        if len(self.factors) != 1:
            raise CalibrationError(f"one factor per sector: {sorted(self.factors)}")
        return next(iter(self.factors.values()))


def _drg_sectors(activity_new: pl.DataFrame, activity_old: pl.DataFrame,
                 given: Mapping[str, str] | None) -> dict[str, str]:
    """DRG -> calibration sector, from where its stays are (new activity first, then old)."""
    out: dict[str, str] = {}
    for act in (activity_new, activity_old):
        pairs = act.select(pl.col("drg").cast(pl.String), sector_of(act).alias("_s")).unique().drop_nulls()
        many = pairs.group_by("drg").agg(pl.col("_s").sort()).filter(pl.col("_s").list.len() > 1)
        if many.height:
            shown = ", ".join(f"{d} ({'/'.join(s)})" for d, s in many.head(10).iter_rows())
            raise CalibrationError(f"DRG(s) with stays in more than one sector cannot be calibrated per sector: {shown}")
        for d, sec in pairs.iter_rows():
            out.setdefault(d, sec)
    out.update(given or {})
    return out


def calibrate(
    raw: RawWeights,
    *,
    old_weights: pl.DataFrame,
    activity_old: pl.DataFrame,
    activity_new: pl.DataFrame | None = None,
    places: int = WEIGHT_PLACES,
    drg_sektor: Mapping[str, str] | None = None,
) -> Calibration:
    """Scale the raw weights so each sector's new total equals its old total (budget neutrality).

    `activity_old` is the base activity grouped with the old logic; `activity_new` the same
    activity regrouped with the new logic (defaults to `activity_old`). Low-volume DRGs, and
    PHV/TSB DRGs with a priced weight (TD97, structured day offers, [004] 1199-1209), keep
    their old weight, trimpunkt and per-day weight unscaled (they are already in points);
    each sector's factor is found on the rest: f_s = (T_old,s − P_low,s) / P_raw,s.
    A DRG with stays in two sectors is an error; one with a KPP estimate but no stays takes
    its sector from `drg_sektor` (needed only when there are several sectors).
    """
    activity_new = activity_old if activity_new is None else activity_new
    sectors = sectors_in(activity_old, activity_new)
    where = _drg_sectors(activity_new, activity_old, drg_sektor)
    old = {r["drg"]: r for r in _weights_for_join(old_weights).iter_rows(named=True)}

    est_rows, low_rows = [], []
    for r in raw.table.iter_rows(named=True):
        d = r["drg"]
        if d in raw.raw:
            w, per_day = raw.raw[d]
            est_rows.append({"drg": d, "vekt": to_decimal(w, places),
                             "trimpunkt": r["trimpunkt"],
                             "vekt_per_dag": to_decimal(per_day, places) if per_day is not None else None})
        elif d in old:
            low_rows.append({"drg": d, "vekt": old[d]["vekt"], "trimpunkt": old[d]["trimpunkt"],
                             "vekt_per_dag": old[d]["vekt_per_dag"]})
    schema: dict[str, PolarsDataType] = {"drg": pl.String, "vekt": WEIGHT_DTYPE, "trimpunkt": pl.Int64, "vekt_per_dag": WEIGHT_DTYPE}
    est_df = pl.DataFrame(est_rows, schema=schema)
    low_df = pl.DataFrame(low_rows, schema=schema)

    factors: dict[str, Fraction] = {}
    totals_old: dict[str, Decimal] = {}
    p_low_all = Decimal(0)
    for sec in sectors:
        a_old = in_sector(activity_old, sec)
        a_new = in_sector(activity_new, sec)
        totals_old[sec] = points_total(a_old, old_weights)
        p_raw = Fraction(0)
        for drg, _v, _p, n, over in _cells(a_new, est_df, []).iter_rows():
            if drg in raw.raw:
                w, per_day = raw.raw[drg]
                p_raw += int(n) * w + (int(over) * per_day if per_day is not None else 0)
        p_low = points_total(a_new, low_df)
        p_low_all += p_low
        if p_raw == 0 and totals_old[sec] == p_low:
            factors[sec] = Fraction(1)  # every DRG of the sector kept its weight (PHV/TSB before 2022)
            continue
        if p_raw == 0:
            raise CalibrationError(f"the estimated weights give no points on the new activity ({SECTOR_LABELS.get(sec, sec)})")
        factors[sec] = (Fraction(totals_old[sec]) - Fraction(p_low)) / Fraction(p_raw)

    def factor_of(d: str) -> Fraction:
        sec = where.get(d, sectors[0] if len(sectors) == 1 else None)
        if sec not in factors:
            raise CalibrationError(f"DRG {d} has a KPP estimate but no stays in the activity of any calibrated "
                                   f"sector {sectors}: give its sector (drg_sektor)")
        return factors[sec]

    out = []
    for r in raw.table.iter_rows(named=True):
        d = r["drg"]
        base = {"drg": d, "navn": r["navn"], "gjsn_liggetid": r["gjsn_liggetid"],
                "dagkirurgi": r["dagkirurgi"], "n_grunnlag": r["n_grunnlag"], "n_hf": r["n_hf"],
                "sektor": where.get(d, sectors[0] if len(sectors) == 1 else None)}
        if d in raw.raw:
            w, per_day = raw.raw[d]
            f = factor_of(d)
            base |= {"vekt": to_decimal(w * f, places),
                     "trimpunkt": r["trimpunkt"],
                     "vekt_per_dag": to_decimal(per_day * f, places)
                     if per_day is not None else None,
                     "regel": raw.regel.get(d, "kpp")}
        elif d in old:
            kept = "prissatt_vekt" if raw.regel.get(d) == "prissatt_vekt" else "lavt_volum_gammel_vekt"
            base |= {"vekt": old[d]["vekt"], "trimpunkt": old[d]["trimpunkt"],
                     "vekt_per_dag": old[d]["vekt_per_dag"], "regel": kept}
        else:
            missing = "prissatt_uten_vekt" if raw.regel.get(d) == "prissatt_vekt" else "lavt_volum_uten_vekt"
            base |= {"vekt": None, "trimpunkt": r["trimpunkt"], "vekt_per_dag": None, "regel": missing}
        out.append(base)
    weights = pl.DataFrame(
        out,
        schema={"drg": pl.String, "navn": pl.String, "vekt": WEIGHT_DTYPE, "trimpunkt": pl.Int32,
                "vekt_per_dag": WEIGHT_DTYPE, "gjsn_liggetid": pl.Decimal(38, 2),
                "dagkirurgi": pl.Boolean, "regel": pl.String, "n_grunnlag": pl.Int64, "n_hf": pl.Int64,
                "sektor": pl.String},
    ).select(*WEIGHTLIST_COLUMNS, "sektor", "regel", "n_grunnlag", "n_hf")
    totals = {sec: (totals_old[sec], points_total(in_sector(activity_new, sec), weights)) for sec in sectors}
    return Calibration(weights=weights, factors=factors, total_old=sum((t[0] for t in totals.values()), Decimal(0)),
                       total_new=sum((t[1] for t in totals.values()), Decimal(0)), low_volume_points=p_low_all,
                       totals=totals)
