"""Every way isf can group a case, behind one signature, so rule tests run through all of them.

* ``group``       -- the public single-case API (`isf.grouping.group`);
* ``compiled``    -- the compiled logic's single-case matcher (the units' checks over the
  candidate rules);
* ``explain``     -- the explain trace's result (every rule from the top, condition by condition);
* ``fast``        -- the batch path: Arrow columns -> ids -> the native loop (`isf.batch.fast`);
* ``case_string`` -- the row kernel over NPK case strings (numba scanner, then the native loop);
* ``row_by_row``  -- the row kernel's fallback for rows the native path leaves (`group_rows`:
  `case_from_row` and the single-case matcher);
* ``polars``      -- the polars adapter (`isf.batch.vectorized.group_frame`);
* ``engine``      -- the engine's DataFrame adapter on two threads (`group_dataframe`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

PATHS = ("group", "compiled", "explain", "fast", "case_string", "row_by_row", "polars", "engine")

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
    assert out["status"][i] in ("ok", "grouping_error"), (out["status"][i], out["error"][i])
    assert (out["status"][i] == "grouping_error") == (out["error"][i] is not None)
    return Outcome(*(out[k][i] or "" for k in ("drg", "rtc", "rule", "mdc")))


def group_by(path: str, logic: Any, case: Any) -> Outcome:
    """Group one case through `path` (one of `PATHS`)."""
    import polars as pl

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
    elif path == "case_string":
        from isf.batch.kernel import group_record_batch
        from isf.grouping import to_case_string

        batch = pa.RecordBatch.from_pydict({"case_string": [to_case_string(case)]})
        return _from_batch(group_record_batch(logic, batch).to_pydict())
    elif path == "row_by_row":
        from isf.batch.fast import GroupingRun
        from isf.batch.kernel import group_rows

        batch = pa.Table.from_pylist([case_row(case)], schema=ROW_SCHEMA).to_batches()[0]
        return _from_batch(group_rows(GroupingRun.for_logic(logic), batch, [1], None).to_pydict())
    elif path == "polars":
        from isf.batch.vectorized import group_frame

        df = pl.from_arrow(pa.Table.from_pylist([case_row(case)], schema=ROW_SCHEMA))
        return _from_batch(group_frame(logic, df).to_dict(as_series=False))
    elif path == "engine":
        from isf.batch.engine import group_dataframe

        df = pl.from_arrow(pa.Table.from_pylist([case_row(case)] * 3, schema=ROW_SCHEMA))
        out = group_dataframe(logic, df).to_dict(as_series=False)
        assert out["drg"][0] == out["drg"][2]
        return _from_batch(out)
    else:
        raise ValueError(path)
    return Outcome(r.drg, r.rtc, r.rule, r.mdc)
