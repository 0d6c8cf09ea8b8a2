"""A part of a shift covered by someone else: exactly those hours change hands, across a
daylight-saving change too, and `now`, `shifts` and the home screen show each person their hours."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from oncall_tui.backend.local import LocalBackend
from oncall_tui.core.errors import InvalidInput

from ..conftest import DEMO_YOU
from ..planning.helpers import ROT
from .helpers import holders

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")  # clocks go forward on Sun 14 Mar 2027 at 02:00


def march_shift(demo_db, clock):
    """March 2027 published; (root's backend, the shift Sat 13 Mar 09:00 -> Sun 14 Mar 09:00 GMT
    of someone other than root and maya (New York's clocks go forward in it), its start)."""
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    view = root.draft_plan(ROT, "2027-03", solver="greedy", time_limit=5)
    root.publish_plan(view.summary.id, view.summary.version)
    start = datetime(2027, 3, 13, 9, 0, tzinfo=LONDON)
    shift = next(a for a in holders(root, clock, after_days=100)
                 if a.start == start and a.person.login not in (DEMO_YOU, "maya"))
    return root, shift, start


def test_a_partial_cover_across_the_clocks_going_forward(demo_db, clock):
    root, shift, start = march_shift(demo_db, clock)
    holder = LocalBackend(demo_db, actor=shift.person.login, clock=clock)
    part = (datetime(2027, 3, 13, 22, 0, tzinfo=NEW_YORK), datetime(2027, 3, 14, 4, 0, tzinfo=NEW_YORK))
    # six hours on New York's wall clock, five in fact
    assert part[1].astimezone(UTC) - part[0].astimezone(UTC) == timedelta(hours=5)
    cands = [c for c in holder.swap_candidates(shift.uid, start=part[0], end=part[1])
             if c.person.login not in (DEMO_YOU, "maya")]
    assert cands
    taker = cands[0].person.login
    swap = holder.swap_request(shift.uid, start=part[0], end=part[1], ask=[taker])
    done = LocalBackend(demo_db, actor=taker, clock=clock).swap_agree(swap.id)
    assert done.state == "agreed"
    first = start.date() - timedelta(days=1)
    everyone = [s.assignment for s in root.shifts(person="*", first=first, last=first + timedelta(days=2))
                if s.assignment.uid == shift.uid]
    pieces = [(a.start.astimezone(NEW_YORK).strftime("%d %H:%M %Z"),
               a.end.astimezone(NEW_YORK).strftime("%d %H:%M %Z"), a.person.login) for a in everyone]
    assert pieces == [("13 04:00 EST", "13 22:00 EST", shift.person.login), ("13 22:00 EST", "14 04:00 EDT", taker),
                      ("14 04:00 EDT", "14 05:00 EDT", shift.person.login)]
    assert sum(((a.end - a.start) for a in everyone), timedelta()) == timedelta(hours=24)
    theirs = [s.assignment for s in LocalBackend(demo_db, actor=taker, clock=clock).shifts(
        first=first, last=first + timedelta(days=2)) if s.assignment.uid == shift.uid]
    assert [(a.start, a.end) for a in theirs] == [part]
    assert done.start == part[0] and done.end == part[1]
    clock.at = datetime(2027, 3, 14, 3, 30, tzinfo=NEW_YORK)  # in the covered hours: the taker is on call
    on_now = {(o.rotation, o.role): o.person.login for o in root.now()}
    assert on_now[(ROT, shift.role)] == taker
    clock.at = datetime(2027, 3, 14, 4, 30, tzinfo=NEW_YORK)
    assert {(o.rotation, o.role): o.person.login for o in root.now()}[(ROT, shift.role)] == shift.person.login


def test_the_taker_is_credited_in_the_history_the_planner_reads(demo_db, clock):
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    shift = next(a for a in holders(root, clock) if a.person.login not in (DEMO_YOU, "maya"))
    holder = LocalBackend(demo_db, actor=shift.person.login, clock=clock)
    part = (shift.start + timedelta(hours=6), shift.start + timedelta(hours=12))  # a quarter of the day
    cands = [c for c in holder.swap_candidates(shift.uid, start=part[0], end=part[1])
             if c.person.login not in (DEMO_YOU, "maya")]
    taker = cands[0].person.login

    def past(login: str) -> float:
        grid = root.team_availability(team="platform", month="2027-01")
        return next(mm.recommendation.past_load for mm in grid.members if mm.person.login == login)

    before = {who: past(who) for who in (taker, shift.person.login)}
    swap = holder.swap_request(shift.uid, start=part[0], end=part[1], ask=[taker])
    LocalBackend(demo_db, actor=taker, clock=clock).swap_agree(swap.id)
    moved = cands[0].points_part
    assert moved > 0
    assert past(taker) == round(before[taker] + moved, 2)
    assert past(shift.person.login) == round(before[shift.person.login] - moved, 2)
    again = [c for c in holder.swap_candidates(shift.uid, start=shift.start, end=part[0]) if c.person.login == taker]
    assert not again or again[0].points_month == round(cands[0].points_month + moved, 1)


def test_partners_follow_a_partial_cover(demo_db, clock):
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    shift = next(a for a in holders(root, clock) if a.person.login not in (DEMO_YOU, "maya"))
    holder = LocalBackend(demo_db, actor=shift.person.login, clock=clock)
    part = (shift.start + timedelta(hours=3), shift.start + timedelta(hours=4))
    cands = [c for c in holder.swap_candidates(shift.uid, start=part[0], end=part[1])
             if c.person.login not in (DEMO_YOU, "maya")]
    taker = cands[0].person.login
    swap = holder.swap_request(shift.uid, start=part[0], end=part[1], ask=[taker])
    LocalBackend(demo_db, actor=taker, clock=clock).swap_agree(swap.id)
    day = shift.start.date()
    other = next(s for s in root.shifts(person="*", first=day - timedelta(days=1), last=day + timedelta(days=1))
                 if s.assignment.rotation == shift.rotation and s.assignment.start == shift.start
                 and s.assignment.role != shift.role)
    # the partner's whole shift lists who holds the other role in each piece, with its hours
    assert [(p.person.login, p.start, p.end) for p in other.partners if p.role == shift.role] == [
        (shift.person.login, shift.start, part[0]), (taker, part[0], part[1]),
        (shift.person.login, part[1], shift.end)]
    clock.at = part[0] + timedelta(minutes=30)
    on_now = {o.role: o for o in root.now() if o.rotation == shift.rotation}
    assert taker in [p.login for p in on_now[other.assignment.role].partners]
    assert shift.person.login not in [p.login for p in on_now[other.assignment.role].partners]
    clock.at = part[1] + timedelta(minutes=30)
    on_now = {o.role: o for o in root.now() if o.rotation == shift.rotation}
    assert shift.person.login in [p.login for p in on_now[other.assignment.role].partners]
    assert taker not in [p.login for p in on_now[other.assignment.role].partners]


def test_someone_covering_some_hours_is_not_offered_for_the_same_hours_elsewhere(demo_db, clock):
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    for shift in holders(root, clock):
        if shift.person.login in (DEMO_YOU, "maya"):
            continue
        holder = LocalBackend(demo_db, actor=shift.person.login, clock=clock)
        part = (shift.start + timedelta(hours=3), shift.start + timedelta(hours=5))
        day = shift.start.date()
        others = [s for s in root.shifts(person="*", first=day - timedelta(days=1), last=day + timedelta(days=1))
                  if s.assignment.start == shift.start and s.assignment.uid != shift.uid
                  and s.assignment.person.login != DEMO_YOU]
        for taker in [c.person.login for c in holder.swap_candidates(shift.uid, start=part[0], end=part[1])]:
            other = next((s for s in others if s.assignment.person.login != taker), None)
            if other is None or taker in (DEMO_YOU, "maya"):
                continue
            them = LocalBackend(demo_db, actor=other.assignment.person.login, clock=clock)
            before = [c.person.login for c in them.swap_candidates(other.assignment.uid, start=part[0], end=part[1])]
            if taker not in before:
                continue
            swap = holder.swap_request(shift.uid, start=part[0], end=part[1], ask=[taker])
            LocalBackend(demo_db, actor=taker, clock=clock).swap_agree(swap.id)
            after = [c.person.login for c in them.swap_candidates(other.assignment.uid, start=part[0], end=part[1])]
            assert taker not in after
            later = [c.person.login for c in them.swap_candidates(
                other.assignment.uid, start=part[1] + timedelta(hours=1), end=part[1] + timedelta(hours=2))]
            assert taker in later  # free again once their cover ends
            return
    import pytest
    pytest.skip("no two shifts at once with a shared candidate in this plan")


def test_the_mark_of_a_request_names_the_swap_and_its_hours_not_a_hand(demo_db, clock):
    from oncall_tui.core.domain_availability import mark_words, source_words

    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    shift = next(a for a in holders(root, clock) if a.person.login not in (DEMO_YOU, "maya"))
    holder = LocalBackend(demo_db, actor=shift.person.login, clock=clock)
    part = (shift.start + timedelta(hours=5), shift.start + timedelta(hours=7))
    swap = holder.swap_request(shift.uid, start=part[0], end=part[1], top=1)
    tz = ZoneInfo(holder.whoami().tz)
    month = holder.availability(month=shift.start.astimezone(tz).strftime("%Y-%m"))
    marks = [k for d in month.days for k in d.marks if k.note.startswith("asked for cover")]
    hours = f"{part[0].astimezone(tz):%H:%M}-{part[1].astimezone(tz):%H:%M}"
    assert [(k.source, k.note, k.shift_start, k.until) for k in marks] == [
        ("swap", f"asked for cover (swap {swap.id}, {hours})", part[0], part[1])]
    assert mark_words("unavailable", "swap", marks[0].note) == f"unavailable: {marks[0].note}"
    assert source_words("swap") == "from a swap request"


def test_the_mark_is_the_hours_asked_and_outlives_a_hand_edit_of_the_day(demo_db, clock):
    """Two hours at the dentist: the requester is away exactly those hours.  Their month shows
    the shift they asked about as unavailable with the request's words; marking the day by hand
    (even "clear", by a manager since the month is closed) leaves the request's mark alone;
    cancelling the request removes it."""
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    shift = next(a for a in holders(root, clock) if a.person.login not in (DEMO_YOU, "maya"))
    holder = LocalBackend(demo_db, actor=shift.person.login, clock=clock)
    tz = ZoneInfo(holder.whoami().tz)
    part = (shift.start + timedelta(hours=5), shift.start + timedelta(hours=7))
    swap = holder.swap_request(shift.uid, start=part[0], end=part[1], top=1)
    month = shift.start.astimezone(tz).strftime("%Y-%m")

    def shown():
        view = holder.availability(month=month)
        mine = [s for d in view.days for s in d.shifts if s.start == shift.start]
        stretch = [k for d in view.days for k in d.marks if k.until is not None]
        return mine, stretch, view.version

    mine, stretch, version = shown()
    assert [(s.state, s.source, s.note) for s in mine] == [
        ("unavailable", "swap", f"asked for cover (swap {swap.id}, "
                                f"{part[0].astimezone(tz):%H:%M}-{part[1].astimezone(tz):%H:%M})")]
    day = part[0].astimezone(tz).date()
    for state in ("preferred", "clear"):
        root.set_availability([day], state, person=holder.whoami().login, expected_version=version)
        mine, again, version = shown()
        assert again == stretch and mine[0].state == "unavailable", state
    holder.swap_cancel(swap.id)
    mine, stretch, _ = shown()
    assert stretch == [] and mine[0].state == "available"


def test_a_new_plan_never_gives_back_the_hours_asked_but_may_give_the_rest_of_the_month(demo_db, clock):
    """Drafting the month again after a partial request: the shift overlapping the hours asked
    is not the requester's, and the planner says why in the request's words."""
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    shift = next(a for a in holders(root, clock) if a.person.login not in (DEMO_YOU, "maya"))
    login = shift.person.login
    holder = LocalBackend(demo_db, actor=login, clock=clock)
    part = (shift.start + timedelta(hours=5), shift.start + timedelta(hours=7))
    swap = holder.swap_request(shift.uid, start=part[0], end=part[1], top=1)
    month = shift.start.astimezone(ZoneInfo("Europe/London")).strftime("%Y-%m")
    draft = root.draft_plan(ROT, month, solver="greedy", time_limit=5)
    cells = [c for c in draft.cells if c.start == shift.start]
    assert cells and all(c.login != login for c in cells)
    assert any(c.login == login for c in draft.cells)  # other shifts of the month: yes
    why = root.explain_person(draft.summary.id, login)
    assert f"asked for cover (swap {swap.id}" in why


def test_a_time_the_clocks_skip_and_an_empty_part_are_refused_in_one_line(demo_db, clock):
    """02:30 on the night New York's clocks go forward does not exist: the CLI says so; and a part
    that ends when it starts (02:30 EST is 03:30 EDT) is refused by the service itself, whatever
    asks (the CLI, the dialog, the link page, the remote API)."""
    from click.testing import CliRunner

    from oncall_tui.cli import main
    from oncall_tui.core.shifts import part_of_shift, wall_time

    root, shift, start = march_shift(demo_db, clock)
    holder = LocalBackend(demo_db, actor=shift.person.login, clock=clock)
    empty = (datetime(2027, 3, 14, 2, 30, tzinfo=NEW_YORK), datetime(2027, 3, 14, 3, 30, tzinfo=NEW_YORK))
    assert empty[0].astimezone(UTC) == empty[1].astimezone(UTC)
    for call in (lambda: holder.swap_candidates(shift.uid, start=empty[0], end=empty[1]),
                 lambda: holder.swap_request(shift.uid, start=empty[0], end=empty[1], top=1)):
        try:
            call()
        except InvalidInput as exc:
            assert "empty" in exc.message and "\n" not in exc.message
        else:
            raise AssertionError("an empty part was accepted")
    assert not holder.swaps()
    # the core rule: a skipped time is refused, the hour passed twice is its first (summer) one
    try:
        wall_time(datetime(2027, 3, 14, 2, 30), NEW_YORK)
    except ValueError as exc:
        assert str(exc) == "02:30 does not exist on Sun 14 Mar 2027 in America/New_York: the clocks go forward"
    else:
        raise AssertionError("a skipped time was accepted")
    assert wall_time(datetime(2026, 11, 1, 1, 30), NEW_YORK) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    try:  # the dialog and the can't-make-it page read typed times by the same rule
        part_of_shift("2027-03-14 02:30", "", shift.start, shift.end, "America/New_York")
    except ValueError as exc:
        assert "does not exist" in str(exc)
    else:
        raise AssertionError("the form took a skipped time")
    # through the CLI, as someone in New York holding the shift
    given = root.swap_assign(shift.uid, "gus") if shift.person.login != "gus" else None
    assert given is None or given.taken_by.login == "gus"
    path = demo_db.removeprefix("sqlite:///")
    got = CliRunner().invoke(main, ["--db", path, "swap", "request", shift.uid, "--from", "2027-03-14T02:30",
                                    "--to", "2027-03-14T03:30", "--top", "1"], env={"ONCALL_LOGIN": "gus"})
    assert got.exit_code == 2, got.output
    lines = got.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].endswith("--from: 02:30 does not exist on Sun 14 Mar 2027 in America/New_York: "
                             "the clocks go forward")
    assert not [s for s in LocalBackend(demo_db, actor="gus", clock=clock).swaps() if s.mode != "assign"]
    helped = CliRunner().invoke(main, ["swap", "request", "--help"])
    assert "the first one (still summer time)" in " ".join(helped.output.split())
