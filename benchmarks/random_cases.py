"""Random, well-formed NordDRG cases that (almost) never repeat: the hard case for grouping speed.

Codes are drawn uniformly from the logic's own tables: the principal from the single diagnosis
codes (2 % from the dagger/asterisk pairs the tables define), 0-6 secondary diagnoses from the
single codes, 0-4 procedures from the procedure table. Ages and stays are realistic in shape
(newborns, children, adults up to 105 years; 40 % outpatient contacts, stays with a long tail),
sex 49/49/2 % male/female/missing, discharge 92 % home, 5 % transferred, 3 % dead. This is the
generator issue 15 describes; `isf synth` data, by contrast, repeats a small catalogue.

    .venv/bin/python benchmarks/random_cases.py --rows 500000 --out benchmarks/data/random_500000

writes ``<out>.parquet`` (the activity columns the grouper reads: kjonn, alder_dager,
utskr_maate, liggetid, hdiag, hdiag2, bdiag, prosedyrer) and ``<out>.txt`` (the same cases as
NPK case strings, one per line). Deterministic in ``--seed``.
"""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

SCHEMA = pa.schema([
    ("kjonn", pa.int8()), ("alder_dager", pa.int32()), ("utskr_maate", pa.string()), ("liggetid", pa.int32()),
    ("hdiag", pa.string()), ("hdiag2", pa.string()), ("bdiag", pa.list_(pa.string())),
    ("prosedyrer", pa.list_(pa.string())),
])


def _codes(logic: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    dg, proc = logic.dg, logic.proc  # type: ignore[attr-defined]
    singles = np.array(sorted({r.code for r in dg if not r.d_code}), dtype=object)
    pairs = np.array(sorted({(r.d_code, r.code) for r in dg if r.d_code}), dtype=object)
    procs = np.array(sorted({p.code for p in proc}), dtype=object)
    return singles, pairs, procs


def _lists(rng: np.random.Generator, pool: np.ndarray, counts: np.ndarray) -> pa.ListArray:
    offsets = np.zeros(len(counts) + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    values = pool[rng.integers(0, len(pool), int(offsets[-1]))]
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(values.tolist(), pa.string()))


def random_cases(logic: object, rows: int, *, seed: int = 15) -> pa.Table:
    """`rows` random cases under `logic` as an Arrow table (schema `SCHEMA`)."""
    rng = np.random.default_rng(seed)
    singles, pairs, procs = _codes(logic)
    n = rows
    sex = rng.choice(np.array([1, 2, 0], dtype=np.int8), size=n, p=[0.49, 0.49, 0.02])
    kind = rng.choice(4, size=n, p=[0.03, 0.12, 0.70, 0.15])  # newborn, child, adult, old
    lo = np.array([0, 29, 18 * 365, 80 * 365])[kind]
    hi = np.array([29, 18 * 365, 80 * 365, 105 * 365])[kind]
    age = (lo + rng.random(n) * (hi - lo)).astype(np.int32)
    inpatient = rng.random(n) < 0.6
    stay = np.where(inpatient, 1 + np.minimum(rng.geometric(0.2, n) - 1, 400), 0).astype(np.int32)
    disch = rng.choice(np.array(["H", "R", "E"], dtype=object), size=n, p=[0.92, 0.05, 0.03])
    is_pair = rng.random(n) < 0.02
    principal = singles[rng.integers(0, len(singles), n)]
    pair_pick = pairs[rng.integers(0, len(pairs), n)] if len(pairs) else None
    hdiag = principal.copy()
    hdiag2 = np.full(n, None, dtype=object)
    if pair_pick is not None:
        hdiag[is_pair] = [p[0] for p in pair_pick[is_pair]]
        hdiag2[is_pair] = [p[1] for p in pair_pick[is_pair]]
    bdiag = _lists(rng, singles, rng.integers(0, 7, n))
    prosedyrer = _lists(rng, procs, rng.integers(0, 5, n))
    return pa.table([
        pa.array(np.where(sex == 0, None, sex).tolist(), pa.int8()), pa.array(age), pa.array(disch.tolist(), pa.string()),
        pa.array(stay), pa.array(hdiag.tolist(), pa.string()), pa.array(hdiag2.tolist(), pa.string()), bdiag, prosedyrer,
    ], schema=SCHEMA)


def case_strings(table: pa.Table) -> list[str]:
    """The cases of `table` as NPK case strings (fields as `isf.grouping.case` documents)."""
    cols = table.to_pydict()
    out = []
    for i in range(table.num_rows):
        f = [""] * 164
        f[0] = {1: "1", 2: "2"}.get(cols["kjonn"][i], "")
        f[1], f[2], f[3] = str(cols["alder_dager"][i]), cols["utskr_maate"][i], str(cols["liggetid"][i])
        f[5], f[6] = cols["hdiag"][i], cols["hdiag2"][i] or ""
        for k, code in enumerate(cols["bdiag"][i][:29], start=1):
            f[5 + 2 * k] = code
        for k, code in enumerate(cols["prosedyrer"][i][:99]):
            f[65 + k] = code
        out.append(",".join(f))
    return out


def write_random_cases(logic_ref: str, rows: int, out: Path, *, seed: int = 15, strings: bool = True) -> tuple[Path, Path]:
    """Write ``<out>.parquet`` and (with `strings`) ``<out>.txt``; existing files are reused."""
    from isf.definitions import load_logic

    pq_path, txt_path = out.with_suffix(".parquet"), out.with_suffix(".txt")
    if not pq_path.exists() or (strings and not txt_path.exists()):
        out.parent.mkdir(parents=True, exist_ok=True)
        logic = load_logic(logic_ref)
        chunk = 1_000_000  # drawn and written a million rows at a time: memory stays flat
        with pq.ParquetWriter(pq_path, SCHEMA) as writer, \
                (open(txt_path, "w", encoding="utf-8") if strings else contextlib.nullcontext()) as text:
            for k, start in enumerate(range(0, rows, chunk)):
                table = random_cases(logic, min(chunk, rows - start), seed=seed * 1_000 + k if k else seed)
                writer.write_table(table)
                if text is not None:
                    text.write("\n".join(case_strings(table)) + "\n")
    return pq_path, txt_path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=500_000)
    ap.add_argument("--logic", default="NOR2015")
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--no-strings", action="store_true", help="only the Parquet file")
    args = ap.parse_args()
    pq_path, txt_path = write_random_cases(args.logic, args.rows, args.out, seed=args.seed,
                                           strings=not args.no_strings)
    print(pq_path, txt_path)


if __name__ == "__main__":
    main()
