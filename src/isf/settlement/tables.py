"""Aggregates of the financed units: each an exact sum of unit values, combinable across parts.

Every table is a group-by sum of the units' `isf_poeng` (Decimal, 4 places) and `isf_kroner`
(Decimal, øre): nothing is rounded after the unit, so Σ units = Σ any table = the summary, to
the øre. `combine(name, parts)` adds tables of the same name computed on partitions of a year
(e.g. by patient) and gives exactly the table of the whole.

The output contract (docs/data-model.md): ``sorge_for`` has one row per (aar, bo_rhf, sektor)
and the columns ``aar,bo_rhf,sektor,isf_poeng,isf_kroner``; ``sorge_for_hf`` the same per
``bo_hf``. Both sum the counting units of every kind (DRG, STG, TFG).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import polars as pl

from isf.settlement.compute import COMPONENTS
from isf.settlement.fixed import KRONER, POINTS
from isf.settlement.rules import PARAM_SECTOR

__all__ = ["CONTRACT", "TABLES", "aggregate", "combine", "summary", "summary_of", "total", "unit_tables"]

#: table -> (grouping columns, counting units only)
TABLES: dict[str, tuple[tuple[str, ...], bool]] = {
    "sorge_for": (("aar", "bo_rhf", "sektor"), True),
    "sorge_for_hf": (("aar", "bo_hf", "sektor"), True),
    "sektor": (("aar", "sektor", "type"), False),
    "beh_hf": (("aar", "beh_rhf", "beh_hf", "sektor"), False),
    "tertial": (("aar", "tertial", "sektor"), False),
    "maaned": (("aar", "maaned", "sektor"), False),
    "gruppe": (("aar", "sektor", "type", "gruppe"), False),
    "mdc": (("aar", "sektor", "mdc"), False),
}
#: the tables whose columns are a contract users' scripts rely on
CONTRACT = {
    "sorge_for": ("aar", "bo_rhf", "sektor", "isf_poeng", "isf_kroner"),
    "sorge_for_hf": ("aar", "bo_hf", "sektor", "isf_poeng", "isf_kroner"),
}
_COUNTS = ("antall", "antall_tellende")
#: every key of every table, and whether the unit counts
_KEYS = tuple(sorted({k for by, _ in TABLES.values() for k in by} | {"type", "isf_tellende"}))
_VALUES = (*COMPONENTS, "isf_poeng", "isf_kroner")


def _sum(df: pl.DataFrame, by: tuple[str, ...], values: tuple[str, ...]) -> pl.DataFrame:
    aggs = [pl.col(c).sum() for c in values]
    out = df.group_by(list(by)).agg(aggs) if by else df.select(aggs)
    return out.sort(list(by), nulls_last=True) if by else out


def _columns(name: str) -> tuple[str, ...]:
    by, _ = TABLES[name]
    return CONTRACT.get(name, (*by, *_COUNTS, *_VALUES))


def _partial(units: pl.DataFrame) -> pl.DataFrame:
    """The units summed by every key any table uses (one row per distinct key combination):
    the counts and the exact values. Each table is then a small sum of this one."""
    # A sector outside the data model is one row "ukjent", never the input text (its units
    # never count, and tables and summaries must not echo input values).
    sektor = pl.when(pl.col("sektor").is_in(list(PARAM_SECTOR))).then(pl.col("sektor")).otherwise(pl.lit("ukjent"))
    per_unit = units.select(
        *(k for k in _KEYS if k not in ("sektor", "isf_tellende")),
        sektor=sektor,
        isf_tellende=pl.col("isf_tellende"),
        antall=pl.lit(1, dtype=pl.Int64),
        antall_tellende=pl.col("isf_tellende").cast(pl.Int64),
        **{c: pl.col(c).cast(POINTS) for c in (*COMPONENTS, "isf_poeng")},
        isf_kroner=pl.col("isf_kroner").cast(KRONER),
    )
    return per_unit.group_by(list(_KEYS)).agg(pl.col([*_COUNTS, *_VALUES]).sum())


def _table(part: pl.DataFrame, name: str) -> pl.DataFrame:
    by, counting_only = TABLES[name]
    df = part.filter(pl.col("isf_tellende")) if counting_only else part
    if name == "mdc":
        df = df.filter(pl.col("type") == "DRG")
    cols = _columns(name)
    return _sum(df, by, tuple(c for c in (*_COUNTS, *_VALUES) if c in cols)).select(cols)


def aggregate(units: pl.DataFrame, name: str) -> pl.DataFrame:
    """Table `name` of `TABLES` from a units table (or a part of one)."""
    return _table(_partial(units), name)


def combine(name: str, parts: Iterable[pl.DataFrame]) -> pl.DataFrame:
    """Table `name` of a whole from the same table of its parts (exact: sums of sums)."""
    by, _ = TABLES[name]
    cols = _columns(name)
    return _sum(pl.concat(list(parts), how="vertical_relaxed"), by, tuple(c for c in cols if c not in by)).select(cols)


def unit_tables(units: pl.DataFrame, names: Iterable[str] | None = None) -> dict[str, pl.DataFrame]:
    """Every table of `TABLES` (or those named) from `units`."""
    part = _partial(units)
    return {n: _table(part, n) for n in (names if names is not None else TABLES)}


def summary(units: pl.DataFrame) -> pl.DataFrame:
    """Per sector and unit type, then a 'totalt' row: units, counting units, points, kroner."""
    return summary_of(aggregate(units, "sektor"))


def summary_of(sektor_table: pl.DataFrame) -> pl.DataFrame:
    """The summary from a (possibly combined) ``sektor`` table: exact, like every table."""
    cols = ("sektor", "type", *_COUNTS, "isf_poeng", "isf_kroner")
    part = sektor_table.with_columns(pl.col("sektor").fill_null("(ukjent)"))
    body = _sum(part, ("sektor", "type"), cols[2:])
    tot = _sum(part, (), cols[2:]).with_columns(sektor=pl.lit("totalt"), type=pl.lit("alle")).select(cols)
    return pl.concat([body.select(cols), tot], how="vertical_relaxed")


def total(table: pl.DataFrame) -> Mapping[str, object]:
    """The 'totalt' row of a `summary` table as a dict."""
    return table.filter(pl.col("sektor") == "totalt").row(0, named=True)
