"""Loading definition tables: published quirks are accepted, broken tables fail with file/table/row."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

from isf.definitions import DefinitionError, load_logic, read_csv_tables, read_json_logic, write_csv_tables

RULE = {
    "ord": "001D010", "drg": "470", "rtc": "8", "icd": "", "mdc": "", "pdgprop": "", "or": "",
    "procpro1": "", "dgcat1": "", "agelim": "", "compl": "", "sex": "", "dgprop1": "", "dgprop2": "",
    "dgprop3": "", "dgprop4": "", "secproc1": "", "disch": "", "dur": "",
}


def _tables(**over):
    t = {
        "drglogic": [dict(RULE, ord="001D000", drg="100", rtc="0", icd="+", mdc="05"), dict(RULE)],
        "dg": [{"code": "I219", "d_code": "", "vartype": "DGCAT", "varval": "05M01"}],
        "proc": [{"code": "FNG05", "vartype": "OR", "varval": "1"}],
        "complcat": [{"compl": "05C01", "inclprop": ""}],
        "complexcl": [{"compl": "05C01", "code": "I219", "d_code": ""}],
        "drgnames": [{"drg": " 100", "mdc": "05", "loc_drg\n(link to ndms)": "100X"}],
    }
    t.update(over)
    return t


def _write_quirky_json(path: Path, tables: dict) -> Path:
    """As distributed: BOM, CRLF, tabs, trailing commas, a newline inside a key."""
    text = json.dumps(tables, indent="\t").replace("\n", "\r\n")
    text = re.sub(r'"(\r\n\t*)\}', r'",\1}', text)
    text = re.sub(r"\}(\r\n\t*)\]", r"},\1]", text)
    text = text.replace('"loc_drg\\n(link to ndms)"', '"loc_drg\n(link to ndms)"')
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    return path


def test_json_quirks_are_read(tmp_path: Path):
    p = _write_quirky_json(tmp_path / "DefinitionData_TST_2099_x.json", _tables())
    raw = p.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b'",\r\n\t\t}' in raw and b"},\r\n\t]" in raw and b"loc_drg\n(" in raw
    logic = read_json_logic(p)
    assert logic.id == "TST2099"
    assert [r.ord for r in logic.rules] == ["001D000", "001D010"]
    assert logic.drgnames[0].drg == "100" and logic.drgnames[0].mdc == "05"


def test_zip_is_read_and_equals_plain_json(tmp_path: Path):
    p = _write_quirky_json(tmp_path / "DefinitionData_TST_2099_x.json", _tables())
    z = tmp_path / "DefinitionData_TST_2099_x.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(p, p.name)
    assert read_json_logic(z) == read_json_logic(p)


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [("agelim", ">>5", "malformed agelim"), ("dur", "2", "malformed dur"), ("or", "Q", "malformed or"),
     ("sex", "X", "malformed sex"), ("compl", "3", "malformed compl")],
)
def test_malformed_rule_values_name_file_table_row(tmp_path: Path, field, value, needle):
    bad = dict(RULE, ord="001D005", **{field: value})
    t = _tables(drglogic=[dict(RULE, ord="001D000"), bad])
    p = _write_quirky_json(tmp_path / "bad.json", t)
    with pytest.raises(DefinitionError) as ei:
        read_json_logic(p)
    e = ei.value
    assert e.table == "drglogic" and e.row == 2 and str(p) in str(e) and needle in str(e) and "001D005" in str(e)


def test_duplicate_ord_fails(tmp_path: Path):
    t = _tables(drglogic=[dict(RULE), dict(RULE)])
    with pytest.raises(DefinitionError, match=r"table 'drglogic' row 2: .*duplicate ord, first seen at row 1"):
        read_json_logic(_write_quirky_json(tmp_path / "dup.json", t))


def test_missing_table_fails(tmp_path: Path):
    t = _tables()
    del t["complexcl"]
    with pytest.raises(DefinitionError, match="table 'complexcl': table is missing"):
        read_json_logic(_write_quirky_json(tmp_path / "missing.json", t))


def test_unknown_vartype_fails_with_row(tmp_path: Path):
    t = _tables(proc=[{"code": "A", "vartype": "OR", "varval": "1"}, {"code": "B", "vartype": "XX", "varval": "1"}])
    with pytest.raises(DefinitionError, match=r"table 'proc' row 2: unknown vartype 'XX'"):
        read_json_logic(_write_quirky_json(tmp_path / "vt.json", t))


def test_property_no_code_has_is_fine(tmp_path: Path):
    t = _tables(drglogic=[dict(RULE, ord="001D000", dgprop1="77X77"), dict(RULE)])
    assert read_json_logic(_write_quirky_json(tmp_path / "ok.json", t)).rules[0].dgprop == ("77X77",)


def test_invalid_json_names_line(tmp_path: Path):
    p = tmp_path / "broken.json"
    p.write_text('{"drglogic": [\n{"ord": }\n]}', encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"broken.json row 2: not valid JSON"):
        read_json_logic(p)


def test_csv_roundtrip_and_row_numbers(tmp_path: Path):
    logic = read_json_logic(_write_quirky_json(tmp_path / "DefinitionData_TST_2099_x.json", _tables()))
    folder = write_csv_tables(logic, tmp_path / "csv")
    assert read_csv_tables(folder, logic_id="TST2099") == logic
    lines = (folder / "drg_logic.csv").read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",8,", ",,", 1)  # empty rtc on file line 3
    (folder / "drg_logic.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"drg_logic.csv' row 3: \(ord '001D010'\) empty rtc"):
        read_csv_tables(folder)


def test_load_logic_unknown_id_lists_known():
    with pytest.raises(DefinitionError, match="known ids: .*DEMO"):
        load_logic("NOSUCH1999")


def test_logic_is_immutable_and_picklable(demo_logic):
    import pickle

    assert pickle.loads(pickle.dumps(demo_logic)) == demo_logic
    with pytest.raises(AttributeError):
        demo_logic.id = "x"  # type: ignore[misc]
