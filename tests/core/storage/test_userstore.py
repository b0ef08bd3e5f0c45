"""A user's files: durable grades, checkpoint + log replay, undo, corrupt files, isolation."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable

import pytest

from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.paths import Home
from flashprep.core.scheduling.scheduler import Rating
from flashprep.core.storage.logread import log_files, read_all
from flashprep.core.storage.replay import Schedule, apply_entry
from flashprep.core.storage.userstore import CHECKPOINT_EVERY, UserStore

from helpers import FakeClock

Make = Callable[..., UserStore]


def replay_everything(store: UserStore) -> Schedule:
    replayed = Schedule()
    for entry in read_all(store.log_dir):
        apply_entry(store.scheduler, replayed, entry, store.rollover, store.tz)
    return replayed


def test_grade_is_on_disk_before_it_returns(store: UserStore) -> None:
    store.grade("alpha/a1", 3, ms=4200)
    text = (store.log_dir / "2026-11.toml").read_text()
    assert 'card = "alpha/a1"' in text
    assert "rating = 3" in text
    assert "ms = 4200" in text
    assert text.count("\n[[review]]\n") == 1


def test_reopening_replays_the_log_without_a_checkpoint(make_store: Make, clock: FakeClock) -> None:
    first = make_store()
    for key, rating in [("alpha/a1", 3), ("alpha/a2", 1), ("beta/b1", 4)]:
        first.grade(key, rating)
        clock.advance(seconds=20)
    assert not first.state_path.exists()
    second = make_store()
    assert second.states == first.states
    assert second.data.total == 3
    assert second.counts_today().new == 3


def test_checkpoint_plus_tail_equals_full_replay(make_store: Make, clock: FakeClock) -> None:
    store = make_store()
    for i in range(6):
        store.grade(f"alpha/a{i % 3 + 1}", (i % 4) + 1)
        clock.advance(minutes=15)
    store.checkpoint()
    for i in range(4):
        store.grade(f"beta/b{i % 2 + 1}", 3)
        clock.advance(hours=30)
    reopened = make_store()
    assert reopened._tail == 4  # only the entries after the checkpoint were replayed
    assert reopened.states == store.states == replay_everything(store).states
    assert reopened.data.total == 10


def test_checkpoint_cache_is_used_only_while_it_matches(make_store: Make) -> None:
    store = make_store()
    store.grade("alpha/a1", 3)
    store.checkpoint()
    assert store.cache_path.is_file()
    store.cache_path.write_bytes(b"flashprep state cache\n{}")  # falls back to the TOML
    assert make_store().states == store.states


def test_undo_removes_the_review_from_the_log(store: UserStore) -> None:
    store.grade("alpha/a1", 3)
    size = (store.log_dir / "2026-11.toml").stat().st_size
    store.grade("alpha/a2", 1)
    store.record("beta/b1", "bury")
    assert store.undo() is not None
    assert store.undo() is not None
    assert (store.log_dir / "2026-11.toml").stat().st_size == size
    assert "alpha/a2" not in store.states
    assert store.data.total == 1
    assert store.counts_today().new == 1


def test_undo_below_a_checkpoint_rewrites_it(make_store: Make) -> None:
    store = make_store()
    store.grade("alpha/a1", 3)
    store.grade("alpha/a2", 3)
    store.checkpoint()
    store.undo()
    reopened = make_store()
    assert "alpha/a2" not in reopened.states
    assert reopened.data.total == 1
    assert reopened.states == replay_everything(reopened).states


def test_checkpoint_that_no_longer_matches_the_log_is_rebuilt(make_store: Make) -> None:
    store = make_store()
    store.grade("alpha/a1", 3)
    store.grade("alpha/a2", 4)
    store.checkpoint()
    log = store.log_dir / "2026-11.toml"
    log.write_bytes(log.read_bytes()[: log.read_bytes().rindex(b"\n[[review]]")] + b"\n")
    reopened = make_store()
    assert "alpha/a2" not in reopened.states
    assert reopened.notes and "rebuilt" in reopened.notes[0]


def test_tail_is_checkpointed_when_long(make_store: Make, clock: FakeClock) -> None:
    store = make_store()
    for _ in range(CHECKPOINT_EVERY):
        store.grade("alpha/a1", 3)
        clock.advance(days=1)
    assert store.needs_checkpoint()
    store.checkpoint()
    assert not store.needs_checkpoint()


def test_corrupt_state_is_reported_and_never_overwritten(make_store: Make) -> None:
    store = make_store()
    store.grade("alpha/a1", 3)
    store.checkpoint()
    broken = store.state_path.read_bytes().replace(b'state = "learning"', b'state = "lost"')
    store.state_path.write_bytes(broken)
    with pytest.raises(
        DataFileError, match=r"state\.toml: line \d+: card 'alpha/a1': field 'state'"
    ):
        make_store()
    assert store.state_path.read_bytes() == broken


def test_corrupt_log_names_file_line_and_field(make_store: Make) -> None:
    store = make_store()
    store.grade("alpha/a1", 3)
    store.grade("alpha/a2", 3)
    log = store.log_dir / "2026-11.toml"
    log.write_bytes(log.read_bytes().replace(b"rating = 3\n", b"rating = 9\n", 1)[::1])
    before = log.read_bytes()
    with pytest.raises(DataFileError, match=r"2026-11\.toml: line 8: review #1: field 'rating'"):
        make_store()
    assert log.read_bytes() == before


def test_corrupt_profile_names_the_field(home: Home, make_store: Make) -> None:
    make_store()
    path = home.user_dir("tester") / "profile.toml"
    path.write_text(path.read_text().replace("new_per_day = 20", "new_per_day = -1"))
    with pytest.raises(DataFileError, match=r"field 'settings\.new_per_day'"):
        make_store()


def test_users_are_isolated(make_store: Make) -> None:
    alice, bob = make_store("alice"), make_store("bob")
    alice.grade("alpha/a1", 3)
    assert make_store("bob").states == {}
    assert bob.data.total == 0
    assert make_store("alice").data.total == 1


def test_day_counts_reset_at_the_rollover_hour(make_store: Make, clock: FakeClock) -> None:
    store = make_store(rollover_hour=4)
    store.grade("alpha/a1", 3)  # 15:00 UTC on the 26th
    clock.advance(hours=12)  # 03:00 on the 27th: still the 26th's study day
    assert store.counts_today().new == 1
    clock.advance(hours=1, minutes=1)  # 04:01 on the 27th: a new day
    assert store.counts_today().new == 0
    store.grade("alpha/a2", 3)
    assert make_store().counts_today().new == 1


def test_user_files_are_private(store: UserStore) -> None:
    store.grade("alpha/a1", 3)
    store.checkpoint()
    for path in [store.profile_path, store.state_path, *log_files(store.log_dir)]:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path


def test_mock_entries_do_not_change_the_schedule(store: UserStore) -> None:
    from flashprep.core.storage.reviewlog import LogEntry

    entry = LogEntry("x-1", store.now(), "alpha/a1", 3, "grade", 0, "mock")
    replayed = Schedule()
    apply_entry(store.scheduler, replayed, entry, 4, None)
    assert replayed.states == {} and replayed.total == 0


def test_a_rating_is_written_as_its_number(make_store: Make) -> None:
    store = make_store()
    store.grade("alpha/a1", Rating.GOOD)
    (log,) = log_files(store.log_dir)
    assert b"\nrating = 3\n" in log.read_bytes()
