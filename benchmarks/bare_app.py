"""The yardstick: a minimal Textual app whose one Static shows a line of text.

For start-up it shows its text and waits. For grading, Space and 3 change the text the way the
drill changes its question and grades (the smallest screen change a key can cause), so the
benchmark can time a key to the text drawn on the same terminal and machine.
"""

from textual.app import App, ComposeResult
from textual.widgets import Static

TEXT = "A bare Textual app is ready"


class BareApp(App[None]):
    number = 0

    def compose(self) -> ComposeResult:
        yield Static(TEXT)

    def on_key(self, event: object) -> None:
        key = getattr(event, "key", "")
        if key == "space":
            self.query_one(Static).update(f"Q{self.number}. 3 Good \u00b7 1d")
        elif key == "3":
            self.number += 1
            self.query_one(Static).update(f"Q{self.number}. next")


if __name__ == "__main__":
    BareApp().run()
