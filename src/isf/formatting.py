"""Numbers as people read them: Norwegian style for bokmål (1 748 317,25; 0,21 %), English style
on request (1,748,317.25; 0.21 %). Only for text meant for people (terminal summaries, HTML,
web pages); files for machines keep plain numbers.

>>> number(1748317)
'1 748 317'
>>> number(Decimal("1748317.245"), 2)
'1 748 317,25'
>>> number(-0.0004, 3)
'0,000'
>>> kroner(Decimal("27631.675"))
'27 631,68 kr'
>>> percent(Decimal("0.0021"), 2)
'0,21 %'
>>> number(17604.626, 3, lang="en")
'17,604.626'
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

__all__ = ["DEFAULT_YEAR", "kroner", "number", "percent", "points", "year"]

#: The ISF year every command uses when none is given (the newest regelverk isf knows).
DEFAULT_YEAR = 2026

Num = int | float | Decimal | Fraction
_NBSP = "\u00a0"


def _quantize(value: Num, places: int) -> Decimal:
    if isinstance(value, Fraction):
        d = Decimal(value.numerator) / Decimal(value.denominator)
    elif isinstance(value, float):
        d = Decimal(repr(value))
    else:
        d = Decimal(value)
    q = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return q.copy_abs() if q == 0 else q  # never "-0,00"


def number(value: Num | None, places: int = 0, *, lang: str = "nb", nbsp: bool = False) -> str:
    """`value` with `places` decimals (ROUND_HALF_UP), grouped in thousands; "–" for None.

    Bokmål groups with a space (a no-break space with `nbsp`, for HTML) and uses a decimal
    comma; English groups with a comma and uses a decimal point.
    """
    if value is None:
        return "–"
    s = f"{_quantize(value, places):,.{places}f}"
    if lang == "en":
        return s
    return s.replace(",", _NBSP if nbsp else " ").replace(".", ",")


def kroner(value: Num | None, *, lang: str = "nb", nbsp: bool = False) -> str:
    """Kroner with øre: '27 631,68 kr' (English: 'NOK 27,631.68')."""
    if value is None:
        return "–"
    n = number(value, 2, lang=lang, nbsp=nbsp)
    return f"NOK {n}" if lang == "en" else f"{n}{_NBSP if nbsp else ' '}kr"


def points(value: Num | None, places: int = 3, *, lang: str = "nb", nbsp: bool = False) -> str:
    """ISF points (default three decimals, as the directorate's tables print them)."""
    return number(value, places, lang=lang, nbsp=nbsp)


def percent(share: Num | None, places: int = 1, *, lang: str = "nb", nbsp: bool = False) -> str:
    """A share (0.0021) as a percentage: '0,21 %' (English '0.21%')."""
    if share is None:
        return "–"
    n = number(Decimal(str(share)) * 100 if not isinstance(share, Fraction) else share * 100, places,
               lang=lang, nbsp=nbsp)
    return f"{n}%" if lang == "en" else f"{n}{_NBSP if nbsp else ' '}%"


def year(value: int) -> str:
    """A year is never grouped: 2025, not '2 025'."""
    return str(int(value))
