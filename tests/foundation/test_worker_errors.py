"""A screen's worker that meets a broken database says so on the screen, in one line that
stays until dismissed (no failure is silent), and the screen carries on."""
from __future__ import annotations

import pytest

from tests.availability.test_screens import app_as, drive, open_area
from tests.foundation.helpers import db_path, screen_text, wait_until

POLL = "Cannot reach the database"  # the title of what the change poll reports


def _break(path, how: str) -> None:
    for extra in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        extra.unlink(missing_ok=True)
    if how == "removed":
        path.unlink()
    else:
        path.write_bytes(b"this is not a database, whatever the name says\n" * 200)


@pytest.mark.parametrize("how", ["damaged", "removed"])
def test_a_load_that_meets_a_broken_database_file_is_shown_and_stays(demo_db, clock, how):
    path = db_path(demo_db)

    async def steps(pilot):
        await open_area(pilot, "a", "MyAvailabilityScreen", "December 2026")
        _break(path, how)
        await pilot.press("right_square_bracket")  # January: the screen loads again, in a worker
        shown = await wait_until(pilot, lambda: any(n.title == "Not done" for n in pilot.app._notifications))
        # the poll for other people's changes meets it too: it says so once, however often it polls
        for _ in range(2):
            pilot.app._poll_changes()
            await wait_until(pilot, lambda: any(n.title == POLL for n in pilot.app._notifications))
        notices = [(n.title, str(n.message), n.timeout) for n in pilot.app._notifications]
        return shown, notices, screen_text(pilot.app)

    shown, notices, text = drive(app_as(demo_db, clock, "alice"), steps)
    assert shown, notices
    assert [title for title, _, _ in notices].count(POLL) == 1, notices
    mine = [n for n in notices if n[0] in ("Not done", POLL)]
    assert all("\n" not in message for _, message, _ in mine), "one line"
    assert min(timeout for _, _, timeout in mine) >= 3600, "it stays until dismissed"
    assert "December 2026" in text, "the screen still shows what it had"
    if how == "removed":
        assert any("is gone" in message for _, message, _ in mine), mine
        assert not path.exists(), "no empty database is left where the team's file was"
