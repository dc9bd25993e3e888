"""Benchmark: synthesise N contacts with the 2015 logic, then measure grouping alone,
end-to-end (read -> group -> write) and the I/O floor (plain read + write of the same file),
each in its own process so peak memory (RSS) is per phase.

    .venv/bin/python benchmarks/bench_grouping.py --rows 1000000 10000000 --workers 2

Prints one table of figures; nothing here asserts (speed is measured, never tested).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"


def _phase(phase: str, src: Path, out: Path, logic: str, workers: int) -> dict[str, float]:
    """Run one phase in a child process; returns its timing and peak RSS."""
    cmd = [sys.executable, __file__, "--phase", phase, "--src", str(src), "--out", str(out),
           "--logic", logic, "--workers", str(workers)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    assert proc.stdout is not None
    result = json.loads(proc.stdout.read() or "{}")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"phase {phase} failed")
    # ru_maxrss is the largest child of that process tree member we waited for (KiB on Linux);
    # the pool workers report their own peaks through the JSON.
    result["rss_gib"] = max(usage.ru_maxrss, result.get("worker_rss_kib", 0)) / 2**20
    result["wall_s"] = wall
    return result


def _run_phase(args: argparse.Namespace) -> None:
    import resource

    import pyarrow.parquet as pq

    from isf.batch.engine import group_batch, group_file, read_batches
    from isf.batch.kernel import GroupingCache
    from isf.definitions import load_logic

    src, out = Path(args.src), Path(args.out)
    res: dict[str, float] = {}
    if args.phase == "io":
        t = time.perf_counter()
        writer = None
        rows = 0
        for b in read_batches(src, "parquet"):
            if writer is None:
                writer = pq.ParquetWriter(out, b.schema)
            writer.write_batch(b)
            rows += b.num_rows
        assert writer is not None
        writer.close()
        res = {"rows": rows, "seconds": time.perf_counter() - t}
    elif args.phase == "group":
        logic = load_logic(args.logic)
        batches = list(read_batches(src, "parquet"))  # in memory first: time the kernel only
        cache = GroupingCache(logic)
        t = time.perf_counter()
        rows = 0
        for b in batches:
            group_batch(logic, b, cache=cache)
            rows += b.num_rows
        res = {"rows": rows, "seconds": time.perf_counter() - t, "memo_hits": cache.hits, "memo_misses": cache.misses}
    elif args.phase == "e2e":
        t = time.perf_counter()
        stats = group_file(args.logic, src, out, fmt="parquet", workers=args.workers)
        res = {"rows": stats.rows, "seconds": time.perf_counter() - t, "errors": stats.errors}
    res["worker_rss_kib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps(res))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, nargs="*", default=[1_000_000])
    ap.add_argument("--logic", default="NOR2015")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--phase")
    ap.add_argument("--src")
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.phase:
        _run_phase(args)
        return

    from isf.definitions import load_logic
    from isf.synth import write_synth

    DATA.mkdir(parents=True, exist_ok=True)
    logic = load_logic(args.logic)
    lines = []
    for n in args.rows:
        src = DATA / f"activity_{args.logic}_{n}.parquet"
        t = time.perf_counter()
        if not src.exists():
            write_synth(logic, src, rows=n, seed=args.seed, year=2025, fmt="parquet", quiet=True)
        synth_s = time.perf_counter() - t
        io = _phase("io", src, DATA / "io_copy.parquet", args.logic, 1)
        grp = _phase("group", src, DATA / "unused", args.logic, 1)
        e2e = _phase("e2e", src, DATA / f"grouped_{n}.parquet", args.logic, args.workers)
        lines.append(
            f"| {n:>10,} | {synth_s:6.1f} s | {grp['rows'] / grp['seconds']:>9,.0f}/s (1 process) "
            f"| {e2e['seconds']:6.1f} s = {e2e['rows'] / e2e['seconds']:>9,.0f}/s ({args.workers} proc) "
            f"| {io['seconds']:5.1f} s | {e2e['seconds'] / io['seconds']:4.1f}x | {e2e['rss_gib']:.2f} GiB |"
        )
    print("| rows | synth | grouping alone (in memory) | end-to-end read+group+write | I/O floor | e2e/floor | e2e peak RSS |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
