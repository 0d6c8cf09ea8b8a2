"""An area that is not built yet says so plainly."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.widgets import Static

from . import Area
from .base import AreaScreen


class PlaceholderScreen(AreaScreen):
    def __init__(self, area: Area) -> None:
        super().__init__(name=area.mode)
        self.area = area
        self.AREA_TITLE = area.title

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        with Middle():
            with Center():
                yield Static(
                    f"[b]{self.area.title}[/b]\n\n{self.area.help}.\n\n"
                    "This area is not built yet in this release.\n"
                    "Press h to go back to My on-call.",
                    id="placeholder",
                )
        yield from self.compose_footer()
