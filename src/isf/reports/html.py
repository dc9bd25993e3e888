"""``isf report``: a settlement's financed units turned into one static HTML file.

`summarise` is pure (DataFrames in, small DataFrames out); `render_report` turns the summary
into HTML text; `build_report` writes it. The file has inline CSS and inline SVG only, so it
opens offline and can be mailed or archived as it is.

Order: the context (year, logic and checksum, weight lists, parameters with the DEMO ones
named, input rows), the headline (Σ kroner of the units: the CLI total to the øre), sørge-for
per RHF and HF of residence, then sector and unit type, treating RHF/HF, tertial, MDC, the
largest groups, STG/TFG, effects. Every table is split by sector.

Input is the units table of a run (``enheter.parquet``, docs/data-model.md). A points-like
frame (one row per stay, no ``type``/``sektor``) is accepted too: its rows are DRG units of
an unknown sector. A missing column leaves its section out with a note instead of failing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any

import polars as pl

from isf import formatting as fmt
from isf.reports.svg import column_chart, diverging_chart, hbar_chart

__all__ = ["RHF_ORDER", "ReportData", "build_report", "fmt_number", "render_report", "report_names", "summarise"]

#: (kind, code) -> name: kind is DRG, STG, TFG or MDC (from the logic and the weight lists)
Names = Mapping[tuple[str, str], str]

_EFFECT_VALUES = ("endring_kroner", "endring_poeng", "diff_kroner", "diff_poeng", "endring", "diff")
#: the regions in the order of the directorate's tables ([002] «Effekter RHF»)
RHF_ORDER = ("Helse Midt-Norge", "Helse Nord", "Helse Vest", "Helse Sør-Øst")
_UNKNOWN = "(ukjent)"


def fmt_number(v: object, decimals: int = 1) -> str:
    """A number as people read it in the report (`isf.formatting`, bokmål, no-break spaces):
    1 234 567,89; "–" for None; "ja"/"nei" for booleans; other values as text."""
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "ja" if v else "nei"
    if isinstance(v, int | float | Decimal):
        return fmt.number(v, decimals, nbsp=True)
    return str(v)


def _kr(v: object, decimals: int = 2) -> str:
    return fmt_number(v, decimals) + "\u00a0kr" if v is not None else "–"


def _pct(v: object) -> str:
    return fmt.percent(Decimal(str(v)), 1, nbsp=True) if v is not None else "–"


@dataclass(slots=True)
class ReportData:
    """What the report shows: named tables, totals, the run context and notes (all small)."""

    title: str
    totals: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    context: dict[str, Any] | None = None


def _normalise(units: pl.DataFrame) -> pl.DataFrame:
    df = units
    add: dict[str, pl.Expr] = {}
    if "type" not in df.columns:
        add["type"] = pl.lit("DRG")
    if "gruppe" not in df.columns:
        add["gruppe"] = pl.col("drg").cast(pl.String) if "drg" in df.columns else pl.lit(None, pl.String)
    if "sektor" not in df.columns:
        add["sektor"] = pl.lit(_UNKNOWN)
    if "isf_tellende" not in df.columns:
        add["isf_tellende"] = pl.lit(True)
    return df.with_columns(**add) if add else df


def _sums(df: pl.DataFrame) -> list[pl.Expr]:
    out = [pl.len().alias("antall")]
    for c in ("isf_poeng", "isf_kroner"):
        if c in df.columns:
            out.append(pl.col(c).sum().alias(c))
    return out


def _by(df: pl.DataFrame, keys: list[str], *, sort_by_points: bool = True) -> pl.DataFrame:
    g = df.group_by(keys).agg(_sums(df))
    if sort_by_points and "isf_poeng" in g.columns:
        return g.sort(["isf_poeng", *keys], descending=[True, *([False] * len(keys))], nulls_last=True)
    return g.sort(keys, nulls_last=True)


def _rhf_sorted(df: pl.DataFrame, col: str, then: list[str]) -> pl.DataFrame:
    order = {name: i for i, name in enumerate(RHF_ORDER)}
    return (df.with_columns(_o=pl.col(col).replace_strict(order, default=len(order), return_dtype=pl.Int64))
            .sort(["_o", col, *then], nulls_last=True).drop("_o"))


def _numeric(df: pl.DataFrame) -> list[str]:
    return [c for c, t in df.schema.items() if t.is_numeric()]


def report_names(logic: Any | None = None, weights: Any | None = None) -> dict[tuple[str, str], str]:
    """(kind, code) -> name for the report: DRG names and MDC texts of the logic (`isf.definitions.
    Logic`), STG/TFG (and DRG) names of the weight lists (`WeightList`); the logic wins for DRGs."""
    out: dict[tuple[str, str], str] = {}
    if weights is not None:
        out.update({(e.type, e.drg): e.navn for e in weights.entries if e.navn})
    if logic is not None:
        for drg in {r.drg for r in logic.rules} | {d.drg for d in logic.drgnames}:
            if logic.drg_name(drg):
                out[("DRG", drg)] = logic.drg_name(drg)
        for t in logic.texts:
            if t.kind == "MDC" and t.text:
                out[("MDC", t.value)] = t.text
    return out


def _named(df: pl.DataFrame, names: Names, *, code: str, kind: str | None = None) -> pl.DataFrame:
    """`df` with a `navn` column after `code` (the group's or MDC's name), when any is known."""
    if not names or df.height == 0:
        return df
    kinds = [kind] * df.height if kind else df["type"].to_list()
    values = [names.get((k, str(c)), "") if c is not None else "" for k, c in zip(kinds, df[code].to_list(), strict=True)]
    if not any(values):
        return df
    at = df.columns.index(code) + 1
    return df.insert_column(at, pl.Series("navn", values, dtype=pl.String))


def summarise(
    units: pl.DataFrame,
    *,
    context: Mapping[str, Any] | None = None,
    effects: pl.DataFrame | None = None,
    title: str = "ISF-rapport",
    top_n: int = 15,
    names: Names | None = None,
) -> ReportData:
    """Aggregate a units table into the report's tables (pure).

    `names` ((kind, code) -> name, from the run's logic and weight lists) adds a `navn` column
    to the tables of groups and MDCs; a code the logic names nothing stays without a name."""
    rep = ReportData(title=title, context=dict(context) if context is not None else None)
    named = names or {}
    all_units = _normalise(units)
    df = all_units.filter(pl.col("isf_tellende").fill_null(False))
    if df.height < all_units.height:
        rep.notes.append(f"{fmt.number(all_units.height - df.height)} av {fmt.number(all_units.height)} enheter "
                         "teller ikke for ISF (0 poeng); årsakene står i tabellen «Enheter som ikke teller».")
        if "isf_arsak" in all_units.columns:
            why = all_units.filter(~pl.col("isf_tellende").fill_null(False))
            key = "isf_regel" if "isf_regel" in why.columns else "isf_arsak"
            rep.tables["ikke_tellende"] = why.group_by(key).agg(
                pl.len().alias("antall"), pl.col("isf_arsak").first().alias("eksempel")).sort("antall", descending=True)
    rep.totals["enheter"] = df.height
    if "isf_poeng" in df.columns:
        rep.totals["isf_poeng"] = df["isf_poeng"].sum()
    else:
        rep.notes.append("Kolonnen isf_poeng mangler: ingen poengsummer.")
    if "isf_kroner" in df.columns:
        rep.totals["isf_kroner"] = df["isf_kroner"].sum()
    if "sektor" not in units.columns:
        rep.notes.append("Kolonnen sektor mangler: sektor vises som (ukjent).")
    if "bo_rhf" in df.columns:
        rep.tables["sorge_for_rhf"] = _rhf_sorted(_by(df, ["bo_rhf", "sektor"]), "bo_rhf", ["sektor"])
    else:
        rep.notes.append("Kolonnen bo_rhf mangler: sørge-for-tabellen er utelatt.")
    if "bo_hf" in df.columns:
        keys = ["bo_rhf", "bo_hf", "sektor"] if "bo_rhf" in df.columns else ["bo_hf", "sektor"]
        rep.tables["sorge_for_hf"] = _rhf_sorted(_by(df, keys), keys[0], keys[1:]) if "bo_rhf" in df.columns \
            else _by(df, keys, sort_by_points=False)
    rep.tables["per_sektor"] = _by(df, ["sektor", "type"], sort_by_points=False)
    for keys, name in ((["beh_rhf", "sektor"], "per_rhf"), (["beh_rhf", "beh_hf", "sektor"], "per_hf")):
        if all(k in df.columns for k in keys):
            rep.tables[name] = _by(df, keys)
        else:
            rep.notes.append(f"Kolonne(r) {', '.join(k for k in keys if k not in df.columns)} mangler: "
                             f"tabellen {name} er utelatt.")
    if "tertial" in df.columns:
        keys = ["aar", "tertial", "sektor"] if "aar" in df.columns else ["tertial", "sektor"]
        rep.tables["per_tertial"] = _by(df, keys, sort_by_points=False)
    if "mdc" in df.columns:
        drg = df.filter(pl.col("type") == "DRG").with_columns(pl.col("mdc").fill_null("–"))
        rep.tables["per_mdc"] = _named(_by(drg, ["mdc", "sektor"]), named, kind="MDC", code="mdc")
    if "gruppe" in df.columns:
        rep.tables["top_grupper"] = _named(_by(df, ["type", "gruppe", "sektor"]).head(top_n), named, code="gruppe")
    if "poeng_langligger" in df.columns and "isf_poeng" in df.columns:
        lang = df.filter(pl.col("poeng_langligger") > 0)
        total = float(df["isf_poeng"].sum() or 0)
        rep.totals["langliggere"] = lang.height
        rep.totals["andel_langliggere"] = lang.height / df.height if df.height else 0.0
        rep.totals["poeng_langligger"] = df["poeng_langligger"].sum()
        rep.totals["andel_poeng_langligger"] = (float(df["poeng_langligger"].sum() or 0) / total) if total else 0.0
    groups = all_units.filter(pl.col("type") != "DRG")
    if groups.height:
        aggs = [pl.len().alias("enheter"), pl.col("isf_tellende").sum().alias("tellende")]
        if "antall_kontakter" in groups.columns:
            aggs.append(pl.col("antall_kontakter").sum().alias("kontakter"))
        aggs += [pl.col(c).sum() for c in ("isf_poeng", "isf_kroner") if c in groups.columns]
        rep.tables["stg_tfg"] = _named(groups.group_by("type", "gruppe", "sektor").agg(aggs)
                                       .sort("type", "gruppe", "sektor"), named, code="gruppe")
    if effects is not None and effects.height:
        rep.tables["effects"] = effects
    return rep


_COUNTS = ("antall", "enheter", "tellende", "kontakter", "antall_tellende", "opphold", "rader")


def _cell(c: str, v: object, numeric: bool) -> str:
    if not numeric:
        return f"<td>{escape('' if v is None else str(v))}</td>"
    if c == "aar" and v is not None:
        text = fmt.year(int(v))  # type: ignore[call-overload]
    elif c in ("tertial", "maaned") or c in _COUNTS or (isinstance(v, int) and not isinstance(v, bool)):
        text = fmt_number(v, 0)
    elif "kroner" in c or c.endswith("_pst"):
        text = fmt_number(v, 2)
    elif c.startswith(("poeng", "endring", "isf_poeng", "diff")):
        text = fmt_number(v, 3)
    else:
        text = fmt_number(v, 1)
    return f'<td class="num">{escape(text)}</td>'


def _table(df: pl.DataFrame, caption: str, *, headers: dict[str, str] | None = None) -> str:
    heads = headers or {}
    numeric = set(_numeric(df)) | {c for c, t in df.schema.items() if isinstance(t, pl.Decimal)}
    th = "".join(
        f'<th scope="col"{" class=num" if c in numeric else ""}>{escape(heads.get(c, c))}</th>' for c in df.columns
    )
    rows = ["<tr>" + "".join(_cell(c, v, c in numeric) for c, v in zip(df.columns, r, strict=True)) + "</tr>"
            for r in df.iter_rows()]
    return f"<table><caption>{escape(caption)}</caption><thead><tr>{th}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


_HEAD = {"antall": "Antall", "isf_poeng": "ISF-poeng", "isf_kroner": "Kroner", "beh_rhf": "Behandlende RHF",
         "beh_hf": "Behandlende HF", "bo_rhf": "Bo-RHF (sørge for)", "bo_hf": "Bo-HF", "tertial": "Tertial",
         "aar": "År", "mdc": "MDC", "drg": "DRG", "sektor": "Sektor", "type": "Type", "gruppe": "Gruppe",
         "enheter": "Enheter", "tellende": "Teller", "kontakter": "Kontakter", "isf_regel": "Regel",
         "eksempel": "Årsak (eksempel)", "navn": "Navn", "nivaa": "Nivå", "poeng_gammel": "Poeng, gamle vekter",
         "poeng_ny": "Poeng, nye vekter", "endring": "Endring (poeng)", "endring_pst": "Endring %",
         "opphold": "Opphold"}

_CSS = """
body{font:15px/1.45 system-ui,sans-serif;color:#1d2329;margin:0 auto;max-width:1100px;padding:1em 1.5em 3em}
h1{font-size:1.6em;margin:.3em 0}h2{font-size:1.25em;margin:1.6em 0 .4em;border-bottom:2px solid #0b2e4f;padding-bottom:.15em}
table{border-collapse:collapse;width:100%;margin:.5em 0 1em;font-size:.92em}caption{text-align:left;font-weight:600;padding:.3em 0}
th,td{border-bottom:1px solid #d0d7de;padding:.25em .5em;text-align:left}thead th{background:#eef2f5}.num{text-align:right;font-variant-numeric:tabular-nums}
.kpis{display:flex;flex-wrap:wrap;gap:1em}.kpi{background:#f3f6f9;border-radius:6px;padding:.6em 1em;min-width:11em}
.kpi b{display:block;font-size:1.4em;color:#0b5394}.note{color:#4d5861;font-size:.9em}.chart{max-width:100%;height:auto;display:block;margin:.5em 0}
.demo{background:#fff4d6;border:1px solid #e0b84c;border-radius:6px;padding:.4em .8em;font-weight:600}
.warn{background:#fde8e8;border:1px solid #d98080;border-radius:6px;padding:.4em .8em}
.context th{width:14em;background:none;font-weight:600}.badge{background:#e0b84c;border-radius:3px;padding:0 .3em;font-size:.8em}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:1.5em}@media(max-width:800px){.grid{grid-template-columns:1fr}}
@media print{h2{break-after:avoid}table,svg{break-inside:avoid}}
"""


def _pairs(df: pl.DataFrame, label: str | list[str], value: str) -> list[tuple[str, float]]:
    labels = [label] if isinstance(label, str) else label
    return [(" ".join("" if r[k] is None else str(r[k]) for k in labels), float(r[value] or 0))
            for r in df.iter_rows(named=True)]


def _collapse(df: pl.DataFrame, label: str) -> pl.DataFrame:
    """Sum over sectors (for a chart per RHF/HF/MDC)."""
    return df.group_by(label).agg(pl.col("isf_poeng").sum()).sort("isf_poeng", descending=True, nulls_last=True)


def _context_block(ctx: Mapping[str, Any] | None, totals: Mapping[str, Any]) -> str:
    if ctx is None:
        return ('<section aria-label="Grunnlag"><h2>Grunnlag</h2><p class="warn">Ingen kontekst (kontekst.json '
                'mangler): år, logikk, vektlister og parametre er ukjente for denne rapporten.</p></section>')
    from isf.settlement.context import demo_note

    logic = ctx.get("logikk") or {}
    aar = ctx.get("aar")
    rows: list[tuple[str, str]] = [("År", fmt.year(int(aar)) if aar is not None else "–")]
    if logic.get("id"):
        rows.append(("Logikk", f"{logic['id']} (sjekksum {str(logic.get('checksum') or '')[:16]})"))
    else:
        rows.append(("Logikk", logic.get("merknad") or "–"))
    st = ctx.get("stg_tfg")
    if st:
        rows.append(("STG/TFG-definisjoner", f"{st.get('kilde', '')} (sjekksum {str(st.get('checksum', ''))[:16]})"))
    for w in ctx.get("vektlister", []):
        rows.append(("Vektliste " + "/".join(w.get("typer", [])), str(w.get("fil")) + ("  [DEMO]" if w.get("demo") else "")))
    rows.append(("Rader inn", fmt_number(ctx.get("rader_inn"), 0)))
    rows.append(("Rader med feil i inndata", fmt_number(ctx.get("rader_med_feil"), 0)))
    rows.append(("Kommando", str(ctx.get("kommando", ""))))
    body = "".join(f"<tr><th scope='row'>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    parts = ['<section aria-label="Grunnlag"><h2>Grunnlag</h2>']
    note = demo_note(ctx)
    if note:
        parts.append(f'<p class="demo" data-testid="demo">{escape(note)}. Tallene er ikke til oppgjør.</p>')
    missing = ctx.get("mangler_vekt") or []
    if missing:
        names = ", ".join(f"{m['type']} {m['gruppe']}" for m in missing[:30])
        parts.append(f'<p class="warn" data-testid="missing-weights">{fmt.number(len(missing))} gruppe(r) uten vekt er regnet '
                     f'som ikke tellende: {escape(names)}.</p>')
    parts.append(f'<table class="context">{body}</table>')
    params = ctx.get("parametre") or []
    if params:
        prow = "".join(
            f"<tr><td><code>{escape(p['navn'])}</code>{' <span class=badge>DEMO</span>' if p.get('demo') else ''}</td>"
            f"<td class='num'>{escape(str(p['verdi']))}</td><td>{escape(str(p['kilde']))}</td></tr>"
            for p in params)
        parts.append("<details><summary>Parametre (" + str(len(params)) + ", DEMO: "
                     + escape(", ".join(ctx.get("demo", {}).get("parametre", [])) or "ingen") + ")</summary>"
                     "<table><thead><tr><th>Parameter</th><th class=num>Verdi</th><th>Kilde</th></tr></thead>"
                     f"<tbody>{prow}</tbody></table></details>")
    parts.append("</section>")
    return "".join(parts)


def _tertial_items(per_tertial: pl.DataFrame) -> list[tuple[str, float]]:
    """Chart columns per tertial, named with their year when the table has one ("T1 2025"), so
    units of the next year (a spill-over T1) never look like the run year's T1."""
    keys = ["aar", "tertial"] if "aar" in per_tertial.columns else ["tertial"]
    by_t = per_tertial.group_by(keys).agg(pl.col("isf_poeng").sum()).sort(keys, nulls_last=True)
    out = []
    for r in by_t.iter_rows(named=True):
        label = f"T{r['tertial']}" if r["tertial"] is not None else "–"
        if r.get("aar") is not None:
            label += f" {fmt.year(r['aar'])}"
        out.append((label, float(r["isf_poeng"] or 0)))
    return out


def _effects_section(eff: pl.DataFrame) -> list[str]:
    """Redistribution effects: the `isf effects` table (RHF rows charted) or any label/value table."""
    parts = ["<h2>Omfordelingseffekter mellom vektsett</h2>"]
    if {"nivaa", "navn", "endring"} <= set(eff.columns):
        from isf.weights.effects import TOTAL_LABEL

        rhf = eff.filter((pl.col("nivaa") == "RHF") & (pl.col("navn") != TOTAL_LABEL))
        items = [(f"{r['navn']} ({r['sektor']})" if "sektor" in eff.columns else str(r["navn"]), float(r["endring"] or 0))
                 for r in rhf.iter_rows(named=True)]
        parts.append(diverging_chart(items, title="Endring i poeng per RHF (sørge for)",
                                     fmt=lambda v: ("+" if v > 0 else "") + fmt_number(v, 3)))
        parts.append('<p class="note">Effektene er DRG-poeng for én aktivitet med to vektlister, før ISF-vilkår, '
                     "STG og TFG; summene er derfor ikke oppgjørets poeng.</p>")
        parts.append(_table(eff, "Effekter per sektor, RHF og HF", headers=_HEAD))
        return parts
    label = next((c for c, ty in eff.schema.items() if ty == pl.Utf8 and c != "sektor"), eff.columns[0])
    numeric = _numeric(eff)
    value = next((c for c in _EFFECT_VALUES if c in eff.columns), numeric[-1] if numeric else None)
    if value:
        places = 0 if "kroner" in value else 1
        unit = "\u00a0kr" if "kroner" in value else ""
        items = sorted(_pairs(eff, label, value), key=lambda kv: kv[1])
        parts.append(diverging_chart(items, title=f"{value} per {label}",
                                     fmt=lambda v: ("+" if v > 0 else "") + fmt_number(v, places) + unit))
    parts.append(_table(eff, "Effekter", headers=_HEAD))
    return parts


def render_report(rep: ReportData, *, generated: date | None = None, sections: list[str] | None = None) -> str:
    """The report as one HTML document (inline CSS and SVG, no scripts); `sections` are HTML
    fragments placed before the notes (e.g. `isf.reports.rbf.rbf_section`)."""
    t = rep.tables
    pts = lambda v: fmt_number(v, 1)
    parts = [f"<h1>{escape(rep.title)}</h1>"]
    if generated:
        parts.append(f'<p class="note">Laget {generated.isoformat()} av isf report.</p>')
    parts.append(_context_block(rep.context, rep.totals))
    demo = ""
    if rep.context is not None:
        from isf.settlement.context import demo_note

        demo = " – DEMO" if demo_note(rep.context) else ""
    kpis = [("Enheter som teller", fmt_number(rep.totals.get("enheter"), 0), "headline-units", rep.totals.get("enheter"))]
    if "isf_poeng" in rep.totals:
        kpis.append(("ISF-poeng (DRG + STG + TFG)", fmt_number(rep.totals["isf_poeng"], 3), "headline-points",
                     rep.totals["isf_poeng"]))
    if "isf_kroner" in rep.totals:
        kpis.append(("Kroner (DRG + STG + TFG)" + demo, _kr(rep.totals["isf_kroner"], 2), "headline-kroner",
                     rep.totals["isf_kroner"]))
    if "andel_langliggere" in rep.totals:
        kpis.append(("Langliggere", _pct(rep.totals["andel_langliggere"]), "", None))
        kpis.append(("Poeng fra langliggertillegg", _pct(rep.totals["andel_poeng_langligger"]), "", None))
    parts.append('<section aria-label="Nøkkeltall"><div class="kpis">' + "".join(
        f'<div class="kpi"><span>{escape(k)}</span><b'
        + (f' data-testid="{tid}" data-value="{escape(str(raw))}"' if tid else "") + f">{escape(v)}</b></div>"
        for k, v, tid, raw in kpis) + "</div></section>")
    def bars(name: str, heading: str, label: str, chart: str, caption: str) -> None:
        """A section: heading, a bar chart summed over sectors, the table split by sector."""
        if name in t:
            parts.append(f"<h2>{escape(heading)}</h2>")
            parts.append(hbar_chart(_pairs(_collapse(t[name], label), label, "isf_poeng"), title=chart, fmt=pts))
            parts.append(_table(t[name], caption, headers=_HEAD))

    bars("sorge_for_rhf", "Sørge for: per pasientens bo-RHF og sektor", "bo_rhf", "ISF-poeng per bo-RHF (sørge for)",
         "Per bo-RHF og sektor (DRG + STG + TFG)")
    if "sorge_for_hf" in t:
        parts.append("<h2>Sørge for: per bo-HF og sektor</h2>"
                     + _table(t["sorge_for_hf"], "Per bo-HF og sektor", headers=_HEAD))
    if "per_sektor" in t:
        parts.append("<h2>Per sektor og enhetstype</h2>" + _table(t["per_sektor"], "DRG, STG og TFG per sektor",
                                                                    headers=_HEAD))
    bars("per_rhf", "Behandlende RHF", "beh_rhf", "ISF-poeng per behandlende RHF", "Per behandlende RHF og sektor")
    bars("per_hf", "Behandlende HF", "beh_hf", "ISF-poeng per behandlende HF", "Per behandlende HF og sektor")
    if "per_tertial" in t:
        items = _tertial_items(t["per_tertial"])
        parts.append("<h2>Per tertial</h2><div class='grid'><div>"
                     + column_chart(items, title="ISF-poeng per tertial", fmt=pts) + "</div><div>"
                     + _table(t["per_tertial"], "Per tertial og sektor", headers=_HEAD) + "</div></div>")
    bars("per_mdc", "Case mix etter MDC (DRG)", "mdc", "ISF-poeng per MDC", "Per MDC og sektor")
    if "top_grupper" in t:
        parts.append("<h2>Største grupper</h2>")
        parts.append(hbar_chart(_pairs(t["top_grupper"], ["type", "gruppe", "sektor"], "isf_poeng"),
                                title="ISF-poeng for de største gruppene", fmt=pts))
        parts.append(_table(t["top_grupper"], "Største DRG-, STG- og TFG-grupper etter ISF-poeng", headers=_HEAD))
    if "langliggere" in rep.totals:
        parts.append(
            "<h2>Langliggere</h2>"
            f"<p>{fmt_number(rep.totals['langliggere'], 0)} opphold "
            f"({_pct(rep.totals['andel_langliggere'])}) har langliggertillegg, "
            f"til sammen {fmt_number(rep.totals['poeng_langligger'], 3)} poeng "
            f"({_pct(rep.totals['andel_poeng_langligger'])} av ISF-poengene).</p>"
        )
    if "stg_tfg" in t:
        parts.append("<h2>STG og TFG</h2>" + _table(t["stg_tfg"], "Særtjenestegrupper og tjenesteforløpsgrupper per sektor",
                                                    headers=_HEAD))
    if "ikke_tellende" in t:
        parts.append("<h2>Enheter som ikke teller</h2>" + _table(t["ikke_tellende"], "Etter regel", headers=_HEAD))
    if "effects" in t:
        parts += _effects_section(t["effects"])
    parts += sections or []
    if rep.notes:
        parts.append("<h2>Merknader</h2><ul>" + "".join(f"<li>{escape(n)}</li>" for n in rep.notes) + "</ul>")
    return (
        '<!doctype html><html lang="nb"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(rep.title)}</title><style>{_CSS}</style></head><body><main>"
        + "\n".join(parts) + "</main></body></html>\n"
    )


def build_report(
    units: pl.DataFrame,
    *,
    out: Path,
    context: Mapping[str, Any] | None = None,
    effects: pl.DataFrame | None = None,
    title: str = "ISF-rapport",
    generated: date | None = None,
    names: Names | None = None,
    sections: list[str] | None = None,
) -> Path:
    """Write the single-file HTML report for `units` to `out` and return the path."""
    rep = summarise(units, context=context, effects=effects, title=title, names=names)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_report(rep, generated=generated, sections=sections), encoding="utf-8")
    return out
