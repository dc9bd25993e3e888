"""NPK case strings -> the activity columns, for the whole batch at once.

A numba scanner splits each ``DRGGrupperingsstreng`` into fields (layout: `isf.grouping.case`)
and copies the codes into new string arrays: the principal slot as ``hdiag``/``hdiag2``, the
other diagnosis slots as ``bdiag`` (a pair as ``dagger&asterisk``), the procedures as
``prosedyrer``; sex, age, discharge and stay stay text, so the batch path validates them as it
validates any text column. The ``*`` and ``.`` marks the row API drops from codes are dropped
here too. A row is left to the row API (``dirty``) when it is null, has another character than
ASCII letters, digits and commas (spaces, a BOM ... which the row API cleans or rejects; a mark
outside the code fields), or has fewer than 4 or more than 165 fields.

>>> import pyarrow as pa
>>> first = "1,20000,H,3,,A390,G01,I109" + "," * 58 + "NAT23"  # field 65: the first procedure
>>> cols, dirty = parse_case_strings(pa.array([first, "1, 2,H,3"]))
>>> [cols[c][0].as_py() for c in ("hdiag", "hdiag2", "bdiag", "prosedyrer")], dirty.tolist()
(['A390', 'G01', ['I109'], ['NAT23']], [False, True])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from isf.batch.native import _jit
from isf.grouping.case import N_DIAGNOSIS_SLOTS, N_PROCEDURES

__all__ = ["parse_case_strings"]

_DX_START = 5
_PROC_START = _DX_START + 2 * N_DIAGNOSIS_SLOTS  # 65
_FIELDS = _PROC_START + N_PROCEDURES  # 164
_MAX_FIELDS = _FIELDS + 1  # the row API accepts one more (ignored)


@_jit
def _scan(data, offsets, valid, spans, counts, sec, proc, fill):  # type: ignore[no-untyped-def]
    """Per row: spans of fields 0-3 and of the principal codes (``spans``), dirty flag and
    numbers of secondary slots and procedures (``counts``); with `fill`, the secondary slot
    spans (``sec``: 4 per slot) and procedure spans (``proc``: 2 per code), in row order."""
    n = offsets.shape[0] - 1
    ns = 0
    npr = 0
    starts = np.zeros(_MAX_FIELDS + 1, dtype=np.int64)
    ends = np.zeros(_MAX_FIELDS + 1, dtype=np.int64)
    for i in range(n):
        lo = offsets[i]
        hi = offsets[i + 1]
        dirty = valid[i] == 0
        nf = 0
        start = lo
        real = 0  # characters of the field that are not marks
        if not dirty:
            for p in range(lo, hi + 1):
                if p == hi or data[p] == 44:  # ','
                    if nf < _MAX_FIELDS:
                        starts[nf] = start
                        ends[nf] = p if real else start  # a field of marks alone is empty
                    nf += 1
                    start = p + 1
                    real = 0
                else:
                    ch = data[p]
                    if 48 <= ch <= 57 or 65 <= ch <= 90 or 97 <= ch <= 122:
                        real += 1
                    elif not (nf >= _DX_START and (ch == 42 or ch == 46)):  # '*', '.' in a code
                        dirty = True
                        break
        if dirty or nf < 4 or nf > _MAX_FIELDS:
            counts[i, 0] = 1
            counts[i, 1] = 0
            counts[i, 2] = 0
            continue
        for f in range(nf, _FIELDS):
            starts[f] = hi
            ends[f] = hi
        for f in range(4):
            spans[i, 2 * f] = starts[f]
            spans[i, 2 * f + 1] = ends[f]
        # principal slot: (dagger, asterisk); a lone second code is the principal itself
        a0, a1, b0, b1 = starts[_DX_START], ends[_DX_START], starts[_DX_START + 1], ends[_DX_START + 1]
        if a1 == a0:
            a0, a1, b0 = b0, b1, b1
        spans[i, 8] = a0
        spans[i, 9] = a1
        spans[i, 10] = b0
        spans[i, 11] = b1
        k = 0
        for s in range(1, N_DIAGNOSIS_SLOTS):
            f = _DX_START + 2 * s
            a0, a1, b0, b1 = starts[f], ends[f], starts[f + 1], ends[f + 1]
            if a1 == a0 and b1 == b0:
                continue
            if a1 == a0:
                a0, a1, b0 = b0, b1, b1
            if fill:
                sec[ns + k, 0] = a0
                sec[ns + k, 1] = a1
                sec[ns + k, 2] = b0
                sec[ns + k, 3] = b1
            k += 1
        ns += k
        m = 0
        for f in range(_PROC_START, _FIELDS):
            if ends[f] > starts[f]:
                if fill:
                    proc[npr + m, 0] = starts[f]
                    proc[npr + m, 1] = ends[f]
                m += 1
        npr += m
        counts[i, 0] = 0
        counts[i, 1] = k
        counts[i, 2] = m


@_jit
def _join(data, spans, out_offsets, out):  # type: ignore[no-untyped-def]
    """Copy span pairs (a0, a1, b0, b1) as ``a`` or ``a&b`` into `out`, leaving out the '*' and
    '.' marks the row API drops from codes (`isf.grouping.case`); offsets first."""
    pos = 0
    for j in range(spans.shape[0]):
        out_offsets[j] = pos
        for p in range(spans[j, 0], spans[j, 1]):
            if data[p] != 42 and data[p] != 46:
                out[pos] = data[p]
                pos += 1
        if spans[j, 3] > spans[j, 2]:
            out[pos] = 38  # '&'
            pos += 1
            for p in range(spans[j, 2], spans[j, 3]):
                if data[p] != 42 and data[p] != 46:
                    out[pos] = data[p]
                    pos += 1
    out_offsets[spans.shape[0]] = pos


def _strings(data: npt.NDArray[np.uint8], spans: npt.NDArray[np.int64]) -> pa.Array:
    """A string array of the spans (``a`` or ``a&b`` per row of `spans`)."""
    if spans.shape[1] == 2:
        spans = np.concatenate([spans, spans[:, 1:2], spans[:, 1:2]], axis=1)
    size = int(((spans[:, 1] - spans[:, 0]) + np.where(spans[:, 3] > spans[:, 2], 1 + spans[:, 3] - spans[:, 2], 0)).sum())
    offsets = np.empty(len(spans) + 1, dtype=np.int64)
    out = np.empty(size, dtype=np.uint8)
    _join(data, np.ascontiguousarray(spans), offsets, out)
    return pa.LargeStringArray.from_buffers(len(spans), pa.py_buffer(offsets), pa.py_buffer(out[:offsets[-1]])).cast(pa.string())


def _lists(values: pa.Array, counts: npt.NDArray[np.int64]) -> pa.Array:
    offsets = np.zeros(len(counts) + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), values)


def parse_case_strings(col: pa.Array) -> tuple[dict[str, pa.Array], npt.NDArray[np.bool_]]:
    """The activity columns (`isf.batch.fast.COLUMNS`) of a case-string column, and which rows
    the row API must parse instead (``dirty``)."""
    arr = col.cast(pa.large_string()) if not pa.types.is_large_string(col.type) else col
    arr = pa.concat_arrays([arr]) if arr.offset else arr  # buffers from offset 0
    n = len(arr)
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int64, count=n + 1) if n else np.zeros(1, dtype=np.int64)
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(0, dtype=np.uint8)
    valid = np.asarray(arr.is_valid(), dtype=np.uint8)
    spans = np.zeros((n, 12), dtype=np.int64)
    counts = np.zeros((n, 3), dtype=np.int64)
    empty = np.zeros((0, 4), dtype=np.int64)
    _scan(data, offsets, valid, spans, counts, empty, empty[:, :2], False)
    sec = np.zeros((int(counts[:, 1].sum()), 4), dtype=np.int64)
    proc = np.zeros((int(counts[:, 2].sum()), 2), dtype=np.int64)
    _scan(data, offsets, valid, spans, counts, sec, proc, True)
    cols: dict[str, Any] = {
        "kjonn": _strings(data, spans[:, 0:2]),
        "alder_dager": _strings(data, spans[:, 2:4]),
        "utskr_maate": _strings(data, spans[:, 4:6]),
        "liggetid": _strings(data, spans[:, 6:8]),
        "hdiag": _strings(data, spans[:, 8:10]),
        "hdiag2": _strings(data, spans[:, 10:12]),
        "bdiag": _lists(_strings(data, sec), counts[:, 1]),
        "prosedyrer": _lists(_strings(data, proc), counts[:, 2]),
    }
    return cols, counts[:, 0].astype(bool)
