"""`oncall demo`: a realistic team to explore every screen with.

About a dozen engineers in two time zones, two managers, six months of
on-call history, a primary/secondary rotation with shadows, requirements
partly met, next month's availability, a published plan for this month, and
a swap request waiting.  The person who runs it joins the team as a manager
who is also on the rotation.  Everything is seeded from a fixed number, so the
same clock gives the same team.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ..config import full_name
from ..core.clock import Clock
from ..core.months import add_months, month_of, month_range
from ..store import models as m
from .slots import ensure_slots

ENGINEERS = [
    # login, name, tz, region, experience (months on call before the demo), device set
    ("alice", "Alice Moreau", "Europe/London", "EMEA", 30, True),
    ("bogdan", "Bogdan Ionescu", "Europe/London", "EMEA", 18, True),
    ("chloe", "Chloé Lambert", "Europe/London", "EMEA", 12, True),
    ("dev", "Dev Raman", "Europe/London", "EMEA", 24, True),
    ("emeka", "Emeka Obi", "Europe/London", "EMEA", 6, True),
    ("fatima", "Fatima Haddad", "Europe/London", "EMEA", 2, False),
    ("gus", "Gus Lindqvist", "America/New_York", "AMER", 36, True),
    ("hana", "Hana Sato", "America/New_York", "AMER", 20, True),
    ("ivan", "Ivan Petrov", "America/New_York", "AMER", 9, True),
    ("jess", "Jess Carter", "America/New_York", "AMER", 14, True),
    ("kofi", "Kofi Mensah", "America/New_York", "AMER", 1, False),
    ("lena", "Lena Brandt", "America/New_York", "AMER", 4, True),
]
MANAGERS = [("maya", "Maya Goldberg", "Europe/London", "EMEA")]


def demo_team_toml(you: str, your_name: str | None = None) -> str:
    """The demo team, with `you` (who ran `oncall demo`) in it as a manager on the rotation,
    named as their account names them (other members see that name as a partner and as an
    escalation contact)."""
    import json

    yours = json.dumps(your_name or full_name(you), ensure_ascii=False)  # a TOML string, quoted
    people = []
    for i, (login, name, tz, region, _exp, device) in enumerate(ENGINEERS, 1):
        cc = "+44 7700 9001" if tz.startswith("Europe") else "+1 212 555 01"
        people.append(
            f'[[people]]\nlogin = "{login}"\nname = "{name}"\nemail = "{login}@example.com"\n'
            f'phones = ["{cc}{i:02d}"]\ntz = "{tz}"\nregion = "{region}"\nrole = "engineer"\n'
            + (f'oncall_device = "work phone"\noncall_phone = "{cc}{50 + i:02d}"\n' if device else "")
        )
    for login, name, tz, region in MANAGERS:
        people.append(
            f'[[people]]\nlogin = "{login}"\nname = "{name}"\nemail = "{login}@example.com"\n'
            f'phones = ["+44 7700 900777"]\ntz = "{tz}"\nregion = "{region}"\nrole = "manager"\n'
            f'on_rotation = false\n')
    people.append(
        f'[[people]]\nlogin = "{you}"\nname = {yours}\nemail = "{you}@example.com"\n'
        f'phones = ["+44 7700 900999"]\ntz = "Europe/London"\nregion = "EMEA"\nrole = "manager"\n'
        f'on_rotation = true\noncall_device = "work phone"\noncall_phone = "+44 7700 900998"\n')
    return f'''[team]
slug = "platform"
name = "Platform"
tz = "Europe/London"
availability_deadline_day = 20
settings = {{ holidays = ["2026-12-25", "2026-12-26", "2026-12-28", "2027-01-01", "2027-04-02", "2027-04-05"] }}

{chr(10).join(people)}
[[rotations]]
slug = "platform-247"
name = "Platform 24/7"
tz = "Europe/London"
handoff = "09:00"
shift = "daily"
roles = ["primary", "secondary", "shadow"]
rules = {{ min_rest_hours = 0, max_consecutive = 2, max_shifts_per_period = 8, max_weekends_per_period = 2 }}

[[escalation]]
name = "Maya Goldberg (engineering manager)"
contact = "+44 7700 900777"
login = "maya"

[[escalation]]
name = {yours[:-1]} (manager)"
contact = "+44 7700 900999"
login = "{you}"

[[escalation]]
name = "Head of Engineering"
contact = "+44 20 7946 0100"

[[requirements]]
slug = "incident-training"
name = "Incident response training"
why = "Whoever is primary leads the first 30 minutes of an incident."
how = "Take the two-hour course, then ask a manager to verify it."
link = "https://learning.example.com/incident-response"
roles = ["primary", "secondary"]
method = "manager"
valid_days = 365

[[requirements]]
slug = "runbooks"
name = "Runbook read-through"
why = "You know where the runbooks are before 3 a.m."
how = "Read the top ten runbooks and note anything out of date."
link = "https://wiki.example.com/platform/runbooks"
roles = ["primary", "secondary"]
method = "self"
valid_days = 180

[[requirements]]
slug = "shadowing"
name = "Two shadow shifts"
why = "See real on-call before carrying the pager."
how = "Sign up to shadow an upcoming shift beside an experienced primary."
roles = ["primary", "secondary"]
method = "auto"
auto = {{ kind = "shadow_shifts", min = 2 }}

[[requirements]]
slug = "device"
name = "On-call device set up"
why = "One device that rings when you are on call, and only then."
how = """Set your on-call device and phone in My profile (press i, then e), \\
or run `oncall profile set --oncall-device DEVICE --oncall-phone NUMBER`."""
roles = ["primary", "secondary"]
method = "auto"
auto = {{ kind = "oncall_device" }}

[[requirements]]
slug = "vpn-access"
name = "Production VPN access"
why = "You cannot fix what you cannot reach."
how = "Request the prod-vpn group and run the check command."
command = "vpn-check --group prod"
roles = ["primary"]
method = "manager"
'''


def build_demo(backend, clock: Clock) -> dict:
    """Fill an empty database with the demo team.  `backend` is a LocalBackend acting as you."""
    you = backend.actor_login
    report = backend.import_team(demo_team_toml(you), "demo team")
    rng = random.Random(20261127)
    now = clock.now()
    london = __import__("zoneinfo").ZoneInfo("Europe/London")
    today = now.astimezone(london).date()

    def seed():
        team = m.Team.get(m.Team.slug == "platform")
        rot = m.Rotation.get((m.Rotation.team == team) & (m.Rotation.slug == "platform-247"))
        people = {p.login: p for p in m.Person.select()}
        engineers = [people[e[0]] for e in ENGINEERS] + [people[you]]
        newcomers = {"fatima", "kofi"}
        experienced = [p for p in engineers if p.login not in newcomers]
        m.Meta.insert(key="demo", value="1").on_conflict(
            conflict_target=[m.Meta.key], update={m.Meta.value: "1"}).execute()  # portable upsert

        # Six months of history plus this month, published; next month left to plan.
        first_month = add_months(month_of(today), -6)
        manager = people["maya"]
        for k in range(7):
            first, last = month_range(add_months(first_month, k))
            _publish_month(rot, first, last, experienced, [people[n] for n in newcomers],
                           manager, rng, now, you=people[you], current=(k == 6), today=today)
        _seed_requirements(team, people, engineers, now, rng, you)
        from .requirements import seed_demo_readiness  # the requirements area's demo data

        seed_demo_readiness(team, people, experienced, manager, now)
        _seed_availability(engineers, today, rng, now)
        backend.context.audit("demo.seed", "team", team.slug, team)
    backend.context.write(seed)
    _seed_swaps(backend, you, now)
    return {"team": report.team, "you": you}


def _publish_month(rot, first, last, experienced, newcomers, manager, rng, now, you, current, today):
    slots = ensure_slots(rot, first, last)
    by_start: dict[datetime, dict[str, m.Slot]] = {}
    for s in slots:
        by_start.setdefault(s.start, {})[s.role] = s
    plan = m.Plan.create(rotation=rot, first_day=first, last_day=last, status="published", number=1,
                         solver="demo", created_by=manager, created_at=now, published_by=manager,
                         published_at=now, summary={"note": "seeded by oncall demo"})
    order = experienced[:]
    rng.shuffle(order)
    last_day_of: dict[int, int] = {}
    rows = []
    i = 0
    for day_index, start in enumerate(sorted(by_start)):
        roles = by_start[start]
        chosen = []
        for role in ("primary", "secondary"):
            for _ in range(len(order)):
                cand = order[i % len(order)]
                i += 1
                if cand in chosen or last_day_of.get(cand.id, -9) >= day_index - 1:
                    continue
                chosen.append(cand)
                last_day_of[cand.id] = day_index
                rows.append(dict(plan=plan, slot=roles[role], person=cand, source="import"))
                break
        # Newcomers shadowed a few shifts in the past; one is signed up for a future one.
        if "shadow" in roles and day_index % 9 == 4 and newcomers:
            shadow = newcomers[(day_index // 9) % len(newcomers)]
            if start.date() < today or (current and shadow.login == "fatima"):
                rows.append(dict(plan=plan, slot=roles["shadow"], person=shadow, source="import"))
    if current:
        # Make sure you are on call soon, with a partner, so the home screen has something to show.
        upcoming = [s for s in sorted(by_start) if s.date() >= today][:6]
        for start in upcoming[1::2]:
            slot = by_start[start]["secondary"]
            for r in rows:
                if r["slot"] is slot:
                    prim = next(x for x in rows if x["slot"] is by_start[start]["primary"])
                    if prim["person"] is not you:
                        r["person"] = you
    for chunk in range(0, len(rows), 200):
        m.Assignment.insert_many(rows[chunk:chunk + 200]).execute()


def _seed_requirements(team, people, engineers, now, rng, you):
    reqs = {q.slug: q for q in m.Requirement.select().where(m.Requirement.team == team)}
    manager = people["maya"]
    for p in engineers:
        if p.login in ("fatima", "kofi"):
            if p.login == "fatima":
                m.RequirementStatus.create(requirement=reqs["incident-training"], person=p, state="pending",
                                           evidence="Finished the course on the 3rd",
                                           requested_at=now - timedelta(days=2))
            continue
        trained = now - timedelta(days=rng.randint(30, 290))  # valid well past next month
        if p.login == "ivan":
            trained = now - timedelta(days=356)  # expires within two weeks
        if p.login == "lena":
            trained = now - timedelta(days=400)  # expired
        m.RequirementStatus.create(requirement=reqs["incident-training"], person=p, state="approved",
                                   evidence="Course certificate", met_at=trained, decided_by=manager,
                                   decided_at=trained + timedelta(days=1))
        if p.login != "emeka":
            m.RequirementStatus.create(requirement=reqs["runbooks"], person=p, state="attested",
                                       evidence="Read them all", met_at=now - timedelta(days=rng.randint(5, 100)))
        m.RequirementStatus.create(requirement=reqs["vpn-access"], person=p, state="approved",
                                   met_at=now - timedelta(days=200), decided_by=manager,
                                   decided_at=now - timedelta(days=200))


def _seed_availability(engineers, today, rng, now):
    first, last = month_range(add_months(month_of(today), 1))
    rows = []
    for p in engineers:
        days = [first + timedelta(days=d) for d in range((last - first).days + 1)]
        if rng.random() < 0.4:  # a week of holiday
            start = rng.randint(0, len(days) - 7)
            for d in days[start:start + 7]:
                rows.append(dict(person=p, day=d, state="unavailable", note="holiday", updated_at=now))
        taken = {r["day"] for r in rows if r["person"] is p}
        for d in rng.sample(days, 3):
            if d not in taken:
                rows.append(dict(person=p, day=d, state=rng.choice(["unavailable", "prefer_not", "preferred"]),
                                 note="", updated_at=now))
                taken.add(d)
    for chunk in range(0, len(rows), 200):
        m.Availability.insert_many(rows[chunk:chunk + 200]).execute()


def _seed_swaps(backend: Any, you: str, now: datetime) -> None:
    """Dev can't make a shift next week and asks you to take it (an incoming ask); you asked the
    best two candidates, in order, to cover two hours of one of yours (an outgoing request)."""
    from ..core.errors import OncallError

    def shifts_of(login: str, after) -> list[str]:
        def run() -> list[str]:
            rows = (m.Assignment.select(m.Assignment, m.Slot).join(m.Slot).switch(m.Assignment).join(m.Plan)
                    .join(m.Person, on=(m.Assignment.person == m.Person.id))
                    .where((m.Plan.status == "published") & (m.Person.login == login) & (m.Slot.start > after)
                           & (m.Slot.role != "shadow"))
                    .order_by(m.Slot.start).limit(8))
            return [r.slot.uid for r in rows]
        return backend.context.read(run)

    asked = False
    mine = shifts_of(you, now + timedelta(hours=12))
    for login in ("dev", *(e[0] for e in ENGINEERS if e[0] != "dev")):
        other = backend.acting_as(login)
        for uid in shifts_of(login, now + timedelta(hours=12)):
            for trade in [None, *mine]:  # a straight ask, else a trade for one of yours
                try:
                    other.swap_request(uid, ask=[you], trade_uid=trade,
                                       note="Family wedding, sorry! Happy to take one of yours.")
                    asked = True
                    break
                except OncallError:
                    continue
            if asked:
                break
        if asked:
            break
    for uid in shifts_of(you, now + timedelta(hours=12)):
        shift = next(s for s in backend.shifts(first=None) if s.assignment.uid == uid).assignment
        middle = shift.start + (shift.end - shift.start) / 2
        try:
            backend.swap_request(uid, start=middle, end=middle + timedelta(hours=2), top=2,
                                 note="Dentist appointment")
            break
        except OncallError:
            continue


def demo_path(data_dir: Path) -> Path:
    return data_dir / "demo.db"
