"""Load, validate and convert NordDRG definition tables (logic versions)."""

from isf.definitions.dbase import read_dbase_logic
from isf.definitions.model import (
    CodeEntry,
    ComplCat,
    ComplExcl,
    DefinitionError,
    DgRow,
    DrgName,
    Logic,
    ProcRow,
    PropertyText,
    Rule,
    build_logic,
    is_catch_all,
)
from isf.definitions.readers import read_csv_tables, read_json_logic, write_csv_tables
from isf.definitions.registry import LogicSource, available_logics, load_logic, logic_sources, search_path

__all__ = [
    "CodeEntry",
    "ComplCat",
    "ComplExcl",
    "DefinitionError",
    "DgRow",
    "DrgName",
    "Logic",
    "LogicSource",
    "ProcRow",
    "PropertyText",
    "Rule",
    "available_logics",
    "build_logic",
    "is_catch_all",
    "load_logic",
    "logic_sources",
    "read_csv_tables",
    "read_dbase_logic",
    "read_json_logic",
    "search_path",
    "write_csv_tables",
]
