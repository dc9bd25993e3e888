"""NCC dBase releases on tiny hand-made tables, written with the independent `dbf` package."""

from __future__ import annotations

import zipfile
from pathlib import Path

import dbf
import pytest

from isf.certify import read_test_cases
from isf.definitions import DefinitionError, load_logic, read_csv_tables, read_dbase_logic, write_csv_tables
from isf.definitions.dbase import write_dbase_tables
from isf.grouping import group, make_case

STAMP = "NordDRG DRGL_2099_TST Tst 99/01/01"


def table(folder: Path, name: str, spec: str, rows: list[tuple], *, stamp: tuple | None = None) -> Path:
    path = folder / name
    t = dbf.Table(str(path), spec, codepage="cp1252", dbf_type="db3")
    t.open(dbf.READ_WRITE)
    for r in ([stamp] if stamp else []) + rows:
        t.append(r)
    t.close()
    return path


RULES = "ORD C(10); DRG C(5); RTC C(1); ICD C(4); MDC C(2); PDGPROP C(5); OR C(1); PROCPRO1 C(5); DGCAT1 C(6); " \
        "AGELIM C(6); COMPL C(6); SEX C(3); DGPROP1 C(7); DGPROP2 C(6); DGPROP3 C(6); DGPROP4 C(6); SECPROC1 C(6); " \
        "DISCH C(1); DUR C(3)"


def rule(ord_, drg, rtc="0", icd="+", **kw):
    cols = ["MDC", "PDGPROP", "OR", "PROCPRO1", "DGCAT1", "AGELIM", "COMPL", "SEX", "DGPROP1", "DGPROP2", "DGPROP3",
            "DGPROP4", "SECPROC1", "DISCH", "DUR"]
    return (ord_, drg, rtc, icd, *(kw.get(c, "") for c in cols))


def release(folder: Path, *, rules=None, dg=None, icd=True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rules = rules or [rule("000D000010", "470", "1", "-"), rule("405D001", " 122", mdc="05", COMPL="1"),
                      rule("405D002", " 123", mdc="05"), rule("999D002", "470", "8", "")]
    table(folder, "drglogic.dbf", RULES, rules, stamp=("#####", "Tst", *[""] * 10, "DRGL_", "2099_", "TST", *[""] * 4))
    table(folder, "dg_0.dbf", "CODE C(6); D_CODE C(6); VARTYPE C(8); VARVAL C(5)", [],
          stamp=("#####", "", "DRGL_209", "99/01"))
    table(folder, "dg_1.dbf", "CODE C(6); D_CODE C(6); VARTYPE C(8); VARVAL C(5)", dg or [
        ("I219", "", "DGCAT", "05M01"), ("I219", "", "MDC", "05"), ("J189", "", "DGCAT", "04M08"),
        ("J189", "", "COMPL", "04C01"), ("J1890", "", "DGCAT", "04M08"), ("J1890", "", "COMPL", "04C01"),
    ], stamp=("#####", "", "DRGL_209", "99/01"))
    table(folder, "proc0.DBF", "CODE C(7); CSP_TEXT C(40); VARTYPE C(8); VARVAL C(5)", [("ZZZ00", "Ingen egenskap", "", "")])
    table(folder, "proc1.dbf", "CODE C(7); VARTYPE C(8); VARVAL C(5)", [("FNG05", "OR", "1")])
    table(folder, "kompkat.dbf", "COMPL C(5); TEXT C(90); INCLPROP C(5)", [("04C01", "Pneumoni", "")],
          stamp=("#####", STAMP, ""))
    table(folder, "komplex.DBF", "COMPL C(5); CODE C(6); D_CODE C(6)", [("04C01", "J189", "")])
    table(folder, "drgnames.dbf", "DRG C(5); MDC C(5); DRGNAME C(60); LOC_DRG C(5)",
          [(" 122", "05", "Sirk.sykdom m/ AMI", "122X"), (" 123", "05", "Sirk.sykdom m/ AMI, død", "123X")],
          stamp=("", "", STAMP, "####"))
    table(folder, "rtc.dbf", "CODE C(1); TEXT C(50)", [("0", "Gruppert"), ("1", "Ingen hoveddiagnose")], stamp=("#", STAMP))
    table(folder, "dgkat.dbf", "DGCAT C(5); TEXT C(90)", [("05M01", "Akutt hjerteinfarkt")], stamp=("#####", STAMP))
    table(folder, "dgomin.dbf", "DGPROP C(5); TEXT C(60)", [], stamp=("#####", STAMP))
    if icd:
        table(folder, "ICD.DBF", "CODE C(6); D_CODE C(6); CODE_W C(6); D_CODE_W C(6); AST C(1); TEXT C(200)", [
            ("I21.9", "", "I219", "", "", "Akutt hjerteinfarkt"), ("J18.9", "", "J189", "", "", "Pneumoni"),
            ("J18.90", "", "J189", "", "", "Pneumoni, nasjonal underkode"),
        ])
        table(folder, "csp.DBF", "CODE C(7); NCSP C(7); TEXT C(200)", [("FNG05", "FNG05", "PCI"), ("ZZZ00", "", "Ingen")])
    table(folder, "testrule.dbf", "ID C(15); DRG C(5); ORD C(10); IKA N(7,0); SEX C(1); DEATH L; LAMA L; REM L; "
          "DISCH C(1); DUR N(3,0); OIR1 C(6); SYY1 C(6); OIR2 C(6); SYY2 C(6); TP1 C(6)", [
              ("TEST 1", " 122", "405D001", 20000, "M", False, False, False, "", 3, "I219", "", "J189", "", ""),
              ("TEST 2", " 123", "405D002", 20000, "2", True, True, False, "E", 3, "I219", "", "J1890", "", "FNG05"),
              ("_miss", "470", "000D000012", 0, "", False, False, False, "", 0, "", "", "", "", ""),
              ("TEST 3", "470", "000D000010", 20000, "F", False, False, False, "X", 0, "I219", "", "", "", ""),
          ], stamp=("#####", "", "", 0, "", False, False, False, "", 0, "Nor", "dDR", "", "", ""))
    return folder


def test_a_release_folder_is_read_with_stamps_names_texts_and_code_lists(tmp_path: Path):
    lg = read_dbase_logic(release(tmp_path / "NordDRG_2099_CCtest_Swe_dbf"))
    assert lg.id == "SWE2099" and lg.description == STAMP
    assert [r.ord for r in lg.rules] == ["000D000010", "405D001", "405D002", "999D002"]
    assert lg.rules[1].drg == "122" and lg.drg_name("122") == "Sirk.sykdom m/ AMI"
    assert lg.rtc_names == (("0", "Gruppert"), ("1", "Ingen hoveddiagnose"))
    assert lg.property_text("DGCAT", "05M01") == "Akutt hjerteinfarkt" and lg.property_text("COMPL", "04C01") == "Pneumoni"
    assert [c.code for c in lg.dx_codes] == ["I219", "J189", "J1890"] and lg.code_text("J1890") == "Pneumoni, nasjonal underkode"
    assert {p.code for p in lg.proc} == {"FNG05"}  # proc0's code without properties is no feature row
    assert [c.code for c in lg.proc_codes] == ["FNG05", "ZZZ00"]


def test_zip_and_folder_give_the_same_logic(tmp_path: Path):
    folder = release(tmp_path / "rel")
    z = tmp_path / "NordDRG_2099_CCtest_Swe_dbf.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in folder.iterdir():
            zf.write(f, f"sub/{f.name}")
    assert read_dbase_logic(z) == read_dbase_logic(folder, logic_id="SWE2099")
    assert load_logic(z).id == "SWE2099"


def test_grouping_with_the_release_code_list(tmp_path: Path):
    lg = read_dbase_logic(release(tmp_path / "rel"))
    case = lambda *dx: make_case(sex="M", age_days=20000, los=3, diagnoses=dx)
    assert group(lg, case("I219", "J189")).drg == "122"  # CC from J189
    assert group(lg, case("I219", "J1890")).drg == "123"  # the five-character J18.90 brings nothing
    assert group(lg, case("J1890")).drg == "470" and group(lg, case("J1890")).rule == "000D000010"
    no_list = read_dbase_logic(release(tmp_path / "rel2", icd=False))
    assert group(no_list, case("I219", "J1890")).drg == "122"  # without a list every known code counts


def test_test_database_records_markers_and_bad_rows(tmp_path: Path):
    cases, markers = read_test_cases(release(tmp_path / "rel") / "testrule.dbf")
    assert markers == 1 and [t.id for t in cases] == ["TEST 1", "TEST 2", "TEST 3"]
    assert cases[0].case is not None and cases[0].case.diagnoses == (("I219",), ("J189",))
    assert cases[1].case is not None and cases[1].case.discharge == "E" and cases[1].case.sex == "F"
    assert cases[2].case is None and "record 5" in cases[2].error and "DISCH" in cases[2].error
    assert cases[0].expected_drg == "122" and cases[0].row == 2


def test_conversions_keep_the_checksum_both_ways(tmp_path: Path):
    lg = read_dbase_logic(release(tmp_path / "rel"))
    csv_back = read_csv_tables(write_csv_tables(lg, tmp_path / "csv"))
    assert csv_back.checksum == lg.checksum and csv_back.texts == lg.texts and csv_back.dx_codes == lg.dx_codes
    dbf_back = read_dbase_logic(write_dbase_tables(csv_back, tmp_path / "dbf"))
    assert dbf_back.checksum == lg.checksum and dbf_back.drgnames == lg.drgnames and dbf_back.rtc_names == lg.rtc_names


def test_damaged_tables_name_file_table_and_record(tmp_path: Path):
    folder = release(tmp_path / "rel")
    raw = bytearray((folder / "dg_1.dbf").read_bytes())
    header_len = int.from_bytes(raw[8:10], "little")
    record_len = int.from_bytes(raw[10:12], "little")
    at = header_len + 3 * record_len + 1  # first byte of record 4 (the stamp is record 1)
    raw[at:at + 2] = b"\x81\x8d"  # bytes cp1252 cannot decode
    (folder / "dg_1.dbf").write_bytes(bytes(raw))
    with pytest.raises(DefinitionError) as ei:
        read_dbase_logic(folder)
    assert ei.value.table == "dg_1.dbf" and ei.value.row == 4 and "dg_1.dbf" in ei.value.file


def test_bad_rule_values_name_the_dbase_record(tmp_path: Path):
    rules = [rule("001D", "100", AGELIM=">>5"), rule("999D002", "470", "8", "")]
    with pytest.raises(DefinitionError) as ei:
        read_dbase_logic(release(tmp_path / "rel", rules=rules))
    assert ei.value.table == "drglogic.dbf" and ei.value.row == 2 and "malformed agelim" in str(ei.value)


def test_missing_catch_all_and_missing_tables(tmp_path: Path):
    with pytest.raises(DefinitionError, match="no catch-all"):
        read_dbase_logic(release(tmp_path / "a", rules=[rule("001D", "100")]))
    folder = release(tmp_path / "b")
    (folder / "komplex.DBF").unlink()
    with pytest.raises(DefinitionError, match="komplex.dbf.*table is missing"):
        read_dbase_logic(folder)
    (folder / "drglogic.dbf").write_bytes(b"\x03garbage")
    with pytest.raises(DefinitionError, match="drglogic.dbf"):
        read_dbase_logic(folder)
