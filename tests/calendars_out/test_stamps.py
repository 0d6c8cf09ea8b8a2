"""Entries stay in step with the plan: one UID per slot, SEQUENCE raised on every change a
person would see, removed assignments cancelled, nothing twice (services/calendar_out.py)."""
from __future__ import annotations

from datetime import date, timedelta

from oncall_tui.backend.local import LocalBackend
from oncall_tui.calendars.write import calendar_bytes
from oncall_tui.core.domain_planning import CellEdit
from oncall_tui.services.calendar_out import entries_for, stamp_entries
from oncall_tui.store import models as m

from ..conftest import DEMO_YOU
from ..planning.helpers import ROT, local_day
from .ics_check import check_ics


def _stamps(backend) -> dict[tuple[str, str], tuple[int, bool]]:
    def run():
        return {(s.person.login, s.uid): (s.sequence, s.cancelled)
                for s in m.EntryStamp.select(m.EntryStamp, m.Person).join(m.Person)}
    return backend.context.read(run)


def _publish_december(me):
    draft = me.draft_plan(ROT, month="2026-12", solver="greedy")
    me.publish_plan(draft.summary.id, draft.summary.version)
    return me.plan(draft.summary.id)


def test_publish_stamps_each_entry_once_and_a_re_plan_updates_or_cancels(demo_db, clock):
    me = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    plan = _publish_december(me)
    first = _stamps(me)
    assigned = {(c.login, c.uid) for c in plan.cells if c.login}
    assert assigned <= set(first) and all(v == (0, False) for v in first.values())

    # the same plan again: nothing changes for anybody
    again = me.draft_plan(ROT, month="2026-12", solver="greedy")
    cells = {c.uid: c.login for c in again.cells}
    if cells != {c.uid: c.login for c in plan.cells}:  # make it the same as the published one
        again = me.edit_plan(again.summary.id, again.summary.version,
                             [CellEdit(uid=c.uid, login=c.login) for c in plan.cells if cells.get(c.uid) != c.login])
    me.publish_plan(again.summary.id, again.summary.version)
    assert _stamps(me) == first

    # a re-plan with one secondary changed: the old holder's entry is cancelled, the new one's
    # is new, and the primary's entry (whose partner changed) is an update
    third = me.draft_plan(ROT, month="2026-12", solver="greedy")
    target = next(c for c in third.cells if c.role == "secondary" and local_day(c.start) >= date(2026, 12, 10))
    primary = next(c for c in third.cells if c.role == "primary" and c.start == target.start)
    edited = None
    for p in third.people:
        if p.login in (target.login, primary.login):
            continue
        try:
            edited = me.edit_plan(third.summary.id, third.summary.version, [CellEdit(uid=target.uid, login=p.login)])
            break
        except Exception:  # noqa: BLE001 - the hard rules refuse some people: try the next
            continue
    assert edited is not None
    newcomer = next(c.login for c in edited.cells if c.uid == target.uid)
    before_third = _stamps(me)
    me.publish_plan(third.summary.id, edited.summary.version)
    after = _stamps(me)
    assert after[(target.login, target.uid)] == (before_third[(target.login, target.uid)][0] + 1, True)
    assert after[(newcomer, target.uid)][0] == 0 and not after[(newcomer, target.uid)][1]
    assert after[(primary.login, primary.uid)][0] == before_third[(primary.login, primary.uid)][0] + 1


def test_a_handover_note_updates_everyone_on_the_shift_and_entries_read_the_sequence(demo_db, clock):
    me = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    _publish_december(me)
    ctx = me.context
    gus = ctx.read(lambda: m.Person.get(m.Person.login == DEMO_YOU))
    mine = ctx.read(lambda: entries_for(ctx, gus, date(2026, 12, 1), date(2026, 12, 31)))
    assert mine, "the demo user has December shifts"
    uid = mine[0].uid
    me.add_handover_note(uid, "the disk on db-3 fills up at night")
    fresh = ctx.read(lambda: entries_for(ctx, gus, date(2026, 12, 1), date(2026, 12, 31)))
    note = next(e for e in fresh if e.uid == uid)
    assert note.sequence == mine[0].sequence + 1 and "the disk on db-3 fills up at night" in note.description
    assert [e.sequence for e in fresh if e.uid != uid] == [e.sequence for e in mine if e.uid != uid]
    check_ics(calendar_bytes(fresh))
    # stamping again inside a write: nothing left to tell anyone
    # the demo's earlier months were published without stamps, and a feed showed them at
    # SEQUENCE 0: their first stamp starts above that
    first = ctx.write(lambda: stamp_entries(ctx, [gus]))
    assert first and all(c.kind == "new" and c.entry.sequence == 1 for c in first)
    assert ctx.write(lambda: stamp_entries(ctx, [gus])) == []


def test_an_entry_says_who_with_whom_to_escalate_to_and_how_to_get_out(demo_db, clock):
    me = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    _publish_december(me)
    ctx = me.context
    who = ctx.read(lambda: m.Person.get(m.Person.login == DEMO_YOU))
    e = ctx.read(lambda: entries_for(ctx, who, date(2026, 12, 1), date(2026, 12, 31)))[0]
    shift = next(s for s in me.shifts(first=date(2026, 12, 1), last=date(2026, 12, 31)) if s.assignment.uid == e.uid)
    partner = next(p.person for p in shift.partners if p.role != "shadow")
    assert e.title == f"On call: {e.role.capitalize()} · Platform 24/7 · with {partner.name}"
    assert partner.contact in e.description and "Escalation, in order:" in e.description
    assert f"1. {shift.escalation[0].name}" in e.description
    assert f"ssh -t jumpbox oncall swap request {e.uid}" in e.description
    assert e.alarm_minutes == 60 and e.email == f"{DEMO_YOU}@example.com"


def test_a_shadow_sign_up_is_a_new_entry_and_giving_it_up_cancels_it(demo_db, clock):
    from oncall_tui.services.calendar_out import entries_for as entries

    fatima = LocalBackend(demo_db, actor="fatima", clock=clock)
    ctx = fatima.context
    option = next(o for o in fatima.shadow_options("platform")
                  if o.shadow is None and o.start > clock.now() + timedelta(days=2))
    uid = option.assignment_uid
    fatima.sign_up_shadow(uid)
    me = ctx.read(lambda: m.Person.get(m.Person.login == "fatima"))
    mine = {e.uid: e for e in ctx.read(lambda: entries(ctx, me))}
    shadow = next(e for e in mine.values() if e.role == "shadow" and e.start == option.start)
    assert shadow.sequence == 0 and "you follow the primary to learn" in shadow.description
    fatima.cancel_shadow(uid)
    stamps = _stamps(fatima)
    assert stamps[("fatima", shadow.uid)] == (1, True)
    assert shadow.uid not in {e.uid for e in ctx.read(lambda: entries(ctx, me))}, "it leaves the feed"
