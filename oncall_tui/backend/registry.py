"""Marks the methods that make up the backend interface.

The remote backend and the server are built from these marks, so a method
declared once in an `api_*.py` module is reachable locally, over HTTP and
from the CLI with the same arguments, results and errors.
"""
from __future__ import annotations

import inspect
import typing
from dataclasses import dataclass
from typing import Any, Callable

_MARK = "__oncall_api__"


@dataclass(frozen=True)
class ApiMethod:
    name: str
    kind: str  # "read" | "write"
    signature: inspect.Signature
    hints: dict[str, Any]
    doc: str

    @property
    def returns(self) -> Any:
        return self.hints.get("return", Any)

    def params(self) -> list[inspect.Parameter]:
        return [p for n, p in self.signature.parameters.items() if n != "self"]


def api(kind: str) -> Callable[[Callable], Callable]:
    if kind not in ("read", "write"):
        raise ValueError(kind)

    def mark(fn: Callable) -> Callable:
        setattr(fn, _MARK, kind)
        return fn

    return mark


read = api("read")
write = api("write")


def api_methods(cls: type) -> dict[str, ApiMethod]:
    """Every marked method of `cls` (and its bases), by name."""
    found: dict[str, ApiMethod] = {}
    for klass in reversed(cls.__mro__):
        for name, fn in vars(klass).items():
            kind = getattr(fn, _MARK, None)
            if kind:
                found[name] = ApiMethod(
                    name=name,
                    kind=kind,
                    signature=inspect.signature(fn),
                    hints=typing.get_type_hints(fn),
                    doc=inspect.getdoc(fn) or "",
                )
    return found
