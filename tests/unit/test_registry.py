"""Logic ids resolve from any working directory, by a documented search path."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DEFINITIONS, _need
from typer.testing import CliRunner

from isf.cli import app
from isf.definitions import DefinitionError, load_logic, logic_sources, search_path, write_csv_tables


@pytest.mark.slow  # loads two releases
def test_published_ids_resolve_from_another_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    _need(DEFINITIONS)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ISF_LOGIC_PATH", raising=False)
    ids = {s.id: s for s in logic_sources()}
    assert {"NOR2012", "NOR2015", "NOR2016", "NOR2017", "DEMO"} <= set(ids)
    assert ids["NOR2012"].format == "dbase" and ids["NOR2012"].origin == "package"
    assert ids["NOR2012"].path.name == "NordDRG_2012_CCtest_Nor_dbf.zip"
    assert load_logic("nor2012").id == "NOR2012" and load_logic("NOR2015").id == "NOR2015"


def test_environment_path_comes_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo_logic):
    mine = tmp_path / "mine"
    write_csv_tables(demo_logic, mine / "DefinitionData_NOR_2015_mine")
    monkeypatch.setenv("ISF_LOGIC_PATH", f"{tmp_path / 'missing'}:{mine}")
    src = {s.id: s for s in logic_sources()}["NOR2015"]
    assert (src.origin, src.format, src.path.name) == ("ISF_LOGIC_PATH", "csv", "DefinitionData_NOR_2015_mine")
    assert load_logic("NOR2015").checksum == demo_logic.checksum
    assert search_path()[1] == (mine, "ISF_LOGIC_PATH")


def test_shared_folder_is_found_above_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           demo_logic):
    shared = tmp_path / "shared" / "norddrg" / "definitions"
    write_csv_tables(demo_logic, shared / "DefinitionData_ISL_2030_x")
    (tmp_path / "checkout" / "tests").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "checkout" / "tests")
    monkeypatch.delenv("ISF_LOGIC_PATH", raising=False)
    src = {s.id: s for s in logic_sources()}["ISL2030"]
    assert src.origin == "cwd" and src.path == shared / "DefinitionData_ISL_2030_x"


def test_unknown_id_says_where_it_looked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DefinitionError, match=r"known ids: .*NOR2012.*searched .*ISF_LOGIC_PATH"):
        load_logic("NOR1999")


def test_isf_logics_shows_format_and_origin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(app, ["logics"])
    assert r.exit_code == 0
    lines = {ln.split("\t")[0]: ln.split("\t") for ln in r.stdout.splitlines() if "\t" in ln}
    assert lines["NOR2012"][1:3] == ["dbase", "package"] and lines["DEMO"][1:3] == ["csv", "bundled"]
