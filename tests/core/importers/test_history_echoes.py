"""Reviews that come back from Anki under Anki's ids are recognised as the log's own (logimport's
echo rule), and only those: another card, rating, action or a second later is a new review."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flashprep.core.scheduling.scheduler import Rating
from flashprep.core.storage.logimport import ECHO_MS
from flashprep.core.storage.reviewlog import LogEntry
from flashprep.core.storage.userstore import UserStore

from helpers import FakeClock


@pytest.fixture
def logged(store: UserStore, clock: FakeClock) -> LogEntry:
    entry = store.grade("alpha/a1", Rating.GOOD, ms=1200)
    clock.advance(seconds=30)
    store.record("alpha/a2", "grade", Rating.GOOD, mode="mock")
    return entry


def echo(entry: LogEntry, after_ms: int, **changes: object) -> LogEntry:
    moved = entry._replace(
        id=f"anki-{after_ms}-x", at=entry.at + timedelta(milliseconds=after_ms), mode="import"
    )
    return moved._replace(**changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("after_ms", [0, 1, 7, ECHO_MS - 1, ECHO_MS])
def test_the_same_review_under_another_id_is_known(
    store: UserStore, logged: LogEntry, after_ms: int
) -> None:
    assert store.import_entries([echo(logged, after_ms)]) == 0


@pytest.mark.parametrize(
    ("after_ms", "changes"),
    [
        (ECHO_MS + 1, {}),
        (-1, {}),
        (-ECHO_MS, {}),
        (0, {"rating": 1}),
        (0, {"card": "alpha/a3"}),
        (0, {"action": "forget", "rating": None}),
        (30_000, {"card": "alpha/a2"}),  # the log's entry there is a mock grade: not exported
    ],
)
def test_anything_else_is_a_new_review(
    store: UserStore, logged: LogEntry, after_ms: int, changes: dict[str, object]
) -> None:
    assert store.import_entries([echo(logged, after_ms, **changes)]) == 1


def test_two_copies_in_one_import_count_once(store: UserStore, logged: LogEntry) -> None:
    fresh = echo(logged, 5000)
    copy = fresh._replace(id="anki-other-id", at=fresh.at + timedelta(milliseconds=3))
    assert store.import_entries([fresh, copy]) == 1
    assert store.import_entries([copy]) == 0


def _echoes_by_search(unseen: list[LogEntry], log: list[LogEntry]) -> list[LogEntry]:
    """The echo rule as first written: every moment's times searched (the reference)."""
    from bisect import bisect_left, insort

    times: dict[tuple[str, str, int | None], list[int]] = {}
    for entry in log:
        if entry.mode not in ("mock", "practice"):
            key = (entry.card, entry.action, entry.rating)
            times.setdefault(key, []).append(int(entry.at.timestamp() * 1000))
    for found in times.values():
        found.sort()
    fresh = []
    for entry in unseen:
        ms = int(entry.at.timestamp() * 1000)
        found = times.setdefault((entry.card, entry.action, entry.rating), [])
        place = bisect_left(found, ms - ECHO_MS)
        if place < len(found) and found[place] <= ms:
            continue
        fresh.append(entry)
        insort(found, ms)
    return fresh


@pytest.mark.parametrize("seed", range(12))
def test_the_quick_rule_for_moments_the_log_lacks_keeps_what_the_search_keeps(
    seed: int, logged: LogEntry
) -> None:
    """Imports with echoes among themselves and of the log, at steps around ECHO_MS."""
    import random

    from flashprep.core.storage.logimport import _without_echoes

    rng = random.Random(seed)
    start = logged.at

    def some(count: int, mode: str) -> list[LogEntry]:
        out = []
        for i in range(count):
            at = start + timedelta(milliseconds=rng.choice([0, 1, 500, 999, 1000, 1001, 4000]) * i)
            action = rng.choice(["grade", "grade", "suspend", "forget"])
            rating = rng.choice([1, 3]) if action == "grade" else None
            card = rng.choice(["alpha/a1", "alpha/a2", "beta/b1"])
            out.append(LogEntry(f"{mode}-{seed}-{i}", at, card, rating, action, 0, mode))  # type: ignore[arg-type]
        return out

    log = some(rng.randint(0, 12), rng.choice(["drill", "mock", "import"]))
    unseen = some(rng.randint(1, 60), "import")
    for i, entry in enumerate(rng.sample(unseen + log, 5)):  # echoes, and near misses
        after = timedelta(milliseconds=rng.choice([0, 1, 999, ECHO_MS, ECHO_MS + 1]))
        unseen.append(entry._replace(id=f"echo-{i}", at=entry.at + after, mode="import"))
    unseen.sort(key=lambda e: e.at)
    kept = _without_echoes(unseen, log)
    assert kept == _echoes_by_search(unseen, log)
    assert 0 < len(kept) <= len(unseen)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("log_kind", ["empty", "other cards", "mock only"])
def test_a_log_without_these_cards_keeps_what_the_search_keeps(
    seed: int, log_kind: str, logged: LogEntry
) -> None:
    """The first import's quick path (no entry of these cards in the log to search): echoes
    among the imported entries themselves are still dropped, as the search drops them."""
    import random

    from flashprep.core.storage.logimport import _without_echoes

    rng = random.Random(seed)
    unseen = []
    at = logged.at
    for i in range(rng.randint(1, 80)):
        at += timedelta(milliseconds=rng.choice([0, 1, 999, ECHO_MS, ECHO_MS + 1, 60_000]))
        action = rng.choice(["grade", "grade", "suspend", "forget"])
        rating = rng.choice([1, 3]) if action == "grade" else None
        card = rng.choice(["alpha/a1", "alpha/a2", "beta/b1"])
        unseen.append(LogEntry(f"anki-{seed}-{i}", at, card, rating, action, 0, "import"))
    log = {
        "empty": [],
        "other cards": [logged._replace(card="gamma/g1")],
        "mock only": [logged._replace(card="alpha/a1", mode="mock")],
    }[log_kind]
    kept = _without_echoes(unseen, log)
    assert kept == _echoes_by_search(unseen, log)
    assert 0 < len(kept) <= len(unseen)


_STEPS = st.sampled_from([0, 1, 2, 500, ECHO_MS - 1, ECHO_MS, ECHO_MS + 1, 1500, 60_000])
_MOMENTS = st.tuples(
    st.sampled_from(["alpha/a1", "alpha/a2", "beta/b1", "beta/b2"]),
    st.sampled_from(
        [("grade", 1), ("grade", 3), ("grade", 4), ("suspend", None), ("forget", None)]
    ),
)


@settings(max_examples=150, deadline=None)
@given(
    steps=st.lists(st.tuples(_STEPS, _MOMENTS), min_size=1, max_size=70),
    logged_every=st.sampled_from([0, 2, 3, 7]),
    shift=st.sampled_from([0, 1, 999, ECHO_MS, ECHO_MS + 1]),
)
def test_the_card_by_card_rule_keeps_what_the_search_keeps(
    steps: list[tuple[int, tuple[str, tuple[str, int | None]]]], logged_every: int, shift: int
) -> None:
    """Grades of several cards close together (several of a card within ECHO_MS, other cards'
    between them), with and without a log holding some of them a little earlier: the check of
    a card's last kept time before any search keeps exactly what the search keeps."""
    from flashprep.core.storage.logimport import _without_echoes

    at = datetime(2025, 3, 1, tzinfo=UTC)
    unseen = []
    for i, (step, (card, (action, rating))) in enumerate(steps):
        at += timedelta(milliseconds=step)
        unseen.append(LogEntry(f"anki-{i}", at, card, rating, action, 0, "import"))
    log = [
        e._replace(id=f"own-{i}", at=e.at - timedelta(milliseconds=shift), mode="drill")
        for i, e in enumerate(unseen)
        if logged_every and i % logged_every == 0
    ]
    assert _without_echoes(unseen, log) == _echoes_by_search(unseen, log)
