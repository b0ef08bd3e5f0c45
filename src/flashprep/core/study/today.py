"""What each deck can be studied for today: new cards the limits still allow, learning cards and
reviews due, as a drill of that deck alone would hold them (the home screen shows these, not only
the totals, so that a spent limit shows before the drill is opened)."""

from __future__ import annotations

from typing import NamedTuple

from flashprep.core.clock import day_end
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.drill import scan
from flashprep.core.study.spent import Spent, spent_today


class TodayCounts(NamedTuple):
    new: int = 0
    learning: int = 0
    due: int = 0
    """Reviews due today, under the review limits."""


def today_counts(library: DeckLibrary, store: UserStore) -> dict[str, TodayCounts]:
    """Per deck, what a drill of it alone would hold now (the user's and the deck's limits)."""
    now = store.now()
    today = store.today(now)
    end = day_end(today, store.rollover, store.tz)
    settings = store.settings
    counts = store.counts_today()
    new_left = max(0, settings.new_per_day - counts.new)
    review_left = max(0, settings.reviews_per_day - counts.reviews)
    limits = settings.deck_limits
    spent = spent_today(store) if any(d in limits for d in library.decks) else {}
    out: dict[str, TodayCounts] = {}
    for deck in library.decks:
        limit = limits.get(deck)
        used = spent.get(deck, Spent())
        new_room, review_room = new_left, review_left
        if limit is not None and limit.new_per_day is not None:
            new_room = min(new_room, max(0, limit.new_per_day - used.new))
        if limit is not None and limit.reviews_per_day is not None:
            review_room = min(review_room, max(0, limit.reviews_per_day - used.reviews))
        new, due, learning = scan(
            store, library.card_keys([deck]), today.toordinal(), end, new_room
        )
        out[deck] = TodayCounts(len(new), len(learning), min(len(due), review_room))
    return out
