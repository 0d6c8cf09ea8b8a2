"""What every area screen shares: a title bar, loading in a worker, errors in words."""
from __future__ import annotations

from typing import Any, Callable

from textual import work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..errors import OncallError, StaleEdit
from ..messages import DataChanged


class TitleBar(Static):
    DEFAULT_CSS = """
    TitleBar { dock: top; height: 1; background: $primary; color: $text; padding: 0 1; }
    """


class AreaScreen(Screen):
    """Loads its data with `fetch(backend)` in a thread and shows it with `show(data)`.

    Reloads when anybody changes the database (the app posts DataChanged)."""

    AREA_TITLE = ""

    def compose_title(self) -> ComposeResult:
        yield TitleBar(self.AREA_TITLE, id="titlebar")

    def compose_footer(self) -> ComposeResult:
        yield Footer()

    @property
    def backend(self):
        return self.app.backend

    def on_mount(self) -> None:
        self.set_title(self.AREA_TITLE)
        self.reload()

    def on_screen_resume(self) -> None:
        if getattr(self, "_loaded_cursor", None) != self.app.change_seen:
            self.reload()

    def set_title(self, left: str) -> None:
        me = getattr(self.app, "me", None)
        right = f"{me.name} · {me.tz}" if me else ""
        try:
            bar = self.query_one("#titlebar", TitleBar)
        except Exception:
            return
        from textual.markup import escape

        head = f"oncall · {left}"
        width = max(20, self.app.size.width - 2)
        pad = max(1, width - len(head) - len(right))
        bar.update(f"[b]oncall[/b] · {escape(left)}{' ' * pad}{escape(right)}")

    # -- loading -----------------------------------------------------------------
    def fetch(self, backend) -> Any:  # runs in a thread
        return None

    def show(self, data: Any) -> None:  # runs on the UI
        pass

    def reload(self) -> None:
        self._loaded_cursor = self.app.change_seen
        self._load()

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load(self) -> None:
        backend = self.backend
        try:
            data = self.fetch(backend)
        except OncallError as exc:
            self.app.call_from_thread(self.show_error, exc)
        else:
            self.app.call_from_thread(self.show, data)
        finally:
            release = getattr(backend, "release_thread", None)
            if release:
                release()

    def on_data_changed(self, message: DataChanged) -> None:
        self.reload()

    # -- acting ------------------------------------------------------------------
    def act(self, call: Callable[[Any], Any], done: Callable[[Any], None] | None = None,
            success: str | None = None) -> None:
        """Run one backend write in a thread; report the outcome; reload on a stale edit."""
        self._act(call, done, success)

    @work(thread=True, group="act", exit_on_error=False)
    def _act(self, call, done, success) -> None:
        backend = self.backend
        try:
            result = call(backend)
        except StaleEdit as exc:
            self.app.call_from_thread(self.notify, exc.message, title="Changed meanwhile", severity="warning")
            self.app.call_from_thread(self.reload)
        except OncallError as exc:
            self.app.call_from_thread(self.show_error, exc)
        else:
            if success:
                self.app.call_from_thread(self.notify, success)
            if done:
                self.app.call_from_thread(done, result)
        finally:
            release = getattr(backend, "release_thread", None)
            if release:
                release()

    def show_error(self, exc: OncallError) -> None:
        self.notify(exc.message, title="Not done", severity="error", timeout=8)
