"""Redistribution effects of a new weight set ("Effekter RHF/HF", [002]).

The directorate shows, per sector (Somatikk; PHV/TSB), per region (by residence, «sørge
for») and per hospital (by provider, «Foretak»), the DRG points of one activity priced with
the old and the new weights, the change and the % change, with a total row whose change is 0
after calibration ([002] «Effekter RHF – Nye vekter 2026 Somatikk – sørge for» and «… PHV/TSB
– sørge for»). Here: `effects` builds one such table exactly (Decimal), `sector_effects` all of
them per sector in the seed's layout (RHF rows Helse Midt-Norge, Helse Nord, Helse Vest,
Helse Sør-Øst, then a total; then per HF, largest first), `format_effects` prints them with
whole points, and `effects_svg` draws the changes as a bar chart in plain SVG.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from typing import TYPE_CHECKING, Any, cast

import polars as pl

from isf.weights.calibrate import SECTOR_LABELS, in_sector, points_by, sectors_in

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

TOTAL_LABEL = "TOTALT"
EFFECT_COLUMNS = ("poeng_gammel", "poeng_ny", "endring", "endring_pst")
#: the regions in the order of the directorate's tables ([002] «Effekter RHF»)
RHF_ORDER = ("Helse Midt-Norge", "Helse Nord", "Helse Vest", "Helse Sør-Øst")
SECTOR_EFFECT_SCHEMA: dict[str, Any] = {
    "sektor": pl.String, "nivaa": pl.String, "navn": pl.String, "poeng_gammel": pl.Decimal(38, 12),
    "poeng_ny": pl.Decimal(38, 12), "endring": pl.Decimal(38, 12), "endring_pst": pl.Decimal(38, 6),
    "opphold": pl.Int64,
}


def _q(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def effects(
    activity: pl.DataFrame,
    old_weights: pl.DataFrame,
    new_weights: pl.DataFrame,
    by: Sequence[str] = ("bo_rhf",),
    *,
    activity_new: pl.DataFrame | None = None,
    places: int = 3,
) -> pl.DataFrame:
    """Points old/new per group, change and % change, sorted by old points, plus «TOTALT».

    `activity` is grouped with the old logic, `activity_new` (default: the same) with the new
    one ([002] compares «2024 aktivitet med 2024 logikk, 2025 vekter og 2026 vekter»). Points
    are exact; each shown value is rounded half-up to `places` (the % change to 2 places), and
    the total row is computed from exact totals, so, as in the source tables, the rounded rows
    may not add up to the rounded total by a unit in the last place.
    Extra columns: `opphold` and stays without a weight (`uten_vekt_gammel`, `uten_vekt_ny`).
    """
    by = list(by)
    activity_new = activity if activity_new is None else activity_new
    old = points_by(activity, old_weights, by)
    new = points_by(activity_new, new_weights, by)
    keyed_old = {tuple(r[c] for c in by): r for r in old.iter_rows(named=True)}
    keyed_new = {tuple(r[c] for c in by): r for r in new.iter_rows(named=True)}
    keys = sorted(set(keyed_old) | set(keyed_new), key=lambda k: tuple("" if v is None else str(v) for v in k))
    zero = {"poeng": Decimal(0), "opphold": 0, "uten_vekt": 0}
    rows = []
    tot_old = tot_new = Decimal(0)
    tot_n = tot_uo = tot_un = 0
    for k in keys:
        o, n = keyed_old.get(k, zero), keyed_new.get(k, zero)
        po, pn = o["poeng"], n["poeng"]
        tot_old, tot_new = tot_old + po, tot_new + pn
        tot_n += o["opphold"]
        tot_uo += o["uten_vekt"]
        tot_un += n["uten_vekt"]
        rows.append(_row(dict(zip(by, k)), po, pn, o["opphold"], o["uten_vekt"], n["uten_vekt"], places))
    rows.sort(key=lambda r: (-cast(Decimal, r["poeng_gammel"]), str(r[by[0]]) if by else ""))
    total = _row({c: (TOTAL_LABEL if i == 0 else None) for i, c in enumerate(by)},
                 tot_old, tot_new, tot_n, tot_uo, tot_un, places)
    schema: dict[str, PolarsDataType] = {c: pl.String for c in by}
    schema.update({
        "poeng_gammel": pl.Decimal(38, places), "poeng_ny": pl.Decimal(38, places),
        "endring": pl.Decimal(38, places), "endring_pst": pl.Decimal(38, 2),
        "opphold": pl.Int64, "uten_vekt_gammel": pl.Int64, "uten_vekt_ny": pl.Int64,
    })
    for r in rows:
        for c in by:
            r[c] = None if r[c] is None else str(r[c])
    return pl.DataFrame(rows + [total], schema=schema)


def _row(key: dict[str, object], po: Decimal, pn: Decimal, n: int, uo: int, un: int, places: int) -> dict[str, object]:
    change = pn - po
    pst = _q(change / po * 100, 2) if po else Decimal(0)
    return key | {"poeng_gammel": _q(po, places), "poeng_ny": _q(pn, places),
                  "endring": _q(change, places), "endring_pst": pst,
                  "opphold": n, "uten_vekt_gammel": uo, "uten_vekt_ny": un}


def format_no(value: Decimal, places: int) -> str:
    """Norwegian number style of the source tables: space thousands, decimal comma."""
    q = _q(value, places)
    s = f"{abs(q) if q == 0 else q:,.{places}f}"
    return s.replace(",", " ").replace(".", ",")


def effects_svg(table: pl.DataFrame, *, title: str = "Omfordelingseffekter", places: int = 3) -> str:
    """Horizontal bar chart of `endring` per group (the total row is left out), as SVG text."""
    label_col = table.columns[0]
    data = [(str(r[label_col]), r["endring"], r["endring_pst"])
            for r in table.iter_rows(named=True) if r[label_col] != TOTAL_LABEL]
    bar_h, gap, left, width, right = 18, 6, 230, 360, 170
    top = 40
    height = top + len(data) * (bar_h + gap) + 30
    max_abs = max((abs(v) for _, v, _ in data), default=Decimal(1)) or Decimal(1)
    zero_x = left + width / 2
    scale = (width / 2) / float(max_abs)
    parts = [
        (f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + right}" height="{height}" '
        f'font-family="sans-serif" font-size="12">'),
        f'<title>{escape(title)}</title>',
        f'<text x="10" y="22" font-size="15" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{zero_x}" y1="{top - 4}" x2="{zero_x}" y2="{height - 24}" stroke="#333"/>',
    ]
    for i, (label, value, pst) in enumerate(data):
        y = top + i * (bar_h + gap)
        w = abs(float(value)) * scale
        x = zero_x if value >= 0 else zero_x - w
        colour = "#2e7d32" if value >= 0 else "#c62828"
        parts.append(f'<text x="{left - 8}" y="{y + 13}" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect x="{x:.2f}" y="{y}" width="{w:.2f}" height="{bar_h}" fill="{colour}">'
                     f'<title>{escape(label)}: {format_no(value, places)} poeng</title></rect>')
        parts.append(f'<text x="{left + width + 8}" y="{y + 13}">{format_no(value, places)} '
                     f'({format_no(pst, 2)} %)</text>')
    parts.append(f'<text x="{zero_x}" y="{height - 8}" text-anchor="middle" fill="#555">'
                 f'endring i poeng (nye − gamle vekter)</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _exact_rows(activity: pl.DataFrame, activity_new: pl.DataFrame, old: pl.DataFrame, new: pl.DataFrame,
                by: str) -> dict[str | None, tuple[Decimal, Decimal, int]]:
    po = {r[by]: (r["poeng"], r["opphold"]) for r in points_by(activity, old, [by]).iter_rows(named=True)}
    pn = {r[by]: r["poeng"] for r in points_by(activity_new, new, [by]).iter_rows(named=True)}
    return {k: (po.get(k, (Decimal(0), 0))[0], pn.get(k, Decimal(0)), po.get(k, (Decimal(0), 0))[1])
            for k in set(po) | set(pn)}


def _effect_row(sector: str, level: str, name: str | None, old: Decimal, new: Decimal, n: int) -> dict[str, object]:
    change = new - old
    pst = (change / old * 100).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP) if old else Decimal(0)
    return {"sektor": sector, "nivaa": level, "navn": name, "poeng_gammel": old, "poeng_ny": new,
            "endring": change, "endring_pst": pst, "opphold": n}


def sector_effects(
    activity: pl.DataFrame,
    old_weights: pl.DataFrame,
    new_weights: pl.DataFrame,
    *,
    activity_new: pl.DataFrame | None = None,
    rhf: str = "bo_rhf",
    hf: str = "beh_hf",
) -> pl.DataFrame:
    """The seed's effects tables for every sector, exact: one long table.

    Per sector (`sektor` = Somatikk, PHV/TSB; «Alle sektorer» without a `sektor` column):
    RHF rows (`nivaa` RHF, by `rhf`, the sørge-for side) in the order Helse Midt-Norge, Helse
    Nord, Helse Vest, Helse Sør-Øst (others after, by name), a total row (`navn` TOTALT), then
    HF rows (`nivaa` HF, by `hf`) largest old points first and their total. Values are exact
    Decimals (no rounding but the % change, to 6 places); `format_effects` prints them.
    """
    activity_new = activity if activity_new is None else activity_new
    for col in (rhf, hf):
        if col not in activity.columns or col not in activity_new.columns:
            raise ValueError(f"activity has no column {col!r}")
    rows: list[dict[str, object]] = []
    order = {name: i for i, name in enumerate(RHF_ORDER)}
    for sec in sorted(sectors_in(activity, activity_new), key=lambda x: list(SECTOR_LABELS).index(x)):
        a_old = in_sector(activity, sec)
        a_new = in_sector(activity_new, sec)
        label = SECTOR_LABELS.get(sec, sec)
        for level, col in (("RHF", rhf), ("HF", hf)):
            cells = _exact_rows(a_old, a_new, old_weights, new_weights, col)
            if level == "RHF":
                keys = sorted(cells, key=lambda k: (order.get(str(k), len(order)), "" if k is None else str(k)))
            else:
                keys = sorted(cells, key=lambda k: (-cells[k][0], "" if k is None else str(k)))
            for k in keys:
                o, n, c = cells[k]
                rows.append(_effect_row(label, level, None if k is None else str(k), o, n, c))
            t_old = sum((cells[k][0] for k in keys), Decimal(0))
            t_new = sum((cells[k][1] for k in keys), Decimal(0))
            rows.append(_effect_row(label, level, TOTAL_LABEL, t_old, t_new, sum(cells[k][2] for k in keys)))
    return pl.DataFrame(rows, schema=SECTOR_EFFECT_SCHEMA)


def _whole(value: Decimal) -> str:
    return format_no(value, 0)


def format_effects(table: pl.DataFrame, *, old_label: str = "gamle vekter", new_label: str = "nye vekter") -> str:
    """The tables as the seed prints them: whole points, % change with 2 decimals."""
    out: list[str] = []
    for (sec, level), part in table.group_by(["sektor", "nivaa"], maintain_order=True):
        title = f"Effekter RHF – {sec} – sørge for" if level == "RHF" else f"Effekter HF – {sec}"
        head = ("Sørge for" if level == "RHF" else "Foretak", old_label, new_label, "Endring", "%-endring")
        cells = [head] + [
            (str(r["navn"] or "(ukjent)"), _whole(r["poeng_gammel"]), _whole(r["poeng_ny"]), _whole(r["endring"]),
             format_no(r["endring_pst"], 2) + " %")
            for r in part.iter_rows(named=True)
        ]
        widths = [max(len(c[i]) for c in cells) for i in range(5)]
        out.append(title)
        for c in cells:
            out.append("  " + c[0].ljust(widths[0]) + "  " + "  ".join(c[i].rjust(widths[i]) for i in range(1, 5)))
        out.append("")
    return "\n".join(out)
