"""A drill: which card comes next, grading, undo, bury and suspend, and the end-of-drill summary.

The queue follows Anki's habits: learning cards that are due come first, then reviews due today
(overdue first) mixed evenly with new cards, within the user's daily limits. A card failed today
comes back after its step; when nothing else is left, a learning card up to 20 minutes ahead is
shown early. Before an interview date, the plan (interview/plan.py) adds the cards it brings
forward, sets the day's new-card limit (it knows the user's minutes a day) and orders the queue,
most valuable for the interview first; it is passed in (`plan`, see
interview/opendrill.open_drill). A drill can also be given its cards (e.g. the weakest ones).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Set
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from flashprep.core.clock import day_end, study_day
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.keys import deck_of
from flashprep.core.scheduling.scheduler import CardState, Rating, SameReason
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.customstudy import DrillOptions, ahead_keys, requeue_at
from flashprep.core.study.leech import LeechEvent, becomes_leech
from flashprep.core.study.newcards import gather_new
from flashprep.core.study.spent import Spent, spent_today

if TYPE_CHECKING:
    from flashprep.core.storage.usersettings import UserSettings

LEARN_AHEAD = timedelta(minutes=20)


class PlanForToday(Protocol):
    """What a drill needs of today's interview plan (interview/plan.TodayPlan provides it): the
    plan is passed in, so this layer never imports the interview layer above it."""

    @property
    def keys(self) -> frozenset[str]: ...
    @property
    def bring_forward(self) -> tuple[str, ...]: ...
    @property
    def new_per_day(self) -> int: ...
    def rank(self, key: str) -> float:
        """How much a card is worth showing today; the queue goes highest first."""
        ...

    def new_first(self, keys: list[str]) -> list[str]:
        """New cards in the order the plan introduces them (of `keys`, in the user's order)."""
        ...


def is_buried(state: CardState, today_ord: int) -> bool:
    """Buried for the study day `today_ord` (a bury lasts until the next study day)."""
    return state.buried_until is not None and state.buried_until.toordinal() > today_ord


def is_available(state: CardState, today_ord: int) -> bool:
    """Not suspended and not buried for today."""
    return not state.suspended and not is_buried(state, today_ord)


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


def scan(
    store: UserStore,
    keys: list[str],
    today_ord: int,
    end: datetime,
    new_cap: int,
    forward: Set[str] = frozenset(),
) -> tuple[list[str], list[tuple[Any, str]], list[str]]:
    """Some cards' first `new_cap` new cards available today, reviews due today (with their due
    times, as datetimes or time stamps) and learning cards due today. `forward`: cards the
    interview plan brings forward, reviewed today although not due."""
    columns = store.data.columns
    if not forward and columns is not None:  # the states not yet decoded: read the columns
        fresh, due, later = columns.drill_queue(keys, today_ord, end.timestamp(), new_cap)
        return fresh, list(due), later
    states = store.states
    reviews: list[tuple[Any, str]] = []
    new: list[str] = []
    learning: list[str] = []
    for key in keys:
        state = states.get(key)
        if state is None or (state.is_new and is_available(state, today_ord)):
            if len(new) < new_cap:
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
            learning.append(key)
    return new, reviews, learning


def scan_deck(
    store: UserStore,
    library: DeckLibrary,
    deck: str,
    today_ord: int,
    end: datetime,
    new_cap: int,
    review_cap: int,
    forward: Set[str] = frozenset(),
) -> tuple[list[str], list[tuple[Any, str]], list[str], int]:
    """`scan` of one deck's cards, and the number of its reviews due; from the columns without
    the deck's keys when the store keeps the answer (UserStore.first_queue). The reviews are
    then only the first `review_cap` or more by (due time, key), not every one due: with a
    backlog, a day's limit takes a few hundred of tens of thousands."""
    if not forward:
        found = store.first_queue(
            deck,
            deck_key(library, deck),
            lambda: library.card_keys([deck]),
            today_ord,
            end.timestamp(),
            new_cap,
            review_cap,
        )
        if found is not None:
            new, due, learning, count = found
            return new, list(due), learning, count
    new, reviews, learning = scan(
        store, library.card_keys([deck]), today_ord, end, new_cap, forward
    )
    return new, reviews, learning, len(reviews)


def day_review_cap(settings: UserSettings, deck: str) -> int:
    """The most reviews due a drill can take from `deck` on any day with these settings (the
    user's daily limit, and the deck's own), for `scan_deck`'s `review_cap`."""
    limit = settings.deck_limits.get(deck)
    own = limit.reviews_per_day if limit is not None else None
    return settings.reviews_per_day if own is None else min(own, settings.reviews_per_day)


def deck_key(library: DeckLibrary, deck: str) -> list[Any]:
    """What a deck's cards depend on, for a cache of answers derived from them: its file and
    its index's key (core/decks/index.py: the stamps of the file and of its overrides)."""
    loaded = library.decks[deck]
    return [str(loaded.path), loaded.index.key]


def keep_first_queues(library: DeckLibrary, store: UserStore) -> None:
    """After the checkpoint a drill's end writes: the first queues the next start reads
    (UserStore.refresh_first_queues)."""

    def deck_of(deck: str) -> tuple[Any, Callable[[], list[str]]] | None:
        if deck not in library.decks:
            return None
        return deck_key(library, deck), lambda: library.card_keys([deck])

    store.refresh_first_queues(deck_of, list(library.decks))


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
    new_waiting: int = 0
    """New cards of the drilled decks that the day's limits keep for later days."""
    new_limit: int = 0
    """Today's new-card limit (the user's, plus any extra asked for)."""
    buried: int = 0
    suspended: int = 0
    ahead: int = 0
    """Cards due in the next AHEAD_DAYS days after today (what review ahead would bring)."""
    deck_ids: tuple[str, ...] | None = None
    mode: str = "drill"
    """"drill", "ahead", "practice" or "cards" (a drill of given cards)."""
    extra_new: int = 0
    """The extra new cards this drill was given (custom study)."""
    left: int = 0
    """Cards still waiting in the drill when it ended (it was stopped early), the learning
    cards that come back later today aside."""


AHEAD_DAYS = 7
"""How far ahead the summary looks when it offers to review ahead."""


class Remaining(NamedTuple):
    """Cards left in a drill, as Anki counts them in its header: new + learning + review."""

    new: int
    learning: int
    review: int

    def __str__(self) -> str:
        return f"{self.new} + {self.learning} + {self.review}"


class _Snapshot(NamedTuple):
    queue: list[str]
    learning: list[str]
    current: str | None
    done: int
    again: int
    seconds: float
    entries: int = 1
    """Log entries the action wrote (a grade that suspends a leech writes two)."""
    last: str = ""
    """The id of the last of them: undo checks that the store's newest change is this drill's
    (the card browser, opened from the drill, may have changed cards since)."""


class Drill:
    """The cards of some decks for one sitting. Every change goes through the user's store."""

    def __init__(
        self,
        library: DeckLibrary,
        store: UserStore,
        deck_ids: list[str] | None = None,
        keys: list[str] | None = None,
        plan: PlanForToday | None = None,
        options: DrillOptions | None = None,
    ) -> None:
        """A drill of the decks `deck_ids` (all when None), or of exactly the cards `keys` (those
        not suspended or buried), in that order. `plan` is today's interview plan (see
        interview/opendrill.open_drill), which adds cards to a drill of decks; `options` ask for
        custom study (customstudy.DrillOptions: more new cards, review ahead, practice)."""
        self.library = library
        self.plan = plan
        self.store = store
        self.deck_ids = deck_ids
        self.options = options or DrillOptions()
        if keys is None and self.options.keys is not None:
            keys = list(self.options.keys)
        self.keys = keys
        self.queue: list[str] = []
        self.learning: list[str] = []
        self.current: str | None = None
        self.done = 0
        self.again = 0
        self.seconds = 0.0
        self.held_back = 0
        """Reviews left out of this sitting by the daily review limit (see Summary.held_back)."""
        self.last_leech: LeechEvent | None = None
        """The leech the last grade made, if it did (the screen says so)."""
        self._last: str | None = None
        self._history: list[_Snapshot] = []
        self._fill()

    @property
    def practice(self) -> bool:
        return self.options.practice

    @property
    def mode(self) -> str:
        if self.practice:
            return "practice"
        if self.keys is not None:
            return "cards"
        return "ahead" if self.options.ahead_days else "drill"

    def _deck_order(self) -> list[str]:
        ids = self.deck_ids if self.deck_ids is not None else list(self.library.decks)
        return list(dict.fromkeys(ids))

    def _fill(self) -> None:
        """The sitting's queue, and its first card."""
        store = self.store
        now = store.now()
        today = store.today(now)
        end = day_end(today, store.rollover, store.tz)
        today_ord = today.toordinal()
        options = self.options
        if self.keys is not None:
            self.queue = [k for k in self.keys if is_available(store.state(k), today_ord)]
            self._advance()
            return
        if options.practice:
            self.queue = _round_robin(
                {
                    deck: [
                        k
                        for k in self.library.card_keys([deck])
                        if is_available(store.state(k), today_ord)
                    ]
                    for deck in self._deck_order()
                }
            )
            self._advance()
            return
        if options.ahead_days > 0:
            self.queue = ahead_keys(
                self.library.card_keys(self.deck_ids),
                store.states,
                today,
                options.ahead_days,
                store.rollover,
                store.tz,
            )
            self._advance()
            return
        settings = store.settings
        counts = store.counts_today()
        plan = self.plan
        new_left = max(0, settings.new_per_day + options.extra_new - counts.new)
        plan_new_left = max(0, plan.new_per_day + options.extra_new - counts.new) if plan else 0
        if plan is not None:  # the plan knows the user's time: it may lower the limit too
            new_left = min(new_left, plan_new_left)
        forward = set(plan.bring_forward) if plan else set()
        review_left = max(0, settings.reviews_per_day - counts.reviews)
        decks = self._deck_order()
        limits = {d: settings.deck_limits[d] for d in decks if d in settings.deck_limits}
        spent = spent_today(store) if limits else {}
        new_room = {
            d: max(0, lim.new_per_day + options.extra_new - spent.get(d, Spent()).new)
            for d, lim in limits.items()
            if lim.new_per_day is not None
        }
        review_room = {
            d: max(0, lim.reviews_per_day - spent.get(d, Spent()).reviews)
            for d, lim in limits.items()
            if lim.reviews_per_day is not None
        }
        order = settings.new_card_order
        cap = max(new_left, plan_new_left)
        new_by_deck: dict[str, list[str]] = {}
        reviews: list[tuple[Any, str]] = []
        held = unlisted = 0
        for deck in decks:
            whole = order == "random" or plan is not None  # the plan picks among them all
            size = len(self.library.decks[deck].card_ids)
            deck_cap = size if whole else min(cap, new_room.get(deck, cap))
            review_cap = day_review_cap(settings, deck)
            new, due, learning, count = scan_deck(
                store, self.library, deck, today_ord, end, deck_cap, review_cap, forward
            )
            new_by_deck[deck] = new
            due.sort()  # the first `room` (at most review_cap) are all there
            room = review_room.get(deck, count)
            held += max(0, count - room)
            listed = due[:room]
            reviews += listed
            unlisted += min(count, room) - len(listed)  # past the day's limit: held back
            self.learning += learning
        seed = settings.seed
        if plan is None:
            chosen = gather_new(new_by_deck, new_left, new_room, order, seed, today)
        else:  # the plan picks which new cards come first, among those the user's order gives
            every = sum(map(len, new_by_deck.values()))
            pool = gather_new(new_by_deck, every, new_room, order, seed, today)
            chosen = plan.new_first(pool)[:new_left]
        if plan is not None and plan_new_left > len(chosen):
            taken = set(chosen)
            plan_only = {
                d: [k for k in keys if k in plan.keys and k not in taken]
                for d, keys in new_by_deck.items()
            }
            room_left = {
                d: n - sum(1 for k in chosen if deck_of(k) == d) for d, n in new_room.items()
            }
            every = sum(map(len, plan_only.values()))
            pool = gather_new(plan_only, every, room_left, order, seed, today)
            chosen += plan.new_first(pool)[: plan_new_left - len(chosen)]
        self._start(reviews, chosen, review_left, unlisted)
        self.held_back += held

    def _start(
        self, reviews: list[tuple[Any, str]], new: list[str], limit: int, unlisted: int = 0
    ) -> None:
        """Queue the `limit` most overdue reviews (due times as datetimes or time stamps) among
        the new cards, and show the first card. `unlisted`: reviews due past the first `limit`
        that are not in `reviews` (counted as held back)."""
        reviews.sort()
        self.held_back = max(0, len(reviews) + unlisted - limit)
        self.queue = _interleave([k for _, k in reviews[:limit]], new)
        if self.plan is not None:  # what gains most for the interview first (a stable sort)
            self.queue.sort(key=self.plan.rank, reverse=True)
        self._advance()

    # what is on screen

    def state(self, key: str | None = None) -> CardState:
        return self.store.state(key or self.current or "")

    @property
    def left(self) -> int:
        return len(self.queue) + len(self.learning) + (1 if self.current else 0)

    def remaining(self) -> Remaining:
        """The cards left, counted by what they are now: new, learning, review."""
        new = learning = review = 0
        keys = [*self.queue, *self.learning, *([self.current] if self.current else [])]
        columns = self.store.data.columns  # not yet decoded: read the state column alone
        if columns is not None:
            names = columns.state_names(keys)
        else:
            names = [self.store.state(key).state for key in keys]
        for state in names:
            if state == "new":
                new += 1
            elif state == "review":
                review += 1
            else:
                learning += 1
        return Remaining(new, learning, review)

    @property
    def finished(self) -> bool:
        return self.current is None

    def preview(self) -> dict[Rating, timedelta]:
        assert self.current is not None
        return self.store.scheduler.preview(self.current, self.state(), self.store.now())

    def why_same(self, preview: dict[Rating, timedelta]) -> SameReason | None:
        """Why the current card's Hard, Good and Easy give one interval (see
        Scheduler.why_same), for the grade buttons' note."""
        assert self.current is not None
        return self.store.scheduler.why_same(self.state(), preview, self.store.now())

    def _dues(self, keys: list[str]) -> list[datetime]:
        """The cards' due times (the earliest time for a card without one)."""
        columns = self.store.data.columns  # not yet decoded: read the due column alone
        if columns is not None:
            dues = columns.dues(keys)
        else:
            dues = [self.store.state(key).due for key in keys]
        never = datetime.min.replace(tzinfo=self.store.now().tzinfo)
        return [never if due is None else due for due in dues]

    def _advance(self) -> None:
        """Next: a due learning card, else the queue, else a learning card up to 20 min ahead;
        never the card just graded while another one can be shown."""
        now = self.store.now()
        due_at = dict(zip(self.learning, self._dues(self.learning), strict=True))  # once each
        self.learning.sort(key=due_at.__getitem__)
        last = self._last
        due = [k for k in self.learning if due_at[k] <= now]
        ahead = [k for k in self.learning if now < due_at[k] <= now + LEARN_AHEAD]
        choices = [(self.learning, k) for k in due] + [(self.queue, k) for k in self.queue[:2]]
        choices += [(self.learning, k) for k in ahead]
        pick = next((c for c in choices if c[1] != last), choices[0] if choices else None)
        if pick is None:
            self.current = None
        else:
            pick[0].remove(pick[1])
            self.current = pick[1]

    def skip(self) -> None:
        """Move on without recording anything (the card cannot be shown)."""
        self._last = self.current
        self._advance()

    def _push_history(self, entries: int = 1) -> None:
        newest = self.store.next_undo
        self._history.append(
            _Snapshot(
                list(self.queue),
                list(self.learning),
                self.current,
                self.done,
                self.again,
                self.seconds,
                entries,
                newest[-1].id if newest else "",
            )
        )

    # actions

    def grade(self, rating: Rating, ms: int = 0) -> LeechEvent | None:
        """Record the grade (durably), then move on. A card still learning today comes back.

        Returns the leech event when this grade made the card a leech (also `last_leech`)."""
        key = self.current
        if key is None:
            raise RuntimeError("no card to grade")
        self.last_leech = None
        if self.practice:
            self.store.record(key, "grade", rating, ms, mode="practice")
            self._push_history()
            self._count(rating, ms)
            if rating == Rating.AGAIN:
                requeue_at(self.queue, key)
            self._last = key
            self._advance()
            return None
        lapses = self.store.state(key).lapses
        self.store.grade(key, rating, ms)
        after = self.store.state(key)
        settings = self.store.settings
        entries = 1
        if becomes_leech(lapses, after.lapses, settings.leech_lapses):
            suspend = settings.leech_action == "suspend"
            if suspend:
                try:
                    self.store.record(key, "suspend")
                except BaseException:
                    self.store.undo()  # the grade and its leech's suspension go together
                    raise
                entries = 2
            self.last_leech = LeechEvent(key, after.lapses, suspend)
        self._push_history(entries)
        self._count(rating, ms)
        today = self.store.today()
        end = day_end(today, self.store.rollover, self.store.tz)
        after = self.store.state(key)
        if (
            not after.suspended
            and after.state in ("learning", "relearning")
            and after.due is not None
            and after.due < end
        ):
            self.learning.append(key)
        self._last = key
        self._advance()
        return self.last_leech

    def _count(self, rating: Rating, ms: int) -> None:
        self.done += 1
        self.seconds += ms / 1000
        if rating == Rating.AGAIN:
            self.again += 1

    def _set_aside(self, action: str) -> None:
        key = self.current
        if key is None:
            raise RuntimeError("no card")
        self.store.record(key, action)
        self._push_history()
        self._last = key
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
        """Take back the last grade, bury or suspend (a leech's suspension with its grade): the
        card returns to the screen."""
        if not self.can_undo:
            return None
        snap = self._history[-1]
        newest = self.store.next_undo
        if newest and newest[-1].id != snap.last:  # changed elsewhere since (the card browser):
            entry = self.store.undo()  # that change goes first, alone; the drill stays as it is
            return entry.card if entry else None
        entry = None
        for _ in range(snap.entries):
            entry = self.store.undo()
        self._history.pop()
        self.queue, self.learning, self.current = snap.queue, snap.learning, snap.current
        self.done, self.again, self.seconds = snap.done, snap.again, snap.seconds
        self._last = None
        self.last_leech = None
        return entry.card if entry else None

    def summary(self) -> Summary:
        store = self.store
        now = store.now()
        today = store.today(now)
        tomorrow_end = day_end(today + timedelta(days=1), store.rollover, store.tz)
        ahead_end = day_end(today + timedelta(days=AHEAD_DAYS), store.rollover, store.tz)
        today_ord = today.toordinal()
        next_due: datetime | None = None
        due_tomorrow = new_waiting = buried = suspended = ahead = 0
        keys = self.keys if self.keys is not None else self.library.card_keys(self.deck_ids)
        for key in keys:
            state = store.states.get(key)
            if state is not None and state.suspended:
                suspended += 1
                continue
            if state is not None and not is_available(state, today_ord):
                buried += 1
                continue
            if state is None or state.is_new:
                new_waiting += 1
                continue
            if state.due is None:
                continue
            if state.due > now and (next_due is None or state.due < next_due):
                next_due = state.due
            if state.due < tomorrow_end:
                due_tomorrow += 1
            if now < state.due < ahead_end:
                ahead += 1
        return Summary(
            self.done,
            self.again,
            self.seconds,
            next_due,
            due_tomorrow,
            len(self.learning),
            self.held_back,
            store.settings.reviews_per_day,
            new_waiting,
            store.settings.new_per_day + self.options.extra_new,
            buried,
            suspended,
            ahead,
            tuple(self.deck_ids) if self.deck_ids is not None else None,
            self.mode,
            self.options.extra_new,
            len(self.queue) + (self.current is not None),
        )


def _round_robin(by_deck: Mapping[str, list[str]]) -> list[str]:
    """All the decks' cards, one deck's after another's in turn."""
    return gather_new(by_deck, sum(len(keys) for keys in by_deck.values()))
