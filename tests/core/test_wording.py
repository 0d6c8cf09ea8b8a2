"""Words a newcomer reads in the first hour say one thing each, once, and what it means."""
from __future__ import annotations

from click.testing import CliRunner

from oncall_tui.cli import main

from ..availability.test_screens import app_as, drive, open_area
from ..conftest import DEMO_YOU


def test_a_standing_never_says_its_state_twice(as_user):
    """'met: met …', 'expired: expired on …' read as a stammer: the state's word is said once."""
    from oncall_tui.screens.requirements import item_detail

    seen = set()
    for login in ("alice", "lena"):  # lena's training has expired
        readiness = as_user(login).requirements()
        for i in readiness.items:
            seen.add(i.state)
            now = next(line for line in item_detail(i, readiness).splitlines() if line.startswith("[b]Now:"))
            assert f"{i.words}: {i.words}" not in now, now
            assert i.words in now, now
    assert {"met", "expired"} <= seen


def test_no_shifts_is_said_once_on_home(as_user):
    """The home list already says there is no shift; the hints do not say it again."""
    maya = as_user("maya")  # a manager off the rotation: no shifts
    home = maya.home()
    assert not home.next_shifts
    assert not any("No shifts" in h for h in home.hints), home.hints


def test_utilisation_says_what_it_counts(demo_db):
    result = CliRunner().invoke(main, ["--db", demo_db, "--as", "alice", "availability", "show",
                                       "--month", "2027-01"], env={"ONCALL_LOGIN": DEMO_YOU})
    assert result.exit_code == 0, result.output
    assert "of working hours taken (" in result.output and "h busy or off)" in result.output
    assert "utilised" not in result.output


def test_the_team_grid_has_its_legend_on_screen_at_80x24(demo_db, clock):
    async def steps(pilot):
        return await open_area(pilot, "t", "TeamAvailabilityScreen", "Alice Moreau")

    shown = drive(app_as(demo_db, clock, DEMO_YOU), steps)
    assert "✗ off ~ avoid + want b busy · free * note" in shown
    assert "Counts: people free per role (9: 9 or more), ! short · Lvl 1 spare … 5 lean on" in shown
    assert "Lvl 5 lean on, 1 spare" not in shown
    coverage = [line for line in shown.splitlines() if line.startswith(("Primary", "Secondary", "Shadow"))]
    assert coverage and not any("+" in line for line in coverage), coverage  # "+" is "want" only


def test_a_full_coverage_count_is_never_a_plus():
    from oncall_tui.widgets.availability_grid import _coverage_text

    assert _coverage_text(12, False, 2) == "9 "
    assert _coverage_text(3, True, 2) == "3!"
    assert _coverage_text(120, False, 3) == "99 "


def test_the_newcomer_mark_is_said_in_the_load_list_head():
    from oncall_tui.core.domain_planning import PersonLoad
    from oncall_tui.widgets.plan_loads import HEAD, NEW_MARK, load_line

    assert "ⁿ" not in HEAD and f"{NEW_MARK}new" in HEAD
    fields = PersonLoad.__dataclass_fields__
    values = {name: 0 for name in fields}
    values.update(login="kofi", name="Kofi", experienced=False, level=None)
    line = load_line(PersonLoad(**values), "Kofi", 10.0)
    assert line.startswith(f"Kofi{NEW_MARK}")


def test_my_month_says_which_calendar_and_how_many(demo_db, clock):
    async def steps(pilot):
        return await open_area(pilot, "a", "MyAvailabilityScreen", "December 2026")

    shown = drive(app_as(demo_db, clock, "alice"), steps)
    assert "0 calendars (c)" in shown and "utilised" not in shown


def test_a_span_across_a_clock_change_names_the_zone_at_each_end():
    """Two hours from 00:30 London on the night the clocks go forward: "00:30 → 03:30 BST" would
    read as three; each end says its own zone.  Without a change the zone is said once."""
    from datetime import UTC, datetime

    from oncall_tui.core.text import span

    start = datetime(2027, 3, 28, 0, 30, tzinfo=UTC)
    assert span(start, datetime(2027, 3, 28, 2, 30, tzinfo=UTC), "Europe/London") == \
        "Sun 28 Mar 00:30 GMT → 03:30 BST"
    assert span(datetime(2027, 3, 27, 9, tzinfo=UTC), datetime(2027, 3, 28, 8, tzinfo=UTC), "Europe/London") == \
        "Sat 27 Mar 09:00 GMT → Sun 28 Mar 09:00 BST"
    assert span(datetime(2026, 12, 4, 9, tzinfo=UTC), datetime(2026, 12, 5, 9, tzinfo=UTC), "Europe/London") == \
        "Fri 04 Dec 09:00 → Sat 05 Dec 09:00 GMT"
