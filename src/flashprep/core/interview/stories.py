"""A user's STAR story bank (users/<name>/stories.toml), its links to behavioral questions, and
the coverage of interview competencies by those stories.

Stories belong to one user and never touch a schedule: editing or deleting one changes nothing
in the review log. A story names the questions it answers by card key (`deck-id/card-id`), so a
story can answer many questions and a question can have many stories.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from flashprep.core.decks.deck import CardKey, Tag, unique_ids
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.files.fileio import stat_stamp
from flashprep.core.files.tomlmodel import TomlFile, toml_text
from flashprep.core.paths import UserPaths
from flashprep.core.text import clean, one_line

STORIES_FORMAT = 1

COMPETENCIES: tuple[str, ...] = (
    "motivation",
    "proactivity",
    "ambiguity",
    "perseverance",
    "conflict",
    "empathy",
    "growth",
    "communication",
)
"""The competencies behavioral interviews probe most; the coverage view always lists them."""

STAR_FIELDS: tuple[str, ...] = ("situation", "task", "action", "result", "metrics", "lessons")

StoryId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,79}$")]
LongText = Annotated[str, StringConstraints(max_length=20_000)]


class Story(BaseModel):
    """One story told the STAR way, with what it shows and the questions it answers."""

    model_config = ConfigDict(extra="forbid")

    id: StoryId
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    situation: LongText = ""
    task: LongText = ""
    action: LongText = ""
    result: LongText = ""
    metrics: LongText = ""
    lessons: LongText = ""
    competencies: list[Tag] = Field(default_factory=list)
    tags: list[Tag] = Field(default_factory=list)
    questions: list[CardKey] = Field(default_factory=list)
    """Card keys of the behavioral questions this story answers."""

    @field_validator("title")
    @classmethod
    def _title_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return one_line(value)  # a title is shown on one line, by the TUI and `stories`

    @field_validator(*STAR_FIELDS)
    @classmethod
    def _clean(cls, value: str) -> str:
        return clean(value)  # a story is file text: no escapes reach the terminal

    @field_validator("competencies", "tags", "questions")
    @classmethod
    def _no_repeats(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(values))


class StoryBank(BaseModel):
    """stories.toml: the format version and the stories, ids unique."""

    model_config = ConfigDict(extra="forbid")

    format: Literal[1] = 1
    stories: list[Story] = Field(default_factory=list)

    @field_validator("stories")
    @classmethod
    def _unique_ids(cls, stories: list[Story]) -> list[Story]:
        return unique_ids(stories, "story")

    def get(self, story_id: str) -> Story | None:
        return next((s for s in self.stories if s.id == story_id), None)

    def for_question(self, card_key: str) -> list[Story]:
        """The stories linked to a question."""
        return [s for s in self.stories if card_key in s.questions]

    def put(self, story: Story) -> StoryBank:
        """A bank with `story` added, or replacing the one with its id (in place)."""
        stories = list(self.stories)
        for index, old in enumerate(stories):
            if old.id == story.id:
                stories[index] = story
                break
        else:
            stories.append(story)
        return StoryBank(stories=stories)

    def remove(self, story_id: str) -> StoryBank:
        return StoryBank(stories=[s for s in self.stories if s.id != story_id])

    def set_links(self, card_key: str, story_ids: set[str]) -> StoryBank:
        """A bank where exactly the stories in `story_ids` answer the question `card_key`."""
        stories = []
        for story in self.stories:
            linked = card_key in story.questions
            if story.id in story_ids and not linked:
                story = story.model_copy(update={"questions": [*story.questions, card_key]})
            elif story.id not in story_ids and linked:
                kept = [q for q in story.questions if q != card_key]
                story = story.model_copy(update={"questions": kept})
            stories.append(story)
        return StoryBank(stories=stories)


def new_story_id(title: str, taken: set[str] | list[str]) -> str:
    """An id made from the title ("Led the payments migration" -> "led-the-payments-migration")."""
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60].strip("-") or "story"
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base}-{n}"
        n += 1
    return candidate


# --- files ---------------------------------------------------------------------------------------


STORY_BANK = TomlFile(
    StoryBank,
    items="stories",
    noun="story",
    header="# flashprep story bank: your STAR stories. See docs/storage-format.md.\n",
    multiline=True,
)
"""users/<name>/stories.toml."""

EDITED_STORY = TomlFile(Story, noun="story", multiline=True)
"""One story as its own TOML document, edited in $EDITOR."""


def parse_stories(raw: bytes, path: Path | str) -> StoryBank:
    """Validate stories TOML; raise DataFileError naming the line, the story and the field."""
    return STORY_BANK.parse(raw, path)


def load_stories(path: Path) -> StoryBank:
    """The user's stories; an empty bank when the file does not exist yet."""
    return STORY_BANK.read(path, missing=StoryBank)


def stories_to_toml(bank: StoryBank) -> bytes:
    return STORY_BANK.dumps(bank)


def save_stories(path: Path, bank: StoryBank) -> None:
    STORY_BANK.write(path, bank)


def story_to_toml(story: Story) -> str:
    """One story as a TOML document, for editing in $EDITOR."""
    return toml_text(story.model_dump(), multiline=True)


def story_from_toml(text: str, story_id: str, where: str = "edited story") -> Story:
    """Validate an edited story; its id may not change (questions and files refer to it)."""
    return EDITED_STORY.parse_edited(text, story_id, where)


class StoryFile:
    """A user's stories.toml, re-read only when it changed on disk."""

    def __init__(self, folder: Path) -> None:
        self.path = UserPaths(folder).stories
        self._stamp: list[int] | None = None
        self._bank = StoryBank()

    def load(self) -> StoryBank:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            self._stamp, self._bank = None, StoryBank()
            return self._bank
        stamp = stat_stamp(st)
        if stamp != self._stamp:
            self._bank = load_stories(self.path)
            self._stamp = stamp
        return self._bank

    def save(self, bank: StoryBank) -> None:
        save_stories(self.path, bank)
        self._bank = bank
        self._stamp = stat_stamp(self.path.stat())


# --- coverage ------------------------------------------------------------------------------------


def behavioral_questions(library: DeckLibrary) -> list[str]:
    """Card keys of every card in a behavioral deck, in deck order."""
    return library.card_keys(d.id for d in library if d.deck.category == "behavioral")


@dataclass
class Coverage:
    """Which competencies the stories show, and which behavioral questions have no story."""

    competencies: list[str]
    stories: list[Story]
    cells: dict[tuple[str, str], str] = field(default_factory=dict)
    """(competency, story id) -> "declared" (the story names it) or "linked" (a question the
    story answers is tagged with it)."""
    unlinked: list[str] = field(default_factory=list)
    """Behavioral questions no story answers."""

    def stories_for(self, competency: str) -> list[str]:
        return [s.id for s in self.stories if (competency, s.id) in self.cells]

    @property
    def uncovered(self) -> list[str]:
        """Competencies no story shows."""
        return [c for c in self.competencies if not self.stories_for(c)]


def coverage(bank: StoryBank, library: DeckLibrary) -> Coverage:
    """The competency × story grid: the standard competencies, then the behavioral decks' tags."""
    questions = behavioral_questions(library)
    tags: list[str] = []
    for key in questions:
        card = library.card(key)
        if card is not None:
            tags.extend(card.tags)
    for story in bank.stories:
        tags.extend(story.competencies)
    extra = sorted({t for t in tags if t not in COMPETENCIES and t != "behavioral"})
    result = Coverage([*COMPETENCIES, *extra], list(bank.stories))
    for story in bank.stories:
        for competency in story.competencies:
            result.cells[(competency, story.id)] = "declared"
        for key in story.questions:
            card = library.card(key)
            for tag in card.tags if card is not None else []:
                result.cells.setdefault((tag, story.id), "linked")
    linked = {q for s in bank.stories for q in s.questions}
    result.unlinked = [q for q in questions if q not in linked]
    return result
