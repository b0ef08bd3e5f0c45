"""cache/queue.json: each deck's first drill queue as last read from the state cache's columns.

A drill's first queue is a pure function of the checkpoint's card states (the state cache's
columns), a deck's cards (its index), the study day, the day's end and the new-card limit
(statecache.StateColumns.drill_queue). At 50,000 cards finding it is a pass over every card
and the key of every card: about 8% of the instructions to the first card on screen. Here the
answer of each deck is kept, keyed by all of these: by the stamp of the state.toml the columns
were made from, the deck index's own key (its format and the stamps of the deck file and of its
overrides), the day and the day's end. Anything else gives another key, so a stale answer is
never read: a grade or an undo is in the log, and the columns are not used until a checkpoint
gives a new stamp; an import, an edit, a suspension, a sync merge or a hand edit changes a
stamp too. The new cards are kept up to the limit they were found with: a smaller limit takes
their first ones (the first new cards in deck order, as the columns give them). The reviews due
are kept sorted by (due time, key), only the first ones up to the day's review limit they were
found with, and their number: a backlog of 40,000 reviews due is a day's 500 (a drill takes
the most overdue first, up to the limit, and counts the rest as held back); a larger limit
finds them again.

The file is derived: read whole or not at all, written atomically (without an fsync) when the
user's files are released, never the record; deleting it costs one slower start.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flashprep.core.files.fileio import atomic_write, ensure_dir

FORMAT = 2

Queue = tuple[list[str], list[tuple[float, str]], list[str]]
"""New cards, reviews due (due time stamp, key) and learning cards due: StateColumns.drill_queue."""

Kept = tuple[list[str], list[tuple[float, str]], list[str], int]
"""A Queue whose reviews due are the first ones by (due time, key), up to a review limit at
least, and the number of all of them."""


def first_reviews(found: Queue, review_limit: int) -> Kept:
    """`found` with its reviews sorted and cut to the first `review_limit`, and their number."""
    new, due, learning = found
    due.sort()
    return new, due[:review_limit], learning, len(due)


class FirstQueues:
    """The first queues found from one state cache file, for one study day and day's end, by
    deck; and the rows of their cards in that file.

    `source` names the file: the stamp of the state.toml it was made from and its own (size
    and mtime). Only a process that loaded that file whole writes this one, so a file that
    matches also says that the state cache was checked (statecache.load's `hints`)."""

    def __init__(self, path: Path, source: list[int]) -> None:
        self.path = path
        self.source = source
        self.day: int | None = None
        self.end: float | None = None
        self.decks: dict[str, Any] = {}
        self.rows: dict[str, int] = {}
        """Each kept card's row in the state cache (-1: none), so none is looked up."""
        self.changed = False
        with contextlib.suppress(OSError, ValueError, TypeError, KeyError, AttributeError):
            data = json.loads(path.read_bytes())
            if data["v"] == FORMAT and data["state"] == source:
                decks, rows = data["decks"], data["rows"]
                if isinstance(decks, dict) and isinstance(rows, dict):
                    self.day, self.end = data["day"], data["end"]
                    self.decks, self.rows = decks, rows

    def queue(
        self,
        deck: str,
        deck_key: Any,
        day: int,
        end: float,
        new_limit: int,
        review_limit: int,
        find: Callable[[int], Queue],
        row_of: Callable[[str], int | None],
    ) -> Kept:
        """The deck's first queue on `day` (ending at `end`): the one kept, when kept for
        `deck_key` and enough new cards and reviews, else `find(new_limit)`'s (kept for the
        next start, its reviews cut to `review_limit`, with the rows of its cards, `row_of`)."""
        if (day, end) != (self.day, self.end):
            self.day, self.end, self.decks = day, end, {}
        kept = self._kept(deck, deck_key, new_limit, review_limit)
        if kept is not None:
            return kept
        new, due, learning, reviews = first_reviews(find(new_limit), review_limit)
        self.decks[deck] = {
            "index": deck_key,
            "limit": new_limit,
            "new": new,
            "due": due,
            "learning": learning,
            "reviews": reviews,
            "review_limit": review_limit,
        }
        for key in [*new, *(key for _, key in due), *learning]:
            if key not in self.rows:
                row = row_of(key)
                self.rows[key] = -1 if row is None else row
        self.changed = True
        return list(new), list(due), list(learning), reviews

    def _kept(self, deck: str, deck_key: Any, new_limit: int, review_limit: int) -> Kept | None:
        entry = self.decks.get(deck)
        try:
            if entry is None or entry["index"] != deck_key or deck_key is None:
                return None
            new, due, learning = entry["new"], entry["due"], entry["learning"]
            limit = entry["limit"]
            if type(limit) is not int or not (new_limit <= limit or len(new) < limit):
                return None
            if not (_strings(new) and _strings(learning)):
                return None
            reviews = [(when, key) for when, key in due]
            if not _strings([key for _, key in reviews]):
                return None
            if not all(type(when) is float for when, _ in reviews):
                return None
            count, cut = entry["reviews"], entry["review_limit"]
            if type(count) is not int or type(cut) is not int or len(reviews) != min(count, cut):
                return None
            if review_limit > cut and count > cut:  # more asked for than was kept
                return None
            return new[:new_limit], reviews, list(learning), count
        except (KeyError, TypeError, ValueError):
            return None

    def save(self) -> None:
        """Write the file if a queue was found since it was read (errors ignored: derived)."""
        if not self.changed:
            return
        data = {
            "v": FORMAT,
            "state": self.source,
            "day": self.day,
            "end": self.end,
            "decks": self.decks,
            "rows": self.rows,
        }
        with contextlib.suppress(OSError):
            ensure_dir(self.path.parent)
            atomic_write(self.path, json.dumps(data, separators=(",", ":")).encode(), durable=False)
        self.changed = False


def _strings(values: Any) -> bool:
    return isinstance(values, list) and all(type(v) is str for v in values)
