"""The README's jump box, with real OS users: one shared SQLite file in a setgid group folder,
named by the system configuration, each person acting as their own login."""
from __future__ import annotations

import grp
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from .users import UserTerminal, box  # noqa: F401  (fixture)

pytestmark = [pytest.mark.slow]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _shared(box, path: Path) -> None:
    st = path.stat()
    assert grp.getgrgid(st.st_gid).gr_name == box.group, f"{path} is not in the folder's group"
    assert stat.S_IMODE(st.st_mode) & 0o060 == 0o060, f"{path} is mode {stat.S_IMODE(st.st_mode):o}"


def test_dana_imports_alice_opens_first_bob_and_dana_write_after(box):
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    imported = box.oncall_as("dana", "team", "import", str(box.team_file))
    assert imported.returncode == 0, imported.stderr
    assert "3 people added" in imported.stdout
    _shared(box, box.db)

    alice = box.hold_open("alice")  # alice opens first: the -wal and -shm are hers
    try:
        wal, shm = Path(f"{box.db}-wal"), Path(f"{box.db}-shm")
        assert wal.exists() and shm.exists()
        assert wal.stat().st_uid == shm.stat().st_uid == box.uid("alice")
        _shared(box, wal)
        _shared(box, shm)

        bob = box.oncall_as("bob", "availability", "set", "unavailable", "2027-01-20")
        assert bob.returncode == 0, bob.stderr
        dana = box.oncall_as("dana", "availability", "set", "prefer_not", "2027-01-21", "--person", box.login["bob"])
        assert dana.returncode == 0, dana.stderr
        mine = box.oncall_as("alice", "availability", "set", "unavailable", "2027-01-22")
        assert mine.returncode == 0, mine.stderr
    finally:
        alice.stdin.close()
        alice.wait(timeout=60)
    shown = box.oncall_as("dana", "availability", "show", "--person", box.login["bob"], "--month", "2027-01",
                          "--json")
    assert shown.returncode == 0, shown.stderr
    assert '"2027-01-20"' in shown.stdout and '"2027-01-21"' in shown.stdout

    doctor = box.oncall_as("dana", "doctor")
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "All fine." in doctor.stdout

    # The README's backup line, into a folder that does not exist yet: one line, then made and done.
    copy = box.folder / "backup" / "team-2026-11-27.db"
    missing = box.oncall_as("dana", "backup", str(copy))
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert f"there is no folder {copy.parent}" in missing.stderr
    subprocess.run(["install", "-d", "-m", "2770", "-g", box.group, str(copy.parent)], check=True)
    backed = box.oncall_as("dana", "backup", str(copy))
    assert backed.returncode == 0, backed.stderr
    assert copy.exists() and copy.stat().st_gid == box.db.stat().st_gid


def test_alices_environment_cannot_make_her_dana(box):
    _ensure_team(box)
    faked = {"ONCALL_LOGIN": box.login["dana"], "LOGNAME": box.login["dana"], "USER": box.login["dana"]}
    refused = box.oncall_as("alice", "availability", "set", "unavailable", "2027-01-20",
                            "--person", box.login["bob"], **faked)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "Traceback" not in refused.stderr
    as_dana = box.oncall_as("alice", "--as", box.login["dana"], "now", **faked)
    assert as_dana.returncode == 2 and "--as works only in a demo database" in as_dana.stderr
    me = box.oncall_as("alice", "availability", "show", "--json", **faked)
    assert me.returncode == 0, me.stderr
    assert box.login["alice"] in me.stdout and box.login["dana"] not in me.stdout


def test_a_user_outside_the_group_gets_one_clear_line(box):
    _ensure_team(box)
    for args in (["now"], []):
        done = box.oncall_as("out", *args)
        assert done.returncode != 0
        assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, done.stderr
        assert f"not in the group '{box.group}'" in lines[0] and f"usermod -aG {box.group}" in lines[0]


def test_a_file_the_group_cannot_write_is_one_line_naming_it_and_doctor_has_the_fix(box):
    _ensure_team(box)
    os.chmod(box.db, 0o640)
    try:
        done = box.oncall_as("bob", "availability", "set", "unavailable", "2027-01-23")
        assert done.returncode == 3, done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        assert str(box.db) in done.stderr and "oncall doctor" in done.stderr
        doctor = box.oncall_as("bob", "doctor")
        assert doctor.returncode == 1
        assert f"fix: sudo chmod 660 {box.db}" in doctor.stdout
    finally:
        os.chmod(box.db, 0o660)


def test_in_the_app_a_write_the_database_refuses_stays_on_screen(box):
    """alice presses `u` on a file she may read but not write: a notice names the file."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    _ensure_team(box)
    holder = box.hold_open("dana")  # keeps -wal and -shm (group-writable) in place
    os.chmod(box.db, 0o640)
    bob = None
    try:
        bob = UserTerminal(box.command("bob"))
        bob.wait_for("Your next shifts")
        bob.press("a")
        bob.wait_for("December 2026 ·")  # loaded (closed: its deadline has passed)
        bob.press("NPage")
        bob.wait_for("January 2027")
        bob.press("u")
        shown = bob.wait_for("cannot write to the database")
        assert "oncall doctor" in shown.replace("\n", " ") or "doctor" in shown
    finally:
        os.chmod(box.db, 0o660)
        holder.stdin.close()
        holder.wait(timeout=60)
        if bob:
            bob.stop()


def _ensure_team(box) -> None:
    if not box.db.exists():
        done = box.oncall_as("dana", "team", "import", str(box.team_file))
        assert done.returncode == 0, done.stderr
