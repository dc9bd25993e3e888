"""Benchmark grouping: the native batch path and the old path, on data that repeats (`isf synth`)
and on data that does not (`random_cases.py`: codes drawn uniformly from the logic's tables).

    .venv/bin/python benchmarks/bench_grouping.py --rows 1000000 --data synth random
    .venv/bin/python benchmarks/bench_grouping.py --rows 10000000 --data random --old-rows 0

Each figure comes from its own child process (peak RSS per phase). "Grouping alone" reads the
input into memory first and times only grouping (Arrow in, result columns out); compile
times (the logic's compiled tables, numba's loop: cold and from its cache) are reported
apart, and so are the run memo's size and hit rate. ``--old-rows`` limits the old path
(per-distinct-case Python matcher) to that many rows, since on non-repeating data it runs at a
few thousand cases per second. ``--e2e`` adds read -> native grouping -> write and the I/O floor
(read and write the same Parquet); with ``--old-rows`` at least ``--rows`` also the engine's
``group_file`` (it still uses the old path until the phase-B switch).
Nothing here asserts: speed is measured, never tested.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
sys.path.insert(0, str(HERE))


def _child(phase: str, **kw: object) -> dict[str, float]:
    """Run one phase in a child process; returns its JSON figures plus wall time and peak RSS."""
    cmd = [sys.executable, __file__, "--phase", phase, "--args", json.dumps(kw)]
    env = dict(os.environ)
    if kw.get("cold"):
        env["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="numba-cold-")
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    _, status, _usage = os.wait4(proc.pid, 0)
    assert proc.stdout is not None
    out = proc.stdout.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"phase {phase} failed")
    res: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    res["wall_s"] = time.perf_counter() - t0
    res["rss_gib"] = max(res.get("self_rss_kib", 0), res.get("children_rss_kib", 0)) / 2**20
    return res


def _batches(src: str, rows: int, batch_rows: int) -> list:  # type: ignore[type-arg]
    import pyarrow as pa
    import pyarrow.parquet as pq

    if src.endswith(".txt"):
        with open(src, encoding="utf-8") as fh:
            lines = [line.rstrip("\n") for _, line in zip(range(rows), fh, strict=False)]
        return [pa.RecordBatch.from_pydict({"case_string": lines[i:i + batch_rows]})
                for i in range(0, len(lines), batch_rows)]
    table = pq.read_table(src).slice(0, rows)
    return table.to_batches(max_chunksize=batch_rows)


# -- child phases ---------------------------------------------------------------------------
def _phase_compile(a: dict) -> dict:  # type: ignore[type-arg]
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
    return {"load_s": load_s, "compile_s": compile_s, "pickle_mb": len(blob) / 1e6, "unpickle_s": unpickle_s,
            "numba_s": numba_s}


def _phase_fast(a: dict) -> dict:  # type: ignore[type-arg]
    from isf.batch import native
    from isf.batch.fast import GroupingRun, group_table
    from isf.definitions import load_logic

    logic = load_logic(a["logic"])
    run = GroupingRun.for_logic(logic, threads=a["threads"])
    native.warm_up(run.compiled)
    batches = _batches(a["src"], a["rows"], a["batch_rows"])
    t = time.perf_counter()
    for b in batches:
        group_table(run, b)
    return {"seconds": time.perf_counter() - t} | run.stats()


_WORKER: dict[str, object] = {}


def _init_worker(blob: bytes) -> None:
    import pickle

    from isf.batch import native
    from isf.batch.fast import GroupingRun

    compiled = pickle.loads(blob)
    native.warm_up(compiled)
    _WORKER["run"] = GroupingRun(compiled)


def _work(batch: object) -> int:
    from isf.batch.fast import group_table

    return group_table(_WORKER["run"], batch).num_rows  # type: ignore[arg-type]


def _phase_fast_mp(a: dict) -> dict:  # type: ignore[type-arg]
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
    return {"seconds": seconds, "rows": rows,
            "children_rss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}


def _phase_old(a: dict) -> dict:  # type: ignore[type-arg]
    from isf.batch.engine import group_batch
    from isf.batch.kernel import GroupingCache, group_record_batch
    from isf.definitions import load_logic

    logic = load_logic(a["logic"])
    batches = _batches(a["src"], a["rows"], a["batch_rows"])
    cache = GroupingCache(logic)
    t = time.perf_counter()
    for b in batches:
        if "case_string" in b.schema.names:
            group_record_batch(logic, b, cache=cache)
        else:
            group_batch(logic, b, cache=cache)
    memo = len(cache._d) + len(cache.raw)
    return {"seconds": time.perf_counter() - t, "rows": sum(b.num_rows for b in batches),
            "memo_size": memo, "memo_hits": cache.hits, "memo_misses": cache.misses}


def _phase_io(a: dict) -> dict:  # type: ignore[type-arg]
    import pyarrow.parquet as pq

    from isf.batch.engine import read_batches

    t = time.perf_counter()
    writer = None
    for b in read_batches(Path(a["src"]), "parquet"):
        if writer is None:
            writer = pq.ParquetWriter(a["out"], b.schema)
        writer.write_batch(b)
    assert writer is not None
    writer.close()
    return {"seconds": time.perf_counter() - t}


def _phase_e2e(a: dict) -> dict:  # type: ignore[type-arg]
    import resource

    from isf.batch.engine import group_file

    t = time.perf_counter()
    stats = group_file(a["logic"], Path(a["src"]), Path(a["out"]), fmt="parquet", workers=a["workers"])
    return {"seconds": time.perf_counter() - t, "rows": stats.rows,
            "children_rss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}


def _phase_e2e_native(a: dict) -> dict:  # type: ignore[type-arg]
    """Read -> native grouping -> write, batch by batch (what `group_file` does after phase B)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from isf.batch import native
    from isf.batch.engine import read_batches
    from isf.batch.fast import GroupingRun, group_table
    from isf.definitions import load_logic

    t = time.perf_counter()
    run = GroupingRun.for_logic(load_logic(a["logic"]), threads=a["threads"])
    native.warm_up(run.compiled)
    setup = time.perf_counter() - t
    writer = None
    for b in read_batches(Path(a["src"]), "parquet"):
        res = group_table(run, b)
        out = pa.Table.from_batches([b])
        for name, col in zip(res.schema.names, res.columns, strict=True):
            out = out.append_column(name, col)
        if writer is None:
            writer = pq.ParquetWriter(a["out"], out.schema)
        writer.write_table(out)
    assert writer is not None
    writer.close()
    return {"seconds": time.perf_counter() - t, "setup_s": setup} | run.stats()


PHASES = {"compile": _phase_compile, "fast": _phase_fast, "fast_mp": _phase_fast_mp, "old": _phase_old,
          "io": _phase_io, "e2e": _phase_e2e,
          "e2e_native": _phase_e2e_native}


# -- driver ---------------------------------------------------------------------------------------
def _data(kind: str, logic: str, rows: int, seed: int) -> tuple[str, str | None]:
    """Paths of the Parquet input and (random data) the case-string input."""
    DATA.mkdir(parents=True, exist_ok=True)
    if kind == "random":
        from random_cases import write_random_cases

        pq_path, txt = write_random_cases(logic, rows, DATA / f"random_{logic}_{rows}", seed=seed, strings=rows <= 2_000_000)
        return str(pq_path), str(txt) if txt.exists() and rows <= 2_000_000 else None  # (held in memory)
    from isf.definitions import load_logic
    from isf.synth import write_synth

    src = DATA / f"activity_{logic}_{rows}.parquet"
    if not src.exists():
        write_synth(load_logic(logic), src, rows=rows, seed=seed, year=2025, fmt="parquet", quiet=True)
    return str(src), None


def _row(data: str, fmt: str, path: str, how: str, r: dict) -> str:  # type: ignore[type-arg]
    rate = r["rows"] / r["seconds"] if r.get("seconds") else 0
    memo = (f"{int(r['memo_size']):,} / {r['memo_hits'] / max(1, r['memo_hits'] + r['memo_misses']):.0%}"
            if "memo_size" in r else "-")
    return (f"| {data} | {fmt} | {int(r['rows']):,} | {path} | {how} | {rate:,.0f} | {memo} | {r['rss_gib']:.2f} GiB |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--data", nargs="*", default=["random", "synth"], choices=["random", "synth"])
    ap.add_argument("--logic", default="NOR2015")
    ap.add_argument("--threads", type=int, nargs="*", default=[1, 2])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch-rows", type=int, default=250_000)
    ap.add_argument("--old-rows", type=int, default=50_000, help="rows for the old path (0: skip it)")
    ap.add_argument("--e2e", action="store_true", help="also end-to-end group_file and the I/O floor")
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
    cold = _child("compile", **base, cold=True)
    warm = _child("compile", **base)
    print(f"compile: load logic {warm['load_s']:.2f} s, compile tables {warm['compile_s']:.2f} s "
          f"(pickled {warm['pickle_mb']:.1f} MB, unpickle {warm['unpickle_s']:.2f} s), numba loop: "
          f"{cold['numba_s']:.1f} s cold, {warm['numba_s']:.2f} s from cache")
    lines = []
    for kind in args.data:
        src, txt = _data(kind, args.logic, args.rows, args.seed)
        inputs = [("parquet", src)] + ([("case strings", txt)] if txt else [])
        for fmt, path in inputs:
            common = base | {"src": path, "rows": args.rows}
            for th in args.threads:
                lines.append(_row(kind, fmt, "native", f"1 process, {th} thread{'s' * (th > 1)}",
                                  _child("fast", **common, threads=th)))
            if args.workers > 1:
                lines.append(_row(kind, fmt, "native", f"{args.workers} processes",
                                  _child("fast_mp", **common, workers=args.workers)))
            if args.old_rows:
                old = _child("old", **(common | {"rows": min(args.rows, args.old_rows)}))
                lines.append(_row(kind, fmt, "old", "1 process", old))
        if args.e2e:
            io = _child("io", src=src, out=str(DATA / "io_copy.parquet"))
        if args.e2e and args.old_rows >= args.rows:  # the old engine on all rows (slow on random data)
            e2e = _child("e2e", logic=args.logic, src=src, out=str(DATA / "grouped.parquet"), workers=args.workers)
            lines.append(f"| {kind} | parquet | {int(e2e['rows']):,} | old engine end-to-end | {args.workers} processes | "
                         f"{e2e['rows'] / e2e['seconds']:,.0f} (floor {io['seconds']:.1f} s, "
                         f"{e2e['seconds'] / io['seconds']:.1f}x) | - | {e2e['rss_gib']:.2f} GiB |")
        if args.e2e:
            th = max(args.threads)
            nat = _child("e2e_native", logic=args.logic, src=src, out=str(DATA / "grouped_native.parquet"), threads=th)
            lines.append(f"| {kind} | parquet | {int(nat['rows']):,} | native read+group+write | 1 process, {th} threads | "
                         f"{nat['rows'] / nat['seconds']:,.0f} ({nat['seconds']:.1f} s incl. {nat['setup_s']:.1f} s setup; "
                         f"{nat['seconds'] / io['seconds']:.1f}x floor) | - | {nat['rss_gib']:.2f} GiB |")
    print("| data | input | rows | path | processes | cases/s (grouping alone) | memo size / hit rate | peak RSS |")
    print("|---|---|---:|---|---|---:|---:|---:|")
    print("\n".join(lines))
    print(f"load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
