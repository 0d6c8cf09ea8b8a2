"""oncall: a team's on-call rota in a terminal."""
from ._peewee import install as _keep_psycopg_out_of_startup

_keep_psycopg_out_of_startup()
