"""Reviews that come back from Anki under Anki's ids are recognised as the log's own (logimport's
echo rule), and only those: another card, rating, action or a second later is a new review."""

from __future__ import annotations

from datetime import timedelta

import pytest

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
