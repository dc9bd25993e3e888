"""STG trigger codes for synthetic activity, so a demo run exercises the year's STG/TFG rules.

The bundled STG definitions of the year (`isf.stg_tfg.load_stg_tfg`) say which codes form a
group; this module appends some of them to ``prosedyrer`` of rows where the group would occur:
cooperation codes on somatic outpatient contacts (often indirect ones, kontakt_type 5, the only
ones that give XS08 before 2024) and on inpatients reported utskrivningsklar, IEAD00 on PHV
outpatient contacts, LAR drugs on TSB contacts with a LAR or opioid principal (so T30 forms
with TD99L/TD11A), cancer drugs on outpatient cancer contacts (some dispensed by the hospital,
ZWUU20, which forms the STG only from 2025), Parkinson and RS-virus drugs, light treatment,
web-based programmes. Only codes of groups the year defines are written.

The codes come from a random stream of their own, so every other column is the same as
without them (and `rbf=True` appends its codes after these). Which rows and how often are DEMO
choices, not from the seeds. Pure: Arrow in, Arrow out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from isf.stg_tfg import StgTfgDefinitions
from isf.synth.rbf_codes import append_codes

__all__ = ["STG_CODE_PLAN", "CodePlan", "add_stg_codes"]

#: the seed's code for a drug dispensed by the hospital for time-limited home use ([000] 711)
ZWUU20 = "ZWUU20"


@dataclass(frozen=True, slots=True)
class CodePlan:
    """Rows that get one of the group's trigger codes, with a DEMO probability per row."""

    stg: str
    sectors: tuple[str, ...]
    levels: tuple[int, ...]
    p: float
    hdiag: tuple[str, ...] = ()  # principal diagnosis prefixes (empty: any)
    kontakt_type: tuple[int, ...] = ()  # empty: any
    utskrivningsklar: bool = False  # only rows with utskrklar_dager > 0
    max_age_days: int | None = None
    with_code: str | None = None  # a second code written with the trigger (ZWUU20)


#: DEMO plan (probabilities invented so a 50 000-row run shows every group a few times)
STG_CODE_PLAN: tuple[CodePlan, ...] = (
    CodePlan("XS08", ("somatikk",), (3,), 0.30, kontakt_type=(5,)),
    CodePlan("XS08", ("somatikk",), (3,), 0.006),
    CodePlan("XS08", ("somatikk",), (1,), 0.30, utskrivningsklar=True),
    CodePlan("ACT", ("phv",), (3,), 0.02),
    CodePlan("TS03", ("tsb",), (3,), 0.6, hdiag=("Z5030", "F11")),
    CodePlan("KREFT", ("somatikk",), (3,), 0.15, hdiag=("C",)),
    CodePlan("KREFT", ("somatikk",), (3,), 0.10, hdiag=("C",), with_code=ZWUU20),
    CodePlan("AS04", ("somatikk",), (3,), 0.4, hdiag=("G20",)),
    CodePlan("DS04", ("somatikk",), (3,), 0.05, max_age_days=730),
    CodePlan("JS09", ("somatikk",), (2, 3), 0.01),
    CodePlan("NBP", ("somatikk",), (3,), 0.003),
    CodePlan("XS04", ("somatikk",), (1,), 0.01),
    *(CodePlan(g, ("somatikk",), (3,), 0.0005) for g in ("XS80", "XS81", "XS82", "XS83", "DS03")),
)


def _column(table: pa.Table, name: str) -> np.ndarray:
    return np.asarray(table[name].to_numpy(zero_copy_only=False))


def add_stg_codes(table: pa.Table, defs: StgTfgDefinitions, rng: np.random.Generator) -> pa.Table:
    """`table` with trigger codes of `defs`' STGs appended to some rows (same rows, same order)."""
    n = table.num_rows
    groups = defs.stg_by_code()
    if n == 0 or not groups:
        return table
    sektor = _column(table, "sektor")
    niva = table["omsorgsniva"].to_numpy()
    hdiag = table["hdiag"]
    ktype = table["kontakt_type"].fill_null(0).to_numpy()
    klar = table["utskrklar_dager"].to_numpy()
    age = table["alder_dager"].to_numpy()
    rows: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for plan in STG_CODE_PLAN:
        draw = rng.random(n)  # one draw per plan and row, whether or not the year has the group
        pick = rng.integers(0, 1 << 30, n)
        group = groups.get(plan.stg)
        if group is None:
            continue
        hit = np.isin(sektor, plan.sectors) & np.isin(niva, plan.levels) & (draw < plan.p)
        if plan.hdiag:
            starts = np.zeros(n, dtype=bool)
            for prefix in plan.hdiag:
                starts |= np.asarray(pc.fill_null(pc.starts_with(hdiag, prefix), False))
            hit &= starts
        if plan.kontakt_type:
            hit &= np.isin(ktype, plan.kontakt_type)
        if plan.utskrivningsklar:
            hit &= klar > 0
        if plan.max_age_days is not None:
            hit &= age <= plan.max_age_days
        where = np.flatnonzero(hit)
        trigger = np.asarray(group.koder, dtype=object)[pick[where] % len(group.koder)]
        if plan.with_code:
            rows += [where, where]
            codes += [np.full(len(where), plan.with_code, dtype=object), trigger]
        else:
            rows.append(where)
            codes.append(trigger)
    if not rows:
        return table
    return append_codes(table, np.concatenate(rows), np.concatenate(codes))
