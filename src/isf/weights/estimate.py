"""Cost-weight (kostnadsvekt) estimation from KPP data, the "gjennomsnittsbasert modell".

Method from [004] §7 (2022 weights) and [001] §7.1 (2024 weights); every choice the seeds do
not make is listed in docs/weights.md. Steps, all pure and exact (integer øre sums, Fraction):

1. trimpunkt per DRG from the distribution of liggetid − utskrklar_dager of inpatient stays:
   floor(Q3 + k·IQR), k = 1.5 by default (Tukey fence; quantiles by linear interpolation).
2. Per HF×DRG, LOS cost is reduced by the share of LOS days that are utskrivningsklar days or
   days beyond the trimpunkt ("reduseres andelsmessig", [004]).
3. Copay is subtracted from outpatient and day-surgery costs (kr 375 in [004]).
4. Mean cost per DRG = cost base / stays over HFs with enough stays (>5 in 2022 [004],
   ≥5 from 2024 [001]).
5. Relative weight = DRG mean / overall mean cost per stay; per-day weight from the mean LOS
   cost per day.
6. Day-surgery pairs ([004] "Stimulering til bruk av dagkirurgi"); by default the pairs the
   seeds name for the weight year (`dagkirurgi_par_for`: 2026 adds 60N, 112B, 530/531, 361 and
   day births, [002] 730-746).
7. PHV/TSB ([004] §7.2, from 2022): KPP rows with `sektor` phv/tsb are not trimmed (no
   trimpunkt, no per-day weight: «med unntak av regler for trimming»); each DRG gets its own
   cost-based weight (TD11A included); TD97 and the structured outpatient day offers keep their
   priced weights (`prissatte_drg`; not estimated, the old weight is kept by calibration).
   Before 2022 every PHV/TSB DRG kept its (tariff-based) weight.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

import polars as pl

from isf.errors import IsfError
from isf.weights.kpp import validate_kpp

#: places kept for raw and calibrated weights; see docs/weights.md ("precision")
WEIGHT_PLACES = 12
WEIGHT_DTYPE = pl.Decimal(38, WEIGHT_PLACES)


class EstimationError(IsfError, ValueError):
    """No DRG could be estimated (empty or all-invalid KPP input)."""


#: [004] 1178: PHV/TSB outpatient weights are cost-based (KPP) from 2022
PHV_TSB_KPP_FRA = 2022
#: [004] 1199: «Vekten for TD97 Fysisk treningsterapi ... beholder sin prissatte vekt»; the DRGs of
#: the structured outpatient day offers (line 1205) are not named in the seeds: add them
PHV_TSB_PRISSATTE = ("TD97",)
PHV_TSB = ("phv", "tsb")


def dagkirurgi_par_for(aar: int) -> dict[str, list[str]]:
    """Day-surgery pairs {day DRG: [inpatient DRGs]} the seeds name for weight year `aar`.

    [000] 850-853: 59N and 60O are in the day-surgery solution (the 2025 status; assumed for
    earlier years too). [002] 730-746 from 2026: 60N (with 59N, 60O), 112B (with 112P), 530 and
    531 (with 530O), 361 (with 361O), and day births financed like uncomplicated vaginal births
    (373O with 373). The published lists hold more pairs: give them with `--pairs`.
    """
    if aar < 2026:
        return {"60O": ["59N"]}
    return {"60O": ["59N", "60N"], "112P": ["112B"], "530O": ["530", "531"], "361O": ["361"], "373O": ["373"]}


def min_stays_per_hf(aar: int) -> int:
    """Least stays an HF needs in a DRG for its costs to count, by weight year.

    2022: "mer enn 5 opphold/kontakter" [004] → 6. 2024: "minst 5" [001] → 5.
    2023 is not given; we assume the 2022 wording still applied (demo/assumed).
    """
    return 6 if aar < 2024 else 5


@dataclass(frozen=True)
class EstimateParams:
    """Options of the estimation. Defaults: seeds where given, else marked assumed."""

    aar: int = 2024
    #: k in trimpunkt = floor(Q3 + k·IQR) (assumed: the seeds do not define the trimpunkt)
    trim_iqr_factor: Fraction = Fraction(3, 2)
    #: None = `min_stays_per_hf(aar)`
    min_stays_hf: int | None = None
    #: flat copay subtracted from outpatient/day stays, øre ([004]: kr 375); None = reported
    egenandel_ore: int | None = 37500
    #: a DRG with fewer eligible HFs than this is low-volume (assumed)
    min_hf: int = 1
    #: a DRG with fewer eligible stays than this is low-volume (assumed)
    min_stays_drg: int = 10
    #: day-surgery DRG -> inpatient DRG(s) it pairs with ([004]); None = `dagkirurgi_par_for(aar)`
    dagkirurgi_par: Mapping[str, Sequence[str]] | None = None
    #: PHV/TSB DRGs that keep their priced weight ([004] 1199-1209)
    prissatte_drg: Sequence[str] = PHV_TSB_PRISSATTE

    def hf_threshold(self) -> int:
        return self.min_stays_hf if self.min_stays_hf is not None else min_stays_per_hf(self.aar)

    def pairs(self) -> Mapping[str, Sequence[str]]:
        return dagkirurgi_par_for(self.aar) if self.dagkirurgi_par is None else self.dagkirurgi_par


def to_decimal(value: Fraction, places: int = WEIGHT_PLACES) -> Decimal:
    """Exact fraction → Decimal rounded half-even to `places`."""
    with localcontext() as ctx:
        ctx.prec = 60
        d = Decimal(value.numerator) / Decimal(value.denominator)
        return d.quantize(Decimal(1).scaleb(-places))


def quantile_from_counts(counts: Sequence[tuple[int, int]], p: Fraction) -> Fraction:
    """Quantile by linear interpolation (Hyndman–Fan type 7, numpy's default), exact.

    `counts` = sorted (value, count) pairs. Why counts: LOS has few distinct values, so a
    million stays reduce to a few hundred pairs.
    """
    n = sum(c for _, c in counts)
    if n == 0:
        raise ValueError("quantile of an empty distribution")
    h = (n - 1) * p
    lo = math.floor(h)

    def order_stat(i: int) -> int:  # 0-based
        seen = 0
        for v, c in counts:
            seen += c
            if i < seen:
                return v
        return counts[-1][0]

    x_lo = order_stat(lo)
    x_hi = order_stat(min(lo + 1, n - 1))
    return x_lo + (h - lo) * (x_hi - x_lo)


def trimpunkt_from_counts(counts: Sequence[tuple[int, int]], k: Fraction) -> int:
    """floor(Q3 + k·IQR): a stay is beyond the trimpunkt exactly when it is a Tukey outlier."""
    q1 = quantile_from_counts(counts, Fraction(1, 4))
    q3 = quantile_from_counts(counts, Fraction(3, 4))
    return math.floor(q3 + k * (q3 - q1))


def _phv_tsb(df: pl.DataFrame) -> pl.Expr:
    """Rows of PHV/TSB (KPP `sektor` column; without it every row is somatic)."""
    if "sektor" not in df.columns:
        return pl.lit(False)
    return pl.col("sektor").cast(pl.String).is_in(PHV_TSB).fill_null(False)


def trimpunkter(kpp_ok: pl.DataFrame, k: Fraction) -> dict[str, int]:
    """trimpunkt per DRG from inpatient stays (omsorgsniva 1) of valid somatic KPP rows
    (PHV/TSB costs are not trimmed, [004] 1172-1176)."""
    counts = (
        kpp_ok.filter((pl.col("omsorgsniva") == 1) & ~_phv_tsb(kpp_ok))
        .group_by("drg", (pl.col("liggetid") - pl.col("utskrklar_dager")).alias("los"))
        .agg(pl.len().alias("n"))
        .sort("drg", "los")
    )
    by_drg: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for drg, los, n in counts.iter_rows():
        by_drg[drg].append((int(los), int(n)))
    return {drg: trimpunkt_from_counts(c, k) for drg, c in by_drg.items()}


def hf_cells(kpp_ok: pl.DataFrame, trim: Mapping[str, int], params: EstimateParams) -> pl.DataFrame:
    """Exact integer sums per DRG×HF: stays, cost, LOS cost, LOS days, excluded days, copay."""
    trim_df = pl.DataFrame(
        {"drg": list(trim), "trimpunkt": list(trim.values())},
        schema={"drg": pl.String, "trimpunkt": pl.Int64},
    )
    df = kpp_ok.join(trim_df, on="drg", how="left")
    over = pl.max_horizontal(
        pl.col("liggetid") - pl.col("utskrklar_dager") - pl.col("trimpunkt"), pl.lit(0)
    ).fill_null(0)
    inpatient = (pl.col("omsorgsniva") == 1) & ~_phv_tsb(kpp_ok)  # PHV/TSB: no trimming
    if params.egenandel_ore is None:
        copay = pl.col("egenandel_ore").fill_null(0)
    else:
        copay = pl.lit(params.egenandel_ore, dtype=pl.Int64)
    copay = pl.when(inpatient).then(0).otherwise(pl.min_horizontal(copay, pl.col("kostnad_ore")))
    df = df.with_columns(
        pl.when(inpatient).then(pl.col("utskrklar_dager") + over).otherwise(0).alias("excl"),
        pl.when(inpatient).then(pl.col("liggetid")).otherwise(0).alias("days"),
        pl.when(inpatient).then(pl.col("liggetidskostnad_ore")).otherwise(0).alias("los_cost"),
        copay.cast(pl.Int64).alias("copay"),
    )
    return (
        df.group_by("drg", "beh_hf")
        .agg(
            pl.len().alias("n"),
            pl.col("kostnad_ore").cast(pl.Int64).sum().alias("cost"),
            pl.col("los_cost").cast(pl.Int64).sum().alias("los_cost"),
            pl.col("days").cast(pl.Int64).sum().alias("days"),
            pl.col("excl").cast(pl.Int64).sum().alias("excl"),
            pl.col("copay").cast(pl.Int64).sum().alias("copay"),
            (pl.col("omsorgsniva") == 2).sum().alias("n_dag"),
        )
        .sort("drg", "beh_hf")
    )


def cell_cost_base(cost: int, los_cost: int, days: int, excl: int, copay: int) -> Fraction:
    """Trimmed cost base of one HF×DRG: cost − LOS cost × excluded/total days − copay."""
    trimmed = Fraction(los_cost * excl, days) if days else Fraction(0)
    return Fraction(cost) - trimmed - copay


@dataclass(frozen=True)
class DrgEstimate:
    """Exact intermediate values for one DRG (kept for explain/golden tests)."""

    drg: str
    n_kpp: int
    n_grunnlag: int
    n_hf: int
    trimpunkt: int | None
    snittkostnad: Fraction | None  # øre per stay, eligible HFs
    kostnad_per_dag: Fraction | None  # øre per LOS day, eligible HFs
    gjsn_liggetid: Fraction | None
    dagkirurgi: bool
    low_volume: bool
    prissatt: bool = False  # keeps its priced (old) weight: not estimated


@dataclass(frozen=True)
class RawWeights:
    """Result of `estimate_weights`: relative weights before calibration."""

    table: pl.DataFrame
    drgs: dict[str, DrgEstimate]
    normaliser: Fraction  # overall mean cost per stay, øre
    raw: dict[str, tuple[Fraction, Fraction | None]]  # drg -> (vekt, vekt_per_dag), exact
    regel: dict[str, str]


def _pair_components(pairs: Mapping[str, Sequence[str]]) -> list[tuple[list[str], list[str]]]:
    """Connected components of the day → inpatient pair graph as (day DRGs, inpatient DRGs)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for day, inpatients in pairs.items():
        for inp in inpatients:
            parent[find(day)] = find(inp)
        find(day)
    groups: dict[str, tuple[list[str], list[str]]] = {}
    days = set(pairs)
    for node in sorted(parent):
        root = find(node)
        g = groups.setdefault(root, ([], []))
        (g[0] if node in days else g[1]).append(node)
    return list(groups.values())


def apply_dagkirurgi_pairs(
    raw: dict[str, tuple[Fraction, Fraction | None]],
    volume: Mapping[str, int],
    pairs: Mapping[str, Sequence[str]],
) -> tuple[dict[str, tuple[Fraction, Fraction | None]], dict[str, str]]:
    """Equal weights for day-surgery pairs, keeping the group's cost mass ([004]).

    The side with more DRGs (inpatient on a tie) is the reference side: its relative
    differences are kept ("de relative forskjellene … opprettholdt"); every DRG on the other
    side gets the volume-weighted mean of the reference side. A single scale s keeps
    Σ volume × weight of the group unchanged. One-to-one pairs thus get one common weight,
    the volume-weighted mean of the two. Only DRGs with a cost estimate take part.
    """
    out = dict(raw)
    regel: dict[str, str] = {}
    for day_side, inp_side in _pair_components(pairs):
        day_side = [d for d in day_side if d in raw]
        inp_side = [d for d in inp_side if d in raw]
        if not day_side or not inp_side:
            continue
        ref, other = (day_side, inp_side) if len(day_side) > len(inp_side) else (inp_side, day_side)
        n_ref = sum(volume.get(d, 0) for d in ref)
        n_other = sum(volume.get(d, 0) for d in other)
        if n_ref == 0:
            continue
        mass = sum((volume.get(d, 0) * raw[d][0] for d in ref + other), Fraction(0))
        ref_mass = sum((volume.get(d, 0) * raw[d][0] for d in ref), Fraction(0))
        mean_ref = ref_mass / n_ref
        denom = ref_mass + n_other * mean_ref
        if denom == 0:
            continue
        s = mass / denom
        for d in ref:
            out[d] = (s * raw[d][0], raw[d][1])
            regel[d] = "dagkirurgi_par"
        for d in other:
            out[d] = (s * mean_ref, raw[d][1])
            regel[d] = "dagkirurgi_par"
    return out, regel


def estimate_weights(
    kpp: pl.DataFrame,
    *,
    params: EstimateParams | None = None,
    names: Mapping[str, str] | None = None,
) -> RawWeights:
    """Relative cost weights per DRG from KPP records (uncalibrated; see `calibrate`)."""
    params = params or EstimateParams()
    checked = validate_kpp(kpp)
    ok = checked.filter(pl.col("status") == "ok").with_columns(
        pl.when(pl.col("omsorgsniva") == 8).then(3).otherwise(pl.col("omsorgsniva"))
        .cast(pl.Int8).alias("omsorgsniva")
    )
    if ok.height == 0:
        raise EstimationError("no valid KPP rows")
    trim = trimpunkter(ok, params.trim_iqr_factor)
    cells = hf_cells(ok, trim, params)
    threshold = params.hf_threshold()
    pairs = params.pairs()
    phv_drgs = set(ok.filter(_phv_tsb(ok))["drg"].unique().to_list())
    priced = set(params.prissatte_drg) if params.aar >= PHV_TSB_KPP_FRA else phv_drgs

    los_stats = (
        ok.filter(pl.col("omsorgsniva") == 1)
        .group_by("drg")
        .agg(pl.len().alias("n"), pl.col("liggetid").cast(pl.Int64).sum().alias("d"))
    )
    snitt_lt = {d: Fraction(int(s), int(n)) for d, n, s in los_stats.iter_rows()}

    acc: dict[str, dict[str, Fraction | int]] = {}
    for drg, _hf, n, cost, los_cost, days, excl, copay, n_dag in cells.iter_rows():
        a = acc.setdefault(
            drg, {"n_kpp": 0, "n": 0, "n_hf": 0, "base": Fraction(0), "lc": 0, "ld": 0, "n_dag": 0}
        )
        a["n_kpp"] = int(a["n_kpp"]) + n
        a["n_dag"] = int(a["n_dag"]) + n_dag
        if n >= threshold:
            a["n"] = int(a["n"]) + n
            a["n_hf"] = int(a["n_hf"]) + 1
            a["base"] = Fraction(a["base"]) + cell_cost_base(cost, los_cost, days, excl, copay)
            a["lc"] = int(a["lc"]) + los_cost
            a["ld"] = int(a["ld"]) + days

    drgs: dict[str, DrgEstimate] = {}
    for drg, a in sorted(acc.items()):
        n_g, n_hf = int(a["n"]), int(a["n_hf"])
        low = n_hf < max(params.min_hf, 1) or n_g < params.min_stays_drg
        drgs[drg] = DrgEstimate(
            drg=drg,
            n_kpp=int(a["n_kpp"]),
            n_grunnlag=n_g,
            n_hf=n_hf,
            trimpunkt=trim.get(drg),
            snittkostnad=Fraction(a["base"]) / n_g if n_g else None,
            kostnad_per_dag=Fraction(int(a["lc"]), int(a["ld"])) if int(a["ld"]) else None,
            gjsn_liggetid=snitt_lt.get(drg),
            dagkirurgi=drg in pairs or 2 * int(a["n_dag"]) > int(a["n_kpp"]),
            low_volume=low,
            prissatt=drg in priced,
        )

    est = [e for e in drgs.values() if not e.low_volume and not e.prissatt]
    total_n = sum(e.n_grunnlag for e in est)
    if total_n == 0:
        raise EstimationError("no DRG has enough stays for a cost estimate")
    normaliser = sum((Fraction(acc[e.drg]["base"]) for e in est), Fraction(0)) / total_n
    if normaliser <= 0:
        raise EstimationError("overall mean cost is not positive")

    raw: dict[str, tuple[Fraction, Fraction | None]] = {}
    for e in est:
        assert e.snittkostnad is not None
        per_day = e.kostnad_per_dag / normaliser if e.kostnad_per_dag is not None else None
        raw[e.drg] = (e.snittkostnad / normaliser, per_day if e.trimpunkt is not None else None)
    regel = {d: "kpp" for d in raw}
    volume = {e.drg: e.n_grunnlag for e in est}
    raw, pair_regel = apply_dagkirurgi_pairs(raw, volume, pairs)
    regel.update(pair_regel)
    for d, e in drgs.items():
        if e.prissatt:
            regel[d] = "prissatt_vekt"
        elif e.low_volume:
            regel[d] = "lavt_volum"

    table = _raw_table(drgs, raw, regel, names or {})
    return RawWeights(table=table, drgs=drgs, normaliser=normaliser, raw=raw, regel=regel)


def _raw_table(
    drgs: Mapping[str, DrgEstimate],
    raw: Mapping[str, tuple[Fraction, Fraction | None]],
    regel: Mapping[str, str],
    names: Mapping[str, str],
) -> pl.DataFrame:
    rows = []
    for d, e in drgs.items():
        w = raw.get(d)
        rows.append(
            {
                "drg": d,
                "navn": names.get(d),
                "vekt_raa": to_decimal(w[0]) if w else None,
                "trimpunkt": e.trimpunkt,
                "vekt_per_dag_raa": to_decimal(w[1]) if w and w[1] is not None else None,
                "gjsn_liggetid": to_decimal(e.gjsn_liggetid, 2) if e.gjsn_liggetid is not None else None,
                "dagkirurgi": e.dagkirurgi,
                "n_kpp": e.n_kpp,
                "n_grunnlag": e.n_grunnlag,
                "n_hf": e.n_hf,
                "snittkostnad_kr": to_decimal(e.snittkostnad / 100, 2) if e.snittkostnad is not None else None,
                "regel": regel.get(d, "kpp"),
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "drg": pl.String,
            "navn": pl.String,
            "vekt_raa": WEIGHT_DTYPE,
            "trimpunkt": pl.Int32,
            "vekt_per_dag_raa": WEIGHT_DTYPE,
            "gjsn_liggetid": pl.Decimal(38, 2),
            "dagkirurgi": pl.Boolean,
            "n_kpp": pl.Int64,
            "n_grunnlag": pl.Int64,
            "n_hf": pl.Int64,
            "snittkostnad_kr": pl.Decimal(38, 2),
            "regel": pl.String,
        },
    )


# --- STG weights from H-resept settlement data -----------------------------------------------

def stg_weights(hresept: pl.DataFrame, *, normaliser: Fraction) -> pl.DataFrame:
    """Relative STG weight = mean cost per patient per period per STG / `normaliser`.

    "gjennomsnittskostnad per pasient per tidsperiode per STG" ([001] §7.1; [004]). Input
    columns: pasient_id, periode, stg, kostnad_ore. A patient counts once per period and STG.
    """
    agg = (
        hresept.filter(pl.col("kostnad_ore").is_not_null() & pl.col("stg").is_not_null())
        .group_by("stg")
        .agg(
            pl.col("kostnad_ore").cast(pl.Int64).sum().alias("cost"),
            pl.struct("pasient_id", "periode").n_unique().alias("n"),
        )
        .sort("stg")
    )
    rows = []
    for stg, cost, n in agg.iter_rows():
        mean = Fraction(int(cost), int(n))
        rows.append(
            {"stg": stg, "n_pasient_perioder": n, "snittkostnad_kr": to_decimal(mean / 100, 2),
             "vekt_raa": to_decimal(mean / normaliser)}
        )
    return pl.DataFrame(
        rows,
        schema={"stg": pl.String, "n_pasient_perioder": pl.Int64,
                "snittkostnad_kr": pl.Decimal(38, 2), "vekt_raa": WEIGHT_DTYPE},
    )

