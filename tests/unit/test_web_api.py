"""The web app through FastAPI's TestClient: forms, API, look-up, CSV upload, limits, privacy.

Expected DRGs come from the demo logic tables (SOURCE: src/isf/data/demo_logic/drg_logic.csv,
rule 105D060 -> DRG 122 for dgcat 05M01) and, for points, from isf.points.explain_points with
the bundled demo weights, recomputed here independently of the page.
"""

from __future__ import annotations

import csv
import io
import logging
import re

import pytest
from fastapi.testclient import TestClient

from isf.definitions import available_logics, load_logic
from isf.formatting import kroner as kroner_text
from isf.grouping import group, make_case
from isf.web.app import create_app
from isf.web.batch import MAX_BYTES
from isf.web.forms import age_in_days, parse_case_form

HAS_NOR2015 = available_logics().get("NOR2015") is not None and available_logics()["NOR2015"].exists()
CASE = {"sex": "1", "age_years": "60", "los": "3", "discharge": "H", "care_level": "1", "dx1_1": "I219"}


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(logic="demo"))


def _texts(html: str, testid: str) -> list[str]:
    return re.findall(rf'data-testid="{testid}">([^<]*)<', html)


def test_group_form_shows_drg_and_trace(client):
    r = client.post("/", data=CASE | {"year": ""})
    assert r.status_code == 200
    assert _texts(r.text, "drg") == ["122"]
    assert _texts(r.text, "rule") == ["105D060"]
    assert "Akutt hjerteinfarkt" in r.text  # DRG name from drg_name.csv
    trace = r.text.split('data-testid="trace"')[1]
    assert "dgcat" in trace and "05M01" in trace  # the condition that matched and its value
    assert "DGCAT" in trace and "I219" in trace  # the code's properties
    assert "Regler som nesten slo til" in trace  # near misses (112A/112B need procedures)
    assert _texts(r.text, "points-missing")  # no year chosen: says points are missing


def test_points_and_kroner_match_points_module(client):
    from isf.params import load_params
    from isf.points import explain_points, kroner
    from isf.weights.weightlist import load_weights

    r = client.post("/", data=CASE | {"los": "30", "year": "2025"})
    w, p = load_weights("demo", year=2025), load_params(2025, demo=True)
    row = {"drg": "122", "status": "ok", "sektor": "somatikk", "debitor": 1, "omsorgsniva": 1,
           "liggetid": 30, "utskrklar_dager": 0, "ambulant": False}
    pts = explain_points(row, w, p)[-1].value
    kr = kroner(pts, p.decimal("somatikk", "enhetspris"), p.decimal("somatikk", "isf_andel"))
    assert _texts(r.text, "points") == [f"{pts:.3f}".replace(".", ",")]
    assert _texts(r.text, "kroner")[0].strip() == kroner_text(kr, nbsp=True)  # 54 512,64 kr, to the øre
    assert "poeng_langligger" in r.text  # the component table explains the long-stay part


def test_birth_and_contact_date_give_age_in_days():
    f = parse_case_form({"birth_date": "2000-01-01", "contact_date": "2000-03-01", "dx1_1": "P220"}, labels={})
    assert f.case is not None and f.case.age_days == 60
    assert age_in_days(years=1, days=0) == 365 and age_in_days(years=4, days=2) == 1463


@pytest.mark.parametrize(
    ("data", "field", "snippet"),
    [
        ({"age_years": "x"}, "age_years", "helt tall"),
        ({"age_years": "200"}, "age_years", "mellom 0 og 130"),
        ({"age_years": ""}, "age_years", "må fylles ut"),
        ({"dx1_1": "I2!9"}, "dx1_1", "ikke en gyldig kode"),
        ({"dx2_1": "", "dx2_2": "G01"}, "dx2_1", "stjernekode uten korskode"),
        ({"birth_date": "2020-05-01", "contact_date": "2020-04-01", "age_years": ""}, "contact_date", "før fødselsdato"),
        ({"sex": "7"}, "sex", "ugyldig verdi"),
        ({"case_string": "1,abc,H"}, "case_string", "Grupperingsstrengen er ugyldig"),
    ],
)
def test_validation_messages(client, data, field, snippet):
    r = client.post("/", data=CASE | data)
    assert r.status_code == 400
    summary = r.text.split('id="errors"')[1].split("</div>")[0]
    assert f'href="#{field}"' in summary and snippet in summary
    assert not _texts(r.text, "drg")


def test_english_labels(client):
    r = client.get("/?lang=en")
    assert '<html lang="en">' in r.text and "Principal diagnosis" in r.text and "Hoveddiagnose" not in r.text
    r = client.post("/", data=CASE | {"age_years": "x", "lang": "en"})
    assert "must be a whole number" in r.text


def test_case_string_is_used_instead_of_fields(client):
    r = client.post("/", data={"case_string": "1,20000,H,3,,I219", "year": ""})
    assert _texts(r.text, "drg") == ["122"]


def test_codes_api_prefix_search(client):
    r = client.get("/api/codes", params={"q": "i21", "kind": "dx"})
    codes = [c["code"] for c in r.json()["codes"]]
    assert codes and all(c.upper().startswith("I21") for c in codes) and codes == sorted(codes)
    assert {"code": "I219", "label": "05M01"} in r.json()["codes"]
    procs = client.get("/api/codes", params={"q": "FNG", "kind": "proc"}).json()["codes"]
    assert "FNG02" in [c["code"] for c in procs]
    assert client.get("/api/codes", params={"q": "I", "kind": "dx", "limit": 3}).json()["codes"].__len__() == 3
    assert client.get("/api/codes", params={"q": "I21", "kind": "xx"}).status_code == 422
    assert client.get("/api/codes", params={"q": "", "kind": "dx"}).status_code == 422
    assert client.get("/api/codes", params={"q": "I21", "logic": "NOPE"}).status_code == 400


@pytest.mark.skipif(not HAS_NOR2015, reason="NOR2015 tables not beside the repo")
def test_compare_highlights_differences(client):
    r = client.post("/compare", data=CASE | {"dx1_1": "C189", "logic_a": "DEMO", "logic_b": "NOR2015"})
    assert r.status_code == 200
    rows = dict(re.findall(r'<tr class="(diff|same)" data-row="(\w+)"', r.text)[i][::-1]
                for i in range(len(re.findall(r'<tr class="(diff|same)" data-row', r.text))))
    demo, nor = load_logic("demo"), load_logic("NOR2015")
    case = make_case(sex="1", age_days=age_in_days(years=60, days=0), los=3, diagnoses=["C189"])
    a, b = group(demo, case), group(nor, case)
    assert a.drg != b.drg
    assert rows["drg"] == "diff" and rows["rule"] == "diff" and rows["mdc"] == ("diff" if a.mdc != b.mdc else "same")
    assert "≠" in r.text


def test_compare_same_logic_two_years_only_points_differ(client):
    r = client.post("/compare", data=CASE | {"logic_a": "DEMO", "logic_b": "DEMO", "year_a": "2024", "year_b": "2025"})
    rows = {k: v for v, k in re.findall(r'<tr class="(diff|same)" data-row="(\w+)"', r.text)}
    assert rows["drg"] == "same" and rows["rule"] == "same"
    assert rows["points"] == "diff"  # DRG 122: vekt 1.050 in demo_2024.csv, 1.040 in demo_2025.csv
    assert rows["kroner"] == "diff"


def test_lookup_pages(client):
    r = client.get("/lookup", params={"code": "I219"})
    routes = r.text.split('data-testid="routes"')[1]
    assert "105D060" in routes and ">122<" in routes
    r = client.get("/lookup", params={"drg": "122"})
    contents = r.text.split('data-testid="contents"')[1]
    assert "dgcat 05M01" in contents and "I219" in contents
    assert "finnes ikke" in client.get("/lookup", params={"code": "ZZZ99"}).text


def _read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_batch_case_strings_round_trip(client):
    body = "case_string\n1,20000,H,3,,I219\n1,abc,H,3,,I219\n2,9000,H,0,,C189\n"
    r = client.post("/batch", files={"file": ("cases.csv", body.encode())}, data={"logic": "DEMO"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = _read_csv(r.text)
    assert len(rows) == 3  # the bad row is kept, not dropped
    assert rows[0]["drg"] == "122" and rows[0]["status"] == "ok" and rows[0]["rule"] == "105D060"
    # the same status contract as `isf group`: row (after the header) and field, never the value
    assert rows[1]["status"] == "invalid_age_days" and rows[1]["error"] == "row 2: case_string: age_days: not a whole number"
    assert rows[2]["drg"] == group(load_logic("demo"), make_case(sex="2", age_days=9000, diagnoses=["C189"])).drg


def test_batch_activity_columns(client):
    body = ("kontakt_id;kjonn;alder_dager;utskr_maate;liggetid;hdiag;hdiag2;bdiag;prosedyrer\n"
            "1;1;20000;H;3;I219;;E119;FNG02\n2;2;20000;H;3;;;;\n")
    r = client.post("/batch", files={"file": ("a.csv", body.encode())}, data={"logic": "DEMO"})
    rows = _read_csv(r.text)
    assert [x["kontakt_id"] for x in rows] == ["1", "2"]
    expect = group(load_logic("demo"), make_case(sex="1", age_days=20000, los=3, diagnoses=["I219", "E119"],
                                                 procedures=["FNG02"]))
    assert rows[0]["drg"] == expect.drg and rows[0]["status"] == "ok"
    # no principal diagnosis: NordDRG's return code 1 keeps DRG 470, but not as ok
    assert rows[1]["status"] == "grouping_error" and rows[1]["drg"] == "470" and rows[1]["error"] == "row 2: rtc: NordDRG return code 1"


@pytest.mark.parametrize(
    ("payload", "status", "snippet"),
    [
        (b"case_string\n" + b"1,20000,H,3,,I219\n" * 10_001, 413, "for mange rader"),
        (b"a,b\n1,2\n", 400, "Fant ikke kolonnen"),
        (b"case_string\n", 400, "ingen rader"),
        (b"\n \n", 400, "ingen rader"),
        (b"PK\x03\x04\x14\x00", 400, "ikke CSV-tekst"),
        (b"kjonn,kjonn,alder_dager,liggetid,hdiag\n1,1,2,3,I219\n", 400, "samme navn kjonn"),
    ],
)
def test_batch_file_problems(client, payload, status, snippet):
    r = client.post("/batch", files={"file": ("x.csv", payload)}, data={"logic": "DEMO"})
    assert r.status_code == status and snippet in r.text


def test_batch_size_limit(client):
    big = b"case_string\n" + b"x" * (MAX_BYTES + 10)
    r = client.post("/batch", files={"file": ("big.csv", big)})
    assert r.status_code == 413 and "for stor" in r.text


def test_batch_without_file(client):
    r = client.post("/batch", files={"other": ("x.txt", b"")}, data={"logic": "DEMO"})
    assert r.status_code == 400 and "Velg en CSV-fil" in r.text


def test_security_headers_and_no_logging(client, caplog):
    caplog.set_level(logging.DEBUG)
    r = client.post("/", data=CASE | {"dx1_1": "Q8799"})
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-store"
    assert not any("Q8799" in rec.getMessage() for rec in caplog.records)


def test_oversized_form_is_refused(client):
    r = client.post("/", content=b"a=" + b"x" * 70_000, headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413


def test_unknown_page_is_404_in_chosen_language(client):
    r = client.get("/nowhere?lang=en")
    assert r.status_code == 404 and "Page not found" in r.text


def test_serve_command_registers_with_typer():
    import typer
    from typer.testing import CliRunner

    from isf.cli.serve import serve_command

    app = typer.Typer()
    app.command("serve")(serve_command)
    app.command("noop")(lambda: None)
    res = CliRunner().invoke(app, ["serve", "--help"])
    assert res.exit_code == 0 and "--port" in res.output and "--logic" in res.output
