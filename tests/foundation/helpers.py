"""Shared pieces of the foundation tests: extra team members, screen text, waiting."""
from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Callable

from oncall_tui.store.db import normalise_url, sqlite_path


def db_path(url: str) -> Path:
    return sqlite_path(normalise_url(url))


def person_block(login: str, role: str = "manager", on_rotation: bool = False) -> str:
    return (
        f'\n[[people]]\nlogin = "{login}"\nname = "Worker {login}"\nemail = "{login}@example.com"\n'
        f'phones = ["+1 555 0000"]\ntz = "Europe/London"\nrole = "{role}"\n'
        f'on_rotation = {"true" if on_rotation else "false"}\n'
    )


def add_people(manager_backend, team: str, logins: list[str], role: str = "manager") -> None:
    """Add people to a team the way a manager would: export, append, import."""
    text = manager_backend.export_team(team)
    text += "".join(person_block(login, role) for login in logins)
    manager_backend.import_team(text, "more-people.toml")


def dump(path: Path) -> list[str]:
    """Every table's schema and rows, as SQL text (compare files logically)."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def checkpoint(path: Path) -> None:
    """Fold the -wal file into the main file, so the main file alone holds the data."""
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


def copy_database(source: Path, target: Path) -> str:
    """A copy of the SQLite database `source` (closed and checkpointed: the main file holds it all)
    and its secrets key, at `target`; its URL."""
    import shutil

    from oncall_tui.store.db import KEY_SUFFIX

    shutil.copyfile(source, target)
    key = Path(str(source) + KEY_SUFFIX)
    if key.exists():
        shutil.copy2(key, Path(str(target) + KEY_SUFFIX))  # with its mode (0600)
    return f"sqlite:///{target}"


def screen_text(app) -> str:
    """What the terminal shows right now, as plain text lines."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


async def settle(pilot, rounds: int = 1, failing: bool = False) -> None:
    """Let the app's workers finish and its messages be handled, `rounds` times.

    A worker cancelled meanwhile (a newer reload replaced an exclusive one) is not a
    failure: its replacement is waited for in the next pass.  `failing`: a test that makes a
    worker fail on purpose (to see what the app shows of it) lets that failure pass here."""
    from textual.worker import WorkerCancelled, WorkerFailed

    for _ in range(rounds):
        while True:
            try:
                await pilot.app.workers.wait_for_complete()
                break
            except WorkerCancelled:
                continue
            except WorkerFailed:
                if not failing:
                    raise
                break
        await pilot.pause()


async def wait_until(pilot, condition: Callable[[], bool], attempts: int = 100, step: float = 0.1,
                     failing: bool = False) -> bool:
    """Let the app run until `condition()` holds (bounded), without asserting on time.  A
    condition that cannot be judged yet (it queries a screen still being mounted) is not yet
    true; at the end it is asked once more, and its error then shows."""
    for _ in range(attempts):
        await settle(pilot, failing=failing)
        try:
            if condition():
                return True
        except Exception:
            pass
        await asyncio.sleep(step)
    return condition()


# -- the home screen as text: every shift's partners and numbers whole --------------------------

def shift_rows(text: str) -> list[tuple[str, str | None]]:
    """Each shift heading the list shows and the line under it (None: the list ends there)."""
    lines = text.splitlines()
    top = next(i for i, line in enumerate(lines) if "Your next shifts" in line) + 1
    end = next(i for i, line in enumerate(lines) if line.startswith(" Escalate"))
    listed = [line.rstrip("▁▂▃▄▅▆▇█▉▊▋▌▍▎▏ ") for line in lines[top:end]]
    rows = []
    for i, line in enumerate(listed):
        if " → " in line:
            rows.append((line, listed[i + 1] if i + 1 < len(listed) else None))
    return rows


def assert_shifts_whole(text: str, view) -> None:
    """Every shift the list shows has its whole 'with <partner> (<role>) <number>' line under it."""
    from oncall_tui.formatting import local

    rows = shift_rows(text)
    assert rows, text
    for heading, under in rows:
        detail = next(d for d in view.next_shifts
                      if local(d.assignment.start, view.me.tz).strftime("%a %d %b %H:%M") in heading)
        want = "   with " + ", ".join(f"{p.person.name} ({p.role}) {p.person.contact}" for p in detail.partners)
        assert under is None or under == want, f"under {heading!r}: {under!r}, not {want!r}\n{text}"
    assert sum(under is not None for _, under in rows) >= 2, text
    # and who to escalate to: each contact's number, name and place whole on one line
    shown = view.next_shifts[0].escalation if view.next_shifts else view.escalation[0].contacts
    for contact in shown:
        assert f"{contact.position}. {contact.name} {contact.contact}" in text, text
