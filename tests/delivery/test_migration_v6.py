"""Schema 6 (delivery) meets a file written by the release before it: its outbox rows, plans
and people survive, the outbox gains its lease columns, and delivery works on it at once."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from oncall_tui.backend.local import LocalBackend
from oncall_tui.services.outbox import Delivery
from oncall_tui.store import migrations

from ..conftest import DEMO_YOU, NOW
from .helpers import queue_mails, set_mail

BEFORE = "6797f83"  # the calendar entries (schema 5), the last code before delivery's schema

BUILD = f"""
from datetime import datetime
from oncall_tui.backend.local import LocalBackend
from oncall_tui.core.clock import FixedClock
from oncall_tui.services.demo import build_demo
clock = FixedClock(datetime.fromisoformat({NOW.isoformat()!r}))
b = LocalBackend({{url!r}}, actor={DEMO_YOU!r}, clock=clock)
build_demo(b, clock)
d = b.draft_plan("platform-247", month="2026-12", solver="greedy")
b.publish_plan(d.summary.id, d.summary.version)
"""


@pytest.fixture
def old_file(tmp_path) -> str:
    """A demo database written by the code of BEFORE, run from its own source tree."""
    root = Path(__file__).resolve().parents[2]
    tree = tmp_path / "before"
    tree.mkdir()
    try:
        archive = subprocess.run(["git", "-C", str(root), "archive", BEFORE, "oncall_tui", "data"],
                                 capture_output=True, check=True, timeout=120).stdout
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        pytest.skip(f"the code before schema 6 ({BEFORE}) is not in this clone: {exc}")
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True, timeout=120)
    url = f"sqlite:///{tmp_path}/v5.db"
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run([sys.executable, "-c", BUILD.format(url=url)], env=env, capture_output=True, text=True,
                          timeout=600, cwd=tree)
    assert done.returncode == 0, done.stderr[-2000:]
    return url


def test_a_schema_5_file_is_upgraded_in_place_and_delivers(old_file, clock, smtp):
    path = old_file.removeprefix("sqlite:///")
    con = sqlite3.connect(path)
    before_rows = con.execute("SELECT id, kind, payload FROM outbox ORDER BY id").fetchall()
    stamps = con.execute("SELECT count(*) FROM entry_stamp").fetchone()[0]
    assert int(con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]) == 5
    con.close()
    assert before_rows and stamps

    host, port, box = smtp
    root = LocalBackend(old_file, actor=DEMO_YOU, clock=clock)
    con = sqlite3.connect(path)
    assert int(con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]) == \
        migrations.current_version()
    assert con.execute("SELECT id, kind, payload FROM outbox ORDER BY id").fetchall() == before_rows
    columns = {row[1] for row in con.execute("PRAGMA table_info(outbox)")}
    assert {"lease_owner", "lease_until", "person_id", "topic", "superseded_by"} <= columns
    assert con.execute("SELECT count(*) FROM entry_stamp").fetchone()[0] == stamps
    con.close()
    # The old records are no delivery of anyone's; new mail goes out at once.
    assert root.my_delivery("alice").state == "off"
    set_mail(root, host, port)
    queue_mails(root, ["alice"])
    assert Delivery(root.context).run_once().sent == 1 and box.count() == 1
