"""The Spark adapter (`isf.distributed.spark`) in local mode gives exactly what `isf run` gives:
the same rows in the same order, the same units, every table and the sørge-for totals to the
øre, on a 100k-row sample with STG codes and bad data that ties patient parts together.

Skipped only when pyspark is not installed and ISF_REQUIRE_SPARK is unset (CI sets it, so a
missing Spark fails there instead of passing silently).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import polars as pl
import pytest

from isf.run import run_job
from isf.settlement.tables import TABLES

try:
    import pyspark  # noqa: F401

    HAVE_SPARK = True
except ImportError:  # pragma: no cover - depends on the environment
    HAVE_SPARK = False

pytestmark = [pytest.mark.slow, pytest.mark.spark]
YEAR = 2026


def test_spark_is_available_where_required() -> None:
    if not HAVE_SPARK and not os.environ.get("ISF_REQUIRE_SPARK"):
        pytest.skip("pyspark not installed (pip install -e '.[spark]'); set ISF_REQUIRE_SPARK=1 to require it")
    assert HAVE_SPARK, "ISF_REQUIRE_SPARK is set but pyspark cannot be imported: pip install -e '.[spark]'"


@pytest.fixture(scope="module")
def spark():  # type: ignore[no-untyped-def]
    if not HAVE_SPARK:
        if os.environ.get("ISF_REQUIRE_SPARK"):
            pytest.fail("ISF_REQUIRE_SPARK is set but pyspark cannot be imported")
        pytest.skip("pyspark not installed (pip install -e '.[spark]')")
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # the workers run this Python, with isf
    session = (SparkSession.builder.master("local[2]").appName("isf-test").config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "4")
               .getOrCreate())
    yield session
    session.stop()


def _folder(path: Path) -> pl.DataFrame:
    """A Spark part-file folder, files in name order (Spark writes a sorted frame in that order)."""
    return pl.concat([pl.read_parquet(f) for f in sorted(path.glob("part-*.parquet"))])


def test_spark_local_mode_equals_isf_run(spark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from test_run import synth_with_stg
    from test_run_stream import _bad_data

    from isf.distributed.spark import run_spark

    act = tmp_path / "act.parquet"
    df = synth_with_stg(tmp_path / "raw.parquet", rows=100_000, seed=17, year=YEAR)
    # bad data in the first 8 000 rows only: a few shared ids join some patient buckets, not all
    pl.concat([_bad_data(df.head(8_000)), df.slice(8_000)]).write_parquet(act)
    local = run_job(logic="demo", activity=act, year=YEAR, demo_params=True, out_dir=tmp_path / "local")
    res = run_spark(spark, activity=str(act), out=str(tmp_path / "spark"), year=YEAR, demo_params=True,
                    part_rows=10_000)
    assert 1 < res.parts < 10 and res.rows == local.rows == 100_000  # 10 buckets, some joined
    assert res.rows_with_errors == local.rows_with_errors
    lo, sp = tmp_path / "local", tmp_path / "spark"

    points = _folder(sp / "points.parquet")
    want = pl.read_parquet(lo / "points.parquet")
    assert points.height == want.height and points.columns == want.columns
    assert points.equals(want)  # same rows, same order, every value
    assert _folder(sp / "enheter.parquet").equals(pl.read_parquet(lo / "enheter.parquet"))
    for name in (*TABLES, "sammendrag"):
        assert pl.read_parquet(sp / f"{name}.parquet").equals(pl.read_parquet(lo / f"{name}.parquet")), name
    for name in ("sorge_for.csv", "sorge_for_hf.csv"):  # the contract files, byte for byte (øre included)
        assert (sp / name).read_bytes() == (lo / name).read_bytes(), name
    ctx = (sp / "kontekst.json").read_text(encoding="utf-8")
    assert '"kommando": "isf spark"' in ctx
    assert res.context["totalt"] == local.context["totalt"]


def test_spark_stops_on_missing_parameters_like_isf_run(spark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Without parameters the Spark run names every missing one (of every part) at once, as `isf
    run` does, and writes no run folder."""
    from test_run import synth_with_stg

    from isf.distributed.spark import run_spark
    from isf.params.model import MissingParametersError

    act = tmp_path / "act.parquet"
    synth_with_stg(act, rows=3_000, seed=4, year=YEAR)
    with pytest.raises(MissingParametersError) as local:
        run_job(logic="demo", activity=act, year=YEAR, demo_params=False, out_dir=tmp_path / "local", part_rows=300)
    with pytest.raises(MissingParametersError) as dist:
        run_spark(spark, activity=str(act), out=str(tmp_path / "spark"), year=YEAR, part_rows=300)
    assert sorted(dist.value.missing) == sorted(local.value.missing) and len(dist.value.missing) >= 4
    assert not (tmp_path / "spark").exists()


def test_spark_submit_entry_point_prints_norwegian_numbers(spark, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """`spark-submit …/isf/distributed/spark.py --activity … --out …` (here on the test's session):
    the run folder, and the total as people read it."""
    from test_run import synth_with_stg

    from isf.distributed.spark import main

    act = tmp_path / "act.parquet"
    synth_with_stg(act, rows=2_000, seed=6, year=YEAR)
    main(["--activity", str(act), "--out", str(tmp_path / "o"), "--year", str(YEAR), "--demo-params"])
    out = capsys.readouterr().out
    assert f"ISF {YEAR}: 2 000 rows" in out and " kr" in out and "," in out.split("total")[1], out
    total = pl.read_csv(tmp_path / "o" / "sammendrag.csv").filter(pl.col("sektor") == "totalt")["isf_kroner"][0]
    assert f"{total:,.2f}".replace(",", " ").replace(".", ",") in out
