"""What a settlement rests on, as one JSON-able record (`kontekst.json` of a run folder).

Year, logic id and checksum (or that the activity came grouped), STG/TFG definitions, weight
lists with their sources, every parameter with its source and the DEMO ones named, input
rows, weight coverage and the total. The report shows it first; the CLI and web say DEMO from
it. Pure: built from values, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from isf.params.model import YearParams
from isf.stg_tfg import StgTfgDefinitions
from isf.weights.weightlist import WeightList

__all__ = ["demo_note", "run_context"]


def run_context(
    *,
    year: int,
    logic_id: str | None,
    logic_checksum: str | None,
    grouped: bool,
    stg_tfg: StgTfgDefinitions | None,
    weights: WeightList,
    params: YearParams,
    rows_in: int,
    rows_with_errors: int,
    synthetic: bool,
    coverage: pl.DataFrame,
    totals: Mapping[str, Any],
    command: str,
) -> dict[str, Any]:
    """The context record of one settlement (strings for exact numbers)."""
    demo_params = params.demo_names()
    demo_weights = [f for f, _, demo in weights.sources if demo]
    return {
        "kommando": command,
        "aar": year,
        "logikk": {
            "id": logic_id,
            "checksum": logic_checksum,
            "merknad": "aktiviteten var gruppert (drg-kolonnen), ikke gruppert på nytt" if grouped else "",
        },
        "stg_tfg": None if stg_tfg is None else {"kilde": stg_tfg.kilde, "checksum": stg_tfg.checksum},
        "vektlister": [{"fil": f, "typer": list(kinds), "demo": demo} for f, kinds, demo in weights.sources],
        "parametre": [
            {"navn": f"{sec}.{name}", "verdi": value, "kilde": source, "demo": f"{sec}.{name}" in demo_params}
            for sec, name, value, source in params.rows()
        ],
        "demo": {"parametre": demo_params, "vektlister": demo_weights, "syntetisk_aktivitet": synthetic},
        "rader_inn": rows_in,
        "rader_med_feil": rows_with_errors,
        "mangler_vekt": [
            {k: (round(v, 6) if isinstance(v, float) else v) for k, v in r.items()}
            for r in coverage.iter_rows(named=True)
        ],
        "totalt": {k: str(v) for k, v in totals.items()},
    }


def demo_note(context: Mapping[str, Any]) -> str:
    """'' when nothing is DEMO, else what is (for summaries, report and web headlines)."""
    demo = context.get("demo") or {}
    parts = []
    if demo.get("parametre"):
        parts.append("parametre " + ", ".join(demo["parametre"]))
    if demo.get("vektlister"):
        parts.append("vektlister " + ", ".join(str(f).split("/")[-1] for f in demo["vektlister"]))
    if demo.get("syntetisk_aktivitet"):
        parts.append("syntetisk aktivitet")
    return ("DEMO: " + "; ".join(parts)) if parts else ""
