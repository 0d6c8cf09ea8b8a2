"""Whoever covers some hours of a shift holds them: they can ask to be covered in turn (all of
their hours or a part), and a shift can have several requests open at once for different hours.
Undo goes back one swap at a time, and nobody holding none of the hours can ask about them."""
from __future__ import annotations

from datetime import timedelta

import pytest

from oncall_tui.backend.local import LocalBackend
from oncall_tui.core.errors import Conflict, InvalidInput, NotAllowed

from ..conftest import DEMO_YOU
from .helpers import holders

H = timedelta(hours=1)


def _backend(demo_db, clock, login: str) -> LocalBackend:
    return LocalBackend(demo_db, actor=login, clock=clock)


def _pieces(root, shift) -> list[tuple]:
    """(start, end, login) of each piece of `shift`, in time order (what `oncall shifts` shows)."""
    day = shift.start.date()
    rows = [s.assignment for s in root.shifts(person="*", first=day - timedelta(days=1), last=day + timedelta(days=2))
            if s.assignment.uid == shift.uid]
    return sorted((a.start, a.end, a.person.login) for a in rows)


def _covered(demo_db, clock):
    """A shift whose holder A gave 06:00-12:00 (from its start) to B.  (root, shift, A, B, the part,
    the swap)."""
    root = _backend(demo_db, clock, DEMO_YOU)
    shift = next(a for a in holders(root, clock) if a.person.login not in (DEMO_YOU, "maya"))
    a = _backend(demo_db, clock, shift.person.login)
    part = (shift.start + 6 * H, shift.start + 12 * H)
    b_login = next(c.person.login for c in a.swap_candidates(shift.uid, start=part[0], end=part[1])
                   if c.person.login not in (DEMO_YOU, "maya"))
    swap = a.swap_request(shift.uid, start=part[0], end=part[1], ask=[b_login])
    assert _backend(demo_db, clock, b_login).swap_agree(swap.id).state == "agreed"
    return root, shift, shift.person.login, b_login, part, swap


def test_whoever_covers_some_hours_asks_for_cover_of_part_of_them_and_undo_goes_back_a_step(demo_db, clock):
    root, shift, a_login, b_login, part, first = _covered(demo_db, clock)
    b = _backend(demo_db, clock, b_login)
    # with no part named, B's candidates are for B's own hours; A gave them away and is not offered
    mine = b.swap_candidates(shift.uid)
    logins = [c.person.login for c in mine]
    assert logins and a_login not in logins and b_login not in logins
    with pytest.raises(InvalidInput, match="gave these hours away"):
        b.swap_request(shift.uid, ask=[a_login])
    sub = (part[0] + 2 * H, part[0] + 4 * H)
    c_login = next(c.person.login for c in b.swap_candidates(shift.uid, start=sub[0], end=sub[1])
                   if c.person.login not in (DEMO_YOU, "maya"))
    second = b.swap_request(shift.uid, start=sub[0], end=sub[1], ask=[c_login])
    assert second.requester.login == b_login and (second.start, second.end) == sub
    assert _backend(demo_db, clock, c_login).swap_agree(second.id).state == "agreed"
    s, e = shift.start, shift.end
    assert _pieces(root, shift) == [(s, part[0], a_login), (part[0], sub[0], b_login), (sub[0], sub[1], c_login),
                                    (sub[1], part[1], b_login), (part[1], e, a_login)]
    clock.at = sub[0] + timedelta(minutes=30)
    assert {(o.rotation, o.role): o.person.login for o in root.now()}[(shift.rotation, shift.role)] == c_login
    clock.at = sub[1] + timedelta(minutes=30)
    assert {(o.rotation, o.role): o.person.login for o in root.now()}[(shift.rotation, shift.role)] == b_login
    clock.at = shift.start - timedelta(days=5)

    # the first swap cannot be undone under the second: one step at a time, nothing changed
    with pytest.raises(Conflict, match="undo that first"):
        root.swap_undo(first.id)
    assert len(_pieces(root, shift)) == 5
    root.swap_undo(second.id)
    assert _pieces(root, shift) == [(s, part[0], a_login), (part[0], part[1], b_login), (part[1], e, a_login)]
    root.swap_undo(first.id)
    assert _pieces(root, shift) == [(s, e, a_login)]


def test_all_of_the_hours_someone_covers_go_on_to_another_and_the_can_t_make_it_link_is_theirs(demo_db, clock):
    root, shift, a_login, b_login, part, _ = _covered(demo_db, clock)
    b = _backend(demo_db, clock, b_login)
    path = b.cant_make_it_link(shift.uid)
    secret = path.rstrip("/").rsplit("/", 1)[-1]
    assert path != _backend(demo_db, clock, a_login).cant_make_it_link(shift.uid)
    page = root.cant_link(secret)
    assert page.person.login == b_login and page.can_request
    assert [(h.start, h.end) for h in page.held] == [part]
    assert a_login not in [c.person.login for c in page.candidates]
    swap = root.cant_link_request(secret, everyone=True)
    assert swap.requester.login == b_login and (swap.start, swap.end) == part
    taker = swap.asks[0].person.login
    assert _backend(demo_db, clock, taker).swap_agree(swap.id).state == "agreed"
    s, e = shift.start, shift.end
    assert _pieces(root, shift) == [(s, part[0], a_login), (part[0], part[1], taker), (part[1], e, a_login)]
    # B holds nothing of it now: B's link no longer opens, and B cannot ask about it
    from oncall_tui.core.errors import NotFound
    with pytest.raises(NotFound):
        root.cant_link(secret)
    with pytest.raises(Conflict, match="already swapped away"):
        b.swap_request(shift.uid, start=part[0], end=part[1], everyone=True)


def test_several_requests_for_different_hours_of_one_shift_are_open_at_once(demo_db, clock):
    root = _backend(demo_db, clock, DEMO_YOU)
    shift = next(a for a in holders(root, clock) if a.person.login not in (DEMO_YOU, "maya"))
    a = _backend(demo_db, clock, shift.person.login)
    early = (shift.start + 2 * H, shift.start + 4 * H)
    late = (shift.start + 10 * H, shift.start + 12 * H)
    one = a.swap_request(shift.uid, start=early[0], end=early[1], everyone=True)
    two = a.swap_request(shift.uid, start=late[0], end=late[1], everyone=True)
    assert one.state == two.state == "open"
    with pytest.raises(Conflict, match=f"swap {one.id} for .* is already open"):
        a.swap_request(shift.uid, start=early[0] + H, end=late[0], everyone=True)
    with pytest.raises(Conflict, match="is already open"):
        a.swap_request(shift.uid, everyone=True)
    # a manager's give of the early hours replaces only the request for them
    taker = next(x.person.login for x in one.asks if x.person.login != DEMO_YOU)
    root.swap_assign(shift.uid, taker, start=early[0], end=early[1])
    assert a.swap(one.id).state == "overridden" and a.swap(two.id).state == "open"
    other = next(x.person.login for x in two.asks if x.person.login not in (DEMO_YOU, taker))
    assert _backend(demo_db, clock, other).swap_agree(two.id).state == "agreed"
    s, e = shift.start, shift.end
    who = shift.person.login
    assert _pieces(root, shift) == [(s, early[0], who), (early[0], early[1], taker), (early[1], late[0], who),
                                    (late[0], late[1], other), (late[1], e, who)]
    # the holder now holds three separate parts: asking with no part says which to name
    with pytest.raises(InvalidInput, match="3 separate parts"):
        a.swap_request(shift.uid, everyone=True)
    # hours held by two people are refused in one line, for the holder and for a manager
    with pytest.raises(Conflict, match="already swapped away: .* covers"):
        a.swap_request(shift.uid, start=s, end=early[1], everyone=True)
    with pytest.raises(Conflict, match="held by several people"):
        root.swap_assign(shift.uid, DEMO_YOU, start=s, end=e)


def test_nobody_else_sees_candidates_or_asks_for_hours_someone_covers(demo_db, clock):
    root, shift, a_login, b_login, part, _ = _covered(demo_db, clock)
    stranger = next(mm.person.login for mm in root.members("platform")
                    if mm.person.login not in (DEMO_YOU, a_login, b_login))
    them = _backend(demo_db, clock, stranger)
    with pytest.raises(NotAllowed, match="not your shift"):
        them.swap_candidates(shift.uid, start=part[0], end=part[1])
    with pytest.raises(NotAllowed, match="not your shift"):
        them.swap_request(shift.uid, start=part[0], end=part[1], everyone=True)
    with pytest.raises(NotAllowed):
        them.cant_make_it_link(shift.uid)
    # A still holds the rest of the shift but not B's hours
    a = _backend(demo_db, clock, a_login)
    with pytest.raises(Conflict, match="already swapped away"):
        a.swap_request(shift.uid, start=part[0], end=part[1], everyone=True)
    # and B cannot ask about A's hours
    b = _backend(demo_db, clock, b_login)
    with pytest.raises(NotAllowed, match="not your shift"):
        b.swap_request(shift.uid, start=shift.start, end=part[0], everyone=True)


def _republish_as_it_was(root, shift, give_to: str | None = None, planned: dict | None = None) -> list[str]:
    """The shift's plan published again with the same people (`give_to`: this shift to them
    instead; `planned`: shift uid -> login, those shifts to them), the swaps agreed on it carried
    over as a publish does; the lines of what was not kept."""
    from oncall_tui.services.swaps import carry_swaps
    from oncall_tui.store import models as m

    def run() -> list[str]:
        old = m.Assignment.select().join(m.Slot).switch(m.Assignment).join(m.Plan).where(
            (m.Slot.uid == shift.uid) & (m.Plan.status == "published")).get().plan
        m.Plan.update(status="superseded").where(m.Plan.id == old.id).execute()
        fields = {f: getattr(old, f) for f in m.Plan._meta.fields if f not in ("id", "status", "number")}
        new = m.Plan.create(**fields, status="published", number=old.number + 1)
        for a in m.Assignment.select(m.Assignment, m.Slot).join(m.Slot).where(m.Assignment.plan == old):
            person = a.person_id
            if give_to and a.slot.uid == shift.uid:
                person = m.Person.get(m.Person.login == give_to).id
            if planned and a.slot.uid in planned:
                person = m.Person.get(m.Person.login == planned[a.slot.uid]).id
            m.Assignment.create(plan=new, slot=a.slot_id, person=person, source=a.source)
        return carry_swaps(old, new, root.context.now())
    return root._write(run)


def test_a_re_publish_keeps_a_cover_of_a_cover_in_order_or_says_what_it_could_not_keep(demo_db, clock):
    root, shift, a_login, b_login, part, first = _covered(demo_db, clock)
    b = _backend(demo_db, clock, b_login)
    sub = (part[0] + 2 * H, part[0] + 4 * H)
    second = b.swap_request(shift.uid, start=sub[0], end=sub[1], everyone=True)
    c_login = second.asks[0].person.login
    _backend(demo_db, clock, c_login).swap_agree(second.id)
    kept = _pieces(root, shift)
    assert len(kept) == 5
    assert _republish_as_it_was(root, shift) == []
    assert _pieces(root, shift) == kept
    # the new plan gives the shift to someone else: neither cover is kept, each said in a line
    d_login = next(mm.person.login for mm in root.members("platform")
                   if mm.person.login not in (DEMO_YOU, a_login, b_login, c_login))
    lost = _republish_as_it_was(root, shift, give_to=d_login)
    assert [line.split(" (")[0] for line in lost] == [f"swap {first.id}", f"swap {second.id}"]
    assert all("gives those hours to someone else" in line for line in lost)
    assert _pieces(root, shift) == [(shift.start, shift.end, d_login)]


def test_the_cli_asks_for_the_hours_its_user_covers_when_no_part_is_named(demo_db, clock):
    import json

    from .test_cli import run

    root, shift, a_login, b_login, part, _ = _covered(demo_db, clock)
    path = demo_db.removeprefix("sqlite:///")
    got = run(b_login, "--db", path, "swap", "candidates", shift.uid, "--json")
    assert got.exit_code == 0, got.output
    assert a_login not in [c["person"]["login"] for c in json.loads(got.output)]
    got = run(b_login, "--db", path, "swap", "request", shift.uid, "--everyone", "--json")
    assert got.exit_code == 0, got.output
    made = json.loads(got.output)
    assert made["requester"]["login"] == b_login
    from datetime import datetime
    assert (datetime.fromisoformat(made["start"]), datetime.fromisoformat(made["end"])) == part
    # the shift's own person, with two separate parts left, is told to name one
    got = run(a_login, "--db", path, "swap", "request", shift.uid, "--everyone")
    assert got.exit_code != 0 and "2 separate parts" in got.output


def test_a_request_names_whoever_holds_the_other_roles_during_its_hours(demo_db, clock):
    root = _backend(demo_db, clock, DEMO_YOU)
    shift = next(a for a in holders(root, clock) if a.person.login not in (DEMO_YOU, "maya"))
    day = shift.start.date()
    other = next(s.assignment for s in root.shifts(person="*", first=day - timedelta(days=1),
                                                     last=day + timedelta(days=1))
                 if s.assignment.start == shift.start and s.assignment.rotation == shift.rotation
                 and s.assignment.uid != shift.uid)
    part = (shift.start + 6 * H, shift.start + 8 * H)
    # a manager gives those hours of the other role to someone: they are the partner then
    z_login = next(c.person.login for c in root.swap_candidates(other.uid, start=part[0], end=part[1])
                   if c.person.login not in (DEMO_YOU, shift.person.login))
    root.swap_assign(other.uid, z_login, start=part[0], end=part[1])
    asked = _backend(demo_db, clock, shift.person.login).swap_request(shift.uid, start=part[0], end=part[1],
                                                                      everyone=True)
    logins = [p.login for p in asked.partners]
    assert z_login in logins and other.person.login not in logins
    later = (part[1], part[1] + 2 * H)
    again = _backend(demo_db, clock, shift.person.login).swap_request(shift.uid, start=later[0], end=later[1],
                                                                      everyone=True)
    logins = [p.login for p in again.partners]
    assert other.person.login in logins and z_login not in logins


def test_the_link_of_someone_whose_covered_hours_are_over_opens_nothing(demo_db, clock):
    from oncall_tui.core.errors import NotFound

    root, shift, a_login, b_login, part, _ = _covered(demo_db, clock)
    secret = _backend(demo_db, clock, b_login).cant_make_it_link(shift.uid).rstrip("/").rsplit("/", 1)[-1]
    a_secret = _backend(demo_db, clock, a_login).cant_make_it_link(shift.uid).rstrip("/").rsplit("/", 1)[-1]
    assert root.cant_link(secret).person.login == b_login
    clock.at = part[1] + H  # B's hours are over, the shift is not
    with pytest.raises(NotFound):
        root.cant_link(secret)
    assert root.cant_link(a_secret).person.login == a_login  # the shift's person still has theirs
