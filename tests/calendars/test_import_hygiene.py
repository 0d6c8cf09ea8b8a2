"""The calendar core stays cheap to import and free of the terminal."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_calendar_core_loads_no_heavy_or_ui_library():
    code = (
        "import sys, oncall_tui.calendars, oncall_tui.calendars.fetch, oncall_tui.calendars.parse, "
        "oncall_tui.calendars.expand, oncall_tui.calendars.rules\n"
        "heavy = ['icalendar', 'recurring_ical_events', 'x_wr_timezone', 'httpx', 'textual', "
        "'click', 'starlette', 'peewee']\n"
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == ""
