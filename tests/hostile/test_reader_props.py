"""Property tests: any CSV (hostile lines among good ones, any delimiter, line end and encoding)
comes out with one row per non-blank line after the header, each good row unchanged and in
place, every other row with a status and an error naming its row; any bytes at all give rows
or one `InputError`, never another exception."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tiers import examples

from hostile.corpus import HEADER, good_row
from isf.batch.engine import group_stream
from isf.errors import InputError, Status

pytestmark = pytest.mark.slow

# Hostile text: quotes, delimiters, control bytes, non-ASCII letters and digits; no line breaks
# and no control characters that Python counts as blank (they would make the oracle guess).
_CHARS = st.one_of(
    st.sampled_from(list('",;\t|"""\x00\x01\x7f\x1b\xa0 ') + ["ø", "Å", "٣", "²", "€", "\ufeff", "\u2028", "\ufffd"]),
    st.characters(codec="utf-8", exclude_categories=("Cs",),
                  exclude_characters="\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85"),
)
_LINE = st.one_of(
    st.just("good"),
    st.just(""),
    st.text(_CHARS, min_size=1, max_size=60),
    st.lists(st.text(_CHARS, max_size=8), min_size=1, max_size=25).map(lambda cells: ",".join(cells)),
)
SETTINGS = settings(max_examples=examples(120), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(lines=st.lists(_LINE, max_size=30), delim=st.sampled_from([",", ";", "\t"]),
       newline=st.sampled_from(["\n", "\r\n", "\r"]), encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_every_line_is_a_row_with_its_number(demo_logic, lines, delim, newline, encoding):
    text_lines = [delim.join(HEADER)]
    good: dict[int, int] = {}  # row number -> position among rows
    numbers: list[int] = []
    for k, line in enumerate(lines, start=1):
        if line == "good":
            line = delim.join(good_row(k)[h] for h in HEADER)
            good[k] = len(numbers)
        if newline == "\r":
            line = line.replace("\r", "")
        text_lines.append(line)
        if line.strip():
            numbers.append(k)
    data = (newline.join(text_lines) + newline).encode(encoding, errors="replace")
    out, stats = group_stream(demo_logic, data, fmt="csv")
    rows = list(csv.DictReader(io.StringIO(out.decode("utf-8"))))
    assert len(rows) == stats.rows == len(numbers)
    statuses = {s.value for s in Status}
    for pos, (number, row) in enumerate(zip(numbers, rows, strict=True)):
        assert row["status"] in statuses
        if number in good:
            assert good[number] == pos
            assert (row["status"], row["kontakt_id"], row["hdiag"]) == ("ok", str(number), "I219") and row["drg"], (number, row)
        elif row["status"] != "ok":
            assert row["error"].startswith(f"row {number}: "), (number, row["error"])


@settings(max_examples=examples(150), deadline=None)
@given(data=st.binary(max_size=3000), fmt=st.sampled_from(["csv", "case-string"]))
def test_any_bytes_give_rows_or_one_input_error(demo_logic, data, fmt):
    try:
        out, stats = group_stream(demo_logic, data, fmt=fmt)
    except InputError as e:
        assert str(e)
        return
    rows = list(csv.DictReader(io.StringIO(out.decode("utf-8"))))
    assert len(rows) == stats.rows
    for row in rows:
        assert row["status"] == "ok" or row["error"].startswith("row ")
