"""Calendar sources: connect an .ics file or a secret iCal URL, preview what it would mark,
apply it, re-sync it.  Fetching and parsing happen outside any transaction; only what comes
from a source is ever replaced by that source."""
from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from ..core.errors import InvalidInput, NotAllowed, NotFound, StaleEdit
from ..core.months import month_label, month_of, parse_month
from ..core.text import plural
from ..store import models as m
from .availability import AvailabilityService
from .base import ServiceBase, ServiceContext, check_note

if TYPE_CHECKING:  # only for annotations: imported where used, so start-up does not pay
    from ..core.domain_availability import CalendarPreview, CalendarRules, CalendarSourceInfo, SyncResult


def calendar_timeout() -> float:
    """Seconds a calendar URL may take (ONCALL_CALENDAR_TIMEOUT overrides the 10 s default)."""
    import os

    try:
        return max(0.1, float(os.environ.get("ONCALL_CALENDAR_TIMEOUT", "10")))
    except ValueError:
        return 10.0


def calendar_rules(rules: CalendarRules | None):
    """The calendar core's ImportRules from what a source stores."""
    from ..calendars import ImportRules
    from ..core.domain_availability import CalendarRules
    from ..core.shifts import parse_hhmm

    rules = rules or CalendarRules()
    hours = None
    if rules.working_hours:
        try:
            lo, hi = rules.working_hours.split("-")
            hours = (parse_hhmm(lo), parse_hhmm(hi))
        except ValueError:
            raise InvalidInput(f"working hours {rules.working_hours!r} should look like 09:00-17:00",
                               field="working_hours") from None
    return ImportRules(all_day_busy_unavailable=rules.all_day_unavailable,
                       busy_block_hours_unavailable=rules.busy_block_hours,
                       count_busy_hours=rules.count_busy_hours,
                       tentative_is_busy=rules.tentative_is_busy, working_hours=hours)


def _rules_from_row(data: dict) -> CalendarRules:
    from ..core.domain_availability import CalendarRules

    known = {k: v for k, v in (data or {}).items() if k in CalendarRules.__dataclass_fields__}
    return CalendarRules(**known)


def _digest(marks) -> str:
    text = json.dumps([[d.day.isoformat(), d.state, d.busy_hours, d.reason] for d in marks])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def source_info(src: m.CalendarSource, viewer_login: str, marks: int | None = None) -> CalendarSourceInfo:
    """A calendar source as `viewer_login` may see it (another's location is redacted)."""
    from ..calendars import redact_url
    from ..core.domain_availability import CalendarSourceInfo

    owner = m.Person.get_by_id(src.person_id)
    location = src.location
    if owner.login != viewer_login:
        location = redact_url(location) if src.kind == "url" else location.rsplit("/", 1)[-1]
    if marks is None:
        marks = m.Availability.select().where(m.Availability.source == src).count()
    return CalendarSourceInfo(id=src.id, owner=owner.login, label=src.label, kind=src.kind, location=location,
                              rules=_rules_from_row(src.rules), keep_titles=src.keep_titles,
                              last_synced_at=src.last_synced_at, synced_month=src.synced_month,
                              last_error=src.last_error, marks=marks, version=src.version)


def sources_of(who: m.Person, viewer_login: str) -> list[CalendarSourceInfo]:
    q = m.CalendarSource.select().where(m.CalendarSource.person == who).order_by(m.CalendarSource.id)
    return [source_info(s, viewer_login) for s in q]


class CalendarSourcesService(ServiceBase):
    """Calendar sources of a person's availability: connect, preview, sync, remove."""

    SERVES = ("calendar_sources", "add_calendar_source", "preview_calendar", "sync_calendar",
              "remove_calendar_source")

    def __init__(self, ctx: ServiceContext, availability: AvailabilityService) -> None:
        """`availability`: whose marks, months and deadlines the calendars fill in."""
        super().__init__(ctx)
        self.availability = availability

    # -- calendar sources ----------------------------------------------------------------
    def _source_info(self, src: m.CalendarSource, marks: int | None = None) -> CalendarSourceInfo:
        return source_info(src, self.actor_login, marks)

    def _sources_of(self, who: m.Person) -> list[CalendarSourceInfo]:
        return sources_of(who, self.actor_login)

    def _own_source(self, source_id: int, doing: str) -> m.CalendarSource:
        src = m.CalendarSource.get_or_none(m.CalendarSource.id == source_id)
        if src is None:
            raise NotFound(f"no calendar source {source_id}", entity="calendar", id=source_id)
        owner = m.Person.get_by_id(src.person_id)
        if owner.login != self.actor_login and not self._manages(owner):
            raise NotAllowed(f"only {owner.login} or their manager can {doing}")
        return src

    def calendar_sources(self, person: str | None = None) -> list[CalendarSourceInfo]:
        return self._read(lambda: self._sources_of(self.availability.subject(person, "see their calendars")))

    def add_calendar_source(self, label: str, location: str, kind: str = "", rules: CalendarRules | None = None,
                            keep_titles: bool = False, person: str | None = None) -> CalendarSourceInfo:
        from ..core.domain_availability import CalendarRules

        label = check_note(label, "label", required=True, limit=100, one_line=True)
        kind, location = self._check_location(location, kind)
        calendar_rules(rules)

        def run():
            who = self.availability.subject(person, "connect their calendars")
            clash = m.CalendarSource.get_or_none((m.CalendarSource.person == who)
                                                  & (m.CalendarSource.location == location))
            if clash is not None:
                raise InvalidInput(f"that calendar is already connected as '{clash.label}'", field="location")
            src = m.CalendarSource.create(person=who, label=label, kind=kind, location=location,
                                          rules=_to_dict(rules or CalendarRules()), keep_titles=keep_titles,
                                          created_at=self._now())
            teams = self.availability.teams_of(who)
            self._audit("calendar.add", "calendar", src.id, teams[0] if teams else None, label=label, kind=kind,
                        owner=who.login)
            return self._source_info(src, 0)
        return self._write(run)

    def remove_calendar_source(self, source_id: int) -> list[CalendarSourceInfo]:
        def run():
            src = self._own_source(source_id, "remove that calendar")
            owner = m.Person.get_by_id(src.person_id)
            months = {month_of(d) for (d,) in m.Availability.select(m.Availability.day)
                      .where(m.Availability.source == src).tuples()}
            closed = sorted(mo for mo in months if not self.availability.month_lock(owner, mo)[0])
            if closed:
                raise NotAllowed(f"'{src.label}' marked days in {month_label(closed[0])}, which is closed; "
                                 f"ask a manager to remove it")
            removed = m.Availability.delete().where(m.Availability.source == src).execute()
            src.delete_instance()
            teams = self.availability.teams_of(owner)
            self._audit("calendar.remove", "calendar", source_id, teams[0] if teams else None, label=src.label,
                        marks_removed=removed)
            return self._sources_of(owner)
        return self._write(run)

    @staticmethod
    def _check_location(location: str, kind: str) -> tuple[str, str]:
        from ..calendars import CalendarError, normalise_calendar_url
        from ..core.domain_availability import SOURCE_KINDS

        location = (location or "").strip()
        if not location:
            raise InvalidInput("give a .ics file or a calendar URL", field="location")
        if not kind:
            kind = "url" if location.lower().split(":", 1)[0] in ("http", "https", "webcal", "webcals") else "file"
        if kind not in SOURCE_KINDS:
            raise InvalidInput(f"{kind!r} is not a kind of calendar source (file or url)", field="kind")
        if len(location) > 1000:
            raise InvalidInput("the location is too long", field="location")
        if kind == "url":
            try:
                location = normalise_calendar_url(location)
            except CalendarError as exc:
                raise InvalidInput(str(exc), field="location") from None
        return kind, location

    # -- previews and syncs (fetch outside any transaction) ------------------------------------
    def _calendar_bytes(self, kind: str, location: str, content: str | None, etag: str = "",
                        last_modified: str = ""):
        """(bytes or None when not modified, new etag, new last-modified).  Raises CalendarError."""
        from ..calendars import DEFAULT_MAX_BYTES, CalendarError, fetch_calendar

        if kind == "file":
            if content is None:
                raise CalendarError(f"{location.rsplit('/', 1)[-1]}: the file's contents were not sent "
                                    f"(a file calendar is read where you run oncall)")
            data = content.encode("utf-8")
            if len(data) > DEFAULT_MAX_BYTES:
                raise CalendarError(f"{location.rsplit('/', 1)[-1]}: file too large ({len(data) / 1048576:.1f} MiB, "
                                    f"limit {DEFAULT_MAX_BYTES / 1048576:.1f} MiB)")
            return data, "", ""
        got = fetch_calendar(location, etag=etag or None, last_modified=last_modified or None,
                             timeout=calendar_timeout())
        return got.body, got.etag or "", got.last_modified or ""

    def _preview_from(self, data: bytes, name: str, who: m.Person, month: str, rules: CalendarRules,
                      keep_titles: bool, label: str, source_id: int | None) -> CalendarPreview:
        from ..calendars import import_preview
        from ..core.domain_availability import CalendarPreview, PreviewMark

        first, last = parse_month(month)
        result = import_preview(data, name, who.tz, first, last, calendar_rules(rules), keep_titles)
        prev = self._read(lambda: self.availability.marks_by_day([who.id], first, last))
        marks, seen = [], set()
        for dm in result.marks:
            rows = prev.get((who.id, dm.day), [])
            old = [r for r in rows if source_id is not None and r.source_id == source_id]
            if any(r.source_id is None and r.shift_start is None for r in rows):
                change = "under-hand"
            elif not old:
                change = "new"
            elif (old[0].state, old[0].busy_hours, old[0].reason) == (dm.state, dm.busy_hours, dm.reason):
                change = "same"
            else:
                change = "changed"
            seen.add(dm.day)
            marks.append(PreviewMark(day=dm.day, state=dm.state, busy_hours=dm.busy_hours, reason=dm.reason,
                                     change=change))
        removed = tuple(sorted({d for (_, d), rows in prev.items() for r in rows
                                if source_id is not None and r.source_id == source_id and d not in seen}))
        return CalendarPreview(label=label, month=month, marks=tuple(marks), removed=removed,
                               warnings=tuple(result.warnings), event_count=result.event_count,
                               unavailable_days=sum(1 for x in marks if x.state == "unavailable"),
                               busy_hours=round(sum(x.busy_hours for x in marks), 2), digest=_digest(result.marks))

    def preview_calendar(self, location: str = "", kind: str = "", month: str | None = None,
                         rules: CalendarRules | None = None, keep_titles: bool = False,
                         content: str | None = None, person: str | None = None,
                         source_id: int | None = None, label: str = "") -> CalendarPreview:
        from ..calendars import CalendarError, redact_url
        from ..core.domain_availability import CalendarRules

        if month is not None:
            parse_month(month)

        def read():
            if source_id is not None:
                src = self._own_source(source_id, "preview that calendar")
                return (m.Person.get_by_id(src.person_id), src.kind, src.location, _rules_from_row(src.rules),
                        src.keep_titles, src.label)
            who = self.availability.subject(person, "import their calendars")
            k, loc = self._check_location(location, kind)
            return who, k, loc, rules or CalendarRules(), keep_titles, label
        who, kind_, loc, rules_, keep, label_ = self._read(read)
        mon = month or self._read(lambda: self.availability.open_month(who))
        name = redact_url(loc) if kind_ == "url" else loc.rsplit("/", 1)[-1]
        try:
            data, _, _ = self._calendar_bytes(kind_, loc, content)
            return self._preview_from(data, name, who, mon, rules_, keep, label_ or name, source_id)
        except CalendarError as exc:
            raise InvalidInput(str(exc), field="calendar") from None

    def sync_calendar(self, source_id: int, month: str | None = None, content: str | None = None,
                      expected_digest: str = "") -> SyncResult:
        from ..calendars import CalendarError, redact_url

        if month is not None:
            parse_month(month)

        def read():
            src = self._own_source(source_id, "sync that calendar")
            who = m.Person.get_by_id(src.person_id)
            mon = month or self.availability.open_month(who)
            editable, reason, _ = self.availability.month_lock(who, mon)
            if not editable:
                raise NotAllowed(reason, month=mon)
            return src, who, mon
        src, who, mon = self._read(read)
        name = redact_url(src.location) if src.kind == "url" else src.location.rsplit("/", 1)[-1]
        same_month = src.synced_month == mon
        try:
            data, etag, modified = self._calendar_bytes(src.kind, src.location, content,
                                                        src.etag if same_month else "",
                                                        src.last_modified if same_month else "")
            if data is None:
                return self._write(lambda: self._record_sync(src, mon, etag, modified, not_modified=True))
            preview = self._preview_from(data, name, who, mon, _rules_from_row(src.rules), src.keep_titles,
                                         src.label, src.id)
        except CalendarError as exc:
            message = str(exc)
            return self._write(lambda: self._record_failure(src, mon, message))
        if expected_digest and preview.digest != expected_digest:
            raise StaleEdit(f"'{src.label}' changed since the preview; here is what it would mark now",
                            fresh=preview)
        return self._write(lambda: self._apply(src, who, mon, preview, etag, modified))

    def _fresh_source(self, src: m.CalendarSource) -> m.CalendarSource:
        fresh = m.CalendarSource.get_or_none(m.CalendarSource.id == src.id)
        if fresh is None:
            raise NotFound(f"calendar '{src.label}' was removed meanwhile", entity="calendar", id=src.id)
        return fresh

    def _record_failure(self, src: m.CalendarSource, month: str, message: str) -> SyncResult:
        from ..core.domain_availability import SyncResult

        fresh = self._fresh_source(src)
        m.CalendarSource.update(last_error=message).where(m.CalendarSource.id == src.id).execute()
        self._audit("calendar.sync_failed", "calendar", src.id, self._first_team(fresh), month=month, error=message)
        return SyncResult(ok=False, source=self._source_info(self._fresh_source(src)), month=month,
                          message=f"{message} — nothing changed", applied=0, removed=0)

    def _record_sync(self, src, month, etag, modified, not_modified: bool) -> SyncResult:
        from ..core.domain_availability import SyncResult

        self._fresh_source(src)
        m.CalendarSource.update(last_synced_at=self._now(), last_error="", etag=etag[:200],
                                last_modified=modified[:100]).where(m.CalendarSource.id == src.id).execute()
        self._audit("calendar.sync", "calendar", src.id, self._first_team(src), month=month, not_modified=True)
        return SyncResult(ok=True, source=self._source_info(self._fresh_source(src)), month=month,
                          message=f"'{src.label}' is unchanged since the last sync", applied=0, removed=0,
                          not_modified=True)

    def _apply(self, src, who, month, preview: CalendarPreview, etag: str, modified: str) -> SyncResult:
        from ..core.domain_availability import SyncResult

        # Syncs of one source take turns (PostgreSQL), so the second sees the first's version.
        list(self._locked(m.CalendarSource.select(m.CalendarSource.id).where(m.CalendarSource.id == src.id),
                          "FOR NO KEY UPDATE"))
        fresh = self._fresh_source(src)
        if fresh.version != src.version:
            raise StaleEdit(f"'{src.label}' was changed by someone else first", fresh=self._source_info(fresh))
        first, last = parse_month(month)
        removed = m.Availability.delete().where((m.Availability.source == src) & (m.Availability.day >= first)
                                                 & (m.Availability.day <= last)).execute()
        now = self._now()
        rows = [dict(person=who, day=x.day, state=x.state, source=src, busy_hours=x.busy_hours, reason=x.reason,
                     updated_at=now) for x in preview.marks]
        for i in range(0, len(rows), 200):
            m.Availability.insert_many(rows[i:i + 200]).execute()
        m.CalendarSource.update(last_synced_at=now, last_error="", etag=etag[:200], last_modified=modified[:100],
                                synced_month=month, version=m.CalendarSource.version + 1).where(
            m.CalendarSource.id == src.id).execute()
        self._audit("calendar.sync", "calendar", src.id, self._first_team(src), month=month, marks=len(rows),
                    unavailable=preview.unavailable_days)
        info = self._source_info(self._fresh_source(src), None)
        return SyncResult(ok=True, source=info, month=month,
                          message=f"'{src.label}': {plural(preview.event_count, 'event')}; "
                          f"{plural(len(rows), 'day')} marked in {month_label(month)} "
                          f"({preview.unavailable_days} unavailable, {plural(preview.busy_hours, 'busy hour')})",
                          applied=len(rows), removed=removed, warnings=preview.warnings,
                          event_count=preview.event_count, unavailable_days=preview.unavailable_days)

    def _first_team(self, src: m.CalendarSource):
        teams = self.availability.teams_of(m.Person.get_by_id(src.person_id))
        return teams[0] if teams else None


def _to_dict(rules: CalendarRules) -> dict:
    from dataclasses import asdict

    return asdict(rules)
