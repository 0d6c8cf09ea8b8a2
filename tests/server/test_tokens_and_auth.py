"""Tokens (on every backend) and what the server does with them (real HTTP)."""
from __future__ import annotations

import logging

import httpx
import pytest

from oncall_tui.backend.api import Backend
from oncall_tui.backend.registry import api_methods
from oncall_tui.backend.remote import RemoteBackend
from oncall_tui.core.errors import InvalidInput, NotAllowed, StaleEdit, Unavailable
from tests.conftest import DEMO_YOU
from tests.conftest_backends import free_port, issue_test_token


def test_every_api_method_is_reachable_remotely():
    for name, method in api_methods(Backend).items():
        generated = getattr(RemoteBackend, name)
        assert generated is not getattr(Backend, name), name
        assert generated.__doc__ == method.doc


def test_manager_issues_token_shown_once_engineer_cannot(as_user):
    root, alice = as_user(DEMO_YOU), as_user("alice")
    issued = root.issue_token("alice", expires_days=30, label="laptop")
    assert issued.token.startswith("oc_") and len(issued.token) > 40
    assert (issued.info.login, issued.info.status, issued.info.label) == ("alice", "active", "laptop")
    listed = {t.id: t for t in root.tokens(login="alice")}
    assert listed[issued.info.id].hint == issued.token[:9]
    assert issued.token not in repr(root.tokens())  # only the hash is kept
    own = alice.issue_token("alice", expires_days=7)  # the person, for themselves
    assert own.info.login == "alice" and own.info.issued_by == "alice"
    with pytest.raises(NotAllowed):
        alice.issue_token("bogdan")
    with pytest.raises(NotAllowed):
        alice.tokens(login="bogdan")
    with pytest.raises(InvalidInput) as err:
        root.issue_token("alice", expires_days=0)
    assert err.value.field == "expires_days"
    assert issued.info.id in [t.id for t in alice.tokens()]
    assert alice.revoke_token(issued.info.id).status == "revoked"
    assert {t.id: t.status for t in root.tokens(login="alice")}[issued.info.id] == "revoked"



def _whoami(url: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(f"{url}/api/v1/whoami", json={}, headers=headers)


def test_missing_unknown_expired_and_revoked_tokens_get_401_saying_why(served, clock):
    server, local = served
    good = issue_test_token(local, "alice", days=1)
    assert _whoami(server.url, good).json()["login"] == "alice"

    answer = _whoami(server.url, None)
    assert answer.status_code == 401 and "no token was sent" in answer.json()["message"]
    answer = _whoami(server.url, "oc_not-a-real-token")
    assert answer.status_code == 401 and "not known here" in answer.json()["message"]

    revoked = local.issue_token("bogdan").info.id
    secret = issue_test_token(local, "bogdan")
    bogdan_tokens = [t for t in local.tokens(login="bogdan") if t.id != revoked]
    local.revoke_token(bogdan_tokens[0].id)
    answer = _whoami(server.url, secret)
    assert answer.status_code == 401 and "revoked" in answer.json()["message"]
    assert "login" not in answer.json()  # the server does not tell who a dead token belonged to

    clock.advance(days=2)
    answer = _whoami(server.url, good)
    assert answer.status_code == 401 and "expired" in answer.json()["message"]
    with pytest.raises(Exception) as err:
        RemoteBackend(server.url, token=good).whoami()
    assert "expired" in str(err.value) and f"oncall login {server.url}" in str(err.value)


def test_engineer_token_cannot_do_manager_things_whatever_is_sent(served, caplog):
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.store import models as m

    server, local = served
    local._write(lambda: m.Meta.delete().where(m.Meta.key == "demo").execute())  # a real team now
    server.app.state.backend = local = LocalBackend(local.url, actor=DEMO_YOU, clock=local.clock)
    token = issue_test_token(local, "alice")
    root_token_id = local.issue_token(DEMO_YOU).info.id
    before = local.change_cursor()
    text = local.export_team("platform")
    at = text.index('login = "alice"')
    team_file = text[:at] + text[at:].replace('role = "engineer"', 'role = "manager"', 1)  # promote herself
    url, auth = server.url, {"Authorization": f"Bearer {token}"}
    attempts = [
        ("whoami", {}, {"X-Oncall-Act-As": DEMO_YOU}),
        ("issue_token", {"login": "bogdan", "expires_days": 700}, {}),
        ("revoke_token", {"token_id": root_token_id}, {}),
        ("import_team", {"toml_text": team_file}, {}),
        ("tokens", {"login": DEMO_YOU}, {}),
    ]
    with caplog.at_level(logging.WARNING, logger="oncall.server"):
        for name, body, extra in attempts:
            answer = httpx.post(f"{url}/api/v1/{name}", json=body, headers={**auth, **extra})
            assert answer.status_code == 403, (name, answer.text)
            assert answer.json()["code"] == "not_allowed"
    assert local.change_cursor() == before
    assert local.tokens(login=DEMO_YOU)[0].status == "active"
    refusals = [r.getMessage() for r in caplog.records if r.name == "oncall.server"]
    assert len(refusals) == len(attempts) and all("for alice" in line for line in refusals)


def test_stale_edit_arrives_with_the_fresh_state_as_data(served):
    from oncall_tui.core.domain import Person

    server, local = served
    alice = RemoteBackend(server.url, token=issue_test_token(local, "alice"))
    me = alice.whoami()
    alice.update_profile(me.version, name="Alice M.")
    with pytest.raises(StaleEdit) as err:
        alice.update_profile(me.version, name="Alice Again")
    assert isinstance(err.value.fresh, Person) and err.value.fresh.name == "Alice M."


def test_unreachable_server_is_one_clear_line():
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(Unavailable) as err:
        RemoteBackend(url, token="oc_x").now()
    assert url in err.value.message and "oncall serve" in err.value.message


def test_health_readiness_openapi_and_get_reads(served):
    server, local = served
    assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{server.url}/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    spec = httpx.get(f"{server.url}/openapi.json").json()
    assert {f"/api/v1/{name}" for name in api_methods(Backend)} <= set(spec["paths"])
    assert spec["paths"]["/api/v1/now"]["post"]["summary"].startswith("Who is on call right now")
    assert "Person" in spec["components"]["schemas"]
    auth = {"Authorization": f"Bearer {issue_test_token(local, 'alice')}"}
    by_get = httpx.get(f"{server.url}/api/v1/now", params={"team": "platform"}, headers=auth)
    by_post = httpx.post(f"{server.url}/api/v1/now", json={"team": "platform"}, headers=auth)
    assert by_get.status_code == 200 and by_get.json() == by_post.json() and by_get.json()
    bad = httpx.post(f"{server.url}/api/v1/home", json={"horizon_days": "soon"}, headers=auth)
    assert bad.status_code == 422 and bad.json()["field"] == "horizon_days"


def test_the_remote_client_decodes_what_the_server_encodes(demo_db, clock):
    """Answers cross as wire JSON: decoded straight into the same dataclasses, types checked."""
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.core import wire

    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    methods = api_methods(Backend)
    for name, value in [("home", root.home()), ("now", root.now()), ("teams", root.teams()),
                        ("shifts", root.shifts(person="*")), ("audit", root.audit(team="platform")),
                        ("team_availability", root.team_availability("platform")),
                        ("plan_problem", root.plan_problem(root.rotations("platform")[0].slug))]:
        assert wire.decode(methods[name].returns, wire.encode(value)) == value
    # a wrong type in an answer is one line naming where, not a half-built value
    with pytest.raises(wire.WireError) as wrong:
        wire.decode(methods["teams"].returns, b'[{"slug": 5}]')
    assert wrong.value.message == "[0].slug must be a string, not a whole number"
    # a newer server may send a field this client does not know yet
    extra = wire.encode(root.whoami())[:-1] + b', "pager": "x"}'
    assert wire.decode(methods["whoami"].returns, extra) == root.whoami()
