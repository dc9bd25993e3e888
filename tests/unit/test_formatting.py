"""Norwegian number formatting for people (isf.formatting); its docstring examples run here."""

from __future__ import annotations

import doctest
from decimal import Decimal
from fractions import Fraction

import isf.formatting as fmt


def test_docstring_examples() -> None:
    assert doctest.testmod(fmt).failed == 0


def test_rounding_is_half_up_and_never_negative_zero() -> None:
    assert fmt.number(Decimal("2.5")) == "3"
    assert fmt.number(Decimal("-0.004"), 2) == "0,00"
    assert fmt.kroner(Fraction(1, 3)) == "0,33 kr"


def test_html_uses_no_break_spaces_and_years_are_never_grouped() -> None:
    assert fmt.number(1234567, nbsp=True) == "1\u00a0234\u00a0567"
    assert fmt.percent(Decimal("0.5"), 0, nbsp=True) == "50\u00a0%"
    assert fmt.year(2025) == "2025"
