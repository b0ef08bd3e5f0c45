"""Leeches: cards forgotten again and again, which cost more time than they teach.

As in Anki, a card becomes a leech when a lapse brings it to the threshold, and is flagged again
every half threshold after that; by the user's setting it is then suspended (a log entry, undone
with the grade) or only reported, with a hint of what to do about it.
"""

from __future__ import annotations

from typing import NamedTuple

LEECH_HINT = "rewrite it, split it into smaller cards, or add a hint"


class LeechEvent(NamedTuple):
    """A grade that made a card a leech."""

    key: str
    lapses: int
    suspended: bool

    def message(self) -> str:
        done = "suspended" if self.suspended else "marked (find it with is:leech)"
        return f"Leech: forgotten {self.lapses} times, {done}. Try to {LEECH_HINT}."


def is_leech(lapses: int, threshold: int) -> bool:
    """Whether a card with this many lapses is a leech (for `is:leech`, statistics)."""
    return threshold > 0 and lapses >= threshold


def becomes_leech(before: int, after: int, threshold: int) -> bool:
    """Whether a grade that took a card's lapses from `before` to `after` flags it: at the
    threshold, then every half threshold (at least 1) beyond it."""
    if threshold <= 0 or after <= before or after < threshold:
        return False
    return (after - threshold) % max(1, threshold // 2) == 0
