"""RBF indicators per region of residence and period: NPR ones from activity, others from a table.

`compute_indicators` is pure (DataFrame in, DataFrames out). Every input row comes back once, in
input order, with a `status` (`isf.errors.Status`), an `error` naming row and field when it is
invalid, and per NPR indicator whether it counts in the denominator (`nevner_<id>`) and the
numerator (`teller_<id>`). Counting rules (docs/rbf.md):

- A row belongs to the period of its `inn_dato` (contact date; admission date for a stay).
  T1 = 1 January - 30 April of the data year ([001] l.761-762 «1 01.01-30.04»), `aar` = the year.
- `telling = "kontakter"`: the denominator counts rows matching `nevner`; the numerator those that
  also match `teller`.
- `telling = "pasienter"`: the denominator counts distinct patients per region of residence with at
  least one row matching `nevner`; the numerator those of them with at least one row matching
  `teller` in the period. A patient counts in each region she lived in during the period.

`read_registers` checks the small registers table (indicators that are not computed from NPR
activity, such as NKI's discharge summaries, and optional data completeness per indicator).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

import numpy as np
import polars as pl

from isf.errors import InputError, Status
from isf.rbf.definitions import SECTORS, Indicator, RbfDefinitions, Selection
from isf.rbf.distribution import IndicatorValue, MissingResultsError

__all__ = [
    "ACTIVITY_COLUMNS",
    "PERIODS",
    "REGISTER_COLUMNS",
    "IndicatorRun",
    "RegisterError",
    "Registers",
    "compute_indicators",
    "demo_registers",
    "indicator_values",
    "period_bounds",
    "read_registers",
]

ACTIVITY_COLUMNS = ("kontakt_id", "pasient_id", "bo_rhf", "inn_dato", "omsorgsniva", "kontakt_type", "sektor", "prosedyrer")
#: T1 = first tertial of the data year, `aar` = the whole data year.
PERIODS = ("T1", "aar")
#: Columns of the registers table; `kompletthet` is optional (docs/rbf.md).
REGISTER_COLUMNS = ("indikator", "bo_rhf", "teller", "nevner", "kompletthet")
_OMSORGSNIVAA = (1, 2, 3, 8)


class RegisterError(InputError):
    """The registers table cannot be used; the message lists every bad row and field."""


@dataclass(frozen=True, slots=True)
class IndicatorRun:
    """Row status and per-region counts of the NPR indicators for one period."""

    rows: pl.DataFrame  # kontakt_id, rad, status, error, nevner_<id>, teller_<id> (input order)
    counts: pl.DataFrame  # indikator, bo_rhf, teller, nevner (every NPR indicator x region)
    period: str
    start: date
    end: date


@dataclass(frozen=True, slots=True)
class Registers:
    """Checked registers table: values of register indicators and data completeness."""

    values: dict[tuple[str, str], tuple[int, int]]  # (indikator, rhf) -> (teller, nevner)
    kompletthet: dict[tuple[str, str], Fraction]


def period_bounds(dataaar: int, period: str) -> tuple[date, date]:
    """First and last day of the data period (T1: 1 Jan - 30 Apr, [001] l.762)."""
    if period not in PERIODS:
        raise InputError(f"period must be one of {', '.join(PERIODS)}, got {period!r}")
    return date(dataaar, 1, 1), date(dataaar, 4, 30) if period == "T1" else date(dataaar, 12, 31)


def region_name(expr: pl.Expr) -> pl.Expr:
    """Region names as the definitions spell them: NPR's trailing ' RHF' is dropped."""
    return expr.cast(pl.String).str.strip_chars().str.replace(r"\s+RHF$", "")


def _as_date(df: pl.DataFrame, col: str) -> pl.Expr:
    dtype = df.schema[col]
    c = pl.col(col)
    if dtype == pl.Date:
        return c
    if isinstance(dtype, pl.Datetime):
        return c.dt.date()
    if dtype == pl.String:
        return c.str.strip_chars().str.to_date("%Y-%m-%d", strict=False)
    return c.cast(pl.Date, strict=False)


def _as_codes(df: pl.DataFrame) -> pl.Expr:
    dtype = df.schema["prosedyrer"]
    c = pl.col("prosedyrer")
    if dtype == pl.String:  # CSV: '|'-joined
        c = c.fill_null("").str.split("|")
    elif dtype == pl.Null:
        return pl.lit([], dtype=pl.List(pl.String))
    return c.cast(pl.List(pl.String), strict=False).fill_null([]).list.eval(pl.element().str.strip_chars())


def _prepare(activity: pl.DataFrame, regions: Sequence[str]) -> pl.DataFrame:
    missing = [c for c in ACTIVITY_COLUMNS if c not in activity.columns]
    if missing:
        raise InputError(f"activity lacks column(s): {', '.join(missing)} (see docs/data-model.md)")
    df = activity.select(
        pl.col("kontakt_id"),
        pl.col("pasient_id").cast(pl.String),
        region_name(pl.col("bo_rhf")).alias("bo_rhf"),
        _as_date(activity, "inn_dato").alias("inn_dato"),
        pl.col("omsorgsniva").cast(pl.Int64, strict=False),
        pl.col("kontakt_type").cast(pl.Int64, strict=False),
        pl.col("sektor").cast(pl.String),
        _as_codes(activity).alias("prosedyrer"),
    ).with_row_index("rad", offset=1)
    checks = [
        (pl.col("pasient_id").is_null() | (pl.col("pasient_id").str.strip_chars() == ""), "pasient_id mangler"),
        (pl.col("inn_dato").is_null(), "inn_dato mangler eller er ikke en dato"),
        (~pl.col("sektor").is_in(SECTORS).fill_null(False), "sektor er ikke somatikk, phv eller tsb"),
        (~pl.col("omsorgsniva").is_in(_OMSORGSNIVAA).fill_null(False), "omsorgsniva mangler eller er ukjent"),
        (~pl.col("bo_rhf").is_in(list(regions)).fill_null(False), "bo_rhf er ikke en av regionene"),
    ]
    parts = [pl.when(cond).then(pl.lit(msg)) for cond, msg in checks]
    errors = pl.concat_list(parts).list.drop_nulls()
    return df.with_columns(
        error=pl.when(errors.list.len() > 0)
        .then(pl.lit("rad ") + pl.col("rad").cast(pl.String) + pl.lit(": ") + errors.list.join("; "))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def _match(sel: Selection) -> pl.Expr:
    """The rows a selection takes (all conditions must hold; empty = no restriction)."""
    cond = pl.lit(True)
    if sel.sektor:
        cond = cond & pl.col("sektor").is_in(list(sel.sektor))
    if sel.omsorgsniva:
        cond = cond & pl.col("omsorgsniva").is_in(list(sel.omsorgsniva))
    if sel.kontakt_type:
        cond = cond & pl.col("kontakt_type").is_in(list(sel.kontakt_type)).fill_null(False)
    if sel.prosedyrer:
        cond = cond & pl.col("prosedyrer").list.eval(pl.element().is_in(list(sel.prosedyrer))).list.any()
    return cond.fill_null(False)


def compute_indicators(activity: pl.DataFrame, defs: RbfDefinitions, *, period: str) -> IndicatorRun:
    """NPR indicators per region of residence for `period` of the definitions' data year."""
    start, end = period_bounds(defs.dataaar, period)
    regions = defs.region_names
    df = _prepare(activity, regions)
    in_period = pl.col("inn_dato").is_between(start, end)
    df = df.with_columns(
        status=pl.when(pl.col("error").is_not_null()).then(pl.lit(Status.INVALID.value))
        .when(~in_period).then(pl.lit(Status.OUTSIDE_PERIOD.value))
        .otherwise(pl.lit(Status.OK.value))
    )
    ok = pl.col("status") == Status.OK.value
    npr = [ind for ind in defs.indicators if ind.from_activity]
    # Each distinct selection is evaluated once, as a boolean column of valid rows.
    sel_cols: dict[Selection, str] = {}
    for ind in npr:
        for sel in _parts(ind):
            sel_cols.setdefault(sel, f"_s{len(sel_cols)}")
    df = df.with_columns([(ok & _match(sel)).alias(name) for sel, name in sel_cols.items()])
    by_patient = [ind for ind in npr if ind.telling == "pasienter"]
    by_contact = [ind for ind in npr if ind.telling != "pasienter"]
    flags: list[pl.Expr] = []
    for ind in by_contact:
        n = pl.col(sel_cols[_parts(ind)[0]])
        flags += [n.alias(f"_n_{ind.id}"), (n & pl.col(sel_cols[_parts(ind)[1]])).alias(f"_t_{ind.id}")]
    patients = _patients(df, by_patient, sel_cols)
    if by_patient:
        # A row counts in a patient numerator when its patient is in the denominator population.
        df = df.join(patients.select("bo_rhf", "pasient_id", *(f"_pn_{i.id}" for i in by_patient)),
                     on=["bo_rhf", "pasient_id"], how="left", maintain_order="left")
    for ind in by_patient:
        nev, tel = (pl.col(sel_cols[s]) for s in _parts(ind))
        flags += [nev.alias(f"_n_{ind.id}"), (tel & pl.col(f"_pn_{ind.id}").fill_null(False)).alias(f"_t_{ind.id}")]
    df = df.with_columns(flags) if flags else df
    counts = _counts(df, patients, by_contact, by_patient, regions, [i.id for i in npr])
    rows = df.select("kontakt_id", "rad", "status", "error",
                     *(pl.col(f"_{p}_{i.id}").alias(f"{part}_{i.id}") for i in npr
                       for p, part in (("n", "nevner"), ("t", "teller"))))
    return IndicatorRun(rows=rows, counts=counts, period=period, start=start, end=end)


def _parts(ind: Indicator) -> tuple[Selection, Selection]:
    """(nevner, teller) of an NPR indicator."""
    if ind.nevner is None or ind.teller is None:  # parse_rbf refuses such an NPR indicator
        raise InputError(f"indicator {ind.id} has no numerator/denominator")
    return ind.nevner, ind.teller


def _patients(df: pl.DataFrame, by_patient: Sequence[Indicator], sel_cols: Mapping[Selection, str]) -> pl.DataFrame:
    """One row per (region, patient) with valid rows: in each denominator (`_pn_`) and with a
    numerator row (`_pt_`). One group-by for every patient indicator."""
    if not by_patient:
        return pl.DataFrame()
    aggs = []
    for ind in by_patient:
        nev, tel = (pl.col(sel_cols[s]) for s in _parts(ind))
        aggs += [nev.any().alias(f"_pn_{ind.id}"), tel.any().alias(f"_pt_{ind.id}")]
    return df.filter(pl.col("status") == Status.OK.value).group_by(["bo_rhf", "pasient_id"]).agg(aggs)


def _counts(
    df: pl.DataFrame, patients: pl.DataFrame, by_contact: Sequence[Indicator], by_patient: Sequence[Indicator],
    regions: Sequence[str], order: Sequence[str],
) -> pl.DataFrame:
    """teller and nevner per indicator and region (zeros where nothing counts), in `order`."""
    frames = []
    if by_contact:
        g = df.group_by("bo_rhf").agg(
            [e for i in by_contact for e in (pl.col(f"_t_{i.id}").sum().alias(f"t|{i.id}"),
                                            pl.col(f"_n_{i.id}").sum().alias(f"n|{i.id}"))])
        frames.append(g)
    if by_patient:
        g = patients.group_by("bo_rhf").agg(
            [e for i in by_patient for e in ((pl.col(f"_pn_{i.id}") & pl.col(f"_pt_{i.id}")).sum().alias(f"t|{i.id}"),
                                            pl.col(f"_pn_{i.id}").sum().alias(f"n|{i.id}"))])
        frames.append(g)
    grid = pl.DataFrame({"indikator": [i for i in order for _ in regions], "bo_rhf": [r for _ in order for r in regions]},
                        schema={"indikator": pl.String, "bo_rhf": pl.String})
    long = [f.unpivot(index="bo_rhf").with_columns(pl.col("variable").str.split_exact("|", 1)
                                                    .struct.rename_fields(["part", "indikator"])).unnest("variable")
            for f in frames]
    if not long:
        return grid.with_columns(teller=pl.lit(0, pl.Int64), nevner=pl.lit(0, pl.Int64))
    wide = (pl.concat(long).with_columns(pl.col("value").cast(pl.Int64))
            .pivot(on="part", index=["indikator", "bo_rhf"], values="value"))
    wide = wide.with_columns(pl.lit(None, pl.Int64).alias(c) for c in ("t", "n") if c not in wide.columns)
    return grid.join(wide, on=["indikator", "bo_rhf"], how="left", maintain_order="left").select(
        "indikator", "bo_rhf", pl.col("t").fill_null(0).alias("teller"), pl.col("n").fill_null(0).alias("nevner"))


def _fraction(value: object) -> Fraction | None:
    if value is None:
        return None
    try:
        return Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        return None


def _count(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    f = _fraction(value)
    return int(f) if f is not None and f.denominator == 1 else None


def read_registers(table: pl.DataFrame, defs: RbfDefinitions) -> Registers:
    """Check the registers table against the definitions; raises `RegisterError` listing every
    bad row (row numbers count data rows from 1; values are never echoed)."""
    missing = [c for c in REGISTER_COLUMNS[:4] if c not in table.columns]
    if missing:
        raise RegisterError(f"registers table lacks column(s): {', '.join(missing)}")
    unknown = [c for c in table.columns if c not in REGISTER_COLUMNS]
    if unknown:
        raise RegisterError(f"registers table has unknown column(s): {', '.join(unknown)}")
    ids = {i.id: i for i in defs.indicators}
    regions = set(defs.region_names)
    has_k = "kompletthet" in table.columns
    rhf = table.select(region_name(pl.col("bo_rhf")))["bo_rhf"].to_list()
    problems: list[str] = []
    values: dict[tuple[str, str], tuple[int, int]] = {}
    komp: dict[tuple[str, str], Fraction] = {}
    seen: set[tuple[str, str]] = set()
    for i, row in enumerate(table.iter_rows(named=True), start=1):
        bad: list[str] = []
        ind, reg = row["indikator"], rhf[i - 1]
        if ind not in ids:
            bad.append("indikator er ukjent")
        if reg not in regions:
            bad.append("bo_rhf er ikke en av regionene")
        teller, nevner = row["teller"], row["nevner"]
        given = teller is not None or nevner is not None
        t, n = _count(teller), _count(nevner)
        if ind in ids and ids[ind].from_activity and given:
            bad.append("teller/nevner: NPR-indikatorer beregnes fra aktiviteten")
        elif ind in ids and not ids[ind].from_activity:
            if t is None or t < 0:
                bad.append("teller må være et heltall >= 0")
            if n is None or n < 0:
                bad.append("nevner må være et heltall >= 0")
            if t is not None and n is not None and t > n:
                bad.append("teller er større enn nevner")
        k = _fraction(row.get("kompletthet")) if has_k else None
        if has_k and row.get("kompletthet") is not None and (k is None or not 0 <= k <= 1):
            bad.append("kompletthet må være en andel 0..1")
        if (ind, reg) in seen:
            bad.append("indikator og bo_rhf står to ganger")
        seen.add((ind, reg))
        if not given and k is None and not bad:
            bad.append("raden har verken teller/nevner eller kompletthet")
        if bad:
            problems.append(f"rad {i}: " + "; ".join(bad))
            continue
        if given and t is not None and n is not None:
            values[(ind, reg)] = (t, n)
        if k is not None:
            komp[(ind, reg)] = k
    if problems:
        shown = problems[:50] + ([f"... and {len(problems) - 50} more"] if len(problems) > 50 else [])
        raise RegisterError(f"registers table: {len(problems)} bad row(s): " + " | ".join(shown))
    return Registers(values=values, kompletthet=komp)


def indicator_values(
    defs: RbfDefinitions, counts: pl.DataFrame, registers: Registers | None, *, allow_missing: bool = False
) -> list[IndicatorValue]:
    """One result per (indicator, region). Register indicators without a row stop the run with
    the full list (`MissingResultsError`) unless `allow_missing`: then they have no result and
    completeness 0 (unless the table gives one). Completeness not in the table is the model's
    `standard_kompletthet` (DEMO)."""
    npr = {(r["indikator"], r["bo_rhf"]): (r["teller"], r["nevner"]) for r in counts.iter_rows(named=True)}
    regs = registers or Registers(values={}, kompletthet={})
    default = Fraction(defs.model.standard_kompletthet)
    out: list[IndicatorValue] = []
    missing: list[tuple[str, str]] = []
    for ind in defs.indicators:
        for reg in defs.region_names:
            key = (ind.id, reg)
            tn = npr.get(key) if ind.from_activity else regs.values.get(key)
            k = regs.kompletthet.get(key)
            if tn is None:
                if not ind.from_activity:
                    missing.append(key)
                    # Nothing reported: no result and, unless the table says otherwise, no completeness.
                    out.append(IndicatorValue(ind.id, reg, None, None, None, Fraction(0) if k is None else k))
                    continue
                tn = (0, 0)
            t, n = tn
            andel = Fraction(t, n) if n else None
            out.append(IndicatorValue(ind.id, reg, t, n, andel, default if k is None else k, kompletthet_demo=k is None))
    if missing and not allow_missing:
        raise MissingResultsError(missing)
    return out


def demo_registers(activity: pl.DataFrame, defs: RbfDefinitions, *, period: str, seed: int) -> pl.DataFrame:
    """DEMO registers table for the synthetic run: per register indicator and region, the
    denominator is the region's inpatient stays in the period (at least 50) and the numerator a
    DEMO share of 55-75 % drawn from `seed`. Not data: labelled DEMO wherever it surfaces."""
    start, end = period_bounds(defs.dataaar, period)
    regions = defs.region_names
    stays = (
        activity.select(region_name(pl.col("bo_rhf")).alias("bo_rhf"), _as_date(activity, "inn_dato").alias("d"),
                        pl.col("omsorgsniva").cast(pl.Int64, strict=False).alias("niva"))
        .filter((pl.col("niva") == 1) & pl.col("d").is_between(start, end))
        .group_by("bo_rhf").len()
    )
    n_by = dict(zip(stays["bo_rhf"].to_list(), stays["len"].to_list()))
    rng = np.random.default_rng(np.random.SeedSequence([seed % 2**32, defs.aar, 0x5BF]))
    rows = []
    for ind in defs.indicators:
        if ind.from_activity:
            continue
        for reg in regions:
            n = max(50, int(n_by.get(reg, 0)))
            share = 0.55 + 0.20 * float(rng.random())
            rows.append((ind.id, reg, int(n * share), n))
    return pl.DataFrame(rows, schema={"indikator": pl.String, "bo_rhf": pl.String, "teller": pl.Int64, "nevner": pl.Int64},
                        orient="row")
