"""Statistics: am I keeping up, what do I remember, which topics are weak, what is coming.

Pure functions of the review history (stats/history.py), the card states, the decks and the instant
`now`, in the user's study days (local time zone, day starting at the rollover hour). The CLI prints
the result of `compute_stats` as JSON; the statistics screen draws the same data.

This module only assembles the report: it dates the history once (studydays.py) and gathers the
figures of activity.py, retention.py, forecast.py and readiness.py into the JSON-ready dict.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from itertools import compress
from typing import Any

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.keys import deck_of
from flashprep.core.scheduling.scheduler import CardState, Scheduler
from flashprep.core.stats.activity import (
    heatmap,
    reviews_by_day,
    streaks,
    study_days,
    today_figures,
)
from flashprep.core.stats.cardwalk import walk_cards
from flashprep.core.stats.history import History, Review
from flashprep.core.stats.ranges import RANGES
from flashprep.core.stats.readiness import forgotten, readiness
from flashprep.core.stats.retention import (
    answer_buttons,
    hours,
    retention_samples,
    retention_table,
    sample_counts,
)
from flashprep.core.stats.retentioncache import RetentionCache
from flashprep.core.stats.studydays import Calendar, days_back, in_range
from flashprep.core.storage.usersettings import DEFAULT_SETTINGS
from flashprep.core.storage.userstore import UserStore
from flashprep.core.text import clean


@dataclass(frozen=True)
class StatsQuery:
    """What to compute: for which instant and study days, which decks, which range."""

    now: datetime
    rollover: int = 4
    tz: tzinfo | None = None
    deck: str | None = None
    range: str = "month"
    leech_lapses: int = DEFAULT_SETTINGS["leech_lapses"]
    """The user's leech threshold (settings.leech_lapses)."""
    leech_fronts: int | None = None
    """How many of the leech rows, most lapses first, carry their card's front (all for None;
    the others have None): the statistics screen lists 200 of what can be thousands, and
    reading each card's text was most of a long list's time and memory."""

    @classmethod
    def of(cls, store: UserStore, deck: str | None = None, range: str = "month") -> StatsQuery:
        """A user's statistics now: their study days and leech threshold."""
        return cls(store.now(), store.rollover, store.tz, deck, range, store.settings.leech_lapses)


def compute_stats(
    reviews: Iterable[Review],
    states: Mapping[str, CardState],
    library: DeckLibrary,
    scheduler: Scheduler,
    query: StatsQuery,
    user: str = "",
    retention: RetentionCache | None = None,
) -> dict[str, Any]:
    """Every statistic, as JSON-ready data (the keys are documented in README.md).

    `reviews` is best a History (as HistoryReader.load gives it); Reviews will do. `retention`,
    for the reader's whole history and the query's deck, keeps what the whole history's figures
    need (tally.py): then only the grades of the range are looked at one by one."""
    cal = Calendar(query.now, query.rollover, query.tz)
    today = cal.today
    deck_ids = [query.deck] if query.deck is not None else list(library.decks)
    keys = library.card_keys(deck_ids)
    history = History.of(reviews)
    tally = retention.tally(history, cal) if retention is not None else None
    if tally is not None:  # the days never go back: only the range's grades are dated
        back = days_back(query.range)
        first = None if back is None else today - back + 1
        dated = cal.dated(_of_deck(_latest(history, cal, first), query.deck))
        per_day, failed, agains = tally.days, tally.forgotten, tally.agains
    else:
        dated = cal.dated(_of_deck(history, query.deck))
        per_day, failed = study_days(dated), forgotten(dated.reviews)
        again = [rating == 1 for rating in dated.reviews.rating]
        agains = Counter(compress(dated.reviews.card, again))
    ranged = in_range(dated, today, query.range)
    current, longest = streaks(per_day, today)
    cards = walk_cards(keys, states, cal, scheduler, failed, agains, query.leech_lapses)
    counts, recall = cards.counts, cards.recall
    if tally is not None:  # the range's whole days: its own samples
        samples_in_range = retention_samples(ranged).reviews
        counted = tally.retention.counts
    else:
        samples = retention_samples(dated)
        samples_in_range = in_range(samples, today, query.range).reviews
        counted = sample_counts(samples)
    total_ms = sum(ranged.reviews.ms)
    studied_days = len(set(ranged.days))
    span = RANGES[query.range] or max(1, today - min(per_day, default=today) + 1)
    n_ranged = len(ranged.reviews)

    tags: dict[str, list[str]] = defaultdict(list)
    decks: dict[str, list[str]] = {}
    for deck_id in deck_ids:
        loaded = library.decks[deck_id]
        decks[deck_id] = list(loaded.card_keys)
        for tag, keys_of_tag in loaded.tagged().items():
            tags[tag] += keys_of_tag
    studied = set(recall)
    fronts = len(cards.leeches) if query.leech_fronts is None else query.leech_fronts
    by_deck = readiness(decks, studied, recall, cards.due, samples_in_range)
    by_tag = readiness(dict(sorted(tags.items())), studied, recall, cards.due, samples_in_range)

    return {
        "user": user,
        "deck": query.deck,
        "range": query.range,
        "cards": counts.total,
        "new": counts.new,
        "learning": counts.learning,
        "review": counts.review,
        "suspended": counts.suspended,
        "buried": counts.buried,
        "due_now": cards.due_now,
        "due_today": counts.due,
        "reviews_total": tally.total if tally is not None else len(dated.reviews),
        **today_figures(dated, today),
        "streak_days": current,
        "longest_streak_days": longest,
        "heatmap": heatmap(per_day, today),
        "reviews_by_day": reviews_by_day(ranged, today, query.range),
        "range_summary": {
            "days": span,
            "days_studied": studied_days,
            "reviews": n_ranged,
            "time_s": round(total_ms / 1000, 1),
            "reviews_per_day": round(n_ranged / span, 1) if span else 0.0,
        },
        "forecast": cards.forecast,
        "daily_load": cards.load,
        "states": cards.states,
        "retention": retention_table(counted, today),
        "buttons": answer_buttons(ranged.reviews),
        "answer_seconds": round(total_ms / 1000 / n_ranged, 1) if n_ranged else None,
        "hours": hours(ranged.reviews, cal),
        "by_deck": [{"id": d, "name": library.decks[d].name, **by_deck[d]} for d in deck_ids],
        "by_tag": [{"tag": t, **row} for t, row in by_tag.items()],
        "hardest": [
            _hard_row(key, states[key], recall[key], agains, library) for key in cards.hardest
        ],
        "leech_lapses": query.leech_lapses,
        "leeches": [
            _hard_row(key, states[key], recall.get(key), agains, library, n < fronts, True)
            for n, key in enumerate(cards.leeches)  # (text for the first `fronts`, suspended)
        ],
    }


def _latest(history: History, cal: Calendar, first: int | None) -> History:
    """The grades of `history` (whose days never go back) from study day `first` on at least
    (all for None): only as many of its latest grades as reach back before that day (a slice:
    of a loaded history, only those grades are decoded)."""
    if first is None:
        return history
    n, size = len(history), 64
    while size < n and cal.day(history[n - size].ts) >= first:  # one grade: no whole column
        size *= 2
    return history[max(0, n - size) :]


def _of_deck(history: History, deck: str | None) -> History:
    """The grades of one deck's cards (all for None)."""
    if deck is None:
        return history
    prefix = f"{deck}/"
    return history.select([card.startswith(prefix) for card in history.card])


def _hard_row(
    key: str,
    state: CardState,
    recall: float | None,
    agains: Mapping[str, int],
    library: DeckLibrary,
    text: bool = True,
    suspended: bool = False,
) -> dict[str, Any]:
    """A row of the hardest cards, or of the leeches (`suspended`: with whether it is)."""
    front = library.front(key) if text else None
    deck = deck_of(key)
    row = {
        "card": key,
        "deck": deck,
        "deck_name": library.decks[deck].name,
        "front": (clean(front) if front is not None else "") if text else None,
        "lapses": state.lapses,
        "agains": agains.get(key, 0),
        "reps": state.reps,
        "recall": round(recall, 4) if recall is not None else None,
        "difficulty": round(state.difficulty, 2) if state.difficulty is not None else None,
    }
    if suspended:
        row["suspended"] = state.suspended
    return row
