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


def test_a_cant_make_it_link_names_its_shift_and_links_made_before_that_still_open(demo_db, clock):
    """The secret is the HMAC then the assignment's number (one row looked up); the number alone
    opens nothing, nor does a good HMAC under another shift's number; a link mailed before
    secrets carried the number (the HMAC alone) still opens its shift."""
    me = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    uid = _coming_shift(me)
    secret = me.cant_make_it_link(uid).rsplit("/", 1)[1]
    mac, named = secret[:links.CANT_MAC_LENGTH], secret[links.CANT_MAC_LENGTH:]
    assert links.cant_assignment_id(secret) == int(named, 16)
    assert me.cant_link(secret).shift.assignment.uid == uid
    assert me.cant_link(mac).shift.assignment.uid == uid  # a link made before
    other = next(s.assignment for s in me.shifts() if s.assignment.start > NOW and s.assignment.uid != uid)
    other_secret = me.cant_make_it_link(other.uid).rsplit("/", 1)[1]
    for wrong in (mac + other_secret[links.CANT_MAC_LENGTH:],  # a good HMAC, another shift's number
                  "A" * links.CANT_MAC_LENGTH + named,  # the number without its HMAC
                  mac[:-1] + ("A" if mac[-1] != "A" else "B"),  # an old-style link one character off
                  secret + "0" * 12):  # a number too long to be one
        with pytest.raises(NotFound):
            me.cant_link(wrong)
