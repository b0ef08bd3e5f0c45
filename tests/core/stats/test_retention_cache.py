"""The true retention's counts, kept at a mark of the history cache and then only added to.

Whatever the cache does (start cold, go on from a mark, meet a new month, an undo, a change
before the mark, other study days, a broken file), the counts must equal those of the samples
found afresh in the whole history.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, timedelta, tzinfo
from itertools import compress, pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fitlearner import log_entries, simulate
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.scheduling.parameters import DEFAULT_PARAMETERS
from flashprep.core.stats.history import History, Review
from flashprep.core.stats.historycache import HistoryReader
from flashprep.core.stats.readiness import forgotten
from flashprep.core.stats.report import StatsQuery, compute_stats
from flashprep.core.stats.retention import RetentionTally, retention_samples, sample_counts
from flashprep.core.stats.retentioncache import RetentionCache
from flashprep.core.stats.studydays import Calendar, Dated
from flashprep.core.stats.tally import Tally
from flashprep.core.storage.logread import read_all
from flashprep.core.storage.userstore import UserStore

from helpers import FakeClock

Counts = Counter[tuple[int, bool, bool]]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 4),  # study day
            st.sampled_from(["a/1", "a/2", "b/1"]),
            st.sampled_from(["learn", "review", "relearn"]),
            st.integers(1, 4),
            st.sampled_from([0.0, 3.0, 30.0]),
        ),
        max_size=40,
    ),
    st.lists(st.integers(0, 40), max_size=4),
)
def test_samples_counted_in_parts_are_those_of_the_whole(
    grades: list[tuple[int, str, str, int, float]], cuts: list[int]
) -> None:
    """Cut anywhere, within a study day too: a card graded before the cut on the same day
    has no sample after it."""
    grades.sort(key=lambda g: g[0])
    history = History.of(
        Review(float(i), card, rating, 0, kind, interval if kind == "review" else 0.0)  # type: ignore[arg-type]
        for i, (_, card, kind, rating, interval) in enumerate(grades)
    )
    days = [g[0] for g in grades]
    tally = RetentionTally()
    bounds = sorted({0, len(grades), *(min(c, len(grades)) for c in cuts)})
    for start, end in pairwise(bounds):
        assert tally.add(Dated(history[start:end], days[start:end], ordered=True))
    assert tally.counts == sample_counts(retention_samples(Dated(history, days, True)))
    whole = Tally()
    parts = Tally()
    assert whole.add(Dated(history, days, True))
    for start, end in pairwise(bounds):
        assert parts.add(Dated(history[start:end], days[start:end], ordered=True))
    assert parts == whole
    assert whole.forgotten == forgotten(history) and whole.days == Counter(days)


def test_days_that_go_back_are_not_tallied() -> None:
    history = History.of(Review(float(i), "a/1", 3, 0, "review", 30.0) for i in range(3))
    tally = RetentionTally()
    assert not tally.add(Dated(history, [5, 4, 6], ordered=False))
    assert tally.add(Dated(history[:1], [5], ordered=True))
    assert not tally.add(Dated(history[1:], [4, 6], ordered=True))  # before the last day
    assert tally.counts == Counter({(5, True, False): 1})


def read(store: UserStore) -> tuple[History, HistoryReader]:
    reader = HistoryReader(store)
    return reader.load(), reader


def through_cache(
    store: UserStore, deck: str | None = None, tz: tzinfo | None = None, rollover: int = 4
) -> tuple[Counts | None, int]:
    """The counts through the caches, and how many grades the saved counts held (the rest of
    the tally checked against the whole history's)."""
    history, reader = read(store)
    cache = RetentionCache(reader.folder, reader.marks, reader.stable, deck)
    cal = Calendar(store.now(), rollover, tz)
    tally = cache.tally(history, cal)
    reader.save()
    cache.save()
    if tally is None:
        return None, cache.resumed_at
    if deck is not None:
        history = history.select([card.startswith(f"{deck}/") for card in history.card])
    dated = cal.dated(history)  # the rest of the tally is that of the whole history too
    again = [rating == 1 for rating in history.rating]
    assert tally.days == Counter(dated.days) and tally.total == len(history)
    assert tally.agains == Counter(compress(history.card, again))
    assert tally.forgotten == forgotten(history)
    return tally.retention.counts, cache.resumed_at


def whole(
    store: UserStore, deck: str | None = None, tz: tzinfo | None = None, rollover: int = 4
) -> Counts:
    """The counts of the samples of the whole history, found afresh."""
    history = read(store)[0]
    if deck is not None:
        history = history.select([card.startswith(f"{deck}/") for card in history.card])
    return sample_counts(retention_samples(Calendar(store.now(), rollover, tz).dated(history)))


@pytest.fixture
def studied(make_store: Callable[..., UserStore], clock: FakeClock) -> UserStore:
    """A store whose log has months of imported history, then grades of its own."""
    store = make_store()
    first = simulate(DEFAULT_PARAMETERS, cards=40, days=90, new_per_day=3, seed=1)
    second = simulate(DEFAULT_PARAMETERS, cards=20, days=90, new_per_day=2, seed=2)
    store.import_entries(log_entries(first, "alpha") + log_entries(second, "beta"))
    clock.now = max(e.at for e in read_all(store.paths.reviews)) + timedelta(days=3)
    return store


@pytest.mark.parametrize("deck", [None, "alpha", "beta", "gamma"])
def test_cold_warm_and_incremental_counts_are_the_same(
    studied: UserStore, clock: FakeClock, deck: str | None
) -> None:
    store = studied
    assert through_cache(store, deck) == (whole(store, deck), 0)
    if deck != "gamma":
        assert whole(store, deck)  # there are samples to count
    got, resumed = through_cache(store, deck)
    assert got == whole(store, deck) and resumed > 0  # only the newest month counted
    for key in ("alpha/c00001", "beta/c00002", "alpha/c00003", "alpha/c00001"):
        store.grade(key, 1)
        clock.advance(hours=2)  # the same study day, then the next ones
        assert through_cache(store, deck)[0] == whole(store, deck)
        clock.advance(days=1)
    store.undo()
    assert through_cache(store, deck)[0] == whole(store, deck)
    clock.advance(days=40)  # a new month: the mark moves on
    store.grade("alpha/c00001", 3)
    assert through_cache(store, deck)[0] == whole(store, deck)
    got, resumed = through_cache(store, deck)
    assert got == whole(store, deck) and resumed == len(read(store)[0]) - 1


@pytest.mark.parametrize("deck", [None, "alpha"])
def test_a_change_before_the_mark_counts_from_there_again(
    studied: UserStore, deck: str | None
) -> None:
    store = studied
    through_cache(store, deck)
    older = simulate(DEFAULT_PARAMETERS, cards=10, days=60, new_per_day=2, seed=3)
    store.import_entries(log_entries(older, "alpha"))  # into the earlier months
    assert through_cache(store, deck)[0] == whole(store, deck)
    through_cache(store, deck)
    first = sorted(store.paths.reviews.rglob("*.toml"))[0]  # a hand edit: Good becomes Again
    first.write_text(first.read_text().replace("rating = 3", "rating = 1", 1))
    assert through_cache(store, deck)[0] == whole(store, deck)


@pytest.mark.parametrize(
    ("tz", "rollover", "moved"),
    [
        (ZoneInfo("Asia/Tokyo"), 20, True),
        (ZoneInfo("America/New_York"), 5, True),
        (None, 10, True),
        (None, 23, True),
        (ZoneInfo("Asia/Tokyo"), 4, False),
    ],
)
def test_other_study_days_count_everything_again(
    studied: UserStore, tz: tzinfo | None, rollover: int, moved: bool
) -> None:
    """The study days are not in the history cache's marks (the system's zone is not in the
    settings): the counts of other days are not taken for these (the grades are at 09:00 UTC:
    most of these put them on the day before)."""
    store = studied
    through_cache(store)
    through_cache(store)
    got, resumed = through_cache(store, None, tz, rollover)
    assert got == whole(store, None, tz, rollover) and resumed == 0
    assert (got != whole(store)) == moved
    assert through_cache(store, None, tz, rollover)[1] > 0  # and are kept for them now


def test_a_broken_file_counts_everything_again(studied: UserStore) -> None:
    store = studied
    through_cache(store)
    path = store.paths.cache_history / "retention.json"
    raw = path.read_bytes()
    for junk in (
        b"",
        b"{",
        b'{"v": 1}',
        b"[1, 2]",
        raw.replace(b"[", b"{", 3),
        raw.replace(b'"counts":[[', b'"counts":[["x",'),
        raw.replace(b'"last_cards":[', b'"last_cards":[1,'),
        raw.replace(b'"forgotten":[', b'"forgotten":[1,'),
        raw.replace(b'"per_day":[[', b'"per_day":[["x",'),
        raw.replace(b'"agains":{', b'"agains":{"x":"y",'),
        raw.replace(b'"agains":{', b'"agains":{"x":1.5,'),
        raw.replace(b'"agains":{', b'"agains":{"x":null,'),
        raw.replace(b'"forgotten":[', b'"forgotten":[null,'),
        raw.replace(b'"last_cards":[', b'"last_cards":[["a"],'),
        raw.replace(b'"total":', b'"t":"x","total":"x","u":'),
    ):
        path.write_bytes(junk)
        assert through_cache(store) == (whole(store), 0)


@pytest.mark.parametrize("deck", [None, "alpha"])
@pytest.mark.parametrize("range_name", ["month", "3months", "year", "all"])
def test_the_statistics_through_the_cache_are_those_of_the_whole_history(
    studied: UserStore, clock: FakeClock, library: DeckLibrary, deck: str | None, range_name: str
) -> None:
    store = studied
    keys = library.card_keys()  # the grades of the deck's own cards, for its readiness
    entries = log_entries(simulate(DEFAULT_PARAMETERS, cards=12, days=80, seed=4), "x")
    store.import_entries(
        [e._replace(id=f"own-{e.id}", card=keys[int(e.card[3:]) % len(keys)]) for e in entries]
    )

    def both() -> tuple[dict[str, object], dict[str, object]]:
        history, reader = read(store)
        cache = RetentionCache(reader.folder, reader.marks, reader.stable, deck)
        query = StatsQuery(store.now(), 4, UTC, deck, range_name)
        args = (history, store.states, library, store.scheduler, query, "ann")
        kept = compute_stats(*args, cache)
        reader.save()
        cache.save()
        return kept, compute_stats(*args)

    for step in range(4):
        kept, fresh = both()
        assert kept == fresh
        assert kept["retention"]["all_time"]["all"]["passed"]  # type: ignore[index]
        assert any(row["retention"] is not None for row in kept["by_deck"])  # type: ignore[attr-defined]
        store.grade(keys[step], 1 + step)
        clock.advance(days=(1, 20, 0, 40)[step])
