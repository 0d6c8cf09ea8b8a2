"""The pieces of the jump box that need no other users: who you are, the system configuration,
the files' group and mode in a setgid folder, the backup folder, `oncall doctor`."""
from __future__ import annotations

import grp
import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from oncall_tui.cli import main
from oncall_tui.config import Target, real_login, resolve_target, system_config
from oncall_tui.core.errors import InvalidInput


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env=env or {})


# -- identity -----------------------------------------------------------------------------------
def _real_db(tmp_path) -> Path:
    from tests.foundation.test_cli import _real_team

    return _real_team(tmp_path)


@pytest.mark.parametrize("variable", ["ONCALL_LOGIN", "LOGNAME", "USER"])
def test_on_a_real_database_the_environment_does_not_change_who_you_are(tmp_path, variable):
    path = _real_db(tmp_path)
    from oncall_tui.backend.local import LocalBackend

    os.environ[variable] = "alice"
    try:
        assert LocalBackend(str(path)).whoami().login == real_login()
        shown = run("--db", str(path), "availability", "show", "--json", env={variable: "alice"})
        assert shown.exit_code == 0, shown.output
        assert json.loads(shown.output)["person"]["login"] == real_login()
    finally:
        del os.environ[variable]


def test_on_a_demo_database_the_tests_switch_still_picks_someone(demo_db):
    from oncall_tui.backend.local import LocalBackend

    os.environ["ONCALL_LOGIN"] = "alice"
    try:
        assert LocalBackend(demo_db).whoami().login == "alice"
    finally:
        del os.environ["ONCALL_LOGIN"]


# -- the system configuration -------------------------------------------------------------------
def _system_config(text: str) -> Path:
    path = Path(os.environ["ONCALL_SYSTEM_CONFIG"])
    path.write_text(text)
    return path


def test_the_system_configuration_names_the_database_after_db_env_and_saved_server(tmp_path, monkeypatch):
    _system_config(f'database = "{tmp_path}/team.db"\njump_host = "jumpbox"\n')
    assert resolve_target(None, None) == Target(db_url=f"{tmp_path}/team.db")
    assert resolve_target(str(tmp_path / "other.db"), None).db_url == str(tmp_path / "other.db")
    monkeypatch.setenv("ONCALL_DB", "/x/env.db")
    assert resolve_target(None, None).db_url == "/x/env.db"
    monkeypatch.delenv("ONCALL_DB")
    from oncall_tui.config import save_credentials

    save_credentials({"default_server": "https://oncall.example", "servers": {}})
    assert resolve_target(None, None).server == "https://oncall.example"


def test_the_socket_comes_before_the_database():
    _system_config('database = "/srv/oncall/team.db"\nsocket = "/run/oncall/oncall.sock"\n')
    assert resolve_target(None, None) == Target(socket="/run/oncall/oncall.sock")
    assert system_config().socket == "/run/oncall/oncall.sock"


def test_without_a_system_configuration_the_default_file():
    from oncall_tui.config import default_db_path

    assert resolve_target(None, None) == Target(db_url=str(default_db_path()))


def test_a_broken_system_configuration_is_one_line_naming_file_and_line():
    path = _system_config('database = "/srv/oncall/team.db"\nsocket = /run/oncall.sock\n')
    with pytest.raises(InvalidInput) as caught:
        system_config()
    assert str(path) in caught.value.message and "line 2" in caught.value.message
    result = run("now")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"oncall: {caught.value.message}"]
    _system_config('databse = "/srv/oncall/team.db"\n')
    assert "unknown setting 'databse'" in run("now").output


# -- files that stay shared ---------------------------------------------------------------------
@pytest.fixture
def setgid_folder(tmp_path):
    """A setgid folder owned by a group that is not this process's own."""
    groups = [g for g in grp.getgrall() if g.gr_gid != os.getgid()]
    if os.geteuid() != 0 or not groups:
        pytest.skip("needs root to give a folder another group")
    group = next((g for g in groups if g.gr_name in ("users", "staff")), groups[0])
    folder = tmp_path / "srv"
    folder.mkdir()
    os.chown(folder, -1, group.gr_gid)
    os.chmod(folder, 0o2770)
    return folder, group.gr_gid


def test_a_database_made_under_a_tight_umask_is_shared_with_the_folders_group(setgid_folder, clock):
    from oncall_tui.backend.local import LocalBackend

    folder, gid = setgid_folder
    db = folder / "team.db"
    old = os.umask(0o077)
    try:
        backend = LocalBackend(str(db), clock=clock)
        backend.db.execute_sql("SELECT 1")  # a connection is open: the -wal and -shm exist
        lock = Path(f"{db}-writers.lock")
        backend.import_team((Path(__file__).parents[2] / "data" / "team.example.toml").read_text()
                            .replace('login = "dana"', f'login = "{real_login()}"'), "team.toml")
        for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), lock):
            st = path.stat()
            assert st.st_gid == gid, path
            assert stat.S_IMODE(st.st_mode) & 0o060 == 0o060, (path, oct(st.st_mode))
    finally:
        os.umask(old)
        from oncall_tui.backend.local import forget_database

        forget_database(str(db))


def test_companions_left_unshared_by_an_older_version_are_put_right_at_open(setgid_folder, clock):
    from oncall_tui.backend.local import LocalBackend, forget_database

    folder, gid = setgid_folder
    db = folder / "team.db"
    LocalBackend(str(db), clock=clock).db.execute_sql("SELECT 1")
    forget_database(str(db))
    os.chmod(db, 0o644)
    os.chown(db, -1, os.getgid())
    LocalBackend(str(db), clock=clock).db.execute_sql("SELECT 1")
    try:
        assert db.stat().st_gid == gid and stat.S_IMODE(db.stat().st_mode) == 0o664
    finally:
        forget_database(str(db))


def test_a_secrets_key_others_can_read_is_named_by_doctor_and_put_right_at_open(setgid_folder, clock):
    """A key copied in with the mode of a world-readable file: doctor names it with the fix, and
    its owner's next connection gives it the folder's group and takes the others' bits away."""
    from oncall_tui.backend.local import LocalBackend, forget_database

    folder, gid = setgid_folder
    db = folder / "team.db"
    LocalBackend(str(db), clock=clock).db.execute_sql("SELECT 1")
    forget_database(str(db))
    key = folder / "team.db-secret.key"
    key.write_bytes(b"not used here\n")  # in the folder's group (setgid), but everybody's to read
    os.chmod(key, 0o644)
    _system_config(f'database = "{db}"\n')
    found = [c for c in json.loads(run("doctor", "--json").output)["checks"] if c["what"] == "secrets key"]
    assert len(found) == 1 and not found[0]["ok"] and "others can read it" in found[0]["detail"], found
    group = grp.getgrgid(gid).gr_name
    assert found[0]["fix"] == f"sudo chgrp {group} {key} && sudo chmod 640 {key}"
    LocalBackend(str(db), clock=clock).db.execute_sql("SELECT 1")
    try:
        assert key.stat().st_gid == gid and stat.S_IMODE(key.stat().st_mode) == 0o640, oct(key.stat().st_mode)
    finally:
        forget_database(str(db))
    found = [c for c in json.loads(run("doctor", "--json").output)["checks"] if c["what"] == "secrets key"]
    assert len(found) == 1 and found[0]["ok"], found


# -- backup ----------------------------------------------------------------------------------------
def test_backup_into_a_missing_folder_is_one_line(demo_db, tmp_path):
    from oncall_tui.config import sqlite_path

    dest = tmp_path / "backup" / "team.db"
    result = run("--db", str(sqlite_path(demo_db)), "backup", str(dest))
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and f"there is no folder {dest.parent}" in lines[0]
    dest.parent.mkdir()
    assert run("--db", str(sqlite_path(demo_db)), "backup", str(dest)).exit_code == 0
    assert dest.exists()


# -- doctor ------------------------------------------------------------------------------------------
def test_doctor_names_the_command_for_each_problem_and_exits_1(tmp_path):
    folder = tmp_path / "srv"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    _system_config(f'database = "{folder}/team.db"\n')
    result = run("doctor")
    assert result.exit_code == 1
    assert f"fix: sudo chmod 2770 {folder}" in result.output
    data = json.loads(run("doctor", "--json").output)
    assert data["ok"] is False
    fixes = [c["fix"] for c in data["checks"] if not c["ok"]]
    assert f"sudo chmod 2770 {folder}" in fixes
    assert any("team import" in f for f in fixes), "no database yet: the import is the fix"


def test_doctor_without_a_system_configuration_says_how_to_write_one():
    result = run("doctor")
    assert result.exit_code == 1
    assert "sudo install -D -m 644 /dev/stdin" in result.output


def test_doctor_on_a_sound_setup_says_all_fine(setgid_folder, clock):
    from oncall_tui.backend.local import LocalBackend, forget_database

    folder, gid = setgid_folder
    db = folder / "team.db"
    _system_config(f'database = "{db}"\n')
    os.chmod(Path(os.environ["ONCALL_SYSTEM_CONFIG"]), 0o644)
    backend = LocalBackend(str(db), clock=clock)
    backend.import_team((Path(__file__).parents[2] / "data" / "team.example.toml").read_text()
                        .replace('login = "dana"', f'login = "{real_login()}"'), "team.toml")
    forget_database(str(db))
    result = run("doctor", "--json")
    data = json.loads(result.output)
    problems = [c for c in data["checks"] if not c["ok"]]
    # The example's other people (alice, bob) are not OS users in this group here: that is all.
    assert all(c["what"] == "team member" for c in problems), problems
    assert all(c["fix"].startswith(("sudo usermod -aG", "sudo useradd -m -G")) for c in problems)


def test_a_file_that_is_not_a_database_is_one_line_with_the_fix(tmp_path):
    path = tmp_path / "team.db"
    path.write_bytes(b"this is not a SQLite database, it is a text file that got in the way" * 100)
    result = run("--db", str(path), "now")
    assert result.exit_code == 3, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and "oncall backup" in lines[0]
