"""A corpus of hostile input files, generated (never committed), with what each must give.

Every case is a function of a folder: it writes one input (a file or a folder of Parquet
parts) and knows, independently of isf's readers, how many data rows the file holds, the row
number of each (1-based, header excluded, blank lines keep their number), and which rows must
come out as errors (status and field) - or that the file must stop with exit code 2 and a
message naming the file (and the column, where there is one).

The generator writes `kontakt_id` = the row's own number into every readable CSV/Parquet row,
so a test can see that no row moved, merged or vanished. With ``marker=...`` every cell of
every row carries a fødselsnummer-like marker instead, for tests that check no output but
the data itself ever shows a value.

Reuse: `cases(kind)` for ``"activity"`` (isf group / isf run), ``"grouped"`` (isf points),
``"kpp"`` (isf weights estimate), ``"weights"`` (weight lists for isf effects/run).
Run ``python -m hostile.corpus OUT`` from tests/ to write the files for a look.
"""

from __future__ import annotations

import io
import random
import sys
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

MARKER = "13097248851"  # looks like a fødselsnummer (11 digits); belongs to no one

HEADER = [
    "kontakt_id", "pasient_id", "kjonn", "alder_dager", "liggetid", "utskr_maate", "hdiag", "hdiag2", "bdiag",
    "prosedyrer", "inn_dato", "ut_dato", "sektor", "omsorgsniva", "debitor", "bo_rhf", "bo_hf", "beh_hf",
    "utskrklar_dager",
]

UNREADABLE = "unreadable"


def good_row(k: int, marker: str | None = None) -> dict[str, str]:
    """A valid activity row (ASCII, demo logic: I219 -> DRG 122); `k` becomes its kontakt_id."""
    los = k % 7
    row = {
        "kontakt_id": str(k), "pasient_id": f"p{k:05d}", "kjonn": "1" if k % 2 else "2",
        "alder_dager": str(20000 + k), "liggetid": str(los), "utskr_maate": "H", "hdiag": "I219", "hdiag2": "",
        "bdiag": "E119|I109", "prosedyrer": "", "inn_dato": "2025-03-01", "ut_dato": f"2025-03-{1 + los:02d}",
        "sektor": "somatikk", "omsorgsniva": "1" if los else "3", "debitor": "1", "bo_rhf": "Helse Vest",
        "bo_hf": "Helse Bergen HF", "beh_hf": "Helse Bergen HF", "utskrklar_dager": "0",
    }
    if marker:
        row = {c: marker + v if v else marker for c, v in row.items()}
    return row


Row = Mapping[str, str] | str | None  # cells over a good row, a raw line, or a blank line


@dataclass(frozen=True)
class Expect:
    """What a command must make of a case (independent of isf's readers)."""

    rows: int | None  # data rows in; None: the file must stop (exit 2)
    numbers: tuple[int, ...] = ()  # each data row's number, in order
    bad: Mapping[int, tuple[str, str]] = field(default_factory=dict)  # row -> (status, field): not grouped
    grouping_errors: frozenset[int] = frozenset()  # rows grouped with a return code other than 0
    stop_words: tuple[str, ...] = ()  # the stop message names these (and always the file)
    ids: bool = True  # readable rows carry kontakt_id = their row number


@dataclass(frozen=True)
class Case:
    name: str
    fmt: str  # csv | case-string | parquet
    what: str
    write: Callable[[Path], Path]
    expect: Expect
    expect_run: Expect | None = None  # when isf run (all data-model columns) must differ

    def __str__(self) -> str:
        return self.name


# --- CSV ----------------------------------------------------------------------------------------
def _line(cells: Sequence[str], delim: str) -> str:
    return delim.join(cells)


def csv_text(rows: Sequence[Row], *, delim: str = ",", header: Sequence[str] = HEADER, marker: str | None = None,
             newline: str = "\n", final_newline: bool = True) -> tuple[str, Expect]:
    """CSV text of `rows` (row k is the k-th line after the header) and the plain expectation."""
    lines = [_line(header, delim)]
    numbers = []
    for k, r in enumerate(rows, start=1):
        if r is None:
            lines.append("")
        elif isinstance(r, str):
            lines.append(r)
            if r.strip():  # a whitespace-only line is blank: not a row, but it keeps its number
                numbers.append(k)
        else:
            cells = good_row(k, marker) | dict(r)
            lines.append(_line([cells.get(h.strip(), "") for h in header], delim))
            numbers.append(k)
    text = newline.join(lines) + (newline if final_newline else "")
    return text, Expect(rows=len(numbers), numbers=tuple(numbers))


def _raw(k: int, marker: str | None, delim: str = ",", **over: str) -> str:
    """A raw line of good row `k` with some cells replaced verbatim (quotes and all)."""
    cells = good_row(k, marker) | over
    return _line([cells[h] for h in HEADER], delim)


def _csv_case(name: str, what: str, rows: Sequence[Row], *, marker: str | None, bad: Mapping[int, tuple[str, str]] = {},
              grouping_errors: Sequence[int] = (), encoding: str = "utf-8", delim: str = ",", newline: str = "\n",
              header: Sequence[str] = HEADER, patch: Callable[[bytes], bytes] | None = None, ids: bool = True,
              bad_run: Mapping[int, tuple[str, str]] | None = None, final_newline: bool = True,
              stop: tuple[str, ...] = ()) -> Case:
    text, exp = csv_text(rows, delim=delim, header=header, marker=marker, newline=newline, final_newline=final_newline)
    expect = Expect(exp.rows, exp.numbers, dict(bad), frozenset(grouping_errors), ids=ids)
    if stop:
        expect = Expect(rows=None, stop_words=stop)

    def write(folder: Path) -> Path:
        data = text.encode(encoding)
        if patch:
            data = patch(data)
        path = folder / name
        path.write_bytes(data)
        return path

    run = None if bad_run is None else Expect(exp.rows, exp.numbers, {**bad, **bad_run}, frozenset(grouping_errors), ids=ids)
    return Case(name, "csv", what, write, expect, run)


def _stop_case(name: str, fmt: str, what: str, data: bytes | Callable[[Path], Path], *words: str) -> Case:
    def write(folder: Path) -> Path:
        if callable(data):
            return data(folder)
        path = folder / name
        path.write_bytes(data)
        return path

    return Case(name, fmt, what, write, Expect(rows=None, stop_words=words))


def _zip_bytes(payload: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("activity.csv", payload)
    return buf.getvalue()


def _parquet_bytes(table: pa.Table, **kw: object) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf, **kw)  # type: ignore[arg-type]
    return buf.getvalue()


def csv_cases(marker: str | None = None) -> list[Case]:
    """CSV files. With `marker` every cell carries it; the expectations then hold for counts only."""
    m = marker
    g = [{}] * 5
    ok_text = csv_text(g, marker=m)[0].encode()
    nor = {"beh_hf": "Sørlandet sykehus HF", "bo_rhf": "Helse Sør-Øst"}
    cases = [
        _csv_case("csv_clean_comma.csv", "clean, comma", g, marker=m),
        _csv_case("csv_clean_semicolon.csv", "clean, semicolon", g, marker=m, delim=";"),
        _csv_case("csv_clean_tab.tsv", "clean, tab", g, marker=m, delim="\t"),
        _csv_case("csv_utf8_bom.csv", "UTF-8 with BOM", [nor] * 3, marker=m, encoding="utf-8-sig"),
        _csv_case("csv_cp1252.csv", "Windows-1252 (æøå as single bytes)", [nor, {}, nor], marker=m, encoding="cp1252"),
        _csv_case("csv_latin1.csv", "latin-1", [nor, nor], marker=m, encoding="latin-1", delim=";"),
        _csv_case("csv_utf16_bom.csv", "UTF-16 with BOM", [nor] * 3, marker=m, encoding="utf-16"),
        _csv_case("csv_utf16le_nobom.csv", "UTF-16-LE without BOM", [nor] * 3, marker=m, encoding="utf-16-le"),
        _csv_case("csv_utf16be_bom_crlf.csv", "UTF-16-BE with BOM, CRLF", [{}] * 3, marker=m, encoding="utf-16",
                  newline="\r\n"),
        _csv_case("csv_invalid_utf8.csv", "UTF-8 file with invalid bytes in row 3", [nor, {}, {"beh_hf": "@@BAD@@"}, nor],
                  marker=m, patch=lambda b: b.replace(b"@@BAD@@", b"Bod\xf8 \xff\xfe"), bad={3: (UNREADABLE, "beh_hf")}),
        _csv_case("csv_crlf.csv", "CRLF line ends", g, marker=m, newline="\r\n"),
        _csv_case("csv_cr_only.csv", "CR-only line ends", g, marker=m, newline="\r"),
        _csv_case("csv_lone_cr.csv", "LF file with a lone CR inside a cell of row 2", [{}, {"pasient_id": "p\rx"}, {}],
                  marker=m, bad={2: (UNREADABLE, "pasient_id")}),
        _csv_case("csv_lone_lf_in_cr_file.csv", "CR file with a lone LF inside a cell of row 2",
                  [{}, {"beh_hf": "a\nb"}, {}], marker=m, newline="\r", bad={2: (UNREADABLE, "beh_hf")}),
        _csv_case("csv_mixed_line_ends.csv", "LF and CRLF mixed", g, marker=m,
                  patch=lambda b: b.replace(b"\n", b"\r\n", 2)),
        _csv_case("csv_stray_quote_open.csv", "an opening quote that never closes (row 2) before 100 good rows",
                  [{}, _raw(2, m, hdiag='"I219'), *[{}] * 100], marker=m, bad={2: (UNREADABLE, "hdiag")}),
        _csv_case("csv_stray_quote_last.csv", "an unclosed quote in the last row", [{}, {}, _raw(3, m, beh_hf='"Helse')],
                  marker=m, bad={3: (UNREADABLE, "beh_hf")}, final_newline=False),
        _csv_case("csv_quote_mid_field.csv", "a quote inside an unquoted cell (kept as it is)",
                  [{}, {"pasient_id": 'p0"02'}, {}], marker=m),
        _csv_case("csv_quoted_delimiters.csv", "quoted cells with delimiters, doubled quotes and line-free text",
                  [{}, _raw(2, m, beh_hf='"Helse, ""Bergen"" HF"'), _raw(3, m, bdiag='"E119|I109"'), {}], marker=m),
        _csv_case("csv_ragged.csv", "row 2 has too few fields, row 4 too many", [{}, _raw(2, m).rsplit(",", 3)[0], {},
                  _raw(4, m) + ",x,y", {}], marker=m, bad={2: (UNREADABLE, "columns"), 4: (UNREADABLE, "columns")}),
        _csv_case("csv_blank_lines.csv", "blank and whitespace-only lines between rows", [{}, None, {}, "   ", {}, None, None],
                  marker=m),
        _stop_case("csv_empty.csv", "csv", "an empty file (0 bytes)", b"", "empty"),
        _csv_case("csv_header_only.csv", "a header and no rows", [], marker=m),
        _stop_case("csv_blank_only.csv", "csv", "only blank lines", b"\n\r\n  \n", "empty"),
        _stop_case("csv_duplicate_columns.csv", "csv", "a column name twice",
                   ("kjonn,kjonn," + ",".join(HEADER[3:]) + "\n" + "1,1," + ",".join("x" for _ in HEADER[3:]) + "\n").encode(),
                   "kjonn", "twice"),
        _csv_case("csv_no_hdiag.csv", "no hdiag column", [{}], marker=m, header=[h for h in HEADER if h != "hdiag"],
                  stop=("hdiag",)),
        _csv_case("csv_no_liggetid.csv", "no liggetid column", [{}], marker=m, header=[h for h in HEADER if h != "liggetid"],
                  stop=("liggetid",)),
        _csv_case("csv_numbers_as_text.csv", "NaN, NA, null, text, empty, 1e3, -1, 3.5 in numeric columns; ' 3 ' and '+3' are fine",
                  [{"liggetid": "NaN"}, {"liggetid": "NA"}, {"liggetid": "null"}, {"liggetid": "abc"}, {"liggetid": ""},
                   {"alder_dager": "1e3"}, {"liggetid": "-1"}, {"liggetid": "3.5"}, {"liggetid": " 3 "}, {"liggetid": "+3"},
                   {"kjonn": "NaN"}],
                  marker=m, bad={1: ("invalid_los", "liggetid"), 2: ("invalid_los", "liggetid"), 3: ("invalid_los", "liggetid"),
                                 4: ("invalid_los", "liggetid"), 5: ("invalid_los", "liggetid"),
                                 6: ("invalid_age_days", "alder_dager"), 7: ("invalid_los", "liggetid"),
                                 8: ("invalid_los", "liggetid"), 11: ("invalid_sex", "kjonn")}),
        _csv_case("csv_unicode_digits.csv", "Arabic-Indic, Persian, superscript and fullwidth digits",
                  [{"alder_dager": "٢٠٠٠٠"}, {"alder_dager": "²"}, {"alder_dager": "２００００"}, {"liggetid": "۳"},
                   {"kjonn": "١"}, {}],
                  marker=m, bad={1: ("invalid_age_days", "alder_dager"), 2: ("invalid_age_days", "alder_dager"),
                                 3: ("invalid_age_days", "alder_dager"), 4: ("invalid_los", "liggetid"),
                                 5: ("invalid_sex", "kjonn")}),
        _csv_case("csv_impossible_dates.csv", "impossible dates (not used for grouping; an error for isf run)",
                  [{"inn_dato": "2025-02-30"}, {"ut_dato": "2025-13-01"}, {"inn_dato": "31.12.2025"}, {"ut_dato": "0000-01-01"},
                   {"inn_dato": "2024-02-29"}],
                  marker=m, bad_run={1: ("invalid", "inn_dato"), 2: ("invalid", "ut_dato"), 3: ("invalid", "inn_dato"),
                                     4: ("invalid", "ut_dato")}),
        _csv_case("csv_nul_bytes.csv", "NUL and other control bytes in row 2", [{}, {"pasient_id": "p\x00\x01x"}, {}],
                  marker=m, bad={2: (UNREADABLE, "pasient_id")}),
        _csv_case("csv_long_line.csv", "a 300 000-character cell in row 2", [{}, {"beh_hf": "x" * 300_000}, {}],
                  marker=m, bad={2: (UNREADABLE, "line")}),
        _csv_case("csv_asterisk_only.csv", "hdiag empty while hdiag2 is set", [{"hdiag": "", "hdiag2": "G01"}, {}],
                  marker=m, bad={1: ("invalid_diagnoses", "hdiag")}),
        _csv_case("csv_error_return_codes.csv", "an unknown principal (rtc 9) and none at all (rtc 1)",
                  [{"hdiag": "ZZZ99"}, {"hdiag": ""}, {}], marker=m, grouping_errors=(1, 2)),
        _csv_case("csv_huge_numbers.csv", "1e400 and 23-digit numbers",
                  [{"alder_dager": "1e400"}, {"liggetid": "99999999999999999999999"}, {"kjonn": "300"}, {}],
                  marker=m, bad={1: ("invalid_age_days", "alder_dager"), 2: ("invalid_los", "liggetid"),
                                 3: ("invalid_sex", "kjonn")}),
        _csv_case("csv_wide_columns.csv", "wide bdiag1..3 / prosedyre1 columns instead of lists", [{}, {}],
                  marker=m, header=[h for h in HEADER if h not in ("bdiag", "prosedyrer")] + ["bdiag1", "bdiag2", "bdiag3",
                                                                                             "prosedyre1"]),
        _csv_case("csv_sex_letters.csv", "kjonn as M/K and an unknown letter", [{"kjonn": "M"}, {"kjonn": "K"}, {"kjonn": "X"}],
                  marker=m, bad={3: ("invalid_sex", "kjonn")}),
        _csv_case("csv_trailing_delimiters.csv", "a trailing delimiter on every line (an unnamed last column)", g[:3],
                  marker=m, patch=lambda b: b.replace(b"\n", b",\n")),
        _csv_case("csv_whitespace_header.csv", "column names with blanks around them", g[:3], marker=m,
                  header=[f" {h} " for h in HEADER]),
        _csv_case("csv_no_final_newline.csv", "no line break after the last row", g[:3], marker=m, final_newline=False),
        _csv_case("csv_list_separators.csv", "bdiag lists with '|' and ';' and blanks", [{"bdiag": "E119; I109"},
                  {"bdiag": "|E119||"}, {}], marker=m, delim=","),
        _stop_case("csv_zip_named_csv.csv", "csv", "a ZIP archive named .csv", _zip_bytes(ok_text), "ZIP"),
        _stop_case("csv_parquet_named_csv.csv", "csv", "a Parquet file named .csv",
                   _parquet_bytes(pa.table({"kjonn": [1]})), "Parquet"),
        _stop_case("xlsx_that_is_text.xlsx", "csv", "CSV text in a .xlsx file", ok_text, ".xlsx"),
        _stop_case("truncated.zip", "csv", "a truncated ZIP", _zip_bytes(ok_text * 50)[:300], ".zip"),
        _stop_case("csv_binary_garbage.csv", "csv", "random bytes", random.Random(7).randbytes(5000), "required"),
        _stop_case("csv_gzip.csv", "csv", "gzip-compressed CSV", b"\x1f\x8b\x08\x00" + b"\x00" * 40, "gzip"),
    ]
    return cases


# --- case strings ---------------------------------------------------------------------------------
def _cs(k: int, marker: str | None) -> str:
    return f"{1 + k % 2},{20000 + k},H,{k % 7},,I219" if not marker else f"{marker},{marker},H,{marker},,I219{marker},{marker}"


def _cs_case(name: str, what: str, lines: Sequence[str | None], *, bad: Mapping[int, tuple[str, str]] = {},
             encoding: str = "utf-8", newline: str = "\n", patch: Callable[[bytes], bytes] | None = None) -> Case:
    text = newline.join("" if x is None else x for x in lines) + (newline if lines else "")
    numbers = tuple(k for k, x in enumerate(lines, start=1) if x is not None and x.strip())

    def write(folder: Path) -> Path:
        data = text.encode(encoding)
        path = folder / name
        path.write_bytes(patch(data) if patch else data)
        return path

    return Case(name, "case-string", what, write, Expect(len(numbers), numbers, dict(bad), ids=False))


def case_string_cases(marker: str | None = None) -> list[Case]:
    """Case-string files. With `marker`, the expectations of rows hold only for counts."""
    m = marker
    return [
        _cs_case("cs_clean.txt", "clean case strings", [_cs(k, m) for k in range(1, 6)]),
        _cs_case("cs_blank_lines.txt", "blank lines between cases", [_cs(1, m), None, "  ", _cs(4, m)]),
        _cs_case("cs_bad_fields.txt", "malformed fields: text age, one field, Arabic-Indic digits, 201 fields",
                 [_cs(1, m), f"1,{m or ''}abc,H,3,,I219", "1", f"1,٣٠,H,3,,I219{m or ''}", "1," + "," * 200],
                 bad={2: ("invalid_age_days", "case_string"), 3: ("invalid_case", "case_string"),
                      4: ("invalid_case", "case_string"), 5: ("invalid_case", "case_string")}),
        _cs_case("cs_invalid_utf8.txt", "a UTF-8 file (ø in line 3) with invalid bytes in line 2",
                 [_cs(1, m), f"1,20000,H,3,,I2@@{m or ''}", f"1,20000,H,3,,Iø{m or ''}"],
                 patch=lambda b: b.replace(b"@@", b"\xff\xc3"),
                 bad={2: (UNREADABLE, "case_string"), 3: ("invalid_case", "case_string")}),
        _cs_case("cs_cp1252.txt", "a Windows-1252 byte (no UTF-8 anywhere): read as ÿ, not ASCII, so invalid",
                 [_cs(1, m), f"1,20000,H,3,,I2@@{m or ''}"], patch=lambda b: b.replace(b"@@", b"\xff"),
                 bad={2: ("invalid_case", "case_string")}),
        _cs_case("cs_cr_only.txt", "CR-only line ends", [_cs(k, m) for k in range(1, 4)], newline="\r"),
        _cs_case("cs_utf16.txt", "UTF-16 with BOM", [_cs(k, m) for k in range(1, 4)], encoding="utf-16"),
        _cs_case("cs_empty.txt", "an empty file", []),
    ]


# --- Parquet --------------------------------------------------------------------------------------
_TYPES = {"kontakt_id": pa.int64(), "kjonn": pa.int8(), "alder_dager": pa.int32(), "liggetid": pa.int32(),
          "omsorgsniva": pa.int8(), "debitor": pa.int16(), "utskrklar_dager": pa.int32()}


def typed_rows(n: int, marker: str | None = None, start: int = 1) -> dict[str, list[object]]:
    """Columns of `n` good rows in data-model types (Parquet); with `marker`, text columns carry it
    and numbers are out of range."""
    cols: dict[str, list[object]] = {h: [] for h in HEADER}
    for k in range(start, start + n):
        r = good_row(k)
        for h in HEADER:
            v: object = r[h]
            if h in _TYPES:
                v = int(r[h]) if not marker else 10**9 + int(r[h])
            elif h in ("bdiag", "prosedyrer"):
                v = [c for c in r[h].split("|") if c]
                v = [marker + c for c in v] if marker else v
            elif h in ("inn_dato", "ut_dato"):
                v = pa.scalar(r[h]).cast(pa.date32()).as_py()
            else:
                v = (marker + r[h] if r[h] else marker) if marker else (r[h] or None)
            cols[h].append(v)
    return cols


def _table(n: int, marker: str | None, start: int = 1, **over: pa.Array | list[object]) -> pa.Table:
    cols = typed_rows(n, marker, start)
    arrays = {}
    for h, values in cols.items():
        if h in over:
            arrays[h] = over[h] if isinstance(over[h], pa.Array) else pa.array(over[h])
        elif h in _TYPES:
            arrays[h] = pa.array(values, _TYPES[h] if not marker else pa.int64())
        elif h in ("bdiag", "prosedyrer"):
            arrays[h] = pa.array(values, pa.list_(pa.string()))
        elif h in ("inn_dato", "ut_dato"):
            arrays[h] = pa.array(values, pa.date32())
        else:
            arrays[h] = pa.array(values, pa.string())
    for h, v in over.items():
        if h not in arrays:
            arrays[h] = v if isinstance(v, pa.Array) else pa.array(v)
    return pa.table(arrays)


def _pq_case(name: str, what: str, table: Callable[[], pa.Table], *, bad: Mapping[int, tuple[str, str]] = {},
             grouping_errors: Sequence[int] = (), ids: bool = True, bad_run: Mapping[int, tuple[str, str]] | None = None,
             **write_kw: object) -> Case:
    def write(folder: Path) -> Path:
        path = folder / name
        pq.write_table(table(), path, **write_kw)  # type: ignore[arg-type]
        return path

    n = table().num_rows
    numbers = tuple(range(1, n + 1))
    run = None if bad_run is None else Expect(n, numbers, {**bad, **bad_run}, frozenset(grouping_errors), ids=ids)
    return Case(name, "parquet", what, write, Expect(n, numbers, dict(bad), frozenset(grouping_errors), ids=ids), run)


def _folder(name: str, parts: Sequence[pa.Table]) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        d = folder / name
        d.mkdir()
        for i, t in enumerate(parts):
            pq.write_table(t, d / f"part-{i}.parquet")
        (d / ".part-9.parquet.isf-tmp-1").write_bytes(b"half written")  # hidden: not part of the input
        (d / "README.txt").write_text("not a part file")
        return d
    return write


def _corrupt_rowgroup(folder: Path) -> Path:
    """Three row groups of 4 rows, page checksums written; a byte of row group 2's data flipped."""
    path = folder / "pq_corrupt_page.parquet"
    pq.write_table(_table(12, None), path, row_group_size=4, compression="none", write_page_checksum=True)
    meta = pq.ParquetFile(path).metadata
    col = meta.row_group(1).column(HEADER.index("beh_hf"))
    off = (col.dictionary_page_offset or col.data_page_offset) + col.total_compressed_size - 3
    data = bytearray(path.read_bytes())
    data[off] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


def parquet_cases(marker: str | None = None) -> list[Case]:
    m = marker
    part_a = _table(3, m, 1)
    part_b = _table(2, m, 4).cast(_table(2, m, 4).schema.set(HEADER.index("alder_dager"), pa.field("alder_dager", pa.int64())))
    cases = [
        _pq_case("pq_clean.parquet", "clean, data-model types", lambda: _table(5, m)),
        Case("pq_folder", "parquet", "a folder of parts (int32 and int64 ages), a hidden temp file and a README",
             _folder("pq_folder", [part_a, part_b]),
             Expect(5, (1, 2, 3, 1, 2), ids=False)),
        _pq_case("pq_asterisk_only.parquet", "hdiag null while hdiag2 is set (a row the old vectorised path dropped)",
                 lambda: _table(3, m, hdiag=["I219", None, "I219"], hdiag2=[None, "G01", None]),
                 bad={2: ("invalid_diagnoses", "hdiag")}),
        _pq_case("pq_float_liggetid.parquet", "liggetid as float: NaN, 2.5, inf, 3.0",
                 lambda: _table(5, None, liggetid=pa.array([float("nan"), 2.5, float("inf"), 3.0, None], pa.float64())),
                 bad={1: ("invalid_los", "liggetid"), 2: ("invalid_los", "liggetid"), 3: ("invalid_los", "liggetid"),
                      5: ("invalid_los", "liggetid")}),
        _pq_case("pq_text_numbers.parquet", "alder_dager as text: 'abc', '²', ' 20000 ', ''",
                 lambda: _table(4, None, alder_dager=pa.array(["abc", "²", " 20000 ", ""], pa.string())),
                 bad={1: ("invalid_age_days", "alder_dager"), 2: ("invalid_age_days", "alder_dager"),
                      4: ("invalid_age_days", "alder_dager")}),
        _pq_case("pq_decimal_age.parquet", "alder_dager as decimal: 20000.00 is fine, 20000.50 is not",
                 lambda: _table(2, None, alder_dager=pa.array([20000, 20000.5]).cast(pa.decimal128(10, 2))),
                 bad={2: ("invalid_age_days", "alder_dager")}),
        _pq_case("pq_uint64_huge.parquet", "liggetid as uint64 at its maximum",
                 lambda: _table(2, None, liggetid=pa.array([2**64 - 1, 3], pa.uint64())), bad={1: ("invalid_los", "liggetid")}),
        _pq_case("pq_bdiag_text.parquet", "bdiag as '|'-joined text", lambda: _table(3, m, bdiag=["E119|I109", "", None])),
        _pq_case("pq_dictionary.parquet", "hdiag and sektor dictionary-encoded (categorical)",
                 lambda: _table(3, None, hdiag=pa.array(["I219", "I219", "C189"]).dictionary_encode(),
                                sektor=pa.array(["somatikk"] * 3).dictionary_encode())),
        _pq_case("pq_null_columns.parquet", "hdiag2 and prosedyrer of null type",
                 lambda: _table(3, None, hdiag2=pa.nulls(3), prosedyrer=pa.nulls(3))),
        _pq_case("pq_large_types.parquet", "large_string and large_list columns",
                 lambda: _table(3, None, hdiag=pa.array(["I219"] * 3, pa.large_string()),
                                bdiag=pa.array([["E119"], [], None], pa.large_list(pa.large_string())))),
        _pq_case("pq_impossible_dates.parquet", "dates as text, one impossible (not used for grouping; an error for isf run)",
                 lambda: _table(2, None, inn_dato=pa.array(["2025-02-30", "2025-03-01"])), bad_run={1: ("invalid", "inn_dato")}),
        _pq_case("pq_empty.parquet", "no rows", lambda: _table(0, None)),
        Case("pq_corrupt_page.parquet", "parquet", "a flipped byte in row group 2 (page checksums)", _corrupt_rowgroup,
             Expect(12, tuple(range(1, 13)), {k: (UNREADABLE, "record") for k in (5, 6, 7, 8)})),
        _stop_case("pq_bdiag_int.parquet", "parquet", "bdiag as a list of integers",
                   _parquet_bytes(_table(2, m, bdiag=pa.array([[1, 2], []], pa.list_(pa.int64())))), "bdiag"),
        _stop_case("pq_bdiag_struct.parquet", "parquet", "bdiag as a struct",
                   _parquet_bytes(_table(2, m, bdiag=pa.array([{"a": "E119"}, {"a": None}]))), "bdiag"),
        _stop_case("pq_bdiag_map.parquet", "parquet", "bdiag as a map",
                   _parquet_bytes(_table(2, m, bdiag=pa.array([[("a", "E119")], []], pa.map_(pa.string(), pa.string())))),
                   "bdiag"),
        _stop_case("pq_hdiag_int.parquet", "parquet", "hdiag as integers", _parquet_bytes(_table(2, m, hdiag=[219, 189])),
                   "hdiag"),
        _stop_case("pq_kjonn_bool.parquet", "parquet", "kjonn as true/false", _parquet_bytes(_table(2, m, kjonn=[True, False])),
                   "kjonn"),
        _stop_case("pq_text_named_parquet.parquet", "parquet", "CSV text named .parquet",
                   csv_text([{}] * 3, marker=m)[0].encode(), "Parquet"),
        _stop_case("pq_truncated.parquet", "parquet", "the first half of a Parquet file",
                   _parquet_bytes(_table(50, m))[:2000], "Parquet"),
        _stop_case("pq_duplicate_columns.parquet", "parquet", "a column name twice",
                   _parquet_bytes(pa.Table.from_arrays([pa.array([1]), pa.array([2])], names=["kjonn", "kjonn"])), "kjonn"),
        _stop_case("pq_empty_folder", "parquet", "a folder without .parquet files",
                   lambda folder: (folder / "pq_empty_folder").mkdir() or folder / "pq_empty_folder", "no .parquet"),
        _stop_case("pq_folder_mixed_types", "parquet", "parts whose alder_dager types cannot be merged",
                   _folder("pq_folder_mixed_types", [_table(2, m), _table(2, m, alder_dager=["1", "2"])]), "types"),
        _stop_case("pq_no_hdiag.parquet", "parquet", "no hdiag column", _parquet_bytes(_table(2, m).drop_columns(["hdiag"])),
                   "hdiag"),
    ]
    return cases


def activity_cases(marker: str | None = None) -> list[Case]:
    """Every hostile activity input (isf group, isf run, web upload for the CSV ones)."""
    return [*csv_cases(marker), *case_string_cases(marker), *parquet_cases(marker)]


def write_all(folder: Path, cases: Sequence[Case]) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return {c.name: c.write(folder) for c in cases}


if __name__ == "__main__":  # pragma: no cover - a look at the corpus
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus")
    for name, path in write_all(out, activity_cases()).items():
        print(name, path)


# --- other commands: grouped activity (isf points), KPP (isf weights estimate), weight lists -----
GROUPED_HEADER = [*HEADER, "drg", "rtc", "rule", "mdc", "status", "error"]


def grouped_row(k: int, marker: str | None = None) -> dict[str, str]:
    """A row as `isf group` writes it for `good_row(k)` (demo logic, DRG 122 or 905O same day)."""
    row = good_row(k, marker)
    drg = "905O" if k % 7 == 0 else "122"
    return row | {"drg": drg, "rtc": "0", "rule": "", "mdc": "05", "status": "ok", "error": ""}


def _grouped_case(name: str, what: str, rows: Sequence[Row], *, marker: str | None, bad: Mapping[int, str] = {},
                  encoding: str = "utf-8", stop: tuple[str, ...] = ()) -> Case:
    """`bad`: row -> the column that must be named for it (the row must not count with a default)."""
    lines = [",".join(GROUPED_HEADER)]
    numbers = []
    for k, r in enumerate(rows, start=1):
        if r is None:
            lines.append("")
            continue
        lines.append(r if isinstance(r, str) else ",".join((grouped_row(k, marker) | dict(r))[h] for h in GROUPED_HEADER))
        numbers.append(k)
    text = "\n".join(lines) + "\n"

    def write(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(text.encode(encoding))
        return path

    exp = Expect(None, stop_words=stop) if stop else Expect(len(numbers), tuple(numbers), {k: ("", f) for k, f in bad.items()})
    return Case(name, "csv", what, write, exp)


def grouped_cases(marker: str | None = None) -> list[Case]:
    """Grouped activity with values the points step cannot use (isf points)."""
    m = marker
    return [
        _grouped_case("grouped_clean.csv", "clean grouped rows", [{}] * 4, marker=m),
        _grouped_case("grouped_bad_numbers.csv", "liggetid 'abc' and 'NaN', omsorgsniva 'x', debitor '²'",
                      [{"liggetid": "abc"}, {"liggetid": "NaN"}, {"omsorgsniva": "x"}, {"debitor": "²"}, {}], marker=m,
                      bad={1: "liggetid", 2: "liggetid", 3: "omsorgsniva", 4: "debitor"}),
        _grouped_case("grouped_impossible_dates.csv", "inn_dato 2025-02-30", [{"inn_dato": "2025-02-30"}, {}], marker=m,
                      bad={1: "inn_dato"}),
        _grouped_case("grouped_stray_quote.csv", "an unclosed quote in row 2 before 20 rows",
                      [{}, {"beh_hf": '"Helse'}, *[{}] * 20], marker=m, bad={2: "beh_hf"}),
        _grouped_case("grouped_cp1252.csv", "Windows-1252 text", [{"beh_hf": "Sørlandet sykehus HF"}] * 3, marker=m,
                      encoding="cp1252"),
        _grouped_case("grouped_empty.csv", "an empty file", [], marker=m, stop=("empty",)),
    ]


KPP_HEADER = ["kontakt_id", "beh_hf", "drg", "omsorgsniva", "liggetid", "utskrklar_dager", "kostnad", "liggetidskostnad",
              "egenandel"]


def kpp_row(k: int, marker: str | None = None) -> dict[str, str]:
    """A valid KPP record: DRG A or B at HF H1/H2, costs that give stable weights."""
    drg, hf = ("A", "B")[k % 2], ("H1", "H2")[(k // 2) % 2]
    los = 2 + k % 4
    row = {"kontakt_id": str(k), "beh_hf": hf, "drg": drg, "omsorgsniva": "1", "liggetid": str(los),
           "utskrklar_dager": "0", "kostnad": str(10000 + 1000 * (k % 5) + (5000 if drg == "A" else 0)),
           "liggetidskostnad": str(500 * los), "egenandel": "0"}
    if marker:
        row = {c: marker + v for c, v in row.items()}
    return row


def _kpp_case(name: str, what: str, rows: Sequence[Row], *, marker: str | None, rejected: int = 0,
              encoding: str = "utf-8", stop: tuple[str, ...] = (), header: Sequence[str] = KPP_HEADER) -> Case:
    lines = [",".join(header)]
    for k, r in enumerate(rows, start=1):
        lines.append(r if isinstance(r, str) else "" if r is None else ",".join((kpp_row(k, marker) | dict(r)).get(h, "")
                                                                                 for h in header))
    text = "\n".join(lines) + "\n" if rows or header else ""

    def write(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(text.encode(encoding))
        return path

    n = sum(1 for r in rows if r is not None)
    exp = Expect(None, stop_words=stop) if stop else Expect(n, bad={0: ("rejected", str(rejected))} if rejected else {})
    return Case(name, "csv", what, write, exp)


def kpp_cases(marker: str | None = None) -> list[Case]:
    """KPP cost files (isf weights estimate); `bad` holds the number of rows to be reported rejected."""
    m = marker
    base = [{}] * 24
    return [
        _kpp_case("kpp_clean.csv", "clean KPP rows", base, marker=m),
        _kpp_case("kpp_bad_costs.csv", "costs NaN, text, 1e400, negative, empty",
                  [*base, {"kostnad": "NaN"}, {"kostnad": "abc"}, {"kostnad": "1e400"}, {"kostnad": "-5"}, {"kostnad": ""},
                   {"liggetid": "2.5"}], marker=m, rejected=6),
        _kpp_case("kpp_empty.csv", "an empty file", [], marker=m, stop=("empty",), header=()),
        _kpp_case("kpp_header_only.csv", "a header and no rows", [], marker=m, stop=("no valid KPP rows",)),
        _kpp_case("kpp_missing_column.csv", "no kostnad column", base, marker=m, stop=("kostnad",),
                  header=[h for h in KPP_HEADER if h != "kostnad"]),
        _kpp_case("kpp_cp1252.csv", "Windows-1252 HF names", [{"beh_hf": "Sørlandet"}] * 24, marker=m, encoding="cp1252"),
        _kpp_case("kpp_stray_quote.csv", "an unclosed quote in row 3", [*base[:2], {"beh_hf": '"H1'}, *base[3:]], marker=m,
                  rejected=1),
    ]


def _weights_text(rows: Sequence[str]) -> str:
    return "drg,navn,vekt,trimpunkt,vekt_per_dag,gjsn_liggetid,dagkirurgi\n" + "\n".join(rows) + "\n"


def weight_cases(marker: str | None = None) -> list[Case]:
    """Weight lists (--old/--new of isf effects, --weights of isf run): each must stop, naming the file."""
    name = f"Demo {marker}" if marker else "Demo"
    ok = [f"A,{name} A,2.000,5,0.100,4.00,N", f"B,{name} B,1.000,5,0.100,4.00,N"]
    return [
        _stop_case("weights_xlsx_text.xlsx", "csv", "CSV text named .xlsx", _weights_text(ok).encode(), "weights_xlsx_text.xlsx"),
        _stop_case("weights_1e400.csv", "csv", "a weight of 1e400",
                   _weights_text([ok[0], f"B,{name},1e400,5,0.1,4.00,N"]).encode(), "vekt"),
        _stop_case("weights_nan.csv", "csv", "a weight NaN", _weights_text([ok[0], f"B,{name},NaN,5,0.1,4.00,N"]).encode(),
                   "vekt"),
        _stop_case("weights_empty.csv", "csv", "an empty file", b"", "weights_empty.csv"),
        _stop_case("weights_duplicate_drg.csv", "csv", "DRG A twice", _weights_text([*ok, ok[0]]).encode(), "A"),
        _stop_case("weights_truncated.xlsx", "csv", "a truncated workbook", _zip_bytes(b"x" * 5000)[:200],
                   "weights_truncated.xlsx"),
    ]
