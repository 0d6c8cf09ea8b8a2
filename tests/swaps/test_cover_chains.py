"""Chains of covers off the happy path: a request must never outlive its requester's holding
the hours (an undo, a trade), and a can't-make-it link asks for its own person's hours only."""
from __future__ import annotations

import pytest

from oncall_tui.core.errors import Conflict, InvalidInput, NotAllowed

from ..conftest import DEMO_YOU
from .helpers import holders
from .test_cover_holder import H, _backend, _covered, _pieces


def _engineer_shift(root, clock):
    return next(a for a in holders(root, clock) if a.person.login not in (DEMO_YOU, "maya"))


def test_an_undo_waits_while_the_taker_asks_for_cover_so_no_stale_request_gives_the_shift_away(demo_db, clock):
    root = _backend(demo_db, clock, DEMO_YOU)
    shift = _engineer_shift(root, clock)
    a_login = shift.person.login
    a = _backend(demo_db, clock, a_login)
    b_login = next(c.person.login for c in a.swap_candidates(shift.uid) if c.person.login not in (DEMO_YOU, "maya"))
    first = a.swap_request(shift.uid, ask=[b_login])
    _backend(demo_db, clock, b_login).swap_agree(first.id)
    b = _backend(demo_db, clock, b_login)
    second = b.swap_request(shift.uid, everyone=True)
    with pytest.raises(Conflict, match=f"asked for cover for those hours \\(swap {second.id}, open\\); "
                                       "cancel that first; nothing was undone"):
        root.swap_undo(first.id)
    assert _pieces(root, shift) == [(shift.start, shift.end, b_login)]
    assert root.swap(first.id).state == "agreed" and b.swap(second.id).state == "open"
    b.swap_cancel(second.id)
    root.swap_undo(first.id)
    assert _pieces(root, shift) == [(shift.start, shift.end, a_login)]
    # the request B cancelled gives nothing to anyone
    x_login = next(x.person.login for x in second.asks if x.person.login not in (DEMO_YOU, "maya", a_login))
    with pytest.raises(Conflict, match="no longer open"):
        _backend(demo_db, clock, x_login).swap_agree(second.id)
    assert _pieces(root, shift) == [(shift.start, shift.end, a_login)]


def test_an_undo_of_hours_their_taker_asks_cover_for_waits_and_the_holder_can_ask_after(demo_db, clock):
    root, shift, a_login, b_login, part, first = _covered(demo_db, clock)
    b = _backend(demo_db, clock, b_login)
    second = b.swap_request(shift.uid, everyone=True)
    before = _pieces(root, shift)
    with pytest.raises(Conflict, match=f"swap {second.id}, open\\); cancel that first"):
        root.swap_undo(first.id)
    assert _pieces(root, shift) == before
    root.swap_cancel(second.id)  # a manager may cancel it for them
    root.swap_undo(first.id)
    assert _pieces(root, shift) == [(shift.start, shift.end, a_login)]
    again = _backend(demo_db, clock, a_login).swap_request(shift.uid, start=part[0], end=part[1], everyone=True)
    assert again.state == "open" and again.requester.login == a_login


def test_a_trade_is_not_agreed_while_its_giver_asks_cover_for_the_shift_they_give(demo_db, clock):
    root = _backend(demo_db, clock, DEMO_YOU)
    for y, shift, a_login, t in _trades(demo_db, clock):
        a = _backend(demo_db, clock, a_login)
        own = a.swap_request(t.uid, everyone=True)
        try:
            trade = y.swap_request(shift.uid, ask=[a_login], trade_uid=t.uid)
        except (InvalidInput, Conflict):  # the mark of A's own request rules this one out: another
            a.swap_cancel(own.id)
            continue
        with pytest.raises(Conflict, match=f"asked for cover for the shift they would give in return "
                                           f"\\(swap {own.id}, [^)]*\\); cancel that first; nothing changed"):
            a.swap_agree(trade.id)
        assert _pieces(root, shift) == [(shift.start, shift.end, shift.person.login)]
        assert _pieces(root, t) == [(t.start, t.end, a_login)]
        a.swap_cancel(own.id)
        assert a.swap_agree(trade.id).state == "agreed"
        assert _pieces(root, t) == [(t.start, t.end, shift.person.login)]
        return
    pytest.skip("no trade possible in this plan")


def test_a_managers_can_t_make_it_link_asks_only_for_their_own_hours(demo_db, clock):
    root = _backend(demo_db, clock, DEMO_YOU)
    shift = next(a for a in holders(root, clock) if a.person.login == DEMO_YOU)
    part = (shift.start + 6 * H, shift.start + 12 * H)
    b_login = next(c.person.login for c in root.swap_candidates(shift.uid, start=part[0], end=part[1])
                   if c.person.login not in (DEMO_YOU, "maya"))
    swap = root.swap_request(shift.uid, start=part[0], end=part[1], ask=[b_login])
    _backend(demo_db, clock, b_login).swap_agree(swap.id)
    secret = root.cant_make_it_link(shift.uid).rstrip("/").rsplit("/", 1)[-1]
    anyone = _backend(demo_db, clock, "nobody-at-all")  # whoever holds the link (a forwarded calendar entry)
    before = _pieces(root, shift)
    with pytest.raises(NotAllowed, match="own hours only"):
        anyone.cant_link_request(secret, start=part[0], end=part[1], everyone=True)
    assert _pieces(root, shift) == before and not [s for s in root.swaps() if s.state == "open"
                                                   and s.shift_uid == shift.uid]
    # their own hours through it, as before
    mine = anyone.cant_link_request(secret, start=shift.start + H, end=shift.start + 2 * H, everyone=True)
    assert mine.requester.login == DEMO_YOU and mine.state == "open"


def test_hours_from_two_swaps_back_to_back_are_asked_as_one_and_undone_one_swap_at_a_time(demo_db, clock):
    root = _backend(demo_db, clock, DEMO_YOU)
    shift = _engineer_shift(root, clock)
    a_login = shift.person.login
    a = _backend(demo_db, clock, a_login)
    p1 = (shift.start + 6 * H, shift.start + 9 * H)
    p2 = (shift.start + 9 * H, shift.start + 12 * H)
    b_login = next(c.person.login for c in a.swap_candidates(shift.uid, start=p1[0], end=p1[1])
                   if c.person.login not in (DEMO_YOU, "maya"))
    b = _backend(demo_db, clock, b_login)
    first = a.swap_request(shift.uid, start=p1[0], end=p1[1], ask=[b_login])
    b.swap_agree(first.id)
    second = a.swap_request(shift.uid, start=p2[0], end=p2[1], ask=[b_login])
    b.swap_agree(second.id)
    # B holds 3 hours and 3 more straight after: one stretch to ask about, with no part named
    third = b.swap_request(shift.uid, everyone=True)
    assert (third.start, third.end) == (p1[0], p2[1])
    c_login = third.asks[0].person.login
    _backend(demo_db, clock, c_login).swap_agree(third.id)
    s, e = shift.start, shift.end
    assert _pieces(root, shift) == [(s, p1[0], a_login), (p1[0], p2[1], c_login), (p2[1], e, a_login)]
    root.swap_undo(third.id)
    assert _pieces(root, shift) == [(s, p1[0], a_login), (p1[0], p1[1], b_login), (p2[0], p2[1], b_login),
                                    (p2[1], e, a_login)]
    # the second swap's undo gives back its own three hours only; the first still stands
    root.swap_undo(second.id)
    assert _pieces(root, shift) == [(s, p1[0], a_login), (p1[0], p1[1], b_login), (p1[1], e, a_login)]
    assert root.swap(first.id).state == "agreed"
    root.swap_undo(first.id)
    assert _pieces(root, shift) == [(s, e, a_login)]


def _trades(demo_db, clock):
    """(requester's backend, their shift, the login asked, the shift asked for in return) of each
    trade the plan allows, engineers only."""
    root = _backend(demo_db, clock, DEMO_YOU)
    for shift in holders(root, clock):
        if shift.person.login in (DEMO_YOU, "maya"):
            continue
        y = _backend(demo_db, clock, shift.person.login)
        for c in y.swap_candidates(shift.uid):
            if c.person.login not in (DEMO_YOU, "maya"):
                for t in y.swap_trade_options(shift.uid, c.person.login):
                    yield y, shift, c.person.login, t.assignment


def test_a_trade_gives_whole_shifts_never_hours_someone_else_covers(demo_db, clock):
    root = _backend(demo_db, clock, DEMO_YOU)
    for y, shift, a_login, t in _trades(demo_db, clock):
        a = _backend(demo_db, clock, a_login)
        part = (t.start + 6 * H, t.start + 8 * H)
        b_login = next((c.person.login for c in a.swap_candidates(t.uid, start=part[0], end=part[1])
                        if c.person.login not in (DEMO_YOU, "maya", shift.person.login)), None)
        if b_login is None:
            continue
        trade = y.swap_request(shift.uid, ask=[a_login], trade_uid=t.uid)
        gave = a.swap_request(t.uid, start=part[0], end=part[1], ask=[b_login])
        _backend(demo_db, clock, b_login).swap_agree(gave.id)
        before = (_pieces(root, shift), _pieces(root, t))
        with pytest.raises(InvalidInput, match="in return now: .* covers some hours of it"):
            a.swap_agree(trade.id)
        assert (_pieces(root, shift), _pieces(root, t)) == before and y.swap(trade.id).state in ("open", "escalated")
        y.swap_cancel(trade.id)
        with pytest.raises(InvalidInput, match="covers some hours of it"):
            y.swap_request(shift.uid, ask=[a_login], trade_uid=t.uid)
        assert t.uid not in {d.assignment.uid for d in y.swap_trade_options(shift.uid, a_login)}
        return
    pytest.skip("no trade possible in this plan")


def test_the_can_t_make_it_page_offers_the_hours_not_asked_for_yet(demo_db, clock):
    root, shift, a_login, b_login, part, _ = _covered(demo_db, clock)
    b = _backend(demo_db, clock, b_login)
    asked = b.swap_request(shift.uid, start=part[0] + H, end=part[0] + 2 * H, top=1)
    secret = b.cant_make_it_link(shift.uid).rstrip("/").rsplit("/", 1)[-1]
    page = root.cant_link(secret)
    # B still holds the hours before and after the ones asked: the page offers them, shows the request
    assert page.can_request and page.open_swap.id == asked.id
    assert [(h.start, h.end) for h in page.held] == [(part[0], part[0] + H), (part[0] + 2 * H, part[1])]
    assert page.candidates
    later = root.cant_link_request(secret, start=part[0] + 2 * H, end=part[1], top=1)
    assert later.requester.login == b_login and later.state == "open"
    page = root.cant_link(secret)
    assert [(h.start, h.end) for h in page.held] == [(part[0], part[0] + H)]
    # a shift nobody covers, with a request open for part of it: the rest is offered, not the whole
    shift2 = next(x for x in holders(root, clock) if x.person.login not in (DEMO_YOU, "maya", a_login, b_login)
                  and x.uid != shift.uid)
    c = _backend(demo_db, clock, shift2.person.login)
    c.swap_request(shift2.uid, start=shift2.start + 2 * H, end=shift2.start + 4 * H, top=1)
    page = root.cant_link(c.cant_make_it_link(shift2.uid).rstrip("/").rsplit("/", 1)[-1])
    assert page.can_request
    assert [(h.start, h.end) for h in page.held] == [(shift2.start, shift2.start + 2 * H),
                                                     (shift2.start + 4 * H, shift2.end)]


def test_a_re_publish_keeps_both_halves_of_a_trade_within_the_month(demo_db, clock):
    from .test_cover_holder import _republish_as_it_was

    root = _backend(demo_db, clock, DEMO_YOU)
    for y, shift, a_login, t in _trades(demo_db, clock):
        if (t.start.year, t.start.month) != (shift.start.year, shift.start.month):
            continue  # the shift given in return in another month's plan: that plan is not published again
        trade = y.swap_request(shift.uid, ask=[a_login], trade_uid=t.uid)
        assert _backend(demo_db, clock, a_login).swap_agree(trade.id).state == "agreed"
        assert _pieces(root, shift) == [(shift.start, shift.end, a_login)]
        assert _pieces(root, t) == [(t.start, t.end, shift.person.login)]
        # the new plan gives both shifts as first planned: the trade is carried over, both halves
        assert _republish_as_it_was(root, shift, planned={shift.uid: shift.person.login, t.uid: a_login}) == []
        assert _pieces(root, shift) == [(shift.start, shift.end, a_login)]
        assert _pieces(root, t) == [(t.start, t.end, shift.person.login)]
        return
    pytest.skip("no trade within one month's plan")
