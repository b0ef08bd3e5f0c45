"""Requests a screen posts to the App, which owns the screen stack: screens ask for a place to
go and the App decides how to get there (see FlashprepApp's `@on` handlers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from flashprep.core.interview.mockquestions import MockOptions


class ShowDecks(Message):
    """Leave the current screen for the one it was opened from, or the home screen."""


@dataclass
class StartDrill(Message):
    """Open a drill of these decks (all decks when None)."""

    deck_ids: list[str] | None = None


@dataclass
class ShowStats(Message):
    """Open the statistics for one deck (all when None) over a named range."""

    deck: str | None = None
    range_name: str = "month"


@dataclass
class StartMock(Message):
    """Open a mock interview round with these options."""

    options: MockOptions


class CheckpointDue(Message):
    """Rewrite the schedule checkpoint in the background (the log already holds every grade)."""
