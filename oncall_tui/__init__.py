"""oncall: a team's on-call rota in a terminal."""
from ._peewee import import_peewee_without_psycopg as _import_peewee

_import_peewee()
