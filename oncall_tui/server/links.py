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
MAX_FORM bytes, read before the handler runs) is `form_fields(request)`.
Registered: "swap" and "cant" (link_pages.py), "feed" (feeds.py, a person's or
a manager's team calendar feed).  An unknown kind answers 404.
"""
from __future__ import annotations

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
            form.setdefault(name, value)  # a field given twice: its first value
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
