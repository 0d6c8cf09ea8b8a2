"""Plain data <-> JSON: the one codec at every boundary, built on msgspec.

The server decodes what a client sends with `convert_strict` (unknown fields, wrong types,
naive datetimes and integers beyond 64 bits are refused as `WireError`, which names where),
the remote backend decodes answers with `decode`, the server, the CLI's `--json` and the
remote backend encode with `encode` / `to_builtins`, the OpenAPI description takes its schemas
from `schemas`, and a `PlanProblem` carries the scheduler's problem as `to_builtins(problem)`.
The shapes a script sees are the shapes the TUI gets: datetimes are ISO 8601 (UTC, "Z"),
dates are YYYY-MM-DD, tuples and sets are lists.

A dataclass field that is a dict keyed by tuples (the scheduler's `{(shift, role): login}`)
travels as a list of rows `[*key, value]`, sorted; JSON objects have only text keys.

msgspec loads on first use: starting the app does not pay for it.
"""
from __future__ import annotations

import dataclasses
import re
import types
import typing
from datetime import datetime
from functools import cache
from typing import Any

#: The largest integer a client may send (what both SQLite and PostgreSQL can store).
INT_LIMIT = 2 ** 63 - 1


class WireError(ValueError):
    """Data that does not fit its type: `where` ("days[3]", "" for the whole value) and what is
    wrong, in words ("days[3] must be a date like 2026-12-01, not 'soon'")."""

    def __init__(self, message: str, where: str = "", kind: str = "", name: str = "", problem: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.kind = kind  # "unknown" | "missing" | "" (a wrong value)
        self.name = name  # the unknown or missing field
        self.problem = problem or message  # the message without `where` ("must be a string, not null")

    @property
    def field(self) -> str | None:
        """The top-level name the error is under ("days" for "days[3]")."""
        top = re.split(r"[.\[]", self.where, maxsplit=1)[0]
        return top or self.name or None


# -- encoding ---------------------------------------------------------------------------------
def _enc_hook(value: Any) -> Any:
    raise TypeError(f"cannot send {type(value).__name__} over the wire")


def to_builtins(value: Any) -> Any:
    """`value` as exactly what its JSON reads back as: lists (tuples and sets too), dicts with
    text keys, strings, numbers, booleans and None."""
    import msgspec

    try:
        return _json_decoder(Any).decode(msgspec.json.encode(_rows_out(value), enc_hook=_enc_hook))
    except UnicodeEncodeError:  # a lone surrogate (stored by an older release) stays one, escaped
        import json

        plain = msgspec.to_builtins(_rows_out(value), enc_hook=_enc_hook)
        return json.loads(json.dumps(plain, ensure_ascii=True))


def encode(value: Any) -> bytes:
    """`value` as JSON (UTF-8 bytes)."""
    import msgspec

    return msgspec.json.encode(_rows_out(value), enc_hook=_enc_hook)


@cache
def _row_fields(cls: type) -> tuple[str, ...]:
    """The fields of dataclass `cls` that are dicts keyed by tuples."""
    hints = typing.get_type_hints(cls)
    return tuple(f.name for f in dataclasses.fields(cls) if _tuple_keyed(hints[f.name]) is not None)


def _tuple_keyed(tp: Any) -> tuple[Any, ...] | None:
    """(key types..., value type) when `tp` is dict[tuple[...], V], else None."""
    if typing.get_origin(tp) is dict:
        key, value = typing.get_args(tp)
        if typing.get_origin(key) is tuple and Ellipsis not in typing.get_args(key):
            return (*typing.get_args(key), value)
    return None


def _rows_out(value: Any) -> Any:
    cls = type(value)
    if not dataclasses.is_dataclass(cls) or not _row_fields(cls):
        return value
    out = {f.name: getattr(value, f.name) for f in dataclasses.fields(cls)}
    for name in _row_fields(cls):
        out[name] = [[*key, v] for key, v in sorted(out[name].items())]
    return out


# -- decoding ---------------------------------------------------------------------------------
def decode(tp: Any, raw: bytes | str) -> Any:
    """JSON -> a value of type `tp`.  Lenient about fields it does not know (a newer server may
    send more); strict about types.  Raises WireError."""
    import msgspec

    if _has_rows(tp):
        return convert(tp, _json_decoder(Any).decode(raw))
    try:
        return _json_decoder(tp).decode(raw)
    except msgspec.ValidationError as exc:
        raise _wire_error(exc) from None
    except msgspec.DecodeError as exc:
        raise WireError(f"not JSON: {exc}") from None


def convert(tp: Any, data: Any) -> Any:
    """Builtins (what `to_builtins` made, or parsed JSON) -> a value of type `tp`; WireError."""
    import msgspec

    try:
        if _has_rows(tp):
            shadow: Any = msgspec.convert(data, _shadow(tp))
            values = {name: getattr(shadow, name) for name in shadow.__struct_fields__}
            for name in _row_fields(tp):
                values[name] = {tuple(row[:-1]): row[-1] for row in values[name]}
            return tp(**values)
        return msgspec.convert(data, tp)
    except msgspec.ValidationError as exc:
        raise _wire_error(exc) from None
    except (TypeError, ValueError) as exc:  # a check in __post_init__
        raise WireError(str(exc)) from None


def convert_strict(tp: Any, data: Any) -> Any:
    """Like `convert`, for what a client sends: fields a dataclass does not have, datetimes
    without a time zone offset and integers beyond 64 bits are refused too."""
    import msgspec

    try:
        msgspec.convert(data, _strict(tp))
    except msgspec.ValidationError as exc:
        raise _wire_error(exc) from None
    return convert(tp, data)


def _has_rows(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp) and bool(_row_fields(tp))


@cache
def _json_decoder(tp: Any) -> Any:
    import msgspec

    return msgspec.json.Decoder(tp)


def _field_default(f: dataclasses.Field) -> Any:
    import msgspec

    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return msgspec.field(default_factory=f.default_factory)
    return msgspec.NODEFAULT


@cache
def _shadow(cls: type) -> type:
    """A Struct with `cls`'s fields, its tuple-keyed dicts as lists of rows."""
    import msgspec

    hints = typing.get_type_hints(cls)
    fields = []
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        keyed = _tuple_keyed(tp)
        if keyed is not None:
            tp = list[tuple[keyed]]  # type: ignore[valid-type]
        fields.append((f.name, tp, _field_default(f)))
    return msgspec.defstruct(cls.__name__, fields, kw_only=True)


@cache
def _strict(tp: Any) -> Any:
    """`tp` with every dataclass a Struct that refuses unknown fields, datetimes that must have an
    offset and integers that fit 64 bits: only for checking (the values come from `convert`)."""
    import msgspec

    if tp is datetime:
        return typing.Annotated[datetime, msgspec.Meta(tz=True)]
    if tp is int:
        return typing.Annotated[int, msgspec.Meta(ge=-INT_LIMIT, le=INT_LIMIT)]
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return typing.Union[tuple(_strict(a) for a in args)]  # noqa: UP007
    if origin is typing.Annotated:
        return tp
    if origin is not None and args and origin is not typing.Literal:
        return origin[tuple(_strict(a) if a is not Ellipsis else a for a in args)]
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        keyed = _row_fields(tp)
        fields = [(f.name, _strict(list[tuple[_tuple_keyed(hints[f.name])]]) if f.name in keyed  # type: ignore[misc]
                   else _strict(hints[f.name]), _field_default(f)) for f in dataclasses.fields(tp)]
        return msgspec.defstruct(tp.__name__, fields, kw_only=True, forbid_unknown_fields=True)
    return tp


def strict_arguments(name: str, params: tuple[tuple[str, Any, bool], ...]) -> Any:
    """The strict type of a call's JSON object of named arguments: (name, type, required)."""
    return _strict_arguments(name, params)


@cache
def _strict_arguments(name: str, params: tuple[tuple[str, Any, bool], ...]) -> Any:
    import msgspec

    fields = [(p, _strict(tp), msgspec.NODEFAULT if required else None) for p, tp, required in params]
    return msgspec.defstruct(f"{name}_arguments", fields, kw_only=True, forbid_unknown_fields=True)


# -- errors in words --------------------------------------------------------------------------
_WORDS = {"int": "a whole number", "float": "a number", "str": "a string", "bool": "true or false",
          "array": "a list", "object": "an object", "null": "null", "date": "a date like 2026-12-01",
          "datetime": "a date and time like 2026-12-01T09:00:00Z"}


def _wire_error(exc: Exception) -> WireError:
    text = str(exc)
    message, _, path = text.partition(" - at `")
    path = path.rstrip("`")
    if " in `" in path:  # "key` in `$.x": a dict key
        path = path.split("` in `", 1)[1]
    where = _where(path)
    kind = name = ""
    if m := re.match(r"Object contains unknown field `(.*)`$", message):
        kind, name = "unknown", m.group(1)
        problem = f"has no field {name!r}"
    elif m := re.match(r"Object missing required field `(.*)`$", message):
        kind, name = "missing", m.group(1)
        problem = f"needs the field {name!r}"
    elif m := re.match(r"Expected `([\w |]+)`, got `(\w+)`$", message):
        wants = [w for w in m.group(1).split(" | ") if w != "null"] or ["null"]  # null: "may be left out"
        want = " or ".join(_WORDS.get(w, w) for w in wants)
        problem = f"must be {want}, not {_WORDS.get(m.group(2), m.group(2))}"
    elif re.match(r"Expected `int` (>=|<=)", message):
        problem = "is out of range"
    elif "timezone" in message:
        problem = "has no time zone offset"
    elif m := re.match(r"Invalid (RFC3339 encoded )?(date|datetime)", message):
        problem = f"must be {_WORDS[m.group(2)]}"
    else:
        problem = f"is wrong: {message[:1].lower()}{message[1:]}"
    return WireError(f"{where or 'the value'} {problem}", where, kind, name, problem)


def _where(path: str) -> str:
    """"$.days[3]" -> "days[3]"; "$" -> ""."""
    return path[2:] if path.startswith("$.") else path[1:] if path.startswith("$") else path


# -- JSON Schema --------------------------------------------------------------------------------
def schemas(types_: list[Any], ref_template: str = "#/components/schemas/{name}") -> tuple[list[dict], dict]:
    """JSON Schemas of `types_` (in order) and the named ones they refer to."""
    import msgspec

    found, components = msgspec.json.schema_components(types_, ref_template=ref_template)
    return list(found), components
