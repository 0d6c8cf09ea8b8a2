"""How swap requests end, against the real peers (aiosmtpd): a re-published plan closes the
requests still open on the plan it replaces, and nobody is asked, escalated or mailed about them
afterwards; everyone asked who never answered is told once when a request closes; an escalation
mail says why it escalated, and names whom the requester is on call with."""
from __future__ import annotations

import email
import email.policy
from datetime import timedelta

import pytest

from oncall_tui.backend.local import LocalBackend
from oncall_tui.core.errors import Conflict
from oncall_tui.store import models as m

from ..conftest import DEMO_YOU
from ..delivery.conftest import smtp  # noqa: F401 - the real peer
from ..delivery.helpers import set_mail
from ..planning.helpers import MONTH, ROT
from .helpers import holders
from .test_swap_calendars import deliver


@pytest.fixture(autouse=True)
def _quiet_delivery(monkeypatch):
    monkeypatch.setenv("ONCALL_DELIVERY", "off")  # the tests deliver themselves, once each


def mails(box) -> list[tuple[str, str, str]]:
    """(to, subject, text) of each plain mail, the subject exactly as a reader decodes it."""
    out = []
    for raw in list(box.raw):
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        if any(p.get_content_type() == "text/calendar" for p in msg.walk()):
            continue
        out.append((str(msg["To"]), str(msg["Subject"]), msg.get_body(("plain",)).get_content()))
    return out


def to(texts, person) -> list[tuple[str, str]]:
    return [(s, b) for t, s, b in texts if person.email in t]


def mark_of(backend, swap_id: int):
    def run():
        req = m.SwapRequest.get_by_id(swap_id)
        marks = m.Availability.select().where(m.Availability.note.contains(f"(swap {swap_id}"))
        return req.mark_id, marks.count()
    return backend._read(run)


def republish(root) -> None:
    view = root.draft_plan(ROT, MONTH, solver="greedy", time_limit=5)
    root.publish_plan(view.summary.id, view.summary.version)


def setup(demo_db, clock, smtp_peer):  # noqa: ANN001
    host, port, box = smtp_peer
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    root.services.swaps.advance_due()  # the demo's own requests, due already: not these tests'
    set_mail(root, host, port)
    shift = next(a for a in holders(root, clock) if a.person.login != DEMO_YOU)
    giver = LocalBackend(demo_db, actor=shift.person.login, clock=clock)
    return root, shift, giver, box


def who(demo_db, clock, login: str):
    return LocalBackend(demo_db, actor=login, clock=clock).whoami()


def test_a_re_publish_closes_the_open_request_and_nobody_hears_of_it_again(demo_db, clock, smtp):  # noqa: F811
    root, shift, giver, box = setup(demo_db, clock, smtp)
    swap = giver.swap_request(shift.uid, top=2)
    first, second = (a.person.login for a in swap.asks)
    assert mark_of(root, swap.id)[1] == 1
    deliver(root)
    assert len(mails(box)) == 1  # the first asked
    republish(root)
    closed = giver.swap(swap.id)
    assert closed.state == "superseded" and "re-published" in closed.state_words
    assert [a.state for a in closed.asks] == ["withdrawn", "skipped"]
    assert mark_of(root, swap.id) == (None, 0)  # the "asked for cover" mark is gone
    with pytest.raises(Conflict, match="re-published since"):
        LocalBackend(demo_db, actor=first, clock=clock).swap_agree(swap.id)
    deliver(root)
    texts = mails(box)[1:]
    requester, asked, later = who(demo_db, clock, shift.person.login), who(demo_db, clock, first), \
        who(demo_db, clock, second)
    (subject, body), = to(texts, requester)
    assert subject.startswith("Your request for cover (") and subject.endswith("is closed: the plan was re-published")
    assert f"swap {swap.id} was closed" in body
    (over_subject, over_body), = to(texts, asked)
    assert over_subject.startswith(f"No longer open: {requester.name}'s shift (")
    assert "the plan was re-published" in over_body and "/links/swap/" not in over_body
    assert to(texts, later) == []  # never asked, never told
    # the clock runs past every time-out and the swap deadline: nothing moves, nobody is mailed
    count = len(box.raw)
    clock.at = swap.escalate_at + timedelta(hours=1)
    with root.db.connection_context():
        assert swap.id not in [i for (i,) in root.services.swaps._due(clock.now()).tuples()]
    root.services.swaps.advance_due()  # (the demo's own requests of another month may move)
    deliver(root)
    assert giver.swap(swap.id).state == "superseded"
    about = (f"swap agree {swap.id}", f"swap {swap.id} ", f"Swap {swap.id} ", shift.uid)
    assert [s for _t, s, b in mails(box)[count:] if any(x in b for x in about)] == []


def test_a_re_publish_that_keeps_the_holder_closes_the_request_too(demo_db, clock, smtp):  # noqa: F811
    """A request whose mark is gone (one made before requests marked their hours) does not keep
    the new plan from giving the requester the same shift: it is closed all the same, and the
    requester is told they still hold it and may ask again."""
    from oncall_tui.core.domain_planning import CellEdit

    root, shift, giver, box = setup(demo_db, clock, smtp)
    swap = giver.swap_request(shift.uid, top=1)
    root._write(lambda: m.Availability.delete().where(m.Availability.id == m.SwapRequest.get_by_id(swap.id).mark_id)
                .execute())
    view = root.draft_plan(ROT, MONTH, solver="greedy", time_limit=5)
    if next((c.login for c in view.cells if c.uid == shift.uid), None) != shift.person.login:
        view = root.edit_plan(view.summary.id, view.summary.version,
                              [CellEdit(uid=shift.uid, login=shift.person.login)])
    assert next(c.login for c in view.cells if c.uid == shift.uid) == shift.person.login
    deliver(root)
    root.publish_plan(view.summary.id, view.summary.version)
    assert giver.swap(swap.id).state == "superseded"
    assert next(a for a in holders(root, clock) if a.uid == shift.uid).person.login == shift.person.login
    deliver(root)
    (subject, body), = to(mails(box), who(demo_db, clock, shift.person.login))
    assert "still gives you this shift: ask again if you still need cover" in body
    again = giver.swap_request(shift.uid, top=1)  # asking again works at once
    assert again.state == "open"


def test_everyone_asked_who_never_answered_is_told_once_when_it_is_taken(demo_db, clock, smtp):  # noqa: F811
    root, shift, giver, box = setup(demo_db, clock, smtp)
    swap = giver.swap_request(shift.uid, everyone=True)
    asked = [a.person.login for a in swap.asks]
    assert len(asked) >= 3
    decliner, taker, *silent = asked
    LocalBackend(demo_db, actor=decliner, clock=clock).swap_decline(swap.id, reason="busy")
    deliver(root)
    assert len(mails(box)) == len(asked)  # the asks
    LocalBackend(demo_db, actor=taker, clock=clock).swap_agree(swap.id)
    deliver(root)
    deliver(root)  # a second round sends nothing more
    texts = mails(box)[len(asked):]
    taker_name = who(demo_db, clock, taker).name
    for login in silent:
        (subject, body), = to(texts, who(demo_db, clock, login))
        assert subject.startswith("No longer open: ") and f"{taker_name} took it" in body
    assert to(texts, who(demo_db, clock, decliner)) == []  # they answered
    assert [s for s, _ in to(texts, who(demo_db, clock, taker)) if s.startswith("No longer open")] == []
    assert len(texts) == len(silent) + 1  # and the requester's "takes your shift"


def test_a_cancel_tells_the_person_asked_and_not_the_one_still_waiting(demo_db, clock, smtp):  # noqa: F811
    root, shift, giver, box = setup(demo_db, clock, smtp)
    swap = giver.swap_request(shift.uid, top=2)
    first, second = (a.person.login for a in swap.asks)
    deliver(root)
    giver.swap_cancel(swap.id)
    deliver(root)
    texts = mails(box)[1:]
    (subject, body), = to(texts, who(demo_db, clock, first))
    assert f"it was cancelled by {giver.whoami().name}" in body
    assert to(texts, who(demo_db, clock, second)) == [] and len(texts) == 1


def test_an_escalation_says_everyone_declined_not_the_deadline(demo_db, clock, smtp):  # noqa: F811
    root, shift, giver, box = setup(demo_db, clock, smtp)
    swap = giver.swap_request(shift.uid, top=1)
    (only,) = (a.person.login for a in swap.asks)
    deliver(root)
    LocalBackend(demo_db, actor=only, clock=clock).swap_decline(swap.id, reason="busy")
    assert clock.now() < swap.escalate_at and giver.swap(swap.id).state == "escalated"
    deliver(root)
    texts = mails(box)[1:]
    requester = giver.whoami()
    (subject, body), = to(texts, requester)
    assert subject.endswith(": everyone asked declined; your managers are told") and "  " not in subject
    assert "deadline" not in subject + body
    managers = [mb.person.login for mb in root.members("platform") if mb.role == "manager"
                and mb.person.login != requester.login]
    for login in managers:
        (msubject, mbody), = to(texts, who(demo_db, clock, login))
        assert msubject.startswith(f"Uncovered shift: {requester.name} (") and "  " not in msubject
        assert "asked for cover and everyone asked declined" in mbody and "deadline" not in mbody


def test_an_escalation_after_time_outs_says_nobody_answered_in_time(demo_db, clock, smtp):  # noqa: F811
    root, shift, giver, box = setup(demo_db, clock, smtp)
    swap = giver.swap_request(shift.uid, top=1)
    deliver(root)
    clock.at = swap.answer_by + timedelta(minutes=1)
    assert clock.now() < swap.escalate_at
    assert root.services.swaps.advance_due() >= 1
    deliver(root)
    (subject, body), = to(mails(box)[1:], giver.whoami())
    assert "nobody asked answered in time" in subject and "deadline" not in subject + body


def test_the_demo_trade_escalated_names_the_requester_s_partner(demo_db, clock, smtp):  # noqa: F811
    """The demo's trade (swap 1): Dev asks root to take Dev's primary and give Dev root's
    secondary of the same day.  Declined, it escalates: Dev's mail and the managers' name root,
    the one Dev is on call with, never "nobody else" or Dev himself."""
    host, port, box = smtp
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    set_mail(root, host, port)
    trade = next(s for s in root.swaps() if s.mode == "trade" and s.state == "open")
    assert trade.trade_start == trade.shift_start  # both shifts at the same time
    requester = trade.requester
    root.swap_decline(trade.id)
    deliver(root)
    texts = mails(box)
    me = root.whoami()
    (_, body), = [(s, b) for s, b in to(texts, who(demo_db, clock, requester.login))
                  if s.startswith("Nobody has taken")]
    assert f"On call with: {me.name}" in body
    managers = [mb.person.login for mb in root.members("platform") if mb.role == "manager"]
    for login in managers:
        (_, mbody), = [(s, b) for s, b in to(texts, who(demo_db, clock, login)) if s.startswith("Uncovered shift")]
        assert f"{requester.name} is on call with: {me.name}" in mbody
    # in the requester's own view too (the inbox's "With:"), and the asked one's is unchanged
    assert [p.login for p in LocalBackend(demo_db, actor=requester.login, clock=clock).swap(trade.id).partners] \
        == [DEMO_YOU]
    assert [p.login for p in root.swap(trade.id).partners] == [requester.login]
