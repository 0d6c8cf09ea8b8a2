"""Storage: peewee models, a database from a URL, migrations.  Only services import this."""
from .db import bind, make_database, normalise_url, run_write, write_tx
from .migrations import migrate

__all__ = ["bind", "make_database", "migrate", "normalise_url", "run_write", "write_tx"]
