"""Fixed-point numbers of settlement: points in integer ten-thousandths, kroner in Decimal øre.

Points are exact: weights with more than 4 decimals are rounded half up to 4 when used, and
every sum is a sum of integers. Output columns are ``Decimal(38, 4)`` (points) and
``Decimal(38, 2)`` (kroner), so Parquet, CSV and DuckDB hold the exact values.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import polars as pl

__all__ = ["E4", "KRONER", "POINTS", "SCALE", "e4_to_points", "from_e4", "kroner", "to_e4", "txt_e4"]

SCALE = 10_000
E4 = pl.Int64
POINTS = pl.Decimal(38, 4)
KRONER = pl.Decimal(38, 2)
_Q4 = Decimal("0.0001")
_ORE = Decimal("0.01")


def to_e4(d: Decimal) -> int:
    """Decimal points -> integer ten-thousandths, ROUND_HALF_UP."""
    return int(d.quantize(_Q4, rounding=ROUND_HALF_UP) * SCALE)


def from_e4(n: int) -> Decimal:
    """Integer ten-thousandths -> Decimal with 4 places."""
    return (Decimal(n) / SCALE).quantize(_Q4)


def txt_e4(e4: pl.Expr) -> pl.Expr:
    """Ten-thousandths as text without trailing zeros ('0.3', '1.0425', '-0.03'), for rule texts."""
    a = e4.abs()
    body = (pl.format("{}.{}", a // SCALE, (a % SCALE).cast(pl.String).str.zfill(4))
            .str.strip_chars_end("0").str.strip_chars_end("."))
    return pl.when(e4 < 0).then(pl.lit("-") + body).otherwise(body)


def e4_to_points(e4: pl.Expr) -> pl.Expr:
    """Ten-thousandths (Int64) -> exact Decimal(38, 4) points."""
    return e4.cast(POINTS) / SCALE


def kroner(points: Decimal, enhetspris: Decimal, isf_andel: Decimal) -> Decimal:
    """points × enhetspris × ISF share, rounded to øre ROUND_HALF_UP (the one money rule).

    >>> kroner(Decimal("112.721"), Decimal("45808"), Decimal("0.50"))
    Decimal('2581761.78')
    """
    return (points * enhetspris * isf_andel).quantize(_ORE, rounding=ROUND_HALF_UP)
