"""drgs_for_code / drg_contents (reading guide ch. 7-8) on the bundled demo logic.

SOURCE of expected values: the demo logic's drg_logic.csv / dg_feat.csv rows, read by hand
(I219 has DGCAT 05M01; rules 105D040-060 ask for dgcat 05M01; A630 has DGCAT 98M..).
"""

from __future__ import annotations

import pytest

from isf.definitions import load_logic
from isf.grouping import group, make_case
from isf.grouping.lookup import code_properties, drg_contents, drgs_for_code


@pytest.fixture(scope="module")
def demo():
    return load_logic("demo")


def test_principal_routes_follow_dgcat_and_mdc(demo):
    routes = {r.ord: r for r in drgs_for_code(demo, "I219")}
    assert {"105D040", "105D050", "105D060"} <= set(routes)  # dgcat 05M01 rules
    assert routes["105D060"].drg == "122" and routes["105D060"].via == ("dgcat 05M01",)
    assert all(r.drg != "127" for r in routes.values())  # 127 needs dgcat 05M02
    assert "dgprop1 05X01" in routes["105D020"].via  # I219 itself carries 05X01
    assert any(n.startswith("procpro") for n in routes["105D020"].needs)


def test_mdc98_code_is_tried_for_both_sexes(demo):
    routes = drgs_for_code(demo, "A630")
    sexes = {r.sex for r in routes}
    assert sexes == {"M", "F"}
    assert all(r.ord.startswith("112") for r in routes if r.sex == "M")
    assert all(r.ord.startswith("113") for r in routes if r.sex == "F")


def test_unknown_code_has_no_routes(demo):
    assert drgs_for_code(demo, "ZZZ999") == []
    assert not code_properties(demo, "ZZZ999").known


def test_procedure_routes(demo):
    routes = drgs_for_code(demo, "FNG02", kind="proc")
    assert routes and all(any(v.startswith(("procpro", "secpro", "dgprop")) for v in r.via) for r in routes)
    assert any("mdc 05" in r.needs for r in routes)


def test_drg_contents_lists_codes_with_required_property(demo):
    c = drg_contents(demo, "122")
    assert c.name and c.rules
    dgcat = [p for rc in c.rules for p in rc.properties if p.column == "dgcat"]
    assert dgcat and "I219" in dgcat[0].dx
    for code in dgcat[0].dx:
        assert ("DGCAT", "05M01") in code_properties(demo, code).properties


def test_contents_and_routes_agree(demo):
    """Every code drg_contents lists under both a rule's dgcat and its pdgprop (if any) can
    reach that rule."""
    for rule in demo.rules:
        if not rule.dgcat or rule.dgcat.startswith("-"):
            continue
        contents = drg_contents(demo, rule.drg)
        for rc in contents.rules:
            if rc.rule.ord != rule.ord:
                continue
            by = {p.column: set(p.dx) for p in rc.properties}
            codes = by["dgcat"] & by.get("pdgprop", by["dgcat"])
            for code in sorted(c for c in codes if "&" not in c)[:5]:
                assert rule.ord in {r.ord for r in drgs_for_code(demo, code)}, (rule.ord, code)


def test_grouped_rule_is_among_routes(demo):
    """Grouping a lone principal lands on a rule drgs_for_code lists, whenever that rule is
    tied to the principal (mdc/dgcat/pdgprop)."""
    codes = sorted({r.code for r in demo.dg if not r.d_code})
    checked = 0
    for code in codes:
        for sex in ("1", "2"):
            res = group(demo, make_case(sex=sex, age_days=40 * 365, los=2, diagnoses=[code]))
            rule = next((r for r in demo.rules if r.ord == res.rule), None)
            if rule is None or not (rule.mdc or rule.dgcat or rule.pdgprop) or rule.mdc.startswith("-"):
                continue
            assert res.rule in {r.ord for r in drgs_for_code(demo, code)}, (code, sex, res)
            checked += 1
    assert checked > 50
