"""One codec at every boundary (core/wire.py, msgspec): what a client sends is decoded strictly
(one 422 line naming the field), the remote client decodes the server's answers into the same
dataclasses, a team file's unknown key names its line, and every domain type survives a round
trip.  Real HTTP to a real server over a demo file."""
from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import types
import typing
from datetime import UTC, date, datetime

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oncall_tui import core
from oncall_tui.backend.remote import RemoteBackend
from oncall_tui.core import wire
from oncall_tui.core.errors import InvalidInput
from tests.conftest import DEMO_YOU
from tests.conftest_backends import issue_test_token


def _post(url: str, token: str, name: str, body: dict) -> httpx.Response:
    return httpx.post(f"{url}/api/v1/{name}", json=body, timeout=60, headers={"Authorization": f"Bearer {token}"})


def _refused(answer: httpx.Response, field: str, words: str) -> None:
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["field"] == field and words in body["message"] and "\n" not in body["message"], body


def test_the_server_refuses_unknown_fields_and_wrong_types_with_one_line(served):
    server, local = served
    token = issue_test_token(local, DEMO_YOU)
    before = local.change_cursor()
    _refused(_post(server.url, token, "home", {"horizon_days": "soon"}), "horizon_days",
             "horizon_days must be a whole number, not a string")
    _refused(_post(server.url, token, "home", {"horizon": 3}), "horizon", "home takes no argument called 'horizon'")
    _refused(_post(server.url, token, "members", {}), "team", "members needs the argument 'team'")
    solved = {"solver": "greedy", "status": "feasible", "elapsed": 0.1, "cells": [], "colour": "red"}
    _refused(_post(server.url, token, "save_draft", {"rotation": "platform-247", "month": "2026-12",
                                                     "solved": solved}), "solved", "solved has no field 'colour'")
    cells = [{"shift_id": "s", "role": "primary"}]
    _refused(_post(server.url, token, "save_draft", {"rotation": "platform-247", "month": "2026-12", "solved": {
        "solver": "greedy", "status": "feasible", "elapsed": 0.1, "cells": cells}}), "solved",
        "solved.cells[0] needs the field 'login'")
    _refused(_post(server.url, token, "set_availability", {"days": ["2026-12-01", "soon"], "state": "available"}),
             "days", "days[1] must be a date like 2026-12-01")
    _refused(_post(server.url, token, "set_availability", {"days": ["2026-12-01"], "state": "available",
                                                           "shift_start": "2026-12-01T09:00:00"}),
             "shift_start", "shift_start has no time zone offset")
    _refused(_post(server.url, token, "audit", {"team": "platform", "limit": 2 ** 70}), "limit",
             "limit is out of range")
    _refused(_post(server.url, token, "members", {"team": "plat\u0000form"}), "team", "must not contain NUL")
    assert local.change_cursor() == before


def test_the_remote_client_decodes_the_servers_answers(served):
    server, local = served
    remote = RemoteBackend(server.url, token=issue_test_token(local, DEMO_YOU))
    try:
        rotation = local.rotations("platform")[0].slug
        assert remote.team_availability("platform") == local.team_availability("platform")
        assert remote.home() == local.home()
        problem = remote.plan_problem(rotation)
        assert problem == local.plan_problem(rotation)
        assert problem.problem().shifts == local.plan_problem(rotation).problem().shifts  # the scheduler's too
        with pytest.raises(InvalidInput) as refused:
            remote.members("nope\u0000")
        assert refused.value.field == "team"
    finally:
        remote.close()


def test_a_team_file_with_an_unknown_key_names_its_line(as_user):
    manager = as_user(DEMO_YOU)
    text = manager.export_team("platform")
    broken = text.replace('login = "alice"\n', 'login = "alice"\npager = "0100"\n', 1)
    line = next(i for i, t in enumerate(broken.splitlines(), 1) if t.startswith("pager"))
    with pytest.raises(InvalidInput) as info:
        manager.import_team(broken, "platform.toml")
    assert info.value.message.startswith(f"platform.toml, line {line}: unknown key 'pager' (expected one of login,")
    typed = text.replace('on_rotation = true', 'on_rotation = "yes"', 1)
    line = next(i for i, t in enumerate(typed.splitlines(), 1) if t == 'on_rotation = "yes"')
    with pytest.raises(InvalidInput) as info:
        manager.import_team(typed, "platform.toml")
    assert info.value.message == f"platform.toml, line {line}: 'on_rotation' must be true or false, not a string"
    assert manager.export_team("platform") == text, "nothing is half-imported"


def test_an_answer_holding_text_that_is_not_unicode_still_leaves_as_json(demo_db, clock):
    """A lone surrogate stored by an older release goes out as a JSON escape, never a 500."""
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.server.calls import encode

    person = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock).whoami()
    odd = dataclasses.replace(person, name="Ro\udc80t")
    assert wire.to_builtins(odd)["name"] == "Ro\udc80t"
    assert b'"name":"Ro\\udc80t"' in encode(odd)


# -- round trips of every domain type ------------------------------------------------------------
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
SCALARS: dict[typing.Any, st.SearchStrategy] = {
    str: TEXT, int: st.integers(-(2 ** 63) + 1, 2 ** 63 - 1), bool: st.booleans(),
    float: st.floats(allow_nan=False, allow_infinity=False), date: st.dates(),
    datetime: st.datetimes(timezones=st.just(UTC)), type(None): st.none(),
    typing.Any: st.none() | st.integers() | TEXT,
    dict: st.dictionaries(TEXT, st.none() | st.integers() | TEXT, max_size=3),
}


def _strategy(tp: typing.Any) -> st.SearchStrategy:
    if tp in SCALARS:
        return SCALARS[tp]
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return st.one_of([_strategy(a) for a in args])
    if origin is typing.Literal:
        return st.sampled_from(args)
    if origin is list:
        return st.lists(_strategy(args[0]), max_size=3)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return st.lists(_strategy(args[0]), max_size=3).map(tuple)
        return st.tuples(*[_strategy(a) for a in args])
    if origin in (set, frozenset):
        return st.sets(_strategy(args[0]), max_size=3).map(origin)
    if origin is dict:
        return st.dictionaries(_strategy(args[0]), _strategy(args[1]), max_size=3)
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        return st.builds(tp, **{f.name: st.deferred(lambda h=hints[f.name]: _strategy(h))
                                for f in dataclasses.fields(tp) if f.init})
    raise AssertionError(f"no strategy for {tp}")


def _domain_types() -> list[type]:
    found = []
    for info in pkgutil.iter_modules(core.__path__):
        if info.name == "domain" or info.name.startswith("domain_"):
            module = importlib.import_module(f"oncall_tui.core.{info.name}")
            found += [v for v in vars(module).values() if isinstance(v, type) and dataclasses.is_dataclass(v)
                      and v.__module__ == module.__name__]
    return sorted(found, key=lambda t: t.__qualname__)


DOMAIN_TYPES = _domain_types()


def test_the_domain_types_are_all_found():
    names = {t.__name__ for t in DOMAIN_TYPES}
    assert {"Person", "PlanView", "TeamAvailability", "PersonReadiness", "TokenInfo"} <= names


@pytest.mark.parametrize("cls", DOMAIN_TYPES, ids=lambda t: t.__name__)
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_domain_type_survives_the_wire(cls, data):
    value = data.draw(_strategy(cls))
    assert wire.decode(cls, wire.encode(value)) == value
    assert wire.convert(cls, wire.to_builtins(value)) == value
    assert wire.convert_strict(cls, wire.to_builtins(value)) == value
