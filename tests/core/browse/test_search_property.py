"""find_cards returns exactly what a plain filter returns, for random queries over random card
states at random moments.

The filter below is written apart from the engine: the query is generated as a small tree here,
rendered to text for find_cards and evaluated here directly over the test's own card list, with
its own text folding, fnmatch for the wildcards and the study day worked out by hand (UTC, the
store's rollover hour). Only the predicted recall comes from the scheduler (the same formula
the browser shows).
"""

from __future__ import annotations

import fnmatch
import json
import operator
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flashprep.core.browse.catalog import Catalog
from flashprep.core.browse.query import QueryError
from flashprep.core.browse.search import SORT_FIELDS, CardMatch, find_cards, search_cards
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.decks.rules import CATEGORIES
from flashprep.core.paths import Home
from flashprep.core.scheduling.scheduler import CardState
from flashprep.core.storage.userstore import UserStore

from fuzzing import budget
from helpers import START, FakeClock

# --- the cards ---------------------------------------------------------------------------------

DECKS = {"alpha-one": "technical", "alpha-two": "behavioral", "beta": "system-design"}

CARDS: list[dict[str, Any]] = [
    # deck, id, front, back, hint, tags, level
    dict(deck="alpha-one", id="c1", front="What is a cache?", back="A fast store.", hint=None,
         tags=["hashing"], level="junior"),
    dict(deck="alpha-one", id="c2", front="Résumé of a B-tree", back="Balanced ring\nof nodes",
         hint="Think naïve", tags=["Hash-map", "c++"], level="mid"),
    dict(deck="alpha-one", id="c3", front="Straße", back="STRASSE in caps", hint=None,
         tags=[], level=None),
    dict(deck="alpha-two", id="c4", front="Tell me about a conflict", back="Use STAR: cache it",
         hint="ring a bell", tags=["star"], level="senior"),
    dict(deck="alpha-two", id="c5", front="Ünïcode naive", back="Normalise it.", hint=None,
         tags=["big.o", "star"], level="mid"),
    dict(deck="beta", id="c6", front="Design a cache ring", back="Consistent hashing.",
         hint="nodes", tags=["hashing", "Hash-map"], level="senior"),
    dict(deck="beta", id="c7", front="Design a tree store", back="résumé nodes", hint=None,
         tags=["big.o"], level=None),
    dict(deck="beta", id="c8", front="x", back="y", hint=None, tags=[], level="junior"),
]  # fmt: skip
KEYS = [f"{c['deck']}/{c['id']}" for c in CARDS]
"""In catalog order: the decks' files sort alpha-one, alpha-two, beta, as listed."""

WORDS = ["cache", "CACHE", "ca", "resume", "RÉSUMÉ", "strasse", "hash", "naive", "naïve",
         "unicode", "ring", "no", "tree", "b-tree", "star", "x", "zebra", "c++", "it."]  # fmt: skip
PHRASES = ["cache ring", "a cache", "résumé nodes", "balanced ring", "ring of", "of nodes", "it"]
DECK_PATTERNS = ["alpha-one", "ALPHA*", "*two", "beta", "b*", "*", "gamma", "*-*", "alpha"]
TAG_PATTERNS = ["hashing", "hash*", "*map", "STAR", "c++", "big.o", "*", "x*", "*.*"]
OPS = ["<", "<=", ">", ">=", "=", ":"]
IS = ["new", "learning", "review", "due", "overdue", "suspended", "buried", "leech"]
RECALLS = [("0", 0.0), ("0.25", 0.25), (".5", 0.5), ("80%", 0.8), ("0.9", 0.9), ("1", 1.0)]


def deck_toml(deck_id: str) -> str:
    lines = [f'id = "{deck_id}"', f'name = "{deck_id}"', f'category = "{DECKS[deck_id]}"']
    for card in CARDS:
        if card["deck"] != deck_id:
            continue
        lines += ["", "[[cards]]"]
        for field in ("id", "front", "back", "hint", "tags", "level"):
            if card[field] is not None:
                lines.append(f"{field} = {json.dumps(card[field], ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def catalog(home: Home, tmp_path: Path) -> Catalog:
    folder = tmp_path / "decks"
    folder.mkdir()
    for deck_id in DECKS:
        (folder / f"{deck_id}.toml").write_text(deck_toml(deck_id), encoding="utf-8")
    built = Catalog.build(DeckLibrary.load(home, folder))
    assert built.keys == KEYS
    return built


# --- random states and queries -----------------------------------------------------------------


@st.composite
def card_states(draw: st.DrawFn) -> CardState | None:
    kind = draw(st.sampled_from(["none", "new", "learning", "review", "relearning"]))
    if kind == "none":
        return None
    suspended = draw(st.booleans())
    start = START.date()
    buried = draw(
        st.sampled_from([None, None, None, *(start + timedelta(days=d) for d in (-1, 0, 1, 2))])
    )
    if kind == "new":  # never graded, or forgotten (which keeps a suspension)
        return CardState(suspended=suspended, buried_until=buried)
    # mostly within a day and a half of now, where today, tomorrow and yesterday meet
    near, far = st.integers(-2160, 2160), st.integers(-6 * 1440, 6 * 1440)
    due = START + timedelta(minutes=draw(st.one_of(near, near, far)))
    last = START - timedelta(minutes=draw(st.integers(-1440, 12 * 1440)))
    stability = draw(st.floats(0.1, 200))
    reps, lapses = draw(st.integers(1, 14)), draw(st.integers(0, 11))
    return CardState(kind, None, stability, 5.0, due, last, reps, lapses, suspended, buried)


LEAVES = st.one_of(
    st.tuples(st.just("word"), st.sampled_from(WORDS)),
    st.tuples(st.just("phrase"), st.sampled_from(PHRASES)),
    st.tuples(st.just("deck"), st.sampled_from(DECK_PATTERNS)),
    st.tuples(st.just("tag"), st.sampled_from(TAG_PATTERNS)),
    st.tuples(st.just("level"), st.sampled_from(["junior", "mid", "senior", "none", "MID"])),
    st.tuples(st.just("category"), st.sampled_from(CATEGORIES)),
    st.tuples(st.just("is"), st.sampled_from(IS)),
    st.tuples(st.just("count"), st.sampled_from(["lapses", "reps"]), st.sampled_from(OPS),
              st.integers(0, 14)),
    st.tuples(st.just("count"), st.just("due"), st.sampled_from(OPS), st.integers(-7, 7)),
    st.tuples(st.just("recall"), st.sampled_from(OPS), st.sampled_from(RECALLS)),
    st.tuples(st.just("rated"), st.integers(1, 14)),
)  # fmt: skip

TREES = st.recursive(
    LEAVES,
    lambda kids: st.one_of(
        st.tuples(st.just("not"), kids),
        st.tuples(st.just("and"), st.lists(kids, min_size=2, max_size=3)),
        st.tuples(st.just("or"), st.lists(kids, min_size=2, max_size=3)),
    ),
    max_leaves=8,
)


def render(tree: Any) -> str:
    """The tree as a query. Terms side by side bind tighter than OR, so an AND inside an OR needs
    no parentheses (which tests the precedence); an OR inside an AND does."""
    kind = tree[0]
    if kind == "not":
        inner = render(tree[1])
        return f"-({inner})" if tree[1][0] in ("and", "or") else f"-{inner}"
    if kind == "and":
        return " ".join(f"({render(t)})" if t[0] == "or" else render(t) for t in tree[1])
    if kind == "or":
        return " OR ".join(render(t) for t in tree[1])
    if kind == "word":
        return str(tree[1])
    if kind == "phrase":
        return f'"{tree[1]}"'
    if kind == "count":
        return f"{tree[1]}{tree[2]}{tree[3]}"
    if kind == "recall":
        return f"recall{tree[1]}{tree[2][0]}"
    return f"{kind}:{tree[1]}"


# --- the plain filter --------------------------------------------------------------------------


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


COMPARE = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "=": operator.eq,
    ":": operator.eq,
}


class Plain:
    """Everything the filter knows about one moment: the cards' states and the user's day."""

    def __init__(self, store: UserStore, states: dict[str, CardState]) -> None:
        self.store = store
        self.states = states
        self.now = store.now()
        self.rollover = store.rollover
        self.today = self.day(self.now)

    def day(self, instant: datetime) -> date:
        """The study day in UTC: the date of the instant moved back by the rollover hours."""
        return (instant.astimezone(UTC) - timedelta(hours=self.rollover)).date()

    def state(self, key: str) -> CardState | None:
        state = self.states.get(key)
        return None if state is None or state.state == "new" else state

    def due_day(self, key: str) -> date | None:
        state = self.state(key)
        return None if state is None or state.due is None else self.day(state.due)

    def recall(self, key: str) -> float | None:
        state = self.state(key)
        return None if state is None else self.store.scheduler.retrievability(state, self.now)

    def buried(self, key: str) -> bool:
        state = self.states.get(key)
        return (
            state is not None
            and state.buried_until is not None
            and (state.buried_until > self.today)
        )

    def suspended(self, key: str) -> bool:
        state = self.states.get(key)
        return state is not None and state.suspended

    def status_of(self, key: str) -> str:
        state = self.states.get(key)
        return "new" if state is None else state.state

    def matches(self, tree: Any, card: dict[str, Any]) -> bool:
        key = f"{card['deck']}/{card['id']}"
        kind = tree[0]
        if kind == "not":
            return not self.matches(tree[1], card)
        if kind == "and":
            return all(self.matches(t, card) for t in tree[1])
        if kind == "or":
            return any(self.matches(t, card) for t in tree[1])
        if kind in ("word", "phrase"):
            parts = [card["front"], card["back"], card["hint"] or "", *card["tags"]]
            return any(fold(tree[1]) in fold(part) for part in parts)
        if kind == "deck":
            return fnmatch.fnmatchcase(card["deck"].casefold(), tree[1].casefold())
        if kind == "tag":
            return any(fnmatch.fnmatchcase(t.casefold(), tree[1].casefold()) for t in card["tags"])
        if kind == "level":
            wanted = tree[1].lower()
            return card["level"] == (None if wanted == "none" else wanted)
        if kind == "category":
            return DECKS[card["deck"]] == tree[1]
        if kind == "is":
            return self.is_(tree[1], key)
        if kind == "count":
            field, op, value = tree[1:]
            if field == "due":
                due = self.due_day(key)
                return due is not None and COMPARE[op]((due - self.today).days, value)
            state = self.states.get(key)
            count = 0 if state is None else getattr(state, field)
            return bool(COMPARE[op](count, value))
        if kind == "recall":
            recall = self.recall(key)
            return recall is not None and COMPARE[tree[1]](recall, tree[2][1])
        assert kind == "rated"
        state = self.states.get(key)
        if state is None or state.last_review is None:
            return False
        return (self.today - self.day(state.last_review)).days < tree[1]

    def is_(self, what: str, key: str) -> bool:
        state = self.states.get(key)
        graded = self.state(key)
        due = self.due_day(key)
        if what == "new":
            return graded is None
        if what == "learning":
            return self.status_of(key) in ("learning", "relearning")
        if what == "review":
            return self.status_of(key) == "review"
        if what == "suspended":
            return self.suspended(key)
        if what == "buried":
            return self.buried(key)
        if what == "leech":
            return state is not None and state.lapses >= self.store.settings.leech_lapses
        waiting = due is not None and not self.suspended(key) and not self.buried(key)
        if what == "due":
            return waiting and due <= self.today  # type: ignore[operator]
        assert what == "overdue"
        return waiting and due < self.today  # type: ignore[operator]


# --- the properties ----------------------------------------------------------------------------

EVERY_TERM: list[Any] = [
    *(("word", w) for w in WORDS),
    *(("phrase", p) for p in PHRASES),
    *(("deck", p) for p in DECK_PATTERNS),
    *(("tag", p) for p in TAG_PATTERNS),
    *(("level", v) for v in ["junior", "mid", "senior", "none", "MID"]),
    *(("category", c) for c in CATEGORIES),
    *(("is", v) for v in IS),
    *(("count", f, op, n) for f in ("lapses", "reps") for op in OPS for n in (0, 1, 7, 8, 9, 14)),
    *(("count", "due", op, n) for op in OPS for n in (-2, -1, 0, 1, 2)),
    *(("recall", op, r) for op in OPS for r in RECALLS),
    *(("rated", n) for n in (1, 2, 3, 7, 13)),
]


def set_states(store: UserStore, states: list[CardState | None]) -> Plain:
    store.states.clear()
    store.states.update({k: s for k, s in zip(KEYS, states, strict=True) if s is not None})
    return Plain(store, dict(store.states))


@budget(60)
@given(
    states=st.lists(card_states(), min_size=len(CARDS), max_size=len(CARDS)),
    minutes=st.integers(-1440, 1440),
)
def test_every_term_matches_what_a_plain_filter_matches(
    catalog: Catalog,
    store: UserStore,
    clock: FakeClock,
    states: list[CardState | None],
    minutes: int,
) -> None:
    clock.now = START + timedelta(minutes=minutes)
    plain = set_states(store, states)
    for term in EVERY_TERM:
        for tree in (term, ("not", term)):
            expected = [k for k, card in zip(KEYS, CARDS, strict=True) if plain.matches(tree, card)]
            query = render(tree)
            assert [row.key for row in find_cards(catalog, query, store)] == expected, query


@budget(300)
@given(
    states=st.lists(card_states(), min_size=len(CARDS), max_size=len(CARDS)),
    minutes=st.integers(-1440, 1440),
    tree=TREES,
    sort=st.sampled_from(SORT_FIELDS),
    descending=st.booleans(),
)
def test_find_cards_returns_what_a_plain_filter_returns(
    catalog: Catalog,
    store: UserStore,
    clock: FakeClock,
    states: list[CardState | None],
    minutes: int,
    tree: Any,
    sort: str,
    descending: bool,
) -> None:
    clock.now = START + timedelta(minutes=minutes)
    plain = set_states(store, states)
    query = render(tree)

    rows = find_cards(catalog, query, store)
    expected = [key for key, card in zip(KEYS, CARDS, strict=True) if plain.matches(tree, card)]
    assert [row.key for row in rows] == expected, query

    for row in rows:
        assert row.due == plain.due_day(row.key)
        assert row.recall == plain.recall(row.key)
        assert row.buried == plain.buried(row.key)
        assert row.suspended == plain.suspended(row.key)
        assert row.state == plain.status_of(row.key)

    resorted = find_cards(catalog, query, store, sort=sort, descending=descending)
    assert sorted(row.key for row in resorted) == sorted(expected)


@budget(300)
@given(text=st.text(alphabet=st.sampled_from('ab -():"<=>*%.0OR\u0301é'), max_size=16))
def test_any_typed_query_gives_rows_or_a_query_error(catalog: Catalog, store: UserStore,
                                                     text: str) -> None:  # fmt: skip
    try:
        rows = find_cards(catalog, text, store)
    except QueryError as exc:
        assert 0 <= exc.position <= len(text)
    else:
        assert {row.key for row in rows} <= set(KEYS)


# --- the rows made when read ---------------------------------------------------------------------

STATUS_ORDER = ("new", "learning", "relearning", "review", "buried", "suspended")
LEVEL_ORDER = ("junior", "mid", "senior")


def sorted_rows(rows: list[CardMatch], sort: str, descending: bool) -> list[CardMatch]:
    """Rows in catalog order sorted on a field as the browser sorted its rows before they were
    made when read: by the row's value, stable even reversed, rows without a value last."""
    if sort == "deck":
        return rows[::-1] if descending else list(rows)
    value: Callable[[CardMatch], object]
    if sort == "question":
        value = lambda row: row.front.casefold()  # noqa: E731
    elif sort == "state":
        value = lambda row: STATUS_ORDER.index(row.status)  # noqa: E731
    elif sort == "level":
        value = lambda row: None if row.level is None else LEVEL_ORDER.index(row.level)  # noqa: E731
    else:
        value = operator.attrgetter(sort)
    keyed = [(value(row), row) for row in rows]
    valued = [pair for pair in keyed if pair[0] is not None]
    valued.sort(key=operator.itemgetter(0), reverse=descending)
    return [row for _, row in valued] + [row for v, row in keyed if v is None]


@budget(200)
@given(
    states=st.lists(card_states(), min_size=len(CARDS), max_size=len(CARDS)),
    minutes=st.integers(-1440, 1440),
    tree=TREES,
    sort=st.sampled_from(SORT_FIELDS),
    descending=st.booleans(),
)
def test_the_matches_are_the_rows_sorted_as_rows(
    catalog: Catalog,
    store: UserStore,
    clock: FakeClock,
    states: list[CardState | None],
    minutes: int,
    tree: Any,
    sort: str,
    descending: bool,
) -> None:
    clock.now = START + timedelta(minutes=minutes)
    set_states(store, states)
    query = render(tree)
    in_order = find_cards(catalog, query, store)
    expected = sorted_rows(in_order, sort, descending)

    matches = search_cards(catalog, query, store, sort=sort, descending=descending)
    assert list(matches) == expected, query
    assert len(matches) == len(expected)
    assert matches.keys == [row.key for row in expected]
    assert matches[1:3] == expected[1:3] and matches[::-1] == expected[::-1]
    if expected:
        assert matches[-1] == expected[-1]
    with pytest.raises(IndexError):
        matches[len(expected)]
    for at, row in enumerate(expected):
        assert matches.position(row.key) == at
    for key in set(KEYS) - set(matches.keys):
        assert matches.position(key) is None

    if expected:  # a row made anew after an action is the one read from then on
        changed = expected[0]._replace(lapses=99)
        matches[0] = changed
        assert matches[0] == changed and list(matches)[1:] == expected[1:]
