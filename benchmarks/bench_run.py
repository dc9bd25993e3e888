"""Benchmark: `isf run` end to end against the I/O floor, with peak memory and stage shares.

    .venv/bin/python benchmarks/bench_run.py                      # 1M rows
    .venv/bin/python benchmarks/bench_run.py --rows 1000000 10000000 30000000

For each size: synthetic activity from `isf synth` (year `--year`, cached under
benchmarks/data/, a folder of part files above 2M rows; 30M rows is three years' volume
settled as one year), then

* the **floor**: polars reads the input and writes a Parquet file of the same rows, part file
  by part file (what any tool that reads and writes this data pays);
* the **run**: ``isf run --activity … --year … --demo-params`` in a child process, its wall
  time, and the peak RSS of the whole process tree (sampled from /proc every 0.1 s; the
  child's own high-water mark is printed beside it);
* the **stages** (`isf.pipeline.STAGES`): read, group, spill (patient buckets and parts),
  stg_tfg, points, money (kroner and aggregates), write (rows/units and every output file);
* the **outputs alone**: the seconds it takes only to encode the run's own two big files
  (``points.parquet`` and ``enheter.parquet``, row group by row group, with isf's Parquet
  writer; reading them back is not counted), side by side on two threads, and the two
  encodings' seconds summed. Each file is encoded on one thread, so half the sum is a lower
  bound on two cores: no way of settling the year that writes these files can spend less
  time writing them. It says how much of the floor ratio is the size of the outputs rather
  than the work before them.

Prints one table; the README figures come from it. Other processes on the machine skew
the figures: note the load (printed) with them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"


def _data(rows: int, year: int, seed: int) -> Path:
    """`isf synth` activity of `rows` rows (cached)."""
    from isf.definitions import load_logic
    from isf.formatting import number
    from isf.synth.output import PARTITION_ROWS, write_synth

    name = f"synth_{rows}_{year}_{seed}" + ("" if rows > PARTITION_ROWS else ".parquet")
    path = DATA / name
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        write_synth(load_logic("demo"), path, rows=rows, seed=seed, year=year, quiet=True)
        print(f"  (synthesised {number(rows)} rows in {time.perf_counter() - t:.0f} s: {path})", flush=True)
    return path


def _files(path: Path) -> list[Path]:
    return sorted(path.glob("*.parquet")) if path.is_dir() else [path]


def floor(path: Path, tmp: Path) -> float:
    """Seconds for polars to read the input and write the same rows as Parquet (per part file)."""
    import polars as pl

    t = time.perf_counter()
    for i, f in enumerate(_files(path)):
        pl.read_parquet(f).write_parquet(tmp / f"floor-{i}.parquet")
    secs = time.perf_counter() - t
    for f in tmp.glob("floor-*.parquet"):
        f.unlink()
    return secs


def outputs_alone(out: Path) -> tuple[float, float]:
    """Seconds to encode the run's ``points.parquet`` and ``enheter.parquet`` again (row group by
    row group, reading not counted): the two files side by side on two threads (wall), and the
    sum of the two (each file is encoded on one thread: its CPU time). Half the sum is what
    encoding them takes on two cores at the very best."""
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow.parquet as pq

    from isf.files import parquet_writer

    def encode(name: str) -> float:
        src = pq.ParquetFile(out / name)
        spent = 0.0
        writer = parquet_writer(out / f"again-{name}", src.schema_arrow)
        for i in range(src.num_row_groups):
            table = src.read_row_group(i)
            t = time.perf_counter()
            writer.write_table(table)
            spent += time.perf_counter() - t
        t = time.perf_counter()
        writer.close()
        spent += time.perf_counter() - t
        (out / f"again-{name}").unlink()
        return spent

    with ThreadPoolExecutor(max_workers=2) as pool:
        each = list(pool.map(encode, ["points.parquet", "enheter.parquet"]))
    return max(each), sum(each)


def _tree_rss(root: int) -> int:
    """Σ RSS (bytes) of `root` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat", encoding="ascii", errors="replace") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(d))
            except (OSError, ValueError, IndexError):
                continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            with open(f"/proc/{pid}/statm", encoding="ascii") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    return total


def run(path: Path, year: int, out: Path, extra: list[str]) -> dict[str, object]:
    """`isf run` in a child process: wall, peak tree RSS, stage seconds."""
    cmd = [sys.executable, __file__, "--child", str(path), str(year), str(out), *extra]
    peak = [0]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            done.wait(0.1)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    stdout, _ = proc.communicate()
    wall = time.perf_counter() - t
    done.set()
    th.join()
    if proc.returncode != 0:
        raise SystemExit(f"isf run failed ({proc.returncode})")
    child = json.loads(stdout.strip().splitlines()[-1])
    child_max = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return {"wall": wall, "peak": peak[0], "child_maxrss": child_max, **child}


def _child(path: str, year: str, out: str, extra: list[str]) -> None:
    from isf.cli.common import load_logic_or_exit
    from isf.run import run_job

    kw: dict[str, Any] = {}
    if extra:
        kw = json.loads(extra[0])
    logic = load_logic_or_exit("demo", compiled=True)  # as `isf run` loads it
    res = run_job(logic=logic, activity=Path(path), year=int(year), demo_params=True, out_dir=Path(out), **kw)
    tot = res.summary.filter(res.summary["sektor"] == "totalt").row(0, named=True)
    print(json.dumps({"rows": res.rows, "stages": res.stages, "cpu": res.stages_cpu, "parts": res.parts,
                      "kroner": str(tot["isf_kroner"])}))


def main() -> None:
    from isf.formatting import number  # figures as people read them (1 000 000)

    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--year", type=int, default=2025)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--part-rows", type=int, default=None, help="rows per settled part (default: isf's)")
    ap.add_argument("--chunk-rows", type=int, default=None, help="rows read and grouped at a time (default: isf's)")
    args = ap.parse_args()
    kw = {k: v for k, v in (("part_rows", args.part_rows), ("chunk_rows", args.chunk_rows)) if v}
    extra = [json.dumps(kw)] if kw else []
    results = []
    for rows in args.rows:
        path = _data(rows, args.year, args.seed)
        with tempfile.TemporaryDirectory(dir=DATA) as tmp:
            load = os.getloadavg()[0]
            fl = floor(path, Path(tmp))
            r = run(path, args.year, Path(tmp) / "run", extra)
            alone, encoding = outputs_alone(Path(tmp) / "run")
        r.update(rows=rows, floor=fl, load=load, alone=alone, encoding=encoding)
        results.append(r)
        stages = r["stages"]
        assert isinstance(stages, dict)
        cpu = r["cpu"]
        assert isinstance(cpu, dict)
        shares = "  ".join(f"{k} {100 * v / r['wall']:.0f}%" for k, v in stages.items())
        shares += "\n    CPU s: " + "  ".join(f"{k} {v:.1f}" for k, v in cpu.items()) + f"  (total {sum(cpu.values()):.1f})"
        print(f"{number(rows):>11} rows: wall {r['wall']:.1f} s, floor {fl:.1f} s, ratio {r['wall'] / fl:.1f}x, "  # type: ignore[operator]
              f"{number(rows / r['wall'])} rows/s, peak RSS {r['peak'] / 2**30:.2f} GiB (tree; child max "  # type: ignore[operator]
              f"{r['child_maxrss'] / 2**30:.2f}), parts {r['parts']}, load {load:.1f}\n"  # type: ignore[operator]
              f"    the two outputs alone: {alone:.1f} s to encode side by side ({alone / fl:.1f}x the floor; "
              f"{encoding:.1f} s of encoding, at best {encoding / 2 / fl:.1f}x the floor on two cores)\n    {shares}",
              flush=True)
    print("\n| rows | wall | floor | ratio | outputs alone | rows/s | peak RSS | read | group | spill | STG/TFG | points "
          "| money | write |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        st = r["stages"]
        assert isinstance(st, dict)
        wall = float(r["wall"])  # type: ignore[arg-type]
        cells = " | ".join(f"{100 * float(st.get(k, 0)) / wall:.0f} %" for k in
                           ("read", "group", "spill", "stg_tfg", "points", "money", "write"))
        print(f"| {number(int(r['rows']))} | {wall:.1f} s | {float(r['floor']):.1f} s | {wall / float(r['floor']):.1f}× | "  # type: ignore[arg-type,call-overload]
              f"{float(r['alone']):.1f} s ({float(r['alone']) / float(r['floor']):.1f}×) | "  # type: ignore[arg-type]
              f"{number(int(r['rows']) / wall)} | {int(r['peak']) / 2**30:.2f} GiB | {cells} |")  # type: ignore[call-overload]


if __name__ == "__main__":
    main()
