"""Benchmark: cost-weight estimation, calibration and effects on ≥1M synthetic stays.

Run: .venv/bin/python benchmarks/bench_weights.py [N]   (default 1 000 000)
Prints wall times, total points before/after calibration (must be equal to the 3 decimals
shown) and the redistribution per RHF and HF (changes must sum to 0).
"""

from __future__ import annotations

import sys
import time
from decimal import Decimal

import numpy as np
import polars as pl

from isf.synth.kpp import demo_drgs, demo_grouped_activity, synth_kpp, true_relative_cost
from isf.weights.calibrate import calibrate
from isf.weights.effects import TOTAL_LABEL, effects, format_no
from isf.weights.estimate import EstimateParams, estimate_weights


def main(n: int) -> int:
    codes, pairs = demo_drgs()
    t0 = time.perf_counter()
    activity = demo_grouped_activity(n, seed=1)
    activity_new = activity.with_columns(
        pl.when((pl.col("drg") == "104") & (pl.col("liggetid") > 5)).then(pl.lit("105"))
        .otherwise(pl.col("drg")).alias("drg")
    )
    kpp = synth_kpp(activity_new, seed=2)
    rng = np.random.default_rng(3)
    old = pl.DataFrame(
        {"drg": codes,
         "vekt": [Decimal(str(round(true_relative_cost(c) * rng.uniform(0.8, 1.2), 3))) for c in codes],
         "trimpunkt": [12] * len(codes), "vekt_per_dag": [Decimal("0.050")] * len(codes)},
        schema={"drg": pl.String, "vekt": pl.Decimal(38, 12), "trimpunkt": pl.Int64, "vekt_per_dag": pl.Decimal(38, 12)},
    )
    t1 = time.perf_counter()
    raw = estimate_weights(kpp, params=EstimateParams(aar=2024, dagkirurgi_par={d: [i] for d, i in pairs.items()}))
    cal = calibrate(raw, old_weights=old, activity_old=activity, activity_new=activity_new)
    t2 = time.perf_counter()
    tables = {by: effects(activity, old, cal.weights, by=(by,), activity_new=activity_new) for by in ("bo_rhf", "beh_hf")}
    t3 = time.perf_counter()

    print(f"stays: {n:,}".replace(",", " "))
    print(f"synthetic data: {t1 - t0:.2f} s; estimate + calibrate: {t2 - t1:.2f} s; effects RHF+HF: {t3 - t2:.2f} s")
    print(f"wall time estimate+calibrate+effects: {t3 - t1:.2f} s")
    print(f"calibration factor: {float(cal.factor):.12f}")
    print(f"total points old: {format_no(cal.total_old, 3)}")
    print(f"total points new: {format_no(cal.total_new, 3)}")
    ok = round(cal.total_old, 3) == round(cal.total_new, 3)
    for by, t in tables.items():
        print(f"\nEffekter {'RHF – sørge for' if by == 'bo_rhf' else 'HF'}")
        for r in t.iter_rows(named=True):
            print(f"  {r[by]:<40} {format_no(r['poeng_gammel'], 3):>16} {format_no(r['poeng_ny'], 3):>16} "
                  f"{format_no(r['endring'], 3):>12} {format_no(r['endring_pst'], 2):>8} %")
        total = t.filter(pl.col(by) == TOTAL_LABEL).row(0, named=True)
        ok = ok and total["endring"] == 0
    print("\nbudget neutral to the last decimal shown:", "yes" if ok else "NO")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000))
