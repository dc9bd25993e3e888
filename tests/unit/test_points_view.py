"""The web points view settles the case like `isf run`: every unit, total kroner, and the reason
in the headline when the DRG unit does not count (never a silent 0)."""

from __future__ import annotations

import re
from decimal import Decimal

from fastapi.testclient import TestClient

from isf.definitions import load_logic
from isf.formatting import kroner as kroner_text
from isf.grouping import GroupResult, group, parse_case_string
from isf.params import load_params
from isf.settlement import kroner
from isf.web.app import create_app
from isf.web.points_view import case_points

AMD = "1,27647,H,0,,H353" + "," * 59 + ",CKD05"  # intravitreal injection -> demo DRG 802U


def test_bt01_2026_shows_the_tfg_unit_and_its_kroner() -> None:
    """[003] line 169/171: 802U contacts 0, BT01 3.2 (DEMO weight) on the first contact."""
    case = parse_case_string(AMD)
    res = group(load_logic("demo"), case)
    assert res.drg == "802U"
    view = case_points(res, case, year=2026)
    assert view is not None
    labels = [f"{c[0]}: {c[1]}" for c in view.components]
    assert "DRG 802U: ikke_isf" in labels and "TFG BT01: poeng_basis" in labels
    p = load_params(2026, demo=True)
    assert view.points == "3,200"
    assert view.kroner == kroner_text(kroner(Decimal('3.2'), p.decimal('somatikk', 'enhetspris'), Decimal('0.30')), nbsp=True)
    assert view.reason == "DRG 802U: finansiert gjennom TFG BT01"
    assert view.demo


def test_drg_without_weight_says_so() -> None:
    case = parse_case_string("1,20000,H,3,,I219")
    view = case_points(GroupResult(drg="999X", rtc="0", rule="x", mdc="05"), case, year=2025)
    assert view is not None and view.points == "0,000" and "DRG 999X mangler i vektlisten" in view.reason


def test_grouper_page_shows_the_reason_in_the_headline() -> None:
    client = TestClient(create_app(logic="demo"))
    r = client.post("/", data={"case_string": AMD, "year": "2026"})
    assert r.status_code == 200
    reason = re.findall(r'data-testid="points-reason">([^<]*)<', r.text)
    assert reason and "finansiert gjennom TFG BT01" in reason[0]
