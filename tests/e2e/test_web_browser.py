"""End-to-end: `isf serve`'s app in a real headless Chromium (Playwright).

The server runs uvicorn in a background thread on a free localhost port. Screenshots go to
tests/artifacts/ (ignored by git); docs/img/ holds copies of two of them.

Needs Chromium at /usr/bin/chromium (Debian/Ubuntu: ``sudo apt-get install chromium``) and the
`playwright` Python package (``pip install -e '.[test]'``; no ``playwright install`` needed: the
system Chromium is used). Without Chromium these tests FAIL with that instruction; they are
skipped only when ``ISF_SKIP_BROWSER=1`` is set explicitly.
"""

from __future__ import annotations

import csv
import io
import os
import socket
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

INSTALL = ("Chromium is needed at /usr/bin/chromium for the browser tests: install it (Debian/Ubuntu: "
           "`sudo apt-get install chromium`), or set ISF_SKIP_BROWSER=1 to skip them explicitly")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(os.environ.get("ISF_SKIP_BROWSER") == "1", reason="ISF_SKIP_BROWSER=1"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    import uvicorn

    from isf.web.app import create_app

    port = _free_port()
    config = uvicorn.Config(create_app(logic="demo"), host="127.0.0.1", port=port, access_log=False,
                            log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(INSTALL, pytrace=False)
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = ctx.new_page()
    yield pg
    ctx.close()


def test_group_a_case_and_read_the_trace(server, page):
    page.goto(server + "/")
    page.get_by_label("Kjønn").select_option("1")
    page.get_by_label("År", exact=True).fill("60")
    page.get_by_label("Liggetid (dager)").fill("30")
    dx = page.locator("#dx1_1")
    dx.fill("I21")
    # autocompletion: the datalist is filled from /api/codes
    page.wait_for_selector("#dx-codes option", state="attached")
    options = page.eval_on_selector_all("#dx-codes option", "els => els.map(e => e.value)")
    assert "I219" in options and all(o.startswith("I21") for o in options)
    dx.fill("I219")
    page.locator("#dx2_1").fill("E119")
    page.get_by_label("Vektår", exact=True).select_option("2025")
    page.locator("#proc1").press("Enter")  # keyboard submit
    page.wait_for_selector("[data-testid=drg]")
    assert page.get_by_test_id("drg").inner_text() == "122"
    assert page.get_by_test_id("rule").inner_text() == "105D060"
    assert page.get_by_test_id("points").inner_text() != ""
    trace = page.get_by_test_id("trace")
    assert "05M01" in trace.inner_text()
    page.locator("details.near summary").click()
    assert page.locator(".near-list li").count() >= 1
    near = page.locator(".near-list").inner_text()
    assert "105D030 → DRG 112B: Feilet først på" in near and "or P" in near  # 112B needs an OR procedure
    words = page.locator(".near-list li").filter(has_text="112B").locator(".cond-text").inner_text()
    assert words != "or P" and "OR" in words  # in words, the raw value beside
    page.locator("details.points-detail summary").click()
    assert "poeng_langligger" in page.locator("details.points-detail").inner_text()
    page.screenshot(path=str(ARTIFACTS / "test-grouper.png"), full_page=True)


def test_validation_error_is_announced_and_focused(server, page):
    page.goto(server + "/?lang=en")
    page.get_by_label("Years").fill("abc")
    page.locator("#dx1_1").fill("I219")
    page.get_by_role("button", name="Group").click()
    alert = page.get_by_role("alert")
    assert "must be a whole number" in alert.inner_text()
    assert page.evaluate("document.activeElement.id") == "errors"
    assert page.locator("#age_years").get_attribute("aria-invalid") == "true"


def test_add_row_button_by_keyboard(server, page):
    page.goto(server + "/")
    n = page.locator("#dx-slots li").count()
    page.locator("[data-add=dx]").focus()
    page.keyboard.press("Enter")
    assert page.locator("#dx-slots li").count() == n + 1
    assert page.evaluate("document.activeElement.id") == f"dx{n + 1}_1"
    assert page.get_by_label(f"Bidiagnose {n}").count() == 1


def test_compare_two_versions(server, page):
    from isf.definitions import available_logics

    page.goto(server + "/compare")
    other = "NOR2015" if available_logics()["NOR2015"].exists() else "DEMO"
    page.locator("#logic_a").select_option("DEMO")
    page.locator("#logic_b").select_option(other)
    page.locator("#year_a").select_option("2024")
    page.locator("#year_b").select_option("2025")
    page.locator("#sex").select_option("1")
    page.locator("#age_years").fill("60")
    page.locator("#los").fill("3")
    page.locator("#dx1_1").fill("C189" if other == "NOR2015" else "I219")
    page.get_by_role("button", name="Sammenlign", exact=True).click()
    table = page.get_by_test_id("compare-table")
    table.wait_for()
    diff_rows = page.locator("tr.diff").evaluate_all("rs => rs.map(r => r.dataset.row)")
    if other == "NOR2015":
        assert "drg" in diff_rows and "rule" in diff_rows  # demo 183 vs NOR2015 173
    assert "points" in diff_rows or "kroner" in diff_rows
    assert "≠" in page.locator("tr.diff").first.inner_text()
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")  # both rule tables fit
    page.screenshot(path=str(ARTIFACTS / "compare.png"), full_page=True)


def test_upload_and_download_csv(server, page):
    page.goto(server + "/batch")
    body = "case_string\n1,20000,H,3,,I219\n1,abc,H,3,,I219\n"
    page.locator("#file").set_input_files(
        files=[{"name": "cases.csv", "mimeType": "text/csv", "buffer": body.encode()}])
    page.screenshot(path=str(ARTIFACTS / "batch.png"), full_page=True)
    with page.expect_download() as dl:
        page.get_by_role("button", name="Grupper og last ned").click()
    path = dl.value.path()
    rows = list(csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8"))))
    assert dl.value.suggested_filename == "grouped_DEMO.csv"
    assert [r["status"] for r in rows] == ["ok", "invalid_age_days"] and rows[0]["drg"] == "122"
    assert rows[1]["error"] == "row 2: case_string: age_days: not a whole number"  # row and field, not the value


def test_upload_error_is_shown(server, page):
    page.goto(server + "/batch?lang=en")
    page.locator("#file").set_input_files(
        files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": b"foo,bar\n1,2\n"}])
    page.get_by_role("button", name="Group and download").click()
    assert "Found neither a case_string column" in page.get_by_role("alert").inner_text()


def test_lookup_code_and_drg(server, page):
    page.goto(server + "/lookup")
    page.locator("#code").fill("I219")
    page.locator("#code").press("Enter")
    routes = page.get_by_test_id("routes")
    assert "105D060" in routes.inner_text()
    routes.get_by_role("link", name="122").first.click()
    assert "I219" in page.get_by_test_id("contents").inner_text()


def test_report_renders_in_browser(page, tmp_path):
    import polars as pl

    from isf.reports import build_report

    df = pl.DataFrame({
        "beh_rhf": ["Helse Sør-Øst", "Helse Sør-Øst", "Helse Vest", "Helse Nord", "Helse Midt-Norge"],
        "beh_hf": ["OUS", "Ahus", "Helse Bergen", "UNN", "St. Olavs"],
        "tertial": [1, 2, 1, 3, 2], "mdc": ["05", "06", "05", "08", "01"],
        "drg": ["122", "183", "122", "209E", "14A"], "isf_poeng": [1.2, 0.5, 1.1, 3.0, 2.2],
        "poeng_langligger": [0.0, 0.0, 0.3, 0.0, 0.0],
        "isf_kroner": [Decimal(54000), Decimal(22500), Decimal(49500), Decimal(135000), Decimal(99000)],
    })
    eff = pl.DataFrame({"hf": ["OUS", "Ahus", "UNN", "St. Olavs"], "endring_kroner": [-120000.0, 40000.0, 80000.0, -5000.0]})
    out = build_report(df, out=tmp_path / "report.html", effects=eff, title="ISF-rapport (demo)")
    page.goto(out.as_uri())
    assert page.locator("svg[role=img]").count() >= 6
    assert page.locator("h1").inner_text() == "ISF-rapport (demo)"
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)


# --- issue 13: the test grouper in bokmål and English, PHV/TSB, readable rules, layout -----------
LABELS = {
    "nb": {"sex": "Kjønn", "years": "År", "los": "Liggetid (dager)", "year": "Vektår", "group": "Grupper",
           "failed": "Feilet først på", "case_string": "eller NPK-grupperingsstreng", "sector": "Sektor"},
    "en": {"sex": "Sex", "years": "Years", "los": "Length of stay (days)", "year": "Weight year", "group": "Group",
           "failed": "Failed first on", "case_string": "or NPK case string", "sector": "Sector"},
}


def _box(page, selector: str) -> dict:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not visible"
    return box


def _overlap(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["width"] - 1 and b["x"] < a["x"] + a["width"] - 1
            and a["y"] < b["y"] + b["height"] - 1 and b["y"] < a["y"] + a["height"] - 1)


def _group(page, server: str, lang: str, *, sektor: str = "somatikk", care: str = "1", los: str = "30",
           dx: str = "I219", logic: str = "DEMO", year: str = "2025") -> None:
    lab = LABELS[lang]
    page.goto(f"{server}/?lang={lang}")
    page.locator("#logic").select_option(logic)
    page.get_by_label(lab["sex"], exact=True).select_option("1")
    page.get_by_label(lab["years"], exact=True).fill("60")
    page.get_by_label(lab["los"], exact=True).fill(los)
    page.locator("#care_level").select_option(care)
    page.get_by_label(lab["sector"], exact=True).select_option(sektor)
    page.locator("#dx1_1").fill(dx)
    page.get_by_label(lab["year"], exact=True).select_option(year)
    page.get_by_role("button", name=lab["group"], exact=True).click()
    page.wait_for_selector("[data-testid=drg]")


@pytest.mark.parametrize("width", [1400, 800])
@pytest.mark.parametrize("lang", ["nb", "en"])
def test_test_grouper_reads_in_its_language_without_layout_overlap(server, browser, lang, width):
    ctx = browser.new_context(viewport={"width": width, "height": 1000})
    page = ctx.new_page()
    try:
        _group(page, server, lang)
        lab = LABELS[lang]
        assert page.get_by_test_id("drg").inner_text() == "122"
        # readable rule conditions: words first, the table's raw value beside
        page.locator("details.near summary").click()
        item = page.locator(".near-list li").filter(has_text="112B")
        assert lab["failed"] in item.inner_text()
        words = item.locator(".cond-text").inner_text()
        assert words != "or P" and len(words.split()) >= 3
        assert item.locator("code.sub").inner_text() == "or P"
        matched = page.locator("table.conds th.cond-text").all_inner_texts()
        assert matched and all(" " in w for w in matched)  # "gyldig hoveddiagnose", not "icd +"
        # property texts (the demo logic names its complication categories)
        assert page.locator("[data-testid=codes] .ptext").count() >= 1
        # the other language's words are nowhere in the explanation
        trace = page.get_by_test_id("trace").inner_text()
        if lang == "nb":
            assert "needs" not in trace and "case:" not in trace and "Failed" not in trace
        else:
            assert "saken:" not in trace and "hoveddiagnose" not in trace and "Feilet" not in trace
        # layout 1: the money figures are one row (KRONER never stands alone)
        tops = [b["y"] for b in (page.locator(".result-money > div").nth(i).bounding_box() for i in range(3))]
        assert max(tops) - min(tops) < 2, tops
        # layout 2: each diagnosis slot keeps its asterisk field on its row
        for i in range(1, 6):
            code, star = _box(page, f"#dx{i}_1"), _box(page, f"#dx{i}_2")
            assert abs(code["y"] - star["y"]) < 2 and star["x"] > code["x"], (i, code, star)
        # layout 3: the case-string label is not repeated; its textarea overlaps nothing
        assert page.get_by_text(lab["case_string"], exact=True).count() == 1
        page.locator("details.case-string summary").click()
        area = _box(page, "#case_string")
        for other in ("section.output", ".near-list", "[data-testid=result]", "table.conds"):
            assert not _overlap(area, _box(page, other)), other
        assert area["x"] + area["width"] <= _box(page, "form.case-form")["x"] + _box(page, "form.case-form")["width"] + 1
        assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")  # no sideways scroll
        page.locator("details.points-detail summary").click()
        page.screenshot(path=str(ARTIFACTS / f"test-grouper-{lang}-{width}.png"), full_page=True)
    finally:
        ctx.close()


@pytest.mark.parametrize("lang", ["nb", "en"])
@pytest.mark.parametrize(("sektor", "dx", "drg"), [("phv", "F320", "919O"), ("tsb", "F102", "920O")])
def test_phv_and_tsb_points_in_the_browser(server, page, lang, sektor, dx, drg):
    _group(page, server, lang, sektor=sektor, care="3", los="0", dx=dx, year="2026")
    assert page.get_by_test_id("drg").inner_text() == drg
    points = page.get_by_test_id("points").inner_text()
    assert points not in ("", "0,000", "0.000")
    money = page.get_by_test_id("money").inner_text()
    assert "DEMO" in money and ("PHV" in money or "TSB" in money)
    _group(page, server, lang, sektor=sektor, care="1", los="5", dx=dx, year="2026")
    reason = page.get_by_test_id("points-reason").inner_text()
    assert ("omsorgsnivå 1 i " if lang == "nb" else "care level 1 in ") + sektor in reason
    page.screenshot(path=str(ARTIFACTS / f"test-grouper-{sektor}-{lang}.png"), full_page=True)


def test_property_texts_of_a_release_in_the_browser(server, page):
    from isf.definitions import available_logics

    if not (available_logics().get("NOR2012") and available_logics()["NOR2012"].exists()):
        pytest.fail("the NOR2012 release is missing from ../shared/norddrg/definitions", pytrace=False)
    _group(page, server, "en", logic="NOR2012", dx="J189", los="3", year="2025")
    codes = page.get_by_test_id("codes").inner_text()
    assert "Simple pneumonia and pleurisy" in codes and "Diseases and disorders of the respiratory system" in codes
    assert page.get_by_test_id("drg-name").inner_text().startswith("Lungebetennelse")
    page.screenshot(path=str(ARTIFACTS / "test-grouper-nor2012-en.png"), full_page=True)
