"""Leeches: flagged when a lapse brings a card to the threshold; suspended or only reported."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.scheduling.scheduler import Rating
from flashprep.core.storage.logread import log_files, read_log
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.drill import Drill
from flashprep.core.study.leech import LEECH_HINT, becomes_leech, is_leech

from helpers import FakeClock

Make = Callable[..., UserStore]
KEY = "d1/c0"


@pytest.mark.parametrize(
    ("before", "after", "threshold", "flagged"),
    [
        (7, 8, 8, True),  # the threshold reached
        (8, 8, 8, False),  # no new lapse (a relearning step)
        (8, 9, 8, False),
        (11, 12, 8, True),  # every half threshold after it
        (15, 16, 8, True),
        (2, 3, 3, True),
        (3, 4, 3, True),  # half of 3 is at least 1
        (0, 1, 1, True),
        (0, 1, 0, False),  # 0: leeches off
        (6, 7, 8, False),
    ],
)
def test_becomes_leech(before: int, after: int, threshold: int, flagged: bool) -> None:
    assert becomes_leech(before, after, threshold) is flagged


def test_is_leech() -> None:
    assert is_leech(8, 8) and is_leech(20, 8)
    assert not is_leech(7, 8) and not is_leech(5, 0)


@pytest.fixture
def one(make_library: Callable[..., DeckLibrary]) -> DeckLibrary:
    return make_library(("d1",), 3)


def lapse_until(store: UserStore, clock: FakeClock, lapses: int) -> None:
    """Grade KEY until it has `lapses` lapses and is back in review, due now."""
    while True:
        state = store.state(KEY)
        if state.state == "review":
            if state.lapses >= lapses:
                break
            assert state.due is not None
            clock.now = max(clock.now, state.due)
            store.grade(KEY, Rating.AGAIN)
        else:
            if state.due is not None:
                clock.now = max(clock.now, state.due)
            store.grade(KEY, Rating.GOOD)
    assert state.due is not None
    clock.now = max(clock.now, state.due)


@pytest.mark.parametrize(
    ("action", "threshold"), [("suspend", 3), ("tag", 3), ("suspend", 4), ("tag", 5)]
)
def test_the_lapse_that_reaches_the_threshold_makes_a_leech(
    one: DeckLibrary,
    make_store: Make,
    clock: FakeClock,
    action: str,
    threshold: int,
) -> None:
    store = make_store(leech_lapses=threshold, leech_action=action)
    lapse_until(store, clock, threshold - 1)
    drill = Drill(one, store, keys=[KEY, "d1/c1"])
    event = drill.grade(Rating.AGAIN)
    assert event is not None and drill.last_leech == event
    assert event.key == KEY and event.lapses == threshold
    assert event.suspended is (action == "suspend")
    assert LEECH_HINT in event.message()
    assert store.state(KEY).suspended is (action == "suspend")
    assert (KEY in drill.learning) is (action == "tag")  # a suspended leech is not shown again
    entries = [e for path in log_files(store.log_dir) for e in read_log(path)[0]]
    assert (entries[-1].action == "suspend") is (action == "suspend")
    # undo takes the grade and the suspension back together
    assert drill.undo() == KEY
    assert drill.current == KEY
    assert not store.state(KEY).suspended
    assert store.state(KEY).lapses == threshold - 1
    assert drill.last_leech is None
    after = [e for path in log_files(store.log_dir) for e in read_log(path)[0]]
    assert len(after) == len(entries) - (2 if action == "suspend" else 1)


def test_a_grade_that_does_not_lapse_makes_no_leech(
    one: DeckLibrary, make_store: Make, clock: FakeClock
) -> None:
    store = make_store(leech_lapses=3, leech_action="suspend")
    lapse_until(store, clock, 2)
    drill = Drill(one, store, keys=[KEY])
    for rating in (Rating.HARD, Rating.GOOD, Rating.EASY):
        assert drill.grade(rating) is None
        drill.undo()
    assert not store.state(KEY).suspended
