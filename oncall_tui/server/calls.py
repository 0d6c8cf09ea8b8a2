"""One API call over HTTP: arguments from JSON, the call as the token's person, errors to JSON.

Everything here is plain Python (no Starlette), so the rules are in one place:
the server decodes what the client sent by the method's type hints, calls the
local backend acting as the authenticated login (the services check
permissions, whatever the client claims), and encodes the result with the
same `wire` functions the CLI's `--json` uses.
"""
from __future__ import annotations

import json
import logging
import threading
import types
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import peewee as pw

from ..backend.registry import ApiMethod, type_name
from ..core import wire
from ..core.errors import (
    InvalidInput,
    NotAllowed,
    NotAuthenticated,
    OncallError,
    StaleEdit,
    Unavailable,
)

log = logging.getLogger("oncall.server")

SCALARS = (str, int, float, bool, date, datetime)


def _strip_optional(tp: Any) -> tuple[Any, bool]:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0], len(args) < len(typing.get_args(tp))
    return tp, False


def query_friendly(method: ApiMethod) -> bool:
    """True when every parameter is a scalar, so the method can also be called with GET ?a=b."""
    for p in method.params():
        tp, _ = _strip_optional(method.hints.get(p.name, Any))
        if tp not in SCALARS:
            return False
    return True


#: The most items one list (or object) in a request may hold, and how deep its JSON may nest:
#: far above any real call (a month of days, a plan's cells), far below what would cost the
#: server seconds or recursion.
MAX_ITEMS = 10_000
MAX_DEPTH = 32


def parse_json(raw: bytes) -> Any:
    """A request body (bytes) -> JSON value; InvalidInput for anything that is not JSON."""
    if not raw:
        return {}
    import msgspec

    try:
        return msgspec.json.decode(raw)
    except RecursionError:
        raise InvalidInput(f"the request body nests deeper than {MAX_DEPTH} levels") from None
    except msgspec.DecodeError:
        pass
    # msgspec refuses text that is not valid Unicode as malformed; the standard parser reads it,
    # so the refusal can say where it is (check_json)
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("the request body is not JSON") from None
    except RecursionError:
        raise InvalidInput(f"the request body nests deeper than {MAX_DEPTH} levels") from None
    check_json(value)
    raise InvalidInput("the request body is not JSON")


def check_json(value: Any) -> None:
    """Refuse JSON the services should never see, whatever the method's types: nesting deeper
    than MAX_DEPTH, a list or object of more than MAX_ITEMS, text that is not valid Unicode
    (a lone surrogate such as \\ud800 cannot be stored or sent back) or holds a NUL character."""
    stack = [(value, 0, "")]
    while stack:
        item, depth, where = stack.pop()
        if isinstance(item, str):
            _check_text(item, where or "the request")
        elif isinstance(item, (list, dict)):
            if depth >= MAX_DEPTH:
                raise InvalidInput(f"the request nests deeper than {MAX_DEPTH} levels")
            if len(item) > MAX_ITEMS:
                raise InvalidInput(f"{where or 'the request'} has {len(item)} items; at most {MAX_ITEMS} are "
                                   f"accepted", field=where.split(".")[0].split("[")[0] or None)
            if isinstance(item, dict):
                for k, v in item.items():
                    _check_text(k, where or "the request")
                    stack.append((v, depth + 1, f"{where}.{k}" if where else k))
            else:
                stack.extend((v, depth + 1, f"{where}[{i}]") for i, v in enumerate(item))


def _check_text(text: str, where: str) -> None:
    field = where.split(".")[0].split("[")[0]
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidInput(f"{where} is not valid Unicode text (it holds a lone surrogate)",
                               field=field) from None
    if "\x00" in text:
        raise InvalidInput(f"{where} must not contain NUL characters", field=field)


def decode_body(method: ApiMethod, body: Any) -> dict[str, Any]:
    """JSON object -> keyword arguments, checked against the method's signature (wire's strict
    decoding: unknown arguments or fields, wrong types, missing arguments are one line)."""
    check_json(body)
    if not isinstance(body, dict):
        raise InvalidInput("the request body must be a JSON object of named arguments")
    params = method.params()
    hints = [(p.name, method.hints.get(p.name, Any), p.default is p.empty) for p in params]
    try:
        wire.convert_strict(wire.strict_arguments(method.name, tuple(hints)), body)
        kwargs = {name: wire.convert(tp, body[name]) for name, tp, _ in hints if name in body}
    except wire.WireError as exc:
        raise _refusal(method, exc) from None
    for name, value in kwargs.items():  # one zone for every time the services get
        if isinstance(value, datetime):
            kwargs[name] = value.astimezone(UTC)
    return kwargs


def _refusal(method: ApiMethod, exc: wire.WireError) -> InvalidInput:
    if not exc.where and exc.kind == "unknown":
        return InvalidInput(f"{method.name} takes no argument called {exc.name!r}", field=exc.name)
    if not exc.where and exc.kind == "missing":
        return InvalidInput(f"{method.name} needs the argument {exc.name!r}", field=exc.name)
    return InvalidInput(exc.message, field=exc.field)


def decode_query(method: ApiMethod, query: dict[str, str]) -> dict[str, Any]:
    """Query string -> keyword arguments (GET of a read whose parameters are all scalars)."""
    body: dict[str, Any] = {}
    for name, text in query.items():
        tp, _ = _strip_optional(method.hints.get(name, str))
        if tp is int:
            try:
                body[name] = int(text)
            except ValueError:
                raise InvalidInput(f"{name} must be a whole number, not {text[:40]!r}", field=name) from None
        elif tp is float:
            try:
                body[name] = float(text)
            except ValueError:
                raise InvalidInput(f"{name} must be a number, not {text[:40]!r}", field=name) from None
        elif tp is bool:
            if text.lower() not in ("true", "false", "1", "0"):
                raise InvalidInput(f"{name} must be true or false", field=name)
            body[name] = text.lower() in ("true", "1")
        else:
            body[name] = text
    return decode_body(method, body)


def encode(value: Any) -> bytes:
    """An answer as JSON.  Text that is not valid Unicode (a lone surrogate stored by an older
    release) still leaves as a JSON escape, never a 500."""
    try:
        return wire.encode(value)
    except UnicodeEncodeError:
        return json.dumps(wire.to_builtins(value), ensure_ascii=False,
                          separators=(",", ":")).encode("utf-8", "backslashreplace")


#: Calendar work (fetch, parse, expand) one person may have running at once in a server process;
#: more is refused with one line, so one engineer cannot hold every worker thread.
CALENDAR_WORK = ("preview_calendar", "sync_calendar")
MAX_CALENDAR_WORK_PER_LOGIN = 2
_calendar_running: dict[str, int] = {}
_calendar_lock = threading.Lock()


@contextmanager
def calendar_slot(login: str, method: str) -> Iterator[None]:
    """A place for `login`'s calendar preview or sync, or NotAllowed when theirs are all taken."""
    if method not in CALENDAR_WORK:
        yield
        return
    with _calendar_lock:
        if _calendar_running.get(login, 0) >= MAX_CALENDAR_WORK_PER_LOGIN:
            raise NotAllowed("a calendar preview of yours is already running; wait for it to finish")
        _calendar_running[login] = _calendar_running.get(login, 0) + 1
    try:
        yield
    finally:
        with _calendar_lock:
            left = _calendar_running.pop(login) - 1
            if left:
                _calendar_running[login] = left


def authenticate(backend, token: str | None, method: ApiMethod,
                 keep_connection: bool = False) -> tuple[str | None, tuple[int, bytes] | None]:
    """(login, None) for a good token, else (None, (status, JSON error)).  Runs in a worker
    thread, before a large request body is read."""
    try:
        return backend.authenticate(token), None
    except Exception as exc:
        status, payload = error_body(exc, doing=method.name, backend=backend)
        return None, (status, encode(payload))
    finally:
        if not keep_connection:
            backend.release_thread()


def call(backend, method: ApiMethod, kwargs: dict[str, Any], token: str | None,
         act_as: str | None = None, cache=None, cache_key: str = "",
         keep_connection: bool = False, peer_login: str | None = None) -> tuple[int, bytes]:
    """Authenticate, call, encode.  Runs in a worker thread; returns (status, JSON bytes).

    The thread's database connection goes back (to the pool, or closed) afterwards unless
    `keep_connection` (SQLite under `oncall serve`: worker threads are reused, and a
    thread's connection closes with it).  `peer_login`: who asks is already known (the kernel
    named them on the Unix socket, or `authenticate` checked their token before a large
    body was read), so there is no token to check."""
    login = None
    try:
        login = peer_login or backend.authenticate(token)
        actor = login
        if act_as and act_as != login:
            if not backend.demo:
                raise NotAllowed("acting as someone else works only on a demo database")
            actor = act_as
        as_actor = backend.acting_as(actor)
        if cache is not None and method.kind == "read" and cache.wants(method.name):
            key = (getattr(backend, "url", ""), method.name, actor, cache_key)
            cursor, at = cache.cursor(backend), backend.clock.now()
            body = cache.get(key, cursor, at)
            if body is None:
                with cache.computing(key):
                    body = cache.get(key, cursor, at)  # computed while we waited?
                    if body is None:
                        body = encode(getattr(as_actor, method.name)(**kwargs))
                        cache.put(key, cursor, at, body)
            return 200, body
        with calendar_slot(login, method.name):
            return 200, encode(getattr(as_actor, method.name)(**kwargs))
    except Exception as exc:  # every failure becomes a JSON error; nothing leaks a traceback
        status, payload = error_body(exc, login=login, doing=method.name, backend=backend)
        return status, encode(payload)
    finally:
        if not keep_connection:
            backend.release_thread()


def error_body(exc: Exception, login: str | None = None, doing: str = "",
               backend=None) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON error) for `exc`; a broken database connection of `backend`'s is dropped."""
    if isinstance(exc, (pw.OperationalError, pw.InterfaceError)):
        _discard_connection(backend)
        log.error("database unavailable during %s: %s", doing, exc)
        exc = Unavailable("the database cannot be reached right now; nothing was changed, try again shortly")
    elif isinstance(exc, OverflowError):
        exc = InvalidInput("a number in the request is too large")
    elif isinstance(exc, pw.IntegrityError):
        log.warning("conflict during %s by %s: %s", doing, login, exc)
        exc = StaleEdit("that clashes with a change saved at the same moment or with existing data; "
                        "nothing was changed, reload and try again")
    if not isinstance(exc, OncallError):
        log.exception("internal error during %s by %s", doing, login, exc_info=exc)
        return 500, {"code": "error", "message": f"the server failed while doing {doing}; "
                                                  f"nothing was changed and the error is in its log"}
    if isinstance(exc, NotAuthenticated):
        who = exc.extra.pop("login", None)
        log.warning("refused %s (token of %s): %s", doing, who or "nobody known", exc.message)
    elif isinstance(exc, NotAllowed):
        log.warning("refused %s for %s: %s", doing, login, exc.message)
    body = exc.to_dict()
    if isinstance(exc, StaleEdit) and exc.fresh is not None:
        body["fresh_type"] = type_name(exc.fresh)
    return exc.http_status, body


def _discard_connection(backend) -> None:
    """Drop the backend's broken connection for this thread (`LocalBackend.discard_connection`)."""
    discard = getattr(backend, "discard_connection", None)
    if discard is not None:
        discard()
