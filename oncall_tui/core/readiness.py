"""Who may go on call, in which role, at which moment: the one eligibility rule.

Plain data in, plain data out (no database, no terminal).  The requirements
service loads the facts once per team and asks this module; the planner, the
swap flow and the screens all go through that one checker.

Expiry: a requirement met at `met_at` with `valid_days` expires on the local day
(in the team's zone) `met_at`'s day + `valid_days`, and stays valid through the
end of that day: it counts for a shift starting on the 20th when it expires on
the 20th, and not for one starting on the 21st.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .domain_requirements import EXPIRING_DAYS, AutoRule, ReqItem, RequirementDef, RoleEligibility
from .months import months_before
from .shifts import local_to_utc
from .text import plural

Checker = Callable[[int, str, datetime], "tuple[bool, str]"]


@dataclass(frozen=True, kw_only=True)
class StatusFact:
    """A person's stored standing on one requirement (the requirement_status row)."""

    state: str  # attested | pending | approved | rejected | waived | granted
    met_at: datetime | None = None  # the last time it was met: expiry counts from here
    requested_at: datetime | None = None
    reason: str = ""
    evidence: str = ""
    evidence_link: str = ""
    id: int | None = None
    version: int | None = None


@dataclass(kw_only=True)
class PersonFacts:
    """What the automatic rules look at, for one person in one team."""

    device_set: bool = False  # on-call device and on-call phone both set
    calendars: int = 0  # connected calendar sources
    shadow_ends: list[datetime] = field(default_factory=list)  # ends of shadow shifts (published), sorted
    served: list[tuple[datetime, datetime]] = field(default_factory=list)  # (start, end) on call, by start

    def sort(self) -> PersonFacts:
        self.shadow_ends.sort()
        self.served.sort()
        return self


@dataclass(frozen=True, kw_only=True)
class Standing:
    state: str  # met | expiring | expired | pending | rejected | waived | missing
    counts: bool
    detail: str
    met_at: datetime | None = None
    expires_on: date | None = None
    expires_at: datetime | None = None


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name or "UTC")


def expiry(met_at: datetime | None, valid_days: int | None, tz: ZoneInfo) -> tuple[date | None, datetime | None]:
    """(last valid local day, first instant it no longer counts), or (None, None) if it never expires."""
    if met_at is None or valid_days is None:
        return None, None
    last_day = met_at.astimezone(tz).date() + timedelta(days=valid_days)
    return last_day, local_to_utc(last_day + timedelta(days=1), time(0), tz)


def day_text(d: date) -> str:
    return f"{d.day} {d.strftime('%b %Y')}"


def auto_check(rule: AutoRule | None, facts: PersonFacts, at: datetime, tz: ZoneInfo) -> tuple[bool, str]:
    """Is an automatic requirement met at `at`, and how far along is the person (words)."""
    if rule is None:
        return False, "no rule set: ask a manager"
    if rule.kind == "shadow_shifts":
        done = bisect_right(facts.shadow_ends, at)
        later = len(facts.shadow_ends) - done
        need = max(rule.min, 0)
        if done >= need:
            return True, f"{plural(done, 'shadow shift')} done ({need} needed)"
        text = f"{done} of {plural(need, 'shadow shift')} done"
        if later:
            text += f"; {later} signed up"
            if later >= need - done:
                when = facts.shadow_ends[need - 1]
                text += f" (met after {day_text(when.astimezone(tz).date())})"
        return False, text
    if rule.kind == "oncall_device":
        if facts.device_set:
            return True, "on-call device and phone set"
        return False, "set an on-call device and phone in My profile (i)"
    if rule.kind == "calendar_connected":
        if facts.calendars:
            return True, f"{plural(facts.calendars, 'calendar')} connected"
        return False, "no calendar connected yet"
    if rule.kind == "served_shifts":
        lower = months_before(at, rule.months, tz)
        starts = [s for s, _ in facts.served]
        lo = bisect_left(starts, lower)
        hi = bisect_left(starts, at)
        done = sum(1 for s, e in facts.served[lo:hi] if e <= at)
        return done >= rule.min, (f"{done} of {plural(rule.min, 'shift')} served in the last "
                                  f"{plural(rule.months, 'month')}")
    return False, f"unknown rule {rule.kind!r}"


def standing(req: RequirementDef, status: StatusFact | None, facts: PersonFacts | None,
             at: datetime, tz: ZoneInfo) -> Standing:
    """One person's standing on one requirement at the moment `at`."""
    facts = facts or PersonFacts()
    if status is not None and status.state == "waived":
        note = f": {status.reason}" if status.reason else ""
        return Standing(state="waived", counts=True, detail=f"waived by a manager{note}", met_at=status.met_at)
    met_at = status.met_at if status is not None and status.met_at and status.met_at <= at else None
    expires_on, expires_at = expiry(met_at, req.valid_days, tz)
    record_valid = met_at is not None and (expires_at is None or at < expires_at)
    auto_ok, auto_text = (auto_check(req.auto, facts, at, tz) if req.method == "auto" else (False, ""))
    counts = record_valid or auto_ok
    pending = status is not None and status.state == "pending"
    if counts:
        if req.method == "auto" and auto_ok:
            return Standing(state="met", counts=True, detail=auto_text)
        days_left = (expires_on - at.astimezone(tz).date()).days if expires_on else None
        if expires_on is not None and days_left is not None and days_left <= EXPIRING_DAYS:
            left = "today" if days_left == 0 else f"in {plural(days_left, 'day')}"
            detail = f"expires on {day_text(expires_on)} ({left})"
            state = "expiring"
        else:
            granted = status is not None and status.state == "granted"
            by = " (marked by a manager)" if granted else ""
            # follows the state's own word ("met: since 3 Dec"), so it never says "met" again
            detail = (f"since {day_text(met_at.astimezone(tz).date())}{by}" if met_at
                      else "marked by a manager" if granted else "on record")
            if expires_on:
                detail += f", valid through {day_text(expires_on)}"
            state = "met"
        if pending:
            detail += "; renewal waiting for verification"
        elif status is not None and status.state == "rejected":
            detail += f"; renewal rejected: {status.reason}"
        return Standing(state=state, counts=True, detail=detail, met_at=met_at, expires_on=expires_on,
                        expires_at=expires_at)
    if pending and status is not None:
        asked = status.requested_at.astimezone(tz).date() if status.requested_at else None
        return Standing(state="pending", counts=False,
                        detail="asked a manager" + (f" on {day_text(asked)}" if asked else ""),
                        met_at=met_at, expires_on=expires_on, expires_at=expires_at)
    if status is not None and status.state == "rejected":
        return Standing(state="rejected", counts=False, detail=f"rejected: {status.reason}", met_at=met_at,
                        expires_on=expires_on, expires_at=expires_at)
    if met_at is not None and expires_on is not None:
        return Standing(state="expired", counts=False, detail=f"expired on {day_text(expires_on)}", met_at=met_at,
                        expires_on=expires_on, expires_at=expires_at)
    if req.method == "auto":
        return Standing(state="missing", counts=False, detail=auto_text)
    return Standing(state="missing", counts=False, detail="not done yet")


def applies(req: RequirementDef, role: str) -> bool:
    return req.active and role in req.roles


def blockers(reqs: Iterable[RequirementDef], statuses: dict[int, StatusFact], facts: PersonFacts | None,
             role: str, at: datetime, tz: ZoneInfo) -> list[str]:
    """Why the person may not take `role` at `at` (empty: they may)."""
    out = []
    for req in reqs:
        if not applies(req, role):
            continue
        st = standing(req, statuses.get(req.id), facts, at, tz)
        if not st.counts:
            out.append(f"{req.name}: {st.detail}")
    return out


def make_checker(reqs: list[RequirementDef], statuses: dict[tuple[int, int], StatusFact],
                 facts: dict[int, PersonFacts], tz_name: str) -> Checker:
    """fn(person_id, role, at) -> (eligible, why not), over facts loaded once.

    `statuses` is keyed by (person_id, requirement_id)."""
    tz = zone(tz_name)
    active = [r for r in reqs if r.active]
    by_person: dict[int, dict[int, StatusFact]] = {}
    for (pid, rid), st in statuses.items():
        by_person.setdefault(pid, {})[rid] = st
    roles_needing = {role for r in active for role in r.roles}
    # The answer changes only when `at` passes one of the person's instants (a requirement met or
    # expiring, a shadow shift ending) or a local day ends (the "expires in n days" words), so
    # it is kept per (person, role, day, instants passed): a month of 4-hour shifts for 120
    # people asks 44,000 times.  A "served shifts" rule counts over a sliding window: not kept.
    keep = not any(r.method == "auto" and r.auto is not None and r.auto.kind == "served_shifts"
                   for r in active)
    instants: dict[int, list[datetime]] = {}
    answers: dict[tuple, tuple[bool, str]] = {}

    def moments(person_id: int) -> list[datetime]:
        found = instants.get(person_id)
        if found is None:
            found = list((facts.get(person_id) or PersonFacts()).shadow_ends)
            for req in active:
                st = by_person.get(person_id, {}).get(req.id)
                if st is not None and st.met_at is not None:
                    found.append(st.met_at)
                    found += [x for x in expiry(st.met_at, req.valid_days, tz)[1:] if x is not None]
            instants[person_id] = found = sorted(found)
        return found

    def check(person_id: int, role: str, at: datetime) -> tuple[bool, str]:
        if role not in roles_needing:
            return True, ""
        key = (person_id, role, at.astimezone(tz).date(), bisect_right(moments(person_id), at)) if keep else None
        if key is not None and key in answers:
            return answers[key]
        why = blockers(active, by_person.get(person_id, {}), facts.get(person_id), role, at, tz)
        answer = (not why), "; ".join(why)
        if key is not None:
            answers[key] = answer
        return answer

    return check


@dataclass(kw_only=True)
class TeamFacts:
    """Everything eligibility needs for (some of) a team, loaded in a handful of queries."""

    tz: str  # the team's zone: expiry days are counted there
    reqs: list[RequirementDef]
    roles: tuple[str, ...]
    statuses: dict[tuple[int, int], StatusFact]
    facts: dict[int, PersonFacts]

    def item(self, person_id: int, req: RequirementDef, at: datetime) -> ReqItem:
        st = self.statuses.get((person_id, req.id))
        s = standing(req, st, self.facts.get(person_id), at, zone(self.tz))
        return ReqItem(
            requirement=req, state=s.state, counts=s.counts, detail=s.detail, met_at=s.met_at,
            expires_on=s.expires_on, expires_at=s.expires_at,
            evidence=st.evidence if st else "", evidence_link=st.evidence_link if st else "",
            reason=st.reason if st else "", status_id=st.id if st else None,
            status_version=st.version if st else None,
        )

    def eligibility(self, person_id: int, at: datetime) -> tuple[RoleEligibility, ...]:
        mine = {rid: st for (pid, rid), st in self.statuses.items() if pid == person_id}
        out = []
        for role in self.roles:
            why = blockers(self.reqs, mine, self.facts.get(person_id), role, at, zone(self.tz))
            out.append(RoleEligibility(role=role, eligible=not why, blockers=tuple(why)))
        return tuple(out)


def summary_line(items: list[ReqItem], roles: tuple[RoleEligibility, ...]) -> str:
    if not items:
        return "none defined"
    met = sum(1 for i in items if i.counts)
    parts = [f"{met} of {len(items)} met"]
    for state, words in (("expiring", "expiring"), ("expired", "expired"), ("pending", "waiting"),
                         ("rejected", "rejected")):
        n = sum(1 for i in items if i.state == state)
        if n:
            parts.append(f"{n} {words}")
    eligible = [r.role for r in roles if r.eligible]
    parts.append("eligible: " + (", ".join(eligible) if eligible else "none yet"))
    return " · ".join(parts)
