"""The keys the current screen answers to, on one line at the bottom."""
from __future__ import annotations

from collections.abc import Iterator

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widget import Widget


def screen_keys(screen) -> Iterator[tuple[str, str, Binding, object, bool]]:
    """(key, shown as, binding, node, enabled now) for each action of `screen` itself this user may use now or
    later: a binding its `check_action` hides (False) is another role's, and left out, as the key
    bar leaves it out; one greyed (None) stays, and says why when pressed.  Widgets' cursor keys
    and the app's keys are not the screen's actions."""
    app = screen.app
    seen: set[str] = set()
    for key, (node, binding, enabled, _tooltip) in screen.active_bindings.items():
        if node is not screen or not binding.description or binding.action in seen:
            continue
        seen.add(binding.action)
        yield key, app.get_key_display(binding), binding, node, enabled


class KeyBar(Widget):
    """What Textual's Footer shows, drawn by one widget: the bindings marked `show` (greyed and
    struck through when they cannot run now, so a monochrome terminal shows it too), the
    command palette key on the right; a click on a key presses it.

    A Footer is a widget per key, composed again each time the bindings change; on the home
    screen that was about 40 ms of the app's first frame (`bench/startup.py`).  This one
    draws its line from `screen.active_bindings` when it paints, so the first frame has it.
    """

    COMPONENT_CLASSES = {"key-bar--key", "key-bar--disabled"}
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; background: $footer-background; color: $footer-foreground; }
    KeyBar > .key-bar--key { color: $footer-key-foreground; text-style: bold; }
    KeyBar > .key-bar--disabled { color: $text-disabled; text-style: strike; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._spans: list[tuple[int, int, str]] = []  # (from x, to x, key) of what the last paint drew

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen) -> None:
        self.refresh()

    def keys(self) -> tuple[list[tuple[str, str, str, bool]], tuple[str, str, str, bool] | None]:
        """(key, shown as, description, enabled) for each shown action, and the palette key."""
        app = self.app
        active = self.screen.active_bindings
        shown: dict[str, tuple[str, str, str, bool]] = {}
        for _node, binding, enabled, _tooltip in active.values():
            # One key per action, as Footer shows it; "app.quit" bound on a screen is the app's "quit".
            action = binding.action.removeprefix("app.")
            if binding.show and action not in shown:
                shown[action] = (binding.key, app.get_key_display(binding), binding.description, enabled)
        palette = None
        if app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, _tooltip = active[app.COMMAND_PALETTE_BINDING]
            palette = (binding.key, app.get_key_display(binding), binding.description, enabled)
        return list(shown.values()), palette

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-bar--key", partial=True)
        off_style = self.get_component_rich_style("key-bar--disabled", partial=True)
        keys, palette = self.keys()
        line = Text(no_wrap=True, overflow="crop")
        spans: list[tuple[int, int, str]] = []

        def add(key: str, shown: str, description: str, enabled: bool) -> None:
            start = line.cell_len
            line.append(f" {shown} ", key_style if enabled else off_style)
            line.append(f"{description} ", None if enabled else off_style)
            spans.append((start, line.cell_len, key))

        for entry in keys:
            add(*entry)
        if palette is not None:
            right = Text.assemble((f" {palette[1]} ", key_style), f"{palette[2]} ")
            gap = self.size.width - line.cell_len - right.cell_len
            if gap >= 1:
                line.append(" " * gap)
                add(*palette)
        self._spans = spans
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                event.stop()
                self.app.simulate_key(key)
                return
