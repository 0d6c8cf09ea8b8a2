"""The subscription feed over HTTP: GET /links/feed/<secret>.ics (also reached as webcal://).

No login: the secret in the address is the whole authority, scoped to one feed.  An unknown
or rotated secret gets the same 404 as any unknown link, naming nobody.  Answers carry a
strong ETag and Last-Modified; a calendar that sends If-None-Match (or, without it,
If-Modified-Since) and has the current version gets 304 with no body.  `Cache-Control:
private`: a shared cache must not keep one person's shifts.
"""
from __future__ import annotations

import logging
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..core.errors import NotFound
from .links import register_link

log = logging.getLogger("oncall.server")

CACHE_CONTROL = "private, max-age=0, must-revalidate"
NOT_FOUND = {"code": "not_found", "message": "this link is not known here"}


@lru_cache(maxsize=1024)
def _last_modified(when) -> str:
    return format_datetime(when, usegmt=True)


def _headers(doc) -> dict[str, str]:
    return {"ETag": doc.etag, "Last-Modified": _last_modified(doc.last_modified),
            "Cache-Control": CACHE_CONTROL, "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}


def _not_modified(request: Request, doc) -> bool:
    matches = request.headers.get("if-none-match")
    if matches is not None:  # RFC 9110: when present, If-Modified-Since is not looked at
        tags = [t.strip().removeprefix("W/") for t in matches.split(",")]
        return "*" in tags or doc.etag in tags
    since = request.headers.get("if-modified-since")
    if since:
        try:
            when = parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        return when.tzinfo is not None and doc.last_modified <= when
    return False


def _answer(request: Request, doc) -> Response:
    headers = _headers(doc)
    if _not_modified(request, doc):
        return Response(status_code=304, headers=headers)
    headers["Content-Disposition"] = 'inline; filename="oncall.ics"'
    return Response(doc.body, media_type="text/calendar; charset=utf-8", headers=headers)


def feed_page(backend, secret: str, request: Request) -> Response:
    if request.method not in ("GET", "HEAD"):
        return JSONResponse({"code": "invalid_input", "message": "a feed is only read (GET)"}, status_code=405,
                            headers={"Allow": "GET, HEAD"})
    if not secret.endswith(".ics"):
        return JSONResponse(NOT_FOUND, status_code=404)
    try:
        doc = backend.calendar_feed(secret.removesuffix(".ics"))
    except NotFound:
        return JSONResponse(NOT_FOUND, status_code=404, headers={"Cache-Control": "no-store"})
    return _answer(request, doc)


def feed_quick(backend, secret: str, request: Request) -> Response | None:
    """On the event loop: the feed this process built, if nothing changed since (one small
    query on the loop's own connection; a calendar polling every few minutes mostly gets 304)."""
    if request.method not in ("GET", "HEAD") or not secret.endswith(".ics"):
        return None
    cached = getattr(backend, "calendar_feed_cached", None)
    if cached is None:
        return None
    try:
        doc = cached(secret.removesuffix(".ics"))
    except Exception:  # noqa: BLE001 - anything odd: the worker thread's full path answers
        log.exception("the quick feed answer failed; answering the long way")
        return None
    return None if doc is None else _answer(request, doc)


register_link("feed", feed_page, fast=feed_quick)
