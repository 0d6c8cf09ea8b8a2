"""Plain data <-> JSON, driven by type hints.

The remote backend, the server and the CLI's `--json` all use this, so the
shapes a script sees are the shapes the TUI gets.  Datetimes are ISO 8601 with
an offset (always UTC), dates are YYYY-MM-DD.
"""
from __future__ import annotations

import dataclasses
import types
import typing
from datetime import UTC, date, datetime
from functools import cache
from typing import Any


def to_jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {_key(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "to_dict"):
        return to_jsonable(value.to_dict())
    raise TypeError(f"cannot send {type(value).__name__} over the wire")


def _key(k: Any) -> str:
    if isinstance(k, (date, datetime)):
        return to_jsonable(k)
    return str(k)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_jsonable(tp: Any, data: Any) -> Any:
    """Rebuild a value of type `tp` from what `to_jsonable` made."""
    if tp is Any or tp is typing.Any:
        return data
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if data is None and type(None) in args:
            return None
        last_error: Exception | None = None
        for arg in args:
            if arg is type(None):
                continue
            try:
                return from_jsonable(arg, data)
            except (TypeError, ValueError, KeyError) as exc:
                last_error = exc
        raise ValueError(f"no type of {tp} fits {data!r}: {last_error}")
    if data is None:
        return None
    if origin in (list, list):
        return [from_jsonable(args[0] if args else Any, v) for v in data]
    if origin in (tuple, tuple):
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_jsonable(args[0], v) for v in data)
        if args:
            return tuple(from_jsonable(a, v) for a, v in zip(args, data))
        return tuple(data)
    if origin in (set, frozenset):
        return origin(from_jsonable(args[0] if args else Any, v) for v in data)
    if origin in (dict, dict):
        kt, vt = args if args else (Any, Any)
        return {from_jsonable(kt, k): from_jsonable(vt, v) for k, v in data.items()}
    if origin is typing.Literal:
        if data not in args:
            raise ValueError(f"{data!r} is not one of {args}")
        return data
    if tp is datetime:
        if isinstance(data, datetime):
            return data
        text = str(data).replace("Z", "+00:00")
        value = datetime.fromisoformat(text)
        if value.tzinfo is None:
            raise ValueError(f"{data!r} has no time zone offset")
        return value.astimezone(UTC)
    if tp is date:
        if isinstance(data, date):
            return data
        return date.fromisoformat(str(data))
    if tp in (int, float, str, bool):
        if tp is float and isinstance(data, int) and not isinstance(data, bool):
            return float(data)
        if not isinstance(data, tp) or (tp is int and isinstance(data, bool)):
            raise TypeError(f"expected {tp.__name__}, got {type(data).__name__}")
        return data
    if tp is type(None):
        return None
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(data, dict):
            raise TypeError(f"expected an object for {tp.__name__}")
        hints = _hints(tp)
        kwargs = {}
        for f in dataclasses.fields(tp):
            if f.name in data:
                kwargs[f.name] = from_jsonable(hints[f.name], data[f.name])
        return tp(**kwargs)
    if tp is dict:
        return dict(data)
    if tp is list:
        return list(data)
    return data
