"""Versioned schema migrations.

A newer release opens an older file and upgrades it in place, inside one
transaction, losing nothing.  An older release refuses a newer file.
"""
from __future__ import annotations

from typing import Callable

import peewee as pw

from ..errors import SchemaTooNew
from .db import write_tx
from .models import ALL_MODELS, ApiToken, ChangeCounter, Membership, Meta, PastMembership, Person

SCHEMA_KEY = "schema_version"
MIGRATION_LOCK = 0x0C_A11  # PostgreSQL advisory lock key held while migrating


def _v1(db: pw.Database) -> None:
    db.create_tables(ALL_MODELS, safe=True)
    if not ChangeCounter.select().where(ChangeCounter.id == 1).exists():
        ChangeCounter.insert(id=1, seq=0).execute()


def _v2_reserved(db: pw.Database) -> None:
    """Number 2 belongs to another change (the unique indexes); nothing here."""


def _v3(db: pw.Database) -> None:
    """Offboarding: who was in which team, and no live token for somebody in no team.

    Before this version a team import that dropped someone left their tokens working and
    their former manager unable to stop them: such tokens are revoked now, and the people
    deactivated (importing them into a team again brings them back)."""
    from datetime import datetime, timezone

    db.create_tables([PastMembership], safe=True)
    in_no_team = Person.select(Person.id).where(Person.id.not_in(Membership.select(Membership.person)))
    ApiToken.update(revoked_at=datetime.now(timezone.utc)).where(
        ApiToken.revoked_at.is_null() & ApiToken.person.in_(in_no_team)).execute()
    Person.update(active=False).where(Person.id.in_(in_no_team) & Person.active).execute()


# version -> step that brings a database from version-1 to version.
MIGRATIONS: dict[int, Callable[[pw.Database], None]] = {1: _v1, 2: _v2_reserved, 3: _v3}


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
        for version in range(have + 1, target + 1):
            MIGRATIONS[version](db)
            Meta.insert(key=SCHEMA_KEY, value=str(version)).on_conflict(
                conflict_target=[Meta.key], update={Meta.value: str(version)}
            ).execute()
    return target
