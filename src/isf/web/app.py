"""The ``isf serve`` web app: test grouper, compare, look-up and CSV upload.

A thin shell over the kernel (`isf.grouping`, `isf.grouping.lookup`): it parses forms,
calls pure functions and renders templates. Nothing a user sends is stored or logged: the
app has no logger, uploads are read into memory (never spooled to disk), and forms are
POSTed so case data never lands in URLs or access logs.
"""

from __future__ import annotations

import bisect
import email.parser
import email.policy
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from isf.definitions import DefinitionError, Logic, available_logics, load_logic
from isf.grouping import Explanation, explain
from isf.grouping.lookup import code_properties, drg_contents, drgs_for_code
from isf.web.batch import MAX_BYTES, MAX_ROWS, BatchError, group_csv
from isf.web.forms import DEFAULT_DX_ROWS, DEFAULT_PROC_ROWS, CaseForm, parse_case_form
from isf.web.i18n import pick_lang, translator
from isf.web.points_view import PointsView, available_years, case_points

__all__ = ["create_app"]

_HERE = Path(__file__).parent
_MAX_FORM_BYTES = 64 * 1024
_LABEL_KEYS = ("sex", "discharge", "care_level", "los", "birth_date", "contact_date", "age_years",
               "age_days", "age", "principal", "secondary", "procedure")
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


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
    out = []
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
    app = FastAPI(title="isf", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")
    templates = Jinja2Templates(directory=str(_HERE / "templates"))

    def get_logic(ident: str | None) -> Logic:
        if not ident or ident.upper() == default_logic.id.upper():
            return default_logic
        if ident.upper() not in {i.upper() for i in _logic_ids()}:
            raise DefinitionError(ident, None, None, "unknown logic id")
        return load_logic(ident)

    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Response:
        length = request.headers.get("content-length")
        limit = MAX_BYTES + 64 * 1024 if request.url.path == "/batch" else _MAX_FORM_BYTES
        if length and length.isdigit() and int(length) > limit:
            t = translator(pick_lang(request.query_params.get("lang")))
            return Response(t("e_too_big", mb=str(limit // (1024 * 1024) or 1)) if request.url.path == "/batch"
                            else "Request too large", status_code=413, media_type="text/plain; charset=utf-8")
        response: Response = await call_next(request)
        for k, v in _SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        return response

    def render(request: Request, name: str, lang: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        t = translator(lang)
        base = {
            "t": t, "lang": lang, "other_lang": "en" if lang == "nb" else "nb",
            "logic_ids": _logic_ids(), "default_logic": default_logic.id, "years": available_years(),
            "path": request.url.path,
        }
        return templates.TemplateResponse(request, name, base | ctx, status_code=status)

    async def read_form(request: Request) -> dict[str, str]:
        body = await request.body()
        if len(body) > _MAX_FORM_BYTES:
            return {}
        from urllib.parse import parse_qsl

        return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=400))

    def empty_form() -> CaseForm:
        return CaseForm(values={"discharge": "H", "care_level": "1"},
                        dx=[("", "")] * DEFAULT_DX_ROWS, procs=[""] * DEFAULT_PROC_ROWS)

    def messages(t: Any, form: CaseForm) -> list[dict[str, str]]:
        return [{"field": e.field, "text": t(e.key, **dict(e.params))} for e in form.errors]

    def latest_year() -> str:
        years = available_years()
        return str(years[-1]) if years else ""

    def year_of(raw: str) -> int | None:
        return int(raw) if raw.isdigit() and len(raw) == 4 else None

    @app.get("/", response_class=HTMLResponse)
    async def grouper_page(request: Request, lang: str | None = None) -> HTMLResponse:
        return render(request, "grouper.html", pick_lang(lang), form=empty_form(), errors=[], ex=None,
                      year=latest_year())

    @app.post("/", response_class=HTMLResponse)
    async def grouper_post(request: Request) -> HTMLResponse:
        data = await read_form(request)
        lang = pick_lang(data.get("lang") or request.query_params.get("lang"))
        t = translator(lang)
        form = parse_case_form(data, labels=_labels(t))
        ex: Explanation | None = None
        pts: PointsView | None = None
        try:
            lg = get_logic(data.get("logic"))
        except DefinitionError:
            return render(request, "grouper.html", lang, 400, form=form, ex=None,
                          errors=[{"field": "logic", "text": t("e_logic", value=data.get("logic", "")[:40])}])
        if form.case is not None and not form.errors:
            ex = explain(lg, form.case)
            pts = case_points(ex.result, form.case, year=year_of(data.get("year", "")),
                              care_level=data.get("care_level", ""))
        status = 400 if form.errors else 200
        return render(request, "grouper.html", lang, status, form=form, errors=messages(t, form), ex=ex,
                      pts=pts, logic_id=lg.id, year=data.get("year", ""))

    @app.get("/compare", response_class=HTMLResponse)
    async def compare_page(request: Request, lang: str | None = None) -> HTMLResponse:
        y = latest_year()
        return render(request, "compare.html", pick_lang(lang), form=empty_form(), errors=[], sides=None,
                      year_a=y, year_b=y)

    @app.post("/compare", response_class=HTMLResponse)
    async def compare_post(request: Request) -> HTMLResponse:
        data = await read_form(request)
        lang = pick_lang(data.get("lang") or request.query_params.get("lang"))
        t = translator(lang)
        form = parse_case_form(data, labels=_labels(t))
        errors = messages(t, form)
        logics: list[Logic] = []
        for key in ("logic_a", "logic_b"):
            try:
                logics.append(get_logic(data.get(key)))
            except DefinitionError:
                errors.append({"field": key, "text": t("e_logic", value=data.get(key, "")[:40])})
        sides = None
        if form.case is not None and not errors:
            sides = []
            for lg, yk in zip(logics, ("year_a", "year_b"), strict=True):
                ex = explain(lg, form.case)
                sides.append({"logic": lg.id, "year": data.get(yk, ""), "ex": ex,
                              "pts": case_points(ex.result, form.case, year=year_of(data.get(yk, "")),
                                                 care_level=data.get("care_level", ""))})
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
            return render(request, "lookup.html", lg_lang, 400, errors=[{"field": "logic", "text": t("e_logic", value=logic)}],
                          code=code, drg=drg, props=None, routes=None, contents=None, logic_id="")
        code_c = code.strip().replace(".", "")
        props = code_properties(lg, code_c) if code_c else None
        routes = drgs_for_code(lg, code_c) if code_c else None
        contents = drg_contents(lg, drg.strip()) if drg.strip() else None
        return render(request, "lookup.html", lg_lang, errors=[], code=code_c, drg=drg.strip(), props=props,
                      routes=routes, contents=contents, logic_id=lg.id)

    @app.get("/batch", response_class=HTMLResponse)
    async def batch_page(request: Request, lang: str | None = None) -> HTMLResponse:
        return render(request, "batch.html", pick_lang(lang), errors=[], max_mb=MAX_BYTES // 2**20, max_rows=MAX_ROWS)

    @app.post("/batch", response_model=None)
    async def batch_post(request: Request) -> Response:
        lang = pick_lang(request.query_params.get("lang"))
        body = bytearray()
        async for chunk in request.stream():  # read into memory with a cap: nothing hits disk
            body += chunk
            if len(body) > MAX_BYTES + 64 * 1024:
                break
        fields = _multipart(request.headers.get("content-type", ""), bytes(body))
        lang = pick_lang(fields.get("lang", b"").decode("ascii", "ignore") or lang)
        t = translator(lang)
        file = fields.get("file", b"")
        logic_id = fields.get("logic", b"").decode("ascii", "ignore")

        def fail(key: str, status: int, **params: str) -> HTMLResponse:
            return render(request, "batch.html", lang, status, errors=[{"field": "file", "text": t(key, **params)}],
                          max_mb=MAX_BYTES // 2**20, max_rows=MAX_ROWS)

        if len(body) > MAX_BYTES + 64 * 1024 or len(file) > MAX_BYTES:
            return fail("e_too_big", 413, mb=str(MAX_BYTES // 2**20))
        if not file:
            return fail("e_no_file", 400)
        try:
            lg = get_logic(logic_id or None)
        except DefinitionError:
            return fail("e_logic", 400, value=logic_id[:40])
        try:
            text = group_csv(file, lg)
        except BatchError as e:
            return fail(e.key, 413 if e.key in ("e_too_big", "e_too_many") else 400, **dict(e.params))
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
        return render(request, "error.html", pick_lang(request.query_params.get("lang")), 404, message="not_found")

    return app


def _multipart(content_type: str, body: bytes) -> dict[str, bytes]:
    """Fields of a multipart/form-data body, parsed in memory (name -> raw bytes)."""
    if not content_type.lower().startswith("multipart/form-data"):
        return {}
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    out: dict[str, bytes] = {}
    if not msg.is_multipart():
        return out
    for part in msg.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        if name and name not in out:
            payload = part.get_payload(decode=True)
            out[str(name)] = payload if isinstance(payload, bytes) else b""
    return out
