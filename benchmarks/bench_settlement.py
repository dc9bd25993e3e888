"""Benchmark: `isf run` stages on synthetic activity, with the reconciliation figures.

    .venv/bin/python benchmarks/bench_settlement.py --rows 1000000 --year 2026

Synthesises activity (`isf synth`, plus STG trigger codes on a few contacts so that STG units
exist), groups it, settles it and writes the run folder through `isf.run.run_job`; prints each
stage's wall time, units per kind, peak RSS, and Σ units / Σ sorge_for / summary kroner.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import polars as pl
import pyarrow as pa

from isf.definitions import load_logic
from isf.run import run_job
from isf.synth import synth_activity


def with_stg_codes(df: pl.DataFrame) -> pl.DataFrame:
    """WPBA10 (XS08) on 1/31 of somatic outpatient contacts, IEAD00 (ACT) on 1/10 of PHV ones."""
    k, out3 = pl.col("kontakt_id"), pl.col("omsorgsniva") == 3
    code = (pl.when((pl.col("sektor") == "somatikk") & out3 & (k % 31 == 0)).then(pl.lit("WPBA10"))
            .when((pl.col("sektor") == "phv") & out3 & (k % 10 == 0)).then(pl.lit("IEAD00")))
    return df.with_columns(prosedyrer=pl.when(code.is_not_null()).then(pl.concat_list(pl.col("prosedyrer"), code))
                           .otherwise(pl.col("prosedyrer")))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--year", type=int, default=2026)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    lg = load_logic("demo")
    t0 = time.perf_counter()
    df = pl.from_arrow(pa.concat_tables(list(synth_activity(lg, rows=args.rows, seed=args.seed, year=args.year))))
    assert isinstance(df, pl.DataFrame)
    df = with_stg_codes(df)
    t_synth = time.perf_counter() - t0
    stages: list[tuple[str, float]] = []
    last = [time.perf_counter()]

    def step(name: str) -> None:
        now = time.perf_counter()
        stages.append((name, now - last[0]))
        last[0] = now

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        t1 = time.perf_counter()
        last[0] = t1
        res = run_job(logic=lg, activity=df, year=args.year, demo_params=True, out_dir=out, on_step=step)
        step("end")
        wall = time.perf_counter() - t1
        units = pl.read_parquet(out / "enheter.parquet")
        sf = pl.read_parquet(out / "sorge_for.parquet")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"rows {args.rows:,}, year {args.year}: synth {t_synth:.1f} s; run_job {wall:.1f} s "
          f"({args.rows / wall:,.0f} rows/s); peak RSS {rss:.2f} GiB")
    # each step's time is the time until the next step started (the first is the input check)
    names = ["check + parameters + weights", *[s for s, _ in stages[:-1]]]
    for name, (_, secs) in zip(names, stages, strict=False):
        print(f"  {secs:6.1f} s  {name}")
    print(units.group_by("type").agg(pl.len().alias("enheter"), pl.col("isf_tellende").sum().alias("tellende"),
                                     pl.col("isf_kroner").sum()).sort("type"))
    tot = res.summary.filter(pl.col("sektor") == "totalt")["isf_kroner"][0]
    print(f"Σ units {sum(units['isf_kroner'].to_list(), Decimal(0))} = Σ sorge_for {sum(sf['isf_kroner'].to_list(), Decimal(0))}"
          f" = summary {tot}")


if __name__ == "__main__":
    main()
