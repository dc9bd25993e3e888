"""Group an uploaded CSV in memory and give back CSV text (the web's batch path).

The same reader and kernel as ``isf group`` (`isf.batch.engine.group_stream`): every input
row comes back, in order, with ``drg, rtc, rule, mdc, status, error``; a row that cannot be
read or grouped keeps its place with its status and an error naming row and column. A file
that cannot be grouped at all raises `BatchError` (an i18n key the page translates); its
messages never quote the file's content.
"""

from __future__ import annotations

from dataclasses import dataclass

from isf.activity import SchemaError
from isf.definitions import Logic
from isf.errors import InputError, IsfError

__all__ = ["MAX_BYTES", "MAX_ROWS", "BatchError", "group_csv"]

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 10_000


@dataclass(frozen=True, slots=True)
class BatchError(IsfError, ValueError):
    """The file as a whole cannot be grouped: an i18n key and its parameters."""

    key: str
    params: tuple[tuple[str, str], ...] = ()


def _batch_error(e: InputError, max_rows: int) -> BatchError:
    """The page's message for a file-level problem (by kind; the columns it names, if any)."""
    reason = e.reason
    if isinstance(e, SchemaError):
        if e.missing:
            return BatchError("e_columns", (("columns", ", ".join(e.missing)),))
        return BatchError("e_types", (("columns", ", ".join(e.wrong_type)),))
    if reason.startswith("more than"):
        return BatchError("e_too_many", (("rows", str(max_rows)),))
    if "empty" in reason:
        return BatchError("e_empty")
    if reason.startswith("required column"):
        return BatchError("e_columns", (("columns", e.field or ""),))
    if "appears" in reason:
        return BatchError("e_duplicate", (("columns", e.field or ""),))
    if reason.startswith("is "):
        return BatchError("e_not_csv")
    if "encoding" in reason:
        return BatchError("e_encoding")
    return BatchError("e_unreadable")


def group_csv(data: bytes, logic: Logic, *, max_rows: int = MAX_ROWS) -> str:
    """Group every row of the CSV ``data``; raises `BatchError` for a file-level problem."""
    from isf.batch.engine import group_stream

    if len(data) > MAX_BYTES:
        raise BatchError("e_too_big", (("mb", str(MAX_BYTES // (1024 * 1024))),))
    try:
        out, stats = group_stream(logic, data, fmt="csv", name="upload", max_rows=max_rows)
    except InputError as e:
        raise _batch_error(e, max_rows) from None
    if stats.rows == 0:
        raise BatchError("e_empty")
    return out.decode("utf-8")
