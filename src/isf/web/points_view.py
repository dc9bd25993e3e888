"""Points and kroner of one grouped case: the case settled as a one-row activity.

`case_points` runs `isf.settlement.explain.explain_rows` (the computation of `isf run`) with
the bundled demo weight lists (DRG, STG, TFG: invented values) and the year parameters with
demo gap-fillers; the page says so. The result covers every unit the case forms (its DRG, and
e.g. TFG BT01 for an AMD injection in 2026). When the DRG unit does not count, `reason` says
why in the headline (e.g. a DRG missing from the weight list), never a silent zero.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from isf.grouping import Case, GroupResult

__all__ = ["PointsView", "available_years", "case_points"]


@dataclass(frozen=True, slots=True)
class PointsView:
    year: int
    vekt: str
    points: str
    kroner: str
    components: tuple[tuple[str, str, str, str], ...] = ()  # (unit: component, value, rule, source)
    price: str = ""
    demo: bool = True
    reason: str = ""  # why the DRG unit does not count ('' when it does)


def available_years() -> list[int]:
    """Years with a bundled demo weight list (and so points in the web app)."""
    try:
        from isf.weights.weightlist import demo_years
    except ImportError:
        return []
    return demo_years()


@lru_cache(maxsize=8)
def _inputs(year: int):  # type: ignore[no-untyped-def]
    from isf.params import load_params
    from isf.stg_tfg import available_years as stg_years
    from isf.stg_tfg import load_stg_tfg
    from isf.weights.weightlist import load_weights

    defs = load_stg_tfg(year) if year in stg_years() else None
    return load_weights("demo", year=year), load_params(year, demo=True), defs


def _fmt(v: Decimal, places: int) -> str:
    return f"{v:,.{places}f}".replace(",", "\u202f").replace(".", ",")


def case_points(
    result: GroupResult, case: Case, *, year: int | None, care_level: str = "", sektor: str = "somatikk"
) -> PointsView | None:
    """Points of ``result`` for ``year`` (ordinary debitor, no ambulant supplement), all units."""
    if year is None or year not in available_years():
        return None
    from isf.errors import IsfError
    from isf.points import one_row_frame
    from isf.settlement.explain import explain_rows

    try:
        weights, params, defs = _inputs(year)
        day = dt.date(year, 1, 1)
        row = {
            "drg": result.drg, "status": "ok" if result.drg else "no_drg", "sektor": sektor, "debitor": 1,
            "omsorgsniva": int(care_level) if care_level.isdigit() else (1 if case.los > 0 else 3),
            "liggetid": case.los, "utskrklar_dager": 0, "ambulant": False, "inn_dato": day,
            "hdiag": case.diagnoses[0][0] if case.diagnoses else None,
            "bdiag": ["&".join(s) for s in case.diagnoses[1:]], "prosedyrer": list(case.procedures),
        }
        units = explain_rows(one_row_frame(row, year=year), weights=weights, params=params, stg_tfg=defs, year=year)
    except IsfError:  # a parameter gap for this year: show "not available"
        return None
    total = sum((u.isf_poeng for u in units), Decimal(0))
    kr = sum((u.isf_kroner for u in units), Decimal(0))
    drg = units[0]
    entry = weights.get(result.drg) if result.drg else None
    vekt = entry.vekt if entry is not None and entry.vekt is not None else None
    priced = next((u for u in units if u.enhetspris is not None), None)
    return PointsView(
        year=year,
        vekt=_fmt(vekt, 3) if vekt is not None else "–",
        points=_fmt(total, 3),
        kroner=_fmt(kr, 0),
        components=tuple((f"{u.label}: {x.component}", _fmt(x.value, 4), x.rule, x.source.split("/")[-1])
                         for u in units for x in u.lines),
        price="" if priced is None else f"{_fmt(priced.enhetspris, 0)} × {_fmt(priced.isf_andel * 100, 0)} %",  # type: ignore[arg-type, operator]
        demo=weights.demo,
        reason="" if drg.counts else f"{drg.label}: {drg.reason}",
    )
