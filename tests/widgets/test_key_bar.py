"""KeyBar: the keys a screen answers to, on its bottom line, as Textual's Footer shows them."""
from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input, Static

from oncall_tui.widgets.key_bar import KeyBar


class Board(Screen):
    AUTO_FOCUS = ""  # nothing focused until a test says so
    BINDINGS = [
        Binding("f5", "reload", "Refresh"),
        Binding("g", "generate", "Generate"),
        Binding("P", "publish", "Publish"),
        Binding("x", "secret", "Hidden", show=False),
        Binding("q", "app.quit", "Quit"),  # the app's own quit, bound again here
    ]
    can_publish = False

    def __init__(self) -> None:
        super().__init__()
        self.done: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("board", id="body")
        yield Input(id="note")
        yield KeyBar()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "publish" and not self.can_publish:
            return None  # shown, but cannot run now
        return True

    def action_reload(self) -> None:
        self.done.append("reload")

    def action_generate(self) -> None:
        self.done.append("generate")

    def action_publish(self) -> None:
        self.done.append("publish")


class BoardApp(App):
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", priority=True)]

    def on_mount(self) -> None:
        self.push_screen(Board())


def _drive(steps, size=(80, 24)):
    async def go():
        app = BoardApp()
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            return await steps(pilot)
    return asyncio.run(go())


def _line(pilot) -> str:
    strips = pilot.app.screen._compositor.render_strips()
    return strips[-1].text


def test_the_bar_shows_each_shown_key_and_the_palette_on_the_right():
    async def steps(pilot):
        return _line(pilot)

    line = _drive(steps)
    assert line.startswith(" f5 Refresh  g Generate  P Publish  q Quit ")
    assert line.count("Quit") == 1, "one key per action"
    assert "Hidden" not in line
    assert line.rstrip().endswith("^p palette")
    assert len(line) == 80


def test_a_key_that_cannot_run_now_is_drawn_unlike_one_that_can_and_changes_when_it_can():
    def style_of(pilot, word: str):
        strip = pilot.app.screen._compositor.render_strips()[-1]
        for segment in strip:
            if word in segment.text:
                return segment.style.color, segment.style.bold, bool(segment.style.strike)
        raise AssertionError(f"{word} not on the bar")

    async def steps(pilot):
        before = (style_of(pilot, "P "), style_of(pilot, "g "))
        pilot.app.screen.can_publish = True
        pilot.app.screen.refresh_bindings()
        await pilot.pause()
        after = style_of(pilot, "P ")
        return before, after

    (publish, generate), publish_later = _drive(steps)
    assert publish != generate, "a key that cannot run now looks different"
    assert publish[2] and not generate[2], "struck through, which a monochrome terminal shows too"
    assert publish_later == generate


def test_clicking_a_key_presses_it_and_clicking_the_palette_opens_it():
    async def steps(pilot):
        line = _line(pilot)
        await pilot.click(KeyBar, offset=(line.index("Generate"), 0))
        await pilot.pause()
        done = list(pilot.app.screen.done)
        await pilot.click(KeyBar, offset=(line.index("palette"), 0))
        await pilot.pause()
        return done, type(pilot.app.screen).__name__

    done, screen = _drive(steps)
    assert done == ["generate"]
    assert screen == "CommandPalette"


def test_the_bar_follows_the_focused_widgets_keys():
    async def steps(pilot):
        before = _line(pilot)
        pilot.app.screen.query_one("#note", Input).focus()
        await pilot.pause()
        return before, _line(pilot)

    before, focused = _drive(steps)
    assert "g Generate" in before
    # Typing in the note box takes the letter keys: the bar stops offering them.
    assert "g Generate" not in focused and "P Publish" not in focused and "f5 Refresh" in focused


def test_a_narrow_terminal_crops_the_keys_to_one_line_and_drops_the_palette():
    async def steps(pilot):
        strips = pilot.app.screen._compositor.render_strips()
        return strips[-1].text, strips[-2].text

    last, above = _drive(steps, size=(30, 10))
    assert last.startswith(" f5 Refresh  g Generate  P")
    assert "palette" not in last and len(last) == 30
    assert "Quit" not in above, "the bar never wraps onto a second line"
