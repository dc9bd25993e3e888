"""Points and kroner for one grouped case, from `isf.points.explain_points`.

The web app uses the bundled demo weight lists (``isf.weights``, invented values) and the
year parameters with demo gap-fillers (``isf.params``); the page says so. A year without a
weight list, or a DRG missing from it, gives ``None`` or a zero with the reason, never an
error page.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from isf.grouping import Case, GroupResult

__all__ = ["PointsView", "case_points", "available_years"]


@dataclass(frozen=True, slots=True)
class PointsView:
    year: int
    vekt: str
    points: str
    kroner: str
    components: tuple[tuple[str, str, str, str], ...] = ()  # (component, value, rule, source)
    price: str = ""
    demo: bool = True


def available_years() -> list[int]:
    """Years with a bundled demo weight list (and so points in the web app)."""
    try:
        from isf.weights.weightlist import demo_weights_dir
    except ImportError:
        return []
    return sorted(int(p.stem.split("_")[1]) for p in demo_weights_dir().glob("demo_*.csv"))


@lru_cache(maxsize=8)
def _inputs(year: int):  # type: ignore[no-untyped-def]
    from isf.params import load_params
    from isf.weights.weightlist import load_weights

    return load_weights("demo", year=year), load_params(year, demo=True)


def _fmt(v: Decimal, places: int) -> str:
    return f"{v:,.{places}f}".replace(",", "\u202f").replace(".", ",")


def case_points(
    result: GroupResult, case: Case, *, year: int | None, care_level: str = "", sektor: str = "somatikk"
) -> PointsView | None:
    """Points of ``result`` for ``year`` (ordinary debitor, no ambulant supplement)."""
    if year is None or year not in available_years():
        return None
    try:
        from isf.points import explain_points, kroner

        weights, params = _inputs(year)
        row = {
            "drg": result.drg, "status": "ok" if result.drg else "no_drg", "sektor": sektor, "debitor": 1,
            "omsorgsniva": int(care_level) if care_level.isdigit() else 1, "liggetid": case.los,
            "utskrklar_dager": 0, "ambulant": False,
        }
        parts = explain_points(row, weights, params)
        total = parts[-1].value
        sec = "somatikk" if sektor == "somatikk" else "phv_tsb"
        price, share = params.decimal(sec, "enhetspris"), params.decimal(sec, "isf_andel")
        kr = kroner(total, price, share)
    except Exception:  # noqa: BLE001 - a parameter gap for this year: show "not available"
        return None
    entry = weights.get(result.drg)
    vekt = entry.vekt if entry is not None and entry.vekt is not None else None
    return PointsView(
        year=year,
        vekt=_fmt(vekt, 3) if vekt is not None else "–",
        points=_fmt(total, 3),
        kroner=_fmt(kr, 0),
        components=tuple((p.component, _fmt(p.value, 4), p.rule, p.source.split("/")[-1]) for p in parts),
        price=f"{_fmt(price, 0)} × {_fmt(share * 100, 0)} %",
        demo=bool(getattr(weights, "demo", True)),
    )
