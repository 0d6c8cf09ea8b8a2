"""Swaps as people meet them, through the one backend interface (local, over `oncall serve`, and
on PostgreSQL): ranked candidates, asking one / in order / everyone, agreeing, declining with
fall-through, time-outs and escalation by the clock, cancelling, trades, managers' acts, refusals."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from oncall_tui.core.errors import Conflict, InvalidInput, NotAllowed, NotFound

from ..conftest import DEMO_YOU
from .helpers import holders


def _a_shift_with_candidates(backend_of, clock, role="primary"):
    """A primary shift of an engineer (not the demo's manager), with its holder's backend and candidates."""
    root = backend_of(DEMO_YOU)
    for a in holders(root, clock, role):
        if a.person.login in (DEMO_YOU, "maya"):
            continue
        mine = backend_of(a.person.login)
        cands = [c for c in mine.swap_candidates(a.uid) if c.person.login not in (DEMO_YOU, "maya")]
        if len(cands) >= 3:  # engineers only (the managers may act for anyone)
            return a, mine, cands
    pytest.fail("no shift with three candidates in December")


def test_candidates_are_ranked_fairest_first_each_with_a_reason(as_user, clock):
    a, mine, cands = _a_shift_with_candidates(as_user, clock)
    everyone = mine.swap_candidates(a.uid)
    assert [c.rank for c in everyone] == list(range(1, len(everyone) + 1))
    assert a.person.login not in {c.person.login for c in cands}
    keys = [(-c.level, c.points_month - c.share_month) for c in everyone]
    assert keys == sorted(keys)
    assert all(c.reason.startswith(f"level {c.level}:") and "\n" not in c.reason for c in cands)
    # someone else's shift: neither candidates nor a request
    other = next(c.person.login for c in cands if c.person.login != "maya")
    with pytest.raises(NotAllowed, match="not your shift"):
        as_user(other).swap_candidates(a.uid)


def test_one_ask_agreed_changes_the_assignment_and_keeps_the_uid(as_user, clock):
    a, mine, cands = _a_shift_with_candidates(as_user, clock)
    taker = cands[0].person.login
    swap = mine.swap_request(a.uid, ask=[taker], note="dentist")
    assert (swap.mode, swap.state, swap.my_part) == ("one", "open", "outgoing")
    assert [(x.person.login, x.state) for x in swap.asks] == [(taker, "asked")]
    incoming = [s for s in as_user(taker).swaps() if s.id == swap.id]
    assert incoming and incoming[0].my_part == "incoming" and incoming[0].my_load.startswith("+")
    done = as_user(taker).swap_agree(swap.id)
    assert (done.state, done.taken_by.login) == ("agreed", taker)
    after = [s.assignment for s in as_user(DEMO_YOU).shifts(person="*", first=a.start.date())
             if s.assignment.uid == a.uid]
    assert after[0].person.login == taker  # same uid, new holder
    # the requester is marked unavailable for it: no plan gives it back
    with pytest.raises(Conflict, match=f"already taken by {done.taken_by.name}"):
        as_user(taker).swap_agree(swap.id)
    with pytest.raises(Conflict, match="already swapped away"):
        mine.swap_request(a.uid)  # not theirs any more


def test_ordered_falls_through_on_decline_and_on_time_out(as_user, clock):
    a, mine, cands = _a_shift_with_candidates(as_user, clock)
    swap = mine.swap_request(a.uid, top=3)
    first, second, third = (x.person.login for x in swap.asks)
    assert swap.mode == "ordered"
    assert [x.state for x in swap.asks] == ["asked", "waiting", "waiting"]
    with pytest.raises(Conflict, match="not asked yet"):
        as_user(second).swap_agree(swap.id)
    declined = as_user(first).swap_decline(swap.id, reason="away that weekend")
    assert [x.state for x in declined.asks] == ["declined", "asked", "waiting"]
    assert declined.asks[0].reason == "away that weekend"
    # the second does not answer: after the answer window (8 h) the third is asked
    clock.advance(hours=8, minutes=1)
    seen = mine.swap(swap.id)
    assert [x.state for x in seen.asks] == ["declined", "timed_out", "asked"]
    assert as_user(third).swap_agree(swap.id).state == "agreed"
    with pytest.raises(Conflict):
        as_user(second).swap_agree(swap.id)


def test_everyone_first_agreement_wins_and_the_rest_are_withdrawn(as_user, clock):
    a, mine, cands = _a_shift_with_candidates(as_user, clock)
    swap = mine.swap_request(a.uid, everyone=True)
    assert swap.mode == "everyone" and all(x.state == "asked" for x in swap.asks)
    winner, loser = swap.asks[1].person.login, swap.asks[0].person.login
    won = as_user(winner).swap_agree(swap.id)
    assert won.state == "agreed"
    again = as_user(winner).swap_agree(swap.id)  # the same answer twice: told so, not an error
    assert again.message == "You already agreed; the shift is yours." and again.version == won.version
    assert {x.person.login: x.state for x in won.asks}[loser] == "withdrawn"
    with pytest.raises(Conflict, match="already taken by"):
        as_user(loser).swap_agree(swap.id)


def test_all_decline_and_cancel_and_escalation(as_user, clock):
    a, mine, cands = _a_shift_with_candidates(as_user, clock)
    only = cands[0].person.login
    swap = mine.swap_request(a.uid, ask=[only])
    declined = as_user(only).swap_decline(swap.id)
    # nobody left to ask: escalated to the managers at once, never closed silently
    assert declined.state == "escalated" and declined.state_words.endswith("everyone asked declined")
    assert swap.id in [s.id for s in as_user(DEMO_YOU).swaps() if s.state == "escalated"]
    before = as_user(DEMO_YOU).home().swaps_waiting
    assert "escalated to you" in as_user(DEMO_YOU).home().swaps_summary
    def cover_marks() -> list:
        month = mine.availability(month=a.start.strftime("%Y-%m"))
        return [k for d in month.days for k in d.marks if "asked for cover" in k.note]
    assert cover_marks()  # the requester still asks for cover
    assert as_user(DEMO_YOU).swap_cancel(swap.id).state == "cancelled"  # a manager ends it
    assert not cover_marks()
    assert as_user(DEMO_YOU).home().swaps_waiting == before - 1
    again = mine.swap_request(a.uid, ask=[only])  # closed: may ask again
    cancelled = mine.swap_cancel(again.id)
    assert cancelled.state == "cancelled" and cancelled.asks[0].state == "withdrawn"
    with pytest.raises(Conflict, match="no longer open: cancelled"):
        as_user(only).swap_agree(again.id)
    third = mine.swap_request(a.uid, everyone=True)
    assert third.escalate_at == a.start - timedelta(hours=48)
    clock.at = third.escalate_at + timedelta(minutes=1)
    assert mine.swap(third.id).state == "escalated"
    team_view = [s for s in as_user(DEMO_YOU).swaps() if s.id == third.id]
    assert team_view and team_view[0].state == "escalated"  # the managers see it
    clock.at = a.start + timedelta(minutes=1)
    assert mine.swap(third.id).state == "timed_out"


def test_refusals_change_nothing(as_user, clock):
    a, mine, cands = _a_shift_with_candidates(as_user, clock)
    nobody = cands[0].person.login
    with pytest.raises(NotAllowed, match="not your shift"):
        as_user(nobody).swap_request(a.uid, ask=[cands[1].person.login])
    with pytest.raises(InvalidInput, match="inside the shift"):
        mine.swap_request(a.uid, start=a.start - timedelta(hours=1), ask=[nobody])
    with pytest.raises(InvalidInput, match="cannot be asked"):
        mine.swap_request(a.uid, ask=[a.person.login])
    swap = mine.swap_request(a.uid, ask=[nobody])
    with pytest.raises(InvalidInput, match="line break"):
        as_user(nobody).swap_decline(swap.id, reason="busy\nreally")
    assert mine.swap(swap.id).asks[0].state == "asked"
    with pytest.raises(NotAllowed):
        as_user(cands[1].person.login).swap_agree(swap.id)  # not asked
    with pytest.raises(NotAllowed):
        as_user(cands[1].person.login).swap_agree(swap.id, as_login=nobody)  # for someone else
    with pytest.raises(Conflict, match="already open"):
        mine.swap_request(a.uid, ask=[cands[1].person.login])
    assert mine.swap(swap.id).state == "open"
    clock.at = a.start + timedelta(minutes=5)
    with pytest.raises(InvalidInput, match="already started"):
        mine.swap_request(a.uid, ask=[nobody])


def test_partial_cover_and_manager_acts(as_user, clock):
    a, mine, cands = _a_shift_with_candidates(as_user, clock)
    taker = cands[0].person.login
    part = (a.start + timedelta(hours=2), a.start + timedelta(hours=4))
    swap = mine.swap_request(a.uid, start=part[0], end=part[1], ask=[taker])
    assert (swap.start, swap.end) == part
    root = as_user(DEMO_YOU)
    done = root.swap_agree(swap.id, as_login=taker)  # a manager answers for someone who is ill
    assert done.state == "agreed" and done.acted_by == DEMO_YOU
    audit = [e for e in root.audit(team="platform") if e.action == "swap_agreed"]
    assert audit[0].actor == DEMO_YOU and audit[0].detail["acted_for"] == taker
    undone = root.swap_undo(done.id)
    assert undone.state == "overridden" and undone.taken_by is None
    assigned = root.swap_assign(a.uid, cands[1].person.login)
    assert (assigned.mode, assigned.state, assigned.taken_by.login) == ("assign", "overridden", cands[1].person.login)
    with pytest.raises(NotAllowed):
        mine.swap_assign(a.uid, taker)
    back = root.swap_undo(assigned.id)
    holder = [s.assignment.person.login for s in root.shifts(person="*", first=a.start.date())
              if s.assignment.uid == a.uid]
    assert back.state == "overridden" and holder == [a.person.login]
    # the history stays: whom it was given to, and that it was undone, worded as an agreed swap's undo
    given_to = cands[1].person.name
    assert back.state_words == (f"undone by a manager ({DEMO_YOU}): {a.person.name} holds it again "
                                f"(it had been given to {given_to})")
    assert root.swap(undone.id).state_words.startswith(f"undone by a manager ({DEMO_YOU}): {a.person.name} "
                                                       f"holds it again (it had been taken by ")


def test_a_request_replaced_by_a_managers_give_says_so(as_user, clock):
    a, mine, cands = _a_shift_with_candidates(as_user, clock)
    swap = mine.swap_request(a.uid, ask=[cands[0].person.login])
    root = as_user(DEMO_YOU)
    root.swap_assign(a.uid, cands[1].person.login)
    replaced = mine.swap(swap.id)
    assert replaced.state == "overridden"
    assert replaced.state_words == f"replaced by a manager's give to {cands[1].person.name}"


def test_trade(as_user, clock):
    a, mine, cands = _a_shift_with_candidates(as_user, clock)
    root = as_user(DEMO_YOU)
    for c in cands:
        theirs = [x for x in holders(root, clock) if x.person.login == c.person.login and x.uid != a.uid]
        for t in theirs:
            try:
                swap = mine.swap_request(a.uid, ask=[c.person.login], trade_uid=t.uid)
            except InvalidInput:
                continue
            assert swap.mode == "trade" and swap.trade_uid == t.uid
            as_user(c.person.login).swap_agree(swap.id)
            now_held = {x.uid: x.person.login for x in holders(root, clock)}
            assert now_held[a.uid] == c.person.login and now_held[t.uid] == a.person.login
            return
    pytest.skip("no trade possible in this plan")


def test_links_are_single_use_and_name_nobody_when_wrong(as_user, clock, backend_kind):
    a, mine, cands = _a_shift_with_candidates(as_user, clock)
    taker = cands[0].person.login
    swap = mine.swap_request(a.uid, ask=[taker])
    link = next(s for s in as_user(taker).swaps() if s.id == swap.id).link
    if backend_kind == "remote":
        assert link.startswith("/links/swap/")
    if not link:
        pytest.skip("this process did not make the link (its key is the server's)")
    secret = link.rsplit("/", 1)[1]
    assert len(secret) >= 22  # >= 128 bits
    shown = mine.swap_link(secret)
    assert shown.can_answer and shown.person.login == taker
    assert mine.swap(swap.id).state == "open"  # showing changed nothing
    answered = mine.swap_link_answer(secret, agree=True)
    assert answered.swap.state == "agreed" and answered.swap.taken_by.login == taker
    for bad in (secret, secret[:-2] + "xx", "short"):
        with pytest.raises(NotFound) as err:
            mine.swap_link(bad)
        assert taker not in str(err.value) and a.person.login not in str(err.value)


def test_a_re_publish_keeps_the_agreed_swap(as_user, clock):
    from ..planning.helpers import MONTH, ROT

    a, mine, cands = _a_shift_with_candidates(as_user, clock)
    taker = cands[0].person.login
    swap = mine.swap_request(a.uid, ask=[taker])
    as_user(taker).swap_agree(swap.id)
    root = as_user(DEMO_YOU)
    view = root.draft_plan(ROT, MONTH, solver="greedy", time_limit=5)
    published = root.publish_plan(view.summary.id, view.summary.version)
    held = {x.uid: x.person.login for x in holders(root, clock)}
    warnings = root.plan(published.id).warnings
    kept = held.get(a.uid) == taker
    assert kept or any(f"swap {swap.id}" in w for w in warnings)  # kept, or the plan says why not
    assert held.get(a.uid) != a.person.login  # never silently back to the one who asked for cover
    if kept:
        assert root.swap(swap.id).taken_by.login == taker


def test_the_cant_make_it_link_shows_the_shift_and_asks_for_cover(as_user, clock):
    a, mine, cands = _a_shift_with_candidates(as_user, clock)
    path = mine.cant_make_it_link(a.uid)
    assert path.startswith("/links/cant/")
    secret = path.rsplit("/", 1)[1]
    with pytest.raises(NotAllowed):
        as_user(cands[0].person.login).cant_make_it_link(a.uid)  # only the holder has it
    shown = mine.cant_link(secret)
    assert shown.shift.assignment.uid == a.uid and shown.can_request and shown.candidates
    assert shown.person.login == a.person.login
    swap = mine.cant_link_request(secret, top=2, note="ill")
    assert swap.requester.login == a.person.login and swap.mode == "ordered" and swap.note == "ill"
    again = mine.cant_link(secret)
    assert not again.can_request and again.open_swap is not None and again.open_swap.id == swap.id
    with pytest.raises(NotFound) as err:
        mine.cant_link(secret[:-3] + "abc")
    assert a.person.login not in str(err.value)


def test_agreeing_is_refused_when_it_would_break_a_rule_or_the_plan_changed(as_user, clock):
    from zoneinfo import ZoneInfo

    from ..planning.helpers import MONTH, ROT

    a, mine, cands = _a_shift_with_candidates(as_user, clock)
    taker, other = cands[0].person.login, cands[1].person.login
    swap = mine.swap_request(a.uid, ask=[taker, other])
    root = as_user(DEMO_YOU)
    day = a.start.astimezone(ZoneInfo(cands[0].person.tz)).date()
    root.set_availability([day], "unavailable", note="flu", person=taker)  # their manager marks them away
    with pytest.raises(InvalidInput, match="cannot take it now"):
        as_user(taker).swap_agree(swap.id)
    assert mine.swap(swap.id).state == "open"  # nothing changed
    view = root.draft_plan(ROT, MONTH, solver="greedy", time_limit=5)
    root.publish_plan(view.summary.id, view.summary.version)
    with pytest.raises(Conflict, match="re-published since"):  # the ask was about the plan before
        as_user(taker).swap_agree(swap.id)


def test_partners_never_list_the_viewer_and_follow_a_trade(as_user, clock):
    root = as_user(DEMO_YOU)
    asks = [s for s in root.swaps(include_closed=True) if s.my_part == "incoming"]
    assert asks  # the demo asks root for cover
    for s in asks:
        logins = [p.login for p in s.partners]
        assert DEMO_YOU not in logins
        if s.mode == "trade" and s.trade_start == s.shift_start:
            # root takes the requester's role and gives them root's: root would be on with them
            assert s.requester.login in logins


def test_trade_options_are_exactly_the_takeable_shifts_and_refusals_name_the_shift(as_user, clock):
    a, mine, cands = _a_shift_with_candidates(as_user, clock)
    root = as_user(DEMO_YOU)
    for c in cands[:3]:
        login = c.person.login
        offered = {d.assignment.uid for d in mine.swap_trade_options(a.uid, login)}
        assert all(d.assignment.person.login == login for d in mine.swap_trade_options(a.uid, login))
        theirs = [x for x in holders(root, clock) if x.person.login == login and x.uid != a.uid]
        for t in theirs:
            if t.uid in offered:
                continue
            with pytest.raises(InvalidInput) as refused:
                mine.swap_request(a.uid, ask=[login], trade_uid=t.uid)
            text = str(refused.value)
            assert t.uid not in text  # the shift in words, never its uid
            if "in return" in text:
                assert f"{t.start.astimezone(ZoneInfo(mine.whoami().tz)):%a %d %b} {t.role}" in text
        if offered:
            uid = sorted(offered)[0]
            swap = mine.swap_request(a.uid, ask=[login], trade_uid=uid)
            assert swap.mode == "trade" and swap.trade_uid == uid
            return
    pytest.skip("no trade possible in this plan")
