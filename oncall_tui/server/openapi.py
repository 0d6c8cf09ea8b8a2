"""The OpenAPI description, generated from the same registry as the routes.

Parameters and results come from the type hints (dataclasses become named
schemas), descriptions from the docstrings.  Every method is `POST
/api/v1/{name}` with a JSON object of named arguments; reads whose arguments
are all scalars may also be called with `GET ?name=value`.
"""
from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from typing import Any

from ..backend.registry import ApiMethod
from ..core.errors import ERRORS_BY_CODE
from .calls import query_friendly

API_PREFIX = "/api/v1"
ERROR_REF = {"$ref": "#/components/schemas/Error"}


class SchemaBuilder:
    def __init__(self) -> None:
        self.components: dict[str, Any] = {}
        self._names: dict[type, str] = {}

    def schema(self, tp: Any) -> dict[str, Any]:
        if tp is Any or tp is typing.Any:
            return {}
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin in (typing.Union, types.UnionType):
            return {"anyOf": [self.schema(a) for a in args]}
        if tp is type(None):
            return {"type": "null"}
        if origin in (list, set, frozenset) or (origin is tuple and len(args) == 2 and args[1] is Ellipsis):
            return {"type": "array", "items": self.schema(args[0]) if args else {}}
        if origin is tuple:
            return {"type": "array", "prefixItems": [self.schema(a) for a in args],
                    "minItems": len(args), "maxItems": len(args)}
        if origin is dict:
            value = self.schema(args[1]) if args else {}
            return {"type": "object", "additionalProperties": value}
        if origin is typing.Literal:
            return {"enum": list(args)}
        if tp is bool:
            return {"type": "boolean"}
        if tp is int:
            return {"type": "integer"}
        if tp is float:
            return {"type": "number"}
        if tp is str:
            return {"type": "string"}
        if tp is datetime:
            return {"type": "string", "format": "date-time"}
        if tp is date:
            return {"type": "string", "format": "date"}
        if tp in (dict,):
            return {"type": "object"}
        if tp in (list, tuple):
            return {"type": "array"}
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            return {"$ref": f"#/components/schemas/{self._dataclass(tp)}"}
        return {}

    def _dataclass(self, cls: type) -> str:
        if cls in self._names:
            return self._names[cls]
        name = cls.__name__
        if name in self.components:
            name = f"{cls.__module__.rsplit('.', 1)[-1]}_{name}"
        self._names[cls] = name
        self.components[name] = {}  # placeholder: dataclasses may refer to themselves
        hints = typing.get_type_hints(cls)
        props, required = {}, []
        for f in dataclasses.fields(cls):
            props[f.name] = self.schema(hints[f.name])
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                required.append(f.name)
        entry: dict[str, Any] = {"type": "object", "properties": props}
        if required:
            entry["required"] = required
        doc = (cls.__doc__ or "").strip()
        if doc and not doc.startswith(f"{cls.__name__}("):
            entry["description"] = doc
        self.components[name] = entry
        return name


def _split_doc(doc: str, name: str) -> tuple[str, str]:
    lines = (doc or name.replace("_", " ")).strip().splitlines()
    return lines[0], "\n".join(lines[1:]).strip()


def build_openapi(methods: dict[str, ApiMethod], title: str = "oncall", version: str = "1") -> dict:
    builder = SchemaBuilder()
    paths: dict[str, Any] = {}
    for name, method in sorted(methods.items()):
        summary, description = _split_doc(method.doc, name)
        params = method.params()
        props, required = {}, []
        for p in params:
            props[p.name] = builder.schema(method.hints.get(p.name, Any))
            if p.default is p.empty:
                required.append(p.name)
            elif p.default is not None:
                props[p.name] = {**props[p.name], "default": p.default}
        body_schema: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
        if required:
            body_schema["required"] = required
        responses = {
            "200": {"description": "The result", "content": {"application/json": {
                "schema": builder.schema(method.returns)}}},
            **_error_responses(method),
        }
        ops: dict[str, Any] = {"post": {
            "operationId": name, "summary": summary, "description": description,
            "tags": [method.kind], "security": [{"bearer": []}],
            "requestBody": {"required": bool(required), "content": {"application/json": {"schema": body_schema}}},
            "responses": responses,
        }}
        if method.kind == "read" and query_friendly(method):
            ops["get"] = {
                "operationId": f"{name}_get", "summary": summary, "description": description,
                "tags": [method.kind], "security": [{"bearer": []}],
                "parameters": [{"name": p.name, "in": "query", "required": p.default is p.empty,
                                "schema": _query_schema(builder.schema(method.hints.get(p.name, Any)))}
                               for p in params],
                "responses": responses,
            }
        paths[f"{API_PREFIX}/{name}"] = ops
    paths.update(_service_paths())
    builder.components["Error"] = {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"enum": sorted(ERRORS_BY_CODE)}, "message": {"type": "string"},
                       "field": {"type": ["string", "null"]}, "fresh": {},
                       "fresh_type": {"type": ["string", "null"]}},
        "description": "Every refusal: `code` says which kind (the client raises the same class).",
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version,
                 "description": "The oncall backend interface over HTTP. Authenticate with "
                                "`Authorization: Bearer <token>` (see `oncall token issue`)."},
        "paths": paths,
        "components": {"schemas": builder.components,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


def _query_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A query value is never JSON null: drop the null branch of Optional parameters."""
    branches = schema.get("anyOf")
    if branches:
        rest = [b for b in branches if b != {"type": "null"}]
        return rest[0] if len(rest) == 1 else {"anyOf": rest}
    return schema


def _error_responses(method: ApiMethod) -> dict[str, Any]:
    content = {"application/json": {"schema": ERROR_REF}}
    out = {
        "401": {"description": "No token, or an unknown, expired or revoked one", "content": content},
        "403": {"description": "Not allowed for the token's person", "content": content},
        "404": {"description": "Something named does not exist", "content": content},
        "422": {"description": "An argument is wrong (`field` names it)", "content": content},
        "503": {"description": "The database cannot be reached; nothing was changed", "content": content},
    }
    if method.kind == "write":
        out["409"] = {"description": "Someone changed it first (`fresh` holds the current state)",
                      "content": content}
    out["400"] = {"description": "Refused for another reason", "content": content}
    return out


def _service_paths() -> dict[str, Any]:
    def plain(summary: str, ok: str) -> dict[str, Any]:
        return {"get": {"summary": summary, "security": [], "responses": {
            "200": {"description": ok, "content": {"application/json": {"schema": {"type": "object"}}}},
            "503": {"description": "Not ready", "content": {"application/json": {"schema": {"type": "object"}}}},
        }}}

    return {
        "/healthz": plain("The process is up (does not touch the database)", "Alive"),
        "/readyz": plain("The database answers and its schema is current", "Ready"),
        f"{API_PREFIX}/server-info": plain("What this server is (demo or not, its public URL)", "Info"),
    }
