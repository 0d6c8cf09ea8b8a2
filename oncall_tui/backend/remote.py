"""The remote backend: every API method is one HTTP call to `oncall serve`.

Nothing here is written per method: the methods are generated from the API
registry (`api_methods(Backend)`), so whatever an area declares with `@read`
or `@write` is reachable remotely with the same arguments, results and
errors.  Arguments and results travel as `wire` JSON; a refusal comes back as
a JSON error and is raised again as the same class.
"""
from __future__ import annotations

import dataclasses
import importlib
import os
import queue
from typing import Any

from ..core.errors import NotAllowed, NotAuthenticated, OncallError, StaleEdit, Unavailable, error_from_dict
from ..core.wire import from_jsonable, to_jsonable
from .api import Backend
from .registry import ApiMethod, api_methods

API_PREFIX = "api/v1"
ACT_AS_HEADER = "X-Oncall-Act-As"


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
    def _request(self, verb: str, path: str, body: Any, doing: str) -> Any:
        import httpx

        try:
            client = self._idle.get_nowait()
        except queue.Empty:
            client = self._new_client()
            self._clients.append(client)
        try:
            response = client.request(verb, path, json=body if verb != "GET" else None)
        except httpx.TimeoutException:
            raise Unavailable(f"the oncall server at {self.where} did not answer {doing} in time; "
                              f"if it was a change, reload to see whether it was made") from None
        except httpx.TransportError as exc:
            raise Unavailable(f"cannot reach the oncall server at {self.where} ({exc.__class__.__name__}: "
                              f"{exc or 'no answer'}); is `oncall serve` running there?") from None
        finally:
            self._idle.put(client)
        if response.status_code == 200:
            return response.json()
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
                exc.fresh = from_jsonable(type_from_name(fresh_type), exc.fresh)
            except (TypeError, ValueError, KeyError):
                pass
        if isinstance(exc, NotAuthenticated) and not self.unix_socket:
            exc.message = f"{exc.message} (server {self.url}: `oncall login {self.url}`)"
            exc.args = (exc.message,)
        return exc


# -- StaleEdit.fresh keeps its type across the wire (the server names it, the client rebuilds it) --
def type_name(value: Any) -> str | None:
    if isinstance(value, (list, tuple)) and value and dataclasses.is_dataclass(value[0]):
        inner = type_name(value[0])
        return f"list:{inner}" if inner else None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        return f"{cls.__module__}:{cls.__qualname__}"
    return None


def type_from_name(name: str | None) -> Any:
    """The dataclass a `type_name` names (only oncall_tui's own), else Any."""
    if not name:
        return Any
    if name.startswith("list:"):
        inner = type_from_name(name[5:])
        return Any if inner is Any else list[inner]
    module, _, qualname = name.partition(":")
    if not module.startswith("oncall_tui.") or "." in qualname:
        return Any
    try:
        cls = getattr(importlib.import_module(module), qualname)
    except (ImportError, AttributeError):
        return Any
    return cls if dataclasses.is_dataclass(cls) else Any


# -- decoding results fast ------------------------------------------------------------------
# `wire.from_jsonable` inspects the type hints at every value; a screen's answer holds tens of
# thousands of values, so the client builds one decoder per result type, once, that does the
# same conversions (and is checked against from_jsonable in the tests).
_DECODERS: dict[Any, Any] = {}


def decoder(tp: Any):
    """A function JSON -> value equal to `lambda data: from_jsonable(tp, data)`."""
    try:
        return _DECODERS[tp]
    except (KeyError, TypeError):
        pass
    made = _build_decoder(tp)
    try:
        _DECODERS[tp] = made
    except TypeError:
        pass
    return made


def _build_decoder(tp: Any):
    import types
    import typing
    from datetime import date, datetime

    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is Any:
        return lambda data: data
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        nullable = len(options) < len(args)
        if len(options) == 1:
            inner = _lazy(options[0])
            return lambda data: None if data is None else inner(data)
        return lambda data: None if data is None and nullable else from_jsonable(tp, data)
    if tp in (int, float, str, bool, date, datetime, type(None)) or origin is typing.Literal:
        if tp is str:
            def text(data: Any) -> Any:
                if data is None or type(data) is str:
                    return data
                return from_jsonable(str, data)
            return text
        return lambda data: None if data is None else from_jsonable(tp, data)
    if origin is list or (origin is tuple and len(args) == 2 and args[1] is Ellipsis):
        item, make = _lazy(args[0]), (list if origin is list else tuple)
        return lambda data: None if data is None else make([item(v) for v in data])
    if origin is dict and args:
        key, value = _lazy(args[0]), _lazy(args[1])
        return lambda data: None if data is None else {key(k): value(v) for k, v in data.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        fields = [(f.name, _lazy(hints[f.name])) for f in dataclasses.fields(tp)]

        def build(data: Any) -> Any:
            if data is None:
                return None
            if not isinstance(data, dict):
                raise TypeError(f"expected an object for {tp.__name__}")
            return tp(**{name: dec(data[name]) for name, dec in fields if name in data})
        return build
    return lambda data: from_jsonable(tp, data)


def _lazy(tp: Any):
    """Resolve the decoder of `tp` on first use (dataclasses may refer to each other)."""
    cell: list = []

    def run(data: Any) -> Any:
        if not cell:
            cell.append(decoder(tp))
        return cell[0](data)
    return run


def _generated(method: ApiMethod):
    signature = method.signature
    returns = method.returns
    path = f"{API_PREFIX}/{method.name}"
    name = method.name

    def call(self: RemoteBackend, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs)
        body = {k: to_jsonable(v) for k, v in bound.arguments.items() if k != "self"}
        return decoder(returns)(self._request("POST", path, body, name))

    call.__name__ = name
    call.__qualname__ = f"RemoteBackend.{name}"
    call.__doc__ = method.doc
    call.__signature__ = signature  # type: ignore[attr-defined]
    return call


for _name, _method in api_methods(Backend).items():
    setattr(RemoteBackend, _name, _generated(_method))
del _name, _method
