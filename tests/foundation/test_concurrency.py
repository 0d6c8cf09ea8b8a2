"""Many people writing to one shared SQLite file at once, each in their own OS process
(as on a jump box): nobody sees an error, no write is lost, every write is audited."""
from __future__ import annotations

import multiprocessing
import queue
import re
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from oncall_tui.backend.local import LocalBackend

from ..conftest import DEMO_YOU, NOW
from .helpers import add_people, db_path
from .workers import phone_for, write_rounds, write_until_stopped

PROCESSES = 16
ROUNDS = 3


def _processes():
    """Separate OS processes, each with its own connection, started quickly: a fork server
    (itself a fresh interpreter, holding no database connection) preloads the code once."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["oncall_tui.backend.local", "tests.foundation.workers"])
    return ctx


def _collect(results, count: int, timeout: float = 120) -> list[tuple]:
    got = []
    for _ in range(count):
        got.append(results.get(timeout=timeout))
    return got


def _handover_lines(backend, uid: str) -> list[str]:
    for detail in backend.home().next_shifts:
        if detail.assignment.uid == uid:
            return detail.handover.splitlines()
    raise AssertionError(f"shift {uid} is gone")


@pytest.mark.slow
def test_sixteen_processes_write_their_own_rows_and_the_same_row_at_once(demo_db, clock):
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    logins = [f"w{i:02d}" for i in range(PROCESSES)]
    add_people(root, "platform", logins)  # managers may add handover notes to any shift
    uid = root.home().next_shifts[0].assignment.uid
    versions = {login: LocalBackend(demo_db, actor=login, clock=clock).whoami().version for login in logins}

    ctx = _processes()
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    procs = [ctx.Process(target=write_rounds,
                         args=(demo_db, login, i, uid, ROUNDS, NOW.isoformat(), barrier, results))
             for i, login in enumerate(logins)]
    for p in procs:
        p.start()
    try:
        outcomes = _collect(results, PROCESSES)
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    assert [p.exitcode for p in procs] == [0] * PROCESSES
    errors = {login: errs for login, errs, _ in outcomes if errs}
    assert not errors, "no error reached anybody:\n" + "\n".join(e[0] for e in errors.values())
    assert sorted(login for login, _, _ in outcomes) == logins

    # Every handover line is there, once, and in each writer's own order.
    lines = _handover_lines(root, uid)
    texts = [re.sub(r"^\[[^]]*\] ", "", line) for line in lines]
    expected = {f"{login} round {r}" for login in logins for r in range(ROUNDS)}
    assert Counter(texts) == Counter(expected)
    for login in logins:
        mine = [t for t in texts if t.startswith(login + " ")]
        assert mine == [f"{login} round {r}" for r in range(ROUNDS)]

    # Every profile holds its owner's last write, one version per write.
    for i, login in enumerate(logins):
        backend = LocalBackend(demo_db, actor=login, clock=clock)
        me = backend.whoami()
        assert me.oncall_phone == phone_for(i, ROUNDS - 1)
        assert me.version == versions[login] + ROUNDS
        actions = Counter(e.action for e in backend.audit(limit=1000))
        assert actions == {"profile.update": ROUNDS, "shift.handover_note": ROUNDS}, login

    team_audit = root.audit(team="platform", limit=1000)
    notes = [e for e in team_audit if e.action == "shift.handover_note" and e.entity_id == uid]
    assert len(notes) == PROCESSES * ROUNDS
    assert Counter(e.actor for e in notes) == {login: ROUNDS for login in logins}


def _audit_rows(path: Path) -> int:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return con.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
    finally:
        con.close()


def _oncall_bin() -> str:
    return str(Path(sys.executable).with_name("oncall"))


@pytest.mark.slow
def test_backup_while_four_processes_write_is_one_consistent_snapshot(demo_db, clock, tmp_path):
    source = db_path(demo_db)
    root = LocalBackend(demo_db, actor=DEMO_YOU, clock=clock)
    logins = [f"b{i}" for i in range(4)]
    add_people(root, "platform", logins)
    uid = root.home().next_shifts[0].assignment.uid
    start_rows = _audit_rows(source)

    ctx = _processes()
    results = ctx.Queue()
    stop = tmp_path / "stop"
    procs = [ctx.Process(target=write_until_stopped,
                         args=(demo_db, login, i, uid, NOW.isoformat(), str(stop), results))
             for i, login in enumerate(logins)]
    for p in procs:
        p.start()
    dest = tmp_path / "copy.db"
    try:
        for _ in range(600):  # wait (bounded) until the writers are busy
            if _audit_rows(source) >= start_rows + 40:
                break
            try:
                early = results.get(timeout=0.05)
                raise AssertionError(f"a writer stopped early: {early}")
            except queue.Empty:
                pass
        else:
            raise AssertionError("the writers never got going")
        backup = subprocess.run([_oncall_bin(), "--db", str(source), "backup", str(dest)],
                                capture_output=True, text=True, timeout=60)
        for _ in range(600):  # and they kept writing after the copy was taken
            if _audit_rows(source) >= _audit_rows(dest) + 20:
                break
            time.sleep(0.02)
        still_writing = _audit_rows(source) > _audit_rows(dest)
    finally:
        stop.touch()
        outcomes = _collect(results, len(procs))
        for p in procs:
            p.join(timeout=30)
    assert backup.returncode == 0, backup.stderr
    assert f"to {dest}" in backup.stdout
    assert not [errs for _, errs, _ in outcomes if errs], outcomes
    assert still_writing
    assert sum(done for _, _, done in outcomes) < 900, "the checks below read at most 1000 audit records"

    con = sqlite3.connect(dest)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    copy_rows = _audit_rows(dest)
    assert start_rows + 40 <= copy_rows < _audit_rows(source)

    # The copy is a working database, and what its tables say agrees with its audit log.
    copy = LocalBackend(f"sqlite:///{dest}", actor=DEMO_YOU, clock=clock)
    lines = _handover_lines(copy, uid)
    audit = copy.audit(team="platform", limit=1000)
    for i, login in enumerate(logins):
        written = [line for line in lines if re.search(rf"\] {login} \d+$", line)]
        audited = [e for e in audit if e.actor == login and e.action == "shift.handover_note"]
        assert len(written) == len(audited), login
        me = LocalBackend(f"sqlite:///{dest}", actor=login, clock=clock)
        phones = [e for e in me.audit(limit=1000) if e.action == "profile.update"]
        if phones:
            assert me.whoami().oncall_phone == phones[0].detail["after"]["oncall_phone"]
            assert me.whoami().oncall_phone == phone_for(i, len(phones))
        else:
            assert me.whoami().oncall_phone == ""


@pytest.mark.slow
def test_backup_of_a_large_file_finishes_while_someone_keeps_writing(demo_db, tmp_path):
    import threading

    source = db_path(demo_db)
    con = sqlite3.connect(source)
    with con:  # an old, busy database: ~60 MB of history
        con.execute("CREATE TABLE history_padding (x TEXT)")
        con.executemany("INSERT INTO history_padding VALUES (?)", (("x" * 1000,) for _ in range(60_000)))
    con.close()
    stop = threading.Event()

    def keep_writing() -> None:
        writer = sqlite3.connect(source, timeout=30)
        while not stop.is_set():
            with writer:
                writer.execute("INSERT INTO history_padding VALUES ('y')")
        writer.close()

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        done = subprocess.run([_oncall_bin(), "--db", str(source), "backup", str(tmp_path / "copy.db")],
                              capture_output=True, text=True, timeout=5)
    finally:
        stop.set()
        thread.join()
    assert done.returncode == 0, done.stderr
