"""Reading and writing files so that no row is lost or changed without a word.

- `atomic_output(path)`: write to a temporary name beside `path`, rename at the end; a failed
  run leaves no file that looks complete.
- `TextFile`: the lines of a text file in bounded memory, whatever its encoding (UTF-8 with or
  without BOM, UTF-16/32 with BOM or recognisable without, otherwise Windows-1252) and line
  ends (LF, CRLF, or CR alone for the whole file). Bytes that are not text in the file's
  encoding and control characters become U+FFFD, so the row that holds them is reported.
- `parquet_writer(sink, schema)`: the one way isf writes Parquet chunk by chunk (zstd; min/max
  statistics for numeric, date and boolean columns only).
- `CsvFile`: CSV records as text columns, one record per line, each with its row number and,
  for a record that cannot be read (wrong number of fields, a quote that does not close,
  bad bytes), the field and the reason. Parsing is pyarrow's; this module only decides where
  records start and end so that one bad quote cannot swallow the rest of the file.

Row numbers count as the user's file does: CSV row N is line N + 1 of the file when the header
is line 1 (generally: line number minus the header's line number). Blank lines keep their
number but are not rows.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from isf.errors import InputError, Status, row_error

__all__ = [
    "BAD_CHAR",
    "MAX_LINE_CHARS",
    "TMP_MARK",
    "CsvChunk",
    "CsvFile",
    "TextFile",
    "atomic_output",
    "parquet_writer",
]

TMP_MARK = ".isf-tmp-"
MAX_LINE_CHARS = 256 * 1024  # longer lines are reported, not read (pyarrow's block is 4 MiB)
BAD_CHAR = "\ufffd"
_READ_BYTES = 1 << 20
_ROW_COL = "__isf_row"
# Control characters (tab and the line break excepted) and C1 controls: never data in activity.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_VALID_NON_ASCII = re.compile("[^\x00-\x7f\ufffd]")
#: A header cell shown in messages only when it looks like a column name, not like data.
_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
_SWAP_CR_LF = str.maketrans({"\r": "\n", "\n": "\r"})
_MAGIC = {
    b"PK\x03\x04": "a ZIP archive (an XLSX workbook?), not CSV text: save it as CSV",
    b"PAR1": "a Parquet file, not CSV text: use --format parquet or a .parquet name",
    b"\x1f\x8b": "gzip-compressed: unpack it first",
    b"\xd0\xcf\x11\xe0": "an old Excel/Office file, not CSV text: save it as CSV",
}


@contextlib.contextmanager
def atomic_output(path: Path | str) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it to `path` when the block succeeds.

    The temporary name starts with a dot and contains ``.isf-tmp-`` so it is never mistaken
    for a result (nor picked up by a ``*.parquet`` glob). On failure it is removed and an older
    file at `path`, if any, stays as it was.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}{TMP_MARK}{os.getpid()}")
    try:
        yield tmp
        if not tmp.exists():  # the block wrote nothing: an empty file, not a missing one
            tmp.touch()
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def parquet_writer(sink: Path | str | BinaryIO, schema: pa.Schema) -> pq.ParquetWriter:
    """A Parquet writer for isf's outputs: zstd (a third smaller than snappy, and cheaper to write
    than pyarrow's defaults), min/max statistics for the numeric, date and boolean columns only:
    statistics of text columns cost a third of the writing and help little
    (`benchmarks/bench_grouping.py`)."""
    stats = [f.name for f in schema
             if pa.types.is_integer(f.type) or pa.types.is_date(f.type) or pa.types.is_boolean(f.type)]
    return pq.ParquetWriter(str(sink) if isinstance(sink, Path) else sink, schema, compression="zstd",
                            write_statistics=stats)


def _sniff_encoding(fh: BinaryIO, name: str) -> str:
    """The codec of a text file: BOM, UTF-16 without BOM, else UTF-8 unless no non-ASCII
    byte sequence in the whole file is valid UTF-8 (then Windows-1252)."""
    start = fh.tell()
    head = fh.read(4096)
    fh.seek(start)
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise InputError(f"is {what}", file=name)
    pairs = len(head) // 2
    if pairs >= 2:
        even, odd = head[0 : 2 * pairs : 2].count(0), head[1 : 2 * pairs : 2].count(0)
        if odd >= 0.3 * pairs and even <= odd // 4:
            return "utf-16-le"
        if even >= 0.3 * pairs and odd <= even // 4:
            return "utf-16-be"
    dec = codecs.getincrementaldecoder("utf-8")("replace")
    invalid = False
    while chunk := fh.read(_READ_BYTES):
        if chunk.isascii() and not dec.getstate()[0]:
            continue
        text = dec.decode(chunk)
        if _VALID_NON_ASCII.search(text):
            fh.seek(start)
            return "utf-8-sig"  # real UTF-8: any invalid bytes are reported row by row
        invalid = invalid or BAD_CHAR in text
    invalid = invalid or BAD_CHAR in dec.decode(b"", final=True)
    fh.seek(start)
    return "cp1252" if invalid else "utf-8-sig"


class TextFile:
    """Lines of a binary text stream as ``(line number, text)``; ``None`` for a line longer
    than `MAX_LINE_CHARS` (reported, never read). Blank lines are counted, not returned."""

    def __init__(self, fh: BinaryIO, *, name: str, encoding: str = "auto") -> None:
        self.fh = fh
        self.name = name
        if encoding.lower() in ("auto", ""):
            self.encoding = _sniff_encoding(fh, name)
        else:
            try:
                self.encoding = codecs.lookup(encoding).name
            except LookupError as e:
                raise InputError(f"unknown encoding {encoding!r}", file=name) from e
            if self.encoding == "utf-8":
                self.encoding = "utf-8-sig"
        self.blank_lines = 0

    @property
    def encoding_label(self) -> str:
        return {"utf-8-sig": "UTF-8", "cp1252": "Windows-1252"}.get(self.encoding, self.encoding.upper())

    def lines(self) -> Iterator[tuple[int, str | None]]:
        dec = codecs.getincrementaldecoder(self.encoding)("replace")
        mode: str | None = None  # "\n" (LF or CRLF ends a line) or "\r" (CR alone does, for the whole file)
        pending = ""  # the line being read (no line break in it yet)
        hold = ""  # a CR at the end of a read: its LF may come with the next read
        dropping = False  # inside a line that is too long: its text is skipped
        lineno = 0
        final = False
        while not final:
            raw = self.fh.read(_READ_BYTES)
            final = not raw
            text = hold + dec.decode(raw, final=final)
            hold = ""
            if not final and text.endswith("\r"):
                text, hold = text[:-1], "\r"
            if mode is None:
                i_cr, i_lf = text.find("\r"), text.find("\n")
                if i_lf >= 0 and (i_cr < 0 or i_lf < i_cr):
                    mode = "\n"
                elif i_cr >= 0:
                    mode = "\n" if text[i_cr + 1 : i_cr + 2] == "\n" else "\r"
            text = text.replace("\r\n", "\r").translate(_SWAP_CR_LF) if mode == "\r" else text.replace("\r\n", "\n")
            if _CONTROL.search(text):  # a lone CR or LF of the other kind is a control character here
                text = _CONTROL.sub(BAD_CHAR, text)
            parts = (pending + text).split("\n")
            tail = None if final else parts.pop()
            if final and parts and not parts[-1]:
                parts.pop()  # a final line break does not start another line
            if final and dropping and not parts:
                parts = [""]
            for k, part in enumerate(parts):
                lineno += 1
                if dropping and k == 0:
                    dropping = False
                    yield lineno, None
                elif len(part) > MAX_LINE_CHARS:
                    yield lineno, None
                elif part and not part.isspace():
                    yield lineno, part
                else:
                    self.blank_lines += 1
            if tail is not None:
                if dropping or len(tail) > MAX_LINE_CHARS:
                    dropping, tail = True, ""
                pending = tail

    def chunks(self, max_lines: int) -> Iterator[list[tuple[int, str | None]]]:
        out: list[tuple[int, str | None]] = []
        for item in self.lines():
            out.append(item)
            if len(out) >= max_lines:
                yield out
                out = []
        if out:
            yield out


def _line_pattern(delim: str) -> re.Pattern[str]:
    """A line whose every quoted field closes on it, the way pyarrow reads quotes: a quote
    opens only at the start of a field, ``""`` inside quotes is one quote."""
    d = re.escape(delim)
    fld = rf'(?:"(?:[^"]|"")*+"[^{d}]*+|[^{d}"][^{d}]*+|)'
    return re.compile(rf"{fld}(?:{d}{fld})*+")


@dataclass
class CsvChunk:
    """Consecutive CSV records: text columns (null in every column of a row that could not be
    read), the row number of each, and for the unreadable rows status and error."""

    table: pa.Table
    rows: list[int]
    status: list[str | None]
    error: list[str | None]


@dataclass
class CsvFile:
    """A CSV file read record by record (see the module docstring for the rules)."""

    text: TextFile
    delimiter: str | None = None
    columns: list[str] = field(default_factory=list)
    header_line: int = 0
    #: the text's lines when the caller has already started them (and taken the header)
    lines: Iterator[tuple[int, str | None]] | None = None
    header: tuple[int, str | None] | None = None

    def __post_init__(self) -> None:
        self._lines = self.lines if self.lines is not None else self.text.lines()
        first = self.header if self.header is not None else next(self._lines, None)
        if first is None:
            raise InputError("the file is empty: no header line", file=self.text.name)
        self.header_line, header = first
        if header is None:
            raise InputError(f"line {self.header_line} (header): longer than {MAX_LINE_CHARS} characters",
                             file=self.text.name)
        if self.delimiter is None:
            counts = {d: header.count(d) for d in (",", ";", "\t")}
            self.delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
        names = next(csv.reader([header], delimiter=self.delimiter))
        self.columns = [n.strip() or f"column_{i}" for i, n in enumerate(names, start=1)]
        seen: dict[str, int] = {}
        for i, n in enumerate(self.columns, start=1):
            if n in seen:
                raise InputError(f"column name appears twice (columns {seen[n]} and {i})", file=self.text.name,
                                 field=n if _NAME.fullmatch(n) else None)
            seen[n] = i
        self._ok_line = _line_pattern(self.delimiter)

    @property
    def blank_lines(self) -> int:
        return self.text.blank_lines

    def chunks(self, max_rows: int) -> Iterator[CsvChunk]:
        assert self._lines is not None
        buf: list[tuple[int, str | None]] = []
        for item in self._lines:
            buf.append(item)
            if len(buf) >= max_rows:
                yield self._parse(buf)
                buf = []
        if buf:
            yield self._parse(buf)

    def empty_table(self) -> pa.Table:
        return pa.table({n: pa.array([], pa.string()) for n in self.columns})

    def _field_at(self, text: str) -> str:
        """The column where the quoting of `text` breaks (the first field that is not whole)."""
        d = self.delimiter or ","
        fld = re.compile(rf'"(?:[^"]|"")*+"[^{re.escape(d)}]*+|[^{re.escape(d)}"][^{re.escape(d)}]*+|')
        pos, i = 0, 0
        while True:
            m = fld.match(text, pos)
            end = m.end() if m else pos
            if end == len(text) or text[end] != d:
                return self.columns[i] if i < len(self.columns) else f"column_{i + 1}"
            pos, i = end + 1, i + 1

    def _parse(self, lines: list[tuple[int, str | None]]) -> CsvChunk:
        d = self.delimiter or ","
        rows = [n - self.header_line for n, _ in lines]
        bad: dict[int, tuple[str, str]] = {}  # row -> (field, reason)
        fed: list[str] = []
        for (_, text), row in zip(lines, rows, strict=True):
            if text is None:
                bad[row] = ("line", f"longer than {MAX_LINE_CHARS} characters")
            elif '"' in text and not self._ok_line.fullmatch(text):
                bad[row] = (self._field_at(text), "a quote that does not close on this line")
            else:
                fed.append(f"{row}{d}{text}")
        parsed: dict[int, int] = {}
        table = None
        if fed:
            ragged: dict[int, tuple[int, int]] = {}

            def on_invalid(r: pacsv.InvalidRow) -> str:
                with contextlib.suppress(ValueError):
                    ragged[int(r.text.split(d, 1)[0])] = (r.actual_columns - 1, r.expected_columns - 1)
                return "skip"

            names = [_ROW_COL, *self.columns]
            table = pacsv.read_csv(
                pa.py_buffer("\n".join(fed).encode("utf-8")),
                read_options=pacsv.ReadOptions(column_names=names, block_size=4 << 20),
                parse_options=pacsv.ParseOptions(delimiter=d, newlines_in_values=False, invalid_row_handler=on_invalid),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()), null_values=[""], strings_can_be_null=True,
                    quoted_strings_can_be_null=False,
                ),
            )
            for i, r in enumerate(table.column(_ROW_COL).to_pylist()):
                with contextlib.suppress(TypeError, ValueError):
                    parsed.setdefault(int(r), i)
            for row, (got, want) in ragged.items():
                bad.setdefault(row, ("columns", f"{got} fields where the header has {want}"))
            self._check_values(table, bad)
        indices: list[int | None] = []
        status: list[str | None] = []
        error: list[str | None] = []
        for row in rows:
            found = parsed.get(row)
            if row not in bad and found is None:
                bad[row] = ("line", "could not be read (its quoting runs into another line)")
            if row in bad:
                fld_, reason = bad[row]
                indices.append(None)
                status.append(Status.UNREADABLE.value)
                error.append(row_error(row, fld_, reason))
            else:
                indices.append(found)
                status.append(None)
                error.append(None)
        if table is None:
            out = pa.table({n: pa.nulls(len(rows), pa.string()) for n in self.columns})
        else:
            out = table.drop_columns([_ROW_COL]).take(pa.array(indices, pa.int64()))
        return CsvChunk(out, rows, status, error)

    def _check_values(self, table: pa.Table, bad: dict[int, tuple[str, str]]) -> None:
        """Rows with bytes that were not text (U+FFFD) or a line break inside a value."""
        row_no = None
        for name in self.columns:
            col = table.column(name)
            mask = pc.or_(pc.match_substring(col, BAD_CHAR), pc.match_substring(col, "\n"))
            if not pc.any(mask).as_py():
                continue
            if row_no is None:
                row_no = table.column(_ROW_COL).to_pylist()
            for i in pc.indices_nonzero(mask).to_pylist():
                row = int(row_no[i])
                bad.setdefault(row, (name, f"bytes that are not {self.text.encoding_label} text, or control characters"))
