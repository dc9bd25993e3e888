"""Every way isf can group a case, behind one signature, so rule tests run through all of them.

* ``group``      -- the public single-case API (`isf.grouping.group`);
* ``compiled``   -- the compiled logic's single-case matcher (the units' checks over the
  candidate rules);
* ``explain``    -- the explain trace's result (every rule from the top, condition by condition);
* ``fast``       -- the batch path: Arrow columns -> ids -> the native loop (`isf.batch.fast`);
* ``row_kernel`` -- the row kernel over case strings (`isf.batch.kernel`);
* ``vectorized`` -- the polars adapter (`isf.batch.vectorized`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

PATHS = ("group", "compiled", "explain", "fast", "row_kernel", "vectorized")

ROW_SCHEMA = pa.schema([
    ("kjonn", pa.int8()), ("alder_dager", pa.int32()), ("utskr_maate", pa.string()), ("liggetid", pa.int32()),
    ("hdiag", pa.string()), ("hdiag2", pa.string()), ("bdiag", pa.list_(pa.string())), ("prosedyrer", pa.list_(pa.string())),
])


@dataclass(frozen=True)
class Outcome:
    drg: str
    rtc: str
    rule: str
    mdc: str


def case_row(case: Any) -> dict[str, Any]:
    """A `Case` as an activity row (docs/data-model.md)."""
    principal = case.diagnoses[0] if case.diagnoses else ()
    return {
        "kjonn": {"M": 1, "F": 2}.get(case.sex),
        "alder_dager": case.age_days,
        "utskr_maate": case.discharge,
        "liggetid": case.los,
        "hdiag": principal[0] if principal else None,
        "hdiag2": principal[1] if len(principal) == 2 else None,
        "bdiag": ["&".join(s) for s in case.diagnoses[1:] if s],
        "prosedyrer": list(case.procedures),
    }


def _from_batch(out: dict[str, list[Any]], i: int = 0) -> Outcome:
    assert out["status"][i] == "ok", (out["status"][i], out["error"][i])
    return Outcome(*(out[k][i] or "" for k in ("drg", "rtc", "rule", "mdc")))


def group_by(path: str, logic: Any, case: Any) -> Outcome:
    """Group one case through `path` (one of `PATHS`)."""
    if path == "group":
        from isf.grouping import group

        r = group(logic, case)
    elif path == "compiled":
        from isf.grouping.compiled import compiled_logic

        r = compiled_logic(logic).group(case)
    elif path == "explain":
        from isf.grouping.explain import explain

        r = explain(logic, case).result
    elif path == "fast":
        from isf.batch.fast import GroupingRun, group_table

        table = pa.Table.from_pylist([case_row(case)], schema=ROW_SCHEMA)
        return _from_batch(group_table(GroupingRun.for_logic(logic), table).to_pydict())
    elif path == "row_kernel":
        from isf.batch.kernel import group_record_batch
        from isf.grouping import to_case_string

        batch = pa.RecordBatch.from_pydict({"case_string": [to_case_string(case)]})
        return _from_batch(group_record_batch(logic, batch).to_pydict())
    elif path == "vectorized":
        import polars as pl

        from isf.batch.vectorized import group_frame

        df = pl.from_arrow(pa.Table.from_pylist([case_row(case)], schema=ROW_SCHEMA))
        return _from_batch(group_frame(logic, df).to_dict(as_series=False))
    else:
        raise ValueError(path)
    return Outcome(r.drg, r.rtc, r.rule, r.mdc)
