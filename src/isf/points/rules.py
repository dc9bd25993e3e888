"""Shared constants of the points rules: fixed-point scale, rule texts, required parameters.

Points are fixed-point numbers with 4 decimals (SCALE = 10 000). Weights with more decimals
are rounded ROUND_HALF_UP to 4 when used; the 980 deduction (a share of the base points) is
rounded the same way. Output columns are float64 holding these exact 4-decimal values, so
sums of them (re-scaled to integers) are exact.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "SCALE",
    "to_e4",
    "from_e4",
    "share_e4",
    "MERGE_OMSORGSNIVA",
    "EGENANDEL_OMSORGSNIVA",
    "LANGLIGGER_OMSORGSNIVA",
    "COMPONENTS",
    "OUTPUT_COLUMNS",
]

SCALE = 10_000
_Q4 = Decimal("0.0001")

# Department stays of these care levels are merged into hospital stays (1 døgn, 2 dag);
# outpatient contacts (3, 8) always count on their own.
MERGE_OMSORGSNIVA = (1, 2)
# Long-stay supplement only for inpatient stays (døgn).
LANGLIGGER_OMSORGSNIVA = (1,)
# The PHV/TSB copay exemption concerns outpatient contacts.
EGENANDEL_OMSORGSNIVA = (3,)

COMPONENTS = ("poeng_basis", "poeng_langligger", "poeng_ambulant", "poeng_egenandel", "poeng_trekk")
OUTPUT_COLUMNS = (
    "vekt", "trimpunkt", "liggetid_isf", *COMPONENTS, "isf_poeng", "isf_tellende", "isf_arsak",
    "poeng_regel", "baerende_kontakt_id", "aar", "tertial", "maaned",
)


def to_e4(d: Decimal) -> int:
    """Decimal points -> integer ten-thousandths, ROUND_HALF_UP."""
    return int(d.quantize(_Q4, rounding=ROUND_HALF_UP) * SCALE)


def from_e4(n: int) -> Decimal:
    return (Decimal(n) / SCALE).quantize(_Q4)


def share_e4(base_e4: int, share: Decimal) -> int:
    """round_half_up(base × share) in ten-thousandths, for base ≥ 0 (integer arithmetic)."""
    num, den = share.as_integer_ratio()
    return (2 * base_e4 * num + den) // (2 * den)
