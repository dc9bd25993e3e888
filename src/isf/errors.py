"""One exception tree and one status vocabulary for the library, the CLI, batch and web.

Every error isf raises on purpose derives from `IsfError`, so a shell (CLI, web) can translate
all of them in one place. Messages name file, table, row and field; they never quote a whole
record or an identifier (patient data is sensitive).

Row outcomes in batch mode are not exceptions: each output row carries a `status` from
`Status` and, when not ok, an `error` saying which row and field were wrong.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["IsfError", "InputError", "Status"]


class IsfError(Exception):
    """Base of every error isf raises on purpose."""


class InputError(IsfError, ValueError):
    """An input file or option cannot be used at all (as opposed to one bad row)."""


class Status(StrEnum):
    """Row status shared by every batch path (grouping, points, settlement, web)."""

    OK = "ok"
    INVALID = "invalid"  # a field is malformed or missing; `error` names row and field
    OUTSIDE_PERIOD = "utenfor_periode"  # a valid row outside the data period of the run (RBF, STG/TFG)
