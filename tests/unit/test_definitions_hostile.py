"""Broken, empty and hostile definition files fail fast with `DefinitionError` (file, table, row),
never with a traceback or by inflating a bomb."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from isf.definitions import DefinitionError, Rule, build_logic, read_csv_tables, read_json_logic, write_csv_tables
from isf.definitions.archive import MAX_RATIO

RULE = {"ord": "999D002", "drg": "470", "rtc": "8"}


def _tables(**over):
    t = {
        "drglogic": [dict(RULE, ord="001D000", drg="100", rtc="0", icd="+", mdc="05"), dict(RULE)],
        "dg": [{"code": "I219", "d_code": "", "vartype": "DGCAT", "varval": "05M01"}],
        "proc": [{"code": "FNG05", "vartype": "OR", "varval": "1"}],
        "complcat": [{"compl": "05C01", "inclprop": ""}],
        "complexcl": [{"compl": "05C01", "code": "I219", "d_code": ""}],
    }
    t.update(over)
    return t


def _json(path: Path, tables) -> Path:
    path.write_text(json.dumps(tables), encoding="utf-8")
    return path


def test_a_well_formed_file_reads(tmp_path: Path):
    assert len(read_json_logic(_json(tmp_path / "ok.json", _tables())).rules) == 2


@pytest.mark.parametrize("table", ["drglogic", "dg", "proc", "complcat", "complexcl"])
def test_empty_table_fails(tmp_path: Path, table):
    with pytest.raises(DefinitionError, match="has no rows") as ei:
        read_json_logic(_json(tmp_path / "e.json", _tables(**{table: []})))
    assert ei.value.table == table


def test_header_only_csv_table_fails(tmp_path: Path, demo_logic):
    folder = write_csv_tables(demo_logic, tmp_path / "csv")
    header = (folder / "proc_feat.csv").read_text(encoding="utf-8").splitlines()[0]
    (folder / "proc_feat.csv").write_text(header + "\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match="proc_feat.csv.*has no rows"):
        read_csv_tables(folder)


def test_rules_without_catch_all_fail(tmp_path: Path):
    t = _tables(drglogic=[dict(RULE, ord="001D000", drg="100", rtc="0", icd="+")])
    with pytest.raises(DefinitionError, match="no catch-all rule") as ei:
        read_json_logic(_json(tmp_path / "x.json", t))
    assert ei.value.table == "drglogic" and ei.value.row == 1


def test_rule_after_the_catch_all_fails():
    rules = [Rule(ord="001D", drg="470", rtc="8", row=1), Rule(ord="002D", drg="100", rtc="0", icd="+", row=2)]
    with pytest.raises(DefinitionError, match=r"row 2: \(ord '002D'\) follows the catch-all rule '001D'"):
        build_logic(id="X", source="x", rules=rules, dg=[], proc=[], complcat=[], complexcl=[])


def test_no_rules_at_all_fail():
    with pytest.raises(DefinitionError, match="no rules"):
        build_logic(id="X", source="x", rules=[], dg=[], proc=[], complcat=[], complexcl=[])


def test_rows_that_are_not_objects_name_their_row(tmp_path: Path):
    t = _tables(dg=[{"code": "I219", "vartype": "DGCAT", "varval": "05M01"}, ["not", "an", "object"]])
    with pytest.raises(DefinitionError) as ei:
        read_json_logic(_json(tmp_path / "x.json", t))
    assert (ei.value.table, ei.value.row) == ("dg", 2)


def test_deeply_nested_json_is_a_definition_error(tmp_path: Path):
    p = tmp_path / "deep.json"
    p.write_text('{"drglogic": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    with pytest.raises(DefinitionError, match="nested too deeply|not valid"):
        read_json_logic(p)


def test_malformed_json_names_the_line(tmp_path: Path):
    p = tmp_path / "bad.json"
    p.write_text('{"drglogic": [\n{"ord": "1"\n', encoding="utf-8")
    with pytest.raises(DefinitionError, match="not valid JSON") as ei:
        read_json_logic(p)
    assert ei.value.row is not None


def _zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_zip_bomb_is_stopped_while_inflating(tmp_path: Path):
    # 64 MiB of spaces compress about 1000 times: far beyond any published release
    blob = b'{"drglogic": []' + b" " * (64 * 1024 * 1024) + b"}"
    p = _zip(tmp_path / "bomb.zip", {"DefinitionData_X_2099.json": blob})
    assert p.stat().st_size * MAX_RATIO < len(blob)
    with pytest.raises(DefinitionError, match="inflates more than"):
        read_json_logic(p)


def test_crc_corrupt_zip_is_a_definition_error(tmp_path: Path):
    data = json.dumps(_tables()).encode()
    p = _zip(tmp_path / "crc.zip", {"d.json": data}, method=zipfile.ZIP_STORED)
    raw = bytearray(p.read_bytes())
    i = raw.index(b'"drglogic"')
    raw[i + 1] ^= 0x20  # flip one byte of the stored member: its CRC no longer matches
    p.write_bytes(bytes(raw))
    with pytest.raises(DefinitionError, match="damaged archive member|not a readable zip"):
        read_json_logic(p)


def test_truncated_zip_is_a_definition_error(tmp_path: Path):
    p = _zip(tmp_path / "t.zip", {"d.json": json.dumps(_tables()).encode() * 50})
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
    with pytest.raises(DefinitionError):
        read_json_logic(p)


def test_not_a_zip_at_all(tmp_path: Path):
    p = tmp_path / "junk.zip"
    p.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(DefinitionError):
        read_json_logic(p)


def test_non_utf8_csv_names_the_file(tmp_path: Path, demo_logic):
    folder = write_csv_tables(demo_logic, tmp_path / "csv")
    (folder / "dg_feat.csv").write_bytes(b"code_nat,vartype,varval\n\xff\xfe,DGCAT,05M01\n")
    with pytest.raises(DefinitionError, match="dg_feat.csv.*not UTF-8"):
        read_csv_tables(folder)
