"""Every process on one database makes the same links (the key is derived from the database's
secrets key beside the file, not from each user's home), and a copy of the database alone opens none."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from oncall_tui.backend.local import LocalBackend
from oncall_tui.core.errors import NotFound
from oncall_tui.services import links

from ..conftest import DEMO_YOU, NOW


def _coming_shift(backend: LocalBackend) -> str:
    return next(s.assignment.uid for s in backend.shifts() if s.assignment.start > NOW)


def test_users_with_their_own_homes_make_the_same_link(demo_db, clock, tmp_path, monkeypatch):
    paths = []
    for home in ("one", "two"):
        monkeypatch.setenv("HOME", str(tmp_path / home))
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / home / "data"))
        links._keys.clear()  # a new process: nothing remembered
        me = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
        paths.append(me.cant_make_it_link(_coming_shift(me)))
    assert paths[0] == paths[1]
    links._keys.clear()
    opened = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock).cant_link(paths[0].rsplit("/", 1)[1])
    assert opened.person.login == DEMO_YOU


def test_a_copy_of_the_database_without_its_key_opens_no_link(demo_db, clock, tmp_path):
    me = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    secret = me.cant_make_it_link(_coming_shift(me)).rsplit("/", 1)[1]
    source = Path(demo_db.removeprefix("sqlite:///"))
    copy = tmp_path / "copy" / "oncall.db"
    copy.parent.mkdir()
    shutil.copy(source, copy)
    assert not copy.with_name(copy.name + "-secret.key").exists()
    links._keys.clear()
    with pytest.raises(NotFound):
        LocalBackend(f"sqlite:///{copy}", actor=DEMO_YOU, clock=clock).cant_link(secret)
    links._keys.clear()
