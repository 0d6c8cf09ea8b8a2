"""Nothing that goes wrong in a background worker is lost: the app shows it."""
from __future__ import annotations

import sqlite3

from oncall_tui.config import sqlite_path
from tests.availability.test_screens import app_as, drive, open_area
from tests.foundation.helpers import screen_text, wait_until


def _notices(app) -> str:
    return " | ".join(str(n.message) for n in app._notifications)


def test_a_write_that_fails_in_the_database_is_shown_and_stays(demo_db, clock):
    """Someone in the group changed the file with sqlite3 (the shared-file mode allows it): the
    write fails inside the database.  Before, the worker recorded the error and nothing was shown."""

    async def steps(pilot):
        await open_area(pilot, "a", "MyAvailabilityScreen", "December 2026")
        await pilot.press("right_square_bracket")
        assert await wait_until(pilot, lambda: "January 2027" in screen_text(pilot.app))
        other = sqlite3.connect(sqlite_path(demo_db))
        other.execute("DROP TABLE availability")
        other.commit()
        other.close()
        await pilot.press("right", "right", "u")
        # the write fails in a worker on purpose: what the test looks at is what the app shows of it
        shown = await wait_until(pilot, lambda: "no such table" in _notices(pilot.app), failing=True)
        notices = list(pilot.app._notifications)
        return shown, _notices(pilot.app), [n.timeout for n in notices if "no such table" in str(n.message)]

    shown, text, timeouts = drive(app_as(demo_db, clock, "alice"), steps)
    assert shown, text
    assert "something went wrong and nothing was done" in text
    assert timeouts and min(timeouts) >= 3600, "it stays until dismissed"
