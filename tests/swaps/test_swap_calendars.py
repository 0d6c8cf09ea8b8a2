"""Swaps reach people's calendars and mailboxes, against the real peers: the "can't make it" link
in a calendar entry opens that shift's page on a running `oncall serve`; after a swap Radicale
holds exactly one event per part and person (none for the giver); aiosmtpd receives the taker's
REQUEST, the giver's CANCEL and the partner's REQUEST with SEQUENCE + 1, each once; the asks and
answers go out by mail with the asked person's own link, which a GET leaves alone and a POST
answers."""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import caldav
import httpx
import icalendar
import pytest

from oncall_tui.backend.local import LocalBackend
from oncall_tui.core.domain_planning import CellEdit
from oncall_tui.core.text import span
from oncall_tui.services.outbox import Delivery
from oncall_tui.store import models as m

from ..conftest import DEMO_YOU
from ..delivery.conftest import CALDAV_SECRET, radicale, smtp  # noqa: F401 - the real peers
from ..delivery.helpers import outbox_rows, set_mail, wait_for
from ..delivery.test_invitations import choose, invitations
from ..delivery.test_serve_delivers import oncall_serve  # noqa: F401 - a real `oncall serve`
from ..planning.helpers import ROT
from .helpers import future_shift, holders
from .test_cli import run

LINK = re.compile(r"https?://[^\s<>\"]+/links/(?:swap|cant)/[A-Za-z0-9_-]+")


def set_server_url(backend, url: str) -> None:
    def run():
        team = m.Team.get(m.Team.slug == "platform")
        m.Team.update(settings={**(team.settings or {}), "server_url": url}).where(m.Team.id == team.id).execute()
    backend._write(run)


#: A loopback request may wait long on a loaded machine; the test waits, it does not time.
LOADED = 120.0


def deliver(backend) -> None:
    """Everything queued is sent: this process sends what it can, and what `oncall serve`'s own
    deliverer holds at that moment is waited for (a mail is received before its row is marked)."""
    done = Delivery(backend.context).run_once()
    assert done.failed == 0, done.errors
    assert wait_for(lambda: not any(r.delivered_at is None and r.superseded_by is None and r.lease_owner
                                    for r in outbox_rows(backend)))


def ics_event(ics: str, uid: str):
    cal = icalendar.Calendar.from_ical(ics)
    return next(e for e in cal.walk("VEVENT") if str(e["UID"]) == uid)


def test_an_entry_carries_the_real_cant_make_it_link_and_it_opens_that_shift(demo_db, clock,
                                                                              oncall_serve):  # noqa: F811
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    shift = future_shift(root, "alice", clock)
    assert shift is not None
    alice = LocalBackend(demo_db, actor="alice", clock=clock)
    event = ics_event(alice.export_calendar().ics, shift.uid)
    assert "/links/cant/" not in str(event["DESCRIPTION"])  # no server_url: the command only
    assert f"oncall swap request {shift.uid}" in str(event["DESCRIPTION"])

    set_server_url(root, oncall_serve)
    event = ics_event(alice.export_calendar().ics, shift.uid)
    links = LINK.findall(str(event["DESCRIPTION"]))
    assert len(links) == 1 and links[0].startswith(f"{oncall_serve}/links/cant/")
    assert str(event["URL"]) == links[0]
    assert links[0] == oncall_serve + alice.cant_make_it_link(shift.uid)  # the swap inbox's link: one home
    cursor = root.change_cursor()
    page = httpx.get(links[0], timeout=LOADED)
    assert page.status_code == 200
    assert f"{alice.whoami().name}, this is your shift." in page.text
    zone = alice.whoami().tz
    assert shift.start.astimezone(ZoneInfo(zone)).strftime("%a %d %b %Y %H:%M") in page.text
    assert root.change_cursor() == cursor  # opening it changed nothing
    # another person's shift has another link, which opens only theirs
    other = next(a for a in holders(root, clock) if a.person.login not in ("alice",))
    theirs = LocalBackend(demo_db, actor=other.person.login, clock=clock)
    their_links = LINK.findall(str(ics_event(theirs.export_calendar().ics, other.uid)["DESCRIPTION"]))
    assert their_links and their_links[0] != links[0]
    assert f"{other.person.name}, this is your shift." in httpx.get(their_links[0], timeout=LOADED).text


# -- CalDAV ------------------------------------------------------------------------------------
JANUARY = (datetime(2026, 12, 31, tzinfo=UTC), datetime(2027, 2, 2, tzinfo=UTC))


def _calendars(base: str, root, demo_db, clock, logins: list[str]) -> dict[str, str]:
    """A Radicale calendar for each login (all in the one account the server knows), chosen as
    where their entries go."""
    client = caldav.DAVClient(url=base, username="alice", password=CALDAV_SECRET)
    principal = client.principal()
    urls = {}
    for login in logins:
        urls[login] = str(principal.make_calendar(name=login, cal_id=f"oncall-{login}").url)
        LocalBackend(demo_db, actor=login, clock=clock).set_caldav(urls[login], "alice", CALDAV_SECRET)
        choose(root, login, "caldav")
    return urls


def _events(base: str, url: str) -> dict[str, list[tuple[int, datetime, datetime]]]:
    """UID -> (SEQUENCE, start, end) of every event with it a time-range query over January finds."""
    client = caldav.DAVClient(url=base, username="alice", password=CALDAV_SECRET)
    found: dict[str, list] = defaultdict(list)
    for obj in client.calendar(url=url).search(event=True, start=JANUARY[0], end=JANUARY[1]):
        for event in icalendar.Calendar.from_ical(obj.data).walk("VEVENT"):
            found[str(event["UID"])].append((int(event.get("SEQUENCE", 0)), event["DTSTART"].dt.astimezone(UTC),
                                            event["DTEND"].dt.astimezone(UTC)))
    return dict(found)


def _uids_of(events, uid: str) -> dict[str, list]:
    return {k: v for k, v in events.items() if k == uid or k.startswith(uid + "-")}


def test_after_swaps_caldav_holds_one_event_per_part_and_person(demo_db, clock, radicale):  # noqa: F811
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    logins = [mb.person.login for mb in root.members("platform") if mb.on_rotation]
    urls = _calendars(radicale, root, demo_db, clock, logins)
    view = root.draft_plan(ROT, "2027-01", solver="greedy", time_limit=5)
    root.publish_plan(view.summary.id, view.summary.version)
    deliver(root)
    january = [a for a in holders(root, clock, after_days=36) if a.start < JANUARY[1]]

    # a whole shift changes hands
    shift = next(a for a in january if a.person.login != DEMO_YOU)
    giver = LocalBackend(demo_db, actor=shift.person.login, clock=clock)
    taker = giver.swap_candidates(shift.uid)[0].person.login
    partners = [(p.assignment.person.login, p.assignment.uid) for p in root.shifts(person="*", first=shift.start.date())
                if p.assignment.start == shift.start and p.assignment.uid != shift.uid]
    assert partners
    swap = giver.swap_request(shift.uid, ask=[taker])
    assert LocalBackend(demo_db, actor=taker, clock=clock).swap_agree(swap.id).state == "agreed"
    deliver(root)
    assert shift.uid not in _events(radicale, urls[shift.person.login])  # the giver's is gone
    assert [(s, a, b) for s, a, b in _events(radicale, urls[taker])[shift.uid]] == [(0, shift.start, shift.end)]
    for partner, uid in partners:  # their entry names the taker now: the same event, SEQUENCE 1
        assert [s for s, *_ in _events(radicale, urls[partner])[uid]] == [1]

    # a part of another shift: each holds exactly their hours, the giver's event updated in place
    other = next(a for a in january if a.person.login not in (DEMO_YOU, shift.person.login, taker)
                 and a.start > shift.end)
    holder = LocalBackend(demo_db, actor=other.person.login, clock=clock)
    part = (other.start + timedelta(hours=6), other.start + timedelta(hours=12))
    cover = holder.swap_candidates(other.uid, start=part[0], end=part[1])[0].person.login
    swap2 = holder.swap_request(other.uid, start=part[0], end=part[1], ask=[cover])
    LocalBackend(demo_db, actor=cover, clock=clock).swap_agree(swap2.id)
    deliver(root)
    mine = _uids_of(_events(radicale, urls[other.person.login]), other.uid)
    assert sorted((v[0] for v in mine.values()), key=lambda e: e[1]) == [(1, other.start, part[0]),
                                                                          (0, part[1], other.end)]
    assert [v[0][0] for k, v in mine.items() if k == other.uid] == [1]  # the slot's uid kept, SEQUENCE 1
    theirs = _uids_of(_events(radicale, urls[cover]), other.uid)
    assert [v for v in theirs.values()] == [[(0, part[0], part[1])]]
    assert all(len(v) == 1 for v in mine.values())

    # a manager undoes it: the holder's one event is whole again, the parts are gone
    root.swap_undo(swap2.id)
    deliver(root)
    mine = _uids_of(_events(radicale, urls[other.person.login]), other.uid)
    assert mine == {other.uid: [(2, other.start, other.end)]}
    assert _uids_of(_events(radicale, urls[cover]), other.uid) == {}

    # the plan published again, the same people on the same shifts: the swap is kept, and no
    # calendar is told anything (nothing changed for anyone)
    again = root.draft_plan(ROT, "2027-01", solver="greedy", time_limit=5)
    was = {c.uid: c.login for c in root.plan(view.summary.id).cells}
    fix = [CellEdit(uid=c.uid, login=was.get(c.uid)) for c in again.cells if was.get(c.uid) != c.login]
    if fix:
        again = root.edit_plan(again.summary.id, again.summary.version, fix)
    before = {login: _events(radicale, url) for login, url in urls.items()}
    root.publish_plan(again.summary.id, again.summary.version)
    deliver(root)
    assert {login: _events(radicale, url) for login, url in urls.items()} == before
    assert root.swap(swap.id).taken_by.login == taker
    assert _events(radicale, urls[taker])[shift.uid] == [(0, shift.start, shift.end)]
    everyone = Counter()
    for login, url in urls.items():
        for uid, seen in _events(radicale, url).items():
            everyone[(login, uid)] += len(seen)
    assert set(everyone.values()) == {1}  # never a second event for anyone


# -- mail --------------------------------------------------------------------------------------
def _texts(box) -> list[tuple[str, str, str]]:
    """(to, subject, plain text) of each plain (non-calendar) message received."""
    out = []
    for msg in box.messages:
        if any(p.get_content_type() == "text/calendar" for p in msg.walk()):
            continue
        body = msg.get_body(("plain",)).get_content()
        out.append((str(msg["To"]), " ".join(str(msg["Subject"]).split()), body))  # unfolded
    return out


def _to(texts, email: str) -> list[tuple[str, str]]:
    return [(subject, body) for to, subject, body in texts if email in to]


def test_asks_and_answers_by_mail_with_a_working_link_and_the_calendars_follow(demo_db, clock, smtp,  # noqa: F811
                                                                               oncall_serve):  # noqa: F811
    host, port, box = smtp
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    root.services.swaps.advance_due()  # the demo's own requests, due already: not this test's
    set_mail(root, host, port)
    set_server_url(root, oncall_serve)
    shift = next(a for a in holders(root, clock) if a.person.login not in (DEMO_YOU,))
    giver = LocalBackend(demo_db, actor=shift.person.login, clock=clock)
    ranked = [c.person.login for c in giver.swap_candidates(shift.uid)]
    first, second = ranked[:2]
    partners = [(p.assignment.person.login, p.assignment.uid) for p in root.shifts(person="*", first=shift.start.date())
                if p.assignment.start == shift.start and p.assignment.uid != shift.uid]
    for login in {shift.person.login, first, second, *(p for p, _ in partners)}:
        choose(root, login, "email")
    email = {mb.person.login: LocalBackend(demo_db, actor=mb.person.login, clock=clock).whoami().email
             for mb in root.members("platform")}

    swap = giver.swap_request(shift.uid, top=2, note="dentist")
    deliver(root)
    texts = _texts(box)
    first_tz = LocalBackend(demo_db, actor=first, clock=clock).whoami().tz
    assert [s for s, _ in _to(texts, email[first])] == [
        f"Can you take {giver.whoami().name}'s shift ({shift.role}, {span(shift.start, shift.end, first_tz)})?"]
    assert _to(texts, email[second]) == []  # not asked yet
    (_, ask_text), = _to(texts, email[first])
    assert f"Asked by: {giver.whoami().name}" in ask_text and "Their note: dentist" in ask_text
    assert "Your load this month: +" in ask_text and "On call with: " in ask_text
    (link,) = LINK.findall(ask_text)
    assert link.startswith(f"{oncall_serve}/links/swap/")
    mine = next(s for s in LocalBackend(demo_db, actor=first, clock=clock).swaps() if s.id == swap.id)
    assert mine.link == link
    listed = run(first, "--db", demo_db.removeprefix("sqlite:///"), "swap", "list", "--json")
    assert listed.exit_code == 0, listed.output
    assert next(s for s in json.loads(listed.output) if s["id"] == swap.id)["link"] == link  # the full address

    # the first declines: the second is asked in the same transaction, by mail
    LocalBackend(demo_db, actor=first, clock=clock).swap_decline(swap.id, reason="away")
    deliver(root)
    texts = _texts(box)
    (_, second_text), = _to(texts, email[second])
    (second_link,) = LINK.findall(second_text)
    assert second_link != link and link not in second_text
    cursor = root.change_cursor()
    for _ in range(2):  # a scanner and the person: nothing changes
        got = httpx.get(second_link, timeout=LOADED)
        assert got.status_code == 200 and 'name="answer" value="agree"' in got.text
    assert root.change_cursor() == cursor and root.swap(swap.id).state == "open"
    posted = httpx.post(second_link, data={"answer": "agree"}, timeout=LOADED)
    assert posted.status_code == 200
    assert root.swap(swap.id).state == "agreed" and root.swap(swap.id).taken_by.login == second
    again = httpx.post(second_link, data={"answer": "agree"}, timeout=LOADED)
    assert again.status_code == 404  # used: nothing more

    deliver(root)
    texts = _texts(box)
    outcome = _to(texts, email[shift.person.login])
    assert [s.split(" takes your shift")[0] for s, _ in outcome] == [
        LocalBackend(demo_db, actor=second, clock=clock).whoami().name]
    # every mail once, and no mail carries a link but the reader's own
    assert Counter((to, subject) for to, subject, _ in texts).most_common(1)[0][1] == 1
    for to, _subject, body in texts:
        found = LINK.findall(body)
        assert found == ([link] if email[first] in to else [second_link] if email[second] in to else [])

    # the feeds show it: the taker's has the shift, the giver's no longer
    for login, has in ((second, True), (shift.person.login, False)):
        feed = LocalBackend(demo_db, actor=login, clock=clock).feed_url()
        assert feed.url.startswith(oncall_serve)
        got = httpx.get(feed.url, timeout=LOADED)
        assert got.status_code == 200
        assert (f"UID:{shift.uid}\r\n" in got.text) is has

    # the calendars follow: the taker's REQUEST (new), the giver's CANCEL, the partner's update
    seen = {(uid, method, seq, who) for uid, method, seq, who in invitations_of(box)}
    assert (shift.uid, "REQUEST", 0, f"mailto:{email[second]}") in seen
    assert any(u == shift.uid and meth == "CANCEL" and w == f"mailto:{email[shift.person.login]}"
               for u, meth, _s, w in seen)
    for partner, uid in partners:
        seqs = [s for u, meth, s, w in seen if u == uid and w == f"mailto:{email[partner]}"]
        assert seqs == [1]
    assert Counter((u, meth, s, w) for u, meth, s, w in invitations_of(box)).most_common(1)[0][1] == 1


def invitations_of(box):
    """`invitations` of the calendar messages only (the swap mails are plain text)."""
    class Only:
        messages = [msg for msg in box.messages if any(p.get_content_type() == "text/calendar" for p in msg.walk())]
    return invitations(Only)


def test_an_escalation_tells_the_requester_and_the_managers_once(demo_db, clock, smtp):  # noqa: F811
    host, port, box = smtp
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    set_mail(root, host, port)  # no server_url: the mails give the commands, no link
    shift = next(a for a in holders(root, clock) if a.person.login not in (DEMO_YOU,))
    giver = LocalBackend(demo_db, actor=shift.person.login, clock=clock)
    swap = giver.swap_request(shift.uid, everyone=True)
    asked = [a.person.login for a in swap.asks]
    deliver(root)
    texts = _texts(box)
    assert len(texts) == len(asked)
    for *_, body in texts:
        assert not LINK.findall(body) and f"oncall swap agree {swap.id}" in body
    clock.at = swap.escalate_at + timedelta(minutes=1)
    # the next write on the request brings it up to now: escalated, and said so by mail
    LocalBackend(demo_db, actor=asked[0], clock=clock).swap_decline(swap.id)
    assert giver.swap(swap.id).state == "escalated"
    deliver(root)
    texts = _texts(box)[len(asked):]
    managers = {mb.person.login for mb in root.members("platform") if mb.role == "manager"}
    names = {login: LocalBackend(demo_db, actor=login, clock=clock).whoami()
             for login in managers | {giver.whoami().login}}
    mine = [s for to, s, _b in texts if names[giver.whoami().login].email in to]
    assert len(mine) == 1 and mine[0].endswith("your managers are told")
    for login in managers - {giver.whoami().login}:
        theirs = [(s, b) for to, s, b in texts if names[login].email in to]
        assert len(theirs) == 1 and theirs[0][0].startswith(f"Uncovered shift: {giver.whoami().name}")
        assert f"oncall swap assign {shift.uid} LOGIN" in theirs[0][1]
    assert len(texts) == 1 + len(managers - {giver.whoami().login})


def test_a_time_out_passes_the_ask_on_by_mail_with_nobody_looking(demo_db, clock, smtp):  # noqa: F811
    """Ask the top two in order; the first says nothing.  Nobody opens oncall afterwards: the
    cron line's `oncall deliver` (a real process, on the clock the box shows) stores the
    time-out, asks the second and mails them; run again, it sends nothing more."""
    import os
    import subprocess
    import sys

    host, port, box = smtp
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    root.services.swaps.advance_due()  # the demo's own requests, due already: not this test's
    assert root.services.swaps.swaps_due() is False
    set_mail(root, host, port)
    shift = next(a for a in holders(root, clock) if a.person.login not in (DEMO_YOU,))
    giver = LocalBackend(demo_db, actor=shift.person.login, clock=clock)
    swap = giver.swap_request(shift.uid, top=2)
    first, second = (a.person.login for a in swap.asks)
    deliver(root)
    assert len(_texts(box)) == 1
    emails = {login: LocalBackend(demo_db, actor=login, clock=clock).whoami().email for login in (first, second)}
    later = swap.answer_by + timedelta(minutes=1)

    def cron() -> dict:
        done = subprocess.run([sys.executable, "-m", "oncall_tui", "--db", demo_db.removeprefix("sqlite:///"),
                               "deliver", "--json"], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "ONCALL_NOW": later.isoformat()})
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    clock.at = later
    assert root.services.swaps.swaps_due() is True
    done = cron()
    assert done["swaps_moved"] >= 1 and done["failed"] == 0 and done["sent"] >= 1
    (subject, body), = _to(_texts(box)[1:], emails[second])
    assert f"oncall swap agree {swap.id}" in body
    assert not [b for _s, b in _to(_texts(box)[1:], emails[first]) if f"swap agree {swap.id}" in b]
    stored = m.SwapOffer.select(m.SwapOffer.state).where(m.SwapOffer.request == swap.id) \
        .order_by(m.SwapOffer.position).tuples()
    with root.db.connection_context():
        assert [x for (x,) in stored] == ["timed_out", "asked"]
    assert root.services.swaps.swaps_due() is False
    count = box.count()
    assert cron() == {"sent": 0, "failed": 0, "lost": 0, "errors": [], "swaps_moved": 0} and box.count() == count


def test_serve_s_deliverer_mails_an_escalation_when_the_deadline_passes(demo_db, clock, smtp):  # noqa: F811
    """The deliverer inside `oncall serve` runs the clock before each round: once the swap
    deadline passes the managers are mailed, though nobody answered or looked."""
    import time

    host, port, box = smtp
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    set_mail(root, host, port)
    shift = next(a for a in holders(root, clock) if a.person.login not in (DEMO_YOU,))
    swap = LocalBackend(demo_db, actor=shift.person.login, clock=clock).swap_request(shift.uid, everyone=True)
    root.services.swaps.advance_due()  # the demo's own requests, due already: not this test's
    deliver(root)
    asked = box.count()
    clock.at = swap.escalate_at + timedelta(minutes=1)
    managers = {mb.person.login for mb in root.members("platform") if mb.role == "manager"} - {shift.person.login}

    def told() -> list[str]:
        return [to for to, s, b in _texts(box) if s.startswith("Uncovered shift") and shift.uid in b]

    deliverer = LocalBackend(demo_db, actor="-", clock=clock).start_deliverer(poll=0.05)
    try:
        deadline = time.monotonic() + 60
        while len(told()) < len(managers):
            assert time.monotonic() < deadline, [s for _to_, s, _b in _texts(box)]
            time.sleep(0.05)
    finally:
        deliverer.close()
    assert root.swap(swap.id).state == "escalated" and box.count() > asked
    emails = {LocalBackend(demo_db, actor=login, clock=clock).whoami().email for login in managers}
    assert sorted(sum(e in to for to in told()) for e in emails) == [1] * len(managers) == [1] * len(told())


@pytest.fixture(autouse=True)
def _quiet_delivery(monkeypatch):
    monkeypatch.setenv("ONCALL_DELIVERY", "off")  # the tests deliver themselves, once each
