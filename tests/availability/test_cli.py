"""`oncall availability import|show|set` as a script would run them."""
from __future__ import annotations

import json

from click.testing import CliRunner

from oncall_tui.cli import main

from .calendars import HOLIDAY_20_JAN


def run(demo_db, *args):
    return CliRunner().invoke(main, ["--db", demo_db, "--as", "alice", "availability", *args])


def test_import_dry_run_then_apply_then_show(demo_db, tmp_path):
    path = tmp_path / "work.ics"
    path.write_bytes(HOLIDAY_20_JAN)
    dry = run(demo_db, "import", str(path), "--month", "2027-01", "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output)["unavailable_days"] == 3
    shown = json.loads(run(demo_db, "show", "--month", "2027-01", "--json").output)
    assert shown["sources"] == [] and all(d["source"] != "calendar:work.ics" for d in shown["days"])
    done = run(demo_db, "import", str(path), "--month", "2027-01")
    assert done.exit_code == 0, done.output
    assert "1 event; 3 days marked in Jan 2027 (3 unavailable" in done.output
    shown = run(demo_db, "show", "--month", "2027-01")
    assert "from calendar 'work.ics'" in shown.output and "calendar:work.ics" not in shown.output
    again = run(demo_db, "import", str(path), "--month", "2027-01")  # a re-sync, not a second source
    assert again.exit_code == 0 and "same" in again.output
    assert len(json.loads(run(demo_db, "show", "--month", "2027-01", "--json").output)["sources"]) == 1


def test_a_huge_file_is_refused_before_it_is_read(demo_db, tmp_path):
    path = tmp_path / "huge.ics"
    with path.open("wb") as f:
        f.truncate(40 * 1024 * 1024)  # sparse: 40 MB that would take a while to parse
    result = run(demo_db, "import", str(path), "--dry-run")
    assert result.exit_code != 0 and "huge.ics" in result.output and "too large" in result.output


def test_a_wrong_month_and_a_closed_month_say_so(demo_db):
    bad = run(demo_db, "show", "--month", "2026-13")
    assert bad.exit_code != 0 and "like 2026-12" in bad.output
    closed = run(demo_db, "set", "unavailable", "2026-12-03")
    assert closed.exit_code == 2 and "closed on 20 Nov" in closed.output
