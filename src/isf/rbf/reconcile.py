"""Reconciliation: the model fed the seed's 2026 figures, against the published distribution.

The seed [002] publishes the preliminary RBF 2026 distribution (l.1474-1484) and the goal
achievement behind it (l.1488-1567). Only the chart of the three large indicators can be read
per region: its labels come in series order (l.1515 «Helse Midt-Norge RHF Helse Nord RHF Helse
Sør-Øst RHF Helse Vest RHF»), three per region. The chart of the six small indicators has 19
labels for 24 bars (l.1517-1553), so its values cannot be assigned to regions; the
reconciliation gives those six indicators equal results in every region (they then move no
money) and reports, beside it, the range the model can reach over every ordering of the regions
on them. The bundled 2026 model is used as it is: nothing here is fitted to the four numbers.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from isf.rbf.definitions import RbfDefinitions
from isf.rbf.distribution import IndicatorValue, distribute, settle
from isf.rbf.output import fmt_mnok

__all__ = [
    "GOAL_2026",
    "PUBLISHED_2026",
    "SETTLEMENT_2025",
    "ReconciliationRow",
    "reconcile_2026",
    "reconciliation_markdown",
    "sensitivity_markdown",
    "settlement_2025_markdown",
]

_M = Decimal(1_000_000)

#: [002] l.1476-1482: (basis amount, published preliminary RBF 2026), MNOK.
PUBLISHED_2026: dict[str, tuple[Decimal, Decimal]] = {
    "Helse Midt-Norge": (Decimal("98.4"), Decimal("94.9")),  # l.1476 «98,4 94,9 - 3,4»
    "Helse Nord": (Decimal("83.6"), Decimal("78.2")),  # l.1478 «83,6 78,2 - 5,4»
    "Helse Sør-Øst": (Decimal("378.0"), Decimal("358.0")),  # l.1480 «378,0 358,0 - 20,0»
    "Helse Vest": (Decimal("133.2"), Decimal("162.0")),  # l.1482 «133,2 162,0 28,8»
}
#: [002] l.1488-1511 «Måloppnåelse ved foreløpig fordeling», per region (Midt-Norge l.1489-1493,
#: Nord l.1495-1499, Sør-Øst l.1501-1505, Vest l.1507-1511), as shares.
GOAL_2026: dict[str, dict[str, Decimal]] = {
    "video_telefon": {"Helse Midt-Norge": Decimal("0.133"), "Helse Nord": Decimal("0.174"),
                      "Helse Sør-Øst": Decimal("0.133"), "Helse Vest": Decimal("0.121")},
    "samarbeid_phv_tsb": {"Helse Midt-Norge": Decimal("0.284"), "Helse Nord": Decimal("0.253"),
                          "Helse Sør-Øst": Decimal("0.286"), "Helse Vest": Decimal("0.282")},
    "epikriser_1_dag": {"Helse Midt-Norge": Decimal("0.705"), "Helse Nord": Decimal("0.621"),
                        "Helse Sør-Øst": Decimal("0.684"), "Helse Vest": Decimal("0.714")},
}
#: [000] l.1306-1309: (preliminary on T1 2024, final on annual 2024) RBF 2025, MNOK
#: (l.1309 reads «1254» for 125,4: OCR; the sum row l.1310 «671,6» confirms 125,4).
SETTLEMENT_2025: dict[str, tuple[Decimal, Decimal]] = {
    "Helse Midt-Norge": (Decimal("99.1"), Decimal("92.7")),
    "Helse Nord": (Decimal("77.6"), Decimal("75.3")),
    "Helse Sør-Øst": (Decimal("369.5"), Decimal("348.2")),
    "Helse Vest": (Decimal("125.4"), Decimal("155.4")),
}
#: What the seed prints in the change column ([000] l.1306-1309), MNOK.
SETTLEMENT_2025_PRINTED = {"Helse Midt-Norge": Decimal("-6.4"), "Helse Nord": Decimal("-2.3"),
                           "Helse Sør-Øst": Decimal("-21.3"), "Helse Vest": Decimal("29.9")}


@dataclass(frozen=True, slots=True)
class ReconciliationRow:
    rhf: str
    basis: Decimal  # MNOK, seed
    published: Decimal  # MNOK, seed
    model_kroner: Decimal  # the model with the six unreadable indicators equal everywhere
    low_kroner: Decimal  # the model's range over every ordering of the regions on those six
    high_kroner: Decimal

    @property
    def residual_kroner(self) -> Decimal:
        return self.model_kroner - self.published * _M


def _values(defs: RbfDefinitions, order: tuple[str, ...] | None) -> list[IndicatorValue]:
    """Seed values for the three readable indicators; the others equal (order None) or
    strictly ranked in `order` (best first)."""
    out = []
    k = Fraction(defs.model.standard_kompletthet)
    for ind in defs.indicators:
        for r in defs.region_names:
            if ind.id in GOAL_2026:
                share = Fraction(GOAL_2026[ind.id][r])
            elif order is None:
                share = Fraction(ind.maltall)
            else:
                share = Fraction(ind.maltall) * Fraction(len(order) - order.index(r), len(order) + 1)
            out.append(IndicatorValue(ind.id, r, None, None, share, k, kompletthet_demo=True))
    return out


def reconcile_2026(defs: RbfDefinitions) -> list[ReconciliationRow]:
    """The reconciliation rows, in the definitions' region order (`defs` must be RBF 2026)."""
    if defs.aar != 2026 or set(defs.region_names) != set(PUBLISHED_2026):
        raise ValueError("the reconciliation needs the RBF 2026 definitions with the four regions")
    base = {r.rhf: r.rbf_kroner for r in distribute(defs, _values(defs, None)).regions}
    runs = [{r.rhf: r.rbf_kroner for r in distribute(defs, _values(defs, perm)).regions}
            for perm in itertools.permutations(defs.region_names)]
    return [ReconciliationRow(rhf=r, basis=PUBLISHED_2026[r][0], published=PUBLISHED_2026[r][1], model_kroner=base[r],
                              low_kroner=min(x[r] for x in runs), high_kroner=max(x[r] for x in runs))
            for r in defs.region_names]


def reconciliation_markdown(rows: list[ReconciliationRow]) -> str:
    """The reconciliation as the markdown table in docs/rbf.md (MNOK, Norwegian numbers)."""
    lines = [
        ("| RHF | Basisbevilgning [002] | Publisert foreløpig RBF [002] | Modell | Residual (modell − publisert) "
         "| Modellens spenn | Publisert innenfor |"),
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for x in rows:
        inside = "ja" if x.low_kroner <= x.published * _M <= x.high_kroner else "nei"
        lines.append(
            f"| {x.rhf} | {fmt_mnok(x.basis * _M)} | {fmt_mnok(x.published * _M)} | {fmt_mnok(x.model_kroner)} "
            f"| {fmt_mnok(x.residual_kroner)} | {fmt_mnok(x.low_kroner)}–{fmt_mnok(x.high_kroner)} | {inside} |"
        )
    total_model = sum((x.model_kroner for x in rows), Decimal(0))
    total_pub = sum((x.published for x in rows), Decimal(0)) * _M
    total_basis = sum((x.basis for x in rows), Decimal(0)) * _M
    lines.append(f"| Sum | {fmt_mnok(total_basis)} | {fmt_mnok(total_pub)} | {fmt_mnok(total_model)} "
                 f"| {fmt_mnok(total_model - total_pub)} | | |")
    return "\n".join(lines)


#: Knob settings shown beside the bundled model (a sensitivity, not a fit: none is adopted).
VARIANTS: tuple[tuple[str, dict[str, object]], ...] = (
    ("isf 2026 (rang, måltall gir topplass)", {}),
    ("rang uten måltall-topplass", {"maltall_topp": False}),
    ("måloppnåelse min(andel/måltall, 1)", {"metode": "maloppnaelse"}),
    ("bare plassering (uten datakompletthet)", {"plassering_andel": Decimal(1), "kompletthet_andel": Decimal(0)}),
)


def sensitivity_markdown(defs: RbfDefinitions) -> str:
    """Residual per region (MNOK) under other knob settings, the six unreadable indicators equal."""
    names = defs.region_names
    lines = ["| Modellvariant | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for label, knobs in VARIANTS:
        variant = dataclasses.replace(defs, model=dataclasses.replace(defs.model, **knobs))  # type: ignore[arg-type]
        got = {r.rhf: r.rbf_kroner for r in distribute(variant, _values(variant, None)).regions}
        lines.append(f"| {label} | " + " | ".join(fmt_mnok(got[r] - PUBLISHED_2026[r][1] * _M) for r in names) + " |")
    return "\n".join(lines)


def settlement_2025_markdown() -> str:
    """[000]'s 2025 settlement recomputed from its own rounded table, beside what it prints."""
    pre = {r: v[0] * _M for r, v in SETTLEMENT_2025.items()}
    fin = {r: v[1] * _M for r, v in SETTLEMENT_2025.items()}
    rows = settle(pre, fin)
    lines = ["| RHF | Foreløpig 2025 (1. tertial 2024) | Endelig 2025 (årsdata 2024) | Endring (isf) | Endring trykt [000] |",
             "|---|---:|---:|---:|---:|"]
    for s in rows:
        lines.append(f"| {s.rhf} | {fmt_mnok(s.forelopig_kroner)} | {fmt_mnok(s.endelig_kroner)} "
                     f"| {fmt_mnok(s.endring_kroner)} | {fmt_mnok(SETTLEMENT_2025_PRINTED[s.rhf] * _M)} |")
    tot = [sum((getattr(s, c) for s in rows), Decimal(0)) for c in ("forelopig_kroner", "endelig_kroner", "endring_kroner")]
    printed = sum(SETTLEMENT_2025_PRINTED.values(), Decimal(0)) * _M
    lines.append(f"| Sum | {fmt_mnok(tot[0])} | {fmt_mnok(tot[1])} | {fmt_mnok(tot[2])} | {fmt_mnok(printed)} |")
    return "\n".join(lines)
