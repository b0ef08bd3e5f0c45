"""What a deck and its cards must be, as plain values: the one place both the validated models
(decks/deck.py, pydantic) and the plain records (decks/record.py, index.py) take them from."""

from __future__ import annotations

from typing import Protocol

TAG_PATTERN = r"^[^\s\x00-\x1f]{1,80}$"
MAX_TEXT = 100_000
"""The most characters a card's front or back may hold."""
MAX_NAME = 200
"""The most characters a deck's name may hold."""

CATEGORIES: tuple[str, ...] = ("behavioral", "technical", "system-design", "general")
"""Deck categories (the deck model's `Category`), here so that start-up needs no pydantic."""

DEFAULT_TARGET_SECONDS: dict[str, int] = {
    "behavioral": 120,
    "technical": 60,
    "system-design": 300,
    "general": 90,
}


class _HasTarget(Protocol):
    @property
    def target_seconds(self) -> int | None: ...


def target_seconds(card: _HasTarget, category: str) -> int:
    """The time to aim for when answering aloud: the card's own, else its deck category's."""
    return card.target_seconds or DEFAULT_TARGET_SECONDS.get(category, 60)
