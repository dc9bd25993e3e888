"""What keeps the web app standing under hostile requests, and quiet about what it is sent.

- `Guard`: the outermost ASGI layer. It counts request-body bytes as they arrive (streamed or
  not, with or without Content-Length) and stops at the route's limit with 413; it puts the
  security headers on every response (413 and 500 included); it catches whatever the app
  lets through and answers 500, logging one line with the exception's *type* only (never its
  message, traceback or locals: they can hold what the user sent).
- `read_multipart` / `read_urlencoded`: bodies parsed in memory as they stream in, with
  limits on parts, fields, header and field sizes (nothing is spooled to disk).
- `WorkQueue`: CPU work (grouping, uploads) runs in worker threads, a few at a time, with a
  bounded waiting line; when it is full the request gets 503 at once, so one large upload
  cannot hold up the event loop or the other users.
- `RedactFilter`: a logging filter for uvicorn that drops exception details from log records.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import anyio
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request

__all__ = [
    "SECURITY_HEADERS",
    "BadForm",
    "BodyTooLarge",
    "Busy",
    "FormTooLarge",
    "Guard",
    "RedactFilter",
    "UploadLimits",
    "WorkQueue",
    "log",
    "read_multipart",
    "read_urlencoded",
]

log = logging.getLogger("isf.web")
# python-multipart logs what it found where it expected a boundary: bytes of the body.
for _name in ("python_multipart", "multipart"):
    logging.getLogger(_name).addHandler(logging.NullHandler())
    logging.getLogger(_name).propagate = False

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}
_HEADER_BYTES = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
T = TypeVar("T")


class BodyTooLarge(HTTPException):
    """The request body passed its route's limit (answered 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, "request too large")
        self.limit = limit


class FormTooLarge(HTTPException):
    """Too many parts or fields, or a field over its size limit (answered 413)."""

    def __init__(self, what: str) -> None:
        super().__init__(413, what)
        self.what = what


class BadForm(HTTPException):
    """A body that is not the form it claims to be (answered 400)."""

    def __init__(self, what: str) -> None:
        super().__init__(400, what)
        self.what = what


class Busy(HTTPException):
    """The work queue is full (answered 503 with Retry-After)."""

    def __init__(self) -> None:
        super().__init__(503, "busy", headers={"Retry-After": "2"})


def _plain(status: int, text: str) -> tuple[Message, Message]:
    body = text.encode("utf-8")
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    return ({"type": "http.response.start", "status": status, "headers": headers + _HEADER_BYTES},
            {"type": "http.response.body", "body": body})


TOO_LARGE_TEXT = "Forespørselen er for stor (høyst {kb} kB). / The request is too large (at most {kb} kB).\n"


class Guard:
    """Outermost ASGI wrapper: body limits, security headers, no tracebacks (see module doc)."""

    def __init__(self, app: ASGIApp, *, limit_for: Callable[[str, str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("method", "GET"), scope.get("path", "/"))
        started = False

        async def start_once(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                if started:
                    return
                started = True
                have = {k.lower() for k, _ in message.get("headers", [])}
                message = dict(message, headers=[*message.get("headers", []),
                                                 *((k, v) for k, v in _HEADER_BYTES if k not in have)])
            await send(message)

        for k, v in scope.get("headers", []):
            if k == b"content-length" and (not v.isdigit() or int(v) > limit):
                for m in _plain(413, TOO_LARGE_TEXT.format(kb=limit // 1024)):
                    await start_once(m)
                return

        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, counted, start_once)
        except BodyTooLarge as e:
            if not started:
                for m in _plain(413, TOO_LARGE_TEXT.format(kb=e.limit // 1024)):
                    await start_once(m)
        except (ClientDisconnect, anyio.EndOfStream, anyio.BrokenResourceError, ConnectionError):
            pass  # the client left (an aborted upload): nothing to answer, nothing to log
        except Exception as e:  # noqa: BLE001 - never a traceback: its message or locals could hold what was sent
            log.error("internal error (%s) on %s %s", type(e).__name__, scope.get("method"), scope.get("path"))
            if not started:
                for m in _plain(500, "Intern feil. / Internal error.\n"):
                    await start_once(m)


@dataclass(frozen=True)
class UploadLimits:
    """Limits for a multipart body: parts, their headers, plain fields and files."""

    max_parts: int = 8
    max_field_bytes: int = 1024
    max_file_bytes: int = 2 * 1024 * 1024
    max_files: int = 1


async def read_multipart(request: Request, limits: UploadLimits) -> dict[str, bytes]:
    """The fields of a multipart/form-data body as name -> bytes (first occurrence wins).

    Parsed as it streams in (python-multipart), held in memory only, within `limits`:
    `FormTooLarge` past a limit, `BadForm` for a body that is not multipart.
    """
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise BadForm("not multipart/form-data")
    fields: dict[str, bytes] = {}
    state: dict[str, Any] = {"parts": 0, "header": b"", "value": b"", "headers": {}, "buf": None, "files": 0}

    def on_part_begin() -> None:
        state["parts"] += 1
        if state["parts"] > limits.max_parts:
            raise FormTooLarge(f"more than {limits.max_parts} parts")
        state["headers"], state["buf"], state["is_file"] = {}, bytearray(), False

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["header"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]

    def on_header_end() -> None:
        state["headers"][state["header"].lower()] = state["value"]
        state["header"], state["value"] = b"", b""

    def on_headers_finished() -> None:
        _, disp = parse_options_header(state["headers"].get(b"content-disposition", b""))
        state["name"] = disp.get(b"name", b"").decode("utf-8", "replace")
        state["is_file"] = b"filename" in disp
        if state["is_file"]:
            state["files"] += 1
            if state["files"] > limits.max_files:
                raise FormTooLarge(f"more than {limits.max_files} file")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        buf: bytearray = state["buf"]
        buf += data[start:end]
        cap = limits.max_file_bytes if state["is_file"] else limits.max_field_bytes
        if len(buf) > cap:
            raise FormTooLarge("file too large" if state["is_file"] else "a field is too large")

    def on_part_end() -> None:
        if state["name"] and state["name"] not in fields:
            fields[state["name"]] = bytes(state["buf"])
        state["buf"] = None

    parser = MultipartParser(boundary, {
        "on_part_begin": on_part_begin, "on_part_data": on_part_data, "on_part_end": on_part_end,
        "on_header_field": on_header_field, "on_header_value": on_header_value, "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished,
    }, max_header_count=8, max_header_size=1024)
    try:
        async for chunk in request.stream():
            if chunk:
                parser.write(chunk)
        parser.finalize()
    except (FormTooLarge, BodyTooLarge, ClientDisconnect):
        raise
    except Exception:  # noqa: BLE001 - the parser's own errors may quote the body: say only that it broke
        raise BadForm("malformed multipart body") from None
    return fields


async def read_urlencoded(request: Request, *, max_bytes: int, max_fields: int = 400) -> dict[str, str]:
    """An application/x-www-form-urlencoded body (or multipart, for small forms) as a dict."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        raw = await read_multipart(request, UploadLimits(max_parts=max_fields, max_field_bytes=max_bytes,
                                                         max_file_bytes=0, max_files=0))
        return {k: v.decode("utf-8", "replace") for k, v in raw.items()}
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise BodyTooLarge(max_bytes)
    try:
        pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=max_fields)
    except ValueError:
        raise FormTooLarge(f"more than {max_fields} fields") from None
    return dict(pairs)


class WorkQueue:
    """At most `workers` jobs in threads and `waiting` more in line; beyond that, `Busy`."""

    def __init__(self, *, workers: int = 2, waiting: int = 6) -> None:
        self.limiter = anyio.CapacityLimiter(workers)
        self.capacity = workers + waiting
        self.pending = 0

    async def run(self, fn: Callable[[], T]) -> T:
        if self.pending >= self.capacity:
            raise Busy()
        self.pending += 1
        try:
            return await anyio.to_thread.run_sync(fn, limiter=self.limiter)
        finally:
            self.pending -= 1


class RedactFilter(logging.Filter):
    """Keep log lines, drop exception details: no traceback, no exception text, no stack."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True


def log_config(level: str = "warning") -> Mapping[str, Any]:
    """uvicorn's logging for `isf serve`: warnings on stderr, redacted, no access log."""
    handler = {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "plain",
               "filters": ["redact"]}
    lvl = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "isf.web.limits.RedactFilter"}},
        "formatters": {"plain": {"format": "%(levelname)s %(name)s: %(message)s"}},
        "handlers": {"stderr": handler},
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": lvl, "propagate": False},
            "uvicorn.error": {"handlers": ["stderr"], "level": lvl, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            "isf.web": {"handlers": ["stderr"], "level": lvl, "propagate": False},
            "python_multipart": {"handlers": [], "level": "CRITICAL", "propagate": False},
        },
    }
