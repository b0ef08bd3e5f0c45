"""Searching the cards: a query (query.py) evaluated on the catalog and one user's schedule, and
the rows the browser and `flashprep cards` show.

Each term is evaluated for every card at once, as a column of booleans that the operators then
combine: a keystroke's search over 10,000 cards is a few passes over lists, and a term that needs
something costly (the due day, the recall, the normalised text) computes it only when the query
has such a term.

What the terms mean, against the user's schedule now (store.now(), and the study day with the
user's rollover hour and time zone):
- is:new: never graded, or forgotten since (no state, or state "new").
- is:learning: state "learning" or "relearning"; is:review: state "review". A suspended or buried
  card keeps its state, so is:review matches a suspended review card too.
- is:due: not new, not suspended, not buried, and due before the end of today's study day (what
  core/study/drill.count_states counts as due); is:overdue: is:due and due before today began.
- is:suspended; is:buried: buried until a day after today; is:leech: the user's leech threshold
  (settings.leech_lapses, as core/study/leech.is_leech reads it) reached.
- due<=N: the card's due study day is at most N days after today (due<0: due before today).
- recall<X: the predicted recall now (the scheduler's retrievability). New cards have neither a
  due day nor a recall, so no due or recall term matches them.
- lapses, reps: the card's counts (0 for a new card).
- rated:N: last graded within the last N study days, today included (CardState.last_review).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from datetime import date, datetime, tzinfo
from functools import cached_property, lru_cache
from itertools import compress
from typing import TYPE_CHECKING, NamedTuple, overload

from flashprep.core.browse.catalog import Catalog
from flashprep.core.browse.query import (
    And,
    Compare,
    Field,
    Node,
    Not,
    Or,
    Query,
    Rated,
    Text,
    glob,
    glob_matches,
    parse_query,
)
from flashprep.core.clock import day_end, day_start, study_day
from flashprep.core.keys import deck_of
from flashprep.core.scheduling.scheduler import NEW, CardState
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.drill import is_buried

if TYPE_CHECKING:
    from flashprep.core.decks.library import DeckLibrary
from flashprep.core.study.leech import is_leech

SORT_FIELDS = ("deck", "question", "state", "due", "recall", "lapses", "reps", "level")
STATUS_ORDER = ("new", "learning", "relearning", "review", "buried", "suspended")
"""How `state` sorts: the way a card goes, then the cards set aside."""
LEVEL_ORDER = ("junior", "mid", "senior")

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "=": operator.eq,
}


class CardMatch(NamedTuple):
    """One row of the results."""

    key: str
    deck: str
    front: str
    """The question on one line, cleaned (see catalog.one_line_front)."""
    state: str
    """new, learning, review or relearning (kept while suspended or buried)."""
    suspended: bool
    buried: bool
    due: date | None
    """The study day the card is due; None for a new card."""
    recall: float | None
    """The predicted recall now; None for a new card."""
    lapses: int
    reps: int
    level: str | None

    @property
    def status(self) -> str:
        """What the State column shows: suspended, buried, else the state."""
        if self.suspended:
            return "suspended"
        if self.buried:
            return "buried"
        return self.state


@lru_cache(maxsize=1 << 16)
def _day(instant: datetime, rollover: int, tz: tzinfo | None) -> date:
    """The study day of an instant, remembered: every search asks it of each card's due (or last
    review) instant, which change only when the card is graded."""
    return study_day(instant, rollover, tz)


_new_row = tuple.__new__
"""How a named tuple builds itself, without its Python-level `__new__` (CardMatch._make)."""


class _Now:
    """The instant of a search and the user's study day around it."""

    def __init__(self, store: UserStore) -> None:
        self.store = store
        self.now: datetime = store.now()
        self.today = store.today(self.now)
        self.today_ord = self.today.toordinal()
        self.start = day_start(self.today, store.rollover, store.tz)
        self.end = day_end(self.today, store.rollover, store.tz)
        self._retrievability = store.scheduler.retrievability

    def day_ord(self, instant: datetime) -> int:
        return _day(instant, self.store.rollover, self.store.tz).toordinal()

    def due_day(self, state: CardState) -> date | None:
        due = state.due
        return (
            None if due is None or state.is_new else _day(due, self.store.rollover, self.store.tz)
        )

    def due_ord(self, state: CardState) -> int | None:
        day = self.due_day(state)
        return None if day is None else day.toordinal()

    def recall(self, state: CardState) -> float | None:
        return None if state.state == "new" else self._retrievability(state, self.now)

    def buried(self, state: CardState) -> bool:
        return is_buried(state, self.today_ord)

    def is_due(self, state: CardState) -> bool:
        return (
            not state.is_new
            and not state.suspended
            and not self.buried(state)
            and state.due is not None
            and state.due < self.end
        )

    def row(self, catalog: Catalog, index: int, state: CardState) -> CardMatch:
        """The row of the card at `index` of the catalog, in `state`: built as a plain tuple
        (a search may list every one of 50,000 cards)."""
        key, deck, front, level = (
            catalog.keys[index],
            catalog.decks[index],
            catalog.fronts[index],
            catalog.levels[index],
        )
        due, recall = self.due_day(state), self.recall(state)
        row = (key, deck, front, state.state, state.suspended, self.buried(state), due, recall)
        return _new_row(CardMatch, (*row, state.lapses, state.reps, level))


class _Search:
    """One evaluation: the states of every card, and a column per term."""

    def __init__(self, catalog: Catalog, store: UserStore) -> None:
        self.catalog = catalog
        self.at = _Now(store)
        self.store = store

    @cached_property
    def states(self) -> list[CardState]:
        """Every card's state, in catalog order: made only for a query or a sort that reads
        them (a search of words alone does not)."""
        states = self.store.states.get  # decoded once for the store's life: no decode per card
        return [states(key, NEW) for key in self.catalog.keys]

    def column(self, node: Node) -> list[bool]:
        match node:
            case And(terms):
                return self._combine(terms, operator.and_, True)
            case Or(terms):
                return self._combine(terms, operator.or_, False)
            case Not(term):
                return [not ok for ok in self.column(term)]
            case Text(needle):
                return list(map(bool, self.catalog.holding(needle)))
            case Field():
                return self._field(node)
            case Compare():
                return self._compare(node)
            case Rated(days):
                first = self.at.today_ord - days + 1
                day_ord = self.at.day_ord
                return [
                    s.last_review is not None and day_ord(s.last_review) >= first
                    for s in self.states
                ]
        raise AssertionError(f"unknown query node {node!r}")

    def _combine(
        self, terms: tuple[Node, ...], op: Callable[[bool, bool], bool], empty: bool
    ) -> list[bool]:
        if not terms:
            return [empty] * len(self.catalog)
        result = self.column(terms[0])
        for term in terms[1:]:
            result = list(map(op, result, self.column(term)))
        return result

    def _field(self, node: Field) -> list[bool]:
        catalog, value = self.catalog, node.value
        if node.name == "deck":
            pattern = glob(value)
            decks = {d for d in set(catalog.decks) if glob_matches(pattern, d.casefold())}
            return [d in decks for d in catalog.decks]
        if node.name == "tag":
            pattern = glob(value)
            tags = {t for t in catalog.tag_set if glob_matches(pattern, t.casefold())}
            return [not tags.isdisjoint(card_tags) for card_tags in catalog.tags]
        if node.name == "level":
            level = None if value == "none" else value
            return [lv == level for lv in catalog.levels]
        if node.name == "category":
            return [c == value for c in catalog.categories]
        return self._is(value)

    def _is(self, value: str) -> list[bool]:
        at, states = self.at, self.states
        if value == "new":
            return [s.is_new for s in states]
        if value == "learning":
            return [s.state in ("learning", "relearning") for s in states]
        if value == "review":
            return [s.state == "review" for s in states]
        if value == "due":
            return [at.is_due(s) for s in states]
        if value == "overdue":
            return [at.is_due(s) and s.due is not None and s.due < at.start for s in states]
        if value == "suspended":
            return [s.suspended for s in states]
        if value == "buried":
            return [at.buried(s) for s in states]
        assert value == "leech", value
        threshold = at.store.settings.leech_lapses
        return [is_leech(s.lapses, threshold) for s in states]

    def _compare(self, node: Compare) -> list[bool]:
        op, value, states = _COMPARE[node.op], node.value, self.states
        if node.name == "lapses":
            return [op(s.lapses, value) for s in states]
        if node.name == "reps":
            return [op(s.reps, value) for s in states]
        if node.name == "recall":
            recall = self.at.recall
            return [(r := recall(s)) is not None and op(r, value) for s in states]
        today, due_ord = self.at.today_ord, self.at.due_ord
        return [(d := due_ord(s)) is not None and op(d - today, value) for s in states]

    def found(self, root: Node) -> list[int]:
        """The places of the cards the query matches, in catalog order."""
        return list(compress(range(len(self.catalog)), self.column(root)))

    def row(self, index: int) -> CardMatch:
        """The card's row, in its state when read (an action since the search shows)."""
        key = self.catalog.keys[index]
        return self.at.row(self.catalog, index, self.store.states.get(key, NEW))

    def sort_value(self, field: str) -> Callable[[int], object]:
        """What the card at an index sorts by on a field, as its row's value would be (None:
        it goes last): no row is built to sort."""
        catalog, at = self.catalog, self.at
        if field == "question":
            fronts = catalog.fronts
            return lambda i: fronts[i].casefold()
        if field == "level":
            rank = {name: i for i, name in enumerate(LEVEL_ORDER)}
            levels = catalog.levels
            return lambda i: None if (v := levels[i]) is None else rank.get(v, len(rank))
        states = self.states  # the fields below are the card's schedule
        if field == "state":
            order = {name: i for i, name in enumerate(STATUS_ORDER)}

            def status(i: int) -> int:
                s = states[i]
                return order["suspended" if s.suspended else "buried" if at.buried(s) else s.state]

            return status
        if field == "due":
            return lambda i: at.due_day(states[i])
        if field == "recall":
            return lambda i: at.recall(states[i])
        counts = operator.attrgetter(field)  # lapses, reps
        return lambda i: counts(states[i])

    def sort(self, found: list[int], field: str, descending: bool) -> list[int]:
        """Places in catalog order sorted on a SORT_FIELDS field; ties stay in catalog order,
        even descending, and cards without a value go last either way. `deck` is the catalog
        order itself (decks as the library lists them, cards in deck order)."""
        if field == "deck":
            return found[::-1] if descending else found
        value = self.sort_value(field)
        keyed = [(value(i), i) for i in found]
        valued = [pair for pair in keyed if pair[0] is not None]
        valued.sort(key=operator.itemgetter(0), reverse=descending)  # stable, even reversed
        return [i for _, i in valued] + [i for v, i in keyed if v is None]


class Matches(Sequence[CardMatch]):
    """The cards a search found, in order: a card's row is made when it is read, so a search
    that finds every one of 50,000 cards makes only the rows shown. A row shows the card's state
    when read, at the search's `now`; one set anew (`matches[i] = row`, after an action) is
    kept."""

    def __init__(self, search: _Search | None = None, order: list[int] | None = None) -> None:
        self._search = search
        self._order: list[int] = order or []
        self._set: dict[int, CardMatch] = {}

    def __len__(self) -> int:
        return len(self._order)

    @overload
    def __getitem__(self, at: int) -> CardMatch: ...
    @overload
    def __getitem__(self, at: slice) -> list[CardMatch]: ...
    def __getitem__(self, at: int | slice) -> CardMatch | list[CardMatch]:
        if isinstance(at, slice):
            return [self._row(i) for i in range(*at.indices(len(self._order)))]
        if at < 0:
            at += len(self._order)
        if not 0 <= at < len(self._order):
            raise IndexError("match index out of range")
        return self._row(at)

    def _row(self, at: int) -> CardMatch:
        row = self._set.get(at)
        if row is not None:
            return row
        assert self._search is not None, "no search: no places"
        return self._search.row(self._order[at])

    def __setitem__(self, at: int, row: CardMatch) -> None:
        """Show a card's row made anew (card_match, after an action changed the card)."""
        self._row(at)  # IndexError if out of range
        self._set[at % len(self._order)] = row

    @property
    def keys(self) -> list[str]:
        """The cards' keys in order, no row made."""
        if self._search is None:
            return []
        keys = self._search.catalog.keys
        return [keys[i] for i in self._order]

    def position(self, key: str) -> int | None:
        """Where the card `key` is among the matches; None if it is not one."""
        keys = [] if self._search is None else self._search.catalog.keys
        return next((at for at, i in enumerate(self._order) if keys[i] == key), None)


def search_cards(
    catalog: Catalog,
    query: str | Query,
    store: UserStore,
    sort: str = "deck",
    descending: bool = False,
) -> Matches:
    """The cards that match a query (QueryError if it is malformed), sorted (ValueError for a
    field not in SORT_FIELDS); each row made when read (see Matches)."""
    parsed = parse_query(query) if isinstance(query, str) else query
    if sort not in SORT_FIELDS:
        raise ValueError(f"cannot sort by {sort!r}: choose one of {', '.join(SORT_FIELDS)}")
    search = _Search(catalog, store)
    return Matches(search, search.sort(search.found(parsed.root), sort, descending))


def find_cards(
    catalog: Catalog,
    query: str | Query,
    store: UserStore,
    sort: str = "deck",
    descending: bool = False,
) -> list[CardMatch]:
    """Every row of `search_cards`, made now (`flashprep cards`, the tests)."""
    return list(search_cards(catalog, query, store, sort, descending))


def matching_keys(
    library: DeckLibrary, store: UserStore, query: str | Query, deck_ids: list[str] | None = None
) -> list[str]:
    """The keys of the cards a query finds, in the named decks only when some are, in catalog
    order: what a drill of a search (`drill --query`, custom study) drills."""
    decks = set(deck_ids) if deck_ids else None
    found = search_cards(Catalog.build(library), query, store).keys
    return [k for k in found if decks is None or deck_of(k) in decks]


def card_match(catalog: Catalog, key: str, store: UserStore) -> CardMatch:
    """One card's row (after an action changed it); KeyError for a card not in the catalog."""
    index = catalog.positions[key]
    return _Now(store).row(catalog, index, store.state(key))
