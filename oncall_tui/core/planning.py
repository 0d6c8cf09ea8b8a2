"""From plain facts about a team to the solver's Problem, and from a plan back to words.

Pure: the planning service gathers the facts from the database (who is on the rotation,
their marks, their history, their shifts elsewhere) and hands them over as plain data; the
scheduler never sees a row.  The same module turns a plan into the figures, warnings and
explanations a manager reads.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ..scheduler.problem import Problem, Rules, SchedPerson, SchedShift, Weights
from .domain import Rotation, ShiftSlot
from .domain_availability import deciding_mark, mark_words, marks_shift, strongest_mark
from .recommend import OPTIONAL_ROLES, WINDOW_MONTHS, free_part, point_values, shift_points
from .shifts import days_overlapped
from .text import plural

HISTORY_MONTHS = WINDOW_MONTHS  # past load's rolling window: the recommendation's figure is used
EXPERIENCED_AFTER = 5  # primary/secondary shifts served before someone counts as experienced
WISH_POINTS = 2  # weight of one preferred / prefer-not mark on a shift


@dataclass(frozen=True, kw_only=True)
class Member:
    login: str
    name: str
    tz: str = "UTC"
    region: str = ""
    experience: int = 0  # primary/secondary shifts served (all time)
    past_load: float = 0.0  # points over the rolling window
    past_excess: float = 0.0  # points above (+) / below (-) their fair shares over the window
    project_pct: int | None = None  # project load a manager set for the month (scales the share)
    level: int | None = None
    level_why: str = ""
    last_on_call: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class Mark:
    """An availability row: whole local day (shift_start None), one shift, or a stretch of time
    (shift_start to until: every shift overlapping it); hand-set or calendar."""

    login: str
    day: date
    state: str
    shift_start: datetime | None = None
    until: datetime | None = None
    hand_set: bool = True
    note: str = ""
    source: str = ""  # "hand" or "calendar:<label>" ("": by hand_set)

    @property
    def source_name(self) -> str:
        return self.source or ("hand" if self.hand_set else "calendar:")


@dataclass(frozen=True, kw_only=True)
class Busy:
    login: str
    start: datetime
    end: datetime
    what: str  # "Search 24/7 primary"


@dataclass(kw_only=True)
class Built:
    """A problem and what is needed to read its answers back and explain them."""

    problem: Problem
    start_of: dict[str, datetime]  # shift id -> UTC start
    id_of: dict[datetime, str]  # UTC start -> shift id
    unavailable_why: dict[tuple[str, str], str] = field(default_factory=dict)  # (login, shift id)
    wish_why: dict[tuple[str, str], str] = field(default_factory=dict)  # (login, shift id): the mark, its source
    ineligible_why: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (login, shift, role)
    members: dict[str, Member] = field(default_factory=dict)


def shift_id(start: datetime, tz: str) -> str:
    return start.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def solver_weights(weights: dict) -> Weights:
    known = Weights.__dataclass_fields__
    return Weights(**{k: int(v) for k, v in (weights or {}).items() if k in known})


def solver_rules(rotation: Rotation) -> Rules:
    r = rotation.rules
    required = [x for x in rotation.roles if x not in OPTIONAL_ROLES]
    return Rules(
        min_rest_hours=float(r.min_rest_hours or 0), max_consecutive=r.max_consecutive,
        max_shifts_per_period=r.max_shifts_per_period, max_weekends_per_period=r.max_weekends_per_period,
        shadow_beside=required[0] if required else "primary",
        pair_roles=(required[0], required[1]) if len(required) >= 2 else ("primary", "secondary"),
    )


def build_problem(rotation: Rotation, shifts: list[ShiftSlot], members: list[Member], *,
                  eligible: Callable[[str, str, datetime], tuple[bool, str]] | None,
                  marks: list[Mark], busy: list[Busy], holidays: Collection[date],
                  previous: dict[tuple[datetime, str], str] | None = None,
                  carry_in: list[tuple[str, datetime, datetime]] | None = None) -> Built:
    """The Problem of planning `shifts` of `rotation` for `members`.

    `eligible(login, role, start)` says who may hold a role (None: anyone may hold any role,
    the region rule aside; a caller asking about a few cells judges those itself, as the swaps
    do for the one shift asked about); `marks` are availability rows;
    `busy` are shifts the members hold in other rotations; `previous` the published plan of
    the same period (stability); `carry_in` the same rotation's shifts just before the period
    (login, start, end): each person's run of days worked up to the period becomes their
    `worked_before`, and the rest still owed after those shifts the problem's `rest_before`
    (so a gap reads "rest rule", not "on call in another rotation")."""
    tz = rotation.tz
    points = point_values(rotation.weights)
    rules = solver_rules(rotation)
    roles = tuple(r for r in rotation.roles if r not in OPTIONAL_ROLES)
    optional = tuple(r for r in rotation.roles if r in OPTIONAL_ROLES)
    zone = ZoneInfo(tz)
    start_of: dict[str, datetime] = {}
    id_of: dict[datetime, str] = {}
    sched_shifts = []
    for s in shifts:
        sid = shift_id(s.start, tz)
        while sid in start_of:  # an ambiguous wall time (DST fall-back) in sub-daily rotations
            sid += "'"
        start_of[sid], id_of[s.start] = s.start, sid
        day = s.start.astimezone(zone).date()
        weekend = None
        if day.weekday() >= 5:
            saturday = day - timedelta(days=day.weekday() - 5)
            iso = saturday.isocalendar()
            weekend = f"{iso[0]}-W{iso[1]:02d}"
        sched_shifts.append(SchedShift(
            id=sid, start=s.start, end=s.end, weight=shift_points(s.start, tz, points=points, holidays=holidays),
            region=s.region or None, roles=roles, optional_roles=optional, day=day, weekend=weekend))

    built = Built(problem=None, start_of=start_of, id_of=id_of,  # type: ignore[arg-type]
                  members={m.login: m for m in members})
    people = [SchedPerson(
        id=m.login, name=m.login, region=m.region or None,
        experienced=m.experience >= EXPERIENCED_AFTER, experience=m.experience,
        past_load=round(m.past_load, 2), past_excess=round(m.past_excess, 2), free=free_part(m.project_pct),
        last_on_call=m.last_on_call, tz=m.tz or "UTC") for m in members]

    eligible_set: set[tuple[str, str, str]] = set()
    all_roles = roles + optional
    for m in members:
        for sh in sched_shifts:
            if sh.region and m.region != sh.region:
                outside = (f"the {sh.region} window is staffed from {sh.region} only"
                           f" ({m.login}: {m.region or 'no region'})")
                for role in all_roles:
                    built.ineligible_why[(m.login, sh.id, role)] = outside
                continue
            if eligible is None:
                eligible_set.update((m.login, sh.id, role) for role in all_roles)
                continue
            for role in all_roles:
                ok, why = eligible(m.login, role, sh.start)
                if ok:
                    eligible_set.add((m.login, sh.id, role))
                else:
                    built.ineligible_why[(m.login, sh.id, role)] = why or f"not eligible as {role}"

    unavailable, wishes, days_off, time_off, shift_marked = _marks(marks, members, sched_shifts, built)
    busy_elsewhere = [(b.login, b.start, b.end) for b in busy]
    rest_before = _carry_in_rest(carry_in or [], rules, sched_shifts, built)
    runs = _carry_in_runs(carry_in or [], sched_shifts, zone)
    for person in people:
        person.worked_before = runs.get(person.id, 0)
    prev = {}
    for (start, role), login in (previous or {}).items():
        if start in id_of and login in built.members:
            prev[(id_of[start], role)] = login
    built.problem = Problem(
        people=people, shifts=sched_shifts, eligible=eligible_set, unavailable=unavailable,
        wishes=wishes, days_off=days_off, time_off=time_off, shift_marked=shift_marked,
        busy_elsewhere=busy_elsewhere,
        rest_before=rest_before, previous=prev, rules=rules,
        weights=solver_weights(rotation.weights))
    return built


def _marks(marks: list[Mark], members: list[Member], shifts: list[SchedShift], built: Built):
    """Effective availability per (person, shift).  A whole-day mark covers the person's own
    local day, 00:00 to the next 00:00 in their time zone, and touches every shift that overlaps
    it (`days_overlapped`), not only the shifts starting that day.  On each such day the
    availability views' precedence decides (`deciding_mark`: hand-set beats calendar, a mark on
    the shift beats a whole-day one); across the days the strongest state wins: unavailable
    forbids the shift, prefer not (or busy) costs a wish.  Preferred (a wish to work that day)
    earns one on the shifts starting that day only, so one wish is not spread over two shifts.

    A stretch of time (a swap's "asked for cover" hours, `Mark.until`) counts as a mark on every
    shift it overlaps.

    Returns (unavailable pairs, wishes, days off, stretches unavailable, pairs decided by a mark
    on the shift itself): the last three let the validator check time off on its own."""
    zones = {m.login: ZoneInfo(m.tz or "UTC") for m in members}
    by_person: dict[str, list[Mark]] = defaultdict(list)
    for mk in marks:
        if mk.login in zones:
            by_person[mk.login].append(mk)
    unavailable: set[tuple[str, str]] = set()
    wishes: dict[tuple[str, str], int] = {}
    days_off: list[tuple[str, date]] = []
    time_off: list[tuple[str, datetime, datetime]] = []
    shift_marked: set[tuple[str, str]] = set()
    # (zone, shift id) -> the local days it overlaps, and the day it starts on: once a zone
    touched: dict[tuple[str, str], tuple[list[date], date]] = {}

    def hand(x: Mark) -> bool:
        return x.hand_set

    for login, rows in sorted(by_person.items()):
        zone = zones[login]
        whole_day: dict[date, list[Mark]] = defaultdict(list)
        on_shift: dict[datetime, list[Mark]] = defaultdict(list)
        stretches: list[Mark] = []
        for mk in rows:
            if mk.shift_start is None:
                whole_day[mk.day].append(mk)
            elif mk.until is not None:
                stretches.append(mk)
                if mk.state == "unavailable":
                    time_off.append((login, mk.shift_start, mk.until))
            else:
                on_shift[mk.shift_start].append(mk)
        for day, day_marks in sorted(whole_day.items()):
            decided = deciding_mark(day_marks, hand)
            if decided is not None and decided.state == "unavailable":
                days_off.append((login, day))
        for sh in shifts:
            key = (zone.key, sh.id)
            if key not in touched:
                touched[key] = (days_overlapped(sh.start, sh.end, zone), sh.start.astimezone(zone).date())
            days, starts_on = touched[key]
            own = on_shift.get(sh.start, []) + [x for x in stretches if marks_shift(x, sh.start, sh.end)]
            if own:
                shift_marked.add((login, sh.id))
            decided_marks = [deciding_mark(whole_day[d] + own, hand, sh.start, sh.end)
                             for d in days if d in whole_day]
            if own and not decided_marks:
                decided_marks = [deciding_mark(own, hand, sh.start, sh.end)]
            mark = strongest_mark(x for x in decided_marks if x is not None)
            if mark is not None and mark.state == "preferred" and mark.shift_start is None \
                    and mark.day != starts_on:  # a wish to work a day: the shifts starting on it
                mark = next((x for x in decided_marks if x is not None and x.state == "preferred"
                             and (x.shift_start is not None or x.day == starts_on)), None)
            if mark is None:
                continue
            why = mark_words(mark.state, mark.source_name, mark.note)
            if mark.shift_start is None and mark.day != starts_on:
                why += f" for {mark.day:%a %d %b}"
            if mark.state == "unavailable":
                unavailable.add((login, sh.id))
                built.unavailable_why[(login, sh.id)] = why
            elif mark.state in ("prefer_not", "busy"):
                wishes[(login, sh.id)] = -WISH_POINTS
                built.wish_why[(login, sh.id)] = why
            elif mark.state == "preferred":
                wishes[(login, sh.id)] = WISH_POINTS
                built.wish_why[(login, sh.id)] = why
    return unavailable, wishes, days_off, time_off, shift_marked


def _carry_in_rest(carry_in, rules: Rules, shifts: list[SchedShift], built: Built) -> list:
    """The rest each person still owes, at the period's start, after their shifts just before it."""
    if rules.min_rest_hours <= 0 or not shifts:
        return []
    first_start = min(s.start for s in shifts)
    rest = timedelta(hours=rules.min_rest_hours)
    out = []
    for login, _start, end in sorted(carry_in, key=lambda c: (c[0], c[2])):
        if login in built.members and end + rest > first_start:
            out.append((login, end, end + rest))
    return out


def _carry_in_runs(carry_in, shifts: list[SchedShift], zone: ZoneInfo) -> dict[str, int]:
    """Days in a row each person worked right up to the period's first day (local days)."""
    shift_days = [s.day for s in shifts if s.day is not None]
    if not shift_days or not carry_in:
        return {}
    first = min(shift_days)
    days: dict[str, set[date]] = defaultdict(set)
    for login, start, _end in carry_in:
        days[login].add(start.astimezone(zone).date())
    runs = {}
    for login, worked in days.items():
        run, d = 0, first - timedelta(days=1)
        while d in worked:
            run, d = run + 1, d - timedelta(days=1)
        if run:
            runs[login] = run
    return runs


# -- reading a plan back -------------------------------------------------------------------
def day_label(start: datetime, tz: str, with_time: bool = False) -> str:
    local = start.astimezone(ZoneInfo(tz))
    return local.strftime("%a %d %b %H:%M" if with_time else "%a %d %b")


def evaluate(built: Built, assignments: dict[tuple[str, str], str], *, solver: str = "",
             status: str = "", elapsed: float = 0.0, bound: int | None = None):
    """The scheduler's Result for any plan (a solver's, or one edited by hand)."""
    from ..scheduler.report import build_result

    known = {k: v for k, v in assignments.items() if k[0] in built.start_of}
    return build_result(built.problem, known, solver=solver, status=status, elapsed=elapsed,
                        bound=bound)


def hard_violations(built: Built, assignments: dict[tuple[str, str], str]) -> list[str]:
    from ..scheduler.validate import validate

    return [v.message for v in validate(built.problem, assignments)]


def summary_of(built: Built, result, tz: str, several_a_day: bool) -> dict:
    """What a plan row keeps: gaps with reasons, figures per person, warnings, the breakdown."""
    def lab(shift: str) -> str:
        return day_label(built.start_of[shift], tz, several_a_day)

    people = []
    for st in result.stats:
        m = built.members.get(st.person_id)
        people.append(dict(login=st.person_id, shifts=st.shifts, points=st.load, past=st.past_load,
                           target=st.target, share=st.share, catch_up=st.catch_up, deviation=st.deviation,
                           experienced=(m.experience >= EXPERIENCED_AFTER) if m else True,
                           level=m.level if m else None))
    return dict(
        gaps=[dict(shift_id=g.shift_id, role=g.role, reasons=list(g.reasons)) for g in result.gaps],
        people=people, warnings=warnings(built, result, lab), penalties=dict(result.penalties),
        status=result.status, elapsed=round(result.elapsed, 2),
        violations=hard_violations(built, result.assignments),
    )


def warnings(built: Built, result, lab: Callable[[str], str]) -> list[str]:
    """Soft goals the plan misses, one line each (gaps are listed separately)."""
    problem = built.problem
    out: list[str] = []
    mean = (sum(s.weight for s in problem.shifts) / len(problem.shifts)) if problem.shifts else 2.0
    for st in sorted(result.stats, key=lambda s: -abs(s.deviation)):
        if abs(st.deviation) > mean:
            side = "above" if st.deviation > 0 else "below"
            out.append(f"fairness: {st.person_id} {abs(st.deviation):.1f} points {side} target "
                       f"({st.load} vs {st.target:.1f})")
    works: dict[str, set[str]] = defaultdict(set)
    for (shift, _role), login in result.assignments.items():
        works[login].add(shift)
    unwanted: dict[str, list[str]] = defaultdict(list)
    missed: dict[str, list[str]] = defaultdict(list)
    wishes = [(shift, login, value) for (login, shift), value in problem.wishes.items()
              if shift in built.start_of]
    for shift, login, value in sorted(wishes, key=lambda w: (built.start_of[w[0]], w[1])):
        if value < 0 and shift in works.get(login, ()):
            unwanted[login].append(shift)
        elif value > 0 and shift not in works.get(login, ()):
            missed[login].append(shift)
    for login in sorted(unwanted):
        shifts = unwanted[login]  # each with where its mark came from: a calendar, or the person
        reasons = list(dict.fromkeys(built.wish_why.get((login, s), "marked prefer not") for s in shifts))
        why = "; ".join(reasons[:2]) + (f"; … {len(reasons) - 2} more" if len(reasons) > 2 else "")
        out.append(f"wish: {login} works {_count(shifts)} ({_some(shifts, lab)}): {why}")
    for login in sorted(missed):
        out.append(f"wish: {login} preferred {_count(missed[login])}, not given ({_some(missed[login], lab)})")
    mentor, mentee = problem.rules.pair_roles
    experienced = {p.id: p.experienced for p in problem.people}
    if any(p.experience > 0 for p in problem.people):  # a team with no history has no newcomers
        paired = []
        for sh in sorted(problem.shifts, key=lambda s: s.start):
            a, b = result.assignments.get((sh.id, mentor)), result.assignments.get((sh.id, mentee))
            if a and b and not experienced.get(a, True) and not experienced.get(b, True):
                paired.append(sh.id)
        if paired:
            out.append(f"pairing: {_count(paired)} pair two less experienced people ({_some(paired, lab)})")
    changed = sum(1 for slot, login in problem.previous.items() if result.assignments.get(slot) != login)
    if changed:
        differ = "differs" if changed == 1 else "differ"
        out.append(f"stability: {plural(changed, 'cell')} {differ} from the published plan")
    return out


def _count(shifts: list[str]) -> str:
    return plural(len(shifts), "shift")


def _some(shifts: list[str], lab: Callable[[str], str], most: int = 3) -> str:
    """The first few shifts by label, and how many more: one line for any number of them."""
    shown = ", ".join(lab(s) for s in shifts[:most])
    return shown + (f", … {len(shifts) - most} more" if len(shifts) > most else "")


def _catch_up_words(catch_up: float) -> str:
    if catch_up >= 0.05:
        return f", +{catch_up:.1f} owed from earlier months"
    if catch_up <= -0.05:
        return f", {catch_up:.1f} for being ahead in earlier months"
    return ""


def explain_person(built: Built, result, login: str, tz: str, several_a_day: bool,
                   sources: dict[tuple[str, str], str] | None = None) -> str:
    """Why `login` got the shifts they got, in plain words."""
    problem = built.problem
    member = built.members.get(login)
    if member is None:
        return f"{login} is not on this rotation's planning list."

    def lab(shift: str) -> str:
        return day_label(built.start_of[shift], tz, several_a_day)

    stats = next((s for s in result.stats if s.person_id == login), None)
    mine = sorted(((s, r) for (s, r), p in result.assignments.items() if p == login),
                  key=lambda sr: built.start_of[sr[0]])
    experienced = member.experience >= EXPERIENCED_AFTER
    lines = [f"{member.name} ({login})"]
    lines.append(f"Experience: {member.experience} primary/secondary shifts served"
                 f" ({'experienced' if experienced else 'less experienced: paired with experienced people'}).")
    if member.level is not None:  # the team grid's level: the same share, on the whole month
        why = member.level_why.split(": ", 1)[1] if member.level_why.startswith("Level ") else member.level_why
        lines.append(f"Recommendation level {member.level} of 5" + (f": {why}" if why else "."))
    if stats:
        lines.append(f"Fair share (their target) {stats.target:.1f} points: {stats.share:.1f} for the hours they can "
                     f"be planned{_catch_up_words(stats.catch_up)}. This plan gives {stats.load} points "
                     f"in {plural(stats.shifts, 'shift')} ({stats.deviation:+.1f}).")
        lines.append(f"Load: {stats.past_load:g} points over the last {HISTORY_MONTHS} months.")
    lines.append("")
    lines.append("Shifts in this plan:" if mine else "No shifts in this plan.")
    for s, r in mine:
        how = (sources or {}).get((s, r), "")
        tag = " (set by hand)" if how == "manual" else ""
        wish = problem.wishes.get((login, s), 0)
        liked = f" — {built.wish_why.get((login, s), 'a wish')}" if wish else ""
        lines.append(f"  {lab(s)}  {r}{tag}{liked}")
    blocked = sorted((s, why) for (p, s), why in built.unavailable_why.items() if p == login)
    if blocked:
        lines.append("")
        lines.append(f"Kept off {plural(len(blocked), 'shift')}:")
        for s, why in blocked[:12]:
            lines.append(f"  {lab(s)}  {why}")
        if len(blocked) > 12:
            lines.append(f"  … and {len(blocked) - 12} more")
    busy = [(b_start, b_end) for p, b_start, b_end in problem.busy_elsewhere if p == login]
    if busy:
        lines.append(f"On call in another rotation at {plural(len(busy), 'time')}, so not planned then.")
    resting = [b_end for p, _b_start, b_end in problem.rest_before if p == login]
    if resting:
        lines.append(f"Resting after their last shift before the period until "
                     f"{day_label(max(resting), tz, True)} (rest rule).")
    carried = next((p.worked_before for p in problem.people if p.id == login), 0)
    if carried:
        lines.append(f"Worked the last {plural(carried, 'day')} before the period in a row"
                     + (f" (at most {problem.rules.max_consecutive} in a row)."
                        if problem.rules.max_consecutive else "."))
    roles_out: dict[str, str] = {}
    for (p, _s, r), why in built.ineligible_why.items():
        if p == login and r not in roles_out:
            roles_out[r] = why
    for role, why in sorted(roles_out.items()):
        lines.append(f"Not eligible as {role} (at least once): {why}")
    rules = problem.rules
    limits = [plural(rules.max_shifts_per_period, "shift") if rules.max_shifts_per_period else "",
              f"{plural(rules.max_consecutive, 'day')} in a row" if rules.max_consecutive else "",
              plural(rules.max_weekends_per_period, "weekend") if rules.max_weekends_per_period else "",
              f"{rules.min_rest_hours:g} h rest" if rules.min_rest_hours else ""]
    limits = [x for x in limits if x]
    if limits:
        lines.append("Rotation rules: at most " + ", ".join(limits) + ".")
    return "\n".join(lines)
