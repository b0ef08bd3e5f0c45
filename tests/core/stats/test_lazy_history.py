"""A history loaded through the cache keeps its months packed and makes a column only when asked.

Whatever is asked of it (a slice, one grade, a whole column, a change), it must answer as the
same grades held in plain columns do; a report that needs only the newest grades must not make
the whole columns; and a damaged month cache is read again from the log, never half-trusted.
"""

from __future__ import annotations

import json
import struct
from datetime import UTC, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.scheduling.parameters import DEFAULT_PARAMETERS
from flashprep.core.stats.history import KINDS, History, JoinedHistory, LazyHistory, Review
from flashprep.core.stats.historycache import MAGIC, HistoryReader
from flashprep.core.stats.modelfit import calibration
from flashprep.core.stats.report import StatsQuery, compute_stats
from flashprep.core.stats.retentioncache import RetentionCache
from flashprep.core.storage.logread import log_files
from flashprep.core.storage.userstore import UserStore

from helpers import FakeClock

KEYS = ["alpha/one", "alpha/two", "beta/x", "beta/y"]

reviews = st.builds(
    Review,
    st.floats(0, 2e9, allow_nan=False),
    st.sampled_from(KEYS),
    st.integers(1, 4),
    st.integers(0, 10**6),
    st.sampled_from(KINDS),
    st.floats(0, 400, allow_nan=False),
    st.booleans(),
)
parts = st.lists(st.lists(reviews, max_size=5), max_size=5)


def plain(rows: list[Review]) -> History:
    return History.of(rows) if rows else History()


def joined(groups: list[list[Review]], nested: bool) -> JoinedHistory:
    """The groups joined; nested: the later ones in a join of their own, and sliced out of it."""
    histories = [plain(rows) for rows in groups]
    if nested and len(histories) > 1:
        rest = JoinedHistory(histories[1:])
        histories = [histories[0], rest[: len(rest)]]
    return JoinedHistory(histories)


@settings(max_examples=150, deadline=None)
@given(parts, st.booleans(), st.integers(-25, 25), st.integers(-25, 25), st.sampled_from([1, 2]))
def test_a_joined_history_answers_as_the_plain_one(
    groups: list[list[Review]], nested: bool, start: int, stop: int, step: int
) -> None:
    rows = [row for group in groups for row in group]
    lazy, whole = joined(groups, nested), plain(rows)
    assert len(lazy) == len(rows)
    part = lazy[start:stop:step]
    assert list(part) == rows[start:stop:step]
    assert part == whole[start:stop:step] and whole[start:stop:step] == part
    assert list(lazy[start:]) == rows[start:] and list(lazy[:stop]) == rows[:stop]
    for index in (start, stop):
        if -len(rows) <= index < len(rows):
            assert lazy[index] == rows[index]
        else:
            with pytest.raises(IndexError):
                lazy[index]
    assert lazy == whole and whole == lazy
    assert [type(column) for column in lazy.columns()] == [
        type(column) for column in whole.columns()
    ]
    keep = [i % 3 != 1 for i in range(len(rows))]
    assert list(lazy.select(keep)) == list(whole.select(keep))
    assert list(lazy[start:stop]) == rows[start:stop] and len(lazy) == len(rows)  # all made


@settings(max_examples=60, deadline=None)
@given(parts, parts, st.integers(0, 12), st.booleans())
def test_a_joined_history_changed_is_the_plain_one_changed(
    groups: list[list[Review]], more: list[list[Review]], cut: int, truncate_first: bool
) -> None:
    lazy = joined(groups, nested=False)
    whole = plain([row for group in groups for row in group])
    added = plain([row for group in more for row in group])
    for history in (lazy, whole):
        if truncate_first:
            history.truncate(cut)
        history.extend(added)
        if not truncate_first:
            history.truncate(cut)
    assert lazy == whole and len(lazy) == len(whole)
    assert list(lazy[-3:]) == list(whole[-3:])


def grade_months(store: UserStore, clock: FakeClock, months: int = 4) -> None:
    """A few grades on each of several months (one log file, one cache file each)."""
    for month in range(months):
        for day in range(3):
            for index, key in enumerate(KEYS):
                store.grade(key, 1 + (month + day + index) % 4, 1000 + 10 * index)
                clock.advance(minutes=9)
            clock.advance(days=2)
        clock.now = clock.now.replace(day=1) + timedelta(days=33)
    assert len(log_files(store.log_dir)) >= months


def load(store: UserStore) -> tuple[History, HistoryReader]:
    reader = HistoryReader(store)
    history = reader.load()
    reader.save()
    return history, reader


def test_a_warm_load_makes_only_the_columns_and_grades_asked_for(
    store: UserStore, clock: FakeClock
) -> None:
    grade_months(store, clock)
    load(store)
    history, reader = load(store)
    assert not reader.rebuilt and isinstance(history, LazyHistory)
    made = set(vars(history))
    newest = history[-5:]  # a slice of the newest grades decodes only those
    assert set(vars(history)) == made and "card" not in made
    copy = History(*(list(column) for column in load(store)[0].columns()))
    assert newest == copy[-5:] and list(history[3:20]) == list(copy[3:20])
    assert history.card == copy.card and "card" in vars(history)  # asked for: made, and kept
    assert history == copy and history[len(history) - 1] == copy[-1]


@pytest.mark.parametrize(
    "damage",
    ["card index too big", "negative card index", "bad code", "card not a string"],
)
def test_a_damaged_month_cache_is_read_again_from_the_log(
    store: UserStore, clock: FakeClock, damage: str
) -> None:
    grade_months(store, clock, months=2)
    expected, _ = load(store)
    expected = History(*(list(column) for column in expected.columns()))
    path = sorted((store.folder / "cache" / "history").glob("*.bin"))[0]
    raw = path.read_bytes()
    at = len(MAGIC)
    (length,) = struct.unpack_from("<I", raw, at)
    header = json.loads(raw[at + 4 : at + 4 + length])
    body = bytearray(raw[at + 4 + length :])
    n = header["n"]
    cards_at, codes_at = n * 8, n * 8 + n * 4 + n * 4 + n * 8  # after ts; after ms, interval
    if damage == "card index too big":
        struct.pack_into("<i", body, cards_at + 4 * (n - 1), len(header["cards"]))
    elif damage == "negative card index":
        struct.pack_into("<i", body, cards_at, -1)
    elif damage == "bad code":
        body[codes_at + n // 2] = 200
    else:
        header["cards"][-1] = 7
    head = json.dumps(header, separators=(",", ":")).encode()
    path.write_bytes(MAGIC + struct.pack("<I", len(head)) + head + bytes(body))
    history, reader = load(store)
    assert reader.rebuilt
    assert history == expected


@pytest.fixture
def months_of_study(store: UserStore, clock: FakeClock, library: DeckLibrary) -> UserStore:
    """Months of grades on the library's own cards, the cache warm."""
    keys = library.card_keys()[:8]
    for month in range(5):
        for day in range(4):
            for index, key in enumerate(keys[month % 3 :]):
                store.grade(key, (1, 3, 3, 4, 2)[(month + day + index) % 5], 2000 + index)
                clock.advance(minutes=7)
            clock.advance(days=3)
        clock.now = clock.now.replace(day=1) + timedelta(days=32)
    load(store)
    return store


@pytest.mark.parametrize("deck", [None, "alpha", "beta"])
@pytest.mark.parametrize("range_name", ["month", "3months", "year", "all"])
def test_the_statistics_of_a_lazy_history_are_those_of_its_plain_copy(
    months_of_study: UserStore, library: DeckLibrary, deck: str | None, range_name: str
) -> None:
    store = months_of_study
    query = StatsQuery(store.now(), 4, UTC, deck, range_name)

    def report(plain_copy: bool) -> dict[str, object]:
        history, reader = load(store)
        assert isinstance(history, LazyHistory)
        if plain_copy:
            history = History(*(list(column) for column in history.columns()))
        retention = RetentionCache(reader.folder, reader.marks, reader.stable, deck)
        args = (history, store.states, library, store.scheduler, query, "ann", retention)
        return {**compute_stats(*args), "calibration": calibration(history, None, deck)}

    lazy = report(plain_copy=False)
    assert lazy == report(plain_copy=True) == report(plain_copy=False)
    assert lazy["reviews_total"]
    fitted = tuple(w * 1.01 for w in DEFAULT_PARAMETERS)
    history, _ = load(store)
    copy = History(*(list(column) for column in history.columns()))
    assert calibration(load(store)[0], fitted, deck) == calibration(copy, fitted, deck)


def test_a_report_of_the_newest_grades_leaves_the_old_months_packed(
    months_of_study: UserStore, library: DeckLibrary
) -> None:
    store = months_of_study
    query = StatsQuery(store.now(), 4, UTC, None, "month")
    for _ in range(2):  # the second time, the retention counts are kept at the mark
        history, reader = load(store)
        retention = RetentionCache(reader.folder, reader.marks, reader.stable)
        compute_stats(history, store.states, library, store.scheduler, query, "ann", retention)
        retention.save()
    assert isinstance(history, JoinedHistory)
    assert not {"card", "rating", "kind", "new"} & set(vars(history))
