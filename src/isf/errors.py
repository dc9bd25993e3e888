"""One exception tree and one status vocabulary for the library, the CLI, batch and web.

Every error isf raises on purpose derives from `IsfError`, so a shell (CLI, web) can translate
all of them in one place (the CLI prints the message and exits with code 2). Messages name
file, table, row and field; they never quote a whole record or a value from it (patient data
is sensitive): "row 12: liggetid: not a whole number", never the number that was there.

Row outcomes in batch mode are not exceptions: each output row carries a `status` from
`Status` and, when not ok, an `error` saying which row and field were wrong (`row_error`).

Row numbers are 1-based and count as the user's file does, with the header excluded:
CSV row N is the N-th line after the header line (line N + 1 of the file; blank lines keep
their number but are not rows), a case-string file's row N is its line N, a Parquet row N is
the N-th record of its file (a folder names the part file).
"""

from __future__ import annotations

import re
from enum import StrEnum

__all__ = [
    "InputError",
    "IsfError",
    "RowError",
    "Status",
    "row_error",
    "safe_reason",
    "status_for_field",
]


class IsfError(Exception):
    """Base of every error isf raises on purpose."""


class InputError(IsfError, ValueError):
    """An input file or option cannot be used at all (as opposed to one bad row).

    The message names the file and, where it is known, the row and the field; never a value.
    """

    def __init__(self, reason: str, *, file: object = None, row: int | None = None, field: str | None = None) -> None:
        self.file = None if file is None else str(file)
        self.row = row
        self.field = field
        self.reason = reason
        where = [p for p in (self.file, None if row is None else f"row {row}", field) if p]
        super().__init__(": ".join([*where, reason]) if where else reason)


class RowError(IsfError, ValueError):
    """One row cannot be used: which field, why, and the row status it gives (strict row APIs)."""

    def __init__(self, field: str, reason: str, *, status: Status | None = None) -> None:
        self.field = field
        self.reason = reason
        self.status = status or status_for_field(field)
        super().__init__(f"{field}: {reason}")


class Status(StrEnum):
    """Row status shared by every batch path (grouping, points, settlement, KPP, web).

    ``ok`` is the only status whose row counts; every other row keeps its place in the
    output with an ``error`` naming row and field.
    """

    OK = "ok"
    INVALID = "invalid"  # a field is malformed or missing; `error` names row and field
    # Grouping input (docs/data-model.md): the field the grouper could not use.
    INVALID_CASE = "invalid_case"  # a case string that cannot be split into its fields
    INVALID_SEX = "invalid_sex"
    INVALID_AGE_DAYS = "invalid_age_days"
    INVALID_LOS = "invalid_los"
    INVALID_DISCHARGE = "invalid_discharge"
    INVALID_DIAGNOSES = "invalid_diagnoses"
    INVALID_PROCEDURES = "invalid_procedures"
    # The row could not be read from the file: ragged, broken quoting, bytes that are not
    # text in the file's encoding, a corrupt Parquet block. Its values are not passed on.
    UNREADABLE = "unreadable"
    # Grouped, but NordDRG's return code says the case has an error (rtc != 0); the DRG is kept.
    GROUPING_ERROR = "grouping_error"
    # KPP cost records (isf.weights.kpp).
    MISSING_VALUE = "missing_value"
    BAD_OMSORGSNIVA = "bad_omsorgsniva"
    NEGATIVE_VALUE = "negative_value"
    BAD_LIGGETIDSKOSTNAD = "bad_liggetidskostnad"
    BAD_UTSKRKLAR = "bad_utskrklar"
    # A valid row outside the data period of the run (RBF, STG/TFG).
    OUTSIDE_PERIOD = "utenfor_periode"


#: The status a bad value in a field gives: activity column names and the grouper's own names.
_FIELD_STATUS: dict[str, Status] = {
    "case_string": Status.INVALID_CASE,
    "case": Status.INVALID_CASE,
    "kjonn": Status.INVALID_SEX,
    "sex": Status.INVALID_SEX,
    "alder_dager": Status.INVALID_AGE_DAYS,
    "age_days": Status.INVALID_AGE_DAYS,
    "liggetid": Status.INVALID_LOS,
    "los": Status.INVALID_LOS,
    "utskr_maate": Status.INVALID_DISCHARGE,
    "discharge": Status.INVALID_DISCHARGE,
    "hdiag": Status.INVALID_DIAGNOSES,
    "hdiag2": Status.INVALID_DIAGNOSES,
    "bdiag": Status.INVALID_DIAGNOSES,
    "diagnoses": Status.INVALID_DIAGNOSES,
    "prosedyrer": Status.INVALID_PROCEDURES,
    "procedures": Status.INVALID_PROCEDURES,
}


def status_for_field(field: str) -> Status:
    """The row status for a bad value in `field` (wide columns ``bdiag3``/``prosedyre7`` too)."""
    f = field.lower()
    if f.startswith("bdiag"):
        return Status.INVALID_DIAGNOSES
    if f.startswith("prosedyre"):
        return Status.INVALID_PROCEDURES
    return _FIELD_STATUS.get(f, Status.INVALID)


def row_error(row: int | str, field: str, reason: str, *, file: str | None = None) -> str:
    """The one format of a row's `error`: ``[file ]row N: field: reason`` (no values)."""
    return f"{file + ' ' if file else ''}row {row}: {field}: {reason}"


_QUOTED = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|«[^»]*»|“[^”]*”""")
_LONG_NUMBER = re.compile(r"\d{9,}")
_LEADING_VALUE = re.compile(r"^\s*[-+]?\d+(?=\s+outside)")


def safe_reason(reason: str) -> str:
    """`reason` without the values it quotes (``unknown value 'X' (expected ...)`` loses 'X',
    ``12 outside 0..10`` loses 12, a run of nine or more digits becomes …): for messages
    built by code that may echo input (the grouper's, a library's)."""
    r = _QUOTED.sub("", reason)
    r = _LEADING_VALUE.sub("", r)
    r = _LONG_NUMBER.sub("…", r)  # an identifier-like digit run (a fødselsnummer has 11)
    r = re.sub(r"\s+", " ", r).replace("( ", "(").replace(" )", ")").strip(" :")
    return r or "invalid value"
