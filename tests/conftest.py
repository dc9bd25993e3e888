"""Shared fixtures. Tests read the published NordDRG tables from ../shared (never copied)."""

from __future__ import annotations

import csv
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

# Where PYTHONDONTWRITEBYTECODE is set (this machine, CI images), pytest would rewrite the asserts
# of every test module and Python compile every isf module anew on every run, in every worker:
# about 9 s of each worker's start. The suite keeps bytecode in __pycache__ (ignored by git).
sys.dont_write_bytecode = False

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEFINITIONS = SHARED / "norddrg" / "definitions"
REFERENCE_2015 = SHARED / "norddrg" / "reference" / "nor2015_reference_cases.csv"
NOR2012 = DEFINITIONS / "NordDRG_2012_CCtest_Nor_dbf.zip"  # NCC dBase release with code lists and a test database
LOGIC_FILES = {
    "NOR2015": DEFINITIONS / "DefinitionData_NOR_2015_Pr1cN.zip",
    "NOR2016": DEFINITIONS / "DefinitionData_NOR_2016_PR1cN.zip",
    "NOR2017": DEFINITIONS / "DefinitionData_NOR_2017_PR1aN.zip",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="Rewrite golden files from current results.")
    parser.addoption("--all", action="store_true", dest="all_tiers",
                     help="Every tier: also the tests marked slow or browser (the README's test command; CI).")


#: Markers of the tests the fast default tier leaves out (`pytest -q` about a minute; `--all` everything).
SLOW_TIERS = ("slow", "browser")


def _named(item: pytest.Item, args: list[str]) -> bool:
    """The test was asked for by node id (``path::test``): run it whatever its tier."""
    for arg in args:
        path, sep, rest = arg.partition("::")
        if not sep:
            continue
        try:
            rel = Path(path).resolve().relative_to(item.config.rootpath)
        except ValueError:
            continue
        if item.nodeid.startswith(f"{rel.as_posix()}::{rest}"):
            return True
    return False


def _every_tier(config: pytest.Config) -> bool:
    """`--all`, or a marker expression the user chose, runs every tier."""
    return bool(config.getoption("all_tiers") or config.getoption("markexpr"))


def pytest_configure(config: pytest.Config) -> None:
    # read by tests/tiers.py (hypothesis example counts) when the test modules are imported
    os.environ["ISF_TEST_TIER"] = "all" if _every_tier(config) else "fast"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _every_tier(config):
        return
    args = [str(a) for a in config.args]
    slow = [i for i in items if any(i.get_closest_marker(m) for m in SLOW_TIERS) and not _named(i, args)]
    if slow:
        left_out = set(slow)
        config.hook.pytest_deselected(items=slow)
        items[:] = [i for i in items if i not in left_out]


def pytest_report_header(config: pytest.Config) -> str:
    if _every_tier(config):
        return "tiers: all"
    return "tiers: fast (tests marked slow or browser are deselected; --all runs every tier, as CI does)"


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def _need(path: Path) -> Path:
    # The shared folder is part of the test environment (CI has it beside the clone):
    # a missing file is a broken setup, so fail loudly instead of skipping.
    if not path.exists():
        pytest.fail(f"missing test input {path} (expected ../shared beside the repository)")
    return path


@dataclass(frozen=True)
class ReferenceCase:
    id: str
    drg: str
    rule: str
    case_string: str
    rtc: str


@pytest.fixture(scope="session")
def reference_cases() -> list[ReferenceCase]:
    with open(_need(REFERENCE_2015), encoding="utf-8") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert rows[0] == ["RegelNr", "DRGKode", "DRGGrupperingsregel", "DRGGrupperingsstreng", "Returkode"]
    return [ReferenceCase(*r) for r in rows[1:]]


@pytest.fixture(scope="session")
def nor2015():
    from isf.definitions import read_json_logic

    return read_json_logic(_need(LOGIC_FILES["NOR2015"]))


@pytest.fixture(scope="session")
def nor_logics(nor2015):
    from isf.definitions import read_json_logic

    return {"NOR2015": nor2015} | {k: read_json_logic(_need(v)) for k, v in LOGIC_FILES.items() if k != "NOR2015"}


@pytest.fixture(scope="session")
def nor2012():
    from isf.definitions import load_logic

    return load_logic(_need(NOR2012))


@pytest.fixture(scope="session")
def demo_logic():
    from isf.definitions import load_logic

    return load_logic("demo")
