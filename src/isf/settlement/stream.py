"""Settling a year in parts: the pure pieces a streaming or distributed run is made of.

A year does not fit in memory at national scale, so the run cuts it into parts and settles
each with the one kernel (`isf.settlement.settle.Settler`). A part must hold whole what
settlement looks at together:

* a patient (STG/TFG are per patient and period): rows go to bucket ``hash(pasient_id) % n``;
* a hospital stay (department stays sharing ``opphold_id`` merge into one unit);
* a kontakt_id (the STG/TFG engine refuses a kontakt_id that is not unique).

The bucket keeps patients whole. A stay or kontakt_id whose rows fall in different buckets
(bad data: an id shared by patients) links those buckets; linked buckets are settled as one
part (`work_units`, a union-find over bucket numbers). Each row carries its position in the
whole input (`ROW_INDEX`), so tie-breaks and carrier ids are the whole's and every part's
rows and units are exactly those of settling the whole at once. The tables of the parts add
up exactly (`Totals`, `isf.settlement.tables.combine`).

Pure: frames in, frames out; the local run (`isf.pipeline`) and the Spark adapter
(`isf.distributed.spark`) do the I/O.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import polars as pl

from isf.params.model import MissingParametersError, YearParams
from isf.settlement.frame import ROW_INDEX
from isf.settlement.settle import COVERAGE_SCHEMA, Settler, coverage_of
from isf.settlement.tables import TABLES, combine, unit_tables
from isf.stg_tfg import StgTfgDefinitions
from isf.weights.weightlist import WeightList

__all__ = [
    "BUCKET",
    "PART_ROWS",
    "ROW_INDEX",
    "Part",
    "Totals",
    "YearSetup",
    "bucket_count",
    "bucket_of",
    "link_keys",
    "linked_pairs",
    "settle_part",
    "work_units",
]

#: the bucket column of a spilled row
BUCKET = "_isf_del"
#: rows per part the local run aims at (memory of one part's settlement; `isf run` settles two at once)
PART_ROWS = 500_000
_SEED = 0x15F


@dataclass(frozen=True)
class YearSetup:
    """What every part of a year is settled with."""

    year: int
    weights: WeightList
    params: YearParams
    stg_tfg: StgTfgDefinitions | None


def bucket_count(rows: int, part_rows: int = PART_ROWS) -> int:
    """Buckets for about `rows` rows, so that a bucket is about `part_rows` rows."""
    return max(1, math.ceil(max(rows, 0) / max(part_rows, 1)))


def bucket_of(n: int, columns: Iterable[str] = ("pasient_id",)) -> pl.Expr:
    """The bucket (0..n-1) of a row: a hash of its pasient_id (null is one patient). For a frame
    with `columns` and no pasient_id (case strings: settlement takes every row as one patient's),
    every row is in bucket 0."""
    if "pasient_id" not in columns:
        return pl.lit(0, dtype=pl.Int32).alias(BUCKET)
    return (pl.col("pasient_id").cast(pl.String).hash(seed=_SEED) % n).cast(pl.Int32).alias(BUCKET)


def link_keys(frame: pl.DataFrame) -> pl.DataFrame:
    """(kind, key, bucket) for the kontakt_id and opphold_id of `frame`'s rows (unique): what
    may tie rows of different buckets together. `frame` has a `BUCKET` column."""
    parts = []
    for kind, col in ((0, "kontakt_id"), (1, "opphold_id")):
        if col in frame.columns:
            parts.append(frame.select(pl.lit(kind, dtype=pl.Int8).alias("kind"),
                                      pl.col(col).cast(pl.Int64, strict=False).alias("key"), pl.col(BUCKET))
                         .drop_nulls("key").unique())
    if not parts:
        return pl.DataFrame(schema={"kind": pl.Int8, "key": pl.Int64, BUCKET: pl.Int32})
    return pl.concat(parts)


def linked_pairs(keys: pl.DataFrame) -> list[tuple[int, int]]:
    """Pairs of buckets that share a kontakt_id or an opphold_id (from `link_keys` rows; all of
    a key's rows must be in `keys`, e.g. keys sharded by hash of the key)."""
    spans = (keys.unique().group_by("kind", "key").agg(pl.col(BUCKET).min().alias("a"), pl.col(BUCKET).alias("all"))
             .filter(pl.col("all").list.len() > 1).explode("all").filter(pl.col("all") != pl.col("a")))
    return [(int(a), int(b)) for a, b in spans.select("a", "all").unique().iter_rows()]


def work_units(n: int, pairs: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Buckets 0..n-1 grouped into parts: linked buckets together (union-find), in order."""
    parent = list(range(n))

    def root(b: int) -> int:
        while parent[b] != b:
            parent[b] = parent[parent[b]]
            b = parent[b]
        return b

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    units: dict[int, list[int]] = {}
    for b in range(n):
        units.setdefault(root(b), []).append(b)
    return [units[k] for k in sorted(units)]


@dataclass
class Part:
    """One part settled: what settlement adds to its rows (`Settler.row_outputs`, input order,
    with `ROW_INDEX`), its DRG units (input order of the carrying row) and STG/TFG units (each
    with `ROW_INDEX`), its tables and the counts of groups without weight."""

    row_outputs: pl.DataFrame
    drg_units: pl.DataFrame
    group_units: pl.DataFrame
    tables: dict[str, pl.DataFrame]
    coverage: pl.DataFrame


def settle_part(frame: pl.DataFrame, setup: YearSetup, *, lap: Callable[[str], None] | None = None) -> Part:
    """Settle one part (grouped rows with `ROW_INDEX`) of a year.

    Groups without weight are settled as not counting and counted in `Part.coverage` (the run
    decides whether to stop); missing parameters raise `MissingParametersError`. `lap(stage)`
    is called after each stage (stg_tfg, points, money, write: shaping the outputs) for
    the benchmark.
    """
    step = lap or (lambda _s: None)
    s = Settler(frame, weights=setup.weights, params=setup.params, year=setup.year)
    s.stg_tfg(setup.stg_tfg)
    step("stg_tfg")
    s.drg_points()
    step("points")
    s.money()
    step("money")
    outputs = s.row_outputs().with_columns(frame[ROW_INDEX].cast(pl.Int64))
    units = s.units(index=True)
    is_drg = units["type"] == "DRG"
    drg, groups = units.filter(is_drg), units.filter(~is_drg)
    step("write")
    tables = unit_tables(units.drop(ROW_INDEX))
    step("money")
    return Part(row_outputs=outputs, drg_units=drg, group_units=groups, tables=tables, coverage=s.coverage_counts)


@dataclass
class Totals:
    """The tables of a year, added up part by part (exactly), the coverage counts and the
    missing parameters of every part."""

    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    coverage_counts: list[pl.DataFrame] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)

    def add(self, tables: Mapping[str, pl.DataFrame], coverage: pl.DataFrame) -> None:
        for name, t in tables.items():
            self.tables[name] = combine(name, [self.tables[name], t]) if name in self.tables else t
        if coverage.height:
            self.coverage_counts.append(coverage)

    def add_missing(self, e: MissingParametersError) -> None:
        self.missing += [m for m in e.missing if m not in self.missing]

    def coverage(self, total_rows: int) -> pl.DataFrame:
        counts = (pl.concat(self.coverage_counts) if self.coverage_counts
                  else pl.DataFrame(schema={k: v for k, v in COVERAGE_SCHEMA.items() if k != "andel_rader"}))
        return coverage_of(counts, total_rows)

    def final_tables(self) -> dict[str, pl.DataFrame]:
        """Every table of `TABLES` (empty ones for a year without units)."""
        if not self.tables:
            return unit_tables(_empty_units())
        return {n: self.tables[n] for n in TABLES}


def _empty_units() -> pl.DataFrame:
    from isf.settlement.compute import COMPONENTS
    from isf.settlement.fixed import KRONER, POINTS

    schema: dict[str, pl.DataType] = {
        "type": pl.String(), "gruppe": pl.String(), "aar": pl.Int32(), "tertial": pl.Int8(), "maaned": pl.Int8(),
        "sektor": pl.String(), "bo_rhf": pl.String(), "bo_hf": pl.String(), "beh_rhf": pl.String(),
        "beh_hf": pl.String(), "mdc": pl.String(), "isf_tellende": pl.Boolean(),
        **{c: POINTS for c in (*COMPONENTS, "isf_poeng")}, "isf_kroner": KRONER,
    }
    return pl.DataFrame(schema=schema)
