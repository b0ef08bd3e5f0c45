"""Small questions the card actions ask: a tag (typed, with completion from the tags in use) and
a level (picked from the three, or none)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from flashprep.tui.screens import SHARED_CSS
from flashprep.tui.widgets.card import HELP_KEYS, KeyBar
from flashprep.tui.widgets.plain import PlainStatic

LEVELS = ("junior", "mid", "senior")
NO_LEVEL = ""
"""What LevelPrompt returns for "no level" (None means cancelled)."""

PROMPT_CSS = """
#card-prompt-title {
    text-style: bold;
    padding: 1 0;
}
#card-prompt-hint {
    color: $text-muted;
    padding: 1 0 0 0;
}
#card-prompt OptionList {
    height: auto;
}
"""


class TagPrompt(ModalScreen[str | None]):
    """Ask for one tag; Tab (or →) completes from `tags`. Returns the tag, or None (cancelled)."""

    CSS_PATH = SHARED_CSS
    DEFAULT_CSS = PROMPT_CSS
    HELP = "## Tag\n\nType a tag (→ completes one in use); **Enter** applies; **Escape** cancels."
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel_tag"), *HELP_KEYS]

    def __init__(self, title: str, tags: list[str]) -> None:
        super().__init__()
        self.title_text = title
        self.tags = tags

    def compose(self) -> ComposeResult:
        with Vertical(id="card-prompt", classes="dialog"):
            yield PlainStatic(self.title_text, id="card-prompt-title")
            yield Input(
                placeholder="tag",
                suggester=SuggestFromList(self.tags, case_sensitive=False),
                id="tag-input",
            )
            yield PlainStatic("Enter applies · → completes · Escape cancels", id="card-prompt-hint")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        tag = event.value.strip()
        if tag:
            self.dismiss(tag)

    def action_cancel(self) -> None:
        self.dismiss(None)


class LevelPrompt(ModalScreen[str | None]):
    """Pick a level, or none (NO_LEVEL); None when cancelled."""

    CSS_PATH = SHARED_CSS
    DEFAULT_CSS = PROMPT_CSS
    HELP = "## Level\n\n**Enter** sets the highlighted level; **Escape** cancels."
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel_level"), *HELP_KEYS]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="card-prompt", classes="dialog"):
            yield PlainStatic(self.title_text, id="card-prompt-title")
            yield OptionList(
                *[Option(Content(level), id=level) for level in LEVELS],
                Option(Content("no level"), id="none"),
                id="level-list",
            )
        yield KeyBar()

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        chosen = event.option.id
        self.dismiss(NO_LEVEL if chosen in (None, "none") else chosen)

    def action_cancel(self) -> None:
        self.dismiss(None)
