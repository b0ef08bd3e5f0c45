"""The settings a drill reads beyond the daily limits: new-card order, leeches, per-deck limits.

Read in this one place, with their defaults, so that the drill does not care whether a profile
written before these settings existed holds them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from flashprep.core.storage.usersettings import UserSettings

ORDERS = ("round-robin", "deck", "random")
"""How new cards are gathered across the decks of one drill."""
LEECH_ACTIONS = ("tag", "suspend")


class DeckLimit(NamedTuple):
    """One deck's own daily limits, on top of the user's (None: only the user's apply)."""

    new_per_day: int | None = None
    reviews_per_day: int | None = None


class StudySettings(NamedTuple):
    new_card_order: str = "round-robin"
    leech_lapses: int = 8
    leech_action: str = "tag"
    deck_limits: Mapping[str, DeckLimit] = {}


def _deck_limit(value: Any) -> DeckLimit:
    """A deck's limits from a table (a dict) or an object with the two attributes."""
    if isinstance(value, Mapping):
        return DeckLimit(value.get("new_per_day"), value.get("reviews_per_day"))
    return DeckLimit(getattr(value, "new_per_day", None), getattr(value, "reviews_per_day", None))


def study_settings(settings: UserSettings) -> StudySettings:
    """The study settings of a user (the defaults for any a profile does not hold)."""
    default = StudySettings()
    limits = getattr(settings, "deck_limits", None) or {}
    return StudySettings(
        getattr(settings, "new_card_order", default.new_card_order),
        getattr(settings, "leech_lapses", default.leech_lapses),
        getattr(settings, "leech_action", default.leech_action),
        {deck: _deck_limit(value) for deck, value in limits.items()},
    )
