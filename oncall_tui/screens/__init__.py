"""The areas of the app.  Each is a mode with its own screen stack, opened by one key.

An area whose module is not there yet opens a screen that says so plainly.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Area:
    mode: str
    key: str
    title: str
    module: str  # under oncall_tui.screens
    cls: str
    help: str
    managers_only: bool = False

    @property
    def short(self) -> str:
        """The footer's word for it (80 columns are few)."""
        return {"home": "Home", "requirements": "Reqs", "availability": "Avail", "team": "Team",
                "plan": "Plan", "swaps": "Swaps", "profile": "Me"}.get(self.mode, self.title)


AREAS: tuple[Area, ...] = (
    Area("home", "h", "My on-call", "home", "HomeScreen", "Your next shifts, partners, escalation, who is on call now"),
    Area("requirements", "r", "Requirements", "requirements", "RequirementsScreen",
         "What you need before going on call, and how to get it"),
    Area("availability", "a", "My availability", "availability", "MyAvailabilityScreen",
         "Say when you can be on call; connect your calendars"),
    Area("team", "t", "Team availability", "team_availability", "TeamAvailabilityScreen",
         "Everyone's availability and recommendation levels", managers_only=True),
    Area("plan", "p", "Team plan", "plan", "PlanScreen",
         "Draft, review and publish a fair schedule", managers_only=True),
    Area("swaps", "s", "Swaps", "swaps", "SwapsScreen", "Swap requests waiting for you, and your own"),
    Area("profile", "i", "My profile", "profile", "ProfileScreen",
         "Your name, email, phones, time zone, on-call device and phone"),
)
