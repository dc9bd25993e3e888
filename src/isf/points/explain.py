"""`explain_points`: one stay/contact as a dict in, its DRG unit's points rule by rule out.

It runs `isf.settlement.explain.explain_rows` on a one-row frame, so the numbers are the batch
computation's numbers (no second copy of the rules).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NamedTuple

import polars as pl

from isf.params.model import YearParams
from isf.settlement.explain import explain_rows
from isf.stg_tfg import StgTfgDefinitions
from isf.weights.weightlist import WeightList

__all__ = ["Explanation", "explain_points", "one_row_frame"]

_SCHEMA: dict[str, pl.DataType] = {
    "kontakt_id": pl.Int64(), "pasient_id": pl.String(), "drg": pl.String(), "status": pl.String(),
    "sektor": pl.String(), "omsorgsniva": pl.Int64(), "kontakt_type": pl.Int64(), "debitor": pl.Int64(),
    "liggetid": pl.Int64(), "utskrklar_dager": pl.Int64(), "ambulant": pl.Boolean(), "isf_enhet": pl.Boolean(),
    "opphold_id": pl.Int64(), "fodselsdato": pl.Date(), "inn_dato": pl.Date(), "ut_dato": pl.Date(),
    "hdiag": pl.String(), "hdiag2": pl.String(), "bdiag": pl.List(pl.String()), "prosedyrer": pl.List(pl.String()),
    "bo_rhf": pl.String(), "bo_hf": pl.String(), "beh_rhf": pl.String(), "beh_hf": pl.String(), "mdc": pl.String(),
}


class Explanation(NamedTuple):
    component: str
    value: Decimal
    rule: str
    source: str


def one_row_frame(row: Mapping[str, Any], *, year: int) -> pl.DataFrame:
    """A one-row activity from `row` (missing fields empty; dates default to 1 January of `year`)."""
    day = dt.date(year, 1, 1)
    base: dict[str, Any] = {"kontakt_id": 1, "pasient_id": "1", "inn_dato": day, "ut_dato": None,
                            "bdiag": [], "prosedyrer": [], "status": "ok"}
    data = base | {k: v for k, v in row.items() if k in _SCHEMA}
    if data["ut_dato"] is None:
        data["ut_dato"] = data["inn_dato"] + dt.timedelta(days=int(data.get("liggetid") or 0))
    return pl.DataFrame([{k: data.get(k) for k in _SCHEMA}], schema=_SCHEMA)


def explain_points(
    row: Mapping[str, Any], weights: WeightList, params: YearParams, *, stg_tfg: StgTfgDefinitions | None = None
) -> list[Explanation]:
    """(component, value, rule, source) of the row's DRG unit; the last item is isf_poeng."""
    units = explain_rows(one_row_frame(row, year=params.year), weights=weights, params=params, stg_tfg=stg_tfg,
                         year=params.year)
    drg = units[0]
    out = [Explanation("isf_poeng" if x.component == "ikke_isf" else x.component, x.value, x.rule, x.source)
           for x in drg.lines]
    if drg.counts:
        out.append(Explanation("isf_poeng", drg.isf_poeng, "sum av komponentene", ""))
    return out
