from __future__ import annotations

import pytest

from .helpers import publish_month


@pytest.fixture
def demo_db(db_url, clock) -> str:
    """The demo team with December published too (swaps need shifts to come)."""
    from oncall_tui.backend.local import LocalBackend
    from oncall_tui.services.demo import build_demo

    from ..conftest import DEMO_YOU

    backend = LocalBackend(db_url, actor=DEMO_YOU, clock=clock)
    build_demo(backend, clock)
    publish_month(db_url, clock)
    return db_url


@pytest.fixture
def postgres_backend_factory(request, clock):
    """As tests/conftest_backends.py's, with December published in the fresh copy."""
    from oncall_tui.backend.local import LocalBackend

    state: dict[str, str] = {}

    def make(demo_db, login: str):
        if "url" not in state:
            state["url"] = request.getfixturevalue("fresh_pg_demo")
            publish_month(state["url"], clock)
        return LocalBackend(state["url"], actor=login, clock=clock)

    return make
