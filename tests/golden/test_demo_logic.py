"""Golden cases for the bundled demo logic (src/isf/data/demo_logic, made by tools/make_demo_logic.py).

SOURCE: the expectations are the design of the demo logic itself (written for isf, not
NordDRG): each case was made by hand to land on the DRG/return code its rule was written
for. They change only together with tools/make_demo_logic.py.
"""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pytest

from isf.definitions import read_csv_tables
from isf.definitions.schema import CSV_FILES, CSV_HEADERS, OPTIONAL_CSV
from isf.grouping import group, parse_case_string

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "src" / "isf" / "data" / "demo_logic"
GENERATOR = ROOT / "tools" / "make_demo_logic.py"

ADULT = 65 * 365 + 16  # 65 years, in days
MOTHER = 28 * 365 + 7
CHILD = 5 * 365 + 1


def case_string(sex: str, age: int, disch: str, los: int, dx=(), px=()) -> str:
    """An NPK case string: sex (1/2/''), age in days, discharge (H/E/R), length of stay,
    an unused field, 30 diagnosis slots of two codes (dagger, asterisk), then procedures."""
    f = [sex, str(age), disch, str(los), ""] + [""] * 60
    for i, slot in enumerate(dx):
        codes = (slot,) if isinstance(slot, str) else tuple(slot)
        for j, code in enumerate(codes):
            f[5 + 2 * i + j] = code
    return ",".join(f + list(px))


# (what it shows, case string, expected DRG, expected rtc)
CASES = [
    # validation rows
    ("no principal diagnosis", case_string("1", ADULT, "H", 2), "470", "1"),
    ("age over 125 years", case_string("2", 46000, "H", 2, ["I219"]), "470", "6"),
    ("code not valid as principal", case_string("2", ADULT, "H", 2, ["Y95"]), "470", "8"),
    ("MDC 98 without sex", case_string("", ADULT, "H", 0, ["A630"]), "470", "2"),
    ("MDC 98 recoded to 12 for a man", case_string("1", ADULT, "H", 0, ["A630"]), "350", "0"),
    ("MDC 98 recoded to 13 for a woman", case_string("2", ADULT, "H", 0, ["A630"]), "368", "0"),
    ("delivery, man", case_string("1", MOTHER, "H", 3, ["Z370"]), "470", "3"),
    ("delivery, sex missing", case_string("", MOTHER, "H", 3, ["Z370"]), "470", "2"),
    ("prostate, woman", case_string("2", ADULT, "H", 2, ["N40"]), "470", "3"),
    ("dementia at 5 years", case_string("1", CHILD, "H", 2, ["F03"]), "470", "4"),
    ("perinatal code at 30 years", case_string("1", 30 * 365, "H", 2, ["P070"]), "470", "5"),
    # MDC 01: stroke CC split, dagger/asterisk pair, viral meningitis, residual
    ("stroke with CC", case_string("1", ADULT, "H", 5, ["I639", "J189"]), "14A", "0"),
    ("stroke without CC", case_string("1", ADULT, "H", 5, ["I639"]), "14B", "0"),
    ("pair A39.0+ G01* (own properties)", case_string("2", ADULT, "H", 6, [("A390", "G01")]), "20", "0"),
    ("asterisk G01 alone", case_string("2", ADULT, "H", 6, ["G01"]), "35", "0"),
    ("viral meningitis", case_string("2", ADULT, "H", 4, ["A870"]), "21", "0"),
    # MDC 02: outpatient intravitreal injection, lens surgery, secpro, OR 'P'
    ("intravitreal injection, outpatient", case_string("2", ADULT, "H", 0, ["H353"], ["CKD05"]), "802U", "0"),
    ("intravitreal injection, inpatient", case_string("2", ADULT, "H", 2, ["H353"], ["CKD05"]), "42", "0"),
    ("cataract surgery", case_string("2", ADULT, "H", 0, ["H251"], ["CJE20"]), "39", "0"),
    ("vitrectomy plus lens (secpro)", case_string("2", ADULT, "H", 1, ["H431"], ["CKD65", "CJE20"]), "36A", "0"),
    ("eye, outpatient consultation", case_string("2", ADULT, "H", 0, ["H251"]), "902O", "0"),
    # MDC 04: age split, CC from G category, procedure CC, exclusion, inactive category
    ("pneumonia adult", case_string("1", ADULT, "H", 4, ["J189"]), "90", "0"),
    ("pneumonia child", case_string("1", CHILD, "H", 4, ["J189"]), "91A", "0"),
    ("pneumonia + COPD (CC)", case_string("1", ADULT, "H", 4, ["J189", "J449"]), "89", "0"),
    ("pneumonia + J44.0 (excluded)", case_string("1", ADULT, "H", 4, ["J189", "J440"]), "90", "0"),
    ("pneumonia + resp. failure (G)", case_string("1", ADULT, "H", 4, ["J189", "J960"]), "89", "0"),
    ("pneumonia + tracheostomy (proc CC)", case_string("1", ADULT, "H", 9, ["J189"], ["GBB00"]), "89", "0"),
    ("pneumonia + hypertension (inactive)", case_string("1", ADULT, "H", 4, ["J189", "I10"]), "90", "0"),
    ("pneumonia + hypertension + dialysis", case_string("1", ADULT, "H", 4, ["J189", "I10", "Z992"]), "89", "0"),
    # MDC 05: AMI with/without CC, dead, PCI with dgprop, unrelated OR procedure
    ("AMI without CC", case_string("1", ADULT, "H", 4, ["I219"]), "122", "0"),
    ("AMI with CC", case_string("1", ADULT, "H", 4, ["I219", "I509"]), "121", "0"),
    ("AMI, died", case_string("1", ADULT, "E", 2, ["I219"]), "123", "0"),
    ("PCI, AMI as secondary", case_string("1", ADULT, "H", 2, ["I251", "I214"], ["FNG05"]), "112A", "0"),
    ("PTCA without AMI (OR 2, 'P')", case_string("1", ADULT, "H", 1, ["I200"], ["FNG02"]), "112C", "0"),
    # 112B is ablation for arrhythmia ([002] 734 «112B Perkutan ablasjonsbehandling for hjertearytmi»),
    # with the day-surgery DRG 112P ([000] 868)
    ("ablation, inpatient", case_string("1", ADULT, "H", 1, ["I480"], ["FPB20"]), "112B", "0"),
    ("ablation, same day", case_string("1", ADULT, "H", 0, ["I480"], ["FPB22"]), "112P", "0"),
    ("AMI + appendectomy", case_string("1", ADULT, "H", 6, ["I219"], ["JEA01"]), "468", "0"),
    # MDC 06 / 07: appendectomy, endoscopy, cholecystectomy day surgery vs inpatient
    ("appendectomy", case_string("2", ADULT, "H", 2, ["K358"], ["JEA01"]), "167", "0"),
    ("appendectomy, complicated", case_string("2", ADULT, "H", 5, ["K352"], ["JEA01"]), "166N", "0"),
    ("gastroscopy, outpatient", case_string("2", ADULT, "H", 0, ["K297"], ["UJD02"]), "703O", "0"),
    ("cholecystectomy, day surgery", case_string("2", ADULT, "H", 1, ["K802"], ["JKA21"]), "494O", "0"),
    ("cholecystectomy + ERCP (-secpro)", case_string("2", ADULT, "H", 1, ["K802"], ["JKA21", "JKE12"]), "494", "0"),
    ("cholecystectomy with CC", case_string("2", ADULT, "H", 3, ["K802", "K859"], ["JKA21"]), "493", "0"),
    # MDC 08: hip replacement
    # MDC 08: primary hip split by the cause of surgery from 2022 ([004] 855-865)
    ("primary hip replacement, arthrosis", case_string("2", ADULT, "H", 4, ["M161"], ["NFB40"]), "209V", "0"),
    ("primary hip replacement, arthrosis, CC", case_string("2", ADULT, "H", 4, ["M161", "I509"], ["NFB40"]), "209U", "0"),
    ("primary hip prosthesis, fracture", case_string("2", 85 * 365, "H", 7, ["S720"], ["NFB11"]), "209T", "0"),
    ("primary hip prosthesis, fracture, CC", case_string("2", 85 * 365, "H", 9, ["S721", "J189"], ["NFB11"]), "209S", "0"),
    ("revision hip replacement", case_string("2", ADULT, "H", 6, ["T840"], ["NFC40"]), "209C", "0"),
    # residual and medical groups
    ("heart failure", case_string("2", ADULT, "H", 6, ["I509"]), "127", "0"),
    ("atrial fibrillation, outpatient", case_string("2", ADULT, "H", 0, ["I489"]), "905O", "0"),
    ("COPD exacerbation", case_string("1", ADULT, "H", 5, ["J441"]), "88", "0"),
    ("lung cancer", case_string("1", ADULT, "H", 5, ["C341"]), "82", "0"),
    ("retinal detachment, vitrectomy", case_string("2", ADULT, "H", 1, ["H330"], ["CKD65"]), "36B", "0"),
    ("colon cancer, hemicolectomy", case_string("2", ADULT, "H", 8, ["C189"], ["JFB30"]), "171", "0"),
    ("acute cholecystitis, medical", case_string("2", ADULT, "H", 3, ["K810"]), "208", "0"),
    ("hip fracture, no surgery", case_string("2", 85 * 365, "H", 6, ["S720"]), "236", "0"),
    ("hysterectomy for fibroids", case_string("2", 45 * 365, "H", 3, ["D259"], ["LCD00"]), "359", "0"),
    ("threatened abortion", case_string("2", MOTHER, "H", 1, ["O200"]), "384", "0"),
    # MDC 12 / 14 / 15
    ("TURP", case_string("1", ADULT, "H", 2, ["N40"], ["KED22"]), "337", "0"),
    ("day birth ([000] 943 «DRG 373O Vaginal fødsel, dagopphold»)", case_string("2", MOTHER, "H", 0, ["Z370"]), "373O", "0"),
    # day-surgery DRGs of 2026 ([002] 730-739): tonsils, gynaecological laparoscopy, plastic surgery after weight loss
    ("tonsillectomy, day surgery", case_string("1", CHILD, "H", 0, ["J350"], ["EMB10"]), "60O", "0"),
    ("tonsillectomy, child inpatient", case_string("1", CHILD, "H", 1, ["J353"], ["EMB20"]), "60N", "0"),
    ("tonsillectomy, adult inpatient", case_string("1", ADULT, "H", 1, ["J350"], ["EMB10"]), "59N", "0"),
    ("tonsils, outpatient", case_string("1", CHILD, "H", 0, ["J351"]), "903O", "0"),
    ("gyn laparoscopy, day surgery", case_string("2", 35 * 365, "H", 0, ["N832"], ["LAC01"]), "361O", "0"),
    ("gyn laparoscopy, inpatient", case_string("2", 35 * 365, "H", 2, ["N832"], ["LAE11"]), "361", "0"),
    ("excess skin, day surgery", case_string("2", 40 * 365, "H", 0, ["L987"], ["QDJ05"]), "530O", "0"),
    ("excess skin, major", case_string("2", 40 * 365, "H", 3, ["L987"], ["QXJ05"]), "530", "0"),
    ("excess skin, other", case_string("2", 40 * 365, "H", 2, ["L987"], ["QCJ05"]), "531", "0"),
    # new DRGs 2026 ([002] 1034-1036): CAR-T and outpatient proton therapy
    ("CAR-T", case_string("1", ADULT, "H", 21, ["C833"], ["DEMOCART"]), "412A", "0"),
    ("lymphoma, medical", case_string("1", ADULT, "H", 5, ["C833"]), "404", "0"),
    ("proton therapy, outpatient", case_string("1", CHILD, "H", 0, ["C859"], ["WEOC00"]), "853X", "0"),
    ("proton dose plan, outpatient", case_string("2", ADULT, "H", 0, ["H353"], ["WEGX90"]), "853X", "0"),
    ("vaginal delivery", case_string("2", MOTHER, "H", 3, ["Z370"]), "373", "0"),
    ("vaginal delivery with CC", case_string("2", MOTHER, "H", 3, ["Z370", "O720"]), "372", "0"),
    ("caesarean", case_string("2", MOTHER, "H", 4, ["Z370"], ["MCA10"]), "371", "0"),
    ("caesarean with CC", case_string("2", MOTHER, "H", 4, ["Z370", "O149"], ["MCA10"]), "370", "0"),
    ("delivery at 8 years", case_string("2", 8 * 365, "H", 3, ["Z370"]), "470", "4"),
    ("newborn RDS", case_string("1", 2, "H", 10, ["P220"]), "386N", "0"),
    ("normal newborn", case_string("2", 1, "H", 3, ["Z380"]), "391", "0"),
    ("newborn jaundice", case_string("2", 5, "H", 3, ["P599"]), "390", "0"),
    # MDC 19 / 20 / 23
    ("schizophrenia", case_string("1", ADULT, "H", 20, ["F200"]), "430A", "0"),
    ("dementia, adult", case_string("2", 80 * 365, "H", 9, ["F03"]), "429A", "0"),
    ("depression, outpatient", case_string("2", ADULT, "H", 0, ["F329"]), "919O", "0"),
    ("alcohol dependence + withdrawal delirium", case_string("1", ADULT, "H", 7, ["F102", "F104"]), "434", "0"),
    ("alcohol dependence", case_string("1", ADULT, "H", 7, ["F102"]), "435", "0"),
    # LAR ([001] 245-250): dispensing or observed intake has principal Z50.30 and groups to TD99L
    ("LAR dispensing, outpatient", case_string("1", ADULT, "H", 0, ["Z5030"]), "TD99L", "0"),
    ("opioid dependence, outpatient ([004] 1191 TD11A)", case_string("1", ADULT, "H", 0, ["F112"]), "TD11A", "0"),
    ("alcohol dependence, outpatient", case_string("1", ADULT, "H", 0, ["F102"]), "920O", "0"),
    ("follow-up with malignancy (dgprop)", case_string("1", ADULT, "H", 2, ["Z098", "C189"]), "465", "0"),
    ("follow-up", case_string("1", ADULT, "H", 2, ["Z098"]), "466", "0"),
    ("syncope with CC", case_string("1", ADULT, "H", 2, ["R55", "I509"]), "463", "0"),
]


@pytest.fixture(scope="module")
def logic():
    return read_csv_tables(DEMO, logic_id="DEMO")


@pytest.mark.parametrize(
    ("case", "drg", "rtc"), [pytest.param(c, d, r, id=what) for what, c, d, r in CASES]
)
def test_demo_case_groups_as_designed(logic, case: str, drg: str, rtc: str) -> None:
    result = group(logic, parse_case_string(case))
    assert (result.drg, result.rtc) == (drg, rtc), f"rule {result.rule}"


def test_demo_logic_files_match_generator(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_demo_logic", GENERATOR)
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    gen.write(tmp_path)
    assert sorted(f.name for f in tmp_path.iterdir()) == sorted(f.name for f in DEMO.iterdir())
    for name in [n for n in CSV_FILES.values() if (DEMO / n).exists()] + ["ABOUT.txt"]:
        assert (tmp_path / name).read_bytes() == (DEMO / name).read_bytes(), (
            f"{name} is stale: run tools/make_demo_logic.py"
        )


def test_demo_logic_headers_are_the_csv_export_layout() -> None:
    for key, name in CSV_FILES.items():
        if key in OPTIONAL_CSV and not (DEMO / name).exists():
            continue  # the demo publishes no code lists or property texts
        with open(DEMO / name, encoding="utf-8", newline="") as fh:
            assert tuple(next(csv.reader(fh))) == CSV_HEADERS[key], name


def test_every_demo_drg_is_named_and_reachable(logic) -> None:
    named = {d.drg for d in logic.drgnames}
    used = {r.drg for r in logic.rules}
    assert used == named
    assert all(logic.drg_name(d) for d in used)
    designed = {d for _, _, d, _ in CASES}
    # every DRG that has a golden case is one the logic can produce
    assert designed <= used


def test_demo_logic_follows_the_seed_drg_changes(logic) -> None:
    """[004] 837-844: 209D/209E (and 993O/995O) are gone from 2022, replaced by 209S/T/U/V;
    [002] 1034-1036: 412A and 853X are new in 2026; [002] 734: 112B is ablation, not PCI."""
    used = {r.drg for r in logic.rules}
    assert {"209S", "209T", "209U", "209V", "412A", "853X", "TD99L", "TD11A", "112P"} <= used
    assert not {"209D", "209E", "993O", "995O"} & used
    assert logic.drg_name("112B") == "Perkutan ablasjonsbehandling for hjertearytmi"
    assert logic.drg_name("412A") == "Transfusjon av genmodifiserte autologe lymfocytter"
    assert logic.drg_name("853X") == "Poliklinisk strålebehandling med protoner"


def test_every_property_and_code_has_a_text(logic) -> None:
    """The web and explanations show words: every property value and code of the tables has a text."""
    for row in logic.dg:
        assert logic.property_text(row.vartype, row.varval), (row.code, row.vartype, row.varval)
        assert logic.code_text(row.code), row.code
    for row in logic.proc:
        if row.vartype == "PROCPR":
            assert logic.property_text("PROCPR", row.varval), (row.code, row.varval)
        assert logic.code_text(row.code, kind="proc"), row.code
    assert logic.property_text("MDC", "40") and logic.property_text("DGCAT", "20M03")
