"""Load, validate and convert NordDRG definition tables (logic versions)."""

from isf.definitions.model import (
    ComplCat,
    ComplExcl,
    DefinitionError,
    DgRow,
    DrgName,
    Logic,
    ProcRow,
    Rule,
    build_logic,
)
from isf.definitions.readers import read_csv_tables, read_json_logic, write_csv_tables
from isf.definitions.registry import available_logics, load_logic

__all__ = [
    "ComplCat",
    "ComplExcl",
    "DefinitionError",
    "DgRow",
    "DrgName",
    "Logic",
    "ProcRow",
    "Rule",
    "available_logics",
    "build_logic",
    "load_logic",
    "read_csv_tables",
    "read_json_logic",
    "write_csv_tables",
]
