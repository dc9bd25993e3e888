"""Grouping semantics on tiny hand-made tables, one rule of the reading guide per test."""

from __future__ import annotations

import pytest

from isf.definitions import ComplCat, ComplExcl, DgRow, ProcRow, Rule, build_logic
from isf.grouping import group, make_case


def logic(rules, dg=(), proc=(), complcat=(), complexcl=()):
    catch_all = Rule(ord="999D999", drg="470", rtc="8")
    return build_logic(
        id="TINY", source="test", rules=[*rules, catch_all], dg=list(dg), proc=list(proc),
        complcat=list(complcat), complexcl=list(complexcl),
    )


def dx(code, **props):
    return [DgRow(code, "", vt.upper(), vv) for vt, vvs in props.items() for vv in ([vvs] if isinstance(vvs, str) else vvs)]


def px(code, **props):
    return [ProcRow(code, vt.upper(), vv) for vt, vvs in props.items() for vv in ([vvs] if isinstance(vvs, str) else vvs)]


def case(*diagnoses, procs=(), sex="M", age=20000, los=3, disch="H"):
    return make_case(sex=sex, age_days=age, los=los, discharge=disch, diagnoses=diagnoses, procedures=procs)


def test_first_matching_rule_in_ord_order_wins():
    lg = logic([Rule(ord="002D", drg="B", rtc="0", icd="+"), Rule(ord="001D", drg="A", rtc="0", icd="+")],
               dg=dx("I219", dgcat="05M01"))
    r = group(lg, case("I219"))
    assert (r.drg, r.rule, r.mdc) == ("A", "001D", "05")


def test_mdc98_is_recoded_by_sex_for_the_principal_only():
    rules = [Rule(ord="001D", drg="M", rtc="0", dgcat="12M03"), Rule(ord="002D", drg="F", rtc="0", dgcat="13M03"),
             Rule(ord="003D", drg="NOSEX", rtc="2", mdc="98", sex="-"),
             Rule(ord="004D", drg="SEC98", rtc="0", dgprop=("98X99",))]
    lg = logic(rules, dg=dx("A630", dgcat="98M03", dgprop="98X99") + dx("Z090", dgcat="23M04"))
    assert group(lg, case("A630", sex="M")).drg == "M"
    assert group(lg, case("A630", sex="F")).drg == "F"
    assert group(lg, case("A630", sex="")).drg == "NOSEX"
    # a 98 property from a *secondary* diagnosis is not recoded (reference case 1322)
    assert group(lg, case("Z090", "A630", sex="F")).drg == "SEC98"


def test_cc_from_secondary_with_exclusion_and_activation():
    rules = [Rule(ord="001D", drg="CC2", rtc="0", compl="2"), Rule(ord="002D", drg="CC1", rtc="0", compl="1"),
             Rule(ord="003D", drg="NOCC", rtc="0", icd="+")]
    dg = (dx("I219", dgcat="05M01", compl="05C01") + dx("J189", dgcat="04M01", compl="04C02")
          + dx("N179", dgcat="11M01", compl="11G01") + dx("E119", dgcat="10M01", compl="10I01")
          + dx("E10", dgcat="10M02", dgprop="10X01") + dx("I500", dgcat="05M02", compl="05C09"))
    lg = logic(rules, dg=dg, complcat=[ComplCat("10I01", "10X01")], complexcl=[ComplExcl("04C02", "I219")],
               proc=px("XX01", cc="1"))
    assert group(lg, case("I219")).drg == "NOCC"
    assert group(lg, case("I219", "N179")).drg == "CC2"  # G category: level 2
    assert group(lg, case("I219", "J189")).drg == "NOCC"  # excluded by compl_excl
    assert group(lg, case("I219", "E119")).drg == "NOCC"  # inactive I category
    assert group(lg, case("I219", "E119", "E10")).drg == "CC1"  # ... activated by its inclprop
    # "another diagnosis or procedure code" [ch. 5.3] includes the principal (NCC 2012 test 16729)
    assert group(lg, case("E10", "E119")).drg == "CC1"
    assert group(lg, case("J189", "I500")).drg == "CC1"
    assert group(lg, case("I219", procs=["XX01"])).drg == "CC1"  # procedure CC property
    assert group(lg, case("I219", "I500")).drg == "CC1"  # 05C09 is another category than the principal 05C01


def test_same_category_secondary_does_not_complicate():
    rules = [Rule(ord="001D", drg="CC1", rtc="0", compl="1"), Rule(ord="002D", drg="NOCC", rtc="0", icd="+")]
    lg = logic(rules, dg=dx("I219", dgcat="05M01", compl="05C01") + dx("I214", dgcat="05M01", compl="05C01"))
    assert group(lg, case("I219", "I214")).drg == "NOCC"


@pytest.mark.parametrize(("letter", "procs", "ok"), [
    ("S", ["P1"], True), ("S", ["P2"], False), ("P", ["P2"], True), ("P", ["P0"], False),
    ("N", ["P2"], True), ("N", ["P1"], False), ("Z", ["P0"], True), ("Z", ["P2"], False),
])
def test_or_letters(letter, procs, ok):
    lg = logic([Rule(ord="001D", drg="HIT", rtc="0", or_proc=letter)], dg=dx("K359", dgcat="06M01"),
               proc=px("P1", **{"or": "1"}) + px("P2", **{"or": "2"}) + px("P0", procpr="06O01"))
    assert (group(lg, case("K359", procs=procs)).drg == "HIT") is ok


def test_secondary_procedure_property():
    rules = [Rule(ord="001D", drg="BOTH", rtc="0", procpro="08S01", secpro="08S02"),
             Rule(ord="002D", drg="NOT3", rtc="0", procpro="08S01", secpro="-08S03"),
             Rule(ord="003D", drg="ONEOR", rtc="0", procpro="08S04", secpro="-")]
    lg = logic(rules, dg=dx("M161", dgcat="08M01"),
               proc=px("A", procpr="08S01") + px("B", procpr="08S02") + px("C", procpr="08S03")
               + px("D", procpr="08S04", **{"or": "1"}) + px("E", **{"or": "1"}))
    assert group(lg, case("M161", procs=["A", "B"])).drg == "BOTH"
    assert group(lg, case("M161", procs=["A"])).drg == "NOT3"
    assert group(lg, case("M161", procs=["A", "C"])).drg == "470"
    assert group(lg, case("M161", procs=["D"])).drg == "ONEOR"
    assert group(lg, case("M161", procs=["D", "E"])).drg == "470"  # lone '-': no second OR procedure


def test_dagger_asterisk_pair_properties():
    dg = [DgRow("G01", "A390", "DGCAT", "01M05"), DgRow("G01", "A390", "PDGPRO", "01P07")]
    dg += dx("A390", dgcat="18M01", dgprop="18X01") + dx("G01", dgcat="01M99")
    rules = [Rule(ord="001D", drg="PAIR", rtc="0", dgcat="01M05", pdgprop="01P07", dgprop=("18X01",))]
    lg = logic(rules, dg=dg)
    assert group(lg, case(("A390", "G01"))).drg == "PAIR"  # pair row + each code's own rows
    assert group(lg, case("A390")).drg == "470"


def test_limits_sex_discharge():
    rules = [Rule(ord="001D", drg="NEO", rtc="0", agelim="<29"), Rule(ord="002D", drg="DEAD", rtc="0", disch="E"),
             Rule(ord="003D", drg="OUT", rtc="0", dur="<1"), Rule(ord="004D", drg="TRANS", rtc="0", disch="R"),
             Rule(ord="005D", drg="FEM", rtc="0", sex="F")]
    lg = logic(rules, dg=dx("P599", dgcat="15M01"))
    assert group(lg, case("P599", age=28)).drg == "NEO"
    assert group(lg, case("P599", age=29, disch="E")).drg == "DEAD"
    assert group(lg, case("P599", age=29, los=0)).drg == "OUT"
    assert group(lg, case("P599", age=29, disch="R")).drg == "TRANS"
    assert group(lg, case("P599", age=29, sex="F")).drg == "FEM"


def test_return_codes_for_missing_and_invalid_principal():
    rules = [Rule(ord="000D010", drg="470", rtc="1", icd="-"), Rule(ord="001D", drg="OK", rtc="0", icd="+")]
    lg = logic(rules, dg=dx("I219", dgcat="05M01"))
    assert group(lg, case()).rtc == "1"  # nothing in the principal slot
    assert (group(lg, case("XYZ99")).drg, group(lg, case("XYZ99")).rtc) == ("470", "9")  # unknown code: rtc 9
    assert group(lg, case("i219")).drg == "OK"  # look-ups fold case
