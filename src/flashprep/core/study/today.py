"""What each deck can be studied for today: new cards the limits still allow, learning cards and
reviews due, as a drill of that deck alone would hold them (the home screen shows these, not only
the totals, so that a spent limit shows before the drill is opened), beside what the deck holds
(its cards, new cards not yet introduced, suspended, buried), and how much of the day is done
(the summary's progress line).

`today_counts` is the one count of a deck's cards that the home screen, the plan (screen and
`flashprep plan`) and `flashprep decks` show, so that they agree: a buried or suspended new card
is in none of their new counts."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from flashprep.core.clock import day_end
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.keys import deck_of
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.drill import count_keys, day_review_cap, is_available, scan_deck
from flashprep.core.study.spent import UNSCHEDULED, Spent, spent_by_deck, today_entries


class TodayCounts(NamedTuple):
    new: int = 0
    """New cards a drill of the deck takes today, under the new-card limits."""
    learning: int = 0
    due: int = 0
    """Reviews due today, under the review limits."""
    cards: int = 0
    """The deck's cards, suspended and buried ones included."""
    new_left: int = 0
    """New cards not introduced yet, buried and suspended ones aside (the plan's "new cards
    left", `flashprep decks`' NEW)."""
    due_today: int = 0
    """Learning cards and reviews due by the end of the study day, before the review limits."""
    suspended: int = 0
    buried: int = 0


class TodayKeys(NamedTuple):
    """A deck's cards for today, as TodayCounts counts them."""

    new: list[str]
    learning: list[str]
    due: list[str]


def today_keys(
    library: DeckLibrary,
    store: UserStore,
    spent: dict[str, Spent] | None = None,
    now: datetime | None = None,
) -> dict[str, TodayKeys]:
    """Per deck, the cards a drill of it alone would hold now (the user's and the deck's limits).
    `spent`: what each deck used of today (read from today's log when a deck has limits)."""
    now = now or store.now()
    today = store.today(now)
    end = day_end(today, store.rollover, store.tz)
    settings = store.settings
    counts = store.counts_today()
    new_left = max(0, settings.new_per_day - counts.new)
    review_left = max(0, settings.reviews_per_day - counts.reviews)
    limits = settings.deck_limits
    if spent is None and any(d in limits for d in library.decks):
        spent = spent_by_deck(today_entries(store, now), store.state)
    out: dict[str, TodayKeys] = {}
    for deck in library.decks:
        limit = limits.get(deck)
        used = spent.get(deck, Spent()) if spent else Spent()
        new_room, review_room = new_left, review_left
        if limit is not None and limit.new_per_day is not None:
            new_room = min(new_room, max(0, limit.new_per_day - used.new))
        if limit is not None and limit.reviews_per_day is not None:
            review_room = min(review_room, max(0, limit.reviews_per_day - used.reviews))
        day_cap = day_review_cap(settings, deck)
        new, due, learning, _ = scan_deck(
            store, library, deck, today.toordinal(), end, new_room, day_cap
        )
        due.sort()
        out[deck] = TodayKeys(new, learning, [key for _, key in due[:review_room]])
    return out


def today_counts(
    library: DeckLibrary, store: UserStore, now: datetime | None = None
) -> dict[str, TodayCounts]:
    """Per deck, what a drill of it alone would hold now (the user's and the deck's limits),
    and what the deck holds (see TodayCounts)."""
    now = now or store.now()
    out: dict[str, TodayCounts] = {}
    for deck, keys in today_keys(library, store, now=now).items():
        held = count_keys(library.card_keys([deck]), store, now)
        out[deck] = TodayCounts(
            len(keys.new),
            len(keys.learning),
            len(keys.due),
            held.total,
            held.new,
            held.due,
            held.suspended,
            held.buried,
        )
    return out


class DayProgress(NamedTuple):
    """How much of the user's study day is done, in some decks."""

    done: int
    """Cards graded today (practice and mock rounds aside)."""
    left: int
    """Cards not graded yet today that the day still holds: new cards under the limits, reviews
    and learning cards due (a card graded today and back later in its steps is done)."""
    new_done: int
    """New cards introduced today (all decks: the limit is the user's)."""
    new_limit: int


def day_progress(
    library: DeckLibrary,
    store: UserStore,
    deck_ids: list[str] | tuple[str, ...] | None = None,
    extra_new: int = 0,
) -> DayProgress:
    """Today's progress in the decks `deck_ids` (all when None); `extra_new`: new cards asked
    for on top of the day's limit (custom study)."""
    entries = today_entries(store)
    spent = spent_by_deck(entries, store.state)
    decks = set(deck_ids) if deck_ids is not None else set(library.decks)
    graded = {
        e.card
        for e in entries
        if e.is_grade and e.mode not in UNSCHEDULED and deck_of(e.card) in decks
    }
    counts = store.counts_today()
    settings = store.settings
    new_left = max(0, settings.new_per_day + extra_new - counts.new)
    review_left = max(0, settings.reviews_per_day - counts.reviews)
    new = due = learning = 0
    for deck, keys in today_keys(library, store, spent).items():
        if deck in decks:
            new += len(keys.new)
            due += len(keys.due)
            learning += sum(1 for key in keys.learning if key not in graded)
    left = min(new, new_left) + min(due, review_left) + learning
    return DayProgress(len(graded), left, counts.new, settings.new_per_day + extra_new)


class DeckOutlook(NamedTuple):
    """What the home screen's detail pane says of one deck beyond its counts."""

    next_due: datetime | None
    """When its next studied card is due (it may be now or past); None: none is studied."""
    recall: float | None
    """Mean predicted recall now of its studied cards (suspended ones aside); None: none."""
    studied: int


def deck_outlook(
    library: DeckLibrary, store: UserStore, deck_id: str, now: datetime | None = None
) -> DeckOutlook:
    """One deck's next due card and recall now: a loop over its cards only, cheap enough to run
    each time the home screen's cursor moves."""
    now = now or store.now()
    today_ord = store.today(now).toordinal()
    next_due: datetime | None = None
    recall = 0.0
    studied = 0
    for key in library.card_keys([deck_id]):
        state = store.state(key)
        if state.is_new or state.suspended:
            continue
        studied += 1
        recall += store.scheduler.retrievability(state, now)
        if state.due is not None and is_available(state, today_ord):
            next_due = state.due if next_due is None else min(next_due, state.due)
    return DeckOutlook(next_due, recall / studied if studied else None, studied)
