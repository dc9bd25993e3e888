"""RBF-relevant procedure codes for synthetic activity (`isf synth --rbf`, the `isf rbf` demo).

The codes the RBF indicators count (cooperation activities, ACT team, digital follow-up, web
programmes; docs/rbf.md) are appended to ``prosedyrer`` of some outpatient rows. They are codes
no bundled NordDRG logic knows, so they carry no grouping properties and leave every DRG as it
was; that is also why they are opt-in (plain `isf synth` writes only codes of the logic).
The probabilities are DEMO values, not from the seeds. Pure: Arrow in, Arrow out.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["RBF_CODES", "add_rbf_codes", "append_codes"]

_COOP = ("WPBA10", "WPBA15", "WPBA20", "WMFG10")  # [004] l.679-692 (WRBA24: palliative, somatic)
#: (code choices, sectors, omsorgsniva, DEMO probability per row).
RBF_CODES: tuple[tuple[tuple[str, ...], tuple[str, ...], int, float], ...] = (
    (_COOP, ("phv", "tsb"), 3, 0.10),
    (("IEAD00",), ("phv",), 3, 0.012),  # ACT team [001] l.229
    (("IEAB20",), ("phv", "tsb"), 3, 0.010),  # web-based programme [000] l.516
    ((*_COOP, "WRBA24"), ("somatikk",), 3, 0.004),
    (("DEMOTEAM",), ("somatikk",), 3, 0.003),  # DEMO placeholder: no code for somatic team follow-up in the seeds
    (("WMGA28",), ("somatikk", "phv"), 3, 0.006),  # form-based follow-up [001] l.96
    (("WMFX00",), ("somatikk",), 3, 0.008),  # home follow-up via medical devices [001] l.90
)


def add_rbf_codes(table: pa.Table, rng: np.random.Generator) -> pa.Table:
    """`table` with RBF codes appended to ``prosedyrer`` of some rows (same rows, same order)."""
    n = table.num_rows
    if n == 0:
        return table
    sektor = np.asarray(table["sektor"].to_numpy(zero_copy_only=False))
    niva = table["omsorgsniva"].to_numpy()
    added_rows: list[np.ndarray] = []
    added_codes: list[np.ndarray] = []
    for codes, sectors, level, p in RBF_CODES:
        hit = np.isin(sektor, sectors) & (niva == level) & (rng.random(n) < p)
        rows = np.flatnonzero(hit)
        added_rows.append(rows)
        added_codes.append(np.asarray(codes, dtype=object)[rng.integers(0, len(codes), len(rows))])
    return append_codes(table, np.concatenate(added_rows), np.concatenate(added_codes))


def append_codes(table: pa.Table, rows: np.ndarray, extra: np.ndarray) -> pa.Table:
    """`table` with code `extra[i]` appended to ``prosedyrer`` of row `rows[i]` (rows may repeat;
    codes keep their order per row). Same rows, same order, every other column unchanged."""
    n = table.num_rows
    if not len(rows):
        return table
    order = np.argsort(rows, kind="stable")
    rows, extra = rows[order], extra[order]
    procs = table["prosedyrer"].combine_chunks()
    old_off = procs.offsets.to_numpy().astype(np.int64)
    old_off = old_off - old_off[0]
    old_len = np.diff(old_off)
    k = np.bincount(rows, minlength=n)
    new_off = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(old_len + k, out=new_off[1:])
    # Destination of each old value and of each added code in the new flat array.
    dest_old = np.repeat(new_off[:-1] - old_off[:-1], old_len) + np.arange(old_off[-1])
    rank = np.arange(len(rows)) - np.repeat(np.cumsum(k) - k, k)[: len(rows)]
    dest_new = new_off[rows] + old_len[rows] + rank
    source = np.empty(int(new_off[-1]), dtype=np.int64)
    source[dest_old] = np.arange(len(dest_old))
    source[dest_new] = len(dest_old) + np.arange(len(rows))
    flat = pa.concat_arrays([procs.flatten().cast(pa.string()), pa.array(extra.tolist(), pa.string())])
    values = pc.take(flat, pa.array(source))
    new = pa.ListArray.from_arrays(pa.array(new_off.astype(np.int32)), values)
    i = table.schema.get_field_index("prosedyrer")
    return table.set_column(i, table.schema.field(i), new)
