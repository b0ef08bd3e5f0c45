"""The story form: title, the STAR parts in multi-line fields, competencies, tags, and the
behavioral questions the story answers; or the whole story as TOML in $EDITOR."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli_w
from pydantic import ValidationError
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, Label, SelectionList, Static, TextArea
from textual.widgets.selection_list import Selection

from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.interview.stories import (
    STAR_FIELDS,
    Story,
    behavioral_questions,
    new_story_id,
    story_from_toml,
)
from flashprep.core.text import clean, one_line
from flashprep.tui.editor import edit_in_editor, external_editor
from flashprep.tui.screens import SHARED_CSS
from flashprep.tui.screens.confirm import ConfirmScreen
from flashprep.tui.widgets.card import KeyBar
from flashprep.tui.widgets.plain import PlainStatic

if TYPE_CHECKING:
    from flashprep.core.decks.library import DeckLibrary
    from flashprep.tui.session import Session

PROMPTS = {
    "situation": "Situation: where and when; the context in two or three sentences",
    "task": "Task: what you had to achieve, and why it was hard",
    "action": "Action: what YOU did, step by step",
    "result": "Result: the outcome",
    "metrics": "Metrics: numbers that show the result",
    "lessons": "Lessons: what you learned, what you would do differently",
}


def split_words(text: str) -> list[str]:
    """`conflict, growth  empathy` -> ["conflict", "growth", "empathy"]."""
    return [w for w in re.split(r"[,\s]+", text) if w]


def first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    field = ".".join(str(p) for p in error["loc"]) or "story"
    return f"field {field!r}: {error['msg']}"


class StoryFormScreen(Screen[Story | None]):
    CSS_PATH = SHARED_CSS
    DEFAULT_CSS = """
    #story-form {
        padding: 0 1;
        max-width: 120;  /* fields of a readable width on a wide terminal */
    }
    #story-form-title {
        text-style: bold;
        color: $primary;
        padding: 1 0;
    }
    #story-form Label {
        padding: 1 0 0 0;
        color: $text-muted;
    }
    #story-form TextArea.star {
        height: 5;
    }
    #story-form SelectionList {
        height: auto;
        max-height: 16;
    }
    """

    HELP = """\
## Story

Write the story the STAR way: **Situation**, **Task**, **Action** (what *you* did), **Result**,
with the **metrics** that prove it and the **lessons** you took from it. The multi-line fields
take Enter; **Tab** moves to the next field.

- **Competencies** and **tags**: words separated by commas or spaces (e.g. `conflict, growth`).
  The coverage view (`c` in the story list) shows which competencies your stories show.
- **Questions**: **Space** marks the behavioral questions this story answers; the story then
  shows beside their model answer in drills.
- **ctrl+s** saves; **ctrl+o** edits the whole story as TOML in `$EDITOR`; **Escape** leaves
  (asking first when something changed).
"""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save_story", priority=True),
        Binding("ctrl+o", "external", "$EDITOR", id="story_editor", priority=True),
        Binding("escape", "cancel", "Cancel", id="cancel_story"),
    ]

    def __init__(
        self,
        story: Story,
        questions: list[tuple[str, str]],
        title: str,
        edit_folder: Path,
        open_editor: bool = False,
    ) -> None:
        super().__init__()
        self.edit_folder = edit_folder
        """Where $EDITOR's temporary file goes: the user's own cache folder, not the system's."""
        self.story = story
        self.questions = questions
        """(card key, question text) of every behavioral question, in deck order."""
        self.form_title = title
        self.open_editor = open_editor
        self.pending: str | None = None
        """$EDITOR text that did not validate, offered again by the next ctrl+o."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="story-form"):
            yield PlainStatic(self.form_title, id="story-form-title")
            yield Label("Title")
            yield Input(self.story.title, id="title", placeholder="A short name for the story")
            for name in STAR_FIELDS:
                yield Label(PROMPTS[name])
                yield TextArea(getattr(self.story, name), id=name, classes="star", soft_wrap=True)
            yield Label("Competencies (e.g. conflict, growth, ambiguity)")
            yield Input(", ".join(self.story.competencies), id="competencies")
            yield Label("Tags")
            yield Input(", ".join(self.story.tags), id="tags")
            yield Label("Questions this story answers (Space marks)")
            yield SelectionList[str](*self._selections(self.story), id="questions")
        yield PlainStatic("", id="form-error")
        yield KeyBar()

    def _selections(self, story: Story) -> list[Selection[str]]:
        known = {key for key, _ in self.questions}
        rows = [(key, clean(front).splitlines()[0][:90]) for key, front in self.questions]
        rows += [(key, f"(card not found) {key}") for key in story.questions if key not in known]
        linked = set(story.questions)
        return [Selection(Content(text), key, key in linked) for key, text in rows]

    def on_mount(self) -> None:
        self.query_one("#title", Input).focus()
        self.saved_values = self.values()
        if self.open_editor:
            self.call_after_refresh(self.action_external)

    # reading and filling the form

    def values(self) -> dict[str, Any]:
        """The form as story data (not validated)."""
        data: dict[str, Any] = {"id": self.story.id}
        data["title"] = self.query_one("#title", Input).value.strip()
        for name in STAR_FIELDS:
            data[name] = self.query_one(f"#{name}", TextArea).text
        data["competencies"] = split_words(self.query_one("#competencies", Input).value)
        data["tags"] = split_words(self.query_one("#tags", Input).value)
        chosen = set(self.query_one("#questions", SelectionList).selected)
        known = [key for key, _ in self.questions] + self.story.questions
        data["questions"] = [k for k in dict.fromkeys(known) if k in chosen]
        return data

    def fill(self, story: Story) -> None:
        self.query_one("#title", Input).value = story.title
        for name in STAR_FIELDS:
            self.query_one(f"#{name}", TextArea).text = getattr(story, name)
        self.query_one("#competencies", Input).value = ", ".join(story.competencies)
        self.query_one("#tags", Input).value = ", ".join(story.tags)
        selection = self.query_one("#questions", SelectionList)
        selection.clear_options()
        selection.add_options(self._selections(story))

    def show_error(self, text: str) -> None:
        self.query_one("#form-error", Static).update(text)

    # keys

    def action_save(self) -> None:
        try:
            story = Story.model_validate(self.values())
        except ValidationError as exc:
            self.show_error(first_error(exc))
            return
        self.dismiss(story)

    def action_external(self) -> None:
        editor = external_editor()
        if editor is None:
            self.notify("Set $EDITOR (or $VISUAL) to edit stories in your editor.", timeout=4)
            return
        if self.pending is not None:
            text = self.pending
        else:
            data = {k: v for k, v in self.values().items() if k != "id"}
            text = tomli_w.dumps(data, multiline_strings=True)
        edited = edit_in_editor(self.app, editor, text, "edit-story-", self.edit_folder)
        if edited is None:
            return
        try:
            story = story_from_toml(edited, self.story.id, "edited story")
        except DataFileError as exc:
            self.pending = edited
            self.show_error(f"{exc.reason} (ctrl+o reopens your text)")
            return
        self.pending = None
        self.fill(story)
        self.show_error("")
        if self.open_editor:
            self.dismiss(story)  # opened for $EDITOR from the list: a valid edit is saved

    def action_cancel(self) -> None:
        if self.values() == self.saved_values and self.pending is None:
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmScreen("Discard the changes to this story?"), answered)


def question_rows(library: DeckLibrary) -> list[tuple[str, str]]:
    """Every behavioral question: (card key, its text)."""
    rows = []
    for key in behavioral_questions(library):
        card = library.card(key)
        if card is not None:
            rows.append((key, card.front))
    return rows


def open_story_form(
    screen: Screen[Any],
    session: Session,
    story: Story | None,
    on_saved: Callable[[Story], None] | None = None,
    link: str | None = None,
    use_editor: bool = False,
) -> None:
    """Open the form on a story (a new one when None); save what it returns."""
    files = session.stories
    is_new = story is None
    if story is None:
        story = Story.model_construct(id="new", title="", questions=[link] if link else [])
        title = "New story"
    else:
        title = f"Story {story.id}"

    def saved(result: Story | None) -> None:
        if result is None:
            return
        try:
            bank = files.load()
            if is_new:
                result = result.model_copy(
                    update={"id": new_story_id(result.title, [s.id for s in bank.stories])}
                )
            files.save(bank.put(result))
        except (OSError, DataFileError) as exc:
            screen.notify(one_line(f"Story not saved: {exc}"), severity="error", markup=False)
            return
        screen.notify("Story saved.", timeout=2)
        if on_saved is not None:
            on_saved(result)

    form = StoryFormScreen(
        story,
        question_rows(session.library),
        title,
        session.store.paths.cache,
        open_editor=use_editor,
    )
    screen.app.push_screen(form, saved)
