"""The cross-screen harness's world: who uses the app, and every screen they can reach.

Data-driven: a new screen joins every check (its key bar, its snapshots) with one line in
SCREENS, a dialog joins the snapshots with one line in DIALOGS; a new kind of user with one
line in USERS."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

from textual.screen import ModalScreen

from oncall_tui.app import make_app
from oncall_tui.backend.local import LocalBackend
from oncall_tui.widgets.key_bar import KeyBar

from ..foundation.helpers import screen_text, settle, wait_until


@dataclass(frozen=True)
class User:
    name: str  # in test ids
    login: str  # in the demo team
    manages: bool


@dataclass(frozen=True)
class ScreenVisit:
    name: str  # in test ids and snapshot names
    keys: tuple[str, ...]  # pressed from wherever the app starts, to get there
    managers_only: bool = False  # a screen only a manager can open (not one that tells others it is for managers)


USERS = (
    User("engineer", "alice", manages=False),
    User("manager", "root", manages=True),  # on the rotation as well
)

SCREENS = (
    ScreenVisit("home", ("h",)),
    ScreenVisit("requirements", ("r",)),
    ScreenVisit("requirements-team", ("r", "m"), managers_only=True),
    ScreenVisit("availability", ("a",)),
    ScreenVisit("team-availability", ("t",)),
    ScreenVisit("plan", ("p",)),
    ScreenVisit("swaps", ("s",)),
)
#: Dialogs a screen's key opens: pictured like the screens (they have no key bar of their own;
#: their keys are the screen's dialog's hint line).
DIALOGS = (
    ScreenVisit("cant-make-it", ("h", "c")),
)

VISITS = [(u, s) for u in USERS for s in SCREENS if u.manages or not s.managers_only]
VISIT_IDS = [f"{u.name}-{s.name}" for u, s in VISITS]
PICTURED = VISITS + [(u, s) for u in USERS for s in DIALOGS if u.manages or not s.managers_only]
PICTURED_IDS = [f"{u.name}-{s.name}" for u, s in PICTURED]


def app_for(demo_db: str, clock, user: User):
    return make_app(backend=LocalBackend(demo_db, actor=user.login, clock=clock), clock=clock)


async def settled(pilot) -> None:
    await settle(pilot, 3)


async def visit(pilot, screen: ScreenVisit) -> None:
    """Go to `screen` from wherever the app is, with no dialog open."""
    app = pilot.app
    await wait_until(pilot, lambda: app.screen.query(KeyBar))
    while isinstance(app.screen, ModalScreen):
        app.pop_screen()
        await settled(pilot)
    for key in screen.keys:
        await pilot.press(key)
        await settled(pilot)


def shown_keys(app) -> list[tuple[str, str, bool]]:
    """(key, label, enabled) of every key the key bar shows now, the palette key included."""
    keys, palette = app.screen.query_one(KeyBar).keys()
    entries = keys + ([palette] if palette else [])
    return [(key, f"{shown} {description}", enabled) for key, shown, description, enabled in entries]


def state(app) -> tuple:
    return app.screen, screen_text(app)


def run(coro):
    return asyncio.run(coro)
