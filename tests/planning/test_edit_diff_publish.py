"""A manager's way through a draft: edit it by hand, see the diff, publish, re-plan."""
from __future__ import annotations

from datetime import date

import pytest

from oncall_tui.core.domain_planning import CellEdit, PlanView
from oncall_tui.core.errors import InvalidInput, NotAllowed, StaleEdit

from ..conftest import DEMO_YOU
from .helpers import MONTH, ROT, local_day


def _first_valid_reassignment(backend, view: PlanView) -> tuple[PlanView, str, str]:
    """Try people in a cell until the hard rules accept one; return (new view, uid, login)."""
    logins = [p.login for p in view.people]
    for cell in view.cells:
        if cell.role != "secondary" or local_day(cell.start) < date(2026, 12, 5):
            continue
        for login in logins:
            if login == cell.login:
                continue
            try:
                return backend.edit_plan(view.summary.id, view.summary.version,
                                         [CellEdit(uid=cell.uid, login=login)]), cell.uid, login
            except InvalidInput:
                continue
    raise AssertionError("no valid reassignment found")


def test_edits_are_checked_against_the_hard_rules_and_rescored(as_user):
    me = as_user(DEMO_YOU)
    me.set_availability([date(2026, 12, 15)], "unavailable", note="moving house", person="jess")
    view = me.draft_plan(ROT, solver="greedy")
    target = next(c for c in view.cells if local_day(c.start) == date(2026, 12, 15) and c.role == "primary")
    with pytest.raises(InvalidInput) as refused:
        me.edit_plan(view.summary.id, view.summary.version, [CellEdit(uid=target.uid, login="jess")])
    assert "jess" in refused.value.message and "unavailable" in refused.value.message
    assert me.plan(view.summary.id).summary.version == view.summary.version, "a refused edit changes nothing"

    edited, uid, login = _first_valid_reassignment(me, view)
    cell = next(c for c in edited.cells if c.uid == uid)
    assert (cell.login, cell.source) == (login, "manual")
    assert edited.summary.version == view.summary.version + 1
    assert edited.summary.score == sum(edited.penalties.values())
    assert not [w for w in edited.warnings if w.startswith("hard rule")]


def test_swapping_two_cells_exchanges_the_people(as_user):
    me = as_user(DEMO_YOU)
    view = me.draft_plan(ROT, solver="greedy")
    one = next(c for c in view.cells if c.role == "primary" and local_day(c.start) == date(2026, 12, 8))
    two = next(c for c in view.cells if c.role == "secondary" and local_day(c.start) == date(2026, 12, 8))
    swapped = me.edit_plan(view.summary.id, view.summary.version, [CellEdit(uid=one.uid, swap_with=two.uid)])
    after = {c.uid: c.login for c in swapped.cells}
    assert (after[one.uid], after[two.uid]) == (two.login, one.login)


def test_two_managers_never_overwrite_each_other(as_user):
    me, maya = as_user(DEMO_YOU), as_user("maya")
    view = me.draft_plan(ROT, solver="greedy")
    mine, _, _ = _first_valid_reassignment(me, view)
    with pytest.raises(StaleEdit) as stale:
        _first_valid_reassignment(maya, view)  # maya still holds version 1
    fresh = stale.value.fresh
    assert isinstance(fresh, PlanView)
    assert fresh.summary.version == mine.summary.version
    assert {c.uid: c.login for c in fresh.cells} == {c.uid: c.login for c in mine.cells}
    with pytest.raises(StaleEdit):
        me.publish_plan(view.summary.id, view.summary.version)


def test_publish_supersedes_the_previous_plan_and_keeps_slot_uids(as_user):
    me = as_user(DEMO_YOU)
    first = me.draft_plan(ROT, solver="greedy")
    assert me.plan_diff(first.summary.id).against_id is None
    published = me.publish_plan(first.summary.id, first.summary.version)
    assert (published.status, published.number) == ("published", 1)
    december = me.shifts(person="*", first=date(2026, 12, 1), last=date(2026, 12, 31), team="platform")
    ours = {d.assignment.uid for d in december if d.assignment.plan_id == first.summary.id}
    assert ours == {c.uid for c in first.cells if c.login}

    second = me.draft_plan(ROT, solver="greedy")
    assert {c.uid for c in second.cells} == {c.uid for c in first.cells}, "slots are shared across plans"
    assert me.plan_diff(second.summary.id).changes == (), "re-planning the same data changes nothing"
    edited, uid, login = _first_valid_reassignment(me, second)
    diff = me.plan_diff(second.summary.id)
    assert diff.against_id == first.summary.id and diff.against_number == 1
    assert [(d.uid, d.after) for d in diff.changes] == [(uid, login)]
    before = diff.changes[0].before
    people = {p.login: p for p in diff.people}
    assert [d.uid for d in people[login].added] == [uid]
    if before:
        assert [d.uid for d in people[before].removed] == [uid]

    again = me.publish_plan(second.summary.id, edited.summary.version)
    assert again.number == 2
    statuses = {p.id: (p.status, p.number) for p in me.plans(rotation=ROT) if p.month == MONTH}
    assert statuses[first.summary.id] == ("superseded", 1)
    assert statuses[second.summary.id] == ("published", 2)
    old = me.plan(first.summary.id)
    assert [c.login for c in old.cells] == [c.login for c in first.cells], "the superseded plan is kept"
    december = me.shifts(person="*", first=date(2026, 12, 1), last=date(2026, 12, 31), team="platform")
    holder = {d.assignment.uid: d.assignment.person.login for d in december}
    assert holder[uid] == login
    with pytest.raises(InvalidInput):
        me.edit_plan(second.summary.id, again.version, [CellEdit(uid=uid, login=None)])
    actions = [a.action for a in me.audit(team="platform", limit=50)]
    for action in ("plan.draft", "plan.edit", "plan.publish"):
        assert action in actions


def test_engineers_see_published_plans_but_cannot_edit_them(as_user):
    me = as_user(DEMO_YOU)
    draft = me.draft_plan(ROT, solver="greedy")
    me.publish_plan(draft.summary.id, draft.summary.version)
    alice = as_user("alice")
    view = alice.plan(draft.summary.id)
    assert view.summary.status == "published"
    with pytest.raises(NotAllowed):
        alice.edit_plan(draft.summary.id, view.summary.version, [CellEdit(uid=view.cells[0].uid, login="alice")])
    assert "alice" in alice.explain_person(draft.summary.id, "alice")


def test_a_re_plan_keeps_shadow_sign_ups_and_handover_notes(as_user):
    me, fatima = as_user(DEMO_YOU), as_user("fatima")
    first = me.draft_plan(ROT, solver="greedy")
    shadows = [c for c in first.cells if c.role == "shadow" and local_day(c.start) >= date(2026, 12, 3)]
    first = me.edit_plan(first.summary.id, first.summary.version, [CellEdit(uid=c.uid,
                                                                            login=None) for c in shadows[:5]])
    me.publish_plan(first.summary.id, first.summary.version)
    primaries = {c.start: c for c in first.cells if c.role == "primary"}
    for shadow in shadows[:5]:  # the first empty shadow slot fatima may take
        try:
            fatima.sign_up_shadow(primaries[shadow.start].uid)
            break
        except (InvalidInput, NotAllowed):
            continue
    else:
        raise AssertionError("fatima could shadow none of the empty slots")
    primary = primaries[shadow.start]
    me.add_handover_note(primary.uid, "watch the billing queue")

    second = me.draft_plan(ROT, solver="greedy")
    if next(c for c in second.cells if c.uid == shadow.uid).login is not None:
        second = me.edit_plan(second.summary.id, second.summary.version, [CellEdit(uid=shadow.uid, login=None)])
    me.publish_plan(second.summary.id, second.summary.version)

    day = local_day(shadow.start)
    now_published = {d.assignment.uid: d for d in me.shifts(person="*", first=day, last=day, team="platform")}
    assert now_published[shadow.uid].assignment.person.login == "fatima", "her sign-up survived the re-plan"
    assert now_published[shadow.uid].assignment.plan_id == second.summary.id
    assert "watch the billing queue" in now_published[primary.uid].handover
