"""A crash in the middle of an append: the cut-off last entry is set aside, never lost, never in
the way; a failed append is taken back at once."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

import pytest

import flashprep.core.fileio as fileio
from flashprep.core.lock import UserLock
from flashprep.core.paths import Home
from flashprep.core.reviewlog import incomplete_tail, partial_path, read_all, read_log_file
from flashprep.core.tomlerrors import DataFileError
from flashprep.core.userstore import Replayed, UserStore, apply_entry

from helpers import FakeClock

Make = Callable[..., UserStore]


def replay(store: UserStore) -> Replayed:
    replayed = Replayed()
    for entry in read_all(store.log_dir):
        apply_entry(store.scheduler, replayed, entry, store.rollover, store.tz)
    return replayed


def writer(home: Home, clock: FakeClock, user: str = "tester") -> UserStore:
    lock = UserLock(home.user_dir(user))
    lock.acquire()
    return UserStore(home, user, clock, lock=lock)


@pytest.fixture
def graded(make_store: Make, clock: FakeClock) -> tuple[UserStore, bytes, int]:
    """Three grades (the checkpoint after the first); returns the store, the log, and where the
    last block starts."""
    store = make_store()
    store.grade("alpha/a1", 3)
    store.checkpoint()
    clock.advance(minutes=2)
    store.grade("alpha/a2", 1)
    log = store.log_dir / "2026-11.toml"
    last_start = log.stat().st_size
    clock.advance(minutes=2)
    store.grade("beta/b1", 4, ms=5123)
    return store, log.read_bytes(), last_start


def test_every_cut_of_the_last_entry_is_set_aside_by_the_writer(
    graded: tuple[UserStore, bytes, int], home: Home, clock: FakeClock, make_store: Make
) -> None:
    store, full, last_start = graded
    log = store.log_dir / "2026-11.toml"
    two = make_store()
    log.write_bytes(full[:last_start])
    expected = make_store().states  # the schedule of the first two grades
    assert len(expected) == 2
    del two
    log.write_bytes(full)
    everything = make_store().states
    set_aside = 0
    for cut in range(last_start + 1, len(full)):
        cut_file = full[:cut]
        log.write_bytes(cut_file)
        partial_path(log).unlink(missing_ok=True)
        # Cut just before "ms = ...": a whole entry that lost only its answer time; kept.
        whole = cut_file.endswith(b"rating = 4\n")
        reader = make_store()  # a reader skips the cut entry and changes nothing
        assert reader.states == (everything if whole else expected)
        assert log.read_bytes() == cut_file
        store = writer(home, clock)
        try:
            assert store.states == (everything if whole else expected), cut
            aside = partial_path(log).read_bytes() if partial_path(log).exists() else b""
            assert log.read_bytes() + aside == cut_file  # not a byte lost
            assert incomplete_tail(log.read_bytes()) is None
            if cut > last_start + 1 and not whole:  # more than the blank line of a block
                assert aside and any("cut off" in n and ".partial" in n for n in store.notes)
                set_aside += 1
        finally:
            assert store.lock is not None
            store.lock.release()
    assert set_aside == len(full) - last_start - 3
    log.write_bytes(full)  # the complete file: nothing to set aside
    partial_path(log).unlink()
    store = writer(home, clock)
    assert not partial_path(log).exists() and store.notes == []
    assert len(store.states) == 3
    assert store.lock is not None
    store.lock.release()


def test_after_setting_aside_grading_goes_on_and_replays_equal(
    graded: tuple[UserStore, bytes, int], home: Home, clock: FakeClock, make_store: Make
) -> None:
    store, full, last_start = graded
    log = store.log_dir / "2026-11.toml"
    log.write_bytes(full[: last_start + 25])
    store = writer(home, clock)
    clock.advance(minutes=1)
    store.grade("beta/b2", 3)
    store.checkpoint()
    assert store.lock is not None
    store.lock.release()
    reopened = make_store()
    assert reopened.states == store.states == replay(reopened).states
    assert [e.card for e in read_log_file(log)] == ["alpha/a1", "alpha/a2", "beta/b2"]


def test_a_complete_entry_with_a_wrong_value_is_an_error_not_set_aside(
    graded: tuple[UserStore, bytes, int], home: Home, clock: FakeClock
) -> None:
    store, full, _ = graded
    log = store.log_dir / "2026-11.toml"
    broken = full[: full.rindex(b"rating = 4")] + b"rating = 7\nms = 5123\n"
    log.write_bytes(broken)
    with pytest.raises(DataFileError, match=r"line \d+: review #3: field 'rating'"):
        writer(home, clock)
    assert log.read_bytes() == broken and not partial_path(log).exists()


def test_a_cut_off_header_of_a_new_month_file_is_set_aside(
    home: Home, clock: FakeClock, make_store: Make
) -> None:
    store = make_store()
    store.grade("alpha/a1", 3)
    newer = store.log_dir / "2026-12.toml"
    newer.write_bytes(b"# flashprep review log: one [[rev")
    store = writer(home, clock)
    assert newer.read_bytes() == b"" and partial_path(newer).read_bytes().startswith(b"# flash")
    clock.advance(days=6)  # now December: the grade goes to the emptied file, header first
    store.grade("alpha/a2", 3)
    assert [e.card for e in read_log_file(newer)] == ["alpha/a2"]


def test_a_failed_append_is_taken_back(
    store: UserStore, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, make_store: Make
) -> None:
    store.grade("alpha/a1", 3)
    log = store.log_dir / "2026-11.toml"
    before = log.read_bytes()
    real_write = os.write

    def half_then_full(fd: int, data: bytes | memoryview) -> int:
        if len(data) > 40:
            real_write(fd, bytes(data)[:20])  # the disk fills up in the middle of the block
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(fileio.os, "write", half_then_full)
    clock.advance(minutes=1)
    with pytest.raises(OSError, match="No space"):
        store.grade("alpha/a2", 4)
    monkeypatch.undo()
    assert log.read_bytes() == before  # nothing half-written
    assert "alpha/a2" not in store.states  # and nothing applied
    store.grade("alpha/a3", 2)
    assert make_store().states == store.states == replay(store).states


def test_a_failed_fsync_is_taken_back(
    store: UserStore, monkeypatch: pytest.MonkeyPatch, make_store: Make
) -> None:
    store.grade("alpha/a1", 3)
    log = store.log_dir / "2026-11.toml"
    before = log.read_bytes()
    calls = {"n": 0}
    real_fsync = os.fsync

    def failing_once(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError(errno.EIO, "I/O error")
        real_fsync(fd)

    monkeypatch.setattr(fileio.os, "fsync", failing_once)
    with pytest.raises(OSError, match="I/O error"):
        store.grade("alpha/a2", 4)
    assert log.read_bytes() == before
    assert make_store().states == store.states


def test_incomplete_tail_ignores_a_file_that_ends_cleanly(tmp_path: Path) -> None:
    from flashprep.core.reviewlog import LOG_HEADER

    assert incomplete_tail(b"") is None
    assert incomplete_tail(LOG_HEADER) is None
    assert incomplete_tail(LOG_HEADER[:10]) == 0
    assert incomplete_tail(LOG_HEADER + b"\n\n") is None
