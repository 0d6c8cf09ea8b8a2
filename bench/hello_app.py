"""The baseline for start-up: a bare Textual app that paints one line and waits for ctrl+q."""
from textual.app import App, ComposeResult
from textual.widgets import Static


class HelloApp(App):
    def compose(self) -> ComposeResult:
        yield Static("Hello from a bare Textual app")


if __name__ == "__main__":
    HelloApp().run()
