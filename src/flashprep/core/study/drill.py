"""A drill: which card comes next, grading, undo, bury and suspend, and the end-of-drill summary.

The queue follows Anki's habits: learning cards that are due come first, then reviews due today
(overdue first) mixed evenly with new cards, within the user's daily limits. A card failed today
comes back after its step; when nothing else is left, a learning card up to 20 minutes ahead is
shown early. Before an interview date, the plan (interview/plan.py) adds the cards it brings
forward and may raise the day's new-card limit; it is passed in (`plan`, see
interview/plan.open_drill). A drill can also be given its cards (e.g. the weakest ones).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, tzinfo
from typing import NamedTuple, Protocol

from flashprep.core.clock import day_end, study_day
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.scheduling.scheduler import CardState, Rating
from flashprep.core.storage.userstore import UserStore

LEARN_AHEAD = timedelta(minutes=20)
_DueReviews = list[tuple[datetime, str]] | list[tuple[float, str]]
"""Reviews due with their due times (datetimes, or time stamps read from the state cache)."""


class PlanForToday(Protocol):
    """What a drill needs of today's interview plan (interview/plan.TodayPlan provides it): the
    plan is passed in, so this layer never imports the interview layer above it."""

    @property
    def keys(self) -> frozenset[str]: ...
    @property
    def bring_forward(self) -> tuple[str, ...]: ...
    @property
    def new_per_day(self) -> int: ...


def is_available(state: CardState, today_ord: int) -> bool:
    """Not suspended and not buried for today."""
    if state.suspended:
        return False
    return not (state.buried_until is not None and state.buried_until.toordinal() > today_ord)


class DeckCounts(NamedTuple):
    total: int = 0
    new: int = 0
    due: int = 0
    learning: int = 0
    review: int = 0
    suspended: int = 0
    buried: int = 0


def count_keys(keys: list[str], store: UserStore, now: datetime) -> DeckCounts:
    """Counts for a set of cards: due means due before the end of the user's study day."""
    columns = store.data.columns
    if columns is not None:  # the states not yet decoded: read the columns
        today = study_day(now, store.rollover, store.tz)
        end = day_end(today, store.rollover, store.tz)
        return DeckCounts(*columns.counts(keys, today.toordinal(), end.timestamp()))
    return count_states(keys, store.states, now, store.rollover, store.tz)


def count_states(
    keys: Iterable[str],
    states: Mapping[str, CardState],
    now: datetime,
    rollover: int,
    tz: tzinfo | None,
) -> DeckCounts:
    """count_keys as a pure function of the card states, the instant and the user's day."""
    keys = list(keys)
    today = study_day(now, rollover, tz)
    end = day_end(today, rollover, tz)
    today_ord = today.toordinal()
    new = due = learning = review = suspended = buried = 0
    for key in keys:
        state = states.get(key)
        if state is None:
            new += 1
            continue
        if state.suspended:
            suspended += 1
            continue
        if not is_available(state, today_ord):
            buried += 1
            continue
        if state.is_new:
            new += 1
            continue
        if state.state == "review":
            review += 1
        else:
            learning += 1
        if state.due is not None and state.due < end:
            due += 1
    return DeckCounts(len(keys), new, due, learning, review, suspended, buried)


def deck_counts(library: DeckLibrary, store: UserStore) -> dict[str, DeckCounts]:
    now = store.now()
    return {d.id: count_keys(library.card_keys([d.id]), store, now) for d in library}


def _interleave(reviews: list[str], new: list[str]) -> list[str]:
    """Spread new cards evenly among the reviews."""
    if not new or not reviews:
        return reviews + new
    out: list[str] = []
    step = (len(reviews) + len(new)) / len(new)
    positions = {round(i * step + step / 2) for i in range(len(new))}
    r, n = iter(reviews), iter(new)
    for i in range(len(reviews) + len(new)):
        out.append(next(n) if i in positions else next(r, None) or next(n))
    return out


class Summary(NamedTuple):
    graded: int
    again: int
    seconds: float
    next_due: datetime | None
    due_tomorrow: int
    learning_later: int
    held_back: int = 0
    """Reviews due today (or brought forward for the interview) left for tomorrow by the daily
    review limit (`reviews_per_day`)."""
    review_limit: int = 0


class _Snapshot(NamedTuple):
    queue: list[str]
    learning: list[str]
    current: str | None
    done: int
    again: int
    seconds: float


class Drill:
    """The cards of some decks for one sitting. Every change goes through the user's store."""

    def __init__(
        self,
        library: DeckLibrary,
        store: UserStore,
        deck_ids: list[str] | None = None,
        keys: list[str] | None = None,
        plan: PlanForToday | None = None,
    ) -> None:
        """A drill of the decks `deck_ids` (all when None), or of exactly the cards `keys` (those
        not suspended or buried), in that order. `plan` is today's interview plan (see
        interview/plan.open_drill), which adds cards to a drill of decks."""
        self.library = library
        self.plan = plan
        self.store = store
        self.deck_ids = deck_ids
        self.keys = keys
        self.queue: list[str] = []
        self.learning: list[str] = []
        self.current: str | None = None
        self.done = 0
        self.again = 0
        self.seconds = 0.0
        self.held_back = 0
        """Reviews left out of this sitting by the daily review limit (see Summary.held_back)."""
        self._history: list[_Snapshot] = []
        self._fill()

    def _fill(self) -> None:
        """The sitting's queue, and its first card."""
        store = self.store
        now = store.now()
        today = store.today(now)
        end = day_end(today, store.rollover, store.tz)
        today_ord = today.toordinal()
        settings = store.settings
        counts = store.counts_today()
        if self.keys is not None:
            self.queue = [k for k in self.keys if is_available(store.state(k), today_ord)]
            self._advance()
            return
        plan = self.plan
        new_left = max(0, settings.new_per_day - counts.new)
        plan_new_left = max(0, plan.new_per_day - counts.new) if plan else 0
        forward = set(plan.bring_forward) if plan else set()
        review_left = max(0, settings.reviews_per_day - counts.reviews)
        columns = store.data.columns
        if plan is None and columns is not None:  # the states not yet decoded: read the columns
            new, due, self.learning = columns.drill_queue(
                self.library.card_keys(self.deck_ids), today_ord, end.timestamp(), new_left
            )
            self._start(due, new, review_left)
            return
        states = store.states
        reviews: list[tuple[datetime, str]] = []
        new = []
        for key in self.library.card_keys(self.deck_ids):
            state = states.get(key)
            if state is None or (state.is_new and is_available(state, today_ord)):
                if len(new) < new_left or (
                    plan is not None and key in plan.keys and len(new) < plan_new_left
                ):
                    new.append(key)
                continue
            if key in forward:
                assert state.due is not None
                reviews.append((state.due, key))
                continue
            if not is_available(state, today_ord) or state.due is None or state.due >= end:
                continue
            if state.state == "review":
                reviews.append((state.due, key))
            else:
                self.learning.append(key)
        self._start(reviews, new, review_left)

    def _start(self, reviews: _DueReviews, new: list[str], limit: int) -> None:
        """Queue the `limit` most overdue reviews (due times as datetimes or time stamps) among
        the new cards, and show the first card."""
        reviews.sort()
        self.held_back = max(0, len(reviews) - limit)
        self.queue = _interleave([k for _, k in reviews[:limit]], new)
        self._advance()

    # what is on screen

    def state(self, key: str | None = None) -> CardState:
        return self.store.state(key or self.current or "")

    @property
    def left(self) -> int:
        return len(self.queue) + len(self.learning) + (1 if self.current else 0)

    @property
    def finished(self) -> bool:
        return self.current is None

    def preview(self) -> dict[Rating, timedelta]:
        assert self.current is not None
        return self.store.scheduler.preview(self.current, self.state(), self.store.now())

    def _due(self, key: str) -> datetime:
        due = self.store.state(key).due
        return due if due is not None else datetime.min.replace(tzinfo=self.store.now().tzinfo)

    def _advance(self) -> None:
        """Next: a due learning card, else the queue, else a learning card up to 20 min ahead."""
        now = self.store.now()
        self.learning.sort(key=self._due)
        if self.learning and self._due(self.learning[0]) <= now:
            self.current = self.learning.pop(0)
        elif self.queue:
            self.current = self.queue.pop(0)
        elif self.learning and self._due(self.learning[0]) <= now + LEARN_AHEAD:
            self.current = self.learning.pop(0)
        else:
            self.current = None

    def skip(self) -> None:
        """Move on without recording anything (the card cannot be shown)."""
        self._advance()

    def _push_history(self) -> None:
        self._history.append(
            _Snapshot(
                list(self.queue),
                list(self.learning),
                self.current,
                self.done,
                self.again,
                self.seconds,
            )
        )

    # actions

    def grade(self, rating: Rating, ms: int = 0) -> None:
        """Record the grade (durably), then move on. A card still learning today comes back."""
        key = self.current
        if key is None:
            raise RuntimeError("no card to grade")
        self.store.grade(key, rating, ms)
        self._push_history()
        self.done += 1
        self.seconds += ms / 1000
        if rating == Rating.AGAIN:
            self.again += 1
        after = self.store.state(key)
        today = self.store.today()
        end = day_end(today, self.store.rollover, self.store.tz)
        if after.state in ("learning", "relearning") and after.due is not None and after.due < end:
            self.learning.append(key)
        self._advance()

    def _set_aside(self, action: str) -> None:
        key = self.current
        if key is None:
            raise RuntimeError("no card")
        self.store.record(key, action)
        self._push_history()
        self._advance()

    def bury(self) -> None:
        """Hide the card until tomorrow."""
        self._set_aside("bury")

    def suspend(self) -> None:
        """Hide the card until it is unsuspended."""
        self._set_aside("suspend")

    @property
    def can_undo(self) -> bool:
        return bool(self._history) and self.store.can_undo

    def undo(self) -> str | None:
        """Take back the last grade, bury or suspend: the card returns to the screen."""
        if not self.can_undo:
            return None
        entry = self.store.undo()
        snap = self._history.pop()
        self.queue, self.learning, self.current = snap.queue, snap.learning, snap.current
        self.done, self.again, self.seconds = snap.done, snap.again, snap.seconds
        return entry.card if entry else None

    def summary(self) -> Summary:
        store = self.store
        now = store.now()
        today = store.today(now)
        tomorrow_end = day_end(today + timedelta(days=1), store.rollover, store.tz)
        today_ord = today.toordinal()
        next_due: datetime | None = None
        due_tomorrow = 0
        for key in self.library.card_keys(self.deck_ids):
            state = store.states.get(key)
            if state is None or state.is_new or state.due is None:
                continue
            if not is_available(state, today_ord) and state.suspended:
                continue
            if state.due > now and (next_due is None or state.due < next_due):
                next_due = state.due
            if state.due < tomorrow_end:
                due_tomorrow += 1
        return Summary(
            self.done,
            self.again,
            self.seconds,
            next_due,
            due_tomorrow,
            len(self.learning),
            self.held_back,
            store.settings.reviews_per_day,
        )
