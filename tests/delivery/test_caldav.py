"""CalDAV against a real Radicale on 127.0.0.1: entries are created in the person's own
calendar, updated in place with a higher SEQUENCE, deleted when the shift goes; a time-range
query finds exactly one event per slot.  A refused login, a 412 and an unreachable server are
each a clear state; the plan is published regardless."""
from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import caldav
import icalendar

from oncall_tui.backend.local import LocalBackend
from oncall_tui.core.domain_planning import CellEdit
from oncall_tui.services.outbox import Delivery

from ..conftest import DEMO_YOU
from ..planning.helpers import ROT, local_day
from .conftest import CALDAV_SECRET
from .test_invitations import choose

DECEMBER = (datetime(2026, 11, 30, tzinfo=UTC), datetime(2027, 1, 2, tzinfo=UTC))


def _make_calendar(base: str) -> str:
    client = caldav.DAVClient(url=base, username="alice", password=CALDAV_SECRET)
    return str(client.principal().make_calendar(name="On call", cal_id="oncall").url)


def _events(base: str, url: str) -> dict[str, list[int]]:
    """UID -> the SEQUENCE of every event with it, found by a time-range query over December."""
    client = caldav.DAVClient(url=base, username="alice", password=CALDAV_SECRET)
    found: dict[str, list[int]] = {}
    for obj in client.calendar(url=url).search(event=True, start=DECEMBER[0], end=DECEMBER[1]):
        for event in icalendar.Calendar.from_ical(obj.data).walk("VEVENT"):
            found.setdefault(str(event["UID"]), []).append(int(event.get("SEQUENCE", 0)))
    return found


def _publish_december(me):
    draft = me.draft_plan(ROT, month="2026-12", solver="greedy")
    me.publish_plan(draft.summary.id, draft.summary.version)
    return me.plan(draft.summary.id)


def test_create_update_delete_one_event_per_slot(demo_db, clock, radicale):
    url = _make_calendar(radicale)
    me = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    alice = LocalBackend(demo_db, actor="alice", clock=clock)
    info = alice.set_caldav(url, "alice", CALDAV_SECRET)
    assert info.configured and info.has_password and not hasattr(info, "password")
    choose(me, "alice", "caldav")

    plan = _publish_december(me)
    assert Delivery(me.context).run_once().failed == 0
    mine = sorted(c.uid for c in plan.cells if c.login == "alice")
    events = _events(radicale, url)
    assert sorted(events) == mine and all(seqs == [0] for seqs in events.values()), events

    shadowed = {c.start for c in plan.cells if c.role == "shadow" and c.login}
    target = next(c for c in plan.cells if c.login == "alice" and local_day(c.start) >= date(2026, 12, 10)
                  and (c.role != "primary" or c.start not in shadowed))
    alice.add_handover_note(target.uid, "rotate the on-call phone")
    assert Delivery(me.context).run_once().sent >= 1
    events = _events(radicale, url)
    assert events[target.uid] == [1] and sorted(events) == mine  # updated in place, never a second event

    again = me.draft_plan(ROT, month="2026-12", solver="greedy")
    cells = {c.uid: c.login for c in again.cells}
    same = [CellEdit(uid=c.uid, login=c.login) for c in plan.cells if cells.get(c.uid) != c.login]
    if same:
        again = me.edit_plan(again.summary.id, again.summary.version, same)
    again = me.edit_plan(again.summary.id, again.summary.version, [CellEdit(uid=target.uid, login=None)])
    me.publish_plan(again.summary.id, again.summary.version)
    assert Delivery(me.context).run_once().failed == 0
    events = _events(radicale, url)
    assert target.uid not in events and sorted(events) == sorted(set(mine) - {target.uid})
    assert Counter(len(s) for s in events.values()) == Counter({1: len(mine) - 1})
    assert me.my_delivery("alice").state == "up to date"


def test_a_refused_login_is_a_clear_state_and_the_plan_is_published(demo_db, clock, radicale):
    url = _make_calendar(radicale)
    me = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    alice = LocalBackend(demo_db, actor="alice", clock=clock)
    alice.set_caldav(url, "alice", "not-the-password-42")
    choose(me, "alice", "caldav")
    plan = _publish_december(me)
    assert plan.summary.status == "published"
    Delivery(me.context).run_once()
    state = alice.my_delivery()
    assert state.state == "failing"
    assert state.last_error == ("calendar server 127.0.0.1:" + url.split(":")[2].split("/")[0]
                                + " refused the login (401): check the CalDAV user and password")
    assert "not-the-password-42" not in state.last_error
    alice.set_caldav(url, "alice", CALDAV_SECRET)
    alice.retry_delivery()
    assert Delivery(me.context).run_once().failed == 0
    assert alice.my_delivery().state == "up to date"


def test_an_event_already_there_is_a_412_then_the_next_try_writes_ours(demo_db, clock, radicale):
    url = _make_calendar(radicale)
    me = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    alice = LocalBackend(demo_db, actor="alice", clock=clock)
    alice.set_caldav(url, "alice", CALDAV_SECRET)
    choose(me, "alice", "caldav")
    draft = me.draft_plan(ROT, month="2026-12", solver="greedy")
    uid = next(c for c in draft.cells if c.login == "alice").uid
    calendar = caldav.DAVClient(url=radicale, username="alice", password=CALDAV_SECRET).calendar(url=url)
    calendar.add_event(f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n"
                       "DTSTAMP:20261101T000000Z\r\nDTSTART:20261201T090000Z\r\nDTEND:20261201T100000Z\r\n"
                       "SUMMARY:a copy made by hand\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    me.publish_plan(draft.summary.id, draft.summary.version)
    Delivery(me.context).run_once()
    state = alice.my_delivery()
    assert state.state == "failing" and state.failing == 1
    assert "refused the write (412 Precondition Failed): an event with this UID is already in that calendar" \
        in state.last_error
    alice.retry_delivery()
    assert Delivery(me.context).run_once().failed == 0
    events = _events(radicale, url)
    assert events[uid] == [0]


def test_an_unreachable_calendar_server_is_a_clear_state(demo_db, clock, radicale):
    from ..conftest_backends import free_port

    me = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    alice = LocalBackend(demo_db, actor="alice", clock=clock)
    alice.set_caldav(f"http://127.0.0.1:{free_port()}/alice/oncall/", "alice", CALDAV_SECRET)
    choose(me, "alice", "caldav")
    _publish_december(me)
    Delivery(me.context).run_once()
    state = alice.my_delivery()
    assert state.state == "failing" and "cannot be reached" in state.last_error
