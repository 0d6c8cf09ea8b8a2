"""Marks the methods that make up the backend interface.

The remote backend and the server are built from these marks, so a method
declared once in an `api_*.py` module is reachable locally, over HTTP and
from the CLI with the same arguments, results and errors.

The `api_*.py` modules import their areas' dataclasses only for type checkers
(start-up does not pay for the areas it does not show); `api_methods()`
resolves the annotations against the `oncall_tui.core.domain*` modules, imported
at that moment.

Every method also declares who may call it: `@read(allow("member", team="team"))`.
The rules are checked in one place (`services.authorize`) before the method runs,
for the local backend and for `oncall serve` alike; a method without a rule is
refused when its module is imported.
"""
from __future__ import annotations

import dataclasses
import importlib
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_MARK = "__oncall_api__"
_POLICY = "__oncall_policy__"

#: Who a rule may let in.  "manager_was" is a manager of a team the person is in or was in
#: (their tokens outlive a move, so the former manager can still see and stop them).
#: "link" is whoever holds a link's secret, signed in or not (the link pages of `oncall serve`): the
#: method itself checks the secret, which is the whole authority.
WHO = ("anyone", "self", "member", "manager", "manager_was", "admin", "link")
#: Where a rule finds its team (first group) or its person (second), from one argument of the call.
TEAM_SCOPES = {
    "team": "of team `{arg}` (default: mine)",
    "rotation": "of rotation `{arg}`'s team",
    "plan": "of plan `{arg}`'s team",
    "assignment": "of shift `{arg}`'s team",
    "status": "of request `{arg}`'s team",
    "swap": "of swap `{arg}`'s team",
    "team_file": "of the team in `{arg}` (a new team: administrators only)",
}
PERSON_SCOPES = {
    "person": "`{arg}`, default me",
    "token": "the owner of token `{arg}`",
    "source": "the owner of calendar `{arg}`",
}
SCOPES = {**TEAM_SCOPES, **PERSON_SCOPES}


@dataclass(frozen=True)
class Rule:
    """One condition of a policy: the caller is any one of `who`, judged on the team or person
    that argument `arg` names (scope kind `scope`).  All rules of a method must hold."""

    who: tuple[str, ...]
    scope: str | None = None
    arg: str | None = None

    def describe(self) -> str:
        """In words, for the README's table."""
        personal = self.scope in PERSON_SCOPES
        words = {"anyone": "anyone signed in", "admin": "an administrator",
                 "link": "anyone holding the link's secret (no sign-in)",
                 "self": "the person", "member": "a teammate" if personal else "a member",
                 "manager": "their manager" if personal else "a manager",
                 "manager_was": "their manager now or before"}
        who = " or ".join(words[w] for w in self.who)
        if self.scope is None:
            return who
        where = SCOPES[self.scope].format(arg=self.arg)
        return f"{who} ({where})" if personal else f"{who} {where}"


def allow(*who: str, **scope: str) -> Rule:
    """`allow("self", "manager", person="login")`: who may call, and which argument says of whom."""
    unknown = [w for w in who if w not in WHO]
    if not who or unknown:
        raise ValueError(f"allow() needs some of {', '.join(WHO)}, not {unknown or 'nothing'}")
    if len(scope) > 1 or any(k not in SCOPES for k in scope):
        raise ValueError(f"allow() takes at most one scope, one of {', '.join(SCOPES)}: {scope}")
    needs_scope = set(who) - {"anyone", "admin", "link"}
    if needs_scope and not scope:
        raise ValueError(f"allow({', '.join(who)}) must say which argument names the team or person")
    kind, arg = next(iter(scope.items())) if scope else (None, None)
    return Rule(tuple(who), kind, arg)


def policy_text(rules: tuple[Rule, ...]) -> str:
    return "; and ".join(rule.describe() for rule in rules)


def policy_table(methods: dict[str, ApiMethod]) -> str:
    """The README's "Who may do what" table (a test keeps the README equal to it)."""
    rows = ["| Operation | Kind | Who may call it |", "|---|---|---|"]
    rows += [f"| `{name}` | {method.kind} | {policy_text(method.policy)} |"
             for name, method in sorted(methods.items())]
    return "\n".join(rows)


@dataclass(frozen=True)
class ApiMethod:
    name: str
    kind: str  # "read" | "write"
    signature: inspect.Signature
    hints: dict[str, Any]
    doc: str
    policy: tuple[Rule, ...] = ()

    @property
    def returns(self) -> Any:
        return self.hints.get("return", Any)

    def params(self) -> list[inspect.Parameter]:
        return [p for n, p in self.signature.parameters.items() if n != "self"]


def api(kind: str) -> Callable[..., Callable[[Callable], Callable]]:
    if kind not in ("read", "write"):
        raise ValueError(kind)

    def declare(*rules: Rule) -> Callable[[Callable], Callable]:
        if len(rules) == 1 and callable(rules[0]) and not isinstance(rules[0], Rule):
            raise TypeError(f"@{kind} on {rules[0].__qualname__} declares nobody who may call it: "
                            f"write @{kind}(allow(...))")
        if not rules or not all(isinstance(r, Rule) for r in rules):
            raise TypeError(f"@{kind}(...) needs one or more allow(...) rules")

        def mark(fn: Callable) -> Callable:
            params = inspect.signature(fn).parameters
            for rule in rules:
                if rule.arg is not None and rule.arg not in params:
                    raise TypeError(f"{fn.__qualname__}: its policy names an argument {rule.arg!r} it does not take")
            setattr(fn, _MARK, kind)
            setattr(fn, _POLICY, tuple(rules))
            return fn

        return mark

    return declare


read = api("read")
write = api("write")


def _domain_namespace() -> dict[str, Any]:
    """The public names of every `oncall_tui.core.domain*` module (imported now, once)."""
    global _DOMAIN_NAMESPACE
    if _DOMAIN_NAMESPACE is None:
        import importlib
        import pkgutil

        from .. import core

        namespace: dict[str, Any] = {}
        for info in sorted(pkgutil.iter_modules(core.__path__), key=lambda i: i.name):
            if info.name == "domain" or info.name.startswith("domain_"):
                module = importlib.import_module(f"oncall_tui.core.{info.name}")
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
                    policy=getattr(fn, _POLICY, ()),
                )
    return found


def declared_policies(cls: type) -> dict[str, tuple[Rule, ...]]:
    """name -> the rules of every marked method of `cls` (cheap: resolves no annotations)."""
    found: dict[str, tuple[Rule, ...]] = {}
    for klass in reversed(cls.__mro__):
        for name, fn in vars(klass).items():
            if getattr(fn, _MARK, None):
                found[name] = getattr(fn, _POLICY, ())
    return found


def routes(api: type, areas: dict[str, type]) -> dict[str, str]:
    """API method name -> the area (a key of `areas`) whose class implements it.

    Each area class lists the API methods it serves in `SERVES`.  Every API method of `api`
    must be served exactly once, by a method of the same parameters; anything else is
    refused here, when the backend's module is imported, naming what is wrong."""
    declared = declared_policies(api)
    found: dict[str, str] = {}
    problems: list[str] = []
    for area, cls in areas.items():
        serves = getattr(cls, "SERVES", None)
        if serves is None:
            problems.append(f"{cls.__qualname__} does not say which API methods it serves (SERVES)")
            continue
        for name in serves:
            if name not in declared:
                problems.append(f"{cls.__qualname__} serves {name!r}, which is no API method")
            elif name in found:
                problems.append(f"{name!r} is served twice: by {areas[found[name]].__qualname__} "
                                f"and {cls.__qualname__}")
            elif not callable(getattr(cls, name, None)):
                problems.append(f"{cls.__qualname__} serves {name!r} but has no such method")
            else:
                found.setdefault(name, area)
                want, have = getattr(api, name), getattr(cls, name)
                if _params(have) != _params(want):
                    problems.append(f"{cls.__qualname__}.{name} takes {_shown(have)}; the API declares "
                                    f"{_shown(want)}")
        for name in sorted(set(declared) & set(vars(cls)) - set(serves)):
            problems.append(f"{cls.__qualname__} has a method {name!r} like the API's but does not serve it")
    problems += [f"no service serves the API method {name!r}" for name in sorted(set(declared) - set(found))]
    if problems:
        raise TypeError("the backend's services do not match its API:\n  " + "\n  ".join(problems))
    return found


def _params(fn: Any) -> tuple:
    """What a caller sees of `fn`'s parameters (names, defaults, * and **), read from its code
    (cheap: this runs for every API method when the backend is imported)."""
    code = fn.__code__
    names = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
    return names, fn.__defaults__, fn.__kwdefaults__, code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS)


def _shown(fn: Callable) -> str:
    """`fn`'s parameters as a caller writes them: "(person=None, team=None)"."""
    params = [p.replace(annotation=inspect.Parameter.empty)
              for n, p in inspect.signature(fn).parameters.items() if n != "self"]
    return str(inspect.Signature(params))


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
        return Any if inner is Any else list[inner]  # type: ignore[valid-type]
    module, _, qualname = name.partition(":")
    if not module.startswith("oncall_tui.") or "." in qualname:
        return Any
    try:
        cls = getattr(importlib.import_module(module), qualname)
    except (ImportError, AttributeError):
        return Any
    return cls if dataclasses.is_dataclass(cls) else Any
