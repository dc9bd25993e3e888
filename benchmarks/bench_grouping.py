"""Benchmark grouping: the native batch path on data that repeats (`isf synth`) and on data
that does not (`random_cases.py`: codes drawn uniformly from the logic's own tables), and
`isf group` end to end against its I/O floor.

    .venv/bin/python benchmarks/bench_grouping.py                      # 1M rows, both kinds
    .venv/bin/python benchmarks/bench_grouping.py --rows 1000000 10000000
    .venv/bin/python benchmarks/bench_grouping.py --rows 10000000 --no-alone --single-rows 0 --repeat 3  # isf group at 10M

Every figure comes from its own child process (peak RSS per phase). It prints:

* setup: loading the logic, compiling it (and its pickled size for worker processes), numba's
  loop cold and from its cache;
* single case: `isf.grouping.group` and `explain` per second (cases drawn from the same data);
* grouping alone: Arrow batches in memory -> result columns, on 1 and 2 threads of one
  process and in 2 processes (the compiled logic pickled to each), from Parquet columns and
  from NPK case strings; with the run's fact memo (size, hit rate) and the rows the row-by-row
  fallback took;
* end to end: the `isf group` command (a new process: imports, logic, compile and numba
  included) against the I/O floor of the same run (polars reads the input and writes it as
  Parquet), wall and peak RSS; with ``--repeat N`` the two run in turn N times and the pair
  with the median ratio is shown, with the range.

The load average at start and end says whether other work shared the machine. Nothing here
asserts: speed is measured, never tested.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
sys.path.insert(0, str(HERE))

Figures = dict[str, Any]


def _wait(cmd: list[str], env: dict[str, str] | None = None) -> tuple[str, float, float]:
    """Run `cmd`; (stdout, wall seconds, peak RSS GiB of the process)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd[:4])} ...")
    return out, wall, usage.ru_maxrss / 2**20


def _child(phase: str, **kw: Any) -> Figures:
    """Run one phase in a child process; its JSON figures plus wall time and peak RSS."""
    env = dict(os.environ)
    if kw.get("cold"):
        env["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="numba-cold-")
    out, wall, rss = _wait([sys.executable, __file__, "--phase", phase, "--args", json.dumps(kw)], env)
    res: Figures = json.loads(out.strip().splitlines()[-1])
    res["wall_s"], res["rss_gib"] = wall, max(rss, res.get("children_rss_kib", 0) / 2**20)
    return res


def _batches(src: str, rows: int, batch_rows: int) -> list[Any]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if src.endswith(".txt"):
        with open(src, encoding="utf-8") as fh:
            lines = [line.rstrip("\n") for _, line in zip(range(rows), fh, strict=False)]
        return [pa.RecordBatch.from_pydict({"case_string": lines[i:i + batch_rows]}) for i in range(0, len(lines), batch_rows)]
    table = pq.read_table(src).slice(0, rows)
    if "kontakt_id" in table.column_names:  # isf synth output: the data-model types, as `isf group` sees them
        from isf.activity import Chunk, typed_view

        table = typed_view(Chunk(table, list(range(1, table.num_rows + 1)), [None] * table.num_rows,
                                 [None] * table.num_rows))[0]
    return table.to_batches(max_chunksize=batch_rows)


# -- child phases ---------------------------------------------------------------------------
def _phase_setup(a: Figures) -> Figures:
    import pickle

    from isf.batch import native
    from isf.definitions import load_logic
    from isf.grouping.compiled import compile_logic

    t = time.perf_counter()
    logic = load_logic(a["logic"])
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    cl = compile_logic(logic)
    compile_s = time.perf_counter() - t
    blob = pickle.dumps(cl, protocol=5)
    t = time.perf_counter()
    pickle.loads(blob)
    unpickle_s = time.perf_counter() - t
    numba_s = native.warm_up(cl)
    m = cl.match
    return {"load_s": load_s, "compile_s": compile_s, "pickle_mb": len(blob) / 1e6, "unpickle_s": unpickle_s,
            "numba_s": numba_s, "rules": m.n_rules, "classes": len(m.cand_off) // m.n_keys, "bits": m.n_keys - 1}


def _phase_single(a: Figures) -> Figures:
    from isf.batch.kernel import case_from_row
    from isf.definitions import load_logic
    from isf.grouping import explain, group

    logic = load_logic(a["logic"])
    cases = [case_from_row(r) for b in _batches(a["src"], a["rows"], a["rows"]) for r in b.to_pylist()]
    group(logic, cases[0])
    t = time.perf_counter()
    for c in cases:
        group(logic, c)
    grouped = len(cases) / (time.perf_counter() - t)
    few = cases[: max(1, len(cases) // 20)]
    t = time.perf_counter()
    for c in few:
        explain(logic, c)
    return {"group_per_s": grouped, "explain_per_s": len(few) / (time.perf_counter() - t)}


def _phase_alone(a: Figures) -> Figures:
    from isf.batch import native
    from isf.batch.fast import GroupingRun, group_table
    from isf.definitions import load_logic

    run = GroupingRun.for_logic(load_logic(a["logic"]), threads=a["threads"])
    native.warm_up(run.compiled)
    batches = _batches(a["src"], a["rows"], a["batch_rows"])
    t = time.perf_counter()
    for b in batches:
        group_table(run, b)
    return {"seconds": time.perf_counter() - t} | run.stats()


_WORKER: dict[str, Any] = {}


def _init_worker(blob: bytes) -> None:
    import pickle

    from isf.batch import native
    from isf.batch.fast import GroupingRun

    compiled = pickle.loads(blob)
    native.warm_up(compiled)
    _WORKER["run"] = GroupingRun(compiled)


def _work(batch: Any) -> int:
    from isf.batch.fast import group_table

    return int(group_table(_WORKER["run"], batch).num_rows)


def _phase_processes(a: Figures) -> Figures:
    import multiprocessing
    import pickle
    import resource
    from concurrent.futures import ProcessPoolExecutor

    from isf.definitions import load_logic
    from isf.grouping.compiled import compiled_logic

    blob = pickle.dumps(compiled_logic(load_logic(a["logic"])), protocol=5)
    batches = _batches(a["src"], a["rows"], a["batch_rows"])
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(a["workers"], mp_context=ctx, initializer=_init_worker, initargs=(blob,)) as pool:
        list(pool.map(_work, batches[:a["workers"]]))  # start and warm every worker
        t = time.perf_counter()
        rows = sum(pool.map(_work, batches))
        seconds = time.perf_counter() - t
    return {"seconds": seconds, "rows": rows, "children_rss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}


def _phase_floor(a: Figures) -> Figures:
    import polars as pl

    t = time.perf_counter()
    df = pl.read_parquet(a["src"])
    df.write_parquet(a["out"])
    return {"seconds": time.perf_counter() - t, "rows": df.height}


def _phase_data(a: Figures) -> Figures:
    """Paths of the Parquet input and (random data) the case-string input, written if missing.

    A child phase: Linux counts the RSS a process had when it forked in its children's peak, so
    the driver must never grow (it would raise every later figure to its own size)."""
    DATA.mkdir(parents=True, exist_ok=True)
    logic, rows, seed = a["logic"], a["rows"], a["seed"]
    if a["kind"] == "random":
        from random_cases import write_random_cases

        pq_path, txt = write_random_cases(logic, rows, DATA / f"random_{logic}_{rows}", seed=seed, strings=a["strings"])
        return {"src": str(pq_path), "txt": str(txt) if a["strings"] and txt.exists() else None}
    from isf.definitions import load_logic
    from isf.synth import write_synth

    src = DATA / f"activity_{logic}_{rows}.parquet"
    if not src.exists():
        write_synth(load_logic(logic), src, rows=rows, seed=seed, year=2025, fmt="parquet", quiet=True)
    return {"src": str(src), "txt": None}


PHASES = {"setup": _phase_setup, "single": _phase_single, "alone": _phase_alone, "processes": _phase_processes,
          "floor": _phase_floor, "data": _phase_data}


# -- driver ---------------------------------------------------------------------------------------
def _memo(r: Figures) -> str:
    if "memo_size" not in r:
        return "-"
    looked = r["memo_hits"] + r["memo_misses"]
    return f"{int(r['memo_size']):,} / {r['memo_hits'] / looked:.0%}" if looked else f"{int(r['memo_size']):,} / -"


def _isf_group(logic: str, src: str, out: str, threads: int | None) -> tuple[float, float, str]:
    exe = shutil.which("isf", path=str(Path(sys.executable).parent)) or "isf"
    cmd = [exe, "group", src, "-o", out, "--logic", logic, "-q"] + (["--threads", str(threads)] if threads else [])
    _, wall, rss = _wait(cmd)
    return wall, rss, " ".join(["isf group", *(["--threads", str(threads)] if threads else [])])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, nargs="*", default=[1_000_000])
    ap.add_argument("--data", nargs="*", default=["random", "synth"], choices=["random", "synth"])
    ap.add_argument("--logic", default="NOR2015")
    ap.add_argument("--threads", type=int, nargs="*", default=[1, 2])
    ap.add_argument("--workers", type=int, default=2, help="processes for the pool figure (0: skip)")
    ap.add_argument("--batch-rows", type=int, default=250_000)
    ap.add_argument("--single-rows", type=int, default=20_000, help="cases for the single-case figures (0: skip)")
    ap.add_argument("--no-strings", action="store_true", help="skip the case-string input of random data")
    ap.add_argument("--no-e2e", action="store_true", help="skip `isf group` end to end and the I/O floor")
    ap.add_argument("--no-alone", action="store_true", help="skip grouping alone (e.g. only `isf group` at 10M)")
    ap.add_argument("--repeat", type=int, default=1, help="end to end: pairs of (floor, isf group) run in turn; "
                    "the pair with the median ratio is shown, and the range of ratios (a noisy machine's speed drifts)")
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--phase")
    ap.add_argument("--args")
    args = ap.parse_args()
    if args.phase:
        import resource

        res = PHASES[args.phase](json.loads(args.args))
        res["self_rss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps(res))
        return

    base = {"logic": args.logic, "batch_rows": args.batch_rows}
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    cold = _child("setup", **base, cold=True)
    warm = _child("setup", **base)
    print(f"setup ({args.logic}: {warm['rules']:,} rules, {warm['classes']:,} principal classes, {warm['bits']} property "
          f"bits): load logic {warm['load_s']:.2f} s, compile {warm['compile_s']:.2f} s (pickled {warm['pickle_mb']:.1f} MB, "
          f"unpickle {warm['unpickle_s']:.2f} s), numba loop {cold['numba_s']:.1f} s cold, {warm['numba_s']:.2f} s from cache")
    alone: list[str] = []
    e2e: list[str] = []
    singles: list[str] = []
    for rows in args.rows:
        for kind in args.data:
            d = _child("data", kind=kind, logic=args.logic, rows=rows, seed=args.seed,
                       strings=not args.no_strings and rows <= 2_000_000)
            src, txt = d["src"], d["txt"]
            if args.single_rows and rows == args.rows[0]:
                s = _child("single", **base, src=src, rows=args.single_rows)
                singles.append(f"| {kind} | {s['group_per_s']:,.0f} | {s['explain_per_s']:,.0f} |")
            inputs = [] if args.no_alone else [("Parquet columns", src)] + ([("case strings", txt)] if txt else [])
            for fmt, path in inputs:
                common = base | {"src": path, "rows": rows}
                for th in args.threads:
                    r = _child("alone", **common, threads=th)
                    alone.append(f"| {kind} | {fmt} | {rows:,} | 1 process, {th} thread{'s' * (th > 1)} | "
                                 f"{r['rows'] / r['seconds']:,.0f} | {_memo(r)} | {int(r['fallback_rows']):,} | "
                                 f"{r['rss_gib']:.2f} GiB |")
                if args.workers > 1:
                    r = _child("processes", **common, workers=args.workers)
                    alone.append(f"| {kind} | {fmt} | {rows:,} | {args.workers} processes | {r['rows'] / r['seconds']:,.0f} "
                                 f"| - | - | {r['rss_gib']:.2f} GiB |")
            if not args.no_e2e:  # floor and command in turn, `--repeat` pairs: the median pair's ratio
                pairs = []
                for _ in range(args.repeat):
                    floor = _child("floor", src=src, out=str(DATA / "floor_copy.parquet"))
                    wall, rss, how = _isf_group(args.logic, src, str(DATA / "grouped.parquet"), None)
                    pairs.append((wall / floor["seconds"], wall, floor["seconds"], rss))
                ratio, wall, fl, rss = sorted(pairs)[len(pairs) // 2]
                spread = f" ({min(p[0] for p in pairs):.1f}-{max(p[0] for p in pairs):.1f}x)" if len(pairs) > 1 else ""
                e2e.append(f"| {kind} | {rows:,} | {how} | {wall:.1f} s ({rows / wall:,.0f}/s) | {fl:.1f} s | "
                           f"{ratio:.1f}x{spread} | {max(p[3] for p in pairs):.2f} GiB |")
    if singles:
        print("\nSingle case (the public API, one case at a time):\n")
        print("| data | group() per s | explain() per s |\n|---|---:|---:|")
        print("\n".join(singles))
    if alone:
        print("\nGrouping alone (Arrow batches in memory -> result columns):\n")
        print("| data | input | rows | how | cases/s | fact memo size / hit rate | row-by-row rows | peak RSS |")
        print("|---|---|---:|---|---:|---:|---:|---:|")
        print("\n".join(alone))
    if e2e:
        print("\nEnd to end (a new process: imports, logic, compile and numba included) against the I/O floor "
              "(polars reads the input and writes it as Parquet):\n")
        print("| data | rows | command | wall | I/O floor | ratio | peak RSS |\n|---|---:|---|---:|---:|---:|---:|")
        print("\n".join(e2e))
    print(f"\nload average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
