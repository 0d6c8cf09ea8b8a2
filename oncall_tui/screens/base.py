"""What every area screen shares: a title bar, loading in a worker, errors in words."""
from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual import events, on
from textual.app import ComposeResult
from textual.screen import ModalScreen, Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from ..core.errors import OncallError, StaleEdit, Unavailable
from ..formatting import escape
from ..messages import DataChanged
from ..widgets.key_bar import KeyBar


class TitleBar(Static):
    DEFAULT_CSS = """
    TitleBar { dock: top; height: 1; background: $primary; color: $text; padding: 0 1; }
    """

    def __init__(self, text: str, **kwargs) -> None:
        super().__init__(text, **kwargs)
        self.shown = text  # the markup on show, so an unchanged title is not drawn again


#: A problem with the database itself (cannot be read, written or reached) stays on screen until
#: the user dismisses it (a click on the notice), however long that takes.
STAYS = 24 * 3600.0


def problem_text(exc: BaseException) -> str:
    if isinstance(exc, OncallError):
        return exc.message
    return f"something went wrong and nothing was done: {type(exc).__name__}: {exc}"


def report_problem(node, exc: BaseException, title: str = "Not done") -> None:
    """One clear notice for a failure: an unreachable database (and any unexpected error)
    stays until dismissed, a refusal goes after a while."""
    stays = isinstance(exc, Unavailable) or not isinstance(exc, OncallError)
    node.notify(escape(problem_text(exc)), title=title, severity="error", timeout=STAYS if stays else 8)


class ReportsWorkerErrors:
    """Nothing a worker raises is lost: an exception no handler turned into words (a worker
    created with exit_on_error=False records it and carries on) is shown as a notice."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            if not getattr(error, "oncall_reported", False):
                report_problem(self, error)


class BackendWorkers(ReportsWorkerErrors):
    """One backend call in a thread worker, the same way everywhere (mixed into screens)."""

    if TYPE_CHECKING:  # given by the screen this is mixed into; `app` is the OncallApp (its
        # backend, clock, me, ...), which the screens do not import
        app: Any
        run_worker: Any

    def run_backend(self, call: Callable[[Any], Any], done: Callable[[Any], object] | None = None, *,
                    group: str, exclusive: bool = False,
                    failed: Callable[[OncallError], None] | None = None,
                    finished: Callable[[], None] | None = None, loading: Any = None) -> Worker:
        """Run `call(backend)` in a thread worker of `group` (`exclusive`: a newer call of the
        group cancels this one); then, on the UI, `done(result)`, or `failed(error)` for a
        refusal (default: `show_error`, one line), and `finished()` either way.

        `loading`: a widget that shows Textual's loading indicator while the call runs (for
        anything that can take over half a second, such as reading a calendar).

        No failure is silent: anything else `call` raises (a bug, a damaged or vanished
        database file) is one line on the screen too, staying until dismissed, and the worker
        records it.  The backend lets go of this thread's connection at the end."""
        if loading is not None:
            loading.loading = True
            after = finished

            def finished() -> None:
                loading.loading = False
                if after is not None:
                    after()
        return self.run_worker(partial(self._call_backend, call, done, failed, finished), name=group,
                               group=group, exclusive=exclusive, thread=True, exit_on_error=False)

    def _call_backend(self, call, done, failed, finished) -> None:  # runs in the worker's thread
        app = self.app
        backend = app.backend
        try:
            result = call(backend)
        except OncallError as exc:
            app.call_from_thread(failed or self.show_error, exc)
        except Exception as exc:
            app.call_from_thread(report_problem, self, exc)
            exc.oncall_reported = True  # type: ignore[attr-defined]  # the worker records it; shown once
            raise
        else:
            if done is not None:
                app.call_from_thread(done, result)
        finally:
            try:
                if finished is not None:
                    app.call_from_thread(finished)
            finally:
                backend.release_thread()

    def show_error(self, exc: OncallError) -> None:
        report_problem(self, exc)


class AreaScreen(BackendWorkers, Screen):
    """Loads its data with `fetch(backend)` in a thread and shows it with `show(data)`.

    Reloads when anybody changes the database (the app posts DataChanged)."""

    AREA_TITLE = ""

    def compose_title(self) -> ComposeResult:
        yield TitleBar(self.title_text(self.AREA_TITLE), id="titlebar")

    def compose_footer(self) -> ComposeResult:
        yield KeyBar()

    @property
    def backend(self):
        return self.app.backend

    def on_mount(self) -> None:
        self.set_title(self.AREA_TITLE)
        self.reload()

    #: The change cursor this screen's data was loaded at (None: not loaded yet).
    _loaded_cursor: int | None = None

    @on(events.Resize)
    def _title_at_new_width(self, event: events.Resize) -> None:
        self.set_title(self.AREA_TITLE)  # the title is laid out at the terminal's width

    def on_screen_resume(self) -> None:
        self.set_title(self.AREA_TITLE)  # the terminal may have been resized while another area showed
        seen = self.app.change_seen
        if self._loaded_cursor is not None and seen is not None and seen > self._loaded_cursor:
            self.reload()

    # -- keys ------------------------------------------------------------------------
    def why_not(self, action: str) -> str | None:
        """Why the greyed key of `action` does nothing now (screens say it in their words)."""
        return None

    def on_key(self, event: events.Key) -> None:
        """A greyed key of the key bar is pressed: say why it does nothing now, and what
        would make it work, rather than nothing at all."""
        active = self.active_bindings.get(event.key)
        if active is None or active.enabled or active.node is not self:
            return
        event.stop()
        self.not_now(active.binding)

    def not_now(self, binding) -> None:
        why = self.why_not(binding.action.partition("(")[0]) or binding.tooltip or "nothing to do here"
        self.notify(escape(f"{binding.description}: not now. {why}"), title="Not now", timeout=6)

    def set_title(self, left: str) -> None:
        try:
            bar = self.query_one("#titlebar", TitleBar)
        except Exception:
            return
        text = self.title_text(left)
        if text != bar.shown:  # an unchanged title costs nothing
            bar.shown = text
            bar.update(text, layout=False)  # one line, whatever it says

    def title_text(self, left: str) -> str:
        """'oncall · Area' on the left, every area's key on the right (the current one marked)."""

        from . import AREAS

        mode = self.app.current_mode if self.app.backend is not None else None
        manages = getattr(self.app, "manages", lambda: None)()
        keys = []
        plain = []
        for a in AREAS:
            if a.managers_only and manages is False and a.mode != mode:
                continue  # an area for managers, to someone who manages no team
            if a.mode == mode:
                keys.append(f"[reverse]▸{a.key} {a.short}[/reverse]")
                plain.append(f"▸{a.key} {a.short}")
            else:
                keys.append(f"{a.key} {a.short}")
                plain.append(f"{a.key} {a.short}")
        right, right_plain = " ".join(keys), " ".join(plain)
        head = f"oncall · {left}"
        width = max(20, self.app.size.width - 2)
        if len(head) + len(right_plain) + 1 > width:
            right, right_plain = "", ""
        pad = max(1, width - len(head) - len(right_plain))
        return f"[b]oncall[/b] · {escape(left)}{' ' * pad}{right}"

    # -- loading -----------------------------------------------------------------
    def fetch(self, backend) -> Any:  # runs in a thread
        return None

    def show(self, data: Any) -> None:  # runs on the UI
        pass

    def reload(self) -> None:
        self._load()

    def _load(self) -> Worker:
        def load(backend) -> tuple[int, Any]:
            # Take the cursor before the data: a change made while loading then
            # shows up as a newer cursor at the next poll, and is never missed.
            return backend.change_cursor(), self.fetch(backend)

        return self.run_backend(load, lambda loaded: self._loaded(*loaded), group="load", exclusive=True)

    def _loaded(self, cursor: int, data: Any) -> None:
        self._loaded_cursor = cursor
        self.show(data)

    def on_data_changed(self, message: DataChanged) -> None:
        if self._loaded_cursor is None or message.cursor > self._loaded_cursor:
            self.reload()

    # -- acting ------------------------------------------------------------------
    def act(self, call: Callable[[Any], Any], done: Callable[[Any], None] | None = None,
            success: str | None = None, *, finished: Callable[[], None] | None = None,
            loading: Any = None) -> None:
        """Run one backend write in a thread; report the outcome; reload on a stale edit
        (`finished`, `loading`: as `run_backend`'s)."""
        def acted(result: Any) -> None:
            if success:
                self.notify(escape(success))  # it names stored things
            if done:
                done(result)

        self.run_backend(call, acted, group="act", failed=self._not_acted, finished=finished, loading=loading)

    def _not_acted(self, exc: OncallError) -> None:
        if isinstance(exc, StaleEdit):
            self.notify(escape(exc.message), title="Changed meanwhile", severity="warning")
            self.reload()
        else:
            self.show_error(exc)


class SubmittingDialog(BackendWorkers, ModalScreen):
    """A dialog that sends what the user typed to the backend itself and closes only
    when the backend took it: a refusal is shown inside the dialog, with everything
    typed still there to correct (nothing a user entered is lost).

    Subclasses call `self.submit(values...)`; `call(backend, *values)` is given by the
    opener; the dialog dismisses with the backend's result.  Without a `call`, the
    dialog dismisses with the values themselves."""

    ERROR_ID = "dialog-error"

    def __init__(self, call: Callable[..., Any] | None = None) -> None:
        super().__init__()
        self.call = call

    def error_widget(self) -> Static:
        return Static("", id=self.ERROR_ID, classes="error")

    def submit(self, *values: Any) -> None:
        if self.call is None:
            self.dismiss(values[0] if len(values) == 1 else values)
            return
        call = self.call
        self.run_backend(lambda backend: call(backend, *values), self.dismiss, group="submit", exclusive=True,
                         failed=self.refused)

    def refused(self, exc: OncallError) -> None:

        try:
            self.query_one(f"#{self.ERROR_ID}", Static).update(escape(f"Not saved: {exc.message}"))
        except Exception:
            report_problem(self, exc, title="Not saved")
