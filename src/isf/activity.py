"""Reading activity (docs/data-model.md): every row of the file comes out, with its row number.

Formats: NPK case strings (one per line), CSV (``,``, ``;`` or tab; lists joined with ``|``)
and Parquet (a file or a folder of part files). `open_activity` streams a file or an in-memory
upload as `Chunk`s: the columns as read, the row number of each row (see `isf.errors`), and for
rows that could not be read their status and error. `typed_view` then turns the columns the
grouper (or the settlement) reads into the data model's types, row by row: a value that is not
what its column holds (``NaN`` in `liggetid`, ``²`` or Arabic-Indic digits as an age, an
impossible date) makes that row an error naming row and field; it never becomes a default.

What stops a file instead (an `InputError` naming file and column): no header, a required
column missing, a column name twice, a column whose type cannot hold its field (`bdiag` as a
struct), an unreadable Parquet file. `read_activity` gives `isf run` the typed frame.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Self

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from isf.errors import InputError, Status, row_error, safe_reason, status_for_field
from isf.files import _NAME, BAD_CHAR, CsvFile, TextFile

__all__ = [
    "DEFAULT_BATCH_ROWS",
    "FORMATS",
    "GROUPER_COLUMNS",
    "REQUIRED_COLUMNS",
    "ActivityReader",
    "Chunk",
    "SchemaError",
    "check_schema",
    "chunk_frame",
    "detect_format",
    "fold_read_problems",
    "missing_columns",
    "model_columns",
    "open_activity",
    "read_activity",
    "schema_problems",
    "typed_view",
]

FORMATS = ("case-string", "csv", "parquet")
DEFAULT_BATCH_ROWS = 100_000
#: Columns the grouper reads (plus wide ``bdiag1..N``/``prosedyre1..N`` or ``case_string``).
GROUPER_COLUMNS = ("kjonn", "alder_dager", "utskr_maate", "liggetid", "hdiag", "hdiag2", "bdiag", "prosedyrer")
#: Without these (or a ``case_string`` column) a file cannot be grouped: it stops, naming them.
REQUIRED_COLUMNS = ("kjonn", "alder_dager", "liggetid", "hdiag")
_MAX_ERROR_ROWS = 10_000_000  # a corrupt Parquet row group claiming more rows stops the file

# Data-model types (docs/data-model.md); a column's kind says how text and other types convert.
_INT = {
    "kontakt_id": pa.int64(), "kjonn": pa.int8(), "alder_dager": pa.int32(), "liggetid": pa.int32(),
    "utskrklar_dager": pa.int32(), "omsorgsniva": pa.int8(), "kontakt_type": pa.int8(),
    "innmate_hast": pa.int8(), "debitor": pa.int16(), "opphold_id": pa.int64(),
}
_DATE = ("fodselsdato", "inn_dato", "ut_dato")
_BOOL = ("ambulant", "isf_enhet")
_TEXT = ("pasient_id", "bo_kommune", "bo_hf", "bo_rhf", "beh_hf", "beh_rhf", "utskr_maate", "sektor")
_CODE = ("hdiag", "hdiag2", "case_string")
_CODES = ("bdiag", "prosedyrer")
_TRUE = ("true", "t", "1", "j", "ja", "y", "yes")
_FALSE = ("false", "f", "0", "n", "nei", "no")
_SEX_LETTERS = {"M": "1", "F": "2", "K": "2"}  # as the grouper reads them (isf.grouping.case)


def _wide(name: str) -> str | None:
    """``bdiag``/``prosedyrer`` for a wide code column (``bdiag3``, ``prosedyre12``), else None."""
    if name.startswith("bdiag") and name[5:].isdigit() and name[5:].isascii():
        return "bdiag"
    if name.startswith("prosedyre") and name[9:].isdigit() and name[9:].isascii():
        return "prosedyrer"
    return None


def detect_format(path: Path) -> str:
    """The format a file name implies: Parquet (file or folder), CSV, or case strings."""
    suffix = path.suffix.lower()
    if path.is_dir() or suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in (".csv", ".tsv"):
        return "csv"
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods", ".zip", ".gz", ".json"):
        raise InputError(f"{suffix} files are not read as activity; save it as CSV or Parquet", file=path)
    return "case-string"


def missing_columns(columns: Iterable[str], required: Sequence[str] = REQUIRED_COLUMNS) -> list[str]:
    """Required columns absent from `columns` (none when there is a ``case_string`` column)."""
    cols = set(columns)
    cols |= {w for w in map(_wide, cols) if w}  # wide bdiag1..N / prosedyre1..N give the list
    return [] if "case_string" in cols else [c for c in required if c not in cols]


@dataclass
class Chunk:
    """Consecutive rows of one input file: the columns as read (null in a row that could not be
    read), each row's number, and for unreadable rows their status and error."""

    raw: pa.Table
    rows: list[int]
    status: list[str | None]
    error: list[str | None]
    file: str | None = None  # the part file of a Parquet folder (named in errors)

    @property
    def num_rows(self) -> int:
        return len(self.rows)


def _arrow_reason(e: BaseException) -> str:
    """A library's message for a broken file: first line, quoted values removed, short."""
    msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return safe_reason(msg)[:200]


class ActivityReader:
    """An activity file or upload, read chunk by chunk (see `open_activity`)."""

    def __init__(self, source: Path | BinaryIO, fmt: str, *, name: str, encoding: str = "auto",
                 batch_rows: int = DEFAULT_BATCH_ROWS, required: Sequence[str] = ()) -> None:
        if fmt not in FORMATS:
            raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
        self.fmt = fmt
        self.required = tuple(required)
        self.name = name
        self.batch_rows = max(1, batch_rows)
        self.encoding = encoding
        self.total_rows: int | None = None
        self._text: TextFile | None = None
        self._csv: CsvFile | None = None
        self._case_lines: Iterator[tuple[int, str | None]] | None = None
        self._case_header = 0
        self._fh: BinaryIO | None = None
        self._parquet: list[tuple[Path, pq.ParquetFile]] = []
        if fmt == "parquet":
            self._open_parquet(source)
        else:
            fh = self._fh = open(source, "rb") if isinstance(source, Path) else source  # noqa: SIM115
            self._text = TextFile(fh, name=name, encoding=encoding)
            if fmt == "csv":
                self._open_csv()
            else:
                self._case_lines = self._text.lines()
                self.schema = pa.schema([("case_string", pa.string())])
            check_schema(self.schema, required=self.required, file=name)

    # --- opening ----------------------------------------------------------------------------
    def _open_csv(self) -> None:
        assert self._text is not None
        lines = self._text.lines()
        first = next(lines, None)
        if first is not None and first[1] is not None and first[1].strip().strip('"').strip() == "case_string":
            # a header `case_string` alone: each line is a whole case string, commas unquoted
            self._case_lines, self._case_header = lines, first[0]
            self.schema = pa.schema([("case_string", pa.string())])
            return
        self._csv = CsvFile(self._text, lines=lines, header=first)
        self.schema = pa.schema([(n, pa.string()) for n in self._csv.columns])

    def _open_parquet(self, source: Path | BinaryIO) -> None:
        if isinstance(source, Path):
            if source.is_dir():
                files = sorted(p for p in source.rglob("*.parquet")
                               if not any(part.startswith(".") for part in p.relative_to(source).parts))
                if not files:
                    raise InputError("the folder holds no .parquet files", file=source)
            else:
                files = [source]
        else:
            files = []
        opened: list[tuple[Path, pq.ParquetFile]] = []
        for f in files or [Path(self.name)]:
            try:
                opened.append((f, pq.ParquetFile(f if files else source, page_checksum_verification=True)))
            except (pa.ArrowException, OSError, ValueError, TypeError, IndexError) as e:
                raise InputError(f"not a readable Parquet file ({_arrow_reason(e)})", file=f) from e
        schemas = []
        for f, pf in opened:
            try:
                schema = pf.schema_arrow
            except (pa.ArrowException, ValueError, TypeError) as e:
                raise InputError(f"Parquet schema cannot be read ({_arrow_reason(e)})", file=f) from e
            dupes = sorted({n for n in schema.names if schema.names.count(n) > 1})
            if dupes:
                shown = ", ".join(n for n in dupes if _NAME.fullmatch(n)) or None
                raise InputError("column name appears more than once", file=f, field=shown)
            check_schema(schema, required=self.required, file=f)
            schemas.append(schema)
        try:
            self.schema = pa.unify_schemas(schemas, promote_options="permissive") if schemas else pa.schema([])
        except (pa.ArrowException, ValueError, TypeError) as e:
            raise InputError(f"the part files have different column types ({_arrow_reason(e)})", file=self.name) from e
        check_schema(self.schema, required=self.required, file=self.name)
        self._parquet = opened
        self.total_rows = sum(pf.metadata.num_rows for _, pf in opened)

    @property
    def columns(self) -> list[str]:
        return list(self.schema.names)

    @property
    def blank_lines(self) -> int:
        return self._text.blank_lines if self._text is not None else 0

    @property
    def encoding_label(self) -> str | None:
        return self._text.encoding_label if self._text is not None else None

    def close(self) -> None:
        if self._fh is not None and not isinstance(self._fh, io.BytesIO):
            self._fh.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reading ----------------------------------------------------------------------------
    def chunks(self) -> Iterator[Chunk]:
        if self._csv is not None:
            for c in self._csv.chunks(self.batch_rows):
                yield Chunk(c.table, c.rows, c.status, c.error)
        elif self._case_lines is not None:
            yield from self._case_chunks()
        else:
            yield from self._parquet_chunks()

    def _case_chunks(self) -> Iterator[Chunk]:
        assert self._case_lines is not None and self._text is not None
        label = self._text.encoding_label
        buf: list[tuple[int, str | None]] = []

        def make(items: list[tuple[int, str | None]]) -> Chunk:
            rows = [n - self._case_header for n, _ in items]
            texts: list[str | None] = []
            status: list[str | None] = []
            error: list[str | None] = []
            for (_, t), row in zip(items, rows, strict=True):
                if t is None or BAD_CHAR in t:
                    reason = "line too long" if t is None else f"bytes that are not {label} text, or control characters"
                    texts.append(None)
                    status.append(Status.UNREADABLE.value)
                    error.append(row_error(row, "case_string", reason))
                else:
                    texts.append(t.strip().strip('"') if self._case_header else t)
                    status.append(None)
                    error.append(None)
            return Chunk(pa.table({"case_string": pa.array(texts, pa.string())}), rows, status, error)

        for item in self._case_lines:
            buf.append(item)
            if len(buf) >= self.batch_rows:
                yield make(buf)
                buf = []
        if buf:
            yield make(buf)

    def _parquet_chunks(self) -> Iterator[Chunk]:
        folder = len(self._parquet) > 1 or (self._parquet and self._parquet[0][0] != Path(self.name))
        for f, pf in self._parquet:
            label = f.name if folder else None
            offset = 0
            for rg in range(pf.num_row_groups):
                n_rg = pf.metadata.row_group(rg).num_rows
                done = 0
                try:
                    for b in pf.iter_batches(batch_size=self.batch_rows, row_groups=[rg], use_threads=True):
                        table = _conform(pa.Table.from_batches([b]), self.schema, f)
                        rows = list(range(offset + done + 1, offset + done + b.num_rows + 1))
                        done += b.num_rows
                        yield Chunk(table, rows, [None] * b.num_rows, [None] * b.num_rows, label)
                except (pa.ArrowException, OSError, ValueError, TypeError, IndexError, KeyError) as e:
                    left = n_rg - done
                    if left > _MAX_ERROR_ROWS:
                        raise InputError(f"row group {rg + 1} is corrupt ({_arrow_reason(e)})", file=f) from e
                    reason = f"Parquet row group {rg + 1} is corrupt ({_arrow_reason(e)})"
                    for start in range(0, left, self.batch_rows):
                        k = min(self.batch_rows, left - start)
                        rows = list(range(offset + done + start + 1, offset + done + start + k + 1))
                        yield Chunk(self.schema.empty_table().take(pa.nulls(k, pa.int64())) if k else self.schema.empty_table(),
                                    rows, [Status.UNREADABLE.value] * k,
                                    [row_error(r, "record", reason, file=label) for r in rows], label)
                offset += n_rg


def _conform(table: pa.Table, schema: pa.Schema, file: Path) -> pa.Table:
    """`table` with the columns of the unified `schema` (missing columns null)."""
    cols = []
    for fld in schema:
        if fld.name in table.column_names:
            col = table.column(fld.name)
            if col.type != fld.type:
                try:
                    col = col.cast(fld.type)
                except (pa.ArrowException, ValueError, TypeError) as e:
                    raise InputError(f"column type differs between part files ({_arrow_reason(e)})", file=file,
                                     field=fld.name) from e
            cols.append(col)
        else:
            cols.append(pa.nulls(table.num_rows, fld.type))
    return pa.table(cols, schema=schema)


def open_activity(source: Path | BinaryIO | bytes, fmt: str | None = None, *, name: str | None = None,
                  encoding: str = "auto", batch_rows: int = DEFAULT_BATCH_ROWS,
                  required: Sequence[str] = ()) -> ActivityReader:
    """Open an activity file (or bytes / a binary stream held in memory) for chunked reading.

    Raises `InputError` for a file that cannot be read at all (missing, empty, not the format,
    a column named twice or of a type that cannot hold its field, a `required` column missing:
    all schema problems in one `SchemaError`).
    """
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    if isinstance(source, Path):
        if not source.exists():
            raise InputError("input not found", file=source)
        fmt = fmt or detect_format(source)
        if fmt != "parquet" and source.is_dir():
            raise InputError(f"is a folder; a {fmt} input is one file", file=source)
    if fmt is None:
        raise InputError("the format of an in-memory upload must be given")
    try:
        return ActivityReader(source, fmt, name=name or str(source), encoding=encoding, batch_rows=batch_rows,
                              required=required)
    except (PermissionError, IsADirectoryError) as e:
        raise InputError(f"cannot be read ({type(e).__name__})", file=name or source) from e


# --- types ------------------------------------------------------------------------------------
def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t) or pa.types.is_null(t) or (
        pa.types.is_dictionary(t) and _is_text(t.value_type))


def _is_list(t: pa.DataType) -> bool:
    return bool(pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t)
                or pa.types.is_list_view(t))


def _kind(name: str) -> str | None:
    if name in _INT:
        return "int"
    if name in _DATE:
        return "date"
    if name in _BOOL:
        return "bool"
    if name in _TEXT:
        return "text"
    if name in _CODE or _wide(name):
        return "code"
    if name in _CODES:
        return "codes"
    return None


#: What a column of each kind must hold, in messages.
_WANT = {"int": "integer", "date": "date", "bool": "bool (true/false)", "text": "text",
         "code": "text (a code)", "codes": "list (of text codes, or '|'-joined text)"}


def _type_ok(kind: str | None, t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        t = t.value_type
    return {
        None: True,
        "int": _is_text(t) or pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t),
        "date": _is_text(t) or pa.types.is_date(t) or pa.types.is_timestamp(t),
        "bool": _is_text(t) or pa.types.is_boolean(t) or pa.types.is_integer(t),
        "text": _is_text(t) or pa.types.is_integer(t),
        "code": _is_text(t),
        "codes": _is_text(t) or (_is_list(t) and _is_text(t.value_type)),
        }[kind]


def schema_problems(schema: pa.Schema, required: Sequence[str] = ()) -> list[str]:
    """Every problem of an activity schema at once: `required` columns that are missing, and
    known columns whose type cannot hold their field (e.g. `bdiag` as a map)."""
    problems = [f"column '{c}' ({_WANT[_kind(c) or 'text']}) is missing" for c in missing_columns(schema.names, required)]
    for fld in schema:
        kind = _kind(fld.name)
        if not _type_ok(kind, fld.type):
            problems.append(f"column '{fld.name}' should be {_WANT[kind or 'text']}, is {fld.type}")
    return problems


class SchemaError(InputError):
    """An activity file lacks required columns or has columns of a type that cannot hold their
    field: every problem, listed at once (docs/data-model.md)."""

    def __init__(self, problems: Sequence[str], *, file: object = None,
                 missing: Sequence[str] = (), wrong_type: Sequence[str] = ()) -> None:
        self.problems = list(problems)
        self.missing = list(missing)  # column names
        self.wrong_type = list(wrong_type)  # column names
        super().__init__("the activity cannot be used (required columns missing or of a wrong type):\n" + "\n".join(f"  - {p}" for p in self.problems)
                         + "\n(see docs/data-model.md)", file=file)


def check_schema(schema: pa.Schema, *, required: Sequence[str] = (), file: object = None) -> None:
    """Raise `SchemaError` with every problem of `schema` (see `schema_problems`)."""
    problems = schema_problems(schema, required)
    if problems:
        wrong = [f.name for f in schema if not _type_ok(_kind(f.name), f.type)]
        raise SchemaError(problems, file=file, missing=missing_columns(schema.names, required), wrong_type=wrong)


def _plain(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    return arr


def _text(arr: pa.Array) -> pa.Array:
    """Text with surrounding blanks removed and empty text as null."""
    if pa.types.is_null(arr.type):
        return pa.nulls(len(arr), pa.string())
    s = pc.utf8_trim_whitespace(arr.cast(pa.string()))
    return pc.if_else(pc.equal(s, ""), pa.scalar(None, pa.string()), s)


Problems = list[tuple[pa.Array, str]]  # (row mask, reason)


def _int_column(name: str, arr: pa.Array) -> tuple[pa.Array, Problems]:
    target = _INT[name]
    info = (-(2 ** (target.bit_width - 1)), 2 ** (target.bit_width - 1) - 1)
    problems: Problems = []
    t = arr.type
    if _is_text(t):
        s = _text(arr)
        if name == "kjonn":
            up = pc.utf8_upper(s)
            for letter, digit in _SEX_LETTERS.items():
                s = pc.if_else(pc.equal(up, letter), digit, s)
        whole = pc.match_substring_regex(s, r"^[+-]?[0-9]{1,18}$")
        long = pc.match_substring_regex(s, r"^[+-]?[0-9]{19,}$")
        problems.append((pc.and_kleene(pc.is_valid(s), pc.invert(pc.or_(whole, long))),
                         "not a whole number (digits 0-9)"))
        problems.append((long, "out of range"))
        digits = pc.replace_substring_regex(s, pattern=r"^\+", replacement="")  # pyarrow reads "-3", not "+3"
        vals = pc.if_else(whole, digits, pa.scalar(None, pa.string())).cast(pa.int64())
    elif pa.types.is_floating(t) or pa.types.is_decimal(t):
        f = arr.cast(pa.float64())
        nan = pc.is_nan(f)
        inf = pc.is_inf(f)
        finite = pc.invert(pc.or_(nan, inf))
        frac = pc.and_(finite, pc.not_equal(f, pc.floor(f)))
        problems.append((nan, "not a number (NaN)"))
        problems.append((inf, "not a finite number"))
        problems.append((frac, "not a whole number"))
        big = pc.and_(finite, pc.greater(pc.abs(f), 9.0e15))
        problems.append((big, "out of range"))
        keep = pc.and_(finite, pc.invert(pc.or_(frac, big)))
        vals = pc.if_else(keep, f, pa.scalar(None, pa.float64())).cast(pa.int64())
    elif pa.types.is_null(t):
        return pa.nulls(len(arr), target), problems
    else:  # integer
        vals = arr
        if pa.types.is_unsigned_integer(t) and t.bit_width == 64:
            over = pc.greater(arr, pa.scalar(2**63 - 1, pa.uint64()))
            problems.append((over, "out of range"))
            vals = pc.if_else(over, pa.scalar(None, t), arr)
        vals = vals.cast(pa.int64())
    out_range = pc.or_(pc.less(vals, info[0]), pc.greater(vals, info[1]))
    problems.append((out_range, "out of range"))
    vals = pc.if_else(out_range, pa.scalar(None, pa.int64()), vals)
    return vals.cast(target), problems


def _date_column(arr: pa.Array) -> tuple[pa.Array, Problems]:
    t = arr.type
    if pa.types.is_date32(t):
        return arr, []
    if pa.types.is_date(t) or pa.types.is_timestamp(t):
        return arr.cast(pa.date32()), []
    s = _text(arr)
    iso = pc.match_substring_regex(s, r"^(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-[0-9]{2}-[0-9]{2}$")  # no year 0
    parsed = pc.strptime(pc.if_else(iso, s, pa.scalar(None, pa.string())), format="%Y-%m-%d", unit="s",
                         error_is_null=True)
    # strptime rolls 2025-02-30 over to 2 March: a date is only what prints back the same
    same = pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), s)
    parsed = pc.if_else(same, parsed, pa.scalar(None, parsed.type))
    bad = pc.and_kleene(pc.is_valid(s), pc.invert(pc.fill_null(same, False)))
    return parsed.cast(pa.date32()), [(bad, "not a date (YYYY-MM-DD)")]


def _bool_column(arr: pa.Array) -> tuple[pa.Array, Problems]:
    t = arr.type
    if pa.types.is_boolean(t):
        return arr, []
    if pa.types.is_integer(t):
        bad = pc.invert(pc.is_in(arr, pa.array([0, 1], t)))
        out = pc.if_else(bad, pa.scalar(None, pa.bool_()), pc.equal(arr, 1))
        return out, [(pc.and_kleene(pc.is_valid(arr), bad), "not true/false (1/0, J/N)")]
    s = pc.utf8_lower(_text(arr))
    yes, no = pc.is_in(s, pa.array(_TRUE)), pc.is_in(s, pa.array(_FALSE))
    bad = pc.and_kleene(pc.is_valid(s), pc.invert(pc.or_(yes, no)))
    out = pc.if_else(yes, True, pc.if_else(no, False, pa.scalar(None, pa.bool_())))
    return out, [(bad, "not true/false (1/0, J/N)")]


def _codes_column(arr: pa.Array) -> pa.Array:
    """A list of code texts: list columns as they are; text split on '|' (or ';')."""
    if _is_list(arr.type):
        vt = arr.type.value_type
        if pa.types.is_dictionary(vt):
            arr = pa.array(arr.to_pylist(), pa.list_(pa.string()))
        return arr.cast(pa.list_(pa.string()))
    s = pl.Series(_text(arr))
    out = s.str.replace_all(";", "|", literal=True).str.split("|").list.eval(
        pl.element().str.strip_chars().filter(pl.element().str.len_chars() > 0)
    ).fill_null(pl.lit([], dtype=pl.List(pl.String)))
    return out.to_arrow().cast(pa.list_(pa.string()))


def _typed_column(name: str, col: pa.ChunkedArray | pa.Array) -> tuple[pa.Array, Problems]:
    arr = _plain(col)
    kind = _kind(name)
    if kind == "int":
        return _int_column(name, arr)
    if kind == "date":
        return _date_column(arr)
    if kind == "bool":
        return _bool_column(arr)
    if kind == "codes":
        return _codes_column(arr), []
    if kind in ("text", "code"):
        if pa.types.is_null(arr.type):
            return pa.nulls(len(arr), pa.string()), []
        return arr.cast(pa.string()), []
    return arr, []


def _fold_wide(table: pa.Table, target: str) -> pa.Array | None:
    """The wide columns (``bdiag1..N``) of `target` folded into one list column, in order."""
    wide = sorted((n for n in table.column_names if _wide(n) == target), key=lambda n: int(n[9 if target == "prosedyrer" else 5:]))
    if not wide:
        return None
    df = pl.DataFrame({f"c{i}": pl.Series(_text(_plain(table.column(n)))) for i, n in enumerate(wide)})
    out = df.select(pl.concat_list(pl.all()).list.drop_nulls().alias("x"))["x"]
    return out.to_arrow().cast(pa.list_(pa.string()))


def typed_view(chunk: Chunk, *, columns: Sequence[str] = GROUPER_COLUMNS, keep_other: bool = False,
               ) -> tuple[pa.Table, list[str | None], list[str | None]]:
    """The chunk's `columns` in data-model types, with each row's status and error.

    A row keeps its read problem; otherwise the first column (in `columns` order) whose value
    cannot be converted names the problem: ``row 7: liggetid: not a number (NaN)``. Grouper
    columns the file lacks are added as nulls (the kernel decides whether that is an error);
    wide ``bdiag1..N`` / ``prosedyre1..N`` become the list columns. With `keep_other` the
    other columns of the chunk follow, unchanged.
    """
    raw = chunk.raw
    n = raw.num_rows
    status = list(chunk.status)
    error = list(chunk.error)
    names: list[str] = []
    arrays: list[pa.Array] = []
    problems: list[tuple[str, pa.Array, str]] = []
    wanted = list(dict.fromkeys([*columns, *(raw.column_names if keep_other else [])]))
    if "case_string" in raw.column_names and "case_string" not in wanted:
        wanted.insert(0, "case_string")
    for name in wanted:
        if name in raw.column_names:
            arr, probs = _typed_column(name, raw.column(name))
            problems += [(name, mask, reason) for mask, reason in probs]
        elif name in _CODES:
            arr = _fold_wide(raw, name)
            if arr is None:
                arr = pa.array([[]] * n, pa.list_(pa.string()))
        elif name in GROUPER_COLUMNS:
            arr = pa.nulls(n, _INT.get(name, pa.string()))
        else:
            continue
        names.append(name)
        arrays.append(arr)
    for name, mask, reason in problems:
        if not pc.any(mask).as_py():
            continue
        for i in pc.indices_nonzero(mask.fill_null(False) if hasattr(mask, "fill_null") else mask).to_pylist():
            if status[i] is None:
                status[i] = status_for_field(name).value
                error[i] = row_error(chunk.rows[i], name, reason, file=chunk.file)
    return pa.table(arrays, names=names), status, error


# --- isf run ----------------------------------------------------------------------------------
#: Columns `read_activity` adds: source row number and the read problem of the row (if any).
ROW_COLUMN, READ_STATUS, READ_ERROR = "_row", "_read_status", "_read_error"


def model_columns(columns: Sequence[str]) -> list[str]:
    """The data-model columns `chunk_frame` types for a file with `columns` (plus the grouper's)."""
    model = [*_INT, *_DATE, *_BOOL, *_TEXT, *_CODE, *_CODES]
    return [c for c in model if c in columns or c in GROUPER_COLUMNS]


def chunk_frame(chunk: Chunk, columns: Sequence[str]) -> pl.DataFrame:
    """One chunk as `read_activity` gives it: `columns` typed, the others as read, and
    `_row`, `_read_status`, `_read_error` (streaming runs read a file chunk by chunk with it)."""
    table, status, error = typed_view(chunk, columns=columns, keep_other=True)
    df = pl.from_arrow(table)
    assert isinstance(df, pl.DataFrame)
    return df.with_columns(
        pl.Series(ROW_COLUMN, chunk.rows, dtype=pl.Int64),
        pl.Series(READ_STATUS, status, dtype=pl.String),
        pl.Series(READ_ERROR, error, dtype=pl.String),
    )


def fold_read_problems(df: pl.DataFrame) -> pl.DataFrame:
    """Grouped activity (settled as grouped, not regrouped) with each row's read problem moved
    into its `status`/`error` (a value the row's columns could not hold: `liggetid` ``abc``, an
    impossible date, a broken quote), so that the row is settled as not counting, naming row
    and field, never with a default. The helper columns `_row`, `_read_*` are dropped. Used by
    `isf points`, `isf run --grouped` (chunk by chunk) and the Spark adapter."""
    if READ_STATUS not in df.columns:
        return df
    status = pl.col("status").cast(pl.String) if "status" in df.columns else pl.lit("ok")
    error = pl.col("error").cast(pl.String) if "error" in df.columns else pl.lit(None, pl.String)
    return df.with_columns(
        pl.coalesce(pl.col(READ_STATUS), status).alias("status"),
        pl.coalesce(pl.col(READ_ERROR), error).alias("error"),
    ).drop([c for c in (ROW_COLUMN, READ_STATUS, READ_ERROR) if c in df.columns])


def read_activity(path: Path, *, encoding: str = "auto", required: Sequence[str] = REQUIRED_COLUMNS) -> pl.DataFrame:
    """Activity as in docs/data-model.md from Parquet (file or folder), CSV or case strings.

    Every row of the file is in the frame, in order, typed to the data model. Three columns
    account for it: `_row` (its row number), `_read_status` and `_read_error` (null when the
    row was read whole; else the status and "row N: field: reason"). `group_dataframe` turns
    them into the grouping `status`/`error` and drops them. Raises `InputError` for a file
    that cannot be read at all or lacks one of the `required` columns (for a file that is
    already grouped, e.g. ``required=("drg",)``).
    """
    path = Path(path)
    with open_activity(path, encoding=encoding, required=required) as reader:
        columns = model_columns(reader.columns)
        parts = [chunk_frame(c, columns) for c in reader.chunks()]
        if not parts:  # no rows: the columns, typed, and nothing else
            parts = [chunk_frame(Chunk(reader.schema.empty_table(), [], [], []), columns)]
    return pl.concat(parts, how="vertical_relaxed")
