"""What a first run sees instead of an empty screen: what to do next."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Middle
from textual.screen import Screen
from textual.widgets import Static

from ..widgets.key_bar import KeyBar


class WelcomeScreen(Screen):
    """No database yet, or a login that belongs to no team."""

    DEFAULT_CSS = """
    WelcomeScreen #welcome { width: 74; max-width: 100%; padding: 1 2; border: round $primary; }
    """
    BINDINGS = [
        Binding("d", "app.open_demo", "Open the demo", tooltip="Create (if needed) and open a demo team"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, reason: str) -> None:
        super().__init__(name="welcome")
        self.reason = reason

    def compose(self) -> ComposeResult:
        with Middle():
            with Center():
                yield Static(
                    "[b]Welcome to oncall[/b]\n\n"
                    f"{self.reason}\n\n"
                    "What you can do next:\n"
                    "  • press [b]d[/b] to open a demo team and look around;\n"
                    "  • a manager sets a team up with [b]oncall team import team.toml[/b]\n"
                    "    (an example ships as data/team.example.toml);\n"
                    "  • or point [b]--db[/b] / [b]ONCALL_DB[/b] at your team's shared file.",
                    id="welcome",
                )
        yield KeyBar()
