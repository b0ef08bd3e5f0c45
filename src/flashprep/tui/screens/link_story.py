"""Linking stories to a question: mark the stories that answer it, or write a new one."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import SelectionList
from textual.widgets.selection_list import Selection

from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.interview.stories import StoryBank
from flashprep.core.text import clean, one_line
from flashprep.tui.screens import SHARED_CSS
from flashprep.tui.widgets.card import HELP_KEYS, KeyBar
from flashprep.tui.widgets.plain import PlainStatic

if TYPE_CHECKING:
    from flashprep.tui.session import Session

LinkResult = set[str] | Literal["new"] | None


class LinkStoryScreen(ModalScreen[LinkResult]):
    CSS_PATH = SHARED_CSS
    HELP = """\
## Link stories

Mark with **Space** every story that answers this question; **Enter** saves the links. A story can
answer many questions, and a question can have several stories. **n** writes a new story linked
to this question; **Escape** cancels.
"""

    BINDINGS = [
        Binding("enter", "save", "Save links", id="save_links", priority=True),
        Binding("n", "new", "New story", id="new_linked_story"),
        Binding("escape", "cancel", "Cancel", id="cancel_links"),
        *HELP_KEYS,
    ]

    def __init__(self, question: str, bank: StoryBank, card_key: str) -> None:
        super().__init__()
        self.question = question
        self.bank = bank
        self.card_key = card_key

    def compose(self) -> ComposeResult:
        linked = {s.id for s in self.bank.for_question(self.card_key)}
        with Vertical(id="link-stories", classes="dialog"):
            first_line = clean(self.question).strip().splitlines()[0] if self.question else ""
            yield PlainStatic(f"Stories that answer: {first_line}", id="link-title")
            yield SelectionList[str](
                *[
                    Selection(Content(clean(s.title)), s.id, s.id in linked)
                    for s in self.bank.stories
                ],
                id="link-list",
            )
            hint = "Space marks · Enter saves · n writes a new story · Escape cancels"
            if not self.bank.stories:
                hint = "No stories yet: n writes one, linked to this question."
            yield PlainStatic(hint, id="link-hint")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_save(self) -> None:
        self.dismiss(set(self.query_one(SelectionList).selected))

    def action_new(self) -> None:
        self.dismiss("new")

    def action_cancel(self) -> None:
        self.dismiss(None)


def link_stories(
    screen: Screen[Any], session: Session, card_key: str, on_done: Callable[[], None]
) -> None:
    """Open the link picker for a question (over `screen`) and save what the user chose."""
    from flashprep.tui.screens.story_form import open_story_form  # deferred: pydantic

    try:
        bank = session.stories.load()
    except DataFileError as exc:
        screen.notify(one_line(str(exc)), title="Stories not read", severity="error", markup=False)
        return
    card = session.library.card(card_key)
    question = card.front if card is not None else card_key

    def chosen(result: LinkResult) -> None:
        if result is None:
            return
        if result == "new":
            open_story_form(screen, session, None, lambda _story: on_done(), link=card_key)
            return
        try:
            session.stories.save(session.stories.load().set_links(card_key, result))
        except (OSError, DataFileError) as exc:
            screen.notify(one_line(f"Links not saved: {exc}"), severity="error", markup=False)
            return
        screen.notify("Links saved.", timeout=2)
        on_done()

    screen.app.push_screen(LinkStoryScreen(question, bank, card_key), chosen)
