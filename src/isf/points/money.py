"""Kroner from points: Σ points × enhetspris × ISF share per sector, Decimal, rounded to øre.

Money is computed per aggregate from the exact points sum (points are 4-decimal fixed point),
never by adding per-row kroner, so an aggregate's kroner are rounded once (ROUND_HALF_UP).
Per-row kroner (`add_kroner`) are a convenience; their sum may differ from the aggregate by
rounding (at most half an øre per row).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

from isf.params.model import YearParams
from isf.points.rules import COMPONENTS, SCALE

__all__ = ["kroner", "exact_kroner", "money", "add_kroner", "aggregate", "KRONER_DTYPE"]

KRONER_DTYPE = pl.Decimal(38, 2)
_ORE = Decimal("0.01")


def exact_kroner(points: Decimal, enhetspris: Decimal, isf_andel: Decimal) -> Decimal:
    """Unrounded kroner of a points sum."""
    return points * enhetspris * isf_andel


def kroner(points: Decimal, enhetspris: Decimal, isf_andel: Decimal) -> Decimal:
    """points × enhetspris × ISF share, rounded to øre ROUND_HALF_UP.

    >>> kroner(Decimal("112.721"), Decimal("45808"), Decimal("0.50"))
    Decimal('2581761.78')
    """
    return exact_kroner(points, enhetspris, isf_andel).quantize(_ORE, rounding=ROUND_HALF_UP)


def _e4(col: str) -> pl.Expr:
    return (pl.col(col) * SCALE).round(0).cast(pl.Int64)


def _psek() -> pl.Expr:
    return pl.col("sektor").cast(pl.String).replace_strict(
        {"somatikk": "somatikk", "phv": "phv_tsb", "tsb": "phv_tsb"}, default=None, return_dtype=pl.String
    )


def _price(params: YearParams, sec: str) -> tuple[Decimal, Decimal]:
    return params.decimal(sec, "enhetspris"), params.decimal(sec, "isf_andel")


def aggregate(
    points_df: pl.DataFrame, *, by: Sequence[str], params: YearParams | None = None
) -> pl.DataFrame:
    """Sum rows and points per group of `by` (exact); with `params` also `isf_kroner`.

    Columns: *by, antall, antall_tellende, the five point components, isf_poeng, and
    (with params) isf_kroner as Decimal(38, 2), rounded once per group.
    """
    by = list(by)
    missing = [c for c in by if c not in points_df.columns]
    if missing:
        raise KeyError(f"cannot aggregate by {missing}: not columns of the points table")
    cols = [*COMPONENTS, "isf_poeng"]
    g = points_df.with_columns(_psek=_psek(), **{c: _e4(c) for c in cols}).group_by([*by, "_psek"]).agg(
        antall=pl.len().cast(pl.Int64),
        antall_tellende=pl.col("isf_tellende").sum().cast(pl.Int64),
        **{c: pl.col(c).sum() for c in cols},
    )
    if params is not None:
        prices: dict[str, tuple[Decimal, Decimal]] = {}
        values = []
        for sec, pts in zip(g["_psek"].to_list(), g["isf_poeng"].to_list()):
            if sec is None or pts == 0:
                values.append(Decimal(0))
                continue
            if sec not in prices:
                prices[sec] = _price(params, sec)
            values.append(exact_kroner(Decimal(pts) / SCALE, *prices[sec]))
        g = g.with_columns(_kr=pl.Series(values, dtype=pl.Decimal(38, 10)))
    aggs = [pl.col("antall").sum(), pl.col("antall_tellende").sum(), *[pl.col(c).sum() for c in cols]]
    if params is not None:
        aggs.append(pl.col("_kr").sum())
    out = g.group_by(by).agg(aggs) if by else g.select(aggs)
    out = out.with_columns(**{c: (pl.col(c).cast(pl.Float64) / SCALE).round(4) for c in cols})
    if params is not None:
        kr = [Decimal(str(v)).quantize(_ORE, rounding=ROUND_HALF_UP) for v in out["_kr"].to_list()]
        out = out.with_columns(isf_kroner=pl.Series(kr, dtype=KRONER_DTYPE)).drop("_kr")
    return out.sort(by, nulls_last=True) if by else out


def money(
    points_df: pl.DataFrame, params: YearParams, *, by: Sequence[str] = ()
) -> pl.DataFrame:
    """Kroner per sector (and `by`): isf_poeng, enhetspris, isf_andel, isf_kroner."""
    df = points_df.with_columns(_sektor_isf=_psek())
    keys = [*by, "_sektor_isf"]
    agg = aggregate(df.filter(pl.col("_sektor_isf").is_not_null()), by=keys, params=params)
    secs = agg["_sektor_isf"].to_list()
    prices = {s: _price(params, s) for s in set(secs)}
    return agg.rename({"_sektor_isf": "sektor_isf"}).with_columns(
        enhetspris=pl.Series([prices[s][0] for s in secs], dtype=pl.Decimal(38, 2)),
        isf_andel=pl.Series([prices[s][1] for s in secs], dtype=pl.Decimal(38, 4)),
    ).select([*by, "sektor_isf", "antall", "antall_tellende", "isf_poeng", "enhetspris", "isf_andel", "isf_kroner"])


def add_kroner(points_df: pl.DataFrame, params: YearParams) -> pl.DataFrame:
    """Per-row `isf_kroner` (Decimal, øre); prices are needed only for sectors with points."""
    secs = points_df.with_columns(_psek=_psek())["_psek"].to_list()
    pts = points_df["isf_poeng"].to_list()
    prices: dict[str, tuple[Decimal, Decimal]] = {}
    out = []
    for sec, p in zip(secs, pts):
        if sec is None or not p:
            out.append(Decimal("0.00"))
            continue
        if sec not in prices:
            prices[sec] = _price(params, sec)
        out.append(kroner(Decimal(round(p * SCALE)) / SCALE, *prices[sec]))
    return points_df.with_columns(isf_kroner=pl.Series(out, dtype=KRONER_DTYPE))
