"""Requests a screen posts to the App, which owns the screen stack: screens ask for a place to
go and the App decides how to get there (see FlashprepApp's `@on` handlers). Plain classes, not
dataclasses: they are built on the start-up path, where a dataclass costs a few tenths of a ms."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from flashprep.core.interview.mockquestions import MockOptions
    from flashprep.core.study.customstudy import DrillOptions


class ShowDecks(Message):
    """Leave the current screen for the one it was opened from, or the home screen."""


class StartDrill(Message):
    """Open a drill of these decks (all decks when None), or of exactly the cards `keys` (those
    not suspended or buried, in that order) when given; `options` for custom study."""

    def __init__(
        self,
        deck_ids: list[str] | None = None,
        keys: list[str] | None = None,
        options: DrillOptions | None = None,
    ) -> None:
        super().__init__()
        self.deck_ids = deck_ids
        self.keys = keys
        self.options = options


class ShowStats(Message):
    """Open the statistics for one deck (all when None) over a named range."""

    def __init__(self, deck: str | None = None, range_name: str = "month") -> None:
        super().__init__()
        self.deck = deck
        self.range_name = range_name


class StartMock(Message):
    """Open a mock interview round with these options."""

    def __init__(self, options: MockOptions) -> None:
        super().__init__()
        self.options = options


class CheckpointDue(Message):
    """Rewrite the schedule checkpoint in the background (the log already holds every grade)."""
