"""The requirements flows through the backend interface, as each kind of user, and the refusals."""
from __future__ import annotations

from datetime import datetime

import pytest

from oncall_tui.core.domain_requirements import AutoRule, RequirementDef
from oncall_tui.core.errors import InvalidInput, NotAllowed, NotFound, StaleEdit

from ..conftest import DEMO_YOU


def item(readiness, slug):
    return next(i for i in readiness.items if i.requirement.slug == slug)


def eligible(readiness):
    return {r.role for r in readiness.roles if r.eligible}


def unchanged(backend, call, error, *readers):
    """`call` fails with `error`, and neither the audit cursor nor what `readers` return moved."""
    cursor = backend.change_cursor()
    before = [r() for r in readers]
    with pytest.raises(error) as exc:
        call()
    assert backend.change_cursor() == cursor
    assert [r() for r in readers] == before
    return exc.value


def test_engineer_sees_checklist_with_states_and_blockers(as_user):
    lena = as_user("lena").requirements()
    assert lena.person.login == "lena" and lena.team == "platform" and lena.is_me
    assert not lena.viewer_manages
    assert item(lena, "incident-training").state == "expired"
    assert item(lena, "incident-training").detail == "expired on 23 Oct 2026"
    assert item(lena, "shadowing").state == "met"
    assert eligible(lena) == {"shadow"}
    primary = next(r for r in lena.roles if r.role == "primary")
    assert primary.blockers == ("Incident response training: expired on 23 Oct 2026",)
    ivan = as_user("ivan").requirements()
    assert item(ivan, "incident-training").state == "expiring"
    assert "(in 9 days)" in item(ivan, "incident-training").detail
    assert ivan.summary == "5 of 5 met · 1 expiring · eligible: primary, secondary, shadow"
    fatima = as_user("fatima").requirements()
    assert item(fatima, "incident-training").state == "pending"
    assert item(fatima, "device").state == "missing"
    assert item(fatima, "incident-training").requirement.link.startswith("https://")


def test_home_line_summarises_requirements(as_user):
    assert as_user("ivan").home().requirements_summary == (
        "Requirements: 5 of 5 met · 1 expiring · eligible: primary, secondary, shadow")
    assert as_user("kofi").home().requirements_summary == (
        "Requirements: 1 of 5 met · eligible: shadow")


def test_only_managers_see_other_people_and_the_matrix(as_user):
    assert as_user(DEMO_YOU).requirements(person="lena").is_me is False
    assert as_user(DEMO_YOU).requirements(person="lena").viewer_manages
    with pytest.raises(NotAllowed):
        as_user("alice").requirements(person="lena")
    with pytest.raises(NotAllowed):
        as_user("alice").team_readiness("platform")
    with pytest.raises(NotAllowed):
        as_user("alice").pending_verifications("platform")
    matrix = as_user("maya").team_readiness("platform")
    slugs = [r.slug for r in matrix.requirements]
    assert slugs == ["incident-training", "runbooks", "shadowing", "device", "vpn-access"]
    row = {r.person.login: r for r in matrix.rows}
    assert row["lena"].states[0] == "expired" and row["kofi"].states[3] == "missing"
    assert row["alice"].eligible_roles == ("primary", "secondary", "shadow")
    assert [p.person.login for p in matrix.pending] == ["fatima"]
    assert matrix.rows[-1].person.login == "maya" and not matrix.rows[-1].on_rotation


def test_request_approve_makes_the_engineer_eligible_and_is_audited(as_user):
    lena, root = as_user("lena"), as_user(DEMO_YOU)
    asked = lena.request_verification("incident-training", evidence="Retook the course",
                                      link="https://learning.example.com/cert/42")
    assert item(asked, "incident-training").state == "pending"
    assert eligible(asked) == {"shadow"}
    pending = {p.person.login: p for p in root.pending_verifications("platform")}
    mine = pending["lena"]
    assert mine.evidence == "Retook the course" and mine.evidence_link.endswith("/cert/42")
    after = root.decide_verification(mine.status_id, approve=True, expected_version=mine.version)
    assert after.person.login == "lena"
    assert item(after, "incident-training").state == "met"
    assert eligible(as_user("lena").requirements()) == {"primary", "secondary", "shadow"}
    actions = [(a.action, a.detail.get("person")) for a in root.audit(team="platform", limit=5)]
    assert ("requirement.approve", "lena") in actions
    assert [a.action for a in lena.audit(team="platform", limit=5)][0] == "requirement.request"


def test_reject_needs_a_reason_and_shows_it(as_user):
    root = as_user(DEMO_YOU)
    fatima = root.pending_verifications("platform")[0]
    read = lambda: as_user("fatima").requirements()  # noqa: E731
    err = unchanged(root, lambda: root.decide_verification(fatima.status_id, approve=False, reason="  "),
                    InvalidInput, read)
    assert err.field == "reason"
    out = root.decide_verification(fatima.status_id, approve=False, reason="No certificate attached")
    got = item(out, "incident-training")
    assert got.state == "rejected" and got.reason == "No certificate attached"
    assert got.detail == "rejected: No certificate attached"
    # Deciding again refuses: it is no longer waiting.
    unchanged(root, lambda: root.decide_verification(fatima.status_id, approve=True), NotAllowed, read)


def test_stale_decision_is_refused_with_the_fresh_state(as_user):
    root, maya = as_user(DEMO_YOU), as_user("maya")
    p = root.pending_verifications("platform")[0]
    maya.decide_verification(p.status_id, approve=False, reason="Please attach the certificate",
                             expected_version=p.version)
    with pytest.raises(StaleEdit) as exc:
        root.decide_verification(p.status_id, approve=True, expected_version=p.version)
    assert exc.value.fresh.version == p.version + 1
    assert item(as_user("fatima").requirements(), "incident-training").state == "rejected"


def test_engineers_cannot_verify_grant_or_attest_for_others(as_user):
    alice = as_user("alice")
    p = as_user(DEMO_YOU).pending_verifications("platform")[0]
    read = lambda: as_user(DEMO_YOU).team_readiness("platform")  # noqa: E731
    err = unchanged(alice, lambda: alice.decide_verification(p.status_id, approve=True), NotAllowed, read)
    assert "only a manager" in err.message
    unchanged(alice, lambda: alice.grant("emeka", "runbooks", note="trust me"), NotAllowed, read)
    unchanged(alice, lambda: alice.grant("alice", "vpn-access", waive=True, note="x"), NotAllowed, read)


def test_attest_only_self_attested_and_only_good_evidence(as_user):
    emeka = as_user("emeka")
    read = emeka.requirements
    err = unchanged(emeka, lambda: emeka.attest("incident-training", evidence="did it"), NotAllowed, read)
    assert "ask for verification" in err.message
    unchanged(emeka, lambda: emeka.attest("shadowing", evidence="did it"), NotAllowed, read)
    unchanged(emeka, lambda: emeka.request_verification("runbooks", evidence="x"), NotAllowed, read)
    assert unchanged(emeka, lambda: emeka.attest("runbooks", evidence=""), InvalidInput, read).field == "evidence"
    assert unchanged(emeka, lambda: emeka.attest("runbooks", evidence="x" * 2001), InvalidInput, read).field \
        == "evidence note"
    for bad in ("javascript:alert(1)", "ftp://files.example.com/x", "file:///etc/passwd"):
        unchanged(emeka, lambda: emeka.attest("runbooks", evidence=bad), InvalidInput, read)
        unchanged(emeka, lambda: emeka.attest("runbooks", evidence="ok", link=bad), InvalidInput, read)
    unchanged(emeka, lambda: emeka.attest("no-such-thing", evidence="x"), NotFound, read)
    done = emeka.attest("runbooks", evidence="Read the top ten", link="https://wiki.example.com/n/1")
    got = item(done, "runbooks")
    assert got.state == "met" and got.evidence == "Read the top ten"
    assert got.detail == "since 27 Nov 2026, valid through 26 May 2027"  # shown after "met: "
    assert item(emeka.attest("runbooks", evidence="https://wiki.example.com/n/2"), "runbooks").evidence_link \
        == "https://wiki.example.com/n/2"


def test_asking_twice_is_refused(as_user):
    fatima = as_user("fatima")
    err = unchanged(fatima, lambda: fatima.request_verification("incident-training", evidence="again"),
                    NotAllowed, fatima.requirements)
    assert "already waiting" in err.message


def test_manager_grants_and_waives_with_a_note(as_user):
    maya = as_user("maya")
    unchanged(maya, lambda: maya.grant("kofi", "device", note=""), InvalidInput,
              lambda: as_user("kofi").requirements())
    out = maya.grant("kofi", "device", note="Uses the team's shared phone this month")
    assert item(out, "device").state == "met"
    out = maya.grant("kofi", "vpn-access", waive=True, note="Contractor, no VPN needed")
    got = item(out, "vpn-access")
    assert got.state == "waived" and got.reason == "Contractor, no VPN needed"
    actions = [a.action for a in maya.audit(team="platform", limit=2)]
    assert actions == ["requirement.waive", "requirement.grant"]


def test_a_manager_cannot_verify_or_grant_for_themselves_when_another_manager_exists(as_user):
    root = as_user(DEMO_YOU)
    err = unchanged(root, lambda: root.grant(DEMO_YOU, "runbooks", note="mine"), NotAllowed, root.requirements)
    assert "ask another manager" in err.message


def test_shadow_options_leave_out_the_shifts_i_work_myself(db_url):
    """On 3 December the month is published and alice works in it: none of her own shifts is
    offered to her to shadow (sign-up refuses them; the list showed them)."""
    from datetime import datetime, timezone

    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.core.clock import FixedClock
    from oncall_tui.services.demo import build_demo

    clock = FixedClock(datetime(2026, 12, 3, 9, 30, tzinfo=timezone.utc))
    build_demo(LocalBackend(db_url, actor=DEMO_YOU, clock=clock), clock)
    alice = LocalBackend(db_url, actor="alice", clock=clock)
    options = alice.shadow_options(days=28)
    mine = {d.assignment.start for d in alice.shifts() if d.assignment.role != "shadow"}
    assert mine and options
    assert not {o.start for o in options} & mine
    assert all("alice" not in {p.login for p in o.on_call} for o in options)


def test_sign_up_to_shadow_shows_to_the_partner(as_user, clock):
    kofi = as_user("kofi")
    options = kofi.shadow_options()
    assert options and all(o.start > clock.now() for o in options)
    free = next(o for o in options if o.shadow is None and o.on_call)
    partner = free.on_call[0].login
    taken = kofi.sign_up_shadow(free.assignment_uid)
    assert taken.mine and taken.shadow.login == "kofi" and taken.start == free.start
    detail = next(d for d in as_user(partner).home().next_shifts if d.assignment.start == free.start)
    assert ("kofi", "shadow") in {(p.person.login, p.role) for p in detail.partners}
    mine = as_user("kofi").shifts()
    assert any(d.assignment.role == "shadow" and d.assignment.start == free.start for d in mine)
    # Counts once that shift has ended, not before.
    kofi_now = item(as_user("kofi").requirements(), "shadowing").detail
    assert "signed up" not in kofi_now  # already met (7 done); sign-up adds to the future
    read = kofi.shadow_options
    err = unchanged(kofi, lambda: as_user("fatima").sign_up_shadow(free.assignment_uid), NotAllowed, read)
    assert "Kofi Mensah already shadows" in err.message
    err = unchanged(kofi, lambda: as_user(partner).sign_up_shadow(free.assignment_uid), NotAllowed, read)
    assert "already on that shift" in err.message
    unchanged(kofi, lambda: kofi.sign_up_shadow("nope"), NotFound, read)
    back = kofi.cancel_shadow(free.assignment_uid)
    assert back.shadow is None
    unchanged(kofi, lambda: kofi.cancel_shadow(free.assignment_uid), NotAllowed, read)


def test_shadow_sign_up_of_a_past_shift_is_refused(as_user):
    root = as_user(DEMO_YOU)
    past = root.shifts(person="*", first=datetime(2026, 11, 1).date(), last=datetime(2026, 11, 1).date())
    uid = past[0].assignment.uid
    err = unchanged(root, lambda: as_user("kofi").sign_up_shadow(uid), NotAllowed, root.shadow_options)
    assert "already started" in err.message


def test_manager_defines_and_edits_requirements(as_user):
    maya, alice = as_user("maya"), as_user("alice")
    spec = RequirementDef(slug="calendar", name="Calendar connected", why="So the planner sees you busy",
                          how="Connect your work calendar (press a)", roles=("primary", "secondary"),
                          method="auto", auto=AutoRule(kind="calendar_connected"))
    read = lambda: maya.requirement_definitions("platform")  # noqa: E731
    unchanged(maya, lambda: alice.save_requirement("platform", spec), NotAllowed, read)
    for bad, field in ((RequirementDef(slug="Bad Slug", name="x"), "slug"),
                       (RequirementDef(slug="x", name=""), "name"),
                       (RequirementDef(slug="x", name="x", roles=("pilot",)), "roles"),
                       (RequirementDef(slug="x", name="x", method="auto"), "auto"),
                       (RequirementDef(slug="x", name="x", link="javascript:alert(1)"), "link"),
                       (RequirementDef(slug="x", name="x", valid_days=0), "valid_days")):
        assert unchanged(maya, lambda: maya.save_requirement("platform", bad), InvalidInput, read).field == field
    made = maya.save_requirement("platform", spec)
    assert made.id and made.auto == AutoRule(kind="calendar_connected", min=1, months=6)
    unchanged(maya, lambda: maya.save_requirement("platform", spec), InvalidInput, read)
    # Nobody in the demo has connected a calendar: it now blocks everyone.
    assert eligible(as_user("alice").requirements()) == {"shadow"}
    edited = maya.save_requirement("platform", RequirementDef(**{**made.__dict__, "active": False}),
                                   expected_version=made.version)
    assert edited.version == made.version + 1 and not edited.active
    assert "primary" in eligible(as_user("alice").requirements())
    with pytest.raises(StaleEdit):
        maya.save_requirement("platform", spec, expected_version=made.version)


def test_results_round_trip_through_the_wire(as_user):
    from oncall_tui.backend.registry import api_methods
    from oncall_tui.backend.api import Backend
    from oncall_tui.core import wire

    root = as_user(DEMO_YOU)
    methods = api_methods(Backend)
    for name, value in (("requirements", root.requirements()), ("team_readiness", root.team_readiness("platform")),
                        ("shadow_options", root.shadow_options())):
        assert wire.decode(methods[name].returns, wire.encode(value)) == value
        assert wire.convert(methods[name].returns, wire.to_builtins(value)) == value
