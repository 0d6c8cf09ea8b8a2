"""The remote backend: every API method is one HTTP call to `oncall serve`.

Nothing here is written per method: the methods are generated from the API
registry (`api_methods(Backend)`), so whatever an area declares with `@read`
or `@write` is reachable remotely with the same arguments, results and
errors.  Arguments and results travel as `wire` JSON (msgspec: an answer is decoded
straight into its dataclasses, in C); a refusal comes back as
a JSON error and is raised again as the same class.
"""
from __future__ import annotations

import os
import queue
from typing import Any

from ..core import wire
from ..core.errors import NotAllowed, NotAuthenticated, OncallError, StaleEdit, Unavailable, error_from_dict
from .api import Backend
from .registry import ApiMethod, api_methods, type_from_name

API_PREFIX = "api/v1"
ACT_AS_HEADER = "X-Oncall-Act-As"
LIMIT_MARGIN = 30.0  # seconds a call with a time limit waits beyond it (reading, saving, the network)


def _timeout_seconds() -> float:
    try:
        return float(os.environ.get("ONCALL_HTTP_TIMEOUT", "120"))
    except ValueError:
        return 120.0


class RemoteBackend(Backend):
    """Acts as the person a token belongs to, on the server at `base_url`; or, over the Unix socket
    of `oncall serve --socket`, as the login the server's kernel names for this process (no token)."""

    solves_here = False  # the server solves `draft_plan` (scheduler/solve.py says why)

    def __init__(self, base_url: str = "http://oncall", token: str | None = None, act_as: str | None = None,
                 timeout: float | None = None, unix_socket: str | None = None) -> None:
        import httpx

        self.url = base_url.rstrip("/")
        self.where = unix_socket or self.url  # what messages name: the URL, or the socket file
        self.unix_socket = unix_socket
        self.token = token
        self.act_as = act_as
        headers = {"Accept": "application/json", "User-Agent": "oncall-tui"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if act_as:
            headers[ACT_AS_HEADER] = act_as
        t = timeout if timeout is not None else _timeout_seconds()
        self.timeout = t

        def new_client() -> httpx.Client:
            transport = httpx.HTTPTransport(uds=unix_socket) if unix_socket else None
            return httpx.Client(base_url=self.url + "/", headers=headers, transport=transport,
                                timeout=httpx.Timeout(t, connect=min(t, 5.0)))

        # One client per concurrent call (the TUI calls from several worker threads), kept for
        # reuse so keep-alive connections (and TLS sessions) survive between calls.
        self._new_client = new_client
        self._idle: queue.SimpleQueue = queue.SimpleQueue()
        self._clients: list = []
        self._info: dict | None = None
        if act_as and not self.demo:
            raise NotAllowed("--as works only in a demo database; a real one always acts as your login")

    # -- what the server is ----------------------------------------------------------------
    def server_info(self) -> dict:
        if self._info is None:
            self._info = self._request("GET", f"{API_PREFIX}/server-info", None, "server-info")
        return self._info

    @property
    def demo(self) -> bool:  # type: ignore[override]
        try:
            return bool(self.server_info().get("demo"))
        except OncallError:
            return False

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()

    def release_thread(self) -> None:
        """Nothing per thread: the HTTP connection pool is shared."""

    # -- one call --------------------------------------------------------------------------
    def _request(self, verb: str, path: str, body: Any, doing: str, returns: Any = Any) -> Any:
        """One call; its answer decoded as `returns` (wire: strict about types, lenient about
        fields a newer server may add).  A call given a `time_limit` (a draft: the server solves
        for up to 600 s) waits that long and half a minute more before it gives up."""
        import httpx

        wait = self.timeout
        limit = body.get("time_limit") if isinstance(body, dict) else None
        if isinstance(limit, (int, float)) and not isinstance(limit, bool) and limit > 0:
            wait = max(wait, float(limit) + LIMIT_MARGIN)

        try:
            client = self._idle.get_nowait()
        except queue.Empty:
            client = self._new_client()
            self._clients.append(client)
        try:
            content = wire.encode(body) if verb != "GET" else None
            response = client.request(verb, path, content=content,
                                      headers={"Content-Type": "application/json"} if content else None,
                                      timeout=httpx.Timeout(wait, connect=min(wait, 5.0)))
        except httpx.TimeoutException:
            raise Unavailable(f"the oncall server at {self.where} did not answer {doing} in time; "
                              f"if it was a change, reload to see whether it was made") from None
        except httpx.TransportError as exc:
            raise Unavailable(f"cannot reach the oncall server at {self.where} ({exc.__class__.__name__}: "
                              f"{exc or 'no answer'}); is `oncall serve` running there?") from None
        finally:
            self._idle.put(client)
        if response.status_code == 200:
            try:
                return wire.decode(returns, response.content)
            except wire.WireError as exc:
                raise Unavailable(f"the oncall server at {self.where} answered {doing} with data this "
                                  f"version cannot read ({exc.message}); are both the same release?") from None
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict) or "code" not in data:
            raise Unavailable(f"the oncall server at {self.where} answered {response.status_code} "
                              f"{response.reason_phrase} to {doing}; is the URL right?")
        raise self._error(data)

    def _error(self, data: dict) -> OncallError:
        fresh_type = data.pop("fresh_type", None)
        exc = error_from_dict(data)
        if isinstance(exc, StaleEdit) and exc.fresh is not None:
            try:
                exc.fresh = wire.convert(type_from_name(fresh_type), exc.fresh)
            except wire.WireError:
                pass
        if isinstance(exc, NotAuthenticated) and not self.unix_socket:
            exc.message = f"{exc.message} (server {self.url}: `oncall login {self.url}`)"
            exc.args = (exc.message,)
        return exc


# StaleEdit.fresh keeps its type across the wire: `registry.type_name` on the server, `type_from_name` here.


def _generated(method: ApiMethod):
    signature = method.signature
    returns = method.returns
    path = f"{API_PREFIX}/{method.name}"
    name = method.name

    def call(self: RemoteBackend, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs)
        body = {k: v for k, v in bound.arguments.items() if k != "self"}
        return self._request("POST", path, body, name, returns)

    call.__name__ = name
    call.__qualname__ = f"RemoteBackend.{name}"
    call.__doc__ = method.doc
    call.__signature__ = signature  # type: ignore[attr-defined]
    return call


for _name, _method in api_methods(Backend).items():
    setattr(RemoteBackend, _name, _generated(_method))
del _name, _method
