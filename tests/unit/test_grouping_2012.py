"""Semantics decided by the NCC 2012 test database, on tiny hand-made logics, through every
grouping path (`grouping_paths.PATHS`: the single-case API, the compiled matcher, the explain
trace, the native batch path, case strings, the row-by-row fallback, polars and the engine).

Each case names the 2012 test records that decide the rule (docs/certification.md).
"""

from __future__ import annotations

import pyarrow as pa
import pytest
from grouping_paths import PATHS, group_by

from isf.batch.kernel import group_record_batch
from isf.definitions import CodeEntry, ComplCat, ComplExcl, DgRow, ProcRow, Rule, build_logic
from isf.grouping import explain, make_case
from isf.grouping.render import explanation_to_dict, explanation_to_text


def tiny(rules, dg=(), proc=(), complcat=(), complexcl=(), dx_codes=None):
    return build_logic(id="TINY", source="test", rules=[*rules, Rule(ord="999D999", drg="470", rtc="8")],
                       dg=list(dg), proc=list(proc), complcat=list(complcat), complexcl=list(complexcl),
                       dx_codes=dx_codes)


def dx(code, **props):
    return [DgRow(code, "", vt.upper(), v) for vt, vs in props.items() for v in ([vs] if isinstance(vs, str) else vs)]


def px(code, **props):
    return [ProcRow(code, vt.upper(), v) for vt, vs in props.items() for v in ([vs] if isinstance(vs, str) else vs)]


def every_path(logic, cases: list[tuple[tuple[str, ...], list[str], list[str]]]) -> list[str]:
    """DRG of each (principal slot, secondaries, procedures) by every path; they must agree."""
    made = [make_case(sex="F", age_days=20000, los=3, diagnoses=[p, *s], procedures=pr) for p, s, pr in cases]
    by_path = {path: [group_by(path, logic, c).drg for c in made] for path in PATHS}
    drgs = by_path["group"]
    assert all(v == drgs for v in by_path.values()), by_path
    return drgs


def test_every_or_value_of_a_procedure_is_kept():
    """NOR2017's LFB30 has OR 1 and OR 2: both count (C# ProcedureORPropertyCaseFeatureRule)."""
    rules = [Rule(ord="001D", drg="N_OK", rtc="0", icd="+", or_proc="N"),
             Rule(ord="002D", drg="TWO", rtc="0", icd="+", or_proc="P", dgprop=("06X01",))]
    lg = tiny(rules, dg=dx("K359", dgcat="06M01"),
              proc=px("LFB30", **{"or": ["1", "2"]}, dgprop="06X01") + px("P2", **{"or": "2"}, dgprop="06X01"))
    assert every_path(lg, [(("K359",), [], ["LFB30"]), (("K359",), [], ["P2"])]) == ["TWO", "N_OK"]
    f = explain(lg, make_case(sex="F", age_days=20000, diagnoses=["K359"], procedures=["LFB30"])).features
    assert f.proc_or == (frozenset({1, 2}),) and f.or_values == frozenset({1, 2})
    assert explanation_to_dict(explain(lg, make_case(sex="F", age_days=9, diagnoses=["K359"], procedures=["LFB30"])))[
        "case_features"]["or"] == [1, 2]


def test_every_inclprop_of_an_inactive_category_activates_it():
    """06I10 has two complcat rows (06X02 and 06X03): 2012 tests 6838/8369 need 06X02 to count."""
    rules = [Rule(ord="001D", drg="CC", rtc="0", icd="+", compl="1"), Rule(ord="002D", drg="NOCC", rtc="0", icd="+")]
    lg = tiny(rules, dg=dx("J150", dgcat="04M02") + dx("K291", dgcat="06M08", compl="06I10")
              + dx("E164", dgcat="10M99", dgprop="06X02") + dx("Z999", dgcat="23M01", dgprop="06X03"),
              complcat=[ComplCat("06I10", "06X02"), ComplCat("06I10", "06X03")])
    cases = [(("J150",), ["K291", "E164"], []), (("J150",), ["K291", "Z999"], []), (("J150",), ["K291"], [])]
    assert every_path(lg, cases) == ["CC", "CC", "NOCC"]


def test_activation_by_the_principal_but_not_by_the_category_itself():
    """2012 test 16729: K315 (06X02) as principal activates 06I10 of K277. A secondary's own
    DGPROP does not activate its category ("another diagnosis or procedure code")."""
    rules = [Rule(ord="001D", drg="CC", rtc="0", icd="+", compl="1"), Rule(ord="002D", drg="NOCC", rtc="0", icd="+")]
    lg = tiny(rules, dg=dx("K315", dgcat="06M08", dgprop="06X02") + dx("K277", dgcat="06M05", compl="06I10")
              + dx("K287", dgcat="06M04", compl="06I10", dgprop="06X02") + dx("I10", dgcat="05M01"),
              complcat=[ComplCat("06I10", "06X02")])
    assert every_path(lg, [(("K315",), ["K277"], []), (("I10",), ["K287"], []), (("I10",), ["K287", "K315"], [])]) == [
        "CC", "NOCC", "CC"]


def test_exclusion_list_is_found_by_category_number():
    """2012 publishes only C lists: S141 (01G02) is excluded for principal S128 by 01C02's list
    (tests 4598, 6626, 6632)."""
    rules = [Rule(ord="001D", drg="CC", rtc="0", icd="+", compl="1"), Rule(ord="002D", drg="NOCC", rtc="0", icd="+")]
    lg = tiny(rules, dg=dx("S128", dgcat="21M01") + dx("S141", dgcat="01M01", compl="01G02") + dx("I10", dgcat="05M01"),
              complexcl=[ComplExcl("01C02", "S128")])
    assert every_path(lg, [(("S128",), ["S141"], []), (("I10",), ["S141"], [])]) == ["NOCC", "CC"]


def test_secpro_plus_and_minus_look_for_an_or1_procedure_without_the_rule_procpro():
    """2012: R065 + EMB10 (03S03, OR 1) + EMC10 (03S11, OR 1) reaches 403D124 (secpro '+');
    EMB10 + EMB30 (both 03S03), EMB10 twice or EMB10 + EMA10 (OR 2) do not."""
    rules = [Rule(ord="001D", drg="PLUS", rtc="0", icd="+", procpro="03S03", secpro="+"),
             Rule(ord="002D", drg="MINUS", rtc="0", icd="+", procpro="03S03", secpro="-"),
             Rule(ord="003D", drg="REST", rtc="0", icd="+")]
    lg = tiny(rules, dg=dx("R065", dgcat="03M10"),
              proc=px("EMB10", **{"or": "1"}, procpr="03S03") + px("EMB30", **{"or": "1"}, procpr="03S03")
              + px("EMC10", **{"or": "1"}, procpr="03S11") + px("EMA10", **{"or": "2"}, procpr="03S11"))
    cases = [(("R065",), [], ["EMB10", "EMC10"]), (("R065",), [], ["EMB10", "EMB30"]),
             (("R065",), [], ["EMB10", "EMB10"]), (("R065",), [], ["EMB10", "EMA10"]), (("R065",), [], ["EMC10"])]
    assert every_path(lg, cases) == ["PLUS", "MINUS", "MINUS", "MINUS", "REST"]
    e = explain(lg, make_case(sex="F", age_days=9, diagnoses=["R065"], procedures=["EMB10", "EMC10"]))
    assert "[secpro +]  <- EMC10" in explanation_to_text(e)
    assert "another procedure with OR 1 (one without the rule's procpro property)  [secpro +]  <- EMC10" in (
        explanation_to_text(e, lang="en"))


def test_code_list_validity_five_character_codes():
    """With a code list (ICD.DBF), codes longer than its WHO codes are not valid: as principal
    the case has no valid principal, as secondary they bring nothing (2012 tests 20779/20792)."""
    rules = [Rule(ord="000D010", drg="470", rtc="1", icd="-"),
             Rule(ord="001D", drg="CC", rtc="0", icd="+", compl="1"), Rule(ord="002D", drg="NOCC", rtc="0", icd="+")]
    dg = dx("C400", dgcat="08M05") + dx("S920", dgcat="08M15", compl="21C16") + dx("S9200", dgcat="08M15", compl="21C16")
    codes = [CodeEntry("C400", who="C400"), CodeEntry("S920", who="S920"), CodeEntry("S9200", who="S920")]
    lg = tiny(rules, dg=dg, dx_codes=codes)
    cases = [(("C400",), ["S920"], []), (("C400",), ["S9200"], []), (("S9200",), [], []), (("S920",), [], [])]
    assert every_path(lg, cases) == ["CC", "NOCC", "470", "NOCC"]
    without_list = tiny(rules, dg=dg)  # no list: today's behaviour, every code the tables know counts
    assert every_path(without_list, cases) == ["CC", "CC", "NOCC", "NOCC"]
    e = explain(lg, make_case(sex="F", age_days=9, diagnoses=["S9200"]))
    assert not e.features.codes[0].valid and "not a valid code" in explanation_to_text(e, lang="en")
    assert "ikke en gyldig kode" in explanation_to_text(e)
    assert explanation_to_dict(e)["codes"][0]["valid"] is False


@pytest.mark.parametrize("pair_ok", [True, False])
def test_pair_principal_is_valid_only_when_both_codes_are(pair_ok):
    """2012 tests 3448 (G300 + F0000) and 1077 (G300 + F000)."""
    rules = [Rule(ord="000D010", drg="470", rtc="1", icd="-"), Rule(ord="001D", drg="OK", rtc="0", icd="+")]
    asterisk = "F000" if pair_ok else "F0000"
    lg = tiny(rules, dg=dx("G300", dgcat="01M03") + dx("F000", dgcat="19M01") + dx("F0000", dgcat="19M01"),
              dx_codes=[CodeEntry("G300", who="G300"), CodeEntry("F000", who="F000"), CodeEntry("F0000", who="F000")])
    assert every_path(lg, [(("G300", asterisk), [], [])]) == ["OK" if pair_ok else "470"]


def test_kernel_handles_rows_as_arrow_too():
    lg = tiny([Rule(ord="001D", drg="OK", rtc="0", icd="+")], dg=dx("I10", dgcat="05M01"))
    batch = pa.RecordBatch.from_pydict({"case_string": ["2,20000,H,3,,I10"]})
    assert group_record_batch(lg, batch).to_pydict()["drg"] == ["OK"]
