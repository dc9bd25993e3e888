"""`isf synth --rbf`: RBF codes are added to some outpatient rows, deterministically, without
changing any other column or any grouping result."""

from __future__ import annotations

import polars as pl
import pyarrow as pa
import pytest

from isf.batch.engine import group_dataframe
from isf.rbf import compute_indicators, load_rbf
from isf.synth import synth_activity
from isf.synth.rbf_codes import RBF_CODES

pytestmark = pytest.mark.slow

CODES = {c for codes, *_ in RBF_CODES for c in codes}


def _table(logic, *, rbf: bool, rows: int = 4_000, seed: int = 5, chunk_rows: int = 1_500) -> pa.Table:
    return pa.concat_tables(synth_activity(logic, rows=rows, seed=seed, year=2025, chunk_rows=chunk_rows, rbf=rbf))


@pytest.fixture(scope="module")
def pair(nor2015):
    return _table(nor2015, rbf=False), _table(nor2015, rbf=True)


def test_only_rbf_codes_are_appended(pair):
    plain, rbf = pair
    assert rbf.schema == plain.schema and rbf.num_rows == plain.num_rows
    for name in plain.column_names:
        if name != "prosedyrer":
            assert rbf[name].equals(plain[name]), name
    added = 0
    for before, after, sektor, niva in zip(plain["prosedyrer"].to_pylist(), rbf["prosedyrer"].to_pylist(),
                                          plain["sektor"].to_pylist(), plain["omsorgsniva"].to_pylist()):
        assert after[: len(before)] == before
        extra = after[len(before):]
        assert set(extra) <= CODES
        if extra:
            added += 1
            assert niva == 3
            assert all(any(c in codes and sektor in sectors for codes, sectors, *_ in RBF_CODES) for c in extra)
    assert added > 50


def test_same_seed_same_codes(nor2015, pair):
    _, rbf = pair
    assert _table(nor2015, rbf=True).equals(rbf)
    assert not _table(nor2015, rbf=True, seed=6)["prosedyrer"].equals(rbf["prosedyrer"])


def test_grouping_is_unchanged(nor2015, pair):
    plain, rbf = pair
    a = group_dataframe(nor2015, pl.from_arrow(plain))
    b = group_dataframe(nor2015, pl.from_arrow(rbf))
    for col in ("drg", "rtc", "mdc", "status"):
        assert a[col].to_list() == b[col].to_list(), col


def test_every_npr_indicator_has_activity(nor2015, pair):
    _, rbf = pair
    run = compute_indicators(pl.from_arrow(rbf), load_rbf(2026), period="aar")
    per_indicator = run.counts.group_by("indikator").agg(pl.col("teller").sum(), pl.col("nevner").sum())
    assert per_indicator.height == 8
    assert (per_indicator["teller"] > 0).all() and (per_indicator["nevner"] > 0).all()
