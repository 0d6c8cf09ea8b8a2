"""Pages reached by a link instead of a token: `/links/{kind}/{secret}`.

Features hang their pages here: the agree / decline page of a swap ask and the
"can't make it" page (`link_pages.py`), later a person's calendar feed URL.
Such a page needs no login; the `secret` in its URL is the whole authority and
is scoped to one thing (one swap answer, one shift), so a leaked link exposes
only that.  A feature registers a handler:

    register_link("swap", handler)   # handler(backend, secret, request) -> Response

The handler runs in a worker thread with the server's LocalBackend; the
backend looks the secret up (stored hashed, like tokens), checks it is still
valid and acts as the person it belongs to.  A POST's form (at most
MAX_FORM bytes, read before the handler runs; a field given twice is refused) is
`form_fields(request)`.
Registered: "swap" and "cant" (link_pages.py), "feed" (feeds.py, a person's or
a manager's team calendar feed).  An unknown kind answers 404.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

LinkHandler = Callable[[object, str, Request], Response]
#: A quick answer tried first on the event loop (no worker thread): it may only read what
#: costs next to nothing (an in-memory cache checked against one small query); None = ask
#: the handler.
FastHandler = Callable[[object, str, Request], "Response | None"]
LINK_HANDLERS: dict[str, LinkHandler] = {}
FAST_HANDLERS: dict[str, FastHandler] = {}
#: A link page's form is a few short fields; anything longer is not read.
MAX_FORM = 16 * 1024
_FORM_KEY = "oncall_link_form"


#: `/links/<kind>/<secret>` in a logged request line: the secret is cut to its first six characters.
_LINK_IN_PATH = re.compile(r"(/links/[A-Za-z0-9_-]+/)([^/?#\s\"]{6})[^/?#\s\"]*")


def redact_links(text: str) -> str:
    """A request line with every link secret cut to its first six characters (enough to tell two
    apart in a log, far too few to use): the access log must not hold working links."""
    return _LINK_IN_PATH.sub(lambda m: m.group(1) + m.group(2) + "…", text)


class RedactLinks(logging.Filter):
    """On uvicorn's access logger: the path argument of each record, redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_links(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact_links(record.msg)
        return True


def quiet_link_secrets() -> None:
    """Install `RedactLinks` on the access log (once per process: each worker calls it)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactLinks) for f in access.filters):
        access.addFilter(RedactLinks())


def register_link(kind: str, handler: LinkHandler, fast: FastHandler | None = None) -> None:
    LINK_HANDLERS[kind] = handler
    if fast is not None:
        FAST_HANDLERS[kind] = fast


async def link_page(request: Request) -> Response:
    kind = request.path_params["kind"]
    secret = request.path_params["secret"]
    handler = LINK_HANDLERS.get(kind)
    if handler is None:
        return JSONResponse({"code": "not_found", "message": "this link is not known here"}, status_code=404)
    backend = request.app.state.backend
    fast = FAST_HANDLERS.get(kind)
    if fast is not None:
        quick = fast(backend, secret, request)
        if quick is not None:
            return quick
    if request.method == "POST":
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_FORM:
                return Response("the form is too long; nothing was changed\n", status_code=413,
                                media_type="text/plain; charset=utf-8", headers={"Connection": "close"})
        try:
            fields = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False,
                               max_num_fields=20)
        except (UnicodeDecodeError, ValueError):
            return Response("the form could not be read; nothing was changed\n", status_code=400,
                            media_type="text/plain; charset=utf-8")
        form: dict[str, str] = {}
        for name, value in fields:
            if name in form:  # our forms give each field once: two answers at once are no answer
                return Response(f"the form gives {name[:40]!r} twice; nothing was changed\n", status_code=422,
                                media_type="text/plain; charset=utf-8")
            form[name] = value
        request.scope[_FORM_KEY] = form

    def run() -> Response:
        try:
            return handler(backend, secret, request)
        finally:
            backend.release_thread()

    return await run_in_threadpool(run)


def form_fields(request: Request) -> dict[str, str]:
    """The fields of a link page's POST (read by `link_page`); empty for a GET."""
    return dict(request.scope.get(_FORM_KEY, {}))


ROUTES = [Route("/links/{kind}/{secret}", link_page, methods=["GET", "POST"])]
