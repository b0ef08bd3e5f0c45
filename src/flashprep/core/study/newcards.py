"""Gathering a drill's new cards across its decks, fairly, under the user's and each deck's limits.

Without this, a drill of several decks takes the day's new cards from the first deck only (its
cards come first in the library's order). Pure: the caller lists each deck's new cards.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import date


def gather_new(
    by_deck: Mapping[str, Sequence[str]],
    total: int,
    deck_left: Mapping[str, int] | None = None,
    order: str = "round-robin",
    seed: int = 0,
    day: date | None = None,
) -> list[str]:
    """Up to `total` new cards from the decks' lists (each in its deck's order).

    `deck_left` caps a deck (a deck not in it has no cap of its own). `order`: "round-robin"
    takes one card from each deck in turn, "deck" empties the decks one after another, "random"
    draws from all of them, the same draw all day (seeded by the user's seed and `day`).
    """
    deck_left = deck_left or {}
    room = {deck: deck_left.get(deck, len(keys)) for deck, keys in by_deck.items()}
    out: list[str] = []
    if total <= 0:
        return out
    if order == "random":
        pool = [(deck, key) for deck, keys in by_deck.items() for key in keys]
        random.Random(f"{seed}:{day}").shuffle(pool)
        for deck, key in pool:
            if room[deck] > 0:
                room[deck] -= 1
                out.append(key)
                if len(out) == total:
                    break
        return out
    if order == "deck":
        for deck, keys in by_deck.items():
            out += keys[: max(0, min(room[deck], total - len(out)))]
        return out
    position = dict.fromkeys(by_deck, 0)
    while len(out) < total:
        took = False
        for deck, keys in by_deck.items():
            i = position[deck]
            if i < len(keys) and i < room[deck] and len(out) < total:
                out.append(keys[i])
                position[deck] = i + 1
                took = True
        if not took:
            break
    return out
