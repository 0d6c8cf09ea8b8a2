"""`oncall serve`: the backend interface over HTTP (Starlette on uvicorn).

Routes are generated from the API registry, like the remote backend that
calls them.  Every request names its person with a bearer token; the server
then calls the local backend acting as that person, so the permission checks
are the services' own, whatever the client sends.
"""
from __future__ import annotations

import json
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
from ..errors import InvalidInput, OncallError
from . import calls
from .cache import ReadCache
from .links import ROUTES as LINK_ROUTES
from .openapi import API_PREFIX, build_openapi

#: Worker threads per process for blocking backend calls (each holds at most one DB connection).
THREADS = int(os.environ.get("ONCALL_SERVER_THREADS", "16"))
ACT_AS_HEADER = "x-oncall-act-as"
MAX_BODY = 24_000_000  # a 10 MiB calendar file sent as a JSON string, escapes and all


def _json(status: int, body: Any) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")), status_code=status,
                    media_type="application/json")


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


def _endpoint(method: ApiMethod):
    async def endpoint(request: Request) -> Response:
        state = request.app.state
        try:
            if request.method == "GET":
                query = _single_valued(request.query_params)
                kwargs = calls.decode_query(method, query)
                key = json.dumps(sorted(query.items()))
            else:
                raw = await request.body()
                if len(raw) > MAX_BODY:
                    raise InvalidInput(f"the request is larger than {MAX_BODY // 1_000_000} MB")
                try:
                    body = json.loads(raw) if raw else {}
                except (ValueError, UnicodeDecodeError):
                    raise InvalidInput("the request body is not JSON") from None
                kwargs = calls.decode_body(method, body)
                key = json.dumps(sorted(kwargs.items()), default=str) if method.kind == "read" else ""
        except OncallError as exc:
            status, payload = calls.error_body(exc, doing=method.name)
            return _json(status, payload)
        status, content = await run_in_threadpool(
            calls.call, state.backend, method, kwargs, _bearer(request), request.headers.get(ACT_AS_HEADER),
            state.read_cache, key, state.keep_connections)
        return Response(content, status_code=status, media_type="application/json")

    endpoint.__name__ = f"api_{method.name}"
    return endpoint


async def healthz(request: Request) -> Response:
    return _json(200, {"status": "ok"})


async def readyz(request: Request) -> Response:
    backend = request.app.state.backend

    def check() -> tuple[int, dict]:
        from ..store.migrations import current_version, stored_version

        try:
            backend.db.execute_sql("SELECT 1")
            have = stored_version(backend.db)
            if have != current_version():
                return 503, {"status": "not ready", "message": f"schema {have}, expected {current_version()}"}
            return 200, {"status": "ready", "schema": have}
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            calls._discard_connection(backend.db)
            return 503, {"status": "unavailable", "message": f"the database does not answer: {exc}"}
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


def create_app(backend, base_url: str | None = None, keep_sqlite_connections: bool = False) -> Starlette:
    """The ASGI app over `backend` (a LocalBackend; `app.state.backend` may be swapped, e.g. by tests).

    `keep_sqlite_connections`: worker threads keep their SQLite connection between requests
    (what `oncall serve` does: saves a reconnect per request).  Off when the backend may be
    swapped for another database, as the tests do.  PostgreSQL always hands connections
    back to its pool."""
    methods = backend_methods()
    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        Route(f"{API_PREFIX}/server-info", server_info, methods=["GET"]),
    ]
    for name, method in sorted(methods.items()):
        verbs = ["POST", "GET"] if method.kind == "read" and calls.query_friendly(method) else ["POST"]
        routes.append(Route(f"{API_PREFIX}/{name}", _endpoint(method), methods=verbs))
    routes.extend(LINK_ROUTES)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        import anyio.to_thread

        anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
        yield

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.backend = backend
    app.state.base_url = base_url
    app.state.openapi = build_openapi(methods)
    app.state.read_cache = ReadCache()
    app.state.keep_connections = bool(keep_sqlite_connections and backend is not None
                                      and isinstance(backend.db, pw.SqliteDatabase))
    return app


def app_from_env() -> Starlette:
    """uvicorn factory for `--workers N`: each worker process opens the database itself."""
    from ..backend.local import LocalBackend

    import logging

    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")
    backend = LocalBackend(os.environ["ONCALL_SERVE_DB"], actor="-")
    return create_app(backend, base_url=os.environ.get("ONCALL_SERVE_BASE_URL") or None,
                      keep_sqlite_connections=True)
