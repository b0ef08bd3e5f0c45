"""The log's unbury and due actions, batches of actions (`record_many`) and their undo.

Every action goes through `apply_entry`, so the live schedule, a reopened store (with and without
a checkpoint) and the statistics' replay must agree after any of them.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from flashprep.core.files import fileio
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.scheduling.scheduler import NEW
from flashprep.core.stats.historycache import HistoryReader
from flashprep.core.storage.logread import log_files, read_all
from flashprep.core.storage.logwrite import entry_to_toml
from flashprep.core.storage.replay import Schedule, apply_entry
from flashprep.core.storage.reviewlog import ACTIONS, LogEntry
from flashprep.core.storage.userstore import UserStore

from helpers import FakeClock

Make = Callable[..., UserStore]
KINDS = ("new", "learning", "review", "suspended", "buried")
KEY = {kind: f"alpha/{kind}" for kind in KINDS}


def prepare(store: UserStore, clock: FakeClock) -> None:
    """One card of each kind, on the clock's day."""
    store.grade(KEY["learning"], 3)
    for kind in ("review", "suspended", "buried"):
        store.grade(KEY[kind], 4)  # Easy: straight to review, due days later
    store.record(KEY["suspended"], "suspend")
    store.record(KEY["buried"], "bury")
    clock.advance(minutes=5)


def replay_everything(store: UserStore) -> Schedule:
    replayed = Schedule()
    for entry in read_all(store.log_dir):
        apply_entry(store.scheduler, replayed, entry, store.rollover, store.tz)
    return replayed


def log_bytes(store: UserStore) -> bytes:
    return b"".join(path.read_bytes() for path in log_files(store.log_dir))


def test_the_kinds_are_what_their_names_say(store: UserStore, clock: FakeClock) -> None:
    prepare(store, clock)
    today = store.today()
    assert store.state(KEY["new"]) == NEW
    assert store.state(KEY["learning"]).state == "learning"
    assert store.state(KEY["review"]).state == "review"
    assert store.state(KEY["suspended"]).suspended
    buried = store.state(KEY["buried"]).buried_until
    assert buried is not None and buried > today


@pytest.mark.parametrize("kind", KINDS)
def test_unbury_clears_only_the_bury(store: UserStore, clock: FakeClock, kind: str) -> None:
    prepare(store, clock)
    key = KEY[kind]
    before = store.state(key)
    store.record(key, "unbury")
    assert store.state(key) == before._replace(buried_until=None)


@pytest.mark.parametrize("kind", KINDS)
def test_due_makes_a_scheduled_card_due_now(store: UserStore, clock: FakeClock, kind: str) -> None:
    prepare(store, clock)
    key = KEY[kind]
    before = store.state(key)
    entry = store.record(key, "due")
    after = store.state(key)
    if kind == "new":
        assert after == before == NEW
        assert key not in store.states  # nothing to remember for a card never scheduled
    else:
        assert after == before._replace(due=entry.at, buried_until=None)
        assert after.suspended == before.suspended  # a suspended card stays suspended


@pytest.mark.parametrize("action", ["unbury", "due", "bury", "suspend", "unsuspend", "forget"])
def test_every_action_replays_to_the_live_state(
    make_store: Make, clock: FakeClock, action: str
) -> None:
    """After the action (and a grade after it), the live schedule equals a reopened store's,
    with and without a checkpoint, and a replay of the whole log."""
    store = make_store()
    prepare(store, clock)
    store.record_many(list(KEY.values()), action)
    clock.advance(minutes=3)
    store.grade(KEY["review"], 3)
    store.grade(KEY["new"], 2)
    assert make_store().states == store.states == replay_everything(store).states
    store.checkpoint()
    clock.advance(minutes=1)
    store.record_many([KEY["learning"], KEY["buried"]], action)
    assert make_store().states == store.states == replay_everything(store).states


@pytest.mark.parametrize("action", ["unbury", "due"])
def test_the_statistics_replay_agrees_after_the_new_actions(
    store: UserStore, clock: FakeClock, action: str
) -> None:
    """The history cache, extended after the action, equals a fresh read; the grade after a
    `due` is counted as a review of the interval the card had once made due."""
    prepare(store, clock)
    first = HistoryReader(store)
    first.load()
    first.save()
    store.record_many(list(KEY.values()), action)
    clock.advance(minutes=1)
    before = store.state(KEY["review"])
    store.grade(KEY["review"], 3)
    reader = HistoryReader(store)
    cached = reader.load()
    reader.save()
    assert not reader.rebuilt
    shutil.rmtree(store.folder / "cache" / "history")
    rebuilt = HistoryReader(store)
    assert rebuilt.load() == cached and rebuilt.rebuilt
    last = cached[-1]
    assert last.card == KEY["review"] and last.kind == "review"
    assert before.due is not None and before.last_review is not None
    expected = (before.due - before.last_review).total_seconds() / 86400
    assert last.interval == pytest.approx(expected)


def test_an_older_reader_refuses_an_unknown_action(store: UserStore) -> None:
    """What a version without an action does with a log holding it: a one-line error naming
    the file, line and field, and the file untouched (here: an action no version knows)."""
    assert {"unbury", "due"} <= set(ACTIONS)
    store.grade("alpha/a1", 3)
    entry = store.record("alpha/a1", "due")
    (log,) = log_files(store.log_dir)
    for unknown in ("reschedule", "Due", "due "):
        raw = log.read_bytes()
        log.write_bytes(raw.replace(b'action = "due"', f'action = "{unknown}"'.encode()))
        with pytest.raises(DataFileError, match=r"line \d+: review #2: field 'action': must be"):
            UserStore(store.home, store.user, store.clock)
        log.write_bytes(raw)
    assert entry.action == "due"


# --- record_many and its undo ---------------------------------------------------------------


def test_record_many_appends_every_entry_at_once(store: UserStore, clock: FakeClock) -> None:
    prepare(store, clock)
    size = log_bytes(store)
    keys = [KEY["learning"], KEY["review"], KEY["new"]]
    entries = store.record_many(keys, "suspend")
    assert [e.card for e in entries] == keys
    assert {e.action for e in entries} == {"suspend"} and len({e.id for e in entries}) == 3
    assert log_bytes(store) == size + b"".join(entry_to_toml(e) for e in entries)
    assert all(store.state(k).suspended for k in keys)
    assert store.record_many([], "suspend") == [] and log_bytes(store).endswith(
        entry_to_toml(entries[-1])
    )


@pytest.mark.parametrize(
    ("keys", "action"),
    [(["alpha/a1"], "grade"), (["alpha/a1", "not a key"], "bury"), (["alpha/a1"], "due-today")],
)
def test_record_many_refuses_before_writing(store: UserStore, keys: list[str], action: str) -> None:
    store.grade("alpha/a1", 3)
    before = log_bytes(store), dict(store.states)
    with pytest.raises(ValueError, match=r"action|card|grade"):
        store.record_many(keys, action)
    assert (log_bytes(store), store.states) == before


def test_undo_takes_a_batch_back_as_one_step(make_store: Make, clock: FakeClock) -> None:
    store = make_store()
    prepare(store, clock)
    store.grade(KEY["new"], 3)
    before_states, before_log = dict(store.states), log_bytes(store)
    before_counts, before_total = store.counts_today(), store.data.total
    keys = [KEY[kind] for kind in KINDS]
    store.record_many(keys, "forget")
    assert all(store.state(k).is_new for k in keys)
    assert [e.card for e in store.next_undo] == keys
    undone = store.undo()
    assert undone is not None and undone.card == keys[0]
    assert store.states == before_states and log_bytes(store) == before_log
    assert store.counts_today() == before_counts and store.data.total == before_total
    assert make_store().states == before_states
    assert [e.card for e in store.next_undo] == [KEY["new"]]  # then the grade before it, alone
    assert store.undo() is not None and KEY["new"] not in store.states


def test_a_batch_naming_a_card_twice_undoes_to_the_first_state(store: UserStore) -> None:
    store.grade("alpha/a1", 4)
    before = dict(store.states)
    store.record_many(["alpha/a1", "alpha/a2", "alpha/a1"], "bury")
    store.undo()
    assert store.states == before


def test_two_batches_in_a_row_are_two_steps(make_store: Make, clock: FakeClock) -> None:
    store = make_store()
    prepare(store, clock)
    first = dict(store.states)
    store.record_many([KEY["review"], KEY["learning"]], "suspend")
    second = dict(store.states)
    store.record_many([KEY["review"], KEY["learning"]], "unsuspend")
    third = dict(store.states)
    store.record(KEY["review"], "bury")
    store.undo()
    assert store.states == third
    store.undo()  # the unsuspend batch
    assert store.states == second
    store.checkpoint()  # the checkpoint is below the next undo: it is rewritten
    store.undo()
    assert store.states == first
    assert make_store().states == first == replay_everything(store).states


def test_a_batch_is_not_undone_over_another_writers_append(store: UserStore) -> None:
    store.record_many(["alpha/a1", "alpha/a2"], "suspend")
    (log,) = log_files(store.log_dir)
    with log.open("ab") as handle:
        handle.write(entry_to_toml(LogEntry("other-1", store.now(), "alpha/a3", 3)))
    with pytest.raises(DataFileError, match="changed by another process"):
        store.undo()
    assert not store.can_undo and b"other-1" in log.read_bytes()


@pytest.mark.parametrize("failing", ["write", "fsync"])
def test_a_batch_lands_whole_or_not_at_all(
    make_store: Make,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    failing: str,
) -> None:
    """The disk fills while a batch is appended (part of it written first): nothing of it stays
    in the log or in memory, no undo step is left, and a retry writes it whole once."""
    store = make_store()
    prepare(store, clock)
    before = log_bytes(store), dict(store.states), store.next_undo
    keys = [KEY[kind] for kind in KINDS]
    real = getattr(os, failing)

    def full_disk(*args: Any) -> Any:
        if failing == "write":  # part of the bytes reach the file first
            real(args[0], bytes(args[1])[: len(args[1]) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(fileio.os, failing, full_disk)
        with pytest.raises(OSError, match="No space"):
            store.record_many(keys, "due")
    assert (log_bytes(store), store.states, store.next_undo) == before
    assert make_store().states == before[1]
    entries = store.record_many(keys, "due")
    assert [e.card for e in read_all(store.log_dir) if e.action == "due"] == keys
    assert make_store().states == store.states
    assert len(entries) == len(keys)


def test_a_batch_after_a_clock_moved_back_goes_to_the_newest_file(
    make_store: Make, clock: FakeClock
) -> None:
    store = make_store()
    store.grade("alpha/a1", 4)
    clock.advance(days=40)
    store.grade("alpha/a2", 4)
    clock.now -= timedelta(days=40)
    store.record_many(["alpha/a1", "alpha/a2"], "due")
    *_, newest = log_files(store.log_dir)
    assert newest.read_bytes().count(b'action = "due"') == 2
    assert make_store().states == store.states


def test_the_statistics_roll_back_an_undone_batch(store: UserStore, clock: FakeClock) -> None:
    prepare(store, clock)
    store.record_many(list(KEY.values()), "due")
    clock.advance(minutes=1)
    store.grade(KEY["review"], 3)
    reader = HistoryReader(store)
    before_undo = reader.load()
    reader.save()
    store.undo()  # the grade
    store.undo()  # the batch
    store.grade(KEY["review"], 3)  # now a grade of the card as it was before the batch
    reader = HistoryReader(store)
    cached = reader.load()
    reader.save()
    assert not reader.rebuilt
    shutil.rmtree(store.folder / "cache" / "history")
    assert HistoryReader(store).load() == cached
    assert cached[-1].interval != before_undo[-1].interval  # the batch's `due` is gone
