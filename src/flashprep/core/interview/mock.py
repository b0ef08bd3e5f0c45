"""Mock interviews: a round in progress, logging its answers apart from the schedule, and keeping
each round in the user's history (users/<name>/mock/<started>.toml). Its questions are chosen by
mockchoice.py.

A round's grades go to the review log with `mode = "mock"`, which the schedule ignores; applying
the round at the end grades the same cards again as ordinary reviews (without a time, which the
mock entries already hold), so FSRS then counts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from flashprep.core.decks.deck import CardKey, DeckId
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.files.fileio import atomic_write
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.files.tomlmodel import TomlFile
from flashprep.core.interview.mockquestions import (
    MAX_MINUTES,
    MAX_PER_CATEGORY,
    MockOptions,
    choose_questions,
)
from flashprep.core.interview.timing import card_target, is_over
from flashprep.core.scheduling.scheduler import RATING_OF, Rating
from flashprep.core.storage.userstore import UserStore

MOCK_FORMAT = 1


# --- the round record ----------------------------------------------------------------------------


class MockAnswer(BaseModel):
    """One question of a round: how long the answer took, how it was rated, whether it ran over."""

    model_config = ConfigDict(extra="forbid")

    card: CardKey
    rating: Annotated[int, Field(ge=1, le=4)]
    ms: Annotated[int, Field(ge=0, lt=10**9)]
    target_seconds: Annotated[int, Field(ge=1, le=3600)]
    over: bool


class MockRecord(BaseModel):
    """mock/<started>.toml: one round, rewritten after every answer."""

    model_config = ConfigDict(extra="forbid")

    format: Literal[1] = 1
    started: datetime
    minutes: Annotated[int, Field(ge=1, le=MAX_MINUTES)]
    decks: list[DeckId] = Field(default_factory=list)
    """The decks drawn from; empty means all."""
    mix: dict[str, Annotated[int, Field(ge=1, le=MAX_PER_CATEGORY)]] = Field(default_factory=dict)
    questions: list[CardKey] = Field(default_factory=list)
    finished: bool = False
    applied: bool = False
    """Whether the answers were applied to the schedule."""
    answers: list[MockAnswer] = Field(default_factory=list)


MOCK_ROUND = TomlFile(
    MockRecord,
    items="answers",
    noun="answer",
    header="# flashprep mock interview: one round. See docs/storage-format.md.\n",
)
"""users/<name>/mock/<started>.toml."""


def record_to_toml(record: MockRecord) -> bytes:
    data = record.model_dump()
    data["started"] = record.started.astimezone(UTC)
    if not data["mix"]:
        del data["mix"]
    return MOCK_ROUND.dumps(data)


def load_record(path: Path) -> MockRecord:
    """Read one round; raise DataFileError naming the line, the answer and the field."""
    return MOCK_ROUND.read(path)


def mock_folder(store: UserStore) -> Path:
    return store.paths.mock


def load_history(store: UserStore) -> tuple[list[tuple[Path, MockRecord]], list[DataFileError]]:
    """Every round of the user, oldest first, and the files that could not be read."""
    folder = mock_folder(store)
    rounds: list[tuple[Path, MockRecord]] = []
    errors: list[DataFileError] = []
    if folder.is_dir():
        for path in sorted(folder.glob("*.toml")):
            try:
                rounds.append((path, load_record(path)))
            except DataFileError as exc:
                errors.append(exc)
    return rounds, errors


def _record_path(store: UserStore, started: datetime) -> Path:
    folder = mock_folder(store)
    stem = started.astimezone(UTC).strftime("%Y-%m-%dT%H%M%SZ")
    path, n = folder / f"{stem}.toml", 2
    while path.exists():
        path = folder / f"{stem}-{n}.toml"
        n += 1
    return path


@dataclass
class MockRound:
    """A round in progress: the questions, the answers so far, and where the round is kept."""

    library: DeckLibrary
    store: UserStore
    record: MockRecord
    path: Path

    @classmethod
    def start(
        cls,
        library: DeckLibrary,
        store: UserStore,
        options: MockOptions,
        seed: int | None = None,
    ) -> MockRound:
        now = store.now()
        questions = choose_questions(library, store, options, now, seed)
        record = MockRecord(
            started=now.replace(microsecond=0),
            minutes=options.minutes,
            decks=list(options.deck_ids or []),
            mix=dict(options.mix),
            questions=questions,
        )
        return cls(library, store, record, _record_path(store, now))

    @property
    def questions(self) -> list[str]:
        return self.record.questions

    @property
    def answers(self) -> list[MockAnswer]:
        return self.record.answers

    @property
    def current(self) -> str | None:
        """The question being asked, or None when the round is over."""
        index = len(self.record.answers)
        if self.record.finished or index >= len(self.questions):
            return None
        return self.questions[index]

    def target(self, key: str) -> int:
        return card_target(self.library, key) or 60

    def answer(self, rating: Rating, ms: int) -> MockAnswer:
        """Log the answer apart from the schedule (durably), then keep it in the round."""
        key = self.current
        if key is None:
            raise RuntimeError("the round is over")
        ms = max(0, min(ms, 3_600_000))
        self.store.record(key, "grade", rating, ms, mode="mock")
        target = self.target(key)
        answer = MockAnswer(
            card=key, rating=int(rating), ms=ms, target_seconds=target, over=is_over(ms, target)
        )
        self.record.answers.append(answer)
        self.save()
        return answer

    def finish(self) -> None:
        """End the round (time up, all asked, or stopped early) and keep it."""
        self.record.finished = True
        self.save()

    def apply(self) -> int:
        """Grade the answered cards for real, once: the schedule now counts the round.

        Returns how many grades were added. Each grade's log id is derived from the round and
        the answer (`apply_id`), and all are appended at once (see UserStore.grade_once): a
        full disk part-way adds none, and a retry after a failure, even after the grades but
        before `applied = true` was saved, adds only what is not in the log yet.
        """
        if self.record.applied:
            return 0
        grades = [
            (self.apply_id(index), answer.card, RATING_OF[answer.rating])
            for index, answer in enumerate(self.record.answers)
        ]
        count = self.store.grade_once(grades)
        self.record.applied = True
        try:
            self.save()
        except BaseException:
            self.record.applied = False  # as the file still says: a retry saves it again
            raise
        return count

    def apply_id(self, index: int) -> str:
        """The log id of the applied grade of answer `index`: the round's file name (unique
        per user) and the answer's place in it."""
        return f"apply-{self.path.stem}-{index}"

    def save(self) -> None:
        atomic_write(self.path, record_to_toml(self.record))
