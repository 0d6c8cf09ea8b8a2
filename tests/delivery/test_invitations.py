"""Invitations as a person meets them: each entry of a published plan reaches aiosmtpd on
127.0.0.1 as an iTIP REQUEST; a change is a REQUEST of the same UID with SEQUENCE + 1; a
removed shift is a CANCEL of that UID; each message arrives once, `method=` on the calendar
part matching its METHOD, and the same calendar attached for Outlook."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import date

import icalendar

from oncall_tui.backend.local import LocalBackend
from oncall_tui.core.domain_planning import CellEdit
from oncall_tui.services.outbox import Delivery
from oncall_tui.store import models as m

from ..calendars_out.ics_check import check_ics
from ..conftest import DEMO_YOU
from ..planning.helpers import ROT, local_day
from .helpers import set_mail


def choose(backend, login: str, way: str) -> None:
    """The person's delivery choice (test plumbing: the profile sets it in the product)."""
    backend._write(lambda: m.Person.update(calendar_delivery=way).where(m.Person.login == login).execute())


def calendar_parts(msg) -> tuple[bytes, str, bytes]:
    """(the inline text/calendar part, its method= parameter, the attached invite.ics)."""
    inline = next(p for p in msg.walk() if p.get_content_type() == "text/calendar")
    attached = next(p for p in msg.walk() if p.get_filename() == "invite.ics")
    return inline.get_payload(decode=True), inline.get_param("method"), attached.get_payload(decode=True)


def invitations(box) -> list[tuple[str, str, int, str]]:
    """(UID, METHOD, SEQUENCE, attendee) of every message received, in order, each checked."""
    found = []
    for msg in box.messages:
        ics, param, attached = calendar_parts(msg)
        assert attached == ics
        cal = check_ics(ics, method=param)
        assert cal["METHOD"] == param
        (event,) = cal.walk("VEVENT")
        assert str(event["ORGANIZER"]).lower() == "mailto:oncall@example.com"
        found.append((str(event["UID"]), param, int(event["SEQUENCE"]), str(event["ATTENDEE"]).lower()))
    return found


def _deliver_with_two(backend) -> None:
    """Two deliverers at once, as when `oncall serve` and a cron `oncall deliver` overlap."""
    results = []
    threads = [threading.Thread(target=lambda i=i: results.append(Delivery(backend.context, owner=f"d{i}").run_once()))
               for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.failed for r in results) == 0, [r.errors for r in results]


def test_request_then_update_then_cancel_for_one_uid_each_once(demo_db, clock, smtp):
    host, port, box = smtp
    me = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    set_mail(me, host, port)
    choose(me, "alice", "email")

    draft = me.draft_plan(ROT, month="2026-12", solver="greedy")
    me.publish_plan(draft.summary.id, draft.summary.version)
    assert box.count() == 0  # the publish sent nothing itself: delivery is after the commit
    _deliver_with_two(me)
    first = invitations(box)
    mine = sorted(c.uid for c in me.plan(draft.summary.id).cells if c.login == "alice")
    assert mine and sorted(uid for uid, *_ in first) == mine  # one invitation per shift, once
    assert {(method, seq, who) for _, method, seq, who in first} == {("REQUEST", 0, "mailto:alice@example.com")}

    # A handover note changes the entry: the same UID again, SEQUENCE + 1.
    alice = LocalBackend(demo_db, actor="alice", clock=clock)
    cells = me.plan(draft.summary.id).cells
    shadowed = {c.start for c in cells if c.role == "shadow" and c.login}
    target = next(c for c in cells if c.login == "alice" and local_day(c.start) >= date(2026, 12, 10)
                  and (c.role != "primary" or c.start not in shadowed))
    alice.add_handover_note(target.uid, "the pager battery is low")
    _deliver_with_two(me)
    assert invitations(box)[len(first):] == [(target.uid, "REQUEST", 1, "mailto:alice@example.com")]

    # A re-plan leaves her shift empty: a CANCEL of that UID.
    again = me.draft_plan(ROT, month="2026-12", solver="greedy")
    cells = {c.uid: c.login for c in again.cells}
    same = [CellEdit(uid=c.uid, login=c.login) for c in me.plan(draft.summary.id).cells if cells.get(c.uid) != c.login]
    if same:
        again = me.edit_plan(again.summary.id, again.summary.version, same)
    edited = me.edit_plan(again.summary.id, again.summary.version, [CellEdit(uid=target.uid, login=None)])
    me.publish_plan(edited.summary.id, edited.summary.version)
    before = len(box.messages)
    _deliver_with_two(me)
    cancels = [i for i in invitations(box)[before:] if i[0] == target.uid]
    assert cancels == [(target.uid, "CANCEL", 2, "mailto:alice@example.com")]
    cancel_msg = next(msg for msg in box.messages[before:] if target.uid.encode() in calendar_parts(msg)[0])
    (event,) = icalendar.Calendar.from_ical(calendar_parts(cancel_msg)[0]).walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED"
    assert cancel_msg["Subject"].startswith("Cancelled: ")

    # Nobody got anything twice, and the state says so.
    per_message = Counter((uid, method, seq) for uid, method, seq, _ in invitations(box))
    assert max(per_message.values()) == 1
    assert me.my_delivery("alice").state == "up to date"
    assert me.delivery_status("platform")[0].login  # every member listed


def test_choosing_email_in_the_profile_sends_the_shifts_already_held(demo_db, clock, smtp):
    """Someone who switches to invitations gets every entry they hold now, once, not only the
    next change; switching again to the same way sends nothing more."""
    host, port, box = smtp
    me = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    set_mail(me, host, port)
    draft = me.draft_plan(ROT, month="2026-12", solver="greedy")
    me.publish_plan(draft.summary.id, draft.summary.version)
    Delivery(me.context).run_once()
    assert box.count() == 0  # everyone on the feed: nothing to send
    alice = LocalBackend(demo_db, actor="alice", clock=clock)
    held = {str(e["UID"]) for e in icalendar.Calendar.from_ical(alice.export_calendar().ics).walk("VEVENT")}
    person = alice.update_profile(alice.whoami().version, calendar_delivery="email")
    _deliver_with_two(me)
    got = invitations(box)
    uids = [uid for uid, method, _seq, who in got]
    assert got and all(method == "REQUEST" and who == "mailto:alice@example.com" for _uid, method, _s, who in got)
    assert len(uids) == len(set(uids))  # each entry once
    assert set(uids) == held
    alice.update_profile(person.version, calendar_delivery="email")
    _deliver_with_two(me)
    assert box.count() == len(got)
