"""Schema 7 opens a file written by the release before it (schema 6, built by that release's own
code in a separate process): the "asked for cover" marks of its open swap requests become the
stretch of time each request asked about (its hours, else its whole shift), and nothing else of
anyone's availability changes."""
from __future__ import annotations

from pathlib import Path

import pytest

from oncall_tui.backend.local import LocalBackend
from oncall_tui.store import migrations

from ..conftest import DEMO_YOU
from .test_migration_v4 import _rows, demo_from

BEFORE = "4d3ded1"  # the last commit with schema 6


@pytest.fixture
def v6_file(tmp_path) -> Path:
    return demo_from(BEFORE, tmp_path, "v6.db")


def test_a_schema_6_file_upgrades_and_each_request_marks_exactly_its_hours(v6_file, clock):
    assert _rows(v6_file, "SELECT value FROM meta WHERE key = 'schema_version'") == [("6",)]
    others = _rows(v6_file, "SELECT id, person_id, day, shift_start, state, note FROM availability "
                            "WHERE id NOT IN (SELECT mark_id FROM swap_request WHERE mark_id IS NOT NULL) ORDER BY id")
    asked = _rows(v6_file, "SELECT r.id, r.mark_id, r.start IS NULL FROM swap_request r WHERE r.mark_id IS NOT NULL")
    assert any(whole == 0 for _, _, whole in asked), "the demo has a request for part of a shift"
    assert any(whole == 1 for _, _, whole in asked), "and one for a whole shift"

    root = LocalBackend(f"sqlite:///{v6_file}", actor=DEMO_YOU, clock=clock)
    assert _rows(v6_file, "SELECT value FROM meta WHERE key = 'schema_version'") == [
        (str(migrations.current_version()),)]
    # the requests' marks are their stretch, to the second
    from oncall_tui.store import models as m
    with root.db.connection_context():
        for swap_id, mark_id, _whole in asked:
            req = m.SwapRequest.get_by_id(swap_id)
            mark = m.Availability.get_by_id(mark_id)
            assert (mark.shift_start, mark.until) == (req.start or req.slot.start, req.end or req.slot.end)
    # everyone else's marks are exactly as they were, and none of them became a stretch
    assert _rows(v6_file, "SELECT id, person_id, day, shift_start, state, note FROM availability "
                          "WHERE until IS NULL ORDER BY id") == others
    # and the requester's month reads the request's words on the shift it is about
    swap = root.swap(asked[0][0])
    them = LocalBackend(f"sqlite:///{v6_file}", actor=swap.requester.login, clock=clock)
    tz = them.whoami().tz
    from zoneinfo import ZoneInfo
    month = them.availability(month=swap.shift_start.astimezone(ZoneInfo(tz)).strftime("%Y-%m"))
    shown = [s for d in month.days for s in d.shifts if s.start == swap.shift_start]
    assert shown and shown[0].state == "unavailable" and f"swap {swap.id}" in shown[0].note
