"""`?`: the current screen's help text and its keys."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Markdown

from flashprep.tui.screens import SHARED_CSS
from flashprep.tui.widgets.card import KeyBar


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

    BINDINGS = [
        Binding("escape", "dismiss_help", "Close", id="close_help"),
        Binding("question_mark", "dismiss_help", "Close", show=False, id="close_help_q"),
        Binding("q", "dismiss_help", "Close", show=False, id="close_help_qq"),
        Binding("f1", "dismiss_help", "Close", show=False, id="close_help_f1"),
    ]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        text = (self.under.HELP or "## flashprep") + "\n\n### Keys\n\n" + keys_list(self.under)
        text += (
            "\n\n**F1** opens this help where `?` would type into a text field. **ctrl+p** opens"
            " the command palette (themes, keys); **ctrl+q** quits."
        )
        with VerticalScroll(id="help", classes="dialog"):
            yield Markdown(text, open_links=False)
        yield KeyBar()

    def action_dismiss_help(self) -> None:
        self.dismiss()
