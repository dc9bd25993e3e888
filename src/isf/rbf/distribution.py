"""The RBF allocation model: indicator results -> points per region -> the pool in kroner.

The directorate does not publish its formula; this is isf's transparent model (docs/rbf.md):

1. *Plassering* per indicator: regions are ranked by their share (higher is better). With
   ``maltall_topp`` a share at or above the target (måltall) counts as the target, so every
   region that reaches it shares the top place. Tied regions share the average of their places'
   ``rangpoeng``; the place score is that divided by the first place's points (0..1). With
   ``metode = "maloppnaelse"`` the place score is goal achievement min(share / måltall, 1)
   instead. A region without a result (no denominator, or not reported) scores 0.
2. *Score* per indicator and region: plassering_andel x place score + kompletthet_andel x data
   completeness (0..1). The public description gives 95 % / 5 % for 2024.
3. *Points*: indicator points (vekt x 100 000) x score, summed per region (max 100 000).
4. *Kroner*: the pool split in proportion to basis share x points, so equal results give the
   basis-share distribution and better results move money towards a region.

All arithmetic is exact (fractions); kroner are rounded once, to øre, by the largest-remainder
method, so the regions' amounts always sum to the pool exactly. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from isf.errors import InputError, IsfError
from isf.rbf.definitions import Indicator, Model, RbfDefinitions

__all__ = [
    "Distribution",
    "IndicatorValue",
    "MissingResultsError",
    "RegionAmount",
    "ScoreRow",
    "SettlementRow",
    "distribute",
    "place_scores",
    "settle",
    "split_ore",
]


class MissingResultsError(IsfError):
    """Indicator results are missing for some region; the message lists every one."""

    def __init__(self, missing: Sequence[tuple[str, str]]) -> None:
        self.missing = tuple(missing)
        listed = "; ".join(f"{ind} / {rhf}" for ind, rhf in self.missing)
        super().__init__(f"{len(self.missing)} indicator result(s) missing (indikator / rhf): {listed}")


@dataclass(frozen=True, slots=True)
class IndicatorValue:
    """One indicator's result for one region: the share and the data completeness."""

    indikator: str
    rhf: str
    teller: int | None
    nevner: int | None
    andel: Fraction | None  # None: no result (no denominator, or not reported)
    kompletthet: Fraction
    kompletthet_demo: bool = False  # True when the completeness is the DEMO default


@dataclass(frozen=True, slots=True)
class ScoreRow:
    """How one indicator scored for one region (the explanation of its points)."""

    indikator: str
    rhf: str
    andel: Fraction | None
    maltall: Decimal
    naar_maltall: bool | None
    plass: int | None  # 1 = best; tied regions share the place; None without result
    plassering: Fraction  # place score 0..1
    kompletthet: Fraction
    score: Fraction  # plassering_andel x plassering + kompletthet_andel x kompletthet
    poeng_maks: int
    poeng: Fraction  # poeng_maks x score


@dataclass(frozen=True, slots=True)
class RegionAmount:
    """A region's share of the pool, beside what the basis share alone would give it."""

    rhf: str
    basisandel: Fraction
    basis_kroner: Decimal
    poeng: Fraction
    rbf_kroner: Decimal
    differanse_kroner: Decimal  # rbf_kroner - basis_kroner


@dataclass(frozen=True, slots=True)
class Distribution:
    """The result of one run of the model."""

    pott_kroner: Decimal
    scores: tuple[ScoreRow, ...]
    regions: tuple[RegionAmount, ...]
    basis_fallback: bool  # every region scored 0: the pool went by basis share


@dataclass(frozen=True, slots=True)
class SettlementRow:
    """Preliminary and final amount of a region and the settlement (final - preliminary)."""

    rhf: str
    forelopig_kroner: Decimal
    endelig_kroner: Decimal
    endring_kroner: Decimal


_ORE = 100


def split_ore(total: Decimal, weights: Sequence[Fraction]) -> list[Decimal]:
    """`total` kroner split in proportion to `weights`, in whole øre, summing to `total` exactly.

    Each part is floored to the øre; the øre left over go one each to the largest remainders
    (ties: the earlier part). All weights zero is an error of the caller.

    >>> split_ore(Decimal("1.00"), [Fraction(1), Fraction(1), Fraction(1)])
    [Decimal('0.34'), Decimal('0.33'), Decimal('0.33')]
    """
    cents = total * _ORE
    if cents != cents.to_integral_value():
        raise InputError(f"{total} has more than two decimals")
    whole = int(cents)
    wsum = sum(weights, Fraction(0))
    if wsum <= 0 or any(w < 0 for w in weights):
        raise InputError("weights must be >= 0 with a positive sum")
    exact = [whole * w / wsum for w in weights]
    parts = [e.numerator // e.denominator for e in exact]
    left = whole - sum(parts)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return [Decimal(p).scaleb(-2) for p in parts]


def place_scores(
    values: Sequence[Fraction | None], *, maltall: Decimal, model: Model
) -> list[tuple[int | None, Fraction]]:
    """(place, place score 0..1) per region for one indicator; see the module docstring."""
    target = Fraction(maltall)
    eff = [None if v is None else (min(v, target) if model.maltall_topp else v) for v in values]
    present = sorted((v for v in eff if v is not None), reverse=True)
    rang = [Fraction(p) for p in model.rangpoeng]
    out: list[tuple[int | None, Fraction]] = []
    for v, raw in zip(eff, values):
        if v is None or raw is None:
            out.append((None, Fraction(0)))
            continue
        better = sum(1 for w in present if w > v)
        tied = sum(1 for w in present if w == v)
        if model.metode == "maloppnaelse":
            score = min(raw / target, Fraction(1))
        else:
            score = sum(rang[better:better + tied], Fraction(0)) / tied / rang[0]
        out.append((better + 1, score))
    return out


def _score_indicator(
    ind: Indicator, model: Model, regions: Sequence[str], values: Mapping[tuple[str, str], IndicatorValue]
) -> list[ScoreRow]:
    vals = [values[(ind.id, r)] for r in regions]
    places = place_scores([v.andel for v in vals], maltall=ind.maltall, model=model)
    a, c = Fraction(model.plassering_andel), Fraction(model.kompletthet_andel)
    rows = []
    for r, v, (plass, p) in zip(regions, vals, places):
        score = a * p + c * v.kompletthet
        rows.append(ScoreRow(
            indikator=ind.id, rhf=r, andel=v.andel, maltall=ind.maltall,
            naar_maltall=None if v.andel is None else v.andel >= Fraction(ind.maltall),
            plass=plass, plassering=p, kompletthet=v.kompletthet, score=score,
            poeng_maks=ind.poeng, poeng=ind.poeng * score,
        ))
    return rows


def distribute(defs: RbfDefinitions, values: Iterable[IndicatorValue], *, pott_kroner: Decimal | None = None) -> Distribution:
    """Run the model on one result per (indicator, region); raises `MissingResultsError`."""
    regions = defs.region_names
    table: dict[tuple[str, str], IndicatorValue] = {}
    for v in values:
        if (v.indikator, v.rhf) in table:
            raise InputError(f"two results for {v.indikator} / {v.rhf}")
        table[(v.indikator, v.rhf)] = v
    missing = [(i.id, r) for i in defs.indicators for r in regions if (i.id, r) not in table]
    if missing:
        raise MissingResultsError(missing)
    scores = [row for ind in defs.indicators for row in _score_indicator(ind, defs.model, regions, table)]
    points = {r: sum((s.poeng for s in scores if s.rhf == r), Fraction(0)) for r in regions}
    basis = [Fraction(reg.basis) for reg in defs.regions]
    bsum = sum(basis, Fraction(0))
    weights = [b * points[r] for b, r in zip(basis, regions)]
    fallback = sum(weights, Fraction(0)) == 0
    pool = defs.model.pott_kroner if pott_kroner is None else pott_kroner
    rbf = split_ore(pool, basis if fallback else weights)
    base = split_ore(pool, basis)
    amounts = tuple(
        RegionAmount(rhf=r, basisandel=b / bsum, basis_kroner=bk, poeng=points[r], rbf_kroner=k, differanse_kroner=k - bk)
        for r, b, bk, k in zip(regions, basis, base, rbf)
    )
    return Distribution(pott_kroner=pool, scores=tuple(scores), regions=amounts, basis_fallback=fallback)


def settle(preliminary: Mapping[str, Decimal], final: Mapping[str, Decimal]) -> list[SettlementRow]:
    """The settlement per region: final - preliminary ([000] l.1303-1310 «Endring fra
    foreløpig til endelig fordeling»), in the order of `final`. Both must name the same regions."""
    if set(preliminary) != set(final):
        only = sorted(set(preliminary) ^ set(final))
        raise InputError(f"preliminary and final name different regions: {', '.join(only)}")
    return [SettlementRow(r, preliminary[r], final[r], final[r] - preliminary[r]) for r in final]
