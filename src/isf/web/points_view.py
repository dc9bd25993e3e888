"""Points and kroner for one grouped case, if `isf.points` can give them.

The web app must work whether or not a weight list for the chosen year is available, so
this adapter returns ``None`` (and the page says so) instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from isf.grouping import Case, GroupResult

__all__ = ["PointsView", "case_points", "available_years"]


@dataclass(frozen=True, slots=True)
class PointsView:
    year: int
    vekt: str
    points: str
    kroner: str
    details: tuple[tuple[str, str], ...] = ()


def _module() -> Any:
    try:
        import isf.points as points
    except ImportError:
        return None
    return points


def available_years() -> list[int]:
    """Weight years `isf.points` knows (empty when it offers none)."""
    mod = _module()
    fn = getattr(mod, "available_years", None) if mod else None
    if fn is None:
        return []
    try:
        return sorted(int(y) for y in fn())
    except Exception:  # noqa: BLE001 - a broken optional part must not break the page
        return []


def _fmt(v: object) -> str:
    if isinstance(v, Decimal | float | int):
        return f"{v:,.3f}".replace(",", " ") if not isinstance(v, int) else f"{v:,}".replace(",", " ")
    return str(v)


def case_points(result: GroupResult, case: Case, *, year: int | None, care_level: str = "") -> PointsView | None:
    """Points for ``result`` via ``isf.points.explain_points`` when that exists, else None."""
    mod = _module()
    fn = getattr(mod, "explain_points", None) if mod else None
    if fn is None or year is None or not result.drg:
        return None
    try:
        out = fn(drg=result.drg, year=year, los=case.los, age_days=case.age_days,
                 omsorgsniva=int(care_level) if care_level else None)
    except Exception:  # noqa: BLE001 - unknown DRG/year in the weight list: show "missing"
        return None
    get = out.get if isinstance(out, dict) else lambda k, d=None: getattr(out, k, d)
    kroner = get("isf_kroner", None)
    if isinstance(kroner, int):  # øre
        kroner = Decimal(kroner) / 100
    return PointsView(
        year=year,
        vekt=_fmt(get("vekt", "")),
        points=_fmt(get("isf_poeng", "")),
        kroner=_fmt(kroner if kroner is not None else ""),
    )
