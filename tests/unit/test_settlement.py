"""Settlement: one path for rows, units, tables, writers and the explanation; the rule registry."""

from __future__ import annotations

import ast
import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest

import isf.settlement
from isf.errors import IsfError
from isf.params import load_params
from isf.points import explain_points, kroner
from isf.run import write_duckdb, write_tables
from isf.settlement import RULES, UNIT_COLUMNS, Rule, Source, check_columns, settle
from isf.settlement import rules as rules_module
from isf.settlement.explain import explain_rows
from isf.settlement.fixed import E4
from isf.settlement.tables import CONTRACT, TABLES, aggregate, combine, summary, total, unit_tables
from isf.stg_tfg import load_stg_tfg
from isf.weights.weightlist import load_weights, parse_weights_csv

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


def test_glossary_money_example() -> None:
    # SOURCE: docs/npr-npk-glossary.md: 112.721 points × 45 808 kr × 50 % = 2 581 761.78 kr.
    assert kroner(Decimal("112.721"), Decimal(45808), Decimal("0.50")) == Decimal("2581761.78")
    assert kroner(Decimal("-112.721"), Decimal(45808), Decimal("0.50")) == Decimal("-2581761.78")


def test_half_up_to_ore() -> None:
    # 0.0001 × 52248 × 0.40 = 2.08992 -> 2.09; 0.00005 x 100 x 1 = 0.005 -> 0.01 (half up)
    assert kroner(Decimal("0.0001"), Decimal(52248), Decimal("0.40")) == Decimal("2.09")
    assert kroner(Decimal("0.00005"), Decimal(100), Decimal(1)) == Decimal("0.01")


def _activity() -> pl.DataFrame:
    d = dt.date(2026, 5, 10)
    rows = [
        {"kontakt_id": 5, "pasient_id": "p1", "drg": "14A", "sektor": "somatikk", "omsorgsniva": 1, "debitor": 1, "liggetid": 40,
             "utskrklar_dager": 0, "ambulant": False, "opphold_id": 1, "kontakt_type": None, "bo_rhf": "Helse Vest",
             "bo_hf": "Helse Bergen HF", "beh_hf": "Helse Bergen HF", "mdc": "01", "prosedyrer": []},
        {"kontakt_id": 3, "pasient_id": "p2", "drg": "802U", "sektor": "somatikk", "omsorgsniva": 3, "debitor": 1, "liggetid": 0,
             "utskrklar_dager": 0, "ambulant": False, "opphold_id": None, "kontakt_type": 2, "bo_rhf": "Helse Nord",
             "bo_hf": "UNN HF", "beh_hf": "UNN HF", "mdc": "02", "prosedyrer": []},
        {"kontakt_id": 9, "pasient_id": "p3", "drg": "919O", "sektor": "phv", "omsorgsniva": 3, "debitor": 1, "liggetid": 0,
             "utskrklar_dager": 0, "ambulant": True, "opphold_id": None, "kontakt_type": 1, "bo_rhf": "Helse Vest",
             "bo_hf": "Helse Bergen HF", "beh_hf": "Helse Bergen HF", "mdc": "19", "prosedyrer": ["IEAD00"]},
        {"kontakt_id": 1, "pasient_id": "p4", "drg": None, "sektor": "somatikk", "omsorgsniva": 1, "debitor": 1, "liggetid": 2,
             "utskrklar_dager": 0, "ambulant": False, "opphold_id": None, "kontakt_type": None, "bo_rhf": "Helse Nord",
             "bo_hf": "UNN HF", "beh_hf": "UNN HF", "mdc": None, "prosedyrer": []},
    ]
    return pl.DataFrame(rows).with_columns(
        inn_dato=pl.lit(d), ut_dato=pl.lit(d), fodselsdato=pl.lit(dt.date(2002, 1, 1)),
        status=pl.Series(["ok", "ok", "ok", "bad_age"]), hdiag=pl.lit("Z00"),
        bdiag=pl.lit([], dtype=pl.List(pl.String)))


def _settle(act: pl.DataFrame, year: int = 2026, **kw: object) -> isf.settlement.Settlement:
    return settle(act, weights=load_weights("demo", year=year), params=load_params(year, demo=True),
                  stg_tfg=load_stg_tfg(year), year=year, **kw)  # type: ignore[arg-type]


def test_same_rows_same_order_inputs_kept() -> None:
    act = _activity()
    res = _settle(act)
    assert res.rows.height == act.height and res.rows["kontakt_id"].to_list() == [5, 3, 9, 1]
    assert res.rows.select(act.columns).equals(act)
    assert res.rows["tertial"].to_list() == [2, 2, 2, 2]
    assert res.units.columns == list(UNIT_COLUMNS)


def test_demo_2026_rules_on_rows_and_units() -> None:
    res = _settle(_activity())
    r = {row["kontakt_id"]: row for row in res.rows.iter_rows(named=True)}
    assert not r[3]["isf_tellende"] and "TFG BT01" in r[3]["isf_arsak"]  # taken over, not 'missing'
    assert not r[1]["isf_tellende"] and "bad_age" in r[1]["isf_arsak"]
    assert r[9]["poeng_ambulant"] > 0 and r[9]["poeng_egenandel"] > 0  # young PHV outpatient, 2026
    assert r[5]["poeng_langligger"] > 0 and "liggedager" in r[5]["poeng_regel"]
    kinds = {(u["type"], u["gruppe"]): u for u in res.units.iter_rows(named=True)}
    assert kinds[("TFG", "BT01")]["isf_poeng"] == Decimal("3.2") and kinds[("TFG", "BT01")]["bo_rhf"] == "Helse Nord"
    act = kinds[("STG", "ACT")]  # PHV ACT month, priced with the PHV/TSB price and share
    p = load_params(2026, demo=True)
    assert act["sektor"] == "phv" and act["isf_andel"] == Decimal("0.25")
    assert act["isf_kroner"] == kroner(Decimal("0.3"), p.decimal("phv_tsb", "enhetspris"), Decimal("0.25"))


def test_rerun_on_own_output_is_stable() -> None:
    first = _settle(_activity())
    again = _settle(first.rows)
    assert again.rows.equals(first.rows) and again.units.equals(first.units)


def test_input_errors_and_empty_frame() -> None:
    act = _activity()
    with pytest.raises(IsfError, match="2025"):
        settle(act, weights=load_weights("demo", year=2026), params=load_params(2026, demo=True),
               stg_tfg=load_stg_tfg(2026), year=2025)
    res = _settle(act.clear())
    assert res.rows.height == 0 and res.units.height == 0 and "isf_poeng" in res.rows.columns
    problems = check_columns(act.drop("bo_rhf", "debitor").schema, grouped=True)
    assert any("'bo_rhf'" in p for p in problems) and any("'debitor'" in p for p in problems)
    problems = check_columns(act.with_columns(inn_dato=pl.lit(1.5)).schema, grouped=False)
    assert any("'inn_dato' should be date" in p for p in problems)


def test_missing_care_level_does_not_count() -> None:
    """A null omsorgsniva cannot prove ISF eligibility."""
    res = _settle(_activity().with_columns(omsorgsniva=pl.lit(None, dtype=pl.Int8)))
    assert res.rows["isf_tellende"].sum() == 0 and res.units["isf_tellende"].sum() == 0
    assert "omsorgsnivå (tom)" in res.rows.filter(pl.col("kontakt_id") == 5)["isf_arsak"][0]


def test_kroner_rounded_once_per_unit_and_tables_sum_units() -> None:
    """100 outpatient contacts of 0.0001 points at 2024 prices: each 0.0001 x 52248 x 40 % = 2.08992
    -> 2.09, so Σ units = 209.00 (the price of the summed points, 208.992, would round to 208.99).
    Every table is the sum of the units: 209.00, not re-rounded."""
    wl = parse_weights_csv("drg,vekt\nTINY,0.0001\n", file="w.csv", year=2024)
    act = pl.DataFrame({
        "kontakt_id": list(range(100)), "pasient_id": [f"p{i}" for i in range(100)], "drg": ["TINY"] * 100,
        "sektor": ["somatikk"] * 100, "omsorgsniva": [3] * 100, "debitor": [1] * 100,
        "inn_dato": [dt.date(2024, 2, 1)] * 100, "bo_rhf": ["Helse Nord"] * 50 + ["Helse Vest"] * 50,
        "bo_hf": ["UNN HF"] * 100, "beh_hf": ["UNN HF"] * 100,
    })
    res = settle(act, weights=wl, params=load_params(2024), stg_tfg=None, year=2024)
    assert set(res.units["isf_kroner"].to_list()) == {Decimal("2.09")}
    assert total(summary(res.units))["isf_kroner"] == Decimal("209.00")
    for name, t in unit_tables(res.units).items():
        assert sum(t["isf_kroner"].to_list(), Decimal(0)) == Decimal("209.00"), name


def test_contract_tables_have_exactly_the_contract_columns() -> None:
    res = _settle(_activity())
    for name, cols in CONTRACT.items():
        t = aggregate(res.units, name)
        assert tuple(t.columns) == cols
        assert t["isf_poeng"].dtype == pl.Decimal(38, 4) and t["isf_kroner"].dtype == pl.Decimal(38, 2)
        assert set(t["sektor"].to_list()) <= {"somatikk", "phv", "tsb"}
    assert set(TABLES) >= {"sorge_for", "sorge_for_hf", "sektor", "beh_hf", "tertial", "gruppe"}


def test_combine_adds_partitions_exactly() -> None:
    act = _activity()
    whole = _settle(act)
    a, b = _settle(act.filter(pl.col("pasient_id").is_in(["p1", "p2"]))), _settle(act.filter(pl.col("pasient_id").is_in(["p3", "p4"])))
    for name in TABLES:
        assert combine(name, [aggregate(a.units, name), aggregate(b.units, name)]).equals(aggregate(whole.units, name))


def test_writers_round_trip_lists_and_decimals(tmp_path: Path) -> None:
    res = _settle(_activity())
    tables = {**unit_tables(res.units), "enheter": res.units}
    files = write_tables(tables, tmp_path / "out")
    assert {f.name for f in files} >= {"sorge_for.csv", "sorge_for.parquet", "enheter.csv"}
    assert pl.read_parquet(tmp_path / "out" / "enheter.parquet").equals(res.units)  # lists and decimals kept
    csv = pl.read_csv(tmp_path / "out" / "enheter.csv", schema_overrides={"kontakt_ider": pl.String})
    assert csv.filter(pl.col("gruppe") == "BT01")["kontakt_ider"][0] == "3"  # '|'-joined list
    db = write_duckdb(tables, tmp_path / "isf.duckdb")
    with duckdb.connect(str(db), read_only=True) as con:
        kr = con.execute("select sum(isf_kroner) from sorge_for").fetchone()[0]
    assert kr == sum(res.units["isf_kroner"].to_list(), Decimal(0))


def test_explain_points_is_the_computation_on_one_row() -> None:
    act = _activity()
    w, p = load_weights("demo", year=2026), load_params(2026, demo=True)
    trace = explain_points(act.row(2, named=True), w, p)
    comps = {t.component: t for t in trace if t.rule != "gjelder ikke"}  # two rules add to poeng_ambulant
    assert "DEMO" in comps["poeng_ambulant"].source
    assert "demo_2026.csv row" in comps["poeng_basis"].source
    assert trace[-1].value == sum(t.value for t in trace[:-1])
    row = _settle(act.slice(2, 1)).rows.row(0, named=True)
    assert trace[-1].value == row["isf_poeng"]


def test_explain_rows_reports_every_unit_with_sources() -> None:
    act = _activity().slice(1, 1)  # the 802U contact, 2026
    units = explain_rows(act, weights=load_weights("demo", year=2026), params=load_params(2026, demo=True),
                         stg_tfg=load_stg_tfg(2026), year=2026)
    assert [u.label for u in units] == ["DRG 802U", "TFG BT01"]
    drg, tfg = units
    assert not drg.counts and drg.lines[0].name == "tfg_overtatt" and "003_d87f395d066b866b.txt:169" in drg.lines[0].source
    assert tfg.counts and tfg.isf_poeng == Decimal("3.2000") and "demo_2026_tfg.csv row" in tfg.lines[0].source


def test_a_rule_added_to_the_registry_is_computed_and_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    """Adding a rule = adding one entry: the batch result and the explanation both carry it."""
    def tillegg(df: pl.DataFrame, p: rules_module.Params) -> tuple[pl.Expr, pl.Expr]:
        on = pl.col("_gruppe") == "14A"
        return pl.when(on).then(pl.lit(5000, dtype=E4)).otherwise(0), pl.when(on).then(pl.lit("test-tillegg 0.5"))

    extra = Rule("test_tillegg", "poeng", "0.5 for DRG 14A (test)", Source(None, None, "test", "test rule"),
                 kinds=("DRG",), years=(2026, None), compute=tillegg, component="poeng_ambulant")
    before = _settle(_activity()).rows.filter(pl.col("kontakt_id") == 5)["isf_poeng"][0]
    monkeypatch.setattr(rules_module, "RULES", (*RULES, extra))
    after = _settle(_activity()).rows.filter(pl.col("kontakt_id") == 5)
    assert after["isf_poeng"][0] == before + Decimal("0.5") and "test-tillegg" in after["poeng_regel"][0]
    units = explain_rows(_activity().slice(0, 1), weights=load_weights("demo", year=2026),
                         params=load_params(2026, demo=True), stg_tfg=load_stg_tfg(2026), year=2026)
    line = next(x for x in units[0].lines if x.name == "test_tillegg")
    assert line.value == Decimal("0.5") and line.rule == "test-tillegg 0.5"
    assert not [x for x in explain_rows(_activity().slice(0, 1), weights=load_weights("demo", year=2025),
                                        params=load_params(2025, demo=True), stg_tfg=load_stg_tfg(2025),
                                        year=2025)[0].lines if x.name == "test_tillegg"]  # not in force 2025


def test_every_rule_cites_its_seed_line() -> None:
    """Each rule's quote is on the cited line of the seed file (whitespace folded)."""
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds not present")
    for r in RULES:
        assert r.text and r.source.cite()
        if r.source.seed is None:
            assert r.source.note, r.name  # a convention says so
            continue
        lines = (SEEDS / rules_module.SEEDS[r.source.seed]).read_text(encoding="utf-8").splitlines()
        assert r.source.line is not None
        assert " ".join(r.source.quote.split()) in " ".join(lines[r.source.line - 1].split()), r.name


def test_settlement_modules_do_no_io() -> None:
    root = Path(isf.settlement.__file__).parent
    forbidden = {"os", "io", "logging", "typer", "rich", "fastapi", "pathlib", "duckdb", "time", "random", "sys"}
    for f in sorted(root.glob("*.py")):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        mods = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        mods |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not mods & forbidden, (f.name, mods & forbidden)
        calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        assert not calls & {"open", "print", "input"}, f.name
