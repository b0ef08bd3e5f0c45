"""Statistics about a user's schedule and history, as plain data (the CLI prints it as JSON)."""

from __future__ import annotations

from typing import Any

from flashprep.core.drill import count_keys, is_available
from flashprep.core.library import DeckLibrary
from flashprep.core.userstore import UserStore


def basic_stats(library: DeckLibrary, store: UserStore) -> dict[str, Any]:
    """Card counts over all decks, and this user's review totals (no log parsing needed)."""
    now = store.now()
    keys = library.card_keys()
    counts = count_keys(keys, store, now)
    today = store.counts_today()
    today_ord = store.today(now).toordinal()
    due_now = 0
    for key in keys:
        state = store.states.get(key)
        if state is None or state.is_new or state.due is None:
            continue
        if is_available(state, today_ord) and state.due <= now:
            due_now += 1
    return {
        "user": store.user,
        "cards": counts.total,
        "new": counts.new,
        "learning": counts.learning,
        "review": counts.review,
        "suspended": counts.suspended,
        "buried": counts.buried,
        "due_now": due_now,
        "due_today": counts.due,
        "reviews_total": store.data.total,
        "reviews_today": today.graded,
        "new_today": today.new,
        "time_today_s": round(today.ms / 1000, 1),
    }
