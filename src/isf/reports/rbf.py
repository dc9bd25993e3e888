"""The RBF section of the report: an HTML fragment built from an `isf rbf` output folder.

`rbf_section(folder)` reads the folder's tables (never its SVG files: the charts are drawn
again from the data, so the fragment holds nothing but escaped text and isf's own SVG) and
returns a ``<section>`` to place in a report page. Numbers are the files' numbers; DEMO values
are named in the section.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from html import escape
from pathlib import Path

import polars as pl

from isf.errors import InputError
from isf.rbf.output import (
    charts,
    definition_rows,
    distribution_rows,
    fmt_int,
    fmt_mnok,
    goal_charts,
    goal_matrix,
    settlement_rows,
    titles,
)
from isf.rbf.run import SUMMARY_FILE

__all__ = ["rbf_section"]


def _html_table(rows: Sequence[Sequence[str]], caption: str, *, total: bool = False) -> str:
    head = "".join(f'<th scope="col"{"" if i == 0 else " class=num"}>{escape(c)}</th>' for i, c in enumerate(rows[0]))
    body = []
    for n, r in enumerate(rows[1:], start=1):
        tag = "th scope=row" if (total and n == len(rows) - 1) else "td"
        cells = "".join(f'<{tag}{"" if i == 0 else " class=num"}>{escape(c)}</{tag.split()[0]}>' for i, c in enumerate(r))
        body.append(f"<tr>{cells}</tr>")
    return f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _read(folder: Path, name: str) -> pl.DataFrame:
    path = folder / f"{name}.parquet"
    if not path.is_file():
        raise InputError(f"{folder} is not an `isf rbf` output folder ({name}.parquet is missing)")
    return pl.read_parquet(path)


def rbf_section(folder: str | Path) -> str:
    """The RBF section (HTML fragment) for the `isf rbf` output in `folder`."""
    folder = Path(folder)
    summary_path = folder / SUMMARY_FILE
    if not summary_path.is_file():
        raise InputError(f"{folder} is not an `isf rbf` output folder ({SUMMARY_FILE} is missing)")
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    fordeling = _read(folder, "fordeling")
    indikatorer = _read(folder, "indikatorer")
    avregning = _read(folder, "avregning") if (folder / "avregning.parquet").is_file() else None
    dist_title, pre_title, fin_title = titles(summary)
    demo = list(summary.get("demo", []))
    status = summary.get("rader_status", {})
    heading = f"Resultatbasert finansiering (RBF) {escape(str(summary['aar']))}"
    parts = [f'<section id="rbf" aria-labelledby="rbf-tittel"><h2 id="rbf-tittel">{heading}</h2>']
    facts = (f"{escape(dist_title)} på {escape(str(summary['datagrunnlag']))}. Pott "
             f"{escape(fmt_mnok(Decimal(str(summary['pott_kroner']))))} mill. kr"
             f"{' (DEMO)' if 'fordeling.pott_kroner' in demo else ''}. Rader: {escape(fmt_int(summary.get('rader_inn')))} inn, "
             f"{escape(fmt_int(status.get('ok')))} brukt, {escape(fmt_int(status.get('utenfor_periode')))} utenfor perioden, "
             f"{escape(fmt_int(status.get('invalid')))} ugyldige.")
    parts.append(f"<p>{facts}</p>")
    if summary.get("demo_data"):
        parts.append('<p class="note"><strong>DEMO-data:</strong> syntetisk aktivitet og registerverdier, ikke virkelige tall.</p>')
    parts.append(_html_table(distribution_rows(fordeling, title=dist_title), "Fordeling per RHF (mill. kr)", total=True))
    svgs = charts(fordeling, indikatorer, avregning)
    parts.append(svgs["fordeling.svg"])
    if avregning is not None and avregning.height:
        parts.append(_html_table(settlement_rows(avregning, prelim_title=pre_title, final_title=fin_title),
                                 "Avregning: endring fra foreløpig til endelig fordeling (mill. kr)", total=True))
        parts.append(svgs["avregning.svg"])
    parts.append("<h3>Indikatorer</h3>")
    parts.append(_html_table(definition_rows(indikatorer), f"Indikatorer i RBF {summary['aar']}", total=True))
    parts.append("<h3>Måloppnåelse per indikator og RHF</h3>")
    parts.append(_html_table(goal_matrix(indikatorer), "Andel per RHF; måltall og vekt fra definisjonene"))
    parts.append("<div class='grid'>" + "".join(f"<figure><figcaption>{escape(t)}</figcaption>{svg}</figure>"
                                                for t, svg in goal_charts(indikatorer)) + "</div>")
    if summary.get("basis_fallback"):
        parts.append('<p class="note">Alle regioner fikk 0 poeng; potten er fordelt etter basisandel.</p>')
    if demo:
        parts.append('<p class="note"><strong>DEMO</strong> (verdier som ikke står i kildene): '
                     + escape(", ".join(demo)) + ".</p>")
    parts.append('<p class="note">Modellen er isf sin (fordelingsformelen er ikke publisert): se docs/rbf.md.</p>')
    parts.append("</section>")
    return "\n".join(parts)
