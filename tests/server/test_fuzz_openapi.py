"""The API fuzzed from its own OpenAPI description: no 5xx, answers match the schema, and a
refused request changes nothing.  Real HTTP to a real server over a demo file, as an engineer
(alice) and as a manager (root).  Bounded: a few examples per operation, derandomised."""
from __future__ import annotations

import hashlib
import sqlite3

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import positive_data_acceptance

from oncall_tui.backend.api import backend_methods
from oncall_tui.server.openapi import build_openapi
from tests.conftest import DEMO_YOU, NOW
from tests.conftest_backends import ThreadedServer, issue_test_token

schema = schemathesis.openapi.from_dict(build_openapi(backend_methods()))
EXAMPLES = 4
# Written by any authenticated request (at most once a minute per token), refused or not.
BOOKKEEPING = {("api_token", "last_used_at")}


def db_digest(path: str) -> str:
    """Everything in the database, as one hash."""
    h = hashlib.sha256()
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        for t in tables:
            h.update(t.encode())
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{t}")')
                       if (t, r[1]) not in BOOKKEEPING]
            cols = ", ".join(f'"{c}"' for c in columns)
            for row in conn.execute(f'SELECT {cols} FROM "{t}" ORDER BY rowid'):
                h.update(repr(row).encode())
    return h.hexdigest()


class Fuzzed:
    def __init__(self, tmp_path_factory) -> None:
        from oncall_tui.backend.local import LocalBackend
        from oncall_tui.core.clock import FixedClock
        from oncall_tui.server import create_app
        from oncall_tui.services.demo import build_demo

        self.path = str(tmp_path_factory.mktemp("fuzz") / "demo.db")
        clock = FixedClock(NOW)
        backend = LocalBackend(self.path, actor=DEMO_YOU, clock=clock)
        build_demo(backend, clock)
        self.tokens = {login: issue_test_token(backend, login) for login in ("alice", DEMO_YOU)}
        self.server = ThreadedServer(create_app(LocalBackend(self.path, actor="-", clock=clock)))
        self.digest = db_digest(self.path)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    f = Fuzzed(tmp_path_factory)
    with f.server:
        yield f


@pytest.mark.parametrize("login", ["alice", DEMO_YOU])
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          phases=[Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_api_fuzz(case, fuzzed, login):
    response = case.call(base_url=fuzzed.server.url, headers={"Authorization": f"Bearer {fuzzed.tokens[login]}"})
    assert response.status_code < 500, response.text
    # Type hints cannot say "a label must not be empty", so a schema-valid 422 is fine.
    case.validate_response(response, excluded_checks=[positive_data_acceptance])
    after = db_digest(fuzzed.path)
    if response.status_code >= 400:
        assert after == fuzzed.digest, f"a refused {case.method} {case.path} changed the database"
    fuzzed.digest = after
