"""The main job: activity in -> grouping -> settlement -> tables, units and context written.

Orchestration only (it reads and writes files): the computation is `isf.settlement.settle`,
the tables `isf.settlement.tables`. `isf run` and `isf points` both call `run_job` (`isf
points` with `grouped=True`), so they write the same folder and give the same numbers.

A run folder (docs/data-model.md, "Output contract"):

* ``sorge_for.csv``/``.parquet``: one row per (aar, bo_rhf, sektor), columns
  ``aar,bo_rhf,sektor,isf_poeng,isf_kroner`` (DRG + STG + TFG); ``sorge_for_hf`` per bo_hf;
* ``enheter.parquet``: the financed units; ``points.parquet``: every input row with its points;
* the other tables of `isf.settlement.tables.TABLES`, ``sammendrag`` (summary), ``isf.duckdb``;
* ``kontekst.json``: year, logic, weight lists, parameters (DEMO named), input rows, total;
* ``vektdekning.csv`` when groups had no weight (`allow_missing_weights`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from isf.definitions import Logic, load_logic
from isf.params import YearParams, load_params
from isf.settlement import ActivityColumnsError, MissingWeightsError, check_columns, settle
from isf.settlement.context import demo_note, run_context
from isf.settlement.frame import required_columns
from isf.settlement.tables import summary_of, total, unit_tables
from isf.stg_tfg import StgTfgDefinitions, load_stg_tfg
from isf.weights.weightlist import WeightList, load_weight_lists

__all__ = ["RunResult", "read_context", "run_job", "write_duckdb", "write_tables"]


@dataclass(frozen=True)
class RunResult:
    """What a run produced: where, how much, and the tables it wrote."""

    out_dir: Path
    logic: str | None
    year: int
    rows: int
    rows_with_errors: int
    summary: pl.DataFrame
    tables: dict[str, pl.DataFrame]
    context: dict[str, Any]
    coverage: pl.DataFrame

    @property
    def demo(self) -> str:
        """'' or what in this run is DEMO."""
        return demo_note(self.context)


def _csv_ready(df: pl.DataFrame) -> pl.DataFrame:
    """List columns '|'-joined (CSV has no lists; `isf.activity.read_activity` splits them)."""
    lists = [c for c, t in df.schema.items() if isinstance(t, pl.List)]
    return df.with_columns(pl.col(c).cast(pl.List(pl.String)).list.join("|") for c in lists) if lists else df


def write_tables(
    tables: Mapping[str, pl.DataFrame], out_dir: str | Path, *, formats: Iterable[str] = ("parquet", "csv")
) -> list[Path]:
    """Write each table as ``<name>.parquet`` / ``<name>.csv`` under `out_dir`."""
    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in tables.items():
        for fmt in formats:
            p = d / f"{name}.{fmt}"
            if fmt == "parquet":
                df.write_parquet(p)
            elif fmt == "csv":
                _csv_ready(df).write_csv(p)
            else:
                raise ValueError(f"unknown format {fmt!r} (parquet, csv)")
            written.append(p)
    return written


def write_duckdb(tables: Mapping[str, pl.DataFrame], path: str | Path) -> Path:
    """One DuckDB file, one table per aggregation (replaced if it exists)."""
    import duckdb

    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(p))
    try:
        for name, df in tables.items():
            if not name.isidentifier():
                raise ValueError(f"table name {name!r} is not a plain identifier")
            con.register("_isf_tmp", df.to_arrow())
            con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _isf_tmp')
            con.unregister("_isf_tmp")
    finally:
        con.close()
    return p


def read_context(run_dir: Path) -> dict[str, Any] | None:
    """``kontekst.json`` of a run folder, or None."""
    p = Path(run_dir) / "kontekst.json"
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else None


def run_job(
    *,
    logic: str | Logic | None = "demo",
    activity: Path | pl.DataFrame | None = None,
    year: int = 2026,
    weights: str | Path | Iterable[str | Path] = "demo",
    param_files: Iterable[Path] = (),
    overrides: Iterable[str] = (),
    demo_params: bool | None = None,
    rows: int = 50_000,
    seed: int = 1,
    out_dir: Path = Path("isf-out"),
    grouped: bool = False,
    allow_missing_weights: bool = False,
    command: str = "isf run",
    on_step: Callable[[str], None] | None = None,
) -> RunResult:
    """Run the whole chain and write `out_dir` (see the module docstring).

    Without `activity`, synthetic activity (`rows`, `seed`) is made for the logic: the demo.
    Demo parameters fill gaps only when asked, or by default on synthetic demo activity.
    `grouped=True` settles the activity's own `drg` column without regrouping.
    """
    step = on_step or (lambda _s: None)
    lg = logic if isinstance(logic, Logic) or logic is None else load_logic(logic)
    synthetic = activity is None
    if activity is None:
        import pyarrow as pa

        from isf.synth import synth_activity

        if lg is None:
            raise ActivityColumnsError(["no activity and no logic to synthesise it for"])
        step(f"synthesising {rows:,} contacts ({lg.id}, seed {seed})")
        df = pl.from_arrow(pa.concat_tables(list(synth_activity(lg, rows=rows, seed=seed, year=year))))
        assert isinstance(df, pl.DataFrame)
    elif isinstance(activity, pl.DataFrame):
        df = activity
    else:
        from isf.activity import REQUIRED_COLUMNS, read_activity

        step(f"reading {activity}")
        need = required_columns(grouped=grouped) + ([] if grouped else list(REQUIRED_COLUMNS))
        df = read_activity(activity, required=list(dict.fromkeys(need)))
    problems = check_columns(df.schema, grouped=grouped)
    if not grouped and lg is None:
        problems.append("no logic given to group the activity with (or settle it as grouped)")
    if problems:
        raise ActivityColumnsError(problems)
    use_demo = synthetic if demo_params is None else demo_params
    params: YearParams = load_params(year, demo=use_demo, files=list(param_files), overrides=list(overrides))
    refs = [weights] if isinstance(weights, (str, Path)) else list(weights)
    wl: WeightList = load_weight_lists(refs, year=year)
    defs: StgTfgDefinitions = load_stg_tfg(year)

    if grouped:
        step(f"settling {df.height:,} grouped rows (drg column, not regrouped)")
        grouped_df = df
    else:
        from isf.batch.engine import group_dataframe

        assert lg is not None
        step(f"grouping {df.height:,} rows with {lg.id}")
        grouped_df = group_dataframe(lg, df).rechunk()
    step("settlement: eligibility, points, STG/TFG, kroner per unit")
    try:
        res = settle(grouped_df, weights=wl, params=params, stg_tfg=defs, year=year,
                     allow_missing_weights=allow_missing_weights)
    except MissingWeightsError as e:  # keep the full list where the user looks for output
        out_dir.mkdir(parents=True, exist_ok=True)
        e.coverage.write_csv(out_dir / "vektdekning.csv")
        raise MissingWeightsError(e.coverage, e.source, full_list=str(out_dir / "vektdekning.csv")) from None

    step("aggregating and writing")
    tables = unit_tables(res.units)
    summary = summary_of(tables["sektor"])
    tables["sammendrag"] = summary
    errors = int((grouped_df["status"] != "ok").sum()) if "status" in grouped_df.columns else 0
    tot = total(summary)
    context = run_context(
        year=year, logic_id=None if grouped or lg is None else lg.id,
        logic_checksum=None if grouped or lg is None else lg.checksum, grouped=grouped, stg_tfg=defs,
        weights=wl, params=params, rows_in=df.height, rows_with_errors=errors, synthetic=synthetic,
        coverage=res.coverage, totals={"isf_poeng": tot["isf_poeng"], "isf_kroner": tot["isf_kroner"]},
        command=command,
    )
    note = demo_note(context)
    tables["sammendrag"] = summary = summary.with_columns(merknad=pl.lit(note or None, dtype=pl.String))
    out_dir.mkdir(parents=True, exist_ok=True)
    res.rows.write_parquet(out_dir / "points.parquet")
    res.units.write_parquet(out_dir / "enheter.parquet")
    write_tables(tables, out_dir)
    if res.coverage.height:
        res.coverage.write_csv(out_dir / "vektdekning.csv")
    write_duckdb(tables, out_dir / "isf.duckdb")
    (out_dir / "kontekst.json").write_text(json.dumps(context, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return RunResult(
        out_dir=out_dir,
        logic=context["logikk"]["id"],
        year=year,
        rows=res.rows.height,
        rows_with_errors=errors,
        summary=summary,
        tables=tables,
        context=context,
        coverage=res.coverage,
    )
