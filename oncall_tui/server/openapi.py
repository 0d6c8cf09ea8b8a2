"""The OpenAPI description, generated from the same registry as the routes.

Parameters and results come from the type hints through the wire codec's JSON Schema
(msgspec; dataclasses become named schemas), descriptions from the docstrings.  Every method is `POST
/api/v1/{name}` with a JSON object of named arguments; reads whose arguments
are all scalars may also be called with `GET ?name=value`.
"""
from __future__ import annotations

from typing import Any

from ..backend.registry import ApiMethod
from ..core import wire
from ..core.errors import ERRORS_BY_CODE
from .calls import query_friendly

API_PREFIX = "/api/v1"
ERROR_REF = {"$ref": "#/components/schemas/Error"}


def _split_doc(doc: str, name: str) -> tuple[str, str]:
    lines = (doc or name.replace("_", " ")).strip().splitlines()
    return lines[0], "\n".join(lines[1:]).strip()


def build_openapi(methods: dict[str, ApiMethod], title: str = "oncall", version: str = "1") -> dict:
    types_ = [(name, p.name, method.hints.get(p.name, Any)) for name, method in sorted(methods.items())
              for p in method.params()] + [(name, "return", method.returns) for name, method in sorted(methods.items())]
    found, components = wire.schemas([tp for _, _, tp in types_])
    schema = {(name, param): s for (name, param, _), s in zip(types_, found)}
    paths: dict[str, Any] = {}
    for name, method in sorted(methods.items()):
        summary, description = _split_doc(method.doc, name)
        params = method.params()
        props, required = {}, []
        for p in params:
            props[p.name] = schema[name, p.name]
            if p.default is p.empty:
                required.append(p.name)
            elif p.default is not None:
                props[p.name] = {**props[p.name], "default": p.default}
        body_schema: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
        if required:
            body_schema["required"] = required
        responses = {
            "200": {"description": "The result", "content": {"application/json": {
                "schema": schema[name, "return"]}}},
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
                                "schema": _query_schema(schema[name, p.name])}
                               for p in params],
                "responses": responses,
            }
        paths[f"{API_PREFIX}/{name}"] = ops
    paths.update(_service_paths())
    components["Error"] = {
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
        "components": {"schemas": components,
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
