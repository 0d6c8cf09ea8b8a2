from __future__ import annotations

import pytest

from .helpers import publish_month


@pytest.fixture(scope="session")
def swaps_demo_template(tmp_path_factory):
    """The demo team with December published, built once per test process."""
    from ..conftest import build_demo_file

    return build_demo_file(tmp_path_factory.mktemp("swaps-template"), extra=publish_month)


@pytest.fixture
def demo_db(db_url, swaps_demo_template) -> str:
    """The demo team with December published too (swaps need shifts to come): a copy of the
    session's file."""
    from oncall_tui.config import normalise_url, sqlite_path

    from ..foundation.helpers import copy_database

    return copy_database(swaps_demo_template, sqlite_path(normalise_url(db_url)))


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
