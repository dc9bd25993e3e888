"""Grouping semantics on tiny hand-made tables, one rule of the reading guide per test.

Every test runs through every grouping path (`grouping_paths.PATHS`: the single-case API, the
compiled matcher, the explain trace, the native batch path, the row kernel and the polars
adapter), so a fast path cannot drift from the column units' checks.
"""

from __future__ import annotations

from functools import partial

import pytest
from grouping_paths import PATHS, group_by

from isf.definitions import ComplCat, ComplExcl, DgRow, ProcRow, Rule, build_logic
from isf.grouping import make_case


@pytest.fixture(params=PATHS)
def group(request):
    return partial(group_by, request.param)


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


def test_first_matching_rule_in_ord_order_wins(group):
    lg = logic([Rule(ord="002D", drg="B", rtc="0", icd="+"), Rule(ord="001D", drg="A", rtc="0", icd="+")],
               dg=dx("I219", dgcat="05M01"))
    r = group(lg, case("I219"))
    assert (r.drg, r.rule, r.mdc) == ("A", "001D", "05")


def test_mdc98_is_recoded_by_sex_for_the_principal_only(group):
    rules = [Rule(ord="001D", drg="M", rtc="0", dgcat="12M03"), Rule(ord="002D", drg="F", rtc="0", dgcat="13M03"),
             Rule(ord="003D", drg="NOSEX", rtc="2", mdc="98", sex="-"),
             Rule(ord="004D", drg="SEC98", rtc="0", dgprop=("98X99",))]
    lg = logic(rules, dg=dx("A630", dgcat="98M03", dgprop="98X99") + dx("Z090", dgcat="23M04"))
    assert group(lg, case("A630", sex="M")).drg == "M"
    assert group(lg, case("A630", sex="F")).drg == "F"
    assert group(lg, case("A630", sex="")).drg == "NOSEX"
    # a 98 property from a *secondary* diagnosis is not recoded (reference case 1322)
    assert group(lg, case("Z090", "A630", sex="F")).drg == "SEC98"


def test_cc_from_secondary_with_exclusion_and_activation(group):
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


def test_same_category_secondary_does_not_complicate(group):
    rules = [Rule(ord="001D", drg="CC1", rtc="0", compl="1"), Rule(ord="002D", drg="NOCC", rtc="0", icd="+")]
    lg = logic(rules, dg=dx("I219", dgcat="05M01", compl="05C01") + dx("I214", dgcat="05M01", compl="05C01"))
    assert group(lg, case("I219", "I214")).drg == "NOCC"


@pytest.mark.parametrize(("letter", "procs", "ok"), [
    ("S", ["P1"], True), ("S", ["P2"], False), ("P", ["P2"], True), ("P", ["P0"], False),
    ("N", ["P2"], True), ("N", ["P1"], False), ("Z", ["P0"], True), ("Z", ["P2"], False),
])
def test_or_letters(group, letter, procs, ok):
    lg = logic([Rule(ord="001D", drg="HIT", rtc="0", or_proc=letter)], dg=dx("K359", dgcat="06M01"),
               proc=px("P1", **{"or": "1"}) + px("P2", **{"or": "2"}) + px("P0", procpr="06O01"))
    assert (group(lg, case("K359", procs=procs)).drg == "HIT") is ok


def test_secondary_procedure_property(group):
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


def test_dagger_asterisk_pair_properties(group):
    dg = [DgRow("G01", "A390", "DGCAT", "01M05"), DgRow("G01", "A390", "PDGPRO", "01P07")]
    dg += dx("A390", dgcat="18M01", dgprop="18X01") + dx("G01", dgcat="01M99")
    rules = [Rule(ord="001D", drg="PAIR", rtc="0", dgcat="01M05", pdgprop="01P07", dgprop=("18X01",))]
    lg = logic(rules, dg=dg)
    assert group(lg, case(("A390", "G01"))).drg == "PAIR"  # pair row + each code's own rows
    assert group(lg, case("A390")).drg == "470"


def test_limits_sex_discharge(group):
    rules = [Rule(ord="001D", drg="NEO", rtc="0", agelim="<29"), Rule(ord="002D", drg="DEAD", rtc="0", disch="E"),
             Rule(ord="003D", drg="OUT", rtc="0", dur="<1"), Rule(ord="004D", drg="TRANS", rtc="0", disch="R"),
             Rule(ord="005D", drg="FEM", rtc="0", sex="F")]
    lg = logic(rules, dg=dx("P599", dgcat="15M01"))
    assert group(lg, case("P599", age=28)).drg == "NEO"
    assert group(lg, case("P599", age=29, disch="E")).drg == "DEAD"
    assert group(lg, case("P599", age=29, los=0)).drg == "OUT"
    assert group(lg, case("P599", age=29, disch="R")).drg == "TRANS"
    assert group(lg, case("P599", age=29, sex="F")).drg == "FEM"


def test_return_codes_for_missing_and_invalid_principal(group):
    rules = [Rule(ord="000D010", drg="470", rtc="1", icd="-"), Rule(ord="001D", drg="OK", rtc="0", icd="+")]
    lg = logic(rules, dg=dx("I219", dgcat="05M01"))
    assert group(lg, case()).rtc == "1"  # nothing in the principal slot
    assert (group(lg, case("XYZ99")).drg, group(lg, case("XYZ99")).rtc) == ("470", "9")  # unknown code: rtc 9
    assert group(lg, case("i219")).drg == "OK"  # look-ups fold case


def test_secpro_needs_another_procedure_than_the_carrier(group):
    # [guide §1 'secpro'] "there must be an additional procedure ... with this property"
    rules = [Rule(ord="001D", drg="TWO", rtc="0", procpro="08S01", secpro="08S02")]
    lg = logic(rules, dg=dx("M161", dgcat="08M01"),
               proc=px("AB", procpr=["08S01", "08S02"]) + px("A", procpr="08S01") + px("B", procpr="08S02"))
    assert group(lg, case("M161", procs=["AB"])).drg == "470"  # one procedure carries both
    assert group(lg, case("M161", procs=["AB", "AB"])).drg == "TWO"  # the same code twice: two procedures
    assert group(lg, case("M161", procs=["AB", "A"])).drg == "TWO"
    assert group(lg, case("M161", procs=["A", "B"])).drg == "TWO"
    assert group(lg, case("M161", procs=["B"])).drg == "470"  # no carrier of 08S01 (procpro fails)


def test_secpro_property_from_a_diagnosis_counts(group):
    rules = [Rule(ord="001D", drg="SEC", rtc="0", secpro="08S02")]
    lg = logic(rules, dg=dx("M161", dgcat="08M01") + dx("Z412", dgcat="23M01", procpr="08S02"))
    assert group(lg, case("M161", "Z412")).drg == "SEC"
    assert group(lg, case("M161")).drg == "470"


def test_negated_columns(group):
    rules = [Rule(ord="001D", drg="NOTP", rtc="0", mdc="05", pdgprop="-05P01"),
             Rule(ord="002D", drg="NOTX", rtc="0", mdc="-05", dgprop=("-04X01",)),
             Rule(ord="003D", drg="NOTCAT", rtc="0", dgcat="-04M01")]
    lg = logic(rules, dg=dx("I219", dgcat="05M01", pdgpro="05P01") + dx("I500", dgcat="05M02")
               + dx("J189", dgcat="04M01", dgprop="04X01") + dx("J960", dgcat="04M02"))
    assert group(lg, case("I500")).drg == "NOTP"
    assert group(lg, case("I219")).drg == "NOTCAT"  # -05P01 fails; mdc -05 fails; dgcat -04M01 holds
    assert group(lg, case("J960")).drg == "NOTX"
    assert group(lg, case("J960", "J189")).drg == "NOTCAT"  # a secondary brings 04X01
    assert group(lg, case("J189")).drg == "470"  # its own category is excluded everywhere


def test_an_inactive_category_is_activated_by_another_code_than_its_own_slot(group):
    # [guide ch. 5.3] "another diagnosis or procedure code": the principal counts (NCC 2012 test
    # 16729), the slot carrying the category does not
    rules = [Rule(ord="001D", drg="CC1", rtc="0", compl="1"), Rule(ord="002D", drg="NOCC", rtc="0", icd="+")]
    lg = logic(rules, dg=dx("E10", dgcat="10M02", dgprop="10X01") + dx("E119", dgcat="10M01", compl="10I01")
               + dx("K359", dgcat="06M01") + dx("N18", dgcat="11M01", dgprop="10X01")
               + dx("E118", dgcat="10M01", compl="10I01", dgprop="10X01"),
               complcat=[ComplCat("10I01", "10X01")], proc=px("P9", dgprop="10X01"))
    assert group(lg, case("K359", "E119")).drg == "NOCC"
    assert group(lg, case("K359", "E119", "N18")).drg == "CC1"
    assert group(lg, case("E10", "E119")).drg == "CC1"  # the principal activates
    assert group(lg, case("K359", "E119", procs=["P9"])).drg == "CC1"  # so does a procedure
    assert group(lg, case("K359", "E118")).drg == "NOCC"  # its own DGPROP does not
    assert group(lg, case("K359", "E118", "E119")).drg == "CC1"  # E118 activates E119's category


def test_exclusion_of_an_inactive_category_by_its_active_form(group):
    rules = [Rule(ord="001D", drg="CC1", rtc="0", compl="1"), Rule(ord="002D", drg="NOCC", rtc="0", icd="+")]
    dg = (dx("K359", dgcat="06M01") + dx("I219", dgcat="05M01") + dx("E119", dgcat="10M01", compl="10I01")
          + dx("N18", dgcat="11M01", dgprop="10X01"))
    lg = logic(rules, dg=dg, complcat=[ComplCat("10I01", "10X01")], complexcl=[ComplExcl("10C01", "K359")])
    assert group(lg, case("I219", "E119", "N18")).drg == "CC1"
    assert group(lg, case("K359", "E119", "N18")).drg == "NOCC"  # 10C01 excludes K359


def test_pair_principal_exclusion_and_secondary_pair(group):
    rules = [Rule(ord="001D", drg="CC2", rtc="0", compl="2"), Rule(ord="002D", drg="NOCC", rtc="0", icd="+")]
    dg = [DgRow("G01", "A390", "DGCAT", "01M05")] + dx("A390", dgcat="18M01") + dx("G01", dgcat="01M99")
    dg += dx("J960", dgcat="04M02", compl="04G05") + dx("K359", dgcat="06M01")
    dg += [DgRow("G01", "A390", "COMPL", "01G01")]
    lg = logic(rules, dg=dg, complexcl=[ComplExcl("04G05", "G01", "A390")])
    assert group(lg, case(("A390", "G01"), "J960")).drg == "NOCC"  # the pair's own exclusion row
    assert group(lg, case("A390", "J960")).drg == "CC2"
    assert group(lg, case("K359", ("A390", "G01"))).drg == "CC2"  # a secondary pair brings its pair rows
    assert group(lg, case("K359", ("G01", "A390"))).drg == "NOCC"  # reversed: no pair row


def test_unknown_pair_principal_takes_the_asterisk_category(group):
    # a two-code principal the tables do not list: asterisk's DGCAT, else dagger's (ref. cases 775, 1097, 1098)
    rules = [Rule(ord="001D", drg="AST", rtc="0", dgcat="01M99"), Rule(ord="002D", drg="DAG", rtc="0", dgcat="18M01")]
    lg = logic(rules, dg=dx("A390", dgcat="18M01") + dx("G01", dgcat="01M99") + dx("X1", dgprop="01X01"))
    assert group(lg, case(("A390", "G01"))).drg == "AST"
    assert group(lg, case(("A390", "X1"))).drg == "DAG"


def test_or_values_from_diagnoses_and_lone_minus_secpro(group):
    # OR values of diagnoses count for the 'or' column; secpro '-' looks at procedures only:
    # no OR-1 procedure other than the one carrying the rule's procpro (NCC 2012, 403D124)
    rules = [Rule(ord="001D", drg="ONE", rtc="0", or_proc="S", procpro="06O01", secpro="-"),
             Rule(ord="002D", drg="MANY", rtc="0", or_proc="S")]
    lg = logic(rules, dg=dx("K359", dgcat="06M01") + dx("Z412", dgcat="23M01", **{"or": "1"}),
               proc=px("P1", procpr="06O01", **{"or": "1"}) + px("P2", **{"or": "1"}) + px("P3", **{"or": "2"}))
    assert group(lg, case("K359", procs=["P1"])).drg == "ONE"
    assert group(lg, case("K359", procs=["P1", "P2"])).drg == "MANY"  # a second OR-1 procedure
    assert group(lg, case("K359", procs=["P1", "P3"])).drg == "ONE"  # OR 2 is no OR-1 procedure
    assert group(lg, case("K359", "Z412", procs=["P1"])).drg == "ONE"  # a diagnosis' OR 1 is no procedure
    assert group(lg, case("K359", "Z412")).drg == "MANY"  # ... but satisfies 'or S'


def test_age_and_stay_limits_at_their_edges(group):
    rules = [Rule(ord="001D", drg="LE", rtc="0", agelim="<=365", dur=">=2"), Rule(ord="002D", drg="EQ", rtc="0", agelim="=366"),
             Rule(ord="003D", drg="GT", rtc="0", agelim=">366", dur="<1")]
    lg = logic(rules, dg=dx("P599", dgcat="15M01"))
    assert [group(lg, case("P599", age=a, los=2)).drg for a in (364, 365, 366, 367)] == ["LE", "LE", "EQ", "470"]
    assert [group(lg, case("P599", age=365, los=s)).drg for s in (1, 2)] == ["470", "LE"]
    assert group(lg, case("P599", age=367, los=0)).drg == "GT"


def test_missing_sex_rule_and_rtc_for_empty_principal_with_secondaries(group):
    rules = [Rule(ord="000D1", drg="470", rtc="1", icd="-"), Rule(ord="001D", drg="NOSEX", rtc="2", mdc="98", sex="-"),
             Rule(ord="002D", drg="OK", rtc="0", icd="+")]
    lg = logic(rules, dg=dx("A630", dgcat="98M03") + dx("I219", dgcat="05M01"))
    assert group(lg, case("A630", sex="")).drg == "NOSEX"
    assert group(lg, case("A630", sex="F")).drg == "OK"
    r = group(lg, make_case(sex="M", age_days=100, diagnoses=[(), "I219"]))
    assert (r.drg, r.rtc, r.mdc) == ("470", "1", "")  # the principal slot is empty: rtc 1 stays 1
