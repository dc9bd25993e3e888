"""The native grouping loop: fold each case's code facts, walk its candidate rules.

One numba-compiled function over integer arrays. It knows no NordDRG column: it ORs the
property masks of a case's codes, notes whether an OR value of 1 or 2 is among them, takes the
highest CC level of the secondary diagnoses' COMPL categories the principal does not block (an
inactive one only when a code other than its own slot brings an activating bit), and then, for each
candidate rule of the principal's class, tests the rule's literals (bits that must be set or
clear) and view tests (a verdict table looked up with the case's age bucket, CC level, OR
summary ...). What the bits and verdicts mean was decided by `isf.grouping.compiled`, which
evaluated the column units' checks; `isf.grouping.features` defines the same fold in Python and
the tests compare both row by row.

Compiled once per machine (``cache=True``); `warm_up` reports the compile or cache-load time.
Without numba the same function runs as plain Python (slow, for debugging).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import numpy.typing as npt

from isf.grouping.compiled import VIEW_SLOTS, CompiledLogic, FactArrays, MatchTables

__all__ = ["NATIVE", "match_cases", "warm_up"]

try:
    import numba

    _jit = numba.njit(cache=True, nogil=True, boundscheck=False)
    NATIVE = True
except ImportError:  # pragma: no cover - numba is a dependency; this keeps a debugger usable

    def _jit(f: Any) -> Any:
        return f

    NATIVE = False


_N_VIEWS = len(VIEW_SLOTS)


@_jit
def _has(mask: Any, row: int, bit: int) -> bool:
    return bool((mask[row, bit >> 6] >> np.uint64(bit & 63)) & np.uint64(1) == np.uint64(1))


@_jit
def _bit_index(low: Any) -> int:
    """Position of the single set bit of `low` (a power of two: exact as a float)."""
    return int(np.log2(np.float64(low)))


@_jit
def _add(other: Any, c_mask: Any, c_or1: Any, c_or2: Any, c: int, or1: int, or2: int) -> tuple[int, int]:
    """Fold contribution row `c` into `other`: its property bits, its OR 1 / OR 2 flags."""
    for w in range(other.shape[1]):
        other[0, w] |= c_mask[c, w]
    return or1 | c_or1[c], or2 | c_or2[c]


@_jit
def _activated(kc: int, k: int, lo: int, hi: int, sec_ids: Any, c_mask: Any, shared: Any, k_act: Any) -> bool:
    """Does a code other than secondary slot `k` bring an activating bit of category `kc`?
    `shared` holds the principal's and the procedures' bits; slots lo..hi are the secondaries."""
    for w in range(shared.shape[1]):
        acc = shared[0, w]
        for k2 in range(lo, hi):
            if k2 != k:
                acc |= c_mask[sec_ids[k2], w]
        if acc & k_act[kc, w] != np.uint64(0):
            return True
    return False


@_jit
def _match(  # type: ignore[no-untyped-def]
    lo, hi,  # the cases this call groups
    p_row, age_b, stay_b, sex_i, disch_i, sec_off, sec_ids, proc_off, proc_ids,  # per case
    p_mask, p_blocked, p_or1, p_or2, p_class,  # principal facts
    c_mask, c_or1, c_or2, c_cc, c_compl_off, c_compl, k_level, k_list, k_needs, k_act,  # contributions, COMPL
    n_keys, cand_off, cand_rules, cand_keys, lit_off, lit_bit, lit_want, test_off, test_slot, test_base, verdicts,
    item_x, item_p, out, views_out,
):
    n = p_row.shape[0]
    words = p_mask.shape[1]
    n_items = item_x.shape[0]
    mask = np.zeros((1, words), dtype=np.uint64)
    other = np.zeros((1, words), dtype=np.uint64)
    shared = np.zeros((1, words), dtype=np.uint64)  # bits of the principal and the procedures
    views = np.zeros(6 + n_items, dtype=np.int32)
    stamp = np.full(n_items, -1, dtype=np.int64)  # case whose procedure classes views[6 + j] holds
    counts = np.zeros(4, dtype=np.int32)
    found = np.zeros(lit_off.shape[0], dtype=np.int32)
    keep_views = views_out.shape[0] == n
    for i in range(lo, hi):
        pf = p_row[i]
        for w in range(words):
            mask[0, w] = p_mask[pf, w]
            shared[0, w] = p_mask[pf, w]
            other[0, w] = 0
        or1 = p_or1[pf]
        or2 = p_or2[pf]
        level = 0
        for k in range(proc_off[i], proc_off[i + 1]):
            or1, or2 = _add(shared, c_mask, c_or1, c_or2, proc_ids[k], or1, or2)
            if c_cc[proc_ids[k]]:
                level = 1
        for k in range(sec_off[i], sec_off[i + 1]):
            or1, or2 = _add(other, c_mask, c_or1, c_or2, sec_ids[k], or1, or2)
        for w in range(words):
            mask[0, w] |= shared[0, w] | other[0, w]
        # CC level from the secondaries' COMPL categories (procedures gave 1 above)
        for k in range(sec_off[i], sec_off[i + 1]):
            if level == 2:
                break
            c = sec_ids[k]
            for q in range(c_compl_off[c], c_compl_off[c + 1]):
                kc = c_compl[q]
                lv = k_level[kc]
                if lv <= level or _has(p_blocked, pf, k_list[kc]):
                    continue
                if k_needs[kc] and not _activated(kc, k, sec_off[i], sec_off[i + 1], sec_ids, c_mask, shared, k_act):
                    continue
                level = lv
        views[0] = age_b[i]
        views[1] = stay_b[i]
        views[2] = sex_i[i]
        views[3] = disch_i[i]
        views[4] = level
        views[5] = 2 * or1 + or2
        result = -1
        # candidates: the class's rules that require no property, and those filed under a
        # property bit the case has (and the class files rules under); tried in rule order
        cls = p_class[pf]
        base = cls * n_keys
        nf = 0
        for q in range(cand_off[base], cand_off[base + 1]):
            found[nf] = cand_rules[q]
            nf += 1
        for w in range(words):
            bitsw = mask[0, w] & cand_keys[cls, w]
            while bitsw != np.uint64(0):
                low = bitsw & (~bitsw + np.uint64(1))
                b = w * 64 + _bit_index(low)
                bitsw ^= low
                for q in range(cand_off[base + 1 + b], cand_off[base + 2 + b]):
                    # insertion into the sorted list (a few dozen candidates at most)
                    r = cand_rules[q]
                    pos = nf
                    while pos > 0 and found[pos - 1] > r:
                        found[pos] = found[pos - 1]
                        pos -= 1
                    found[pos] = r
                    nf += 1
        for qq in range(nf):
            r = found[qq]
            ok = True
            for t in range(lit_off[r], lit_off[r + 1]):
                if _has(mask, 0, lit_bit[t]) != (lit_want[t] == 1):
                    ok = False
                    break
            if not ok:
                continue
            for t in range(test_off[r], test_off[r + 1]):
                s = test_slot[t]
                v = views[s]
                if s >= 6 and stamp[s - 6] != i:  # procedure classes: computed when a rule asks
                    j = s - 6
                    stamp[j] = i
                    x = item_x[j]
                    p = item_p[j]
                    for m in range(4):
                        counts[m] = 0
                    for k in range(proc_off[i], proc_off[i + 1]):
                        c = proc_ids[k]
                        m = (1 if p >= 0 and _has(c_mask, c, p) else 0) + (2 if _has(c_mask, c, x) else 0)
                        if counts[m] < 2:
                            counts[m] += 1
                    v = 1 if _has(mask, 0, x) else 0
                    for m in range(3, -1, -1):
                        v = v * 3 + counts[m]
                    views[s] = v
                if verdicts[test_base[t] + v] == 0:
                    ok = False
                    break
            if ok:
                result = r
                break
        out[i] = result
        if keep_views:
            for s in range(6 + n_items):
                views_out[i, s] = views[s] if s < 6 or stamp[s - 6] == i else -1


def match_cases(
    m: MatchTables,
    facts: FactArrays,
    *,
    principal: npt.NDArray[np.int32],
    age_bucket: npt.NDArray[np.int32],
    stay_bucket: npt.NDArray[np.int32],
    sex: npt.NDArray[np.int32],
    discharge: npt.NDArray[np.int32],
    secondary_offsets: npt.NDArray[np.int64],
    secondary: npt.NDArray[np.int32],
    procedure_offsets: npt.NDArray[np.int64],
    procedures: npt.NDArray[np.int32],
    views: bool = False,
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    """Rule index per case (-1: none matched) and, with `views`, each case's view values
    (age, stay, sex, discharge, CC level, OR summary, procedure classes; -1 = not needed).

    Cases are given as principal fact rows, view indices, and CSR lists of contribution rows
    (a case's secondary diagnoses are ``secondary[secondary_offsets[i]:secondary_offsets[i+1]]``).
    The loop holds no GIL: callers may run it on several threads over different cases.
    """
    n = len(principal)
    out = np.empty(n, dtype=np.int32)
    views_out = np.empty((n if views else 0, _N_VIEWS + len(m.item_secondary)), dtype=np.int32)
    arrays = (
        principal, age_bucket, stay_bucket, sex, discharge, secondary_offsets, secondary, procedure_offsets, procedures,
        facts.p_mask, facts.p_blocked, facts.p_or1, facts.p_or2, facts.p_class,
        facts.c_mask, facts.c_or1, facts.c_or2, facts.c_cc, facts.c_compl_off, facts.c_compl,
        facts.compl_level, facts.compl_list, facts.compl_needs, facts.compl_act,
        m.n_keys, m.cand_off, m.cand_rules, m.cand_keys, m.lit_off, m.lit_bit, m.lit_want, m.test_off, m.test_slot, m.test_base, m.verdicts,
        m.item_secondary, m.item_carrier, out, views_out,
    )
    _match(0, n, *arrays)
    return out, views_out


def warm_up(compiled: CompiledLogic) -> float:
    """Compile (or load from numba's cache) the loop and the case-string scanner; returns the
    seconds it took."""
    t = time.perf_counter()
    z32 = np.zeros(1, dtype=np.int32)
    z64 = np.zeros(2, dtype=np.int64)
    match_cases(compiled.match, compiled.facts, principal=z32, age_bucket=z32, stay_bucket=z32, sex=z32,
                discharge=z32, secondary_offsets=z64, secondary=z32[:0], procedure_offsets=z64, procedures=z32[:0])
    import pyarrow as pa

    from isf.batch.case_strings import parse_case_strings

    parse_case_strings(pa.array(["1,20000,H,3,,A390,G01,I109,,,,NAT23"]))
    return time.perf_counter() - t
