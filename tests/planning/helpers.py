"""Shared bits of the planning tests: the demo's rotation and a second rotation to clash with."""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from oncall_tui.services.demo import demo_team_toml

ROT = "platform-247"
MONTH = "2026-12"
LONDON = ZoneInfo("Europe/London")

EXTRA_ROTATIONS = '''
[[rotations]]
slug = "search-night"
name = "Search nights"
tz = "Europe/London"
handoff = "21:00"
shift = "daily"
roles = ["primary"]

[[rotations]]
slug = "follow-sun"
name = "Follow the sun"
tz = "Europe/London"
shift = "daily"
roles = ["primary"]
windows = [{ start = "07:00", region = "EMEA" }, { start = "15:00", region = "AMER" }]
'''


def add_rotations(backend, you: str = "root") -> None:
    """Re-import the demo team with two more rotations (a clash and a follow-the-sun one)."""
    text = demo_team_toml(you)
    head, sep, tail = text.partition("[[escalation]]")
    backend.import_team(head + EXTRA_ROTATIONS + "\n" + sep + tail, "demo team + rotations")


def local_day(dt) -> date:
    return dt.astimezone(LONDON).date()


def cells_by_day(view) -> dict[date, dict[str, str | None]]:
    out: dict[date, dict[str, str | None]] = {}
    for c in view.cells:
        out.setdefault(local_day(c.start), {})[c.role] = c.login
    return out
