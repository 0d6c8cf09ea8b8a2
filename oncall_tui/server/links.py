"""Pages reached by a link instead of a token: `/links/{kind}/{secret}`.

Later issues hang their pages here (see ../shared/ROADMAP.md): the agree /
decline links of a swap request in an email, and a person's calendar feed
URL.  Such a page needs no login; the `secret` in its URL is the whole
authority and is scoped to one thing (one swap answer, one feed), so a
leaked link exposes only that.  A feature registers a handler:

    register_link("swap-answer", handler)   # handler(backend, secret, request) -> Response

The handler runs in a worker thread with the server's LocalBackend; it must
look the secret up (stored hashed, like tokens), check it is still valid and
act as the person it belongs to.  Registered: "feed" (feeds.py, a person's or a
manager's team calendar feed).  An unknown kind answers 404.
"""
from __future__ import annotations

from collections.abc import Callable

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

    def run() -> Response:
        try:
            return handler(backend, secret, request)
        finally:
            backend.release_thread()

    return await run_in_threadpool(run)


ROUTES = [Route("/links/{kind}/{secret}", link_page, methods=["GET", "POST"])]
