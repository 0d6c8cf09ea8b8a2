"""The authorization matrix, generated from the registry: every backend operation, run as
each kind of caller, locally and over a real `oncall serve`, against its declared policy.

A caller the policy refuses must be refused by the policy check (NotAllowed naming the
operation, UnknownUser for somebody no longer here, 401 without a live token) and change
nothing; a caller it allows must get past it (the service may still say no for a finer
reason of its own: a stale version, a closed month).  A new operation without a sample
below fails `test_every_operation_has_a_sample`.
"""
from __future__ import annotations

from datetime import date

import pytest

from oncall_tui.backend.api import backend_methods
from oncall_tui.core.errors import NotAllowed, NotAuthenticated, OncallError, UnknownUser
from tests.conftest import DEMO_YOU
from tests.server.authz_world import ACTORS, ADMINS, CALENDAR, PAST, TEAMS, build_world

#: operation -> (arguments, the person the operation is about); every argument that picks a
#: team or a person is named: team "platform" and, for people, alice (or lena, who left).
SAMPLES = {
    "whoami": (lambda ids: {}, None),
    "home": (lambda ids: {}, None),
    "now": (lambda ids: {"team": "platform"}, None),
    "shifts": (lambda ids: {"person": "alice", "team": "platform"}, "alice"),
    "teams": (lambda ids: {}, None),
    "members": (lambda ids: {"team": "platform"}, None),
    "rotations": (lambda ids: {"team": "platform"}, None),
    "escalation": (lambda ids: {"team": "platform"}, None),
    "change_cursor": (lambda ids: {}, None),
    "audit": (lambda ids: {"team": "platform"}, None),
    "update_profile": (lambda ids: {"expected_version": 10 ** 6, "name": "Someone Else"}, None),
    "add_handover_note": (lambda ids: {"assignment_uid": ids["shift"], "text": "all quiet"}, None),
    "import_team": (lambda ids: {"toml_text": ids["platform_file"]}, None),
    "export_team": (lambda ids: {"team": "platform"}, None),
    "requirements": (lambda ids: {"person": "alice", "team": "platform"}, "alice"),
    "requirement_definitions": (lambda ids: {"team": "platform"}, None),
    "team_readiness": (lambda ids: {"team": "platform"}, None),
    "pending_verifications": (lambda ids: {"team": "platform"}, None),
    "attest": (lambda ids: {"requirement": "incident-training", "team": "platform", "evidence": "done"}, None),
    "request_verification": (lambda ids: {"requirement": "incident-training", "team": "platform",
                                          "evidence": "done"}, None),
    "decide_verification": (lambda ids: {"status_id": ids["pending"], "approve": False, "reason": "not yet"},
                            None),
    "grant": (lambda ids: {"person": "alice", "requirement": "incident-training", "team": "platform",
                           "note": "seen it"}, "alice"),
    "save_requirement": (lambda ids: {"team": "platform", "spec": ids["requirement"],
                                      "expected_version": 10 ** 6}, None),
    "shadow_options": (lambda ids: {"team": "platform"}, None),
    "sign_up_shadow": (lambda ids: {"assignment_uid": ids["shift"]}, None),
    "cancel_shadow": (lambda ids: {"assignment_uid": ids["shift"]}, None),
    "availability": (lambda ids: {"person": "alice", "month": "2026-12"}, "alice"),
    "set_availability": (lambda ids: {"days": [date(2026, 12, 10)], "state": "unavailable",
                                      "person": "alice"}, "alice"),
    "set_utilisation": (lambda ids: {"person": "alice", "month": "2026-12", "pct": 40}, "alice"),
    "calendar_sources": (lambda ids: {"person": "alice"}, "alice"),
    "add_calendar_source": (lambda ids: {"label": "Work", "location": "https://cal.example.com/a.ics",
                                         "kind": "url", "person": "alice"}, "alice"),
    "preview_calendar": (lambda ids: {"source_id": ids["source"], "content": CALENDAR, "month": "2026-12",
                                      "person": "alice"}, "alice"),
    "sync_calendar": (lambda ids: {"source_id": ids["source"], "content": CALENDAR, "month": "2026-12"}, "alice"),
    "remove_calendar_source": (lambda ids: {"source_id": ids["source"]}, "alice"),
    "team_availability": (lambda ids: {"team": "platform", "month": "2026-12"}, None),
    "plan_problem": (lambda ids: {"rotation": "platform-247", "month": "2026-12", "team": "platform"}, None),
    "save_draft": (lambda ids: {"rotation": "platform-247", "month": "2026-12", "team": "platform",
                                "solved": _empty_solution()}, None),
    "draft_plan": (lambda ids: {"rotation": "platform-247", "month": "2026-12", "solver": "greedy",
                                "time_limit": 1.0, "team": "platform"}, None),
    "plans": (lambda ids: {"team": "platform"}, None),
    "plan": (lambda ids: {"plan_id": ids["published"]}, None),
    "edit_plan": (lambda ids: {"plan_id": ids["draft"], "expected_version": 10 ** 6, "changes": []}, None),
    "plan_diff": (lambda ids: {"plan_id": ids["published"]}, None),
    "publish_plan": (lambda ids: {"plan_id": ids["draft"], "expected_version": 10 ** 6}, None),
    "explain_person": (lambda ids: {"plan_id": ids["published"], "login": "alice"}, "alice"),
    "issue_token": (lambda ids: {"login": "alice", "expires_days": 1}, "alice"),
    "tokens": (lambda ids: {"login": "lena"}, "lena"),
    "revoke_token": (lambda ids: {"token_id": ids["lena_token"]}, "lena"),
    "feed_url": (lambda ids: {"rotate": True}, None),
    "team_feed_url": (lambda ids: {"team": "platform", "rotate": True}, None),
    "export_calendar": (lambda ids: {"login": "alice"}, "alice"),
    "export_team_calendar": (lambda ids: {"team": "platform"}, None),
    "delivery_status": (lambda ids: {"team": "platform"}, None),
    "my_delivery": (lambda ids: {"person": "alice"}, "alice"),
    "retry_delivery": (lambda ids: {"person": "alice", "team": "platform"}, "alice"),
    "mail_server": (lambda ids: {"team": "platform"}, None),
    "set_mail_server": (lambda ids: {"team": "platform", "host": "smtp.example.com", "from_address":
                                     "oncall@example.com", "password": "pw"}, None),
    "caldav_account": (lambda ids: {"person": "alice"}, "alice"),
    "set_caldav": (lambda ids: {"url": "https://93.184.216.34/dav/", "username": "alice", "password": "pw",
                                "person": "alice"}, "alice"),
    "swap_candidates": (lambda ids: {"shift_uid": ids["shift"]}, None),
    "swap_request": (lambda ids: {"shift_uid": ids["shift"], "ask": ["nobody-here"]}, None),
    "swaps": (lambda ids: {"team": "platform"}, None),
    "swap": (lambda ids: {"swap_id": 1}, None),
    "swap_agree": (lambda ids: {"swap_id": 1, "as_login": "nobody-here"}, None),
    "swap_decline": (lambda ids: {"swap_id": 1, "as_login": "nobody-here"}, None),
    "swap_cancel": (lambda ids: {"swap_id": 1}, None),
    "swap_assign": (lambda ids: {"shift_uid": ids["shift"], "login": "nobody-here"}, None),
    "swap_undo": (lambda ids: {"swap_id": 1}, None),
    "swap_trade_options": (lambda ids: {"shift_uid": ids["shift"], "login": "nobody-here"}, None),
    "cant_make_it_link": (lambda ids: {"shift_uid": ids["shift"]}, None),
    "swap_link": (lambda ids: {"secret": "not-a-secret-of-any-link-here"}, None),
    "swap_link_answer": (lambda ids: {"secret": "not-a-secret-of-any-link-here", "agree": True}, None),
    "cant_link": (lambda ids: {"secret": "not-a-secret-of-any-link-here"}, None),
    "cant_link_request": (lambda ids: {"secret": "not-a-secret-of-any-link-here"}, None),
}
PERSONAL_SCOPES = {"person", "token", "source"}


def _empty_solution():
    from oncall_tui.core.domain_planning import SolvedPlan

    return SolvedPlan(solver="greedy", status="feasible", elapsed=0.1)


# -- what the policy says, worked out from the table above (not from the server's code) --------
def _teams_of(login: str | None) -> set[str]:
    return {team for team, people in TEAMS.items() if login in people}


def _holds(who: str, actor: str, person: str | None, teams: set[str]) -> bool:
    if who in ("anyone", "link"):  # link: the secret is checked by the method itself
        return True
    if who == "admin":
        return actor in ADMINS
    if who == "self":
        return person == actor
    if who == "member":
        return bool(teams & _teams_of(actor))
    if who in ("manager", "manager_was"):
        if who == "manager_was":
            teams = teams | PAST.get(person, set())
        return any(TEAMS[t].get(actor) == "manager" for t in teams)
    raise AssertionError(who)


def policy_allows(name: str, actor: str | None) -> bool:
    if actor is None or actor in PAST:  # nobody signed in, or nobody here any more
        return False
    kwargs_of, person = SAMPLES[name]
    for rule in backend_methods()[name].policy:
        if rule.scope is None:
            subject, teams = None, set()
        elif rule.scope in PERSONAL_SCOPES:
            subject = person or actor
            teams = _teams_of(subject)
        else:
            subject, teams = None, {"platform"}
        if not any(_holds(who, actor, subject, teams) for who in rule.who):
            return False
    return True


# -- the matrix -------------------------------------------------------------------------------
def test_every_operation_has_a_sample():
    assert set(SAMPLES) == set(backend_methods()), "add the new operation to SAMPLES (and its policy)"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from oncall_tui.core.clock import FixedClock
    from tests.conftest import NOW

    return build_world(tmp_path_factory.mktemp("authz-world"), FixedClock(NOW))


def _outcome(call) -> str:
    try:
        call()
    except NotAuthenticated:
        return "refused"
    except UnknownUser:
        return "refused"
    except NotAllowed as exc:
        return "refused" if "operation" in exc.extra else "service said no"
    except OncallError:
        return "got past the policy"
    return "got past the policy"


@pytest.mark.parametrize("kind", ["local", "remote"])
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_authorization_matrix(name, kind, world, tmp_path, clock, request):
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.backend.remote import RemoteBackend

    mine = world.copy(tmp_path / "oncall.db")
    local_root = LocalBackend(mine.url, actor=DEMO_YOU, clock=clock)
    if kind == "remote":
        server = request.getfixturevalue("remote_server")
        server.app.state.backend = LocalBackend(mine.url, actor="-", clock=clock)
        server.app.state.read_cache.clear()
        request.addfinalizer(lambda: setattr(server.app.state, "backend", None))

    def backend_for(actor):
        if kind == "local":
            return LocalBackend(mine.url, actor=actor, clock=clock)
        return RemoteBackend(server.url, token=world.tokens.get(actor) if actor else None)

    actors = ACTORS + ([None] if kind == "remote" else [])
    # Callers the policy refuses go first: the database is as the world built it for each of them.
    order = sorted(actors, key=lambda a: policy_allows(name, a))
    kwargs_of, _person = SAMPLES[name]
    wrong = []
    by_link = all("link" in rule.who for rule in backend_methods()[name].policy)
    for actor in order:
        if by_link and actor in PAST:
            continue  # a link's secret is the whole authority: locally anyone may hold one, remotely a token is asked
        expected = policy_allows(name, actor)
        before = local_root.change_cursor()
        backend = backend_for(actor)
        got = _outcome(lambda: getattr(backend, name)(**kwargs_of(mine.ids)))
        backend.close()
        if expected and got == "refused":
            wrong.append(f"{actor or 'anonymous'}: the policy allows {name}, but it was refused")
        if not expected and got != "refused":
            wrong.append(f"{actor or 'anonymous'}: the policy refuses {name}, but it {got}")
        if not expected and local_root.change_cursor() != before:
            wrong.append(f"{actor or 'anonymous'}: a refused {name} changed something")
    local_root.close()
    assert not wrong, "\n".join(wrong)
