"""Where calendar entries and mail are delivered: a team's mail server, a person's CalDAV
calendar.  Passwords are kept encrypted (`store.secrets`); the key is never in the database."""
from __future__ import annotations

import peewee as pw

from .base import BaseModel, UTCDateTimeField
from .people import Person, Team


class MailServer(BaseModel):
    """The SMTP server a team's invitations (and swap mail) leave through."""

    team = pw.ForeignKeyField(Team, backref="+", on_delete="CASCADE", unique=True)
    host = pw.CharField(max_length=253)
    port = pw.IntegerField(default=587)
    security = pw.CharField(max_length=16, default="starttls")  # starttls | tls | none
    username = pw.CharField(max_length=254, default="")
    password = pw.TextField(default="")  # Fernet token (store.secrets), "" for none
    from_address = pw.CharField(max_length=254)
    updated_at = UTCDateTimeField()


class CalDAVAccount(BaseModel):
    """A person's own calendar, written straight into over CalDAV."""

    person = pw.ForeignKeyField(Person, backref="+", on_delete="CASCADE", unique=True)
    url = pw.CharField(max_length=2000)
    username = pw.CharField(max_length=254, default="")
    password = pw.TextField(default="")  # Fernet token (store.secrets)
    updated_at = UTCDateTimeField()
