"""App-wide messages.  A widget's own messages live inside the widget class."""
from __future__ import annotations

from textual.message import Message


class DataChanged(Message):
    """Somebody (maybe another user of the shared file) changed something."""

    def __init__(self, cursor: int) -> None:
        super().__init__()
        self.cursor = cursor
