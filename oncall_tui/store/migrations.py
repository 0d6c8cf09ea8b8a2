"""Versioned schema migrations.

A newer release opens an older file and upgrades it in place, inside one
transaction, losing nothing.  An older release refuses a newer file.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC

import peewee as pw

from ..core.errors import SchemaTooNew
from .db import write_tx
from .models import (
    ALL_MODELS,
    ApiToken,
    ChangeCounter,
    Cover,
    EntryStamp,
    FeedSecret,
    Membership,
    Meta,
    PastMembership,
    Person,
    SwapOffer,
    SwapRequest,
)

SCHEMA_KEY = "schema_version"
MIGRATION_LOCK = 0x0C_A11  # PostgreSQL advisory lock key held while migrating


def _v1(db: pw.Database) -> None:
    db.create_tables(ALL_MODELS, safe=True)
    if not ChangeCounter.select().where(ChangeCounter.id == 1).exists():
        ChangeCounter.insert(id=1, seq=0).execute()


#: What a whole-day mark (shift_start NULL) and a hand-set mark (source NULL) count as in the
#: one-mark-per-person-and-day index: a unique index lets rows whose columns are NULL repeat.
_NO_SHIFT = "'1970-01-01 00:00:00'"


def _v2(db: pw.Database) -> None:
    """One published plan per rotation and period, and one mark per person, day, shift and
    source, kept by the database itself (two writers at the same moment cannot both win).
    Files written before this step may already hold duplicates: the newest one stays (the
    highest published number; the latest written mark), the others are superseded/removed."""
    db.execute_sql(
        'UPDATE "plan" SET status = \'superseded\', version = version + 1 '
        'WHERE status = \'published\' AND EXISTS (SELECT 1 FROM "plan" AS newer '
        'WHERE newer.rotation_id = "plan".rotation_id AND newer.first_day = "plan".first_day '
        'AND newer.last_day = "plan".last_day AND newer.status = \'published\' '
        'AND (newer.number > "plan".number OR (newer.number = "plan".number AND newer.id > "plan".id)))')
    db.execute_sql(
        'CREATE UNIQUE INDEX IF NOT EXISTS plan_one_published ON "plan" (rotation_id, first_day, last_day) '
        'WHERE status = \'published\'')
    same = (f"COALESCE(newer.shift_start, {_NO_SHIFT}) = COALESCE(availability.shift_start, {_NO_SHIFT}) "
            "AND COALESCE(newer.source_id, 0) = COALESCE(availability.source_id, 0)")
    db.execute_sql(
        "DELETE FROM availability WHERE EXISTS (SELECT 1 FROM availability AS newer "
        "WHERE newer.person_id = availability.person_id AND newer.day = availability.day AND " + same +
        " AND (newer.updated_at > availability.updated_at "
        "OR (newer.updated_at = availability.updated_at AND newer.id > availability.id)))")
    db.execute_sql(
        "CREATE UNIQUE INDEX IF NOT EXISTS availability_one_mark ON availability "
        f"(person_id, day, COALESCE(shift_start, {_NO_SHIFT}), COALESCE(source_id, 0))")


def _v3(db: pw.Database) -> None:
    """Offboarding: who was in which team, and no live token for somebody in no team.

    Before this version a team import that dropped someone left their tokens working and
    their former manager unable to stop them: such tokens are revoked now, and the people
    deactivated (importing them into a team again brings them back)."""
    from datetime import datetime

    db.create_tables([PastMembership], safe=True)
    in_no_team = Person.select(Person.id).where(Person.id.not_in(Membership.select(Membership.person)))
    ApiToken.update(revoked_at=datetime.now(UTC)).where(
        ApiToken.revoked_at.is_null() & ApiToken.person.in_(in_no_team)).execute()
    Person.update(active=False).where(Person.id.in_(in_no_team) & Person.active).execute()


def _v4(db: pw.Database) -> None:
    """Swaps: a request covers a part of a shift (start..end), remembers the plan it was asked
    against, when its current ask times out, a traded shift, the manager who acted and the
    "asked for cover" mark it made; an ask remembers when it was asked and a decline's reason;
    partial covers get their own table.  Requests written before keep their meaning: the
    whole shift, "targeted" -> "one", "broadcast" -> "everyone", "expired" -> "timed_out"."""
    from playhouse.migrate import SchemaMigrator
    from playhouse.migrate import migrate as run

    db.create_tables([Cover], safe=True)
    migrator = SchemaMigrator.from_database(db)
    for model in (SwapRequest, SwapOffer):
        table = model._meta.table_name
        have = {c.name for c in db.get_columns(table)}
        steps = []
        for field in model._meta.sorted_fields:
            if field.column_name not in have:
                # Added as a column that may be NULL (the model always writes a value): adding a NOT
                # NULL column makes peewee rebuild the table on SQLite, and dropping the old table
                # would cascade to the rows that refer to it (a request's asks).
                loose = field.clone() if field.null else _nullable(field)
                steps.append(migrator.add_column(table, field.column_name, loose))
        run(*steps)
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS {table}_v4 ON "{table}" '
                       + ("(status)" if model is SwapRequest else "(token_hash)"))
    db.execute_sql(f'CREATE UNIQUE INDEX IF NOT EXISTS swap_request_one_open ON "{SwapRequest._meta.table_name}" '
                   "(slot_id) WHERE status IN ('open', 'escalated')")
    SwapRequest.update(mode="one").where(SwapRequest.mode == "targeted").execute()
    SwapRequest.update(mode="everyone").where(SwapRequest.mode == "broadcast").execute()
    SwapRequest.update(status="timed_out").where(SwapRequest.status == "expired").execute()


def _nullable(field: pw.Field) -> pw.Field:
    copy = type(field)(null=True, default=field.default, max_length=getattr(field, "max_length", None)) \
        if isinstance(field, pw.CharField) else type(field)(null=True, default=field.default)
    return copy


def _v5(db: pw.Database) -> None:
    """Calendar entries: how each person's entries reach them (feed | email | caldav | none) and
    their reminder's lead time, what each calendar was last told (EntryStamp: one SEQUENCE per
    person and slot uid), and subscription feed secrets (stored hashed)."""
    have = {c.name for c in db.get_columns(Person._meta.table_name)}
    if "calendar_delivery" not in have:
        db.execute_sql('ALTER TABLE "person" ADD COLUMN calendar_delivery VARCHAR(8) NOT NULL DEFAULT \'feed\'')
    if "alarm_minutes" not in have:
        db.execute_sql('ALTER TABLE "person" ADD COLUMN alarm_minutes INTEGER DEFAULT 60')
    db.create_tables([EntryStamp, FeedSecret], safe=True)
    # One live team feed per manager and team, one own feed per person (NULL team counts once).
    db.execute_sql('CREATE UNIQUE INDEX IF NOT EXISTS feed_secret_one_live ON "feed_secret" '
                   '(person_id, COALESCE(team_id, 0))')


def _v6(db: pw.Database) -> None:
    """Delivery: the outbox learns leases (two deliverers never send one row twice; a killed
    one's lease runs out), whose row it is (the delivery state per person) and what it is
    about (a newer update supersedes an unsent older one); teams get a mail server and people
    a CalDAV calendar, their passwords encrypted."""
    from playhouse.migrate import SchemaMigrator, migrate

    from .models import CalDAVAccount, MailServer, Outbox

    db.create_tables([MailServer, CalDAVAccount], safe=True)
    have = {c.name for c in db.get_columns(Outbox._meta.table_name)}
    migrator = SchemaMigrator.from_database(db)
    fields = Outbox._meta.fields
    steps = [migrator.add_column(Outbox._meta.table_name, name, fields[name])
             for name in ("person_id", "team_id", "topic", "lease_owner", "lease_until", "superseded_by",
                          "last_attempt_at") if name not in have]
    if steps:
        migrate(*steps)
    db.execute_sql('CREATE INDEX IF NOT EXISTS outbox_due ON outbox (delivered_at, next_attempt_at)')
    db.execute_sql('CREATE INDEX IF NOT EXISTS outbox_person ON outbox (person_id, delivered_at)')
    db.execute_sql('CREATE INDEX IF NOT EXISTS outbox_topic ON outbox (topic, delivered_at)')


def _v7(db: pw.Database) -> None:
    """An availability mark may be a stretch of time (`until`): the "asked for cover" mark of a
    swap request now covers exactly the hours asked for (two hours of a shift, not the whole
    shift) and every shift overlapping them; the marks open requests made before become the
    stretch of their request (its part, else its shift)."""
    from playhouse.migrate import SchemaMigrator, migrate

    from .models import Availability, Slot, SwapRequest

    have = {c.name for c in db.get_columns(Availability._meta.table_name)}
    if "until" not in have:
        migrate(SchemaMigrator.from_database(db).add_column(Availability._meta.table_name, "until",
                                                            Availability._meta.fields["until"]))
    if "mark_id" not in {c.name for c in db.get_columns(SwapRequest._meta.table_name)}:
        return  # no request ever made a mark here
    rows = (SwapRequest.select(SwapRequest.mark, SwapRequest.start, SwapRequest.end, Slot.start, Slot.end)
            .join(Slot).where(SwapRequest.mark.is_null(False)).tuples())
    for mark_id, start, end, slot_start, slot_end in list(rows):
        Availability.update(shift_start=start or slot_start, until=end or slot_end).where(
            Availability.id == mark_id).execute()


def _v8(db: pw.Database) -> None:
    """A shift may have several requests open at once, each for other hours of it (the hours
    someone covers are theirs to ask about; two parts of one shift can be asked for one after
    the other).  The one-open-request-per-shift index goes; the service checks that open
    requests never overlap, one writer at a time on the shift (its slot row locked).  The
    database still refuses two open requests from the same start of a shift (the same part
    sent twice at one moment)."""
    table = SwapRequest._meta.table_name
    if "start" not in {c.name for c in db.get_columns(table)}:
        # a file written by code that had the calendar's step 5 but not yet the swaps' step 4
        # went from 3 to 5 and never got the swaps' columns: they are added now, as step 4 does
        _v4(db)
    db.execute_sql("DROP INDEX IF EXISTS swap_request_one_open")
    db.execute_sql(f'CREATE UNIQUE INDEX IF NOT EXISTS swap_request_open_whole ON "{table}" (slot_id) '
                   "WHERE status IN ('open', 'escalated') AND start IS NULL")
    db.execute_sql(f'CREATE UNIQUE INDEX IF NOT EXISTS swap_request_open_part ON "{table}" (slot_id, start) '
                   "WHERE status IN ('open', 'escalated') AND start IS NOT NULL")


# version -> step that brings a database from version-1 to version.
MIGRATIONS: dict[int, Callable[[pw.Database], None]] = {1: _v1, 2: _v2, 3: _v3, 4: _v4, 5: _v5, 6: _v6,
                                                        7: _v7, 8: _v8}


def current_version() -> int:
    return max(MIGRATIONS)


def stored_version(db: pw.Database) -> int:
    if not db.table_exists(Meta._meta.table_name):
        return 0
    row = Meta.get_or_none(Meta.key == SCHEMA_KEY)
    return int(row.value) if row else 0


def migrate(db: pw.Database) -> int:
    """Bring `db` to the newest schema this release knows.  Returns the version."""
    target = current_version()
    have = stored_version(db)
    if have > target:
        raise SchemaTooNew(
            f"this database was written by a newer oncall (schema {have}; this release "
            f"knows up to {target}). Upgrade oncall; the file was not changed."
        )
    if have == target:
        return have
    with write_tx(db):
        if isinstance(db, pw.PostgresqlDatabase):
            # Several `oncall serve` processes may start at once: one migrates, the others wait
            # here (the lock ends with the transaction) and then find the work done.
            db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        have = stored_version(db)  # someone else may have migrated while we waited
        for version in sorted(v for v in MIGRATIONS if have < v <= target):
            MIGRATIONS[version](db)
            Meta.insert(key=SCHEMA_KEY, value=str(version)).on_conflict(
                conflict_target=[Meta.key], update={Meta.value: str(version)}
            ).execute()
    return target
