"""`isf synth`: determinism, schema, code validity, value domains, coherence and groupability.

Expected values come from: docs/data-model.md (column names and types, read at run time), the
loaded logics' own tables (code existence, MDC), the grouper (return codes), and the seed
document [002] "Effekter RHF - Nye vekter 2026 Somatikk - sorge for" (2025 column) for the
regional split of residents (see src/isf/synth/providers.csv).
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from tiers import examples
from typer.testing import CliRunner

from isf.cli.synth import synth_command
from isf.grouping import group, make_case
from isf.synth import ACTIVITY_SCHEMA, load_geography, synth_activity, write_synth

ROOT = Path(__file__).resolve().parents[2]
N = 2_000


def _table(logic, *, rows=N, seed=7, **kw) -> pa.Table:
    return pa.concat_tables(synth_activity(logic, rows=rows, seed=seed, **kw))


@pytest.fixture(scope="module", params=[pytest.param("NOR2015", marks=pytest.mark.slow), "demo"])  # NOR2015: slow tier
def case(request, nor2015, demo_logic):
    logic = nor2015 if request.param == "NOR2015" else demo_logic
    return logic, _table(logic)


def _dg_props(logic):
    dgcat: dict[str, str] = {}
    for r in logic.dg:
        if r.vartype == "DGCAT" and not r.d_code:
            dgcat.setdefault(r.code, r.varval)
    procpr: dict[str, set[str]] = defaultdict(set)
    for p in logic.proc:
        if p.vartype == "PROCPR":
            procpr[p.code].add(p.varval[:2])
    return dgcat, procpr


@pytest.mark.slow
def test_schema_follows_the_data_model_doc(case):
    _, t = case
    doc = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    section = doc.split("## Activity", 1)[1].split("\n## ", 1)[0]
    names = [n for line in section.splitlines() if line.startswith("| `")
             for n in re.findall(r"`([a-z0-9_]+)`", line.split("|")[1])]
    assert t.schema.names == names
    assert t.schema == ACTIVITY_SCHEMA
    assert t.schema.field("fodselsdato").type == pa.date32()
    assert t.schema.field("bdiag").type == pa.list_(pa.string())


@pytest.mark.slow
def test_same_seed_same_rows_other_seed_other_rows(nor2015):
    a = _table(nor2015, rows=500, seed=7)
    assert a.equals(_table(nor2015, rows=500, seed=7))
    assert not a.equals(_table(nor2015, rows=500, seed=8))


@pytest.mark.slow
def test_chunks_are_bounded_and_ids_continue(demo_logic):
    chunks = list(synth_activity(demo_logic, rows=1_000, seed=1, chunk_rows=400))
    assert [c.num_rows for c in chunks] == [400, 400, 200]
    ids = pa.concat_tables(chunks)["kontakt_id"].to_numpy()
    assert (ids == np.arange(1, 1_001)).all()
    assert list(synth_activity(demo_logic, rows=0, seed=1)) == []


def _stg_codes(year: int) -> set[str]:
    """Trigger codes of the year's bundled STGs, and ZWUU20 (isf.synth.stg_codes)."""
    from isf.stg_tfg import load_stg_tfg

    return {c for s in load_stg_tfg(year).stg for c in s.koder} | {"ZWUU20"}


def test_every_code_exists_in_the_logic(case):
    """Every code is the logic's, except the STG trigger codes of the year (stg=True, default)."""
    logic, t = case
    dx = {r.code for r in logic.dg} | {r.d_code for r in logic.dg if r.d_code}
    procs = {p.code for p in logic.proc} | _stg_codes(2025)
    assert set(t["hdiag"].to_pylist()) <= dx
    assert set(t["hdiag2"].drop_null().to_pylist()) <= dx
    assert set(t["bdiag"].combine_chunks().flatten().to_pylist()) <= dx
    assert set(t["prosedyrer"].combine_chunks().flatten().to_pylist()) <= procs


def test_value_domains_and_dates(case):
    _, t = case
    d = {c: t[c].to_numpy(zero_copy_only=False) for c in t.column_names if c not in ("bdiag", "prosedyrer")}
    niva = d["omsorgsniva"]
    assert set(niva) == {1, 2, 3}
    kt = t["kontakt_type"]
    assert set(kt.drop_null().to_pylist()) <= {1, 2, 3, 5, 6, 7, 12, 13}
    assert (np.asarray(kt.is_null()) == (niva == 1)).all()  # null exactly for døgn
    assert set(d["sektor"]) == {"somatikk", "phv", "tsb"}
    assert set(d["innmate_hast"]) <= {1, 4, 5} and {1, 4} <= set(d["innmate_hast"])
    assert set(d["utskr_maate"]) <= {"H", "R", "E"}
    assert set(d["kjonn"]) == {1, 2}
    inn, ut = d["inn_dato"].astype("int64"), d["ut_dato"].astype("int64")
    los = d["liggetid"]
    assert (ut - inn == los).all()
    assert (los[niva != 1] == 0).all() and (los[niva == 1] >= 1).all()
    assert (d["utskrklar_dager"] <= los).all() and (d["utskrklar_dager"] >= 0).all()
    assert (inn - d["fodselsdato"].astype("int64") == d["alder_dager"]).all()
    assert (d["alder_dager"] >= 0).all()
    assert np.mean(d["debitor"] == 1) > 0.9 and len(set(d["debitor"])) > 1
    assert all(re.fullmatch(r"\d{4}", k) for k in set(d["bo_kommune"]))
    opp = t["opphold_id"]
    assert (np.asarray(opp.is_null()) == (niva != 1)).all()
    assert not d["ambulant"][niva != 3].any() and d["ambulant"].any()


def test_residence_and_treatment_use_the_hf_rhf_map(case):
    _, t = case
    geo = load_geography()
    rhf_of = {p: geo.rhf[r] for p, r in zip(geo.providers, geo.provider_rhf)}
    for hf, rhf in (("bo_hf", "bo_rhf"), ("beh_hf", "beh_rhf")):
        pairs = set(zip(t[hf].to_pylist(), t[rhf].to_pylist()))
        assert all(rhf_of[h] == r for h, r in pairs)
    assert set(t["bo_rhf"].to_pylist()) == {"Helse Sør-Øst", "Helse Vest", "Helse Midt-Norge", "Helse Nord"}
    local = np.mean(np.array(t["bo_hf"].to_pylist()) == np.array(t["beh_hf"].to_pylist()))
    assert 0.7 < local < 0.95


def test_residence_regions_follow_the_seed_sorge_for_shares():
    # SOURCE: seed [002] table "Effekter RHF - Nye vekter 2026 Somatikk - sorge for", 2025-vekter.
    points = {"Helse Midt-Norge": 247_218, "Helse Nord": 171_558, "Helse Vest": 356_617,
              "Helse Sør-Øst": 972_925}
    geo = load_geography()
    got = defaultdict(float)
    for p, h in zip(geo.kommune_p, geo.kommune_hf):
        got[geo.rhf[geo.provider_rhf[h]]] += p
    total = sum(points.values())
    for rhf, pts in points.items():
        assert got[rhf] == pytest.approx(pts / total, abs=1e-9)


def test_a_patient_is_the_same_person_in_every_row(nor2015):
    t = _table(nor2015, rows=20_000, chunk_rows=6_000)
    seen: dict[str, tuple] = {}
    cols = [t[c].to_pylist() for c in ("pasient_id", "kjonn", "fodselsdato", "bo_kommune")]
    for pid, *attrs in zip(*cols):
        assert seen.setdefault(pid, tuple(attrs)) == tuple(attrs)
    assert len(seen) < t.num_rows * 0.6  # patients come back


def test_stays_have_a_long_tail_and_some_wait_for_discharge(nor2015):
    t = _table(nor2015, rows=20_000)
    niva = t["omsorgsniva"].to_numpy()
    los = t["liggetid"].to_numpy()[niva == 1]
    ready = t["utskrklar_dager"].to_numpy()[niva == 1]
    assert np.median(los) <= 5 and np.percentile(los, 99) >= 25 and los.max() >= 60
    assert 0.01 < np.mean(ready > 0) < 0.15 and ready.max() >= 5
    opp = t["opphold_id"].drop_null().to_numpy()
    assert len(np.unique(opp)) < len(opp)  # some department stays share a hospital stay


def test_principal_and_procedures_are_coherent(case):
    logic, t = case
    dgcat, procpr = _dg_props(logic)
    hits = total = 0
    for hd, procs in zip(t["hdiag"].to_pylist(), t["prosedyrer"].to_pylist()):
        if procs and hd in dgcat:
            total += 1
            hits += dgcat[hd][:2] in set().union(*(procpr[p] for p in procs))
    assert total > 100
    assert hits / total >= 0.8


def test_neonates_births_and_psychiatry_are_present(case):
    logic, t = case
    dgcat, _ = _dg_props(logic)
    mdc = np.array([dgcat.get(c, "")[:2] for c in t["hdiag"].to_pylist()])
    age = t["alder_dager"].to_numpy()
    sektor = np.array(t["sektor"].to_pylist())
    sex = t["kjonn"].to_numpy()
    assert ((age < 28) & (mdc == "15")).sum() >= 5
    assert ((mdc == "14") & (sex == 2) & (age > 14 * 365)).sum() >= 5
    assert not ((mdc == "14") & (sex == 1)).any()
    assert ((sektor == "phv") & np.isin(mdc, ["19", "20"])).sum() > 100
    assert ((sektor == "tsb") & np.isin(mdc, ["19", "20"])).sum() > 20
    assert (sektor == "phv").mean() > 0.05


def _rtc(logic, row) -> str:
    dx = [(row["hdiag"], row["hdiag2"]) if row["hdiag2"] else row["hdiag"], *row["bdiag"]]
    c = make_case(sex=str(row["kjonn"]), age_days=row["alder_dager"], discharge=row["utskr_maate"],
                  los=row["liggetid"], diagnoses=dx, procedures=row["prosedyrer"])
    return group(logic, c).rtc


def test_synthetic_rows_group_without_errors(case):
    logic, t = case
    rtcs = [_rtc(logic, r) for r in t.to_pylist()]
    assert np.mean(np.array(rtcs) == "0") >= 0.85


@pytest.mark.slow
@settings(max_examples=examples(15), deadline=None)
@given(rows=st.integers(1, 60), seed=st.sampled_from([1, 2]), year=st.integers(2015, 2030))
def test_property_any_size_and_year(demo_logic, rows, seed, year):
    t = _table(demo_logic, rows=rows, seed=seed, year=year, chunk_rows=25)
    assert t.num_rows == rows and t.schema == ACTIVITY_SCHEMA
    inn = t["inn_dato"].cast(pa.int32()).to_numpy()
    start = (np.datetime64(f"{year}-01-01") - np.datetime64("1970-01-01")).astype(int)
    assert (inn >= start - 1).all()  # døgn continuations may start on the next year's 1 Jan
    assert (t["ut_dato"].cast(pa.int32()).to_numpy() - inn == t["liggetid"].to_numpy()).all()


@pytest.mark.slow
def test_write_parquet_and_csv(demo_logic, tmp_path):
    expect = _table(demo_logic, rows=300, seed=9)
    p = write_synth(demo_logic, tmp_path / "a.parquet", rows=300, seed=9, year=2025, quiet=True)
    assert pq.read_table(p).equals(expect)
    c = write_synth(demo_logic, tmp_path / "a.csv", rows=300, seed=9, year=2025, fmt="csv", quiet=True)
    got = pacsv.read_csv(c, convert_options=pacsv.ConvertOptions(strings_can_be_null=False))
    assert got.num_rows == 300 and got.column_names == expect.column_names
    joined = ["|".join(x) for x in expect["bdiag"].to_pylist()]
    assert [s or "" for s in got["bdiag"].to_pylist()] == joined
    assert not list(tmp_path.glob("*.tmp"))


def test_large_output_is_a_folder_of_parts(demo_logic, tmp_path):
    out = tmp_path / "big.parquet"
    write_synth(demo_logic, out, rows=1_000, seed=1, quiet=True, chunk_rows=400, partition_rows=500)
    parts = sorted(p.name for p in out.iterdir())
    assert parts == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    assert pq.read_table(out).num_rows == 1_000
    # Writing again replaces the folder; a foreign folder is refused.
    write_synth(demo_logic, out, rows=10, seed=1, quiet=True)
    assert out.is_file() and pq.read_table(out).num_rows == 10
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep")
    with pytest.raises(IsADirectoryError):
        write_synth(demo_logic, foreign, rows=10, seed=1, quiet=True)
    with pytest.raises(ValueError):
        write_synth(demo_logic, tmp_path / "x", rows=10, seed=1, fmt="xlsx", quiet=True)


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("synth")(synth_command)
    app.command("noop")(lambda: None)  # more than one command, as in the real CLI
    return app


@pytest.mark.slow
def test_cli_end_to_end(tmp_path):
    runner = CliRunner()
    out = tmp_path / "act.parquet"
    r = runner.invoke(_app(), ["synth", "--rows", "250", "--seed", "4", "--logic", "demo", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "wrote 250 rows" in r.output
    t = pq.read_table(out)
    assert t.num_rows == 250 and t.schema == ACTIVITY_SCHEMA
    csv_out = str(tmp_path / "a.csv")
    r = runner.invoke(_app(), ["synth", "--rows", "50", "--format", "csv", "-q", "--out", csv_out])
    assert r.exit_code == 0 and r.output == ""
    assert (tmp_path / "a.csv").read_text(encoding="utf-8").startswith('"kontakt_id","pasient_id"')
    assert runner.invoke(_app(), ["synth", "--format", "xml", "--out", str(out)]).exit_code == 2
    assert runner.invoke(_app(), ["synth", "--logic", "NOSUCH", "--out", str(out)]).exit_code == 2


@pytest.mark.slow
def test_stg_codes_only_extend_prosedyrer(demo_logic):
    """STG trigger codes come from their own random stream: every other column, and the codes a
    row had, are the same as without them; only codes of the year's STGs are added."""
    plain = _table(demo_logic, rows=3_000, seed=3, year=2026, stg=False)
    with_stg = _table(demo_logic, rows=3_000, seed=3, year=2026)
    assert with_stg.schema == plain.schema
    for name in plain.column_names:
        if name != "prosedyrer":
            assert with_stg[name].equals(plain[name]), name
    codes = _stg_codes(2026)
    added = 0
    for before, after in zip(plain["prosedyrer"].to_pylist(), with_stg["prosedyrer"].to_pylist()):
        assert after[: len(before)] == before and set(after[len(before):]) <= codes
        added += len(after) > len(before)
    assert added > 30
    assert with_stg.equals(_table(demo_logic, rows=3_000, seed=3, year=2026))  # deterministic
    # a year without bundled STG definitions gets none
    assert _table(demo_logic, rows=500, seed=3, year=2019).equals(_table(demo_logic, rows=500, seed=3, year=2019, stg=False))


@pytest.mark.slow
def test_stg_codes_follow_the_year_and_the_rows_they_fit(demo_logic):
    """XS08 codes often on indirect somatic contacts (the only XS08 before 2024, [001] 158); LAR drugs on
    TSB contacts with a LAR/opioid principal (T30's trigger TS03 with TD99L/TD11A); AS04 drugs only in
    2026; ZWUU20 with a cancer drug."""
    t22 = _table(demo_logic, rows=20_000, seed=2, year=2022).to_pylist()
    t26 = _table(demo_logic, rows=20_000, seed=2, year=2026).to_pylist()
    xs08 = {"WPBA10", "WPBA15", "WPBA20", "WMFG10"}
    assert sum(1 for r in t22 if r["kontakt_type"] == 5 and set(r["prosedyrer"]) & xs08) >= 20
    assert not any(set(r["prosedyrer"]) & {"N04BA02", "N04BA03", "N04BA07", "N04BC07"} for r in t22)
    assert any(set(r["prosedyrer"]) & {"N04BA02", "N04BA03", "N04BA07", "N04BC07"} for r in t26)
    lar = [r for r in t26 if set(r["prosedyrer"]) & {"N07BC01", "N07BC02", "N07BC51"}]
    assert lar and all(r["sektor"] == "tsb" and r["hdiag"].startswith(("Z5030", "F11")) for r in lar)
    zw = [r for r in t26 if "ZWUU20" in r["prosedyrer"]]
    assert zw and all(set(r["prosedyrer"]) & {"L01EA01", "L01EF01", "L02BB04"} for r in zw)


@pytest.mark.parametrize("module", ["activity.py", "catalogue.py", "stg_codes.py"])
def test_generator_modules_do_no_io(module):
    tree = ast.parse((ROOT / "src" / "isf" / "synth" / module).read_text(encoding="utf-8"))
    imported = {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not imported & {"os", "io", "pathlib", "logging", "time", "datetime", "random", "typer", "rich"}
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert not calls & {"open", "print"}
