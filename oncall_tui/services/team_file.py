"""`oncall team import` / `export`: a whole team in one TOML file, all or nothing.

Mistakes are reported with the line they are on.  See data/team.example.toml.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields
from typing import Any

from ..core.checks import (
    check_person,
    check_requirement_spec,
    check_rotation,
    check_team_settings,
    is_email,
    is_http_url,
    is_login,
    is_slug,
    is_zone,
)
from ..core.domain import AUTO_RULE_KINDS, MEMBER_ROLES, REQUIREMENT_METHODS, ROLES, ImportReport
from ..core.domain_calendar import DEFAULT_ALARM_MINUTES, DEFAULT_DELIVERY
from ..core.errors import InvalidInput, NotAllowed
from ..core.text import CONTROL_CHARS
from ..store import models as m
from .base import ServiceBase


class _Lines:
    """Finds the line a key sits on, so errors can name it (tomllib gives no positions)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.tables: dict[str, list[int]] = {}
        for no, line in enumerate(self.lines, 1):
            mt = re.match(r"^\s*\[\[\s*([A-Za-z0-9_.]+)\s*\]\]", line) or re.match(
                r"^\s*\[\s*([A-Za-z0-9_.]+)\s*\]", line)
            if mt:
                self.tables.setdefault(mt.group(1), []).append(no)

    def of(self, table: str, index: int | None = None, key: str | None = None) -> int | None:
        starts = self.tables.get(table)
        if not starts:
            return None
        start = starts[index or 0] if index is not None and index < len(starts) else starts[0]
        if key is None:
            return start
        for no in range(start, len(self.lines) + 1):
            line = self.lines[no - 1]
            if no > start and re.match(r"^\s*\[", line):
                break
            if re.match(rf"^\s*{re.escape(key)}\s*=", line):
                return no
        return start

    def in_block(self, table: str, index: int, key: str) -> int | None:
        """The line of `key` anywhere in the `index`-th [[table]] (its own sub-tables and inline
        tables included), else the block's first line."""
        starts = self.tables.get(table) or []
        if index >= len(starts):
            return None
        start = starts[index]
        for no in range(start + 1, len(self.lines) + 1):
            line = self.lines[no - 1]
            if re.match(r"^\s*\[\[", line) and not re.match(rf"^\s*\[\[\s*{re.escape(table)}\.", line):
                break
            if re.search(rf"(^|[{{,\s]){re.escape(key)}\s*=", line) or \
                    re.match(rf"^\s*\[+\s*{re.escape(table)}\.{re.escape(key)}\s*\]", line):
                return no
        return start


@dataclass
class _Ctx:
    name: str
    lines: _Lines

    def fail(self, message: str, table: str, index: int | None = None, key: str | None = None):
        line = self.lines.of(table, index, key)
        where = f"{self.name}, line {line}" if line else self.name
        field = f"{table}[{index}].{key}" if index is not None else f"{table}.{key}" if key else table
        raise InvalidInput(f"{where}: {message}", field=field, line=line)


def _zone(ctx: _Ctx, value: Any, table: str, index: int | None, key: str = "tz") -> str:
    if not is_zone(str(value)):
        ctx.fail(f"{value!r} is not a time zone (try Europe/London)", table, index, key)
    return str(value)


# -- the file's shape: decoded by the wire codec, unknown keys refused --------------------------
@dataclass
class TeamEntry:
    slug: str
    name: str
    tz: str = "UTC"
    availability_deadline_day: int = 20
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass
class PersonEntry:
    login: str
    name: str
    role: str = "engineer"
    email: str = ""
    phones: list[str | int] = field(default_factory=list)
    tz: str | None = None  # the team's
    oncall_device: str = ""
    oncall_phone: str = ""
    region: str = ""
    on_rotation: bool | None = None  # engineers are, managers are not
    meets: list[str] = field(default_factory=list)  # requirement slugs already met when set up
    calendar: str | None = None  # how calendar entries reach them: feed | email | caldav | none
    alarm_minutes: int | None = None  # their reminder's lead time (0: none); unset: left as it is


@dataclass
class WindowEntry:
    start: str
    region: str = ""


@dataclass
class RotationEntry:
    slug: str
    name: str | None = None  # its slug
    tz: str | None = None  # the team's
    handoff: str = "09:00"
    shift: str = "daily"
    shift_hours: int = 24
    handoff_weekday: int = 0
    roles: list[str] = field(default_factory=lambda: ["primary", "secondary"])
    windows: list[WindowEntry] = field(default_factory=list)
    rules: dict[str, Any] = field(default_factory=dict)
    weights: dict[str, Any] = field(default_factory=dict)


@dataclass
class EscalationEntry:
    name: str
    contact: str
    login: str | None = None


@dataclass
class RequirementEntry:
    slug: str
    name: str
    why: str = ""
    how: str = ""
    link: str = ""
    command: str = ""
    roles: list[str] = field(default_factory=lambda: ["primary", "secondary"])
    method: str = "self"
    auto: dict[str, Any] = field(default_factory=dict)
    valid_days: int | None = None


@dataclass
class TeamFile:
    team: TeamEntry | None = None
    people: list[PersonEntry] = field(default_factory=list)
    rotations: list[RotationEntry] = field(default_factory=list)
    escalation: list[EscalationEntry] = field(default_factory=list)
    requirements: list[RequirementEntry] = field(default_factory=list)


SECTIONS = tuple(f.name for f in fields(TeamFile))


def _decode(ctx: _Ctx, data: dict[str, Any]) -> TeamFile:
    """The parsed TOML as a TeamFile; a key it does not know, a missing one or a value of the
    wrong type is one line naming the line it is on."""
    from ..core import wire

    if not isinstance(data.get("team"), dict):
        raise InvalidInput(f"{ctx.name}: a [team] section with slug and name is required", field="team")
    try:
        decoded = wire.convert_strict(TeamFile, data)
    except wire.WireError as exc:
        where = re.match(r"^(\w*)(?:\[(\d+)\])?\.?(\w*)(.*)$", exc.where)
        table, index, key, deeper = where.groups() if where else ("", None, "", exc.where)
        at = int(index) if index is not None else None
        if not table:
            if exc.kind == "unknown":
                ctx.fail(f"unknown section '{exc.name}' (expected one of {', '.join(sorted(SECTIONS))})", exc.name)
            raise InvalidInput(f"{ctx.name}: {exc.message}", field=None) from None
        if exc.kind == "unknown" and not key:
            known = [f.name for f in fields(_ENTRIES[table])]
            ctx.fail(f"unknown key '{exc.name}' (expected one of {', '.join(known)})", table, at, exc.name)
        if exc.kind == "missing" and not key:
            ctx.fail(f"'{exc.name}' is missing", table, at, None)
        if not key:
            ctx.fail(f"[{table}] {exc.problem}", table, at, None)
        what = f"{key}{deeper}" if deeper else key
        ctx.fail(f"'{what}' {exc.problem}", table, at, key)
    if decoded.team is None:
        raise InvalidInput(f"{ctx.name}: a [team] section with slug and name is required", field="team")
    for table in SECTIONS:  # names, phones, labels...: shown in terminals
        entries = getattr(decoded, table)
        for i, entry in enumerate(entries if isinstance(entries, list) else [entries]):
            at = i if isinstance(entries, list) else None
            for f in fields(entry):
                value = getattr(entry, f.name)
                if any(isinstance(text, str) and CONTROL_CHARS.search(text)
                       for text in (value if isinstance(value, list) else [value])):
                    ctx.fail(f"'{f.name}' contains a control character; remove it", table, at, f.name)
    return decoded


_ENTRIES: dict[str, type] = {"team": TeamEntry, "people": PersonEntry, "rotations": RotationEntry,
                             "escalation": EscalationEntry, "requirements": RequirementEntry}


def _checked_requirement(ctx: _Ctx, index: int, q: dict[str, Any]) -> dict[str, Any]:
    """The requirement as `save_requirement` would store it: the same check, so what an import
    accepts can be edited afterwards; a refusal names the line."""
    from ..core.domain_requirements import AutoRule, RequirementDef

    auto = None
    if q["method"] == "auto":
        for key in ("min", "months"):
            value = q["auto_rule"].get(key, 1 if key == "min" else 6)
            if not isinstance(value, int) or isinstance(value, bool):
                ctx.fail(f"auto.{key} must be a whole number, not {value!r}", "requirements", index, "auto")
        auto = AutoRule(kind=q["auto_rule"]["kind"], min=q["auto_rule"].get("min", 1),
                        months=q["auto_rule"].get("months", 6))
    spec = RequirementDef(slug=q["slug"], name=q["name"], why=q["why"], how=q["how"], link=q["link"],
                          command=q["command"], roles=tuple(q["roles"]), method=q["method"], auto=auto,
                          valid_days=q["valid_days"])
    try:
        checked = check_requirement_spec(spec)
    except InvalidInput as exc:
        key = (exc.field or "").split(".")[0]
        key = {"how to obtain it": "how"}.get(key, key)
        ctx.fail(exc.message, "requirements", index, key if key in q or key == "auto" else None)
    checked.pop("active")
    return checked


def _too_deep(value: Any, limit: int) -> bool:
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth >= limit:
                return True
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return False


def parse_team_file(text: str, name: str = "team.toml") -> dict[str, Any]:
    """Parse and check a team file.  Returns plain, validated data; raises InvalidInput."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{name}: {exc}", field=None) from None
    except RecursionError:  # arrays or inline tables nested hundreds deep
        data = None
    if data is None or _too_deep(data, 16):  # dotted keys nest without recursion, then break JSON
        raise InvalidInput(f"{name}: values are nested too deeply to be a team file", field=None)
    ctx = _Ctx(name, _Lines(text))
    decoded = _decode(ctx, data)
    team = decoded.team
    assert team is not None
    slug = team.slug
    if not is_slug(slug):
        ctx.fail(f"team slug {slug!r} must be lower-case letters, digits, - _ or .", "team", None, "slug")
    out_team = {
        "slug": slug,
        "name": team.name,
        "tz": _zone(ctx, team.tz, "team", None),
        "availability_deadline_day": team.availability_deadline_day,
        "settings": team.settings,
    }
    try:
        out_team["settings"] = check_team_settings(team.settings)
    except InvalidInput as exc:
        ctx.fail(exc.message, "team", None, "settings")
    if not 1 <= out_team["availability_deadline_day"] <= 28:
        ctx.fail("availability_deadline_day must be between 1 and 28", "team", None,
                 "availability_deadline_day")

    people = []
    seen = set()
    for i, p in enumerate(decoded.people):
        login = p.login
        if not is_login(login):
            ctx.fail(f"login {login!r} has characters a login cannot have", "people", i, "login")
        if login in seen:
            ctx.fail(f"login {login!r} appears twice", "people", i, "login")
        seen.add(login)
        role = p.role
        if role not in MEMBER_ROLES:
            ctx.fail(f"role must be engineer or manager, not {role!r}", "people", i, "role")
        email = p.email
        if email and not is_email(email):
            ctx.fail(f"{email!r} is not an email address", "people", i, "email")
        try:  # the profile form's rules, so what an import stores can be edited in the app
            details = check_person(name=p.name, email=email, phones=[str(x) for x in p.phones],
                                   oncall_device=p.oncall_device, oncall_phone=p.oncall_phone,
                                   calendar_delivery=p.calendar, alarm_minutes=p.alarm_minutes)
        except InvalidInput as exc:
            keys = {"name": "name", "email": "email", "phone": "phones", "on-call device": "oncall_device",
                    "on-call phone": "oncall_phone", "calendar": "calendar", "alarm_minutes": "alarm_minutes"}
            ctx.fail(exc.message, "people", i, keys.get(exc.field or ""))
        people.append({
            "login": login,
            **details,
            "tz": _zone(ctx, p.tz if p.tz is not None else out_team["tz"], "people", i),
            "region": p.region,
            "role": role,
            "on_rotation": p.on_rotation if p.on_rotation is not None else role == "engineer",
            "meets": list(dict.fromkeys(p.meets)),
        })
    if not any(p["role"] == "manager" for p in people):
        raise InvalidInput(f"{name}: the team needs at least one person with role = \"manager\"",
                           field="people")

    rotations = []
    for i, r in enumerate(decoded.rotations):
        rslug = r.slug
        if not is_slug(rslug):
            ctx.fail(f"rotation slug {rslug!r} must be lower-case letters, digits, - _ or .",
                     "rotations", i, "slug")
        kind, handoff, roles, hours, windows, rules = r.shift, r.handoff, r.roles, r.shift_hours, r.windows, r.rules
        try:  # the planner checks a stored rotation with the same rules before it solves
            check_rotation(shift=kind, handoff=handoff, shift_hours=hours, handoff_weekday=r.handoff_weekday,
                           roles=list(roles), window_starts=[w.start for w in windows], rules=rules,
                           weights=r.weights)
        except InvalidInput as exc:
            key = exc.field or "rules"
            line = ctx.lines.in_block("rotations", i, key.removeprefix("rules.").removeprefix("weights."))
            where = f"{ctx.name}, line {line}" if line else ctx.name
            raise InvalidInput(f"{where}: rotation {rslug!r}: {exc.message}", field=f"rotations[{i}].{key}",
                               line=line) from None
        rotations.append({
            "slug": rslug,
            "name": r.name if r.name is not None else rslug,
            "tz": _zone(ctx, r.tz if r.tz is not None else out_team["tz"], "rotations", i),
            "handoff": handoff,
            "shift_kind": kind,
            "shift_hours": hours,
            "handoff_weekday": r.handoff_weekday,
            "roles": roles,
            "windows": [{"start": w.start, "region": w.region} for w in windows],
            "rules": rules,
            "weights": r.weights,
        })

    escalation = []
    for e in decoded.escalation:
        escalation.append({
            "name": e.name,
            "contact": e.contact,
            "login": e.login,
        })

    requirements = []
    rseen = set()
    for i, q in enumerate(decoded.requirements):
        qslug = q.slug
        if not is_slug(qslug) or qslug in rseen:
            ctx.fail(f"requirement slug {qslug!r} is not a valid, unique slug", "requirements", i, "slug")
        rseen.add(qslug)
        method = q.method
        if method not in REQUIREMENT_METHODS:
            ctx.fail(f"method must be one of {', '.join(REQUIREMENT_METHODS)}", "requirements", i, "method")
        auto = q.auto
        if method == "auto" and auto.get("kind") not in AUTO_RULE_KINDS:
            ctx.fail(f"auto.kind must be one of {', '.join(AUTO_RULE_KINDS)}", "requirements", i, "auto")
        link = q.link
        if link and not is_http_url(link):
            ctx.fail(f"link must be an http(s) URL, not {link!r}", "requirements", i, "link")
        roles = q.roles
        for role in roles:
            if role not in ROLES:
                ctx.fail(f"role {role!r} is not one of {', '.join(ROLES)}", "requirements", i, "roles")
        valid = q.valid_days
        requirements.append(_checked_requirement(ctx, i, {
            "slug": qslug,
            "name": q.name,
            "why": q.why,
            "how": q.how,
            "link": link,
            "command": q.command,
            "roles": roles,
            "method": method,
            "auto_rule": auto,
            "valid_days": valid,
        }))
    known_requirements = {q["slug"] for q in requirements}
    for i, p in enumerate(people):
        for slug in p["meets"]:
            if slug not in known_requirements:
                ctx.fail(f"meets names {slug!r}, which is not a requirement in this file "
                         f"(one of: {', '.join(sorted(known_requirements)) or 'none'})", "people", i, "meets")
    for i, e in enumerate(escalation):
        if e["login"] and e["login"] not in seen and m.Person.get_or_none(m.Person.login == e["login"]) is None:
            ctx.fail(f"escalation login {e['login']!r} is nobody in this file or database",
                     "escalation", i, "login")
    return {"team": out_team, "people": people, "rotations": rotations,
            "escalation": escalation, "requirements": requirements}


class TeamFileService(ServiceBase):
    """A whole team in one TOML file: import (all or nothing) and export."""

    SERVES = ("import_team", "export_team")

    def import_team(self, toml_text: str, source_name: str = "team.toml") -> ImportReport:
        if len(toml_text) > 2_000_000:
            raise InvalidInput(f"{source_name}: the file is over 2 MB; is it really a team file?")

        def run():
            parsed = parse_team_file(toml_text, source_name)
            return self._apply(parsed, _Ctx(source_name, _Lines(toml_text)))
        return self._write(run)

    def _apply(self, parsed: dict, ctx: _Ctx) -> ImportReport:
        t = parsed["team"]
        now = self._now()
        team = m.Team.get_or_none(m.Team.slug == t["slug"])
        actor = m.Person.get_or_none((m.Person.login == self.actor_login) & m.Person.active)
        admins = self._admins()  # once: the loop below asks about every person
        admin = self.actor_login in admins
        if team is not None:
            if not admin and (actor is None or not self._is_manager(team, actor)):
                raise NotAllowed(f"only a manager of team '{team.slug}' or an organisation administrator "
                                 f"can import over it")
        else:
            bootstrap = self._may_bootstrap()
            if not admin and not bootstrap:
                raise NotAllowed(f"only an organisation administrator can create a team ('{t['slug']}' is new); "
                                 f"ask one to import it, or import over a team you manage")
            if bootstrap and not any(p["login"] == self.actor_login and p["role"] == "manager"
                                     for p in parsed["people"]):
                raise NotAllowed(
                    f"to create team '{t['slug']}' you must be one of its managers in the file "
                    f"(add yourself, login '{self.actor_login}', with role = \"manager\")")
            if bootstrap:  # the first team of an empty database: its importer runs the organisation
                self._add_admin(self.actor_login)
            team = m.Team.create(slug=t["slug"], name=t["name"], tz=t["tz"],
                                 availability_deadline_day=t["availability_deadline_day"],
                                 settings=t["settings"], created_at=now)
        m.Team.update(name=t["name"], tz=t["tz"], availability_deadline_day=t["availability_deadline_day"],
                      settings=t["settings"], version=m.Team.version + 1).where(m.Team.id == team.id).execute()

        managed = set() if actor is None else {
            ms.team_id for ms in m.Membership.select(m.Membership.team)
            .where((m.Membership.person == actor) & (m.Membership.role == "manager"))}
        added = updated = 0
        keep = set()
        meets: list[tuple[m.Person, list[str]]] = []
        refused: list[str] = []
        for i, p in enumerate(parsed["people"]):
            fields = {k: p[k] for k in ("name", "email", "phones", "tz", "oncall_device", "oncall_phone", "region",
                                        "calendar_delivery", "alarm_minutes") if k in p}
            row = m.Person.get_or_none(m.Person.login == p["login"])
            if row is None:
                row = m.Person.create(login=p["login"], created_at=now, **fields)
                added += 1
            else:
                theirs = {ms.team_id: ms.team.slug for ms in m.Membership.select(m.Membership, m.Team)
                          .join(m.Team).where(m.Membership.person == row)}
                if not theirs:  # someone who left: the teams they were in decide who brings them back
                    theirs = {pm.team_id: pm.team.slug for pm in m.PastMembership.select(m.PastMembership, m.Team)
                              .join(m.Team).where(m.PastMembership.person == row)}
                # Bringing someone in takes a manager of one of their teams; changing their
                # name and contacts (theirs in every team) takes a manager of all of them.
                brings = row.id == getattr(actor, "id", None) or bool(managed & set(theirs))
                yours = row.id == getattr(actor, "id", None) or (
                    bool(theirs) and set(theirs) <= managed and row.login not in admins)
                if team.id not in theirs and not (brings or admin):
                    where = ctx.lines.of("people", i, "login")
                    was = "is in" if row.active else "was in"
                    refused.append(
                        f"{ctx.name}{f', line {where}' if where else ''}: '{p['login']}' {was} team "
                        f"{', '.join(sorted(theirs.values())) or '(none)'}; only an organisation administrator "
                        f"or their manager can add them to another team (left out, nothing about them changed)")
                    continue
                if yours:
                    m.Person.update(version=m.Person.version + 1, active=True, **fields).where(
                        m.Person.id == row.id).execute()
                else:
                    if not row.active:
                        m.Person.update(version=m.Person.version + 1, active=True).where(
                            m.Person.id == row.id).execute()
                if not yours and any(getattr(row, k) != v for k, v in fields.items() if k != "region"):
                    where = ctx.lines.of("people", i, "login")
                    refused.append(
                        f"{ctx.name}{f', line {where}' if where else ''}: '{p['login']}' was added, but their "
                        f"name, email, phones and zone stay as they set them (only they or their manager "
                        f"change them)")
                updated += 1
            ms = m.Membership.get_or_none((m.Membership.team == team) & (m.Membership.person == row))
            if ms is None:
                m.Membership.create(team=team, person=row, role=p["role"], on_rotation=p["on_rotation"],
                                    region=p["region"])
            else:
                m.Membership.update(role=p["role"], on_rotation=p["on_rotation"], region=p["region"],
                                    version=m.Membership.version + 1).where(m.Membership.id == ms.id).execute()
            keep.add(row.id)
            if p["meets"]:
                meets.append((row, p["meets"]))
        self._offboard(team, keep)

        rkeep = []
        for r in parsed["rotations"]:
            row = m.Rotation.get_or_none((m.Rotation.team == team) & (m.Rotation.slug == r["slug"]))
            if row is None:
                row = m.Rotation.create(team=team, **r)
            else:
                m.Rotation.update(active=True, version=m.Rotation.version + 1, **r).where(
                    m.Rotation.id == row.id).execute()
            rkeep.append(row.id)
        m.Rotation.update(active=False).where((m.Rotation.team == team) & ~(m.Rotation.id.in_(rkeep))).execute()

        m.EscalationContact.delete().where(m.EscalationContact.team == team).execute()
        for pos, e in enumerate(parsed["escalation"], 1):
            who = m.Person.get_or_none(m.Person.login == e["login"]) if e["login"] else None
            m.EscalationContact.create(team=team, position=pos, name=e["name"], contact=e["contact"], person=who)

        qkeep = []
        for q in parsed["requirements"]:
            row = m.Requirement.get_or_none((m.Requirement.team == team) & (m.Requirement.slug == q["slug"]))
            if row is None:
                row = m.Requirement.create(team=team, **q)
            else:
                m.Requirement.update(active=True, version=m.Requirement.version + 1, **q).where(
                    m.Requirement.id == row.id).execute()
            qkeep.append(row.id)
        m.Requirement.update(active=False).where(
            (m.Requirement.team == team) & ~(m.Requirement.id.in_(qkeep))).execute()
        self._record_met(team, meets, m.Person.get_or_none(m.Person.login == self.actor_login), ctx.name, now)

        report = ImportReport(team=team.slug, people_added=added, people_updated=updated,
                              rotations=len(parsed["rotations"]), requirements=len(parsed["requirements"]),
                              escalation_contacts=len(parsed["escalation"]), refused=tuple(refused))
        self._audit("team.import", "team", team.slug, team, report=report)
        return report

    def _record_met(self, team: m.Team, meets: list[tuple[m.Person, list[str]]], actor: m.Person | None,
                    source: str, now) -> None:
        """A person's `meets = [...]`: each requirement recorded as met by the importing manager,
        the first time only (a status the person already has, whatever it is, stays as it is)."""
        if not meets:
            return
        reqs = {q.slug: q for q in m.Requirement.select().where(m.Requirement.team == team)}
        for person, slugs in meets:
            for slug in slugs:
                req = reqs[slug]
                if m.RequirementStatus.get_or_none((m.RequirementStatus.requirement == req)
                                                   & (m.RequirementStatus.person == person)) is None:
                    m.RequirementStatus.create(
                        requirement=req, person=person, state="granted", met_at=now, decided_by=actor,
                        decided_at=now, reason=f"Recorded as met in the team file {source}")
                    self._audit("requirement.grant", "requirement", slug, team, person=person.login,
                                note=f"team file {source}")

    def _offboard(self, team: m.Team, keep: set[int]) -> None:
        """Take out of `team` everyone the file no longer lists.  Who leaves is remembered (their
        former managers can still see and stop their tokens); who leaves their last team is
        deactivated and their tokens revoked, in this same transaction."""
        now = self._now()
        leaving = list(m.Membership.select(m.Membership, m.Person).join(m.Person)
                       .where((m.Membership.team == team) & ~(m.Membership.person.in_(list(keep)))))
        for ms in leaving:
            m.PastMembership.insert(team=team, person=ms.person, role=ms.role, left_at=now).on_conflict(
                conflict_target=[m.PastMembership.team, m.PastMembership.person],
                update={m.PastMembership.role: ms.role, m.PastMembership.left_at: now}).execute()
            m.Membership.delete().where(m.Membership.id == ms.id).execute()
            if m.Membership.select().where(m.Membership.person == ms.person).exists():
                continue
            revoked = (m.ApiToken.update(revoked_at=now)
                       .where((m.ApiToken.person == ms.person) & m.ApiToken.revoked_at.is_null()).execute())
            m.Person.update(active=False, version=m.Person.version + 1).where(m.Person.id == ms.person_id).execute()
            self._audit("person.offboard", "person", ms.person.login, team, tokens_revoked=revoked)

    def export_team(self, team: str) -> str:
        import tomli_w

        def run():
            self._me()
            t = self._team(team)
            if not self._is_admin():
                self._require_member(t)
            out: dict[str, Any] = {"team": {
                "slug": t.slug, "name": t.name, "tz": t.tz,
                "availability_deadline_day": t.availability_deadline_day,
            }}
            if t.settings:
                out["team"]["settings"] = t.settings
            people = []
            q = (m.Membership.select(m.Membership, m.Person).join(m.Person)
                 .where(m.Membership.team == t).order_by(m.Person.login))
            for ms in q:
                p = ms.person
                people.append({"login": p.login, "name": p.name, "email": p.email, "phones": list(p.phones),
                               "tz": p.tz, "oncall_device": p.oncall_device, "oncall_phone": p.oncall_phone,
                               "region": ms.region, "role": ms.role, "on_rotation": ms.on_rotation})
                if p.calendar_delivery != DEFAULT_DELIVERY:
                    people[-1]["calendar"] = p.calendar_delivery
                if p.alarm_minutes != DEFAULT_ALARM_MINUTES:
                    people[-1]["alarm_minutes"] = p.alarm_minutes or 0
            out["people"] = people
            rots = []
            for r in m.Rotation.select().where((m.Rotation.team == t) & m.Rotation.active).order_by(m.Rotation.slug):
                item = {"slug": r.slug, "name": r.name, "tz": r.tz, "handoff": r.handoff, "shift": r.shift_kind,
                        "shift_hours": r.shift_hours, "handoff_weekday": r.handoff_weekday, "roles": list(r.roles)}
                if r.windows:
                    item["windows"] = r.windows
                if r.rules:
                    item["rules"] = r.rules
                if r.weights:
                    item["weights"] = r.weights
                rots.append(item)
            if rots:
                out["rotations"] = rots
            esc = []
            for e in m.EscalationContact.select().where(m.EscalationContact.team == t).order_by(
                    m.EscalationContact.position):
                item = {"name": e.name, "contact": e.contact}
                if e.person_id:
                    item["login"] = e.person.login
                esc.append(item)
            if esc:
                out["escalation"] = esc
            reqs = []
            for q in m.Requirement.select().where((m.Requirement.team == t) & m.Requirement.active).order_by(
                    m.Requirement.slug):
                item = {"slug": q.slug, "name": q.name, "why": q.why, "how": q.how, "link": q.link,
                        "command": q.command, "roles": list(q.roles), "method": q.method}
                if q.auto_rule:
                    item["auto"] = q.auto_rule
                if q.valid_days is not None:
                    item["valid_days"] = q.valid_days
                reqs.append(item)
            if reqs:
                out["requirements"] = reqs
            return tomli_w.dumps(out)
        return self._read(run)
