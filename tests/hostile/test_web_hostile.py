"""The web app under hostile requests (in process, FastAPI's TestClient): 4xx for every bad
input, the security headers on every response (413, 500 and 503 included), uploads that
account for every row like `isf group`, and nothing sent ever echoed in an error or a log."""

from __future__ import annotations

import csv
import io
import logging
import re
from pathlib import Path

import anyio
import pytest
from fastapi.testclient import TestClient

from hostile.corpus import MARKER, Case, csv_cases, csv_text
from hostile.test_group_cli import check_rows
from isf.web.app import create_app
from isf.web.limits import SECURITY_HEADERS, Busy, WorkQueue

FORM = {"sex": "1", "age_years": "60", "los": "3", "discharge": "H", "care_level": "1", "dx1_1": "I219"}


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(logic="demo"), raise_server_exceptions=False)


def has_security_headers(r) -> bool:  # type: ignore[no-untyped-def]
    return all(r.headers.get(k) == v for k, v in SECURITY_HEADERS.items())


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"age_years": "²"}, 400),
        ({"age_years": "٣٠"}, 400),  # Arabic-Indic digits are not an age
        ({"age_days": "２０"}, 400),  # nor fullwidth ones
        ({"age_years": "9" * 190}, 400),
        ({"birth_date": "2020-02-30", "contact_date": "2021-01-01", "age_years": ""}, 400),
        ({"birth_date": "２０２０-01-01", "contact_date": "2021-01-01", "age_years": ""}, 400),
        ({"birth_date": "0001-01-01", "contact_date": "9999-12-31", "age_years": ""}, 400),
        ({"case_string": "1,٣٠,H,3,,I219"}, 400),
        ({"case_string": "1," + "9" * 3000 + ",H,3,,I219"}, 400),
        ({"case_string": "1,20000,H,3" + ",x" * 200}, 400),
        ({"dx1_1": "I219\x00"}, 400),
        ({"sex": "1\ud7ff"}, 400),
        ({"dx1_1": "x" * 131_072}, 413),  # a field over 128 KB: past the 64 KB form limit
        ({f"f{i}": "1" for i in range(401)}, 413),  # more than 400 fields
    ],
)
@pytest.mark.parametrize("path", ["/", "/compare"])
def test_bad_form_input_is_4xx_with_headers(client, path, data, status):
    r = client.post(path, data=FORM | data)
    assert r.status_code == status, r.text[:300]
    assert has_security_headers(r)


def test_raw_bodies_that_are_not_forms(client):
    for body, ctype in [(b"\xff\xfe\x00garbage", "application/x-www-form-urlencoded"), (b"%%%&&&==", ""),
                        (b"--x\r\nbroken", "multipart/form-data; boundary=x"), (b"{}", "application/json")]:
        r = client.post("/", content=body, headers={"content-type": ctype} if ctype else {})
        assert 400 <= r.status_code < 500 and has_security_headers(r), (body, r.status_code)


@pytest.mark.parametrize(
    ("files", "data", "status"),
    [
        ({"file": ("a.csv", b"kjonn\n1\n")}, {f"x{i}": "1" for i in range(9)}, 413),  # more than 8 parts
        ({"file": ("a.csv", b"kjonn\n1\n")}, {"logic": "D" * 2000}, 413),  # a field over 1 KB
        ({"file": ("a.csv", b"x"), "file2": ("b.csv", b"y")}, {}, 413),  # two files
        ({"file": ("a.csv", b"x" * (2 * 1024 * 1024 + 1))}, {}, 413),  # the file over 2 MB
        ({"other": ("a.csv", b"case_string\n1,20000,H,3,,I219\n")}, {}, 400),  # no field named file
        ({"file": ("a.csv", b"case_string\n1,20000,H,3,,I219\n")}, {"logic": "NOPE"}, 400),
    ],
)
def test_upload_limits(client, files, data, status):
    r = client.post("/batch", files=files, data=data)
    assert r.status_code == status and has_security_headers(r)


def test_upload_that_is_not_multipart(client):
    for ctype in ("text/csv", "multipart/form-data", "multipart/form-data; boundary="):
        r = client.post("/batch", content=b"kjonn\n1\n", headers={"content-type": ctype})
        assert r.status_code == 400 and has_security_headers(r)


def test_oversized_bodies_are_413_streamed_or_declared(client):
    def gen():
        for _ in range(80):
            yield b"a=" + b"1" * 1024

    r = client.post("/", content=gen(), headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413 and has_security_headers(r)
    r = client.post("/lookup", content=b"x" * 10, headers={"content-length": "999999999999"})
    assert r.status_code == 413 and has_security_headers(r)
    r = client.post("/", content=b"a=1", headers={"content-length": "-5"})
    assert 400 <= r.status_code < 500


def test_every_kind_of_response_has_the_security_headers(client):
    for r in (client.get("/"), client.get("/nowhere"), client.post("/lookup"), client.get("/static/style.css"),
              client.get("/api/codes", params={"q": "I2"}), client.get("/api/codes"), client.get("/batch")):
        assert has_security_headers(r), (r.url, r.status_code)


def test_internal_error_is_500_with_headers_and_one_line_without_data(monkeypatch, caplog):
    import isf.web.app as web

    def boom(*a, **k):
        raise RuntimeError(f"secret {MARKER}")

    monkeypatch.setattr(web, "explain", boom)
    c = TestClient(web.create_app(logic="demo"), raise_server_exceptions=False)
    caplog.set_level(logging.DEBUG)
    r = c.post("/", data=FORM | {"dx2_1": "A" + MARKER})
    assert r.status_code == 500 and has_security_headers(r) and MARKER not in r.text
    lines = [rec for rec in caplog.records if rec.name.startswith("isf")]
    assert len(lines) == 1 and lines[0].getMessage() == "internal error (RuntimeError) on POST /"
    assert lines[0].exc_info is None
    assert not any(MARKER in rec.getMessage() or (rec.exc_text or "").count(MARKER) for rec in caplog.records)


def test_work_queue_answers_busy_when_full():
    async def main() -> None:
        q = WorkQueue(workers=1, waiting=1)
        gate = anyio.Event()
        results: list[object] = []

        def slow() -> str:
            anyio.from_thread.run(gate.wait)
            return "done"

        async def job() -> None:
            results.append(await q.run(slow))

        async with anyio.create_task_group() as tg:
            tg.start_soon(job)
            tg.start_soon(job)
            await anyio.sleep(0.2)
            with pytest.raises(Busy):
                await q.run(lambda: "third")
            gate.set()
        assert results == ["done", "done"] and q.pending == 0

    anyio.run(main)


def _upload(client: TestClient, data: bytes):  # type: ignore[no-untyped-def]
    return client.post("/batch", files={"file": ("up.csv", data)}, data={"logic": "DEMO"})


# The page reads what was sent, not its file name: CSV text named .xlsx is simply CSV there.
@pytest.mark.parametrize("case", [c for c in csv_cases() if c.fmt == "csv" and c.name != "xlsx_that_is_text.xlsx"], ids=str)
def test_upload_accounts_for_every_row(client, case: Case, tmp_path: Path):
    data = case.write(tmp_path).read_bytes()
    r = _upload(client, data)
    assert has_security_headers(r)
    if case.expect.rows is None or len(data) > 2 * 1024 * 1024:
        assert r.status_code in (400, 413), (case.name, r.status_code)
        return
    if case.expect.rows == 0:
        assert r.status_code == 400 and "ingen rader" in r.text
        return
    assert r.status_code == 200, (case.name, r.text[:500])
    rows = [{k: (v or None) for k, v in row.items()} for row in csv.DictReader(io.StringIO(r.text))]
    check_rows(case, rows)


def _outside_form_values(html: str) -> str:
    """The page without what the form echoes back to its user (input values, the textarea)."""
    html = re.sub(r'value="[^"]*"', "", html)
    return re.sub(r"<textarea[^>]*>.*?</textarea>", "", html, flags=re.DOTALL)


@pytest.mark.slow
def test_no_value_sent_shows_up_in_errors_or_logs(client, caplog, tmp_path: Path):
    """A fødselsnummer-like marker in every field of every input: never in an error, never logged."""
    caplog.set_level(logging.DEBUG)
    form = {k: MARKER for k in [*FORM, "age_days", "birth_date", "contact_date", "case_string", "dx1_2", "proc1",
                                "year", "logic", "lang"]}
    for path in ("/", "/compare"):
        for data in (form, form | {"case_string": ""}, {**form, "case_string": f"1,{MARKER},H,3,,I219"},
                     {**form, "case_string": "", "age_years": "60", "dx1_1": "I219", "sex": "1", "los": "3",
                      "discharge": "H", "care_level": "1", "birth_date": "", "contact_date": "", "age_days": ""}):
            r = client.post(path, data=data)
            assert r.status_code in (200, 400), (path, r.status_code)
            assert MARKER not in _outside_form_values(r.text), path
    r = client.get("/lookup", params={"code": MARKER, "drg": MARKER, "logic": MARKER})
    assert MARKER not in r.text
    r = client.get("/api/codes", params={"q": MARKER[:10], "logic": MARKER})
    assert MARKER not in r.text
    for case in csv_cases(marker=MARKER):
        data = case.write(tmp_path).read_bytes()
        r = _upload(client, data)
        if r.status_code == 200:  # the grouped file holds the data itself; its errors must not
            errors = [row["error"] or "" for row in csv.DictReader(io.StringIO(r.text))]
            assert not [e for e in errors if MARKER in e], case.name
        else:
            assert MARKER not in r.text, case.name
    r = client.post("/batch", files={"file": ("x.csv", MARKER.encode() * 10)}, data={"logic": MARKER, "lang": MARKER})
    assert MARKER not in r.text
    server_side = [rec for rec in caplog.records if not rec.name.startswith("httpx")]  # the test's own client logs URLs
    assert not [rec for rec in server_side if MARKER in rec.getMessage()]


def test_form_page_keeps_working_after_hostile_requests(client):
    r = client.post("/", data=FORM)
    assert r.status_code == 200 and 'data-testid="drg">122<' in r.text
    assert csv_text([{}])[0]  # the corpus helper stays importable by other suites
