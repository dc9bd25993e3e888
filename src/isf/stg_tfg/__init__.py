"""Særtjenestegrupper (STG) and tjenesteforløpsgrupper (TFG): period-based groups over timelines.

`load_stg_tfg(year)` gives the year's frozen definitions; `assign(activity, defs, year=...)`
gives per patient-period assignments and the contacts whose DRG points a TFG takes over.
"""

from isf.stg_tfg.definitions import (
    StgDef,
    StgTfgDefinitions,
    TfgDef,
    available_years,
    load_stg_tfg,
    parse_stg_tfg,
)
from isf.stg_tfg.engine import (
    ADJUSTMENT_SCHEMA,
    ASSIGNMENT_SCHEMA,
    ActivitySchemaError,
    StgTfgResult,
    assign,
    assign_lazy,
)
from isf.stg_tfg.reference import assign_reference

__all__ = [
    "ADJUSTMENT_SCHEMA",
    "ASSIGNMENT_SCHEMA",
    "ActivitySchemaError",
    "StgDef",
    "StgTfgDefinitions",
    "StgTfgResult",
    "TfgDef",
    "assign",
    "assign_lazy",
    "assign_reference",
    "available_years",
    "load_stg_tfg",
    "parse_stg_tfg",
]
