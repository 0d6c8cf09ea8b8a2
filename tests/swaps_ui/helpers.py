"""What the swap tests share: a request made the way a person makes it, and whom it asks."""
from __future__ import annotations

from oncall_tui.core.domain import ShiftDetail

from ..conftest import NOW


def free_shift(backend) -> tuple[int, ShiftDetail]:
    """The first of the person's shifts not started yet with no request of theirs open (its
    place in the home screen's list, and the shift)."""
    asked = {s.shift_uid for s in backend.swaps() if s.my_part == "outgoing" and s.state in ("open", "escalated")}
    shifts = backend.home().next_shifts
    found = [(i, d) for i, d in enumerate(shifts) if d.assignment.uid not in asked and d.assignment.start > NOW]
    assert found, "the demo gives this person upcoming shifts"
    return found[0]


def next_shift(backend) -> ShiftDetail:
    """The first of the person's upcoming shifts with no request of theirs open."""
    return free_shift(backend)[1]


def ask_one(requester, note: str = "") -> tuple[object, str]:
    """`requester` asks the best candidate for their next shift; (the request, whom it asks)."""
    shift = next_shift(requester)
    candidates = requester.swap_candidates(shift.assignment.uid)
    assert candidates, "somebody in the demo team can take the shift"
    login = candidates[0].person.login
    return requester.swap_request(shift.assignment.uid, ask=[login], note=note), login


def ask_someone_else(requester, manager: str) -> tuple[object, str]:
    """`requester` asks the best candidate who is not `manager` for their next shift."""
    shift = next_shift(requester)
    login = next(c.person.login for c in requester.swap_candidates(shift.assignment.uid)
                 if c.person.login != manager)
    return requester.swap_request(shift.assignment.uid, ask=[login]), login


def engineer_with_a_free_shift(as_user, manager: str) -> str:
    """The login of an engineer of `manager`'s team with a shift still to come and no request open."""
    boss = as_user(manager)
    team = boss.teams()[0].slug
    for member in boss.members(team):
        if member.role != "engineer" or member.person.login == manager:
            continue
        try:
            free_shift(as_user(member.person.login))
        except AssertionError:
            continue
        return member.person.login
    raise AssertionError("nobody in the demo team has a shift to come")
