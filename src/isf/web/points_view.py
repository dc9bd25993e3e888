"""Points and kroner of one grouped case: the case settled as a one-row activity.

`case_points` runs `isf.settlement.explain.explain_rows` (the computation of `isf run`) with
the bundled demo weight lists (DRG, STG, TFG: invented values) and the year parameters with
demo gap-fillers; the page says so. The result covers every unit the case forms (its DRG, and
e.g. TFG BT01 for an AMD injection in 2026). When the DRG unit does not count, `reason` says
why in the headline (e.g. a DRG missing from the weight list), never a silent zero.

Numbers are formatted for people in the page's language (`isf.formatting`). The settlement
writes its rule texts in bokmål; `rule_text` gives them in English for an English page, from
the closed set of texts the rules write (`_EN`), with the numbers in them in the page's style.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from isf import formatting as fmt
from isf.grouping import Case, GroupResult

__all__ = ["SECTORS", "PointsView", "available_years", "case_points", "rule_text"]

#: the activity sectors a case can be tried in (docs/data-model.md `sektor`)
SECTORS = ("somatikk", "phv", "tsb")


@dataclass(frozen=True, slots=True)
class PointsView:
    year: int
    vekt: str
    points: str
    kroner: str
    components: tuple[tuple[str, str, str, str, str], ...] = ()  # (unit, component, value, rule text, source)
    price: str = ""
    demo: bool = True
    reason: str = ""  # why the DRG unit does not count ('' when it does)
    sektor: str = "somatikk"
    navn: str = ""  # the group's name in the weight list ('' when none)


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
    params = load_params(year, demo=True)
    return load_weights("demo", year=year), params, defs, bool(params.demo_names())


# bokmål rule texts of isf.settlement.rules -> English (the whole set the rules write)
_EN: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), e) for p, e in (
    (r"^gjelder ikke$", "does not apply"),
    (r"^vekt (\S+) \((\w+) (\S+)\)$", "weight \\1 (\\2 \\3)"),
    (r"^\((\d+) liggedager - (\d+) utskrivningsklar - trimpunkt (\d+)\) x (\S+)$",
     "(\\1 days of stay − \\2 ready for discharge − trimpunkt \\3) × \\4"),
    (r"^ambulant tillegg (\S+)$", "ambulant supplement \\1"),
    (r"^ISF-poeng i stedet for egenandel: (\S+) \(PHV/TSB, (\d+) - (\d+) <= (\d+) år\)$",
     "ISF points instead of the copay: \\1 (PHV/TSB, \\2 − \\3 ≤ \\4 years)"),
    (r"^980-trekk (\S+)$", "980 deduction \\1"),
    (r"^bærende opphold i sykehusopphold (\S+)$", "carrying stay of hospital stay \\1"),
    (r"^ikke gruppert \(status (.*)\)$", "not grouped (status \\1)"),
    (r"^ukjent sektor (.*)$", "unknown sector \\1"),
    (r"^år (\d+) er utenfor oppgjørsåret (\d+)$", "year \\1 is outside the settlement year \\2"),
    (r"^debitor (.*) er ikke ISF-finansiert$", "debitor \\1 is not ISF-financed"),
    (r"^enheten er ikke ISF-tellende \(isf_enhet\)$", "the unit does not count for ISF (isf_enhet)"),
    (r"^omsorgsnivå (.*) i (\w+) er ikke i ISF$", "care level \\1 in \\2 is not in ISF"),
    (r"^finansiert gjennom TFG (\S+)$", "financed through TFG \\1"),
    (r"^(\w+) (\S+) mangler i vektlisten$", "\\1 \\2 is not in the weight list"),
    (r"^(\w+) (\S+) er ikke ISF-finansiert \(vektliste\)$", "\\1 \\2 is not ISF-financed (weight list)"),
    (r"^avdelingsopphold i sykehusopphold (\S+): poengene ligger på bærende opphold kontakt_id (\S+)$",
     "department stay of hospital stay \\1: its points are on the carrying stay kontakt_id \\2"),
))
_DECIMAL = re.compile(r"(?<![\w.,])(-?\d+)\.(\d+)(?![\w.])")


def _english(part: str) -> str:
    if part.startswith("ikke ISF: "):  # the reason of a unit that does not count
        return "not ISF: " + _english(part[len("ikke ISF: "):])
    for pattern, english in _EN:
        if pattern.match(part):
            return pattern.sub(english, part)
    return part


def rule_text(text: str, lang: str = "nb") -> str:
    """A settlement rule text for a page in `lang`: English words for an English page (each
    part of a ``; ``-joined text), decimal numbers in the page's style (1.04 -> 1,04)."""
    out = "; ".join(_english(p) if lang == "en" else p for p in text.split("; "))
    return _DECIMAL.sub(lambda m: fmt.number(Decimal(m.group(0)), len(m.group(2)), lang=lang, nbsp=True), out)


def case_points(
    result: GroupResult, case: Case, *, year: int | None, care_level: str = "", sektor: str = "somatikk",
    lang: str = "nb",
) -> PointsView | None:
    """Points of ``result`` for ``year`` in ``sektor`` (ordinary debitor, no ambulant supplement),
    all units, formatted for a page in ``lang``."""
    if year is None or year not in available_years():
        return None
    from isf.errors import IsfError
    from isf.points import one_row_frame
    from isf.settlement.explain import explain_rows

    sektor = sektor if sektor in SECTORS else "somatikk"
    try:
        weights, params, defs, demo_params = _inputs(year)
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
    n = {"lang": lang, "nbsp": True}
    return PointsView(
        year=year,
        vekt=fmt.number(vekt, 3, **n) if vekt is not None else "–",  # type: ignore[arg-type]
        points=fmt.points(total, **n),  # type: ignore[arg-type]
        kroner=fmt.kroner(kr, **n),  # type: ignore[arg-type]
        components=tuple((u.label, x.component, fmt.number(x.value, 4, **n), rule_text(x.rule, lang),  # type: ignore[arg-type]
                          x.source.split("/")[-1]) for u in units for x in u.lines),
        price="" if priced is None else (f"{fmt.kroner(priced.enhetspris, **n)} × "  # type: ignore[arg-type]
                                         f"{fmt.percent(priced.isf_andel, 0, **n)}"),  # type: ignore[arg-type]
        demo=weights.demo or demo_params,
        reason="" if drg.counts else f"{drg.label}: {rule_text(drg.reason or '', lang)}",
        sektor=sektor,
        navn=entry.navn if entry is not None else "",
    )
