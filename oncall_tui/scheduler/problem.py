"""Plain data in and out of the planner: a problem, and the plan that answers it.

Everything here is a frozen-ish dataclass of strings, numbers and UTC datetimes; a problem or
result crosses the backend as JSON through ``oncall_tui.core.wire``. Nothing in
this module knows about the database, the terminal or OR-Tools.

Vocabulary (general enough for nurse-rostering benchmarks as well as on-call rotas):

- a *slot* is one ``(shift_id, role)``; required roles must be covered (or reported as a gap),
  optional roles (e.g. ``"shadow"``) may stay empty and are never gaps;
- a person *works* a shift if they hold any role on it; load (for fairness and
  ``max_shifts``) counts required roles only;
- a shift's ``day`` (the local calendar day it starts on) drives consecutive-day rules;
  its ``weekend`` key groups the shifts of one weekend for ``max_weekends_per_period``;
- the *period* starts on the earliest shift ``day``. What a person did just before it carries in:
  ``SchedPerson.worked_before`` (days in a row worked up to that day, for ``max_consecutive``)
  and ``Problem.rest_before`` (the rest still owed after their last shift, for ``min_rest_hours``);
- regions: a shift with a region (a follow-the-sun window) takes only people of that same
  region, and a person with no region takes none of them; a shift without a region (``None``
  or ``""``) takes anyone (``prepare.region_allows``; the validator checks the same rule on
  its own).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

Slot = tuple[str, str]  # (shift_id, role)


def _dt(value: str | datetime) -> datetime:
    if isinstance(value, datetime):
        result = value
    else:
        result = datetime.fromisoformat(value)
    if result.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: the planner works in aware UTC times")
    return result.astimezone(UTC)


@dataclass
class SchedPerson:
    id: str
    name: str = ""
    region: str | None = None
    experienced: bool = True
    experience: int = 0  # past shifts, for display and the caller's own heuristics
    past_load: float = 0.0  # weighted points over the rolling window (shown, not planned on)
    # points held above (+) or below (-) their fair shares over the window: the catch-up
    past_excess: float = 0.0
    # the part of their time free for on-call (1 - the project load a manager set): scales the
    # hours their share is counted on
    free: float = 1.0
    max_shifts: int | None = None
    last_on_call: datetime | None = None  # end of the last shift before this period (greedy)
    # calendar days in a row worked right up to the period's first day (the day before it, the
    # day before that, ...): a run that continues into the period counts them (max_consecutive)
    worked_before: int = 0
    tz: str = "UTC"  # their own time zone: a day they are off is their local day (days_off)


@dataclass
class SchedShift:
    id: str
    start: datetime
    end: datetime
    weight: int = 2  # whole points: e.g. weekday 2, weekend or public holiday 3
    region: str | None = None  # follow-the-sun: only people of this region
    roles: tuple[str, ...] = ("primary", "secondary")
    optional_roles: tuple[str, ...] = ()  # e.g. ("shadow",): never a gap, no load
    day: date | None = None  # local calendar day; defaults to the UTC start date
    weekend: str | None = None  # key shared by the shifts of one weekend, e.g. "2024-W10"
    kind: str = ""  # shift type, for forbidden successions ("night" then "day")

    def __post_init__(self) -> None:
        self.start = _dt(self.start)
        self.end = _dt(self.end)
        if self.end <= self.start:
            raise ValueError(f"shift {self.id} ends before it starts")
        if self.day is None:
            self.day = self.start.date()
        elif isinstance(self.day, str):
            self.day = date.fromisoformat(self.day)
        self.roles = tuple(self.roles)
        self.optional_roles = tuple(self.optional_roles)

    @property
    def all_roles(self) -> tuple[str, ...]:
        return self.roles + self.optional_roles


@dataclass
class Rules:
    min_rest_hours: float = 0.0  # between the end of one shift and the start of the next
    max_consecutive: int | None = None  # consecutive calendar days worked
    min_consecutive: int | None = None  # a run of days worked, not touching the period edge
    max_shifts_per_period: int | None = None  # load roles, per person
    max_weekends_per_period: int | None = None  # distinct weekend keys worked
    forbidden_successions: list[tuple[str, str]] = field(default_factory=list)  # kinds, day d -> d+1
    shadow_beside: str = "primary"  # an optional role is filled only when this role is
    pair_roles: tuple[str, str] = ("primary", "secondary")  # (mentor role, mentee role)
    spread_hours: float = 48.0  # two shifts of one person starting closer than this cost `spread`


@dataclass
class Weights:
    """Integer weights of the soft goals, per point of deviation or per event; the score is their
    weighted sum counted in tenths of a point (``fairness.SCALE``: deviations are measured to
    0.1 point, so a weight of 1 adds 10 per event), lower is better.

    CP-SAT does not let ``under_cover`` and ``fairness_max`` be traded against the rest: it
    minimises the gaps, then the largest deviation, then the score (``fairness.rank``), so
    these two weights only scale the score that greedy, the local search and the report use."""

    under_cover: int = 10_000  # per required slot left empty
    fairness_max: int = 10  # per point of the largest deviation from a target
    fairness_sum: int = 2  # per point of deviation, summed over people
    fairness_slack: int = 1  # points of deviation from a target that cost nothing
    wish: int = 1  # per unit of an unmet wish
    pairing: int = 5  # per shift with an inexperienced mentee beside an inexperienced mentor
    spread: int = 1  # per pair of a person's shifts closer than rules.spread_hours
    stability: int = 3  # per slot changed against the previous (published) plan
    shadow_missing: int = 1  # per optional slot left empty


@dataclass
class Problem:
    people: list[SchedPerson]
    shifts: list[SchedShift]
    eligible: set[tuple[str, str, str]] | None = None  # (person, shift, role); None: everyone
    unavailable: set[tuple[str, str]] = field(default_factory=set)  # (person, shift)
    # (person, local day in their SchedPerson.tz): whole days off, 00:00 to the next 00:00; every
    # shift overlapping one is in `unavailable` too, except where a mark on that very shift
    # (in `shift_marked`) says otherwise. The validator checks these by time, on its own.
    days_off: list[tuple[str, date]] = field(default_factory=list)
    shift_marked: set[tuple[str, str]] = field(default_factory=set)  # (person, shift)
    # (person, start, end): stretches of time someone is away (the hours a swap asked to be
    # covered); every shift overlapping one is in `unavailable` too. The validator checks by time.
    time_off: list[tuple[str, datetime, datetime]] = field(default_factory=list)
    wishes: dict[tuple[str, str], int] = field(default_factory=dict)  # + preferred, - prefer not
    busy_elsewhere: list[tuple[str, datetime, datetime]] = field(default_factory=list)
    # (person, end of their last shift before the period, end of the rest it needs): no shift
    # of theirs may overlap it; reported as the rest rule, not as another rotation
    rest_before: list[tuple[str, datetime, datetime]] = field(default_factory=list)
    previous: dict[Slot, str] = field(default_factory=dict)  # published plan, for stability
    rules: Rules = field(default_factory=Rules)
    weights: Weights = field(default_factory=Weights)

    def __post_init__(self) -> None:
        if self.eligible is not None:
            self.eligible = {tuple(t) for t in self.eligible}
        self.unavailable = {tuple(t) for t in self.unavailable}
        self.shift_marked = {tuple(t) for t in self.shift_marked}
        self.days_off = [(p, d if isinstance(d, date) else date.fromisoformat(d)) for p, d in self.days_off]
        self.busy_elsewhere = [(p, _dt(s), _dt(e)) for p, s, e in self.busy_elsewhere]
        self.rest_before = [(p, _dt(s), _dt(e)) for p, s, e in self.rest_before]
        self.time_off = [(p, _dt(s), _dt(e)) for p, s, e in self.time_off]

    def person(self, person_id: str) -> SchedPerson:
        return self._people_by_id()[person_id]

    def shift(self, shift_id: str) -> SchedShift:
        return self._shifts_by_id()[shift_id]

    def _people_by_id(self) -> dict[str, SchedPerson]:
        return {p.id: p for p in self.people}

    def _shifts_by_id(self) -> dict[str, SchedShift]:
        return {s.id: s for s in self.shifts}


@dataclass
class Gap:
    shift_id: str
    role: str
    reasons: list[str]


@dataclass
class PersonStats:
    person_id: str
    shifts: int  # load-role shifts in this plan
    load: int  # weighted points in this plan
    target: float  # fair points for this plan
    deviation: float  # load - target
    past_load: float
    share: float = 0.0  # the base share (availability), before the catch-up
    catch_up: float = 0.0  # target - share


@dataclass
class Progress:
    best_score: int
    bound: int | None
    elapsed: float
    solutions: int
    assignments: dict[Slot, str]


@dataclass
class Result:
    assignments: dict[Slot, str]
    gaps: list[Gap]
    score: int
    bound: int | None
    status: str  # 'optimal' | 'feasible' | 'infeasible' | 'stopped'
    solver: str
    elapsed: float
    first_solution_time: float | None = None
    penalties: dict[str, int] = field(default_factory=dict)  # score by soft goal
    stats: list[PersonStats] = field(default_factory=list)
    # proven fewest empty required slots of any valid plan (None: not checked); when it equals
    # len(gaps), every gap is unavoidable
    unavoidable_gaps: int | None = None

    @property
    def relative_gap(self) -> float | None:
        """(score - bound) / score, 0.0 when proven optimal, None without a bound."""
        if self.bound is None:
            return None
        if self.score <= 0:
            return 0.0
        return max(0.0, (self.score - self.bound) / self.score)
