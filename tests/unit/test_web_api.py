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


# --- issue 13: bokmål and English throughout, readable rules, sectors, DEMO -----------------------
LONG = CASE | {"los": "30", "year": "2025"}


def _visible(html: str) -> str:
    """The page's text without the sources column (seed quotes are citations, kept verbatim)."""
    html = re.sub(r'<td class="src">.*?</td>', "", html, flags=re.DOTALL)
    html = re.sub(r"<(script|style|datalist)[^>]*>.*?</\1>", "", html, flags=re.DOTALL)
    return re.sub(r"<[^>]+>", " ", html).replace("\u00a0", " ")


def test_bokmal_page_has_no_english_explanations(client):
    # issue 13: 'Explanations are half English (`needs a valid principal diagnosis`, `vekt of DRG 122`,
    # `sum of the components`)'
    text = _visible(client.post("/", data=LONG).text)
    for english in ("needs a valid principal diagnosis", "of DRG", "sum of the components", "Failed", "does not apply",
                    "case:", "no procedure with", "length of stay is", "grouped"):
        assert english not in text, english
    assert "gyldig hoveddiagnose" in text and "gjelder ikke" in text and "liggetiden er 30 dager" in text


def test_english_page_has_no_bokmal_explanations(client):
    text = _visible(client.post("/?lang=en", data=LONG | {"lang": "en"}).text)
    for bokmal in ("gjelder ikke", "liggedager", "vekt 1", "hoveddiagnose", "saken:", "Forklaring", "utskrivningsklar",
                   "Gruppert", "mangler"):
        assert bokmal not in text, bokmal
    assert "a valid principal diagnosis" in text and "days of stay" in text and "weight 1.04 (DRG 122)" in text


def test_rule_conditions_read_as_words_with_the_raw_value_beside(client):
    # issue 13: 'rule syntax is raw (`or N`, `procpro 05S01 or P` reads as the word "or")'
    nb, en = client.post("/", data=LONG).text, client.post("/?lang=en", data=LONG | {"lang": "en"}).text
    for html in (nb, en):
        near = html.split('class="near-list"')[1].split("</ol>")[0]
        first = re.search(r'→ DRG 112B: [^<]*<span class="cond-text">([^<]+)</span> <code class="sub">or P</code>', near)
        assert first, near
        words = first.group(1)
        assert words != "or P" and len(words.split()) >= 3 and "OR" in words
    nb_words = re.search(r'112B: [^<]*<span class="cond-text">([^<]+)<', nb).group(1)
    en_words = re.search(r'112B: [^<]*<span class="cond-text">([^<]+)<', en).group(1)
    assert nb_words != en_words
    matched = nb.split('class="conds"')[1].split("</table>")[0]
    assert re.search(r'<th scope="row" class="cond-text">[^<]+</th><td><code>dgcat 05M01</code>', matched)


def test_describe_condition_covers_every_rule_column():
    # the lookup page words a rule's columns with the grouping's own units (one wording)
    from isf.grouping.criteria import describe_condition

    cases = {("icd", "+"): "gyldig hoveddiagnose", ("or", "N"): "ingen OR-prosedyre med OR 1",
             ("procpro", "05S01"): "prosedyre med egenskap 05S01", ("dgprop1", "-05X01"): "ingen diagnose eller",
             ("agelim", "<=17"): "alder høyst 17 dager", ("dur", "<1"): "liggetid under 1 dag",
             ("sex", "F"): "kvinne", ("disch", "E"): "død", ("compl", "1"): "minst én komplikasjon",
             ("secpro", "-"): "ingen annen prosedyre med OR 1", ("mdc", "-05"): "utenfor MDC 05"}
    for (col, req), words in cases.items():
        assert words in describe_condition(col, req, "nb"), (col, req)
        assert describe_condition(col, req, "en") != describe_condition(col, req, "nb"), (col, req)
    named = describe_condition("dgcat", "05M01", "en", lambda k, v: "Acute MI" if (k, v) == ("DGCAT", "05M01") else "")
    assert named == "principal diagnosis in category 05M01 (Acute MI)"


@pytest.mark.skipif(not (available_logics().get("NOR2012") and available_logics()["NOR2012"].exists()),
                    reason="needs ../shared (NOR2012 dBase release)")
def test_property_texts_from_the_release(client):
    # issue 13: 'properties (05M01, 05X01 …) have no descriptions'
    r = client.post("/", data=CASE | {"logic": "NOR2012", "dx1_1": "J189"})
    codes = r.text.split('data-testid="codes"')[1].split("</table>")[0]
    assert 'title="Simple pneumonia and pleurisy"' in codes and '<span class="ptext">Simple pneumonia and pleurisy' in codes
    assert "Lungebetennelse" in _texts(r.text, "drg-name")[0]  # the release's DRG name, not a dash


def test_drg_name_is_a_dash_only_when_nothing_names_it(client):
    # issue 13: 'DRG names show "–" for the real logics'
    if not HAS_NOR2015:
        pytest.skip("needs ../shared (NOR2015)")
    r = client.post("/", data=CASE | {"logic": "NOR2015", "year": "2026"})
    name = r.text.split('data-testid="drg-name">')[1].split("</dd>")[0]
    assert "Akutt hjerteinfarkt" in name and "navn fra vektlisten" in name  # NOR2015 names none: the list does
    r = client.post("/", data=CASE | {"logic": "NOR2015", "year": ""})
    assert _texts(r.text, "drg-name") == ["–"]


@pytest.mark.parametrize(("sektor", "dx", "care", "drg"), [("phv", "F320", "3", "919O"), ("tsb", "F102", "3", "920O")])
def test_phv_and_tsb_points(client, sektor, dx, care, drg):
    # issue 13: 'No sector field, so PHV/TSB points cannot be tried'
    from decimal import ROUND_HALF_UP, Decimal

    from isf.formatting import points as points_text
    from isf.params import load_params
    from isf.weights.weightlist import load_weights

    data = CASE | {"los": "0", "care_level": care, "dx1_1": dx, "year": "2026", "sektor": sektor}
    r = client.post("/", data=data)
    assert _texts(r.text, "drg") == [drg]
    w, p = load_weights("demo", year=2026), load_params(2026, demo=True)
    vekt = w.get(drg).vekt
    assert _texts(r.text, "points") == [points_text(vekt, nbsp=True)]
    kr = (vekt * p.decimal("phv_tsb", "enhetspris") * p.decimal("phv_tsb", "isf_andel")).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP)  # the one money rule (isf.settlement.fixed.kroner)
    assert _texts(r.text, "kroner")[0].strip() == kroner_text(kr, nbsp=True)  # PHV/TSB price and 25 % share
    assert f'<option value="{sektor}" selected>' in r.text
    inpatient = client.post("/", data=data | {"care_level": "1", "los": "5"})
    assert "omsorgsnivå 1 i " + sektor + " er ikke i ISF" in _texts(inpatient.text, "points-reason")[0]


def test_demo_is_labelled_where_kroner_surface(client):
    # guide: 'demo values are labelled DEMO everywhere they surface (summary, report, web)'
    r = client.post("/", data=LONG)
    money = r.text.split('data-testid="money"')[1].split("</dl>")[0]
    assert ">DEMO</span>" in money
    cmp = client.post("/compare", data=LONG | {"logic_a": "DEMO", "logic_b": "DEMO", "year_a": "2025", "year_b": "2026"})
    kr_row = cmp.text.split('data-row="kroner"')[1].split("</tr>")[0]
    assert kr_row.count(">DEMO</span>") == 2


def test_compare_shows_why_a_unit_does_not_count(client):
    # issue 13: 'the compare page shows the not-counting reason too'
    data = CASE | {"logic_a": "DEMO", "logic_b": "DEMO", "year_a": "2025", "year_b": "2026", "sektor": "phv",
                   "dx1_1": "F320", "los": "5"}
    r = client.post("/compare", data=data)
    row = r.text.split('data-row="reason"')[1].split("</tr>")[0]
    assert row.count("omsorgsnivå 1 i phv er ikke i ISF") == 2
    ok = client.post("/compare", data=LONG | {"logic_a": "DEMO", "logic_b": "DEMO", "year_a": "2025", "year_b": "2026"})
    assert ok.text.split('data-row="reason"')[1].split("</tr>")[0].count("ja, teller") == 2


def test_case_string_label_is_not_repeated(client):
    # issue 13: 'a repeated "eller NPK-grupperingsstreng" label'
    text = _visible(client.get("/").text)
    assert text.count("eller NPK-grupperingsstreng") == 1
    assert 'class="sr-only">NPK-grupperingsstreng' in client.get("/").text  # the field keeps an accessible name


def test_english_rule_texts_cover_every_text_the_settlement_writes():
    from isf.web.points_view import rule_text

    samples = ["gjelder ikke", "vekt 1.0400 (DRG 122)", "(30 liggedager - 0 utskrivningsklar - trimpunkt 14) x 0.1430",
               "ambulant tillegg 0.0190", "ISF-poeng i stedet for egenandel: 0.1020 (PHV/TSB, 2026 - 2004 <= 26 år)",
               "980-trekk -0.0500", "vekt 1.0400 (DRG 122); bærende opphold i sykehusopphold 7",
               "ikke ISF: ikke gruppert (status invalid_los)", "ikke ISF: ukjent sektor (tom)",
               "ikke ISF: år 2027 er utenfor oppgjørsåret 2026", "ikke ISF: debitor 11 er ikke ISF-finansiert",
               "ikke ISF: enheten er ikke ISF-tellende (isf_enhet)", "ikke ISF: omsorgsnivå 1 i phv er ikke i ISF",
               "ikke ISF: finansiert gjennom TFG BT01", "ikke ISF: DRG 999X mangler i vektlisten",
               "ikke ISF: TFG PT13 er ikke ISF-finansiert (vektliste)",
               "ikke ISF: avdelingsopphold i sykehusopphold 4: poengene ligger på bærende opphold kontakt_id 9"]
    norwegian = re.compile(r"\b(gjelder|ikke|vekt|liggedager|utskrivningsklar|tillegg|stedet|egenandel|trekk|bærende|"
                           r"sykehusopphold|gruppert|ukjent|år|utenfor|oppgjørsåret|enheten|omsorgsnivå|finansiert|"
                           r"gjennom|mangler|vektlisten|avdelingsopphold|poengene|ligger)\b")
    for s in samples:
        en = rule_text(s, "en")
        assert not norwegian.search(en), (s, en)
    assert rule_text("vekt 1.0400 (DRG 122)", "nb") == "vekt 1,0400 (DRG 122)"
    assert rule_text("vekt 1.0400 (DRG 122)", "en") == "weight 1.0400 (DRG 122)"


def test_other_releases_are_loaded_once_per_app(monkeypatch):
    """A release other than the default is read from disk on its first request, not on every one."""
    import isf.web.app as web_app

    loads: list[str] = []

    def counting(ident, *a, **k):
        loads.append(str(ident).upper())
        return load_logic(ident, *a, **k)

    monkeypatch.setattr(web_app, "load_logic", counting)
    c = TestClient(create_app(logic="demo"))
    for _ in range(3):
        assert c.post("/", data=CASE | {"logic": "NOR2012", "dx1_1": "J189"}).status_code == 200
    assert loads == ["DEMO", "NOR2012"]
