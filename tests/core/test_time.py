"""Time going wrong: the clock moving backwards, or a review dated in the future, never corrupts a
schedule; the store, a reopened store and a full replay of the log always agree."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flashprep.core.scheduling.scheduler import CardState
from flashprep.core.storage.logread import log_files, read_all
from flashprep.core.storage.logwrite import entry_to_toml
from flashprep.core.storage.replay import Schedule, apply_entry
from flashprep.core.storage.reviewlog import LOG_HEADER, LogEntry
from flashprep.core.storage.userstore import UserStore

from helpers import FakeClock

Make = Callable[..., UserStore]


def replay(store: UserStore) -> Schedule:
    replayed = Schedule()
    for entry in read_all(store.log_dir):
        apply_entry(store.scheduler, replayed, entry, store.rollover, store.tz)
    return replayed


def sane(state: CardState) -> None:
    if state.is_new:
        return
    assert state.due is not None and state.last_review is not None
    assert state.due >= state.last_review
    assert state.stability is not None and state.stability > 0
    assert state.difficulty is not None and 1 <= state.difficulty <= 10


def agree(store: UserStore, make_store: Make) -> None:
    """The live store, a reopened one (checkpoint + tail) and a full replay are the same."""
    replayed = replay(store)
    assert store.states == replayed.states
    assert make_store().states == replayed.states
    assert store.data.total == replayed.total
    for state in store.states.values():
        sane(state)


def test_clock_moving_back_within_a_day(
    store: UserStore, clock: FakeClock, make_store: Make
) -> None:
    store.grade("alpha/a1", 3)
    first = store.state("alpha/a1")
    clock.advance(hours=-3)  # the computer's clock is corrected backwards
    store.grade("alpha/a1", 3)
    after = store.state("alpha/a1")
    assert after.last_review is not None and first.last_review is not None
    assert after.last_review >= first.last_review  # never reviewed "before" the last review
    agree(store, make_store)


def test_clock_moving_back_across_a_month(
    store: UserStore, clock: FakeClock, make_store: Make
) -> None:
    clock.now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    store.grade("alpha/a1", 3)
    store.checkpoint()
    clock.now = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)  # back into November
    store.grade("alpha/a2", 1)
    store.grade("alpha/a1", 4)
    assert [p.name for p in log_files(store.log_dir)] == ["2026-12.toml"]  # appended in order
    agree(store, make_store)
    reopened = make_store()
    assert reopened._tail == 2  # the checkpoint was still used: only the tail was replayed


def test_a_review_dated_in_the_future(store: UserStore, clock: FakeClock, make_store: Make) -> None:
    future = datetime(2031, 5, 1, 12, 0, tzinfo=UTC)
    store.grade("alpha/a2", 3)
    store.log_dir.mkdir(parents=True, exist_ok=True)
    with (store.log_dir / "2031-05.toml").open("wb") as handle:  # e.g. from a skewed machine
        handle.write(LOG_HEADER + entry_to_toml(LogEntry("future-1", future, "alpha/a1", 3)))
    store = make_store()
    assert store.state("alpha/a1").last_review == future
    store.grade("alpha/a1", 1)  # graded now, five years "before" its last review
    state = store.state("alpha/a1")
    assert state.last_review == future and state.due is not None and state.due > future
    store.grade("alpha/a3", 3)
    assert [p.name for p in log_files(store.log_dir)][-1] == "2031-05.toml"
    assert store.counts_today().graded >= 0  # today's counts do not break on a future day
    agree(store, make_store)


def test_clock_jumping_forward_then_back_many_times(
    store: UserStore, clock: FakeClock, make_store: Make
) -> None:
    steps = [timedelta(days=40), timedelta(days=-39), timedelta(hours=-30), timedelta(days=400)]
    for i in range(16):
        store.grade(f"alpha/a{i % 3 + 1}", i % 4 + 1)
        if i % 5 == 4:
            store.checkpoint()
        clock.now += steps[i % len(steps)]
    agree(store, make_store)
    names = [p.name for p in log_files(store.log_dir)]
    entries = list(read_all(store.log_dir))
    assert len(entries) == 16 and names == sorted(names)
