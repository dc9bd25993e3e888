"""Explain the points and kroner of one stay/contact by settling it: the same code as a run.

`explain_rows` settles a small activity (one row for `isf explain --year`, the web points
view) with `settle(..., detail=True)` and reads back, per unit, each point rule's value and
text (the columns the batch computation wrote) with the rule's source from the registry and
the weight-list row or parameter it used. Nothing here computes a point.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl

from isf.params.model import YearParams
from isf.settlement.fixed import from_e4
from isf.settlement.rules import Rule, rule, rules_for
from isf.settlement.settle import settle
from isf.stg_tfg import StgTfgDefinitions
from isf.weights.weightlist import WeightList

__all__ = ["Line", "UnitExplanation", "explain_rows"]


@dataclass(frozen=True, slots=True)
class Line:
    """One line of an explanation: a component (or the reason for none) and where it comes from."""

    component: str
    value: Decimal
    rule: str  # the text the computation wrote
    source: str
    name: str  # rule name in `isf.settlement.rules.RULES`


@dataclass(frozen=True, slots=True)
class UnitExplanation:
    """A financed unit of the explained activity: points by component, kroner, reasons."""

    type: str
    gruppe: str
    counts: bool
    reason: str | None
    lines: tuple[Line, ...]
    isf_poeng: Decimal
    enhetspris: Decimal | None
    isf_andel: Decimal | None
    isf_kroner: Decimal
    sektor: str | None

    @property
    def label(self) -> str:
        return f"{self.type} {self.gruppe}"


def _sources(r: Rule, row: dict[str, Any], weights: WeightList, params: YearParams) -> str:
    parts = [r.source.cite()]
    if r.uses_weight:
        entry = weights.get(str(row["_gruppe"]), str(row["_type"]))
        if entry is not None:
            demo = any(f == entry.source and d for f, _, d in weights.sources)
            parts.append(entry.where + (" (DEMO)" if demo else ""))
    for spec in r.params:
        sec, name = spec.split(".")
        if sec == "{sektor}":
            sec = row.get("_psek") or ""
        if sec and params.has(sec, name):
            parts.append(f"{sec}.{name}: {params.source(sec, name)}")
    return "; ".join(parts)


def _explain_unit(row: dict[str, Any], year: int, weights: WeightList, params: YearParams) -> UnitExplanation:
    kind = str(row["_type"])
    lines = []
    if row["_count"]:
        for r in rules_for("poeng", year, kind):
            text = row.get(f"_t_{r.name}")
            value = from_e4(int(row.get(f"_v_{r.name}") or 0))
            source = _sources(r, row, weights, params) if text else r.source.cite()
            lines.append(Line(r.component or r.name, value, text or "gjelder ikke", source, r.name))
    else:
        failed = rule(str(row["_regel"]))
        lines.append(Line("ikke_isf", from_e4(0), f"ikke ISF: {row['_arsak']}",
                          _sources(failed, row, weights, params), failed.name))
    return UnitExplanation(
        type=kind,
        gruppe=str(row["_gruppe"]),
        counts=bool(row["_count"]),
        reason=row["_arsak"],
        lines=tuple(lines),
        isf_poeng=from_e4(int(row["_total"])),
        enhetspris=row.get("_pris"),
        isf_andel=row.get("_andel"),
        isf_kroner=row["_kr"],
        sektor=row.get("_sektor"),
    )


def explain_rows(
    activity: pl.DataFrame,
    *,
    weights: WeightList,
    params: YearParams,
    stg_tfg: StgTfgDefinitions | None,
    year: int,
) -> list[UnitExplanation]:
    """Every financed unit of `activity` (DRG first, then STG/TFG), explained rule by rule.

    Groups without a weight are explained as not counting (with that reason), not refused.
    """
    s = settle(activity, weights=weights, params=params, stg_tfg=stg_tfg, year=year,
               allow_missing_weights=True, detail=True)
    assert s.detail is not None
    order = {"DRG": 0, "STG": 1, "TFG": 2}
    rows = sorted(s.detail.iter_rows(named=True), key=lambda r: (order.get(r["_type"], 9), str(r["_gruppe"])))
    return [_explain_unit(r, year, weights, params) for r in rows]
