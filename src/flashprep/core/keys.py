"""Card keys, `deck-id/card-id`: how a user's files (state, review log, stories, mock rounds) name
a card, and the guid flashprep gives a card it exports to Anki.

Kept here, below decks and storage, because both build and read keys; and plain `re` only, so it
costs nothing on the start path.
"""

from __future__ import annotations

import re

DECK_ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,79}$"
"""Deck ids: lower-case, safe as a file name and inside a TOML key."""

CARD_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$"
"""Card ids: stable within their deck; never contain `/` (the key is `deck/card`)."""

CARD_KEY = re.compile(DECK_ID_PATTERN[:-1] + "/" + CARD_ID_PATTERN[1:-1] + r"\Z")
"""A whole card key, `deck-id/card-id` (`\\Z`: `$` also matches before a final newline)."""

_OWN_GUID = "^flashprep:(" + DECK_ID_PATTERN[1:-1] + ")/(" + CARD_ID_PATTERN[1:-1] + ")$"
"""Compiled at its first use (by re's cache): only imports read guids."""


def card_key(deck_id: str, card_id: str) -> str:
    """The key a user's schedule uses for a card: `deck-id/card-id`."""
    return f"{deck_id}/{card_id}"


def split_key(key: str) -> tuple[str, str]:
    """A key's deck id and card id (a deck id never holds `/`; a card id never does either)."""
    deck_id, _, card_id = key.partition("/")
    return deck_id, card_id


def deck_of(key: str) -> str:
    """The deck id of a card key."""
    return key.partition("/")[0]


def own_guid(deck_id: str, card_id: str) -> str:
    """The Anki guid flashprep gives a card it exports (and recognises when it comes back)."""
    return f"flashprep:{deck_id}/{card_id}"


def parse_own_guid(guid: str) -> tuple[str, str] | None:
    """The deck and card of a guid flashprep gave, else None (most guids are Anki's: no regex
    is run for them)."""
    if not guid.startswith("flashprep:"):
        return None
    found = re.match(_OWN_GUID, guid)
    return (found.group(1), found.group(2)) if found else None
