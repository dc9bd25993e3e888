"""The batch kernel runs inside polars and DuckDB (the adapters shown in docs/grouping.md)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from isf.batch.engine import group_dataframe
from isf.batch.fast import GroupingRun
from isf.batch.kernel import group_record_batch
from isf.synth import synth_activity


def test_polars_and_duckdb_adapters_agree(demo_logic, tmp_path: Path):
    table = pa.concat_tables(synth_activity(demo_logic, rows=3_000, seed=5, year=2025))
    path = tmp_path / "activity.parquet"
    pl.from_arrow(table).write_parquet(path)
    grouped = group_dataframe(demo_logic, pl.read_parquet(path))
    assert grouped.height == 3_000 and grouped["kontakt_id"].to_list() == table["kontakt_id"].to_pylist()
    assert set(grouped["status"].unique()) == {"ok"}

    run = GroupingRun.for_logic(demo_logic)  # one run across the reader's batches
    reader = duckdb.sql(f"select * from '{path}' order by kontakt_id").to_arrow_reader(1_000)
    drgs: list[str] = []
    for b in reader:
        drgs += group_record_batch(demo_logic, b, run=run).column("drg").to_pylist()
    assert drgs == grouped["drg"].to_list()

    # polars map_batches: the kernel as an expression over a struct of the needed columns
    cols = ["kjonn", "alder_dager", "utskr_maate", "liggetid", "hdiag", "hdiag2", "bdiag", "prosedyrer"]
    out = pl.read_parquet(path).select(
        pl.struct(cols).map_batches(
            lambda s: pl.from_arrow(
                group_record_batch(demo_logic, pa.RecordBatch.from_struct_array(s.to_arrow())).column("drg")
            ),
            return_dtype=pl.String,
        ).alias("drg")
    )
    assert out["drg"].to_list() == grouped["drg"].to_list()
