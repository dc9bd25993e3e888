"""Unit tests for STG/TFG definitions, the vectorised engine and the parquet adapter."""

from __future__ import annotations

import ast
import pickle
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from isf.definitions import DefinitionError
from isf.stg_tfg import (
    ActivitySchemaError,
    assign,
    assign_reference,
    available_years,
    load_stg_tfg,
    parse_stg_tfg,
)
from isf.stg_tfg.batch import assign_parquet

SCHEMA = {
    "kontakt_id": pl.Int64, "pasient_id": pl.String, "inn_dato": pl.Date, "drg": pl.String,
    "prosedyrer": pl.List(pl.String), "hdiag": pl.String, "bdiag": pl.List(pl.String),
    "omsorgsniva": pl.Int8, "utskrklar_dager": pl.Int32, "sektor": pl.String,
}

MINI = """
aar = 2030
[[stg]]
kode = "S1"
navn = "two per tertial"
periode = "tertial"
koder = ["K1"]
min_kontakter = 2
"""


def row(kid: int | None, pid: str | None, day: date | None, *, drg: str | None = None,
        codes: list[str] | None = None, niva: int = 3, klar: int = 0, sektor: str = "somatikk") -> dict[str, Any]:
    return {"kontakt_id": kid, "pasient_id": pid, "inn_dato": day, "drg": drg,
            "prosedyrer": codes or [], "hdiag": "Z00", "bdiag": [], "omsorgsniva": niva,
            "utskrklar_dager": klar, "sektor": sektor}


def frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA)


# --- definitions -------------------------------------------------------------------------

@pytest.mark.parametrize("year", [2022, 2023, 2024, 2025, 2026])
def test_bundled_years_load_and_are_frozen_and_picklable(year: int) -> None:
    defs = load_stg_tfg(year)
    assert defs.aar == year and len(defs.checksum) == 64
    assert pickle.loads(pickle.dumps(defs)) == defs
    with pytest.raises(AttributeError):
        defs.aar = 1999  # type: ignore[misc]
    assert {2022, 2023, 2024, 2025, 2026} <= set(available_years())


@pytest.mark.parametrize("year", [2022, 2023, 2024, 2025, 2026])
def test_every_group_has_a_demo_weight_entry_and_a_source(year: int) -> None:
    """Weights live in the weight lists: every defined group has an STG/TFG demo-list entry
    (weight, or isf = N without financing), and the demo lists are marked DEMO."""
    from isf.weights.weightlist import load_weights

    defs = load_stg_tfg(year)
    wl = load_weights("demo", year=year)
    for kind, groups in (("STG", defs.stg), ("TFG", defs.tfg)):
        for g in groups:
            assert wl.get(g.kode, kind) is not None, (kind, g.kode)
            assert g.kilde, g.kode
    assert wl.demo and all(demo for _, _, demo in wl.sources)


def test_seed_facts_per_year() -> None:
    d24, d25, d26 = (load_stg_tfg(y) for y in (2024, 2025, 2026))
    xs08 = d24.stg_by_code()["XS08"]
    assert xs08.koder == ("WPBA10", "WPBA15", "WPBA20", "WRBA24", "WMFG10")
    assert xs08.periode == "maaned" and xs08.utskrivningsklar
    assert d24.stg_by_code()["JS09"].periode == "tertial"
    assert d24.stg_by_code()["ACT"].koder == ("IEAD00",)
    # [004] «XS08 ... for somatiske problemstillinger»: only somatic contacts form XS08
    assert xs08.sektor == ("somatikk",)
    assert "DS03" not in d24.stg_by_code() and "DS03" in d25.stg_by_code()
    assert d26.stg_by_code()["AS04"].koder == ("N04BA02", "N04BA03", "N04BA07", "N04BC07")
    assert d26.stg_by_code()["DS04"].koder == ("J06BD01", "J06BD08")
    t30 = d24.tfg_by_code()["T30"]
    assert t30.utloser_stg == ("TS03",) and not t30.overtar_drg_poeng
    # [002]/[003] define AS04 by the drugs' ATC codes only: no diagnosis condition
    assert d26.stg_by_code()["AS04"].diagnoser == ()


def test_seed_facts_2022_2023() -> None:
    """[004] 635-645: XS08 new in 2022 (outpatient, utskrivningsklar inpatients); [001] 158: direct
    consultations only from 2024; [004] 983-998 HT05/HT06 replace HT02/HT03; [001] 234 ACT half month;
    [000] 714-717 ZWUU20 from 2025, cancer first."""
    d22, d23, d24, d25 = (load_stg_tfg(y) for y in (2022, 2023, 2024, 2025))
    for d in (d22, d23):
        xs08 = d.stg_by_code()["XS08"]
        assert xs08.kontakttype == (5,) and xs08.utskrivningsklar and xs08.sektor == ("somatikk",)
        assert {"HT05", "HT06"} <= set(d.tfg_by_code()) and not {"HT02", "HT03", "T30"} & set(d.tfg_by_code())
        assert {"XS80", "XS81", "XS82", "XS04"} <= set(d.stg_by_code()) and "JS09" not in d.stg_by_code()
    assert d24.stg_by_code()["XS08"].kontakttype == ()
    for d in (d22, d23, d24, d25, load_stg_tfg(2026)):
        assert d.stg_by_code()["ACT"].halv_maaned
        drugs = [s for s in d.stg if s.kode in ("TS03", "DS03", "XS82", "XS83", "AS04", "DS04", "XS80", "XS81")]
        assert all(s.unntatt_koder == ("ZWUU20",) for s in drugs)
        assert (d.stg_by_code()["KREFT"].unntatt_koder == ()) == (d.aar >= 2025)


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_financing_per_seed_is_in_the_demo_weight_lists(year: int) -> None:
    """Groups the seeds name as without financing are isf = N in the STG/TFG lists
    ([000]/[002]/[003] «STG uten finansiering»; [001] T30/PT11-14 «uten finansiering»)."""
    from isf.weights.weightlist import load_weights

    wl = load_weights("demo", year=year)
    unfinanced = {"STG": ["DS03", "XS82", "XS83", "AS04", "DS04"], "TFG": ["T30", "PT11", "PT12", "PT13", "PT14"]}
    for kind, codes in unfinanced.items():
        for code in codes:
            e = wl.get(code, kind)
            assert e is None or (not e.isf and e.vekt is None), (kind, code)
    assert wl.get("XS08", "STG").isf and wl.get("HT05", "TFG").isf
    assert (wl.get("BT01", "TFG") is not None) == (year >= 2026)


def test_load_unknown_year_raises() -> None:
    with pytest.raises(DefinitionError, match="no definitions"):
        load_stg_tfg(1999)


@pytest.mark.parametrize(("text", "reason"), [
    ("aar = 2030\n[[stg]]\nkode='S'\nnavn='x'\nperiode='uke'\nkoder=['A']",
     "periode"),
    ("aar = 2030\n[[stg]]\nkode='S'\nnavn='x'\nperiode='aar'\nvekt='1'\nkoder=['A']",
     "weight list"),
    ("aar = 2030\n[[stg]]\nkode='S'\nnavn='x'\nperiode='aar'\nfinansiert=true\nkoder=['A']",
     "weight list"),
    ("aar = 2030\n[[stg]]\nkode='S'\nnavn='x'\nperiode='aar'\nkoder=['A']\nsektor=['psyk']",
     "sektor"),
    ("aar = 2030\n[[stg]]\nkode='S'\nnavn='x'\nperiode='aar'\nkoder=[]",
     "must not be empty"),
    ("aar = 2030\n[[stg]]\nkode='S'\nnavn='x'\nperiode='aar'\nkoder=['A']\nmin_kontakter=0",
     "min_kontakter"),
    ("aar = 2030\n[[stg]]\nkode='S'\nnavn='x'\nperiode='aar'\nkoder=['A']\nfoo=1",
     "unknown key"),
    ("aar = 2030\n[[stg]]\nkode='S'\nnavn='x'\nperiode='aar'\nkoder=['A']\nkontakttype=[4]",
     "kontakttype"),
    ("aar = 2030\n[[stg]]\nkode='S'\nnavn='x'\nperiode='aar'\nkoder=['A']\nkontakttype=5",
     "kontakttype"),
    ("aar = 2030\n[[stg]]\nkode='S'\nnavn='x'\nperiode='aar'\nkoder=['A']\nhalv_maaned=true",
     "halv_maaned"),
    ("aar = 2030\n[[stg]]\nkode='S'\nnavn='x'\nperiode='maaned'\nkoder=['A']\nhalv_maaned='ja'",
     "halv_maaned"),
    ("aar = 2030\n[[stg]]\nkode='S'\nnavn='x'\nperiode='aar'\nkoder=['A']\nunntatt_koder=['A']",
     "exclude"),
    ("aar = 2030\n[[tfg]]\nkode='T'\nnavn='x'\nperiode='aar'\ndrg=['1']\nutloser_drg=['2']",
     "must also be members"),
    ("aar = 2030\n[[tfg]]\nkode='T'\nnavn='x'\nperiode='aar'\nstg=['NOPE']",
     "unknown member STG"),
    (("aar = 2030\n[[stg]]\nkode='S'\nnavn='x'\nperiode='aar'\nkoder=['A']\n"
     "[[tfg]]\nkode='T'\nnavn='x'\nperiode='aar'\nstg=['S']\n"
     "overtar_drg_poeng=true"), "may not have STG members"),
    (("aar = 2030\n[[tfg]]\nkode='T'\nnavn='x'\nperiode='aar'\ndrg=['1']\nfamilie='F'\n"
     "[[tfg]]\nkode='U'\nnavn='y'\nperiode='aar'\ndrg=['1']\nfamilie='F'"),
     "prioritet"),
    (("aar = 2030\n[[tfg]]\nkode='T'\nnavn='x'\nperiode='aar'\ndrg=['1']\nfamilie='F'\n"
     "[[tfg]]\nkode='U'\nnavn='y'\nperiode='tertial'\ndrg=['1']\nfamilie='F'\nprioritet=1"),
     "one 'periode'"),
    (("aar = 2030\n[[tfg]]\nkode='T'\nnavn='x'\nperiode='aar'\ndrg=['1']\n"
     "[[tfg]]\nkode='T'\nnavn='y'\nperiode='aar'\ndrg=['2']"), "defined twice"),
    ("aar = 'x'", "'aar'"),
    ("aar = = 1", "toml"),
])
def test_parse_rejects_bad_definitions(text: str, reason: str) -> None:
    with pytest.raises(DefinitionError, match=reason):
        parse_stg_tfg(text, source="t.toml")


def test_data_files_have_no_unknown_keys_and_cite_seeds() -> None:
    folder = Path(__file__).resolve().parents[2] / "src" / "isf" / "data" / "stg_tfg"
    for f in sorted(folder.glob("*.toml")):
        doc = tomllib.loads(f.read_text(encoding="utf-8"))
        for g in (*doc.get("stg", []), *doc.get("tfg", [])):
            assert "[00" in g["kilde"], (f.name, g["kode"])


# --- engine ------------------------------------------------------------------------------

def test_minimum_activity_per_period() -> None:
    defs = parse_stg_tfg(MINI)
    act = frame([
        row(1, "a", date(2030, 1, 5), codes=["K1"]),
        row(2, "a", date(2030, 4, 30), codes=["K1"]),
        row(3, "a", date(2030, 5, 1), codes=["K1"]),  # T2: only one -> below minimum
        row(4, "b", date(2030, 6, 1), codes=["K1", "K1"]),  # one contact, code twice
    ])
    res = assign(act, defs, year=2030)
    assert res.assignments.select("pasient_id", "periode", "kontakt_ider").rows() == [
        ("a", "2030-T1", [1, 2]),
    ]


def test_bad_rows_get_status_and_are_kept() -> None:
    act = frame([
        row(1, None, date(2026, 1, 1), drg="802U"),
        row(2, "p", None, drg="802U"),
        row(3, "p", date(2026, 1, 1), drg="802U"),
        row(3, "p", date(2026, 1, 2), drg="802U"),
        row(None, "p", date(2026, 1, 3), drg="802U"),
        row(4, "", date(2026, 1, 3), drg="802U"),
        row(5, "q", date(2025, 12, 31), drg="802U"),
        row(6, "q", date(2026, 1, 9), drg="802U"),
    ])
    res = assign(act, load_stg_tfg(2026), year=2026)
    adj = res.contact_adjustments
    assert adj.height == act.height
    assert adj["status"].to_list() == [
        "ugyldig", "ugyldig", "ugyldig", "ugyldig", "ugyldig", "ugyldig", "utenfor_aar", "ok",
    ]
    assert adj["error"].to_list()[:6] == [
        "pasient_id mangler", "inn_dato mangler", "kontakt_id er ikke unik",
        "kontakt_id er ikke unik", "kontakt_id mangler", "pasient_id mangler",
    ]
    assert res.assignments.select("pasient_id", "gruppe", "kontakt_ider").rows() == [
        ("q", "BT01", [6]),
    ]
    assert adj["tfg_overtatt"].to_list() == [False] * 7 + [True]


def test_missing_column_is_a_typed_error() -> None:
    with pytest.raises(ActivitySchemaError, match="utskrklar_dager"):
        assign(frame([]).drop("utskrklar_dager"), load_stg_tfg(2026), year=2026)


def test_empty_activity_gives_empty_typed_frames() -> None:
    res = assign(frame([]), load_stg_tfg(2026), year=2026)
    assert res.assignments.height == 0 and res.contact_adjustments.height == 0
    assert res.assignments.schema["kontakt_ider"] == pl.List(pl.Int64)


def test_til_tertial_and_late_arriving_activity_moves_bt01_points() -> None:
    """T1 settlement sees only T1; a late-reported earlier contact takes the year's points."""
    defs = load_stg_tfg(2026)
    t1_run = frame([row(10, "m", date(2026, 3, 1), drg="802U"),
                    row(11, "m", date(2026, 6, 1), drg="802U")])
    res1 = assign(t1_run, defs, year=2026, til_tertial=1)
    assert res1.assignments.select("kontakt_ider", "poeng_kontakt_id").rows() == [([10], 10)]
    assert res1.contact_adjustments["status"].to_list() == ["ok", "utenfor_periode"]

    late = pl.concat([t1_run, frame([row(9, "m", date(2026, 2, 1), drg="802U")])])
    res2 = assign(late, defs, year=2026, til_tertial=2)
    assert res2.assignments.select("kontakt_ider", "poeng_kontakt_id").rows() == [([9, 10, 11], 9)]
    with pytest.raises(ValueError, match="til_tertial"):
        assign(t1_run, defs, year=2026, til_tertial=4)


def test_year_boundary_counts_each_year_separately() -> None:
    act = frame([row(1, "m", date(2025, 12, 30), drg="802U"),
                 row(2, "m", date(2026, 1, 2), drg="802U")])
    r25 = assign(act, load_stg_tfg(2025), year=2025)
    r26 = assign(act, load_stg_tfg(2026), year=2026)
    assert r25.assignments.height == 0
    assert r26.assignments.select("kontakt_ider").rows() == [([2],)]
    assert r26.contact_adjustments["status"].to_list() == ["utenfor_aar", "ok"]


def test_xs08_forms_from_somatic_contacts_only() -> None:
    """[004] line 637: XS08 «for somatiske problemstillinger»: a PHV contact with the same
    cooperation code forms no XS08; the somatic one does (engine and reference)."""
    defs = load_stg_tfg(2024)
    act = frame([row(1, "p", date(2024, 3, 1), codes=["WPBA10"], sektor="phv"),
                 row(2, "q", date(2024, 3, 2), codes=["WPBA10"], sektor="somatikk")])
    got = assign(act, defs, year=2024).assignments.select("pasient_id", "gruppe").rows()
    assert got == [("q", "XS08")]
    ref, _ = assign_reference(act.to_dicts(), defs, year=2024)
    assert [(a["pasient_id"], a["gruppe"]) for a in ref] == [("q", "XS08")]
    with pytest.raises(ActivitySchemaError, match="sektor"):
        assign(act.drop("sektor"), defs, year=2024)


def test_contact_conditions_without_their_columns() -> None:
    """Without `kontakt_type`, a 2022 outpatient contact cannot show it was indirect: no XS08 (an
    utskrivningsklar inpatient still forms it); without `act_halv_maaned` the ACT month stands."""
    defs = load_stg_tfg(2022)
    act = frame([row(1, "a", date(2022, 3, 1), codes=["WPBA10"]),
                 row(2, "b", date(2022, 3, 1), codes=["WPBA10"], niva=1, klar=3),
                 row(3, "c", date(2022, 3, 1), codes=["IEAD00"], sektor="phv")])
    got = assign(act, defs, year=2022).assignments.select("pasient_id", "gruppe").rows()
    assert got == [("b", "XS08"), ("c", "ACT")]
    ref, _ = assign_reference(act.to_dicts(), defs, year=2022)
    assert [(a["pasient_id"], a["gruppe"]) for a in ref] == got
    typed = act.with_columns(kontakt_type=pl.Series([5, None, 1], dtype=pl.Int8),
                             act_halv_maaned=pl.Series([None, None, False]))
    got = assign(typed, defs, year=2022).assignments.select("pasient_id", "gruppe").rows()
    assert got == [("a", "XS08"), ("b", "XS08")]


def test_engine_accepts_lazyframe_and_optional_hdiag2() -> None:
    defs = load_stg_tfg(2026)
    act = frame([row(1, "n", date(2026, 2, 2), codes=["N04BA02"])]).with_columns(
        hdiag2=pl.lit("G20"))
    res = assign(act.lazy(), defs, year=2026)
    assert res.assignments["gruppe"].to_list() == ["AS04"]
    ref, _ = assign_reference(act.to_dicts(), defs, year=2026)
    assert [a["gruppe"] for a in ref] == ["AS04"]


def test_assign_parquet_matches_in_memory(tmp_path: Path) -> None:
    defs = load_stg_tfg(2026)
    rows = []
    for i in range(60):
        rows.append(row(i, f"p{i % 7}", date(2026, 1 + i % 12, 1 + i % 28),
                        drg=["802U", "209U", "901O"][i % 3],
                        codes=[["WPBA10"], ["IEAD00"], []][i % 3]))
    act = frame(rows)
    src = tmp_path / "act.parquet"
    act.write_parquet(src)
    a_dir, b_dir = assign_parquet(src, defs, year=2026, out_dir=tmp_path / "out", partitions=3)
    got_a = pl.read_parquet(a_dir / "*.parquet").sort("pasient_id", "type", "gruppe", "periode")
    got_b = pl.read_parquet(b_dir / "*.parquet").sort("kontakt_id")
    want = assign(act, defs, year=2026)
    assert got_a.equals(want.assignments)
    assert got_b.equals(want.contact_adjustments.sort("kontakt_id"))
    assert len(list(a_dir.glob("*.parquet"))) == 3


def test_kernel_modules_do_no_io() -> None:
    """engine, reference and definitions parsing import no I/O, logging, clock or env modules."""
    pkg = Path(__file__).resolve().parents[2] / "src" / "isf" / "stg_tfg"
    banned = {"os", "logging", "time", "datetime.datetime", "sys", "pathlib", "random"}
    for name in ("engine.py", "reference.py"):
        tree = ast.parse((pkg / name).read_text(encoding="utf-8"))
        imported = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
        assert not imported & banned, (name, imported & banned)
        assert "print(" not in (pkg / name).read_text(encoding="utf-8")
