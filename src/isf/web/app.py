"""The ``isf serve`` web app: test grouper, compare, look-up and CSV upload.

A thin shell over the kernel (`isf.grouping`, `isf.grouping.lookup`): it parses forms,
calls pure functions and renders templates. Nothing a user sends is stored or logged: the
only log line the app writes is an internal error's exception type; uploads are parsed in
memory as they stream in (never spooled to disk); forms are POSTed so case data never lands
in URLs or access logs. `isf.web.limits` bounds every request body, answers 413/400/503
with the security headers, and runs grouping in a bounded pool of worker threads.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from isf.definitions import DefinitionError, Logic, available_logics, load_logic
from isf.grouping import Explanation, explain
from isf.grouping.criteria import describe_condition
from isf.grouping.lookup import code_properties, drg_contents, drgs_for_code
from isf.grouping.render import explanation_to_dict
from isf.web.batch import MAX_BYTES, MAX_ROWS, BatchError, group_csv
from isf.web.forms import DEFAULT_DX_ROWS, DEFAULT_PROC_ROWS, CaseForm, parse_case_form
from isf.web.i18n import pick_lang, translator
from isf.web.limits import (
    BadForm,
    BodyTooLarge,
    Busy,
    FormTooLarge,
    Guard,
    UploadLimits,
    WorkQueue,
    read_multipart,
    read_urlencoded,
)
from isf.web.points_view import SECTORS, PointsView, available_years, case_points

__all__ = ["create_app"]

_HERE = Path(__file__).parent
_MAX_FORM_BYTES = 64 * 1024  # every request body but an upload
_MAX_UPLOAD_BYTES = MAX_BYTES + 64 * 1024  # the file plus the multipart envelope and small fields
_UPLOAD = UploadLimits(max_parts=8, max_field_bytes=1024, max_file_bytes=MAX_BYTES, max_files=1)
_LABEL_KEYS = ("sex", "discharge", "care_level", "sektor", "los", "birth_date", "contact_date", "age_years",
               "age_days", "age", "principal", "secondary", "procedure")


def _body_limit(method: str, path: str) -> int:
    """Bytes a request body may have: an upload to /batch, or a form."""
    return _MAX_UPLOAD_BYTES if path == "/batch" and method == "POST" else _MAX_FORM_BYTES


class _App(FastAPI):
    """FastAPI with `isf.web.limits.Guard` outside everything (even its error middleware)."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await Guard(super().__call__, limit_for=_body_limit)(scope, receive, send)


@dataclass(frozen=True, slots=True)
class _CodeList:
    codes: tuple[str, ...]  # sorted, upper-case keys
    originals: tuple[str, ...]
    labels: tuple[str, ...]


@lru_cache(maxsize=8)
def _code_list(logic: Logic, kind: str) -> _CodeList:
    """Sorted codes of one table with a short label (DGCAT or first PROCPR) for the datalist."""
    label: dict[str, str] = {}
    if kind == "dx":
        for r in logic.dg:
            if not r.d_code and (r.code not in label or (r.vartype == "DGCAT" and not label[r.code])):
                label[r.code] = r.varval if r.vartype == "DGCAT" else label.get(r.code, "")
    else:
        for p in logic.proc:
            if p.code not in label or (p.vartype == "PROCPR" and not label[p.code]):
                label[p.code] = p.varval if p.vartype == "PROCPR" else label.get(p.code, "")
    items = sorted(label.items(), key=lambda kv: kv[0].upper())
    return _CodeList(tuple(k.upper() for k, _ in items), tuple(k for k, _ in items), tuple(v for _, v in items))


def search_codes(logic: Logic, q: str, *, kind: str, limit: int = 20) -> list[dict[str, str]]:
    """Codes of ``kind`` (dx/proc) starting with ``q`` (case-insensitive), at most ``limit``."""
    cl = _code_list(logic, kind)
    key = q.strip().upper().replace(".", "")
    i = bisect.bisect_left(cl.codes, key)
    out: list[dict[str, str]] = []
    while i < len(cl.codes) and cl.codes[i].startswith(key) and len(out) < limit:
        out.append({"code": cl.originals[i], "label": cl.labels[i]})
        i += 1
    return out


def _logic_ids() -> list[str]:
    return [k for k, p in available_logics().items() if p.exists()]


def _labels(t: Any) -> dict[str, str]:
    return {k: t(k) for k in _LABEL_KEYS}


def create_app(*, logic: str = "demo") -> FastAPI:
    """Build the app; ``logic`` is the default logic id or path (``demo``, ``NOR2015`` ...)."""
    default_logic = load_logic(logic)
    app = _App(title="isf", docs_url=None, redoc_url=None, openapi_url=None)
    work = WorkQueue(workers=2, waiting=6)
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")
    templates = Jinja2Templates(directory=str(_HERE / "templates"))

    @lru_cache(maxsize=4)
    def other_logic(ident: str) -> Logic:
        """A release other than the default, loaded once for this app (at most four held,
        about 90 MB each): loading NOR2015 takes about 2 s, too long for every request.
        Definition files are read when the server starts using them; restart to reread."""
        return load_logic(ident)

    def get_logic(ident: str | None) -> Logic:
        if not ident or ident.upper() == default_logic.id.upper():
            return default_logic
        if ident.upper() not in {i.upper() for i in _logic_ids()}:
            raise DefinitionError(ident, None, None, "unknown logic id")
        return other_logic(ident.upper())

    def render(request: Request, name: str, lang: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        t = translator(lang)
        base = {
            "t": t, "lang": lang, "other_lang": "en" if lang == "nb" else "nb",
            "logic_ids": _logic_ids(), "default_logic": default_logic.id, "years": available_years(),
            "path": request.url.path, "sectors": SECTORS, "describe": describe_condition,
        }
        return templates.TemplateResponse(request, name, base | ctx, status_code=status)

    async def read_form(request: Request) -> dict[str, str]:
        return await read_urlencoded(request, max_bytes=_MAX_FORM_BYTES, max_fields=400)

    def lang_of(request: Request) -> str:
        return pick_lang(request.query_params.get("lang"))

    def empty_form() -> CaseForm:
        return CaseForm(values={"discharge": "H", "care_level": "1", "sektor": "somatikk"},
                        dx=[("", "")] * DEFAULT_DX_ROWS, procs=[""] * DEFAULT_PROC_ROWS)

    def messages(t: Any, form: CaseForm) -> list[dict[str, str]]:
        return [{"field": e.field, "text": t(e.key, **dict(e.params))} for e in form.errors]

    def latest_year() -> str:
        years = available_years()
        return str(years[-1]) if years else ""

    def year_of(raw: str) -> int | None:
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) == 4 else None

    @app.get("/", response_class=HTMLResponse)
    async def grouper_page(request: Request, lang: str | None = None) -> HTMLResponse:
        return render(request, "grouper.html", pick_lang(lang), form=empty_form(), errors=[], ex=None,
                      year=latest_year())

    @app.post("/", response_class=HTMLResponse)
    async def grouper_post(request: Request) -> HTMLResponse:
        data = await read_form(request)
        return await work.run(lambda: grouper_result(request, data))

    def grouper_result(request: Request, data: dict[str, str]) -> HTMLResponse:
        lang = pick_lang(data.get("lang") or request.query_params.get("lang"))
        t = translator(lang)
        form = parse_case_form(data, labels=_labels(t))
        ex: Explanation | None = None
        pts: PointsView | None = None
        try:
            lg = get_logic(data.get("logic"))
        except DefinitionError:
            return render(request, "grouper.html", lang, 400, form=form, ex=None,
                          errors=[{"field": "logic", "text": t("e_logic")}])
        view = None
        if form.case is not None and not form.errors:
            ex = explain(lg, form.case)
            view = explanation_to_dict(ex, lang=lang)
            pts = case_points(ex.result, form.case, year=year_of(data.get("year", "")),
                              care_level=data.get("care_level", ""), sektor=data.get("sektor", ""), lang=lang)
        status = 400 if form.errors else 200
        return render(request, "grouper.html", lang, status, form=form, errors=messages(t, form), ex=view,
                      pts=pts, logic_id=lg.id, year=data.get("year", ""))

    @app.get("/compare", response_class=HTMLResponse)
    async def compare_page(request: Request, lang: str | None = None) -> HTMLResponse:
        y = latest_year()
        return render(request, "compare.html", pick_lang(lang), form=empty_form(), errors=[], sides=None,
                      year_a=y, year_b=y)

    @app.post("/compare", response_class=HTMLResponse)
    async def compare_post(request: Request) -> HTMLResponse:
        data = await read_form(request)
        return await work.run(lambda: compare_result(request, data))

    def compare_result(request: Request, data: dict[str, str]) -> HTMLResponse:
        lang = pick_lang(data.get("lang") or request.query_params.get("lang"))
        t = translator(lang)
        form = parse_case_form(data, labels=_labels(t))
        errors = messages(t, form)
        logics: list[Logic] = []
        for key in ("logic_a", "logic_b"):
            try:
                logics.append(get_logic(data.get(key)))
            except DefinitionError:
                errors.append({"field": key, "text": t("e_logic")})
        sides = None
        if form.case is not None and not errors:
            sides = []
            for lg, yk in zip(logics, ("year_a", "year_b"), strict=True):
                ex = explain(lg, form.case)
                sides.append({"logic": lg.id, "year": data.get(yk, ""), "ex": explanation_to_dict(ex, lang=lang),
                              "pts": case_points(ex.result, form.case, year=year_of(data.get(yk, "")),
                                                 care_level=data.get("care_level", ""), sektor=data.get("sektor", ""),
                                                 lang=lang)})
        return render(request, "compare.html", lang, 400 if errors else 200, form=form, errors=errors,
                      sides=sides, sel_a=data.get("logic_a", ""), sel_b=data.get("logic_b", ""),
                      year_a=data.get("year_a", ""), year_b=data.get("year_b", ""))

    @app.get("/lookup", response_class=HTMLResponse)
    async def lookup_page(
        request: Request,
        lang: str | None = None,
        code: str = Query("", max_length=20),
        drg: str = Query("", max_length=10),
        logic: str = Query("", max_length=40),
    ) -> HTMLResponse:
        lg_lang = pick_lang(lang)
        t = translator(lg_lang)
        try:
            lg = get_logic(logic or None)
        except DefinitionError:
            return render(request, "lookup.html", lg_lang, 400, errors=[{"field": "logic", "text": t("e_logic")}],
                          code=code, drg=drg, props=None, routes=None, contents=None, logic_id="",
                          ptext=lambda _k, _v: "")
        code_c = code.strip().replace(".", "")

        def page() -> HTMLResponse:
            props = code_properties(lg, code_c) if code_c else None
            routes = drgs_for_code(lg, code_c) if code_c else None
            contents = drg_contents(lg, drg.strip()) if drg.strip() else None
            return render(request, "lookup.html", lg_lang, errors=[], code=code_c, drg=drg.strip(), props=props,
                          routes=routes, contents=contents, logic_id=lg.id, ptext=lg.property_text)

        return await work.run(page)

    @app.get("/batch", response_class=HTMLResponse)
    async def batch_page(request: Request, lang: str | None = None) -> HTMLResponse:
        return render(request, "batch.html", pick_lang(lang), errors=[], max_mb=MAX_BYTES // 2**20, max_rows=MAX_ROWS)

    def batch_fail(request: Request, lang: str, key: str, status: int, **params: str) -> HTMLResponse:
        t = translator(lang)
        return render(request, "batch.html", lang, status, errors=[{"field": "file", "text": t(key, **params)}],
                      max_mb=MAX_BYTES // 2**20, max_rows=MAX_ROWS)

    @app.post("/batch", response_model=None)
    async def batch_post(request: Request) -> Response:
        lang = lang_of(request)
        try:
            fields = await read_multipart(request, _UPLOAD)
        except FormTooLarge as e:
            key = "e_too_big" if e.what == "file too large" else "e_form_limits"
            return batch_fail(request, lang, key, 413, mb=str(MAX_BYTES // 2**20))
        except BadForm:
            return batch_fail(request, lang, "e_multipart", 400)
        lang = pick_lang(fields.get("lang", b"").decode("ascii", "ignore") or lang)
        file = fields.get("file", b"")
        logic_id = fields.get("logic", b"").decode("ascii", "ignore")
        if not file:
            return batch_fail(request, lang, "e_no_file", 400)
        try:
            lg = get_logic(logic_id or None)
        except DefinitionError:
            return batch_fail(request, lang, "e_logic", 400)
        try:
            text = await work.run(lambda: group_csv(file, lg))
        except BatchError as e:
            return batch_fail(request, lang, e.key, 413 if e.key in ("e_too_big", "e_too_many") else 400, **dict(e.params))
        return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="grouped_{lg.id}.csv"'})

    @app.get("/api/codes")
    async def api_codes(
        q: str = Query(..., min_length=1, max_length=12),
        kind: str = Query("dx", pattern="^(dx|proc)$"),
        logic: str = Query("", max_length=40),
        limit: int = Query(20, ge=1, le=100),
    ) -> JSONResponse:
        try:
            lg = get_logic(logic or None)
        except DefinitionError:
            return JSONResponse({"detail": "unknown logic"}, status_code=400)
        return JSONResponse({"logic": lg.id, "kind": kind, "codes": search_codes(lg, q, kind=kind, limit=limit)})

    @app.exception_handler(404)
    async def not_found(request: Request, exc: Exception) -> HTMLResponse:
        return render(request, "error.html", lang_of(request), 404, message="not_found")

    def plain(request: Request, status: int, key: str, headers: dict[str, str] | None = None) -> PlainTextResponse:
        return PlainTextResponse(translator(lang_of(request))(key, mb=str(_body_limit(request.method, request.url.path)
                                                                          // 2**20 or 1)) + "\n",
                                 status_code=status, headers=headers)

    handlers: dict[type[Exception], Callable[[Request, Any], Any]] = {
        BodyTooLarge: lambda r, e: (batch_fail(r, lang_of(r), "e_too_big", 413, mb=str(MAX_BYTES // 2**20))
                                    if r.url.path == "/batch" else plain(r, 413, "e_form_limits")),
        FormTooLarge: lambda r, e: plain(r, 413, "e_form_limits"),
        BadForm: lambda r, e: plain(r, 400, "e_multipart"),
        Busy: lambda r, e: plain(r, 503, "e_busy", {"Retry-After": "2"}),
    }
    for exc, handler in handlers.items():
        app.add_exception_handler(exc, handler)

    @app.exception_handler(RequestValidationError)
    async def invalid_query(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's default answer quotes the input back; say where and what, not the value
        detail = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in exc.errors()]
        return JSONResponse({"detail": detail}, status_code=422)

    return app
