"""RBF results as tables (the seeds' layouts), Norwegian number text and SVG charts.

Pure: results in, DataFrames / strings out. The tables are what `isf rbf` writes (CSV +
Parquet) and what the report section reads back, so a number in the report is the number in the
file. Shares and points are exact fractions in the model and rounded here for display only;
kroner are already whole øre (`split_ore`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from html import escape
from typing import Any

import polars as pl

from isf.rbf.definitions import RbfDefinitions
from isf.rbf.distribution import Distribution, IndicatorValue, SettlementRow
from isf.reports.svg import diverging_chart, hbar_chart

__all__ = [
    "KRONER",
    "POINTS",
    "SHARE",
    "charts",
    "definition_rows",
    "distribution_rows",
    "distribution_table",
    "fmt_int",
    "fmt_mnok",
    "fmt_pct",
    "goal_charts",
    "goal_matrix",
    "indicator_table",
    "period_label",
    "settlement_rows",
    "settlement_table",
    "summary_lines",
    "text_table",
    "titles",
    "to_decimal",
]

SHARE = pl.Decimal(38, 6)
POINTS = pl.Decimal(38, 4)
KRONER = pl.Decimal(38, 2)
_NBSP = "\u202f"  # narrow no-break space: the thousands separator of the other reports


def to_decimal(value: Fraction | Decimal | int, places: int) -> Decimal:
    """An exact value rounded half up to `places` decimals (display and file columns)."""
    with localcontext() as ctx:
        ctx.prec = 60
        f = Fraction(value)
        d = Decimal(f.numerator) / Decimal(f.denominator)
        return d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _group(digits: str) -> str:
    out: list[str] = []
    while len(digits) > 3:
        out.insert(0, digits[-3:])
        digits = digits[:-3]
    out.insert(0, digits)
    return _NBSP.join(out)


def _nok(d: Decimal, places: int) -> str:
    q = to_decimal(d, places)
    sign = "-" if q < 0 else ""
    whole, _, frac = f"{abs(q):.{places}f}".partition(".")
    return sign + _group(whole) + ("," + frac if places else "")


def fmt_mnok(kroner: Decimal, places: int = 1) -> str:
    """Kroner as million kroner in Norwegian style: 693 100 000 -> '693,1'; 1 234 500 000 -> '1 234,5'."""
    return _nok(kroner / Decimal(1_000_000), places)


def fmt_pct(share: Fraction | Decimal | None, places: int = 1) -> str:
    """A share as a Norwegian percentage: 0.133 -> '13,3 %'; None -> '–'."""
    if share is None:
        return "–"
    return _nok(Decimal(to_decimal(Fraction(share) * 100, places)), places) + " %"


def fmt_int(n: int | None) -> str:
    return "–" if n is None else ("-" if n < 0 else "") + _group(str(abs(n)))


def period_label(defs: RbfDefinitions, period: str) -> str:
    """What the data period is called in the seeds: «1. tertial 2025» / «årsdata 2025»."""
    return f"1. tertial {defs.dataaar}" if period == "T1" else f"årsdata {defs.dataaar}"


def _demo_fields(defs: RbfDefinitions, ind_id: str, value: IndicatorValue | None, demo_data: bool) -> str:
    fields = list(defs.indicator(ind_id).demo)
    if demo_data:
        fields.append("data")
    if value is not None and value.kompletthet_demo and defs.model.kompletthet_andel:
        fields.append("kompletthet")
    return ", ".join(fields)


def indicator_table(
    defs: RbfDefinitions, period: str, values: Sequence[IndicatorValue], dist: Distribution,
    *, demo_data: frozenset[str] = frozenset(),
) -> pl.DataFrame:
    """One row per indicator and region: result, target, place, score and points earned.
    `demo_data` names the indicators whose values are synthetic (column `demo` says 'data')."""
    by_key = {(v.indikator, v.rhf): v for v in values}
    rows = []
    for s in dist.scores:
        ind = defs.indicator(s.indikator)
        v = by_key.get((s.indikator, s.rhf))
        rows.append({
            "aar": defs.aar, "periode": period, "dataaar": defs.dataaar, "indikator": ind.id,
            "indikatornavn": ind.navn, "kilde": ind.kilde, "rhf": s.rhf,
            "teller": None if v is None else v.teller, "nevner": None if v is None else v.nevner,
            "andel": None if s.andel is None else to_decimal(s.andel, 6),
            "maltall": ind.maltall, "naar_maltall": s.naar_maltall, "plass": s.plass,
            "plassering": to_decimal(s.plassering, 6), "kompletthet": to_decimal(s.kompletthet, 6),
            "score": to_decimal(s.score, 6), "vekt": ind.vekt, "poeng_maks": s.poeng_maks,
            "poeng": to_decimal(s.poeng, 4), "demo": _demo_fields(defs, ind.id, v, ind.id in demo_data),
        })
    schema = pl.Schema({
        "aar": pl.Int32(), "periode": pl.String(), "dataaar": pl.Int32(), "indikator": pl.String(),
        "indikatornavn": pl.String(), "kilde": pl.String(), "rhf": pl.String(), "teller": pl.Int64(),
        "nevner": pl.Int64(), "andel": SHARE, "maltall": SHARE, "naar_maltall": pl.Boolean(), "plass": pl.Int8(),
        "plassering": SHARE, "kompletthet": SHARE, "score": SHARE, "vekt": SHARE, "poeng_maks": pl.Int64(),
        "poeng": POINTS, "demo": pl.String(),
    })
    return pl.DataFrame(rows, schema=schema)


def distribution_table(defs: RbfDefinitions, period: str, dist: Distribution) -> pl.DataFrame:
    """One row per region, as [002] l.1474-1484: basis amount, RBF amount, difference."""
    rows = [{
        "aar": defs.aar, "periode": period, "rhf": r.rhf, "basisandel": to_decimal(r.basisandel, 6),
        "basis_kroner": r.basis_kroner, "rbf_poeng": to_decimal(r.poeng, 4), "rbf_kroner": r.rbf_kroner,
        "differanse_kroner": r.differanse_kroner,
    } for r in dist.regions]
    schema = pl.Schema({"aar": pl.Int32(), "periode": pl.String(), "rhf": pl.String(), "basisandel": SHARE,
                        "basis_kroner": KRONER, "rbf_poeng": POINTS, "rbf_kroner": KRONER, "differanse_kroner": KRONER})
    return pl.DataFrame(rows, schema=schema)


def settlement_table(defs: RbfDefinitions, rows: Sequence[SettlementRow]) -> pl.DataFrame:
    """One row per region, as [000] l.1303-1310: preliminary, final, change."""
    data = [{"aar": defs.aar, "rhf": r.rhf, "forelopig_kroner": r.forelopig_kroner, "endelig_kroner": r.endelig_kroner,
             "endring_kroner": r.endring_kroner} for r in rows]
    schema = pl.Schema({"aar": pl.Int32(), "rhf": pl.String(), "forelopig_kroner": KRONER, "endelig_kroner": KRONER,
                        "endring_kroner": KRONER})
    return pl.DataFrame(data, schema=schema)


def _sum(df: pl.DataFrame, col: str) -> Decimal:
    return sum((Decimal(v) for v in df[col].to_list()), Decimal(0))


def distribution_rows(fordeling: pl.DataFrame, *, title: str) -> list[list[str]]:
    """The distribution in the seed's layout ([002] l.1474-1484), MNOK, with the sum row."""
    head = ["RHF", "Basisbevilgning", title, "Differanse mot basisbevilgning"]
    body = [[r["rhf"], fmt_mnok(r["basis_kroner"]), fmt_mnok(r["rbf_kroner"]), fmt_mnok(r["differanse_kroner"])]
            for r in fordeling.iter_rows(named=True)]
    total = ["Sum", fmt_mnok(_sum(fordeling, "basis_kroner")), fmt_mnok(_sum(fordeling, "rbf_kroner")),
             fmt_mnok(_sum(fordeling, "differanse_kroner"))]
    return [head, *body, total]


def settlement_rows(avregning: pl.DataFrame, *, prelim_title: str, final_title: str) -> list[list[str]]:
    """The settlement in the seed's layout ([000] l.1303-1310), MNOK, with the sum row."""
    head = ["RHF", prelim_title, final_title, "Endring fra foreløpig til endelig fordeling"]
    body = [[r["rhf"], fmt_mnok(r["forelopig_kroner"]), fmt_mnok(r["endelig_kroner"]), fmt_mnok(r["endring_kroner"])]
            for r in avregning.iter_rows(named=True)]
    total = ["Sum", *(fmt_mnok(_sum(avregning, c)) for c in ("forelopig_kroner", "endelig_kroner", "endring_kroner"))]
    return [head, *body, total]


def definition_rows(indikatorer: pl.DataFrame) -> list[list[str]]:
    """The indicators in the seed's layout ([002] l.1431-1455: Indikatornavn, Måltall, Vekt,
    Poeng; the source per indicator), with the sum row."""
    first = indikatorer.unique("indikator", keep="first", maintain_order=True)
    body = [[r["indikatornavn"], fmt_pct(r["maltall"], 0), fmt_pct(r["vekt"]), fmt_int(r["poeng_maks"]), r["kilde"]]
            for r in first.iter_rows(named=True)]
    total = ["Sum", "", fmt_pct(sum((Decimal(v) for v in first["vekt"].to_list()), Decimal(0))),
             fmt_int(int(first["poeng_maks"].sum())), ""]
    return [["Indikatornavn", "Måltall", "Vekt", "Poeng", "Kilde"], *body, total]


def goal_matrix(indikatorer: pl.DataFrame) -> list[list[str]]:
    """Goal achievement per indicator (rows) and region (columns), as the seeds' charts.
    A DEMO mark follows the indicator name when any of its values is DEMO (column `demo`
    of the indicator table says which)."""
    regions = list(dict.fromkeys(indikatorer["rhf"].to_list()))
    head = ["Indikator", "Kilde", "Måltall", "Vekt", *(r.removeprefix("Helse ") for r in regions)]
    out = [head]
    for ind in dict.fromkeys(indikatorer["indikator"].to_list()):
        part = indikatorer.filter(pl.col("indikator") == ind)
        first = part.row(0, named=True)
        name = first["indikatornavn"] + (" (DEMO)" if any(part["demo"].to_list()) else "")
        by = {r["rhf"]: r["andel"] for r in part.iter_rows(named=True)}
        out.append([name, first["kilde"], fmt_pct(first["maltall"], 0), fmt_pct(first["vekt"]), *(fmt_pct(by.get(r)) for r in regions)])
    return out


def goal_charts(indikatorer: pl.DataFrame) -> list[tuple[str, str]]:
    """(title, SVG) per indicator: each region's share; the title names the target."""
    out = []
    for ind in dict.fromkeys(indikatorer["indikator"].to_list()):
        part = indikatorer.filter(pl.col("indikator") == ind)
        first = part.row(0, named=True)
        title = f"{first['indikatornavn']} (måltall {fmt_pct(first['maltall'], 0)})"
        out.append((title, hbar_chart(
            [(r["rhf"], float(r["andel"] or 0) * 100) for r in part.iter_rows(named=True)],
            title=title, fmt=lambda v: fmt_pct(Decimal(repr(v)) / 100),
        )))
    return out


def _stack(charts_: Sequence[tuple[str, str]], *, title: str) -> str:
    """Several charts one under the other in one SVG file, each headed by its title."""
    parts, y, width = [], 0, 0
    for name, svg in charts_:
        m = re.search(r'width="(\d+)" height="(\d+)"', svg)
        w, h = (int(m.group(1)), int(m.group(2))) if m else (640, 200)
        parts.append(f'<text x="4" y="{y + 16}" font-weight="bold">{escape(name)}</text>')
        parts.append(svg.replace("<svg ", f'<svg x="0" y="{y + 22}" ', 1))
        y += h + 30
        width = max(width, w)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{y}" '
            f'viewBox="0 0 {width} {y}" font-family="system-ui, sans-serif" font-size="12">'
            f"<title>{escape(title)}</title>" + "".join(parts) + "</svg>")


def charts(
    fordeling: pl.DataFrame, indikatorer: pl.DataFrame, avregning: pl.DataFrame | None = None
) -> Mapping[str, str]:
    """SVG charts by file name: the difference from the basis-share distribution, goal
    achievement per indicator and region, and (when settled) final - preliminary."""
    mill = Decimal(1_000_000)
    out = {
        "fordeling.svg": diverging_chart(
            [(r["rhf"], float(r["differanse_kroner"] / mill)) for r in fordeling.iter_rows(named=True)],
            title="RBF: differanse mot fordeling etter basisbevilgning (mill. kr)",
            fmt=lambda v: fmt_mnok(Decimal(repr(v)) * mill),
        ),
        "maloppnaelse.svg": _stack(goal_charts(indikatorer), title="RBF: måloppnåelse per indikator og RHF"),
    }
    if avregning is not None and avregning.height:
        out["avregning.svg"] = diverging_chart(
            [(r["rhf"], float(r["endring_kroner"] / mill)) for r in avregning.iter_rows(named=True)],
            title="RBF: endring fra foreløpig til endelig fordeling (mill. kr)",
            fmt=lambda v: fmt_mnok(Decimal(repr(v)) * mill),
        )
    return out


def text_table(rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows as aligned plain-text lines: the first column left, the others right."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
            for r in rows]


def titles(summary: Mapping[str, object]) -> tuple[str, str, str]:
    """(distribution column title, preliminary title, final title) in the seeds' words."""
    aar, dataaar = summary["aar"], summary["dataaar"]
    kind = "Foreløpig" if summary["periode"] == "T1" else "Endelig"
    return (f"{kind} fordeling RBF {aar}", f"Foreløpig fordeling {aar} (1. tertial {dataaar})",
            f"Endelig fordeling {aar} (årsdata {dataaar})")


def summary_lines(summary: Mapping[str, Any], tables: Mapping[str, pl.DataFrame]) -> list[str]:
    """The `isf rbf` summary in bokmål with Norwegian numbers (MNOK); DEMO marked."""
    dist_title, pre_title, fin_title = titles(summary)
    demo = list(summary.get("demo", []))
    pott_demo = " (DEMO)" if "fordeling.pott_kroner" in demo else ""
    kind = "foreløpig" if summary["periode"] == "T1" else "endelig"
    head = f"RBF {summary['aar']} – {kind} fordeling på {summary['datagrunnlag']}"
    if summary.get("demo_data"):
        head += "  [DEMO-data: syntetisk aktivitet og registerverdier]"
    status = summary["rader_status"]
    lines = [
        head,
        f"Pott: {fmt_mnok(Decimal(str(summary['pott_kroner'])))} MNOK{pott_demo}",
        (f"Rader: {fmt_int(summary['rader_inn'])} inn = {fmt_int(summary['rader_ut'])} ut "
         f"({fmt_int(status['ok'])} ok, {fmt_int(status['utenfor_periode'])} utenfor perioden, "
         f"{fmt_int(status['invalid'])} ugyldige)"),
        "",
        "Fordeling (mill. kr):",
        *text_table(distribution_rows(tables["fordeling"], title=dist_title)),
    ]
    if "avregning" in tables:
        lines += ["", "Avregning (mill. kr):",
                  *text_table(settlement_rows(tables["avregning"], prelim_title=pre_title, final_title=fin_title))]
    lines += ["", "Måloppnåelse (andel per RHF):", *text_table(goal_matrix(tables["indikatorer"]))]
    if summary.get("basis_fallback"):
        lines += ["", "Merk: alle regioner fikk 0 poeng; potten er fordelt etter basisandel."]
    if demo:
        lines += ["", f"DEMO: {len(demo)} verdi(er) står ikke i kildene og er demoverdier: " + ", ".join(demo)]
    return lines
