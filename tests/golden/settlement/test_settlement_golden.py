"""Golden cases for settlement (tests/golden/settlement/cases.toml).

SOURCE: expected values are hand-computed in cases.toml (each case cites the seed line or rule
it follows); weights are the hand-made weights_drg.csv and weights_stg_tfg.csv. A failing case
prints every unit's rule text (`poeng_regel`) and the explanation of its rows.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from isf.params import MissingParametersError, load_params
from isf.settlement import MissingWeightsError, settle
from isf.settlement.tables import aggregate, summary, total
from isf.stg_tfg import available_years, load_stg_tfg
from isf.weights.weightlist import load_weight_lists

HERE = Path(__file__).parent
CASES = tomllib.loads((HERE / "cases.toml").read_text(encoding="utf-8"))["case"]

SCHEMA = {
    "kontakt_id": pl.Int64, "pasient_id": pl.String, "drg": pl.String, "sektor": pl.String, "omsorgsniva": pl.Int8,
    "kontakt_type": pl.Int8, "debitor": pl.Int16, "liggetid": pl.Int32, "utskrklar_dager": pl.Int32,
    "ambulant": pl.Boolean, "opphold_id": pl.Int64, "fodselsdato": pl.Date, "inn_dato": pl.Date,
    "ut_dato": pl.Date, "status": pl.String, "isf_enhet": pl.Boolean, "prosedyrer": pl.List(pl.String),
    "hdiag": pl.String, "bdiag": pl.List(pl.String), "bo_rhf": pl.String, "bo_hf": pl.String, "beh_hf": pl.String,
    "ungdomsteam": pl.Boolean, "egenandel_rapportert": pl.Boolean, "act_halv_maaned": pl.Boolean,
}


def _rows(case: dict[str, Any]) -> list[dict[str, Any]]:
    day = dt.date(case["year"], 3, 1)
    base = {
        "kontakt_id": None, "pasient_id": None, "sektor": "somatikk", "omsorgsniva": 1, "kontakt_type": None,
        "debitor": 1, "liggetid": 0, "utskrklar_dager": 0, "ambulant": False, "opphold_id": None, "fodselsdato": None,
        "inn_dato": day, "ut_dato": day, "status": "ok", "isf_enhet": None, "prosedyrer": [], "hdiag": "Z00",
        "bdiag": [], "bo_rhf": "Helse Vest", "bo_hf": "Helse Bergen HF", "beh_hf": "Helse Bergen HF",
        "ungdomsteam": None, "egenandel_rapportert": None, "act_halv_maaned": None,
    }
    out = []
    for i, r in enumerate(case["rows"]):
        row = base | r
        row["kontakt_id"] = 1000 + i if row["kontakt_id"] is None else row["kontakt_id"]
        row["pasient_id"] = f"P{i}" if row["pasient_id"] is None else row["pasient_id"]
        out.append(row)
    return out


def setup(case: dict[str, Any]) -> dict[str, Any]:
    year = case["year"]
    return {
        "weights": load_weight_lists([HERE / "weights_drg.csv", HERE / "weights_stg_tfg.csv"], year=year),
        "params": load_params(year, overrides=case.get("overrides", [])),
        "stg_tfg": load_stg_tfg(year) if year in available_years() else None,
        "year": year,
    }


def frame(case: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(_rows(case), schema=SCHEMA)


def _same(key: str, want: Any, got: Any) -> bool:
    if key == "arsak":
        return got is not None and want in got
    if isinstance(want, str) and key not in ("type", "gruppe", "sektor", "periode", "bo_rhf"):
        return got is not None and Decimal(str(got)) == Decimal(want)
    return bool(got == want)


def _check(expected: list[dict[str, Any]], got: list[dict[str, Any]], what: str) -> list[str]:
    problems = []
    for i, (exp, row) in enumerate(zip(expected, got, strict=True)):
        for key, want in exp.items():
            have = row["isf_arsak"] if key == "arsak" else row[key]
            if not _same(key, want, have):
                problems.append(f"{what} {i} {key}: expected {want!r}, got {have!r} ({row['poeng_regel']})")
    return problems


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_golden_case(case: dict[str, Any]) -> None:
    assert case.get("source"), "every golden case needs a SOURCE note"
    act = frame(case)
    err = case.get("error")
    if err and "missing" in err:
        with pytest.raises(MissingParametersError) as info:
            settle(act, **setup(case))
        assert [f"{s}.{n}" for s, n in info.value.missing] == err["missing"]
        assert "--demo-params" in str(info.value)
        return
    if err:
        with pytest.raises(MissingWeightsError) as winfo:
            settle(act, **setup(case))
        assert all(w in str(winfo.value) for w in err["weights"]), str(winfo.value)
        return
    res = settle(act, **setup(case), allow_missing_weights=case.get("allow_missing_weights", False))
    assert res.rows.height == act.height
    assert res.rows["kontakt_id"].to_list() == act["kontakt_id"].to_list()
    problems = _check(case.get("expected", []), res.rows.to_dicts()[: len(case.get("expected", []))], "row")
    units = res.units.sort("type", "kontakt_id").to_dicts()
    if "units" in case:
        if len(units) != len(case["units"]):
            problems.append(f"{len(units)} units, expected {len(case['units'])}")
        else:
            problems += _check(case["units"], units, "unit")
    if "sorge_for" in case:
        got = aggregate(res.units, "sorge_for").to_dicts()
        if len(got) != len(case["sorge_for"]):
            problems.append(f"sorge_for has {len(got)} rows, expected {len(case['sorge_for'])}: {got}")
        else:
            for want, have in zip(case["sorge_for"], got, strict=True):
                problems += [f"sorge_for {k}: expected {v!r}, got {have[k]!r}" for k, v in want.items()
                             if not _same(k, v, have[k])]
    if "kroner" in case:
        tot = total(summary(res.units))["isf_kroner"]
        if tot != Decimal(case["kroner"]) or sum(res.units["isf_kroner"].to_list(), Decimal(0)) != tot:
            problems.append(f"kroner: expected {case['kroner']}, got {tot}")
    assert not problems, "\n".join(problems) + "\n" + "\n".join(
        f"{u['type']} {u['gruppe']} {u['kontakt_id']}: {u['poeng_regel']}" for u in units)


def test_case_count_and_rules_covered() -> None:
    """At least 40 cases, and every rule family has one."""
    assert len(CASES) >= 40
    text = " ".join(c["source"] for c in CASES).lower()
    for rule in ("base weight", "long stay", "utskrivningsklar", "ambulant", "copay", "980 deduction",
                 "debitor", "units", "merge", "money", "tertial", "not in isf", "sørge-for", "bt01", "xs08",
                 "phv/tsb stg", "settlement year", "put", "lar", "959w", "act", "zwuu20", "as04", "nbp",
                 "orthodontic", "nipt", "telephone", "day care", "xs80", "hip", "isf share"):
        assert rule in text, rule
