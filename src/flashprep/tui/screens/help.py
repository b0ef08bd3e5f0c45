"""`?`: the current screen's help text and its keys."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Markdown

from flashprep.tui.screens import SHARED_CSS


def keys_list(screen: Screen[object]) -> str:
    rows: list[str] = []
    seen: set[str] = set()
    bindings = [*screen.BINDINGS, *screen.app.BINDINGS]
    for binding in bindings:
        if not isinstance(binding, Binding) or not binding.description:
            continue
        if binding.description in seen:
            continue
        seen.add(binding.description)
        rows.append(f"- `{screen.app.get_key_display(binding)}` {binding.description}")
    return "\n".join(rows)


class HelpScreen(ModalScreen[None]):
    CSS_PATH = SHARED_CSS
    DEFAULT_CSS = """
    #help {
        width: 90%;
        max-width: 100;  /* a readable measure on a wide terminal */
        height: 85%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    """

    BINDINGS = [
        Binding("escape", "dismiss_help", "Close", id="close_help"),
        Binding("question_mark", "dismiss_help", "Close", show=False, id="close_help_q"),
        Binding("q", "dismiss_help", "Close", show=False, id="close_help_qq"),
    ]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        text = (self.under.HELP or "## flashprep") + "\n\n### Keys\n\n" + keys_list(self.under)
        text += "\n\n**ctrl+p** opens the command palette (themes, keys); **ctrl+q** quits."
        with VerticalScroll(id="help"):
            yield Markdown(text, open_links=False)
        yield Footer()

    def action_dismiss_help(self) -> None:
        self.dismiss()
