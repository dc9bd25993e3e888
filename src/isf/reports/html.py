"""``isf report``: a run's points table turned into one static HTML file.

`summarise` is pure (DataFrames in, small DataFrames out); `render_report` turns the summary
into HTML text; `build_report` writes it. The file has inline CSS and inline SVG only, so it
opens offline and can be mailed or archived as it is.

Expected columns of ``points`` (docs/data-model.md): ``beh_rhf``, ``beh_hf``, ``tertial``,
``mdc``, ``drg``, ``isf_poeng``, ``isf_kroner``, ``poeng_langligger``, ``isf_tellende``
(optional ``bo_rhf``/``bo_hf`` for the sorge-for view). A missing column leaves its section
out with a note instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from html import escape
from pathlib import Path

import polars as pl

from isf.reports.svg import column_chart, diverging_chart, hbar_chart

__all__ = ["ReportData", "summarise", "render_report", "build_report", "fmt_number"]

_STG_KEYS = ("stg_tfg", "gruppe", "kode", "hdg", "type")
_EFFECT_VALUES = ("endring_kroner", "endring_poeng", "diff_kroner", "diff_poeng", "endring", "diff")


def fmt_number(v: object, decimals: int = 1) -> str:
    """Norwegian number format: thin space for thousands, comma for decimals (1 234,5)."""
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "ja" if v else "nei"
    if isinstance(v, int | float | Decimal):
        s = f"{float(v) if isinstance(v, Decimal) else v:,.{decimals}f}"
        return s.replace(",", "\u202f").replace(".", ",")
    return str(v)


def _kr(v: object) -> str:
    return fmt_number(v, 0) + " kr" if v is not None else "–"


@dataclass(slots=True)
class ReportData:
    """What the report shows: named tables plus facts and notes (all small)."""

    title: str
    totals: dict[str, object] = field(default_factory=dict)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _sum_cols(df: pl.DataFrame) -> list[pl.Expr]:
    out = [pl.len().alias("antall")]
    if "isf_poeng" in df.columns:
        out.append(pl.col("isf_poeng").sum().alias("isf_poeng"))
    if "isf_kroner" in df.columns:
        out.append(pl.col("isf_kroner").sum().alias("isf_kroner"))
    return out


def _by(df: pl.DataFrame, keys: list[str], *, sort_by_points: bool = True) -> pl.DataFrame:
    g = df.group_by(keys).agg(_sum_cols(df))
    if sort_by_points and "isf_poeng" in g.columns:
        return g.sort(["isf_poeng", *keys], descending=[True, *([False] * len(keys))])
    return g.sort(keys)


def _numeric(df: pl.DataFrame) -> list[str]:
    return [c for c, t in df.schema.items() if t.is_numeric()]


def summarise(
    points: pl.DataFrame,
    *,
    stg_tfg: pl.DataFrame | None = None,
    effects: pl.DataFrame | None = None,
    title: str = "ISF-rapport",
    top_n: int = 15,
) -> ReportData:
    """Aggregate a points table into the report's tables (pure)."""
    rep = ReportData(title=title)
    df = points
    n_all = df.height
    if "isf_tellende" in df.columns:
        df = df.filter(pl.col("isf_tellende").fill_null(False))
        rep.notes.append(f"{n_all - df.height} av {n_all} rader teller ikke for ISF og er holdt utenfor summene.")
    rep.totals["rader"] = df.height
    if "isf_poeng" in df.columns:
        rep.totals["isf_poeng"] = df["isf_poeng"].sum()
    else:
        rep.notes.append("Kolonnen isf_poeng mangler: ingen poengsummer.")
    if "isf_kroner" in df.columns:
        rep.totals["isf_kroner"] = df["isf_kroner"].sum()
    for keys, name in ((["beh_rhf"], "per_rhf"), (["beh_rhf", "beh_hf"], "per_hf"),
                       (["bo_rhf"], "sorge_for_rhf")):
        if all(k in df.columns for k in keys):
            rep.tables[name] = _by(df, keys)
        elif name != "sorge_for_rhf":
            rep.notes.append(f"Kolonne(r) {', '.join(keys)} mangler: tabellen {name} er utelatt.")
    if "tertial" in df.columns:
        keys = ["aar", "tertial"] if "aar" in df.columns else ["tertial"]
        rep.tables["per_tertial"] = _by(df, keys, sort_by_points=False)
    if "mdc" in df.columns:
        rep.tables["per_mdc"] = _by(df.with_columns(pl.col("mdc").fill_null("–")), ["mdc"])
    if "drg" in df.columns:
        rep.tables["top_drg"] = _by(df, ["drg"]).head(top_n)
    if "poeng_langligger" in df.columns and "isf_poeng" in df.columns:
        lang = df.filter(pl.col("poeng_langligger") > 0)
        total = float(df["isf_poeng"].sum() or 0)
        rep.totals["langliggere"] = lang.height
        rep.totals["andel_langliggere"] = lang.height / df.height if df.height else 0.0
        rep.totals["poeng_langligger"] = df["poeng_langligger"].sum()
        rep.totals["andel_poeng_langligger"] = (float(df["poeng_langligger"].sum() or 0) / total) if total else 0.0
    if stg_tfg is not None and stg_tfg.height:
        key = next((k for k in _STG_KEYS if k in stg_tfg.columns), None)
        if key is None:
            key = next((c for c, t in stg_tfg.schema.items() if t == pl.Utf8), None)
        if key is None:
            rep.notes.append("STG/TFG-tabellen har ingen tekstkolonne å gruppere på.")
        else:
            nums = [c for c in _numeric(stg_tfg) if c not in ("aar", "tertial", "maaned")]
            rep.tables["stg_tfg"] = (
                stg_tfg.group_by(key).agg([pl.len().alias("antall"), *(pl.col(c).sum() for c in nums)]).sort(key)
            )
    if effects is not None and effects.height:
        rep.tables["effects"] = effects
    return rep


def _table(df: pl.DataFrame, caption: str, *, headers: dict[str, str] | None = None) -> str:
    heads = headers or {}
    numeric = set(_numeric(df)) | {c for c, t in df.schema.items() if isinstance(t, pl.Decimal)}
    th = "".join(
        f'<th scope="col"{" class=num" if c in numeric else ""}>{escape(heads.get(c, c))}</th>' for c in df.columns
    )
    rows = []
    for r in df.iter_rows():
        cells = []
        for c, v in zip(df.columns, r, strict=True):
            if c in numeric:
                dec = 0 if c in ("antall", "aar", "tertial") or "kroner" in c else 1
                cells.append(f'<td class="num">{escape(fmt_number(v, dec))}</td>')
            else:
                cells.append(f"<td>{escape('' if v is None else str(v))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><caption>{escape(caption)}</caption><thead><tr>{th}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


_HEAD = {"antall": "Antall", "isf_poeng": "ISF-poeng", "isf_kroner": "Kroner", "beh_rhf": "RHF",
         "beh_hf": "HF", "bo_rhf": "Bo-RHF", "tertial": "Tertial", "aar": "År", "mdc": "MDC", "drg": "DRG"}

_CSS = """
body{font:15px/1.45 system-ui,sans-serif;color:#1d2329;margin:0 auto;max-width:1100px;padding:1em 1.5em 3em}
h1{font-size:1.6em;margin:.3em 0}h2{font-size:1.25em;margin:1.6em 0 .4em;border-bottom:2px solid #0b2e4f;padding-bottom:.15em}
table{border-collapse:collapse;width:100%;margin:.5em 0 1em;font-size:.92em}caption{text-align:left;font-weight:600;padding:.3em 0}
th,td{border-bottom:1px solid #d0d7de;padding:.25em .5em;text-align:left}thead th{background:#eef2f5}.num{text-align:right;font-variant-numeric:tabular-nums}
.kpis{display:flex;flex-wrap:wrap;gap:1em}.kpi{background:#f3f6f9;border-radius:6px;padding:.6em 1em;min-width:11em}
.kpi b{display:block;font-size:1.4em;color:#0b5394}.note{color:#4d5861;font-size:.9em}.chart{max-width:100%;height:auto;display:block;margin:.5em 0}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:1.5em}@media(max-width:800px){.grid{grid-template-columns:1fr}}
@media print{h2{break-after:avoid}table,svg{break-inside:avoid}}
"""


def _pairs(df: pl.DataFrame, label: str | list[str], value: str) -> list[tuple[str, float]]:
    labels = [label] if isinstance(label, str) else label
    return [(" ".join("" if r[k] is None else str(r[k]) for k in labels), float(r[value] or 0))
            for r in df.iter_rows(named=True)]


def render_report(rep: ReportData, *, generated: date | None = None) -> str:
    """The report as one HTML document (inline CSS and SVG, no scripts)."""
    t = rep.tables
    pts = lambda v: fmt_number(v, 1)  # noqa: E731
    parts = [f"<h1>{escape(rep.title)}</h1>"]
    if generated:
        parts.append(f'<p class="note">Laget {generated.isoformat()} av isf report.</p>')
    kpis = [("Rader som teller", fmt_number(rep.totals.get("rader"), 0))]
    if "isf_poeng" in rep.totals:
        kpis.append(("ISF-poeng", pts(rep.totals["isf_poeng"])))
    if "isf_kroner" in rep.totals:
        kpis.append(("Kroner", _kr(rep.totals["isf_kroner"])))
    if "andel_langliggere" in rep.totals:
        kpis.append(("Langliggere", f"{fmt_number(100 * float(rep.totals['andel_langliggere']), 1)} %"))  # type: ignore[arg-type]
        kpis.append(("Poeng fra langliggertillegg",
                     f"{fmt_number(100 * float(rep.totals['andel_poeng_langligger']), 1)} %"))  # type: ignore[arg-type]
    parts.append('<section aria-label="Nøkkeltall"><div class="kpis">'
                 + "".join(f'<div class="kpi"><span>{escape(k)}</span><b>{escape(v)}</b></div>' for k, v in kpis)
                 + "</div></section>")
    if "per_rhf" in t:
        parts.append("<h2>Poeng og kroner per RHF</h2>")
        parts.append(hbar_chart(_pairs(t["per_rhf"], "beh_rhf", "isf_poeng"), title="ISF-poeng per RHF", fmt=pts))
        parts.append(_table(t["per_rhf"], "Per behandlende RHF", headers=_HEAD))
    if "per_hf" in t:
        parts.append("<h2>Poeng og kroner per HF</h2>")
        parts.append(hbar_chart(_pairs(t["per_hf"], "beh_hf", "isf_poeng"), title="ISF-poeng per HF", fmt=pts))
        parts.append(_table(t["per_hf"], "Per behandlende HF", headers=_HEAD))
    if "sorge_for_rhf" in t:
        parts.append("<h2>Sørge-for: per bo-RHF</h2>" + _table(t["sorge_for_rhf"], "Per pasientens bo-RHF", headers=_HEAD))
    if "per_tertial" in t:
        keys = ["aar", "tertial"] if "aar" in t["per_tertial"].columns else ["tertial"]
        items = [(("T" + lab.split()[-1]) if lab else lab, v) for lab, v in _pairs(t["per_tertial"], keys, "isf_poeng")]
        parts.append("<h2>Per tertial</h2><div class='grid'><div>"
                     + column_chart(items, title="ISF-poeng per tertial", fmt=pts) + "</div><div>"
                     + _table(t["per_tertial"], "Per tertial", headers=_HEAD) + "</div></div>")
    if "per_mdc" in t:
        parts.append("<h2>Case mix etter MDC</h2>")
        parts.append(hbar_chart(_pairs(t["per_mdc"], "mdc", "isf_poeng"), title="ISF-poeng per MDC", fmt=pts))
        parts.append(_table(t["per_mdc"], "Per MDC", headers=_HEAD))
    if "top_drg" in t:
        parts.append("<h2>Største DRG-er</h2>")
        parts.append(hbar_chart(_pairs(t["top_drg"], "drg", "isf_poeng"), title="ISF-poeng for de største DRG-ene", fmt=pts))
        parts.append(_table(t["top_drg"], "Største DRG-er etter ISF-poeng", headers=_HEAD))
    if "langliggere" in rep.totals:
        parts.append(
            "<h2>Langliggere</h2>"
            f"<p>{fmt_number(rep.totals['langliggere'], 0)} opphold "
            f"({fmt_number(100 * float(rep.totals['andel_langliggere']), 1)} %) har langliggertillegg, "  # type: ignore[arg-type]
            f"til sammen {pts(rep.totals['poeng_langligger'])} poeng "
            f"({fmt_number(100 * float(rep.totals['andel_poeng_langligger']), 1)} % av ISF-poengene).</p>"  # type: ignore[arg-type]
        )
    if "stg_tfg" in t:
        parts.append("<h2>STG og TFG</h2>" + _table(t["stg_tfg"], "Særtjenestegrupper og tjenesteforløpsgrupper",
                                                    headers=_HEAD))
    if "effects" in t:
        eff = t["effects"]
        label = next((c for c, ty in eff.schema.items() if ty == pl.Utf8), eff.columns[0])
        value = next((c for c in _EFFECT_VALUES if c in eff.columns), None) or (_numeric(eff) or [None])[-1]
        parts.append("<h2>Omfordelingseffekter mellom vektsett</h2>")
        if value:
            fmt = (lambda v: fmt_number(v, 0) + " kr") if "kroner" in value else (lambda v: fmt_number(v, 1))
            items = sorted(_pairs(eff, label, value), key=lambda kv: kv[1])
            parts.append(diverging_chart(items, title=f"{value} per {label}",
                                         fmt=lambda v: ("+" if v > 0 else "") + fmt(v)))
        parts.append(_table(eff, "Effekter", headers=_HEAD))
    if rep.notes:
        parts.append("<h2>Merknader</h2><ul>" + "".join(f"<li>{escape(n)}</li>" for n in rep.notes) + "</ul>")
    return (
        '<!doctype html><html lang="nb"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(rep.title)}</title><style>{_CSS}</style></head><body><main>"
        + "\n".join(parts) + "</main></body></html>\n"
    )


def build_report(
    points: pl.DataFrame,
    *,
    out: Path,
    stg_tfg: pl.DataFrame | None = None,
    effects: pl.DataFrame | None = None,
    title: str = "ISF-rapport",
    generated: date | None = None,
) -> Path:
    """Write the single-file HTML report for ``points`` to ``out`` and return the path."""
    rep = summarise(points, stg_tfg=stg_tfg, effects=effects, title=title)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_report(rep, generated=generated), encoding="utf-8")
    return out
