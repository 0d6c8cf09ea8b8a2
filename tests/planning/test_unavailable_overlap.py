"""A day marked unavailable is a time range: the person's own local day, 00:00 to the next
00:00 in their time zone.  No shift that overlaps it may be theirs, whatever day it starts on
(a weekly shift starting on Monday and a vacation from Tuesday; a 09:00 shift running into a
marked day).  The oracle here computes the ranges from the wall clock itself."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oncall_tui.core.domain import Rotation, RotationRules
from oncall_tui.core.planning import Mark, Member, build_problem
from oncall_tui.core.shifts import generate_shifts
from oncall_tui.scheduler.greedy import solve_greedy
from oncall_tui.scheduler.solve import solve
from oncall_tui.scheduler.validate import validate

# March 2026: Los Angeles springs forward on the 8th, London on the 29th
FIRST, LAST = date(2026, 3, 1), date(2026, 3, 31)
KINDS = {
    "daily": dict(shift_kind="daily", handoff="09:00"),
    "12-hour": dict(shift_kind="hours", shift_hours=12, handoff="08:00"),
    "weekly": dict(shift_kind="weekly", handoff="09:00", handoff_weekday=0),
}
ZONES = ("Europe/London", "America/Los_Angeles", "Asia/Kolkata", "UTC")


def _rotation(kind: str, tz: str) -> Rotation:
    return Rotation(id=1, team="t", slug="r", name="R", tz=tz, roles=("primary",),
                    rules=RotationRules(min_rest_hours=0, max_consecutive=31), **KINDS[kind])


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def _off_range(first: date, days: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    return _midnight(first, zone), _midnight(first + timedelta(days=days), zone)


def _build(kind: str, rot_tz: str, person_tz: str, off_first: date, off_days: int, state="unavailable"):
    rotation = _rotation(kind, rot_tz)
    shifts = generate_shifts(rotation, FIRST, LAST)
    members = [Member(login="ann", name="Ann", tz=person_tz), Member(login="bob", name="Bob", tz="UTC")]
    marks = [Mark(login="ann", day=off_first + timedelta(days=i), state=state) for i in range(off_days)]
    return build_problem(rotation, shifts, members, eligible=lambda *_: (True, ""), marks=marks,
                         busy=[], holidays=set())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(KINDS)), rot_tz=st.sampled_from(ZONES), person_tz=st.sampled_from(ZONES),
       off_first=st.dates(date(2026, 2, 24), date(2026, 4, 5)), off_days=st.integers(1, 20))
def test_every_shift_overlapping_an_unavailable_range_is_forbidden_and_no_other(
        kind, rot_tz, person_tz, off_first, off_days):
    built = _build(kind, rot_tz, person_tz, off_first, off_days)
    problem = built.problem
    begins, ends = _off_range(off_first, off_days, ZoneInfo(person_tz))
    expected = {s.id for s in problem.shifts if s.start < ends and begins < s.end}
    assert {s for p, s in problem.unavailable if p == "ann"} == expected
    # and no solver gives Ann one of them, though she is the only one who could cover them
    # besides Bob (whose shifts are capped by nothing): take Bob out to force the question
    alone = build_problem(_rotation(kind, rot_tz), generate_shifts(_rotation(kind, rot_tz), FIRST, LAST),
                          [Member(login="ann", name="Ann", tz=person_tz)], eligible=lambda *_: (True, ""),
                          marks=[Mark(login="ann", day=off_first + timedelta(days=i), state="unavailable")
                                 for i in range(off_days)], busy=[], holidays=set()).problem
    plan = solve_greedy(alone).assignments
    held = {shift for (shift, _role), who in plan.items() if who == "ann"}
    assert not held & expected
    assert held == {s.id for s in alone.shifts} - expected


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(KINDS)), person_tz=st.sampled_from(ZONES),
       off_first=st.dates(date(2026, 3, 1), date(2026, 3, 28)), off_days=st.integers(1, 6))
def test_prefer_not_costs_a_wish_on_every_overlapping_shift(kind, person_tz, off_first, off_days):
    built = _build(kind, "Europe/London", person_tz, off_first, off_days, state="prefer_not")
    problem = built.problem
    begins, ends = _off_range(off_first, off_days, ZoneInfo(person_tz))
    expected = {s.id for s in problem.shifts if s.start < ends and begins < s.end}
    assert {s for (p, s), v in problem.wishes.items() if p == "ann" and v < 0} == expected
    assert not problem.unavailable
    # preferred, a wish to work those days, counts on the shifts starting on them (her days)
    wanted = _build(kind, "Europe/London", person_tz, off_first, off_days, state="preferred").problem
    zone = ZoneInfo(person_tz)
    days = {off_first + timedelta(days=i) for i in range(off_days)}
    assert {s for (p, s), v in wanted.wishes.items() if p == "ann" and v > 0} == \
        {s.id for s in wanted.shifts if s.start.astimezone(zone).date() in days}


def test_a_week_long_shift_is_kept_from_someone_away_tuesday_to_sunday():
    """The case from the report: weekly shifts from Monday 09:00, a vacation Tue-Sun."""
    rotation = _rotation("weekly", "Europe/London")
    shifts = generate_shifts(rotation, FIRST, LAST)
    members = [Member(login="ann", name="Ann", tz="Europe/London")]
    marks = [Mark(login="ann", day=date(2026, 3, 10) + timedelta(days=i), state="unavailable") for i in range(6)]
    built = build_problem(rotation, shifts, members, eligible=lambda *_: (True, ""), marks=marks, busy=[],
                          holidays=set())
    result = solve(built.problem, "cpsat", 5.0)
    assert "2026-03-09 09:00" not in {s for (s, _r), _p in result.assignments.items()}
    assert [g.shift_id for g in result.gaps] == ["2026-03-09 09:00"]
    assert "Tue 10 Mar" in built.unavailable_why[("ann", "2026-03-09 09:00")]


def _kept_off(person_tz: str, marked: date, kind: dict) -> set[str]:
    """The shifts (9-13 March) of a London rotation of `kind` kept from someone in `person_tz`
    who marked `marked` unavailable."""
    rotation = Rotation(id=1, team="t", slug="r", name="R", tz="Europe/London", roles=("primary",), **kind)
    shifts = generate_shifts(rotation, date(2026, 3, 9), date(2026, 3, 13))
    built = build_problem(rotation, shifts, [Member(login="ann", name="Ann", tz=person_tz)],
                          eligible=lambda *_: (True, ""), marks=[Mark(login="ann", day=marked, state="unavailable")],
                          busy=[], holidays=set())
    return {s for _p, s in built.problem.unavailable}


def test_a_daily_shift_running_into_a_marked_day_is_not_given():
    """A 09:00-09:00 shift the day before a marked day ends 9 hours into it."""
    assert _kept_off("Europe/London", date(2026, 3, 11), KINDS["daily"]) == {"2026-03-10 09:00", "2026-03-11 09:00"}


def test_a_mark_is_the_persons_own_day_not_the_rotations():
    """Someone in Los Angeles off on the 12th is off from 07:00 UTC on the 12th to 07:00 UTC on
    the 13th (PDT since the 8th), not from midnight to midnight in London (GMT until the 29th):
    of a London rotation's 4-hour shifts, those from 04:00 on the 12th to 04:00 on the 13th."""
    four_hourly = dict(shift_kind="hours", shift_hours=4, handoff="00:00")
    assert _kept_off("America/Los_Angeles", date(2026, 3, 12), four_hourly) == {
        "2026-03-12 04:00", "2026-03-12 08:00", "2026-03-12 12:00", "2026-03-12 16:00", "2026-03-12 20:00",
        "2026-03-13 00:00", "2026-03-13 04:00"}


def test_the_validator_checks_days_off_by_time_on_its_own():
    """Take the planner's (person, shift) pairs away: the validator still finds the overlap
    from the days off and the person's zone alone."""
    rotation = _rotation("weekly", "Europe/London")
    shifts = generate_shifts(rotation, FIRST, LAST)
    members = [Member(login="ann", name="Ann", tz="America/Los_Angeles")]
    marks = [Mark(login="ann", day=date(2026, 3, 15), state="unavailable")]  # a Sunday, her time
    built = build_problem(rotation, shifts, members, eligible=lambda *_: (True, ""), marks=marks, busy=[],
                          holidays=set())
    problem = built.problem
    problem.unavailable = set()
    # the week from Mon 9 Mar 09:00 London (UTC) runs to Mon 16 Mar 09:00 UTC, past her Sunday
    found = validate(problem, {("2026-03-09 09:00", "primary"): "ann"})
    assert [v.rule for v in found] == ["unavailable"]
    assert "Sun 15 Mar" in found[0].message and "America/Los_Angeles" in found[0].message
    assert validate(problem, {("2026-03-16 09:00", "primary"): "ann"}) == []


@settings(max_examples=40, deadline=None)
@given(kind=st.sampled_from(sorted(KINDS)), rot_tz=st.sampled_from(ZONES), person_tz=st.sampled_from(ZONES),
       off_first=st.dates(date(2026, 3, 1), date(2026, 3, 31)), off_days=st.integers(1, 9),
       pick=st.integers(0, 200))
def test_validator_flags_exactly_the_overlapping_shifts(kind, rot_tz, person_tz, off_first, off_days, pick):
    problem = _build(kind, rot_tz, person_tz, off_first, off_days).problem
    problem.unavailable = set()  # the validator must not need the planner's pairs
    shift = problem.shifts[pick % len(problem.shifts)]
    begins, ends = _off_range(off_first, off_days, ZoneInfo(person_tz))
    found = [v for v in validate(problem, {(shift.id, "primary"): "ann"}) if v.rule == "unavailable"]
    assert bool(found) == (shift.start < ends and begins < shift.end)


def _stretch_problem(kind: str, rot_tz: str, begins: datetime, hours: int, state: str = "unavailable"):
    rotation = _rotation(kind, rot_tz)
    members = [Member(login="ann", name="Ann", tz="Asia/Kolkata"), Member(login="bob", name="Bob", tz="UTC")]
    mark = Mark(login="ann", day=begins.astimezone(ZoneInfo("Asia/Kolkata")).date(), state=state,
                shift_start=begins, until=begins + timedelta(hours=hours))
    return build_problem(rotation, generate_shifts(rotation, FIRST, LAST), members, eligible=lambda *_: (True, ""),
                         marks=[mark], busy=[], holidays=set())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(KINDS)), rot_tz=st.sampled_from(ZONES),
       minutes=st.integers(0, 31 * 24 * 4 - 1), hours=st.integers(1, 30), pick=st.integers(0, 200))
def test_a_stretch_of_time_away_forbids_exactly_the_shifts_it_overlaps(kind, rot_tz, minutes, hours, pick):
    """The hours a swap asked to be covered (two hours at the dentist, or a whole shift): every
    shift overlapping them is kept from the person, across the clock changes, and no other; the
    validator finds the same overlap from the stretch alone."""
    begins = datetime(2026, 3, 1, tzinfo=UTC) + timedelta(minutes=15 * minutes)
    built = _stretch_problem(kind, rot_tz, begins, hours)
    problem = built.problem
    ends = begins + timedelta(hours=hours)
    expected = {s.id for s in problem.shifts if s.start < ends and begins < s.end}
    assert {s for p, s in problem.unavailable if p == "ann"} == expected
    for sid in expected:
        assert built.unavailable_why[("ann", sid)] == "marked unavailable by hand"
    problem.unavailable = set()  # the validator must not need the planner's pairs
    shift = problem.shifts[pick % len(problem.shifts)]
    found = [v for v in validate(problem, {(shift.id, "primary"): "ann"}) if v.rule == "unavailable"]
    assert bool(found) == (shift.id in expected)


def test_a_stretch_wins_over_a_wish_to_work_that_shift():
    """Asked for cover beats "preferred" set by hand on the same shift: the stretch is on the
    shift too, and unavailable is the stronger state."""
    rotation = _rotation("daily", "Europe/London")
    shifts = generate_shifts(rotation, FIRST, LAST)
    shift = shifts[10]
    marks = [Mark(login="ann", day=shift.start.date(), state="preferred", shift_start=shift.start),
             Mark(login="ann", day=shift.start.date(), state="unavailable", note="asked for cover (swap 1, 14:00-16:00)",
                  source="swap", shift_start=shift.start + timedelta(hours=5),
                  until=shift.start + timedelta(hours=7))]
    built = build_problem(rotation, shifts, [Member(login="ann", name="Ann", tz="Europe/London")],
                          eligible=lambda *_: (True, ""), marks=marks, busy=[], holidays=set())
    sid = built.id_of[shift.start]
    assert {s for _p, s in built.problem.unavailable} == {sid}
    assert built.unavailable_why[("ann", sid)] == "unavailable: asked for cover (swap 1, 14:00-16:00)"
    assert ("ann", sid) not in built.problem.wishes
