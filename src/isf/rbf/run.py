"""`isf rbf` as a library call: read inputs, run indicators and the model, write the tables.

`evaluate` is the pure core (DataFrames in, results out); `run_rbf` adds the I/O: it reads the
activity and registers files (or makes the synthetic DEMO data), reads a preliminary run for
the settlement, and writes ``indikatorer``, ``fordeling``, ``avregning`` (CSV + Parquet),
``rader.parquet`` (one status row per input row), the SVG charts and ``sammendrag.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import polars as pl

from isf.errors import InputError, Status
from isf.rbf.definitions import RbfDefinitions, load_rbf, parse_rbf
from isf.rbf.distribution import Distribution, IndicatorValue, SettlementRow, distribute, settle
from isf.rbf.indicators import (
    PERIODS,
    IndicatorRun,
    compute_indicators,
    demo_registers,
    indicator_values,
    read_registers,
)
from isf.rbf.output import charts, distribution_table, indicator_table, period_label, settlement_table

__all__ = ["DEMO_ROWS", "SUMMARY_FILE", "Evaluation", "RbfResult", "evaluate", "load_definitions", "run_rbf"]

DEMO_ROWS = 30_000
SUMMARY_FILE = "sammendrag.json"


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Indicators and distribution of one period."""

    period: str
    indicators: IndicatorRun
    values: tuple[IndicatorValue, ...]
    distribution: Distribution


@dataclass(slots=True)
class RbfResult:
    """What `run_rbf` computed and wrote."""

    defs: RbfDefinitions
    evaluation: Evaluation
    settlement: list[SettlementRow] | None
    demo_data: bool
    tables: dict[str, pl.DataFrame]
    out_dir: Path
    files: list[Path] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


def evaluate(
    activity: pl.DataFrame, defs: RbfDefinitions, *, period: str, registers: pl.DataFrame | None,
    allow_missing: bool = False,
) -> Evaluation:
    """Indicators for `period` and the model's distribution (pure)."""
    run = compute_indicators(activity, defs, period=period)
    regs = read_registers(registers, defs) if registers is not None else None
    values = tuple(indicator_values(defs, run.counts, regs, allow_missing=allow_missing))
    return Evaluation(period=period, indicators=run, values=values, distribution=distribute(defs, values))


def load_definitions(year: int, path: Path | None = None) -> RbfDefinitions:
    """The bundled definitions of `year`, or a user's TOML file (which must be for `year`)."""
    if path is None:
        return load_rbf(year)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror}") from e
    defs = parse_rbf(text, source=path.name)
    if defs.aar != year:
        raise InputError(f"{path.name} defines RBF {defs.aar}, not {year}")
    return defs


def _read_table(path: Path, what: str) -> pl.DataFrame:
    """Activity via `isf.activity.read_activity`; the registers table as text columns (CSV) or
    as stored (Parquet), so counts are checked exactly and never coerced through floats."""
    try:
        if what == "activity":
            from isf.activity import read_activity
            from isf.rbf.indicators import ACTIVITY_COLUMNS

            return read_activity(path, required=ACTIVITY_COLUMNS)
        if path.is_dir() or path.suffix.lower() in (".parquet", ".pq"):
            return pl.read_parquet(path)
        return pl.read_csv(path, infer_schema_length=0)
    except (OSError, pl.exceptions.PolarsError) as e:
        raise InputError(f"cannot read the {what} file {path.name}: {type(e).__name__}") from e


def _synthetic(defs: RbfDefinitions, rows: int, seed: int) -> pl.DataFrame:
    import pyarrow as pa

    from isf.definitions import load_logic
    from isf.synth import synth_activity

    tables = list(synth_activity(load_logic("demo"), rows=rows, seed=seed, year=defs.dataaar, rbf=True))
    if not tables:
        raise InputError("--rows must be at least 1 for the synthetic DEMO data")
    return cast(pl.DataFrame, pl.from_arrow(pa.concat_tables(tables)))  # a Table gives a DataFrame


def _preliminary(folder: Path, defs: RbfDefinitions) -> dict[str, Decimal]:
    summary = folder / SUMMARY_FILE
    table = folder / "fordeling.parquet"
    if not summary.is_file() or not table.is_file():
        raise InputError(f"{folder} is not an `isf rbf` output folder (needs {SUMMARY_FILE} and fordeling.parquet)")
    meta = json.loads(summary.read_text(encoding="utf-8"))
    if meta.get("aar") != defs.aar or meta.get("periode") != "T1":
        raise InputError(f"{folder} holds RBF {meta.get('aar')} period {meta.get('periode')}, "
                         f"not the preliminary (T1) run of {defs.aar}")
    df = pl.read_parquet(table)
    return {r: Decimal(k) for r, k in zip(df["rhf"].to_list(), df["rbf_kroner"].to_list())}


def _write(df: pl.DataFrame, folder: Path, name: str) -> list[Path]:
    pq, csv = folder / f"{name}.parquet", folder / f"{name}.csv"
    df.write_parquet(pq)
    df.write_csv(csv)
    return [pq, csv]


def _summary(res: RbfResult, *, activity_name: str, registers_name: str, rows_in: int) -> dict[str, Any]:
    d, ev = res.defs, res.evaluation
    status = ev.indicators.rows["status"].value_counts()
    counts = {s.value: 0 for s in (Status.OK, Status.INVALID, Status.OUTSIDE_PERIOD)}
    counts |= dict(zip(status["status"].to_list(), status["count"].to_list()))
    demo = list(d.demo_labels())
    if any(v.kompletthet_demo for v in ev.values) and d.model.kompletthet_andel:
        demo.append("kompletthet (standard_kompletthet)")
    return {
        "aar": d.aar, "periode": ev.period, "dataaar": d.dataaar, "datagrunnlag": period_label(d, ev.period),
        "aktivitet": "DEMO: syntetisk aktivitet (isf synth --rbf)" if res.demo_data else activity_name,
        "registre": "DEMO: syntetiske registerverdier" if res.demo_data and not registers_name else registers_name,
        "demo_data": res.demo_data, "pott_kroner": str(ev.distribution.pott_kroner),
        "rader_inn": rows_in, "rader_ut": ev.indicators.rows.height, "rader_status": counts,
        "demo": demo, "basis_fallback": ev.distribution.basis_fallback, "avregning": res.settlement is not None,
        "modell": {
            "metode": d.model.metode, "plassering_andel": str(d.model.plassering_andel),
            "kompletthet_andel": str(d.model.kompletthet_andel), "rangpoeng": [str(p) for p in d.model.rangpoeng],
            "maltall_topp": d.model.maltall_topp, "standard_kompletthet": str(d.model.standard_kompletthet),
        },
        "definisjoner": {"kilde": d.source, "sha256": d.checksum},
    }


def run_rbf(
    *,
    year: int,
    out_dir: Path,
    activity: Path | None = None,
    registers: Path | None = None,
    period: str = "aar",
    preliminary: Path | None = None,
    definitions: Path | None = None,
    allow_missing: bool = False,
    rows: int = DEMO_ROWS,
    seed: int = 1,
) -> RbfResult:
    """The whole `isf rbf` job. Without `activity` it runs on synthetic DEMO data, and a
    year run then also settles against the T1 run of the same data."""
    if period not in PERIODS:
        raise InputError(f"--period must be one of {', '.join(PERIODS)}")
    if preliminary is not None and period != "aar":
        raise InputError("a settlement (--preliminary) needs the year run: --period aar")
    defs = load_definitions(year, definitions)
    demo = activity is None
    act = _synthetic(defs, rows, seed) if activity is None else _read_table(activity, "activity")
    if registers is not None:
        regs: pl.DataFrame | None = _read_table(registers, "registers")
    else:
        regs = demo_registers(act, defs, period=period, seed=seed) if demo else None
    ev = evaluate(act, defs, period=period, registers=regs, allow_missing=allow_missing)
    settlement = None
    if preliminary is not None:
        final = {r.rhf: r.rbf_kroner for r in ev.distribution.regions}
        settlement = settle(_preliminary(preliminary, defs), final)
    elif demo and period == "aar":
        regs_t1 = demo_registers(act, defs, period="T1", seed=seed) if registers is None else regs
        t1 = evaluate(act, defs, period="T1", registers=regs_t1, allow_missing=allow_missing)
        settlement = settle({r.rhf: r.rbf_kroner for r in t1.distribution.regions},
                            {r.rhf: r.rbf_kroner for r in ev.distribution.regions})
    synthetic = {i.id for i in defs.indicators if demo and (i.from_activity or registers is None)}
    tables = {
        "indikatorer": indicator_table(defs, period, ev.values, ev.distribution, demo_data=frozenset(synthetic)),
        "fordeling": distribution_table(defs, period, ev.distribution),
    }
    if settlement is not None:
        tables["avregning"] = settlement_table(defs, settlement)
    res = RbfResult(defs=defs, evaluation=ev, settlement=settlement, demo_data=demo, tables=tables, out_dir=out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        res.files += _write(df, out_dir, name)
    rows_path = out_dir / "rader.parquet"
    ev.indicators.rows.write_parquet(rows_path)
    res.files.append(rows_path)
    for name, svg in charts(tables["fordeling"], tables["indikatorer"], tables.get("avregning")).items():
        (out_dir / name).write_text(svg, encoding="utf-8")
        res.files.append(out_dir / name)
    res.summary = _summary(res, activity_name="" if activity is None else activity.name,
                           registers_name="" if registers is None else registers.name, rows_in=act.height)
    (out_dir / SUMMARY_FILE).write_text(json.dumps(res.summary, ensure_ascii=False, indent=2), encoding="utf-8")
    res.files.append(out_dir / SUMMARY_FILE)
    return res
