"""Marks the methods that make up the backend interface.

The remote backend and the server are built from these marks, so a method
declared once in an `api_*.py` module is reachable locally, over HTTP and
from the CLI with the same arguments, results and errors.

The `api_*.py` modules import their areas' dataclasses only for type checkers
(start-up does not pay for the areas it does not show); `api_methods()`
resolves the annotations against the `oncall_tui.domain*` modules, imported
at that moment.
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


def _domain_namespace() -> dict[str, Any]:
    """The public names of every `oncall_tui.domain*` module (imported now, once)."""
    global _DOMAIN_NAMESPACE
    if _DOMAIN_NAMESPACE is None:
        import importlib
        import pkgutil

        import oncall_tui

        namespace: dict[str, Any] = {}
        for info in sorted(pkgutil.iter_modules(oncall_tui.__path__), key=lambda i: i.name):
            if info.name == "domain" or info.name.startswith("domain_"):
                module = importlib.import_module(f"oncall_tui.{info.name}")
                namespace.update((k, v) for k, v in vars(module).items() if not k.startswith("_"))
        _DOMAIN_NAMESPACE = namespace
    return _DOMAIN_NAMESPACE


_DOMAIN_NAMESPACE: dict[str, Any] | None = None


def _annotation_namespace(fn: Callable) -> dict[str, Any]:
    """Where `fn`'s string annotations are looked up: its module's names first, then the domain's
    (the names an `api_*.py` module imports only `if TYPE_CHECKING`)."""
    return {**_domain_namespace(), **fn.__globals__}


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
                    hints=typing.get_type_hints(fn, globalns=_annotation_namespace(fn)),
                    doc=inspect.getdoc(fn) or "",
                )
    return found
