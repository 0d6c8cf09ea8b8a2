"""`oncall serve`: the backend interface over HTTP (Starlette on uvicorn).

Routes are generated from the API registry, like the remote backend that
calls them.  Every request names its person with a bearer token (over TCP) or
is the login the kernel names for the connecting process (over the Unix
socket of `oncall serve --socket`, see run.py); the server
then calls the local backend acting as that person, so the permission checks
are the services' own, whatever the client sends.
"""
from __future__ import annotations

import json
import logging
import os
from contextlib import asynccontextmanager
from typing import Any

import peewee as pw
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..backend.api import backend_methods
from ..backend.registry import ApiMethod
from ..core.errors import InvalidInput, NotAuthenticated, OncallError
from . import calls, feeds, link_pages  # noqa: F401  (they register the swap pages and /links/feed/)
from .cache import ReadCache
from .links import ROUTES as LINK_ROUTES
from .links import quiet_link_secrets
from .openapi import API_PREFIX, build_openapi
from .run import PEER_SCOPE_KEY

log = logging.getLogger("oncall.server")

#: Worker threads per process for blocking backend calls (each holds at most one DB connection).
THREADS = int(os.environ.get("ONCALL_SERVER_THREADS", "16"))
ACT_AS_HEADER = "x-oncall-act-as"
MAX_BODY = 24_000_000  # a 10 MiB calendar file sent as a JSON string, escapes and all
#: A body declared at most this long is read before the token is checked (one thread hop per call,
#: and no more memory than a request line); a longer one, or one of unknown length, is read only
#: once its token is known good.
READ_BEFORE_AUTH = 64 * 1024
HANG_UP = {"Connection": "close"}  # uvicorn closes the connection after such an answer


def _json(status: int, body: Any) -> Response:
    return Response(calls.encode(body), status_code=status, media_type="application/json")


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def _single_valued(params) -> dict[str, str]:
    """The query string as name -> value, refusing a name given twice (which value was meant?)."""
    names = [name for name, _ in params.multi_items()]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise InvalidInput(f"the query names {twice[0]!r} more than once; give it once", field=twice[0])
    return dict(params)


def _credentials(request: Request) -> tuple[str | None, str | None]:
    """(bearer token, peer login).  Over the Unix socket (`oncall serve --socket`) who asks is the
    login the kernel names for the connecting process, and no header changes that; over TCP, the token."""
    peer = request.scope.get(PEER_SCOPE_KEY)
    if peer is None:
        return _bearer(request), None
    if not peer["login"]:
        who = "the kernel did not name this connection's user" if peer["uid"] is None else \
            f"user id {peer['uid']} has no login on its machine"
        raise NotAuthenticated(f"the server cannot tell who you are: {who}")
    return None, peer["login"]


class _TooLarge(Exception):
    """The request body is over MAX_BODY (found before it was read in full)."""


def _declared_length(request: Request) -> int | None:
    declared = request.headers.get("content-length")
    if declared is None:
        return None
    if not declared.strip().isdigit():
        raise InvalidInput("the request's Content-Length is not a number")
    return int(declared)


async def _read_body(request: Request, declared: int | None) -> bytes:
    """The body, read while it streams and stopped at MAX_BODY (nothing over it is kept)."""
    if declared is not None and declared > MAX_BODY:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _endpoint(method: ApiMethod):
    async def endpoint(request: Request) -> Response:
        state = request.app.state
        try:
            token, peer = _credentials(request)
            if request.method == "GET":
                query = _single_valued(request.query_params)
                kwargs = calls.decode_query(method, query)
                key = json.dumps(sorted(query.items()))
            else:
                declared = _declared_length(request)
                if peer is None and (declared is None or declared > READ_BEFORE_AUTH):
                    # Who is asking comes first: a stranger's large body is never read.
                    peer, refused = await run_in_threadpool(
                        calls.authenticate, state.backend, token, method, state.keep_connections)
                    if refused is not None:  # and hang up: the body it was about to send is not wanted
                        return Response(refused[1], status_code=refused[0], media_type="application/json",
                                        headers=HANG_UP)
                raw = await _read_body(request, declared)
                kwargs = calls.decode_body(method, calls.parse_json(raw))
                key = json.dumps(sorted(kwargs.items()), default=str) if method.kind == "read" else ""
        except _TooLarge:
            return Response(calls.encode({"code": "invalid_input", "field": None, "message":
                                          f"the request is larger than {MAX_BODY // 1_000_000} MB; it was not read"}),
                            status_code=413, media_type="application/json", headers=HANG_UP)
        except OncallError as exc:
            status, payload = calls.error_body(exc, doing=method.name)
            return _json(status, payload)
        status, content = await run_in_threadpool(
            calls.call, state.backend, method, kwargs, token, request.headers.get(ACT_AS_HEADER),
            state.read_cache, key, state.keep_connections, peer)
        return Response(content, status_code=status, media_type="application/json")

    endpoint.__name__ = f"api_{method.name}"
    return endpoint


async def healthz(request: Request) -> Response:
    return _json(200, {"status": "ok"})


async def readyz(request: Request) -> Response:
    backend = request.app.state.backend

    def check() -> tuple[int, dict]:
        try:
            have, want = backend.schema_versions()
            if have != want:
                return 503, {"status": "not ready", "message": f"schema {have}, expected {want}"}
            return 200, {"status": "ready", "schema": have}
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            calls._discard_connection(backend)
            log.error("readyz: the database does not answer: %s", exc)  # where and why: the log only
            return 503, {"status": "unavailable", "message": "the database does not answer"}
        finally:
            backend.release_thread()

    status, body = await run_in_threadpool(check)
    return _json(status, body)


async def server_info(request: Request) -> Response:
    state = request.app.state
    return _json(200, {"name": "oncall", "api": API_PREFIX, "demo": bool(state.backend.demo),
                       "base_url": state.base_url})


async def openapi(request: Request) -> Response:
    return _json(200, request.app.state.openapi)


def create_app(backend, base_url: str | None = None, keep_sqlite_connections: bool = False,
               deliver: bool = False) -> Starlette:
    """The ASGI app over `backend` (a LocalBackend; `app.state.backend` may be swapped, e.g. by tests).

    `keep_sqlite_connections`: worker threads keep their SQLite connection between requests
    (what `oncall serve` does: saves a reconnect per request).  Off when the backend may be
    swapped for another database, as the tests do.  PostgreSQL always hands connections
    back to its pool.

    `deliver`: while the app runs, a background thread sends what the outbox holds
    (invitations, CalDAV writes, mail), woken by every change that queues some (`oncall serve`)."""
    methods = backend_methods()
    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        *LINK_ROUTES,  # early: a calendar polling its feed is the most frequent caller
        Route("/readyz", readyz, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        Route(f"{API_PREFIX}/server-info", server_info, methods=["GET"]),
    ]
    for name, method in sorted(methods.items()):
        verbs = ["POST", "GET"] if method.kind == "read" and calls.query_friendly(method) else ["POST"]
        routes.append(Route(f"{API_PREFIX}/{name}", _endpoint(method), methods=verbs))

    @asynccontextmanager
    async def lifespan(app: Starlette):
        import anyio.to_thread

        anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
        deliverer = app.state.backend.start_deliverer() if deliver and app.state.backend is not None else None
        try:
            yield
        finally:
            if deliverer is not None:
                deliverer.close()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.backend = backend
    app.state.base_url = base_url
    app.state.openapi = build_openapi(methods)
    app.state.read_cache = ReadCache()
    app.state.keep_connections = bool(keep_sqlite_connections and backend is not None
                                      and isinstance(backend.db, pw.SqliteDatabase))
    return app


#: How `oncall serve --admin` hands its administrators to the worker processes it starts; read
#: only here, by the server, never by the `oncall` a person runs.
SERVE_ADMINS_ENV = "ONCALL_SERVE_ADMINS"


def app_from_env() -> Starlette:
    """uvicorn factory for `--workers N`: each worker process opens the database itself."""
    from ..backend.local import LocalBackend

    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")
    quiet_link_secrets()  # the access log keeps no working link or feed address
    admins = os.environ.get(SERVE_ADMINS_ENV, "").split()
    backend = LocalBackend(os.environ["ONCALL_SERVE_DB"], actor="-", admins=admins)
    return create_app(backend, base_url=os.environ.get("ONCALL_SERVE_BASE_URL") or None,
                      keep_sqlite_connections=True, deliver=True)
