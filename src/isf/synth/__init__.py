"""Synthetic NPR-like activity for any loaded logic (`isf synth`).

`synth_activity` is the pure generator (Arrow tables, chunk by chunk); `write_synth` writes
Parquet or CSV; `synth_command` is the Typer command to register as ``isf synth``.
"""

from isf.synth.activity import ACTIVITY_SCHEMA, synth_activity
from isf.synth.catalogue import Bank, build_bank
from isf.synth.geo import Geography, load_geography, parse_geography
from isf.synth.output import csv_table, write_synth

__all__ = [
    "ACTIVITY_SCHEMA",
    "Bank",
    "Geography",
    "build_bank",
    "csv_table",
    "load_geography",
    "parse_geography",
    "synth_activity",
    "write_synth",
]
