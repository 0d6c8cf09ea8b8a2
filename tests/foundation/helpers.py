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


def screen_text(app) -> str:
    """What the terminal shows right now, as plain text lines."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


async def settle(pilot, rounds: int = 1) -> None:
    """Let the app's workers finish and its messages be handled, `rounds` times.

    A worker cancelled meanwhile (a newer reload replaced an exclusive one) is not a
    failure: its replacement is waited for in the next pass."""
    from textual.worker import WorkerCancelled

    for _ in range(rounds):
        while True:
            try:
                await pilot.app.workers.wait_for_complete()
                break
            except WorkerCancelled:
                continue
        await pilot.pause()


async def wait_until(pilot, condition: Callable[[], bool], attempts: int = 100, step: float = 0.1) -> bool:
    """Let the app run until `condition()` holds (bounded), without asserting on time.  A
    condition that cannot be judged yet (it queries a screen still being mounted) is not yet
    true; at the end it is asked once more, and its error then shows."""
    for _ in range(attempts):
        await settle(pilot)
        try:
            if condition():
                return True
        except Exception:
            pass
        await asyncio.sleep(step)
    return condition()
