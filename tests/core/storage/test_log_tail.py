"""A crash in the middle of an append: the cut-off last entry is set aside, never lost, never in
the way; a failed append is taken back at once."""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

import flashprep.core.files.fileio as fileio
from flashprep.core.files.lock import UserLock
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.paths import Home
from flashprep.core.storage.logread import read_all, read_log_file
from flashprep.core.storage.logtail import incomplete_tail, partial_path
from flashprep.core.storage.replay import Schedule, apply_entry
from flashprep.core.storage.userstore import UserStore

from helpers import FakeClock

Make = Callable[..., UserStore]


def replay(store: UserStore) -> Schedule:
    replayed = Schedule()
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
    rating_end = full.rindex(b"rating = 4") + len(b"rating = 4")
    set_aside = expected_aside = 0
    for cut in range(last_start + 1, len(full)):
        cut_file = full[:cut]
        log.write_bytes(cut_file)
        partial_path(log).unlink(missing_ok=True)
        # A cut after "rating = 4" leaves a whole entry (its answer time shortened at most):
        # kept, unless the "ms" line is cut before its number.
        rest = cut_file[rating_end:]
        whole = cut >= rating_end and (rest in (b"", b"\n") or re.fullmatch(rb"\nms = \d+", rest))
        reader = make_store()  # a reader skips the cut entry and changes nothing
        assert reader.states == (everything if whole else expected)
        assert log.read_bytes() == cut_file
        store = writer(home, clock)
        try:
            assert store.states == (everything if whole else expected), cut
            aside = partial_path(log).read_bytes() if partial_path(log).exists() else b""
            after = log.read_bytes()
            assert (after + aside).rstrip(b"\n") == cut_file.rstrip(b"\n")  # not a byte lost
            assert after.endswith(b"\n") and incomplete_tail(after) is None
            if cut > last_start + 1 and not whole:  # more than the blank line of a block
                expected_aside += 1
                assert aside and any("cut off" in n and ".partial" in n for n in store.notes)
            else:
                assert not aside and store.notes == []
            set_aside += bool(aside)
        finally:
            assert store.lock is not None
            store.lock.release()
    assert set_aside == expected_aside > 0
    log.write_bytes(full)  # the complete file: nothing to set aside
    partial_path(log).unlink(missing_ok=True)
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
    from flashprep.core.storage.reviewlog import LOG_HEADER

    assert incomplete_tail(b"") is None
    assert incomplete_tail(LOG_HEADER) is None
    assert incomplete_tail(LOG_HEADER[:10]) == 0
    assert incomplete_tail(LOG_HEADER + b"\n\n") is None


# --- a complete last entry is never set aside: NULs, whitespace, line ends (D3) -----------------

NUL_RUNS = [1, 7, 511, 4096, 9000]


def _reopen_and_grade(home: Home, clock: FakeClock, make_store: Make) -> UserStore:
    """Open as the writer, grade once more, and check the log replays to the same schedule."""
    store = writer(home, clock)
    clock.advance(minutes=1)
    store.grade("beta/b2", 2)
    store.checkpoint()
    assert store.lock is not None
    store.lock.release()
    assert make_store().states == store.states == replay(store).states
    return store


@pytest.mark.parametrize("nuls", NUL_RUNS)
@pytest.mark.parametrize("ending", [b"", b"\n", b"  \t\n", b"\r\n"])
def test_a_complete_entry_before_nuls_is_kept(
    graded: tuple[UserStore, bytes, int],
    home: Home,
    clock: FakeClock,
    make_store: Make,
    nuls: int,
    ending: bytes,
) -> None:
    store, full, _ = graded
    log = store.log_dir / "2026-11.toml"
    log.write_bytes(full + ending + b"\0" * nuls)  # a power cut during the next append
    assert len(make_store().states) == 3  # a reader counts every grade
    assert [e.card for e in read_all(store.log_dir)][-1] == "beta/b1"
    reopened = _reopen_and_grade(home, clock, make_store)
    assert not partial_path(log).exists() and reopened.notes == []
    raw = log.read_bytes()
    assert b"\0" not in raw and raw.startswith(full)
    assert [e.card for e in read_log_file(log)] == ["alpha/a1", "alpha/a2", "beta/b1", "beta/b2"]


@pytest.mark.parametrize(
    "edit",
    [
        lambda raw: raw.rstrip(b"\n"),  # an editor that adds no final newline
        lambda raw: raw.rstrip(b"\n") + b"   \t",  # and leaves trailing blanks
        lambda raw: raw + b"\n\n  \n",  # extra blank lines
        lambda raw: raw.replace(b"\n", b"\r\n"),  # Windows line ends
        lambda raw: raw.replace(b"\n", b"\r\n").rstrip(b"\r\n"),  # and no final one
        lambda raw: raw.rstrip(b"\n") + b"  # checked by hand",  # a comment on the last line
    ],
)
def test_a_hand_edited_end_keeps_the_last_entry(
    graded: tuple[UserStore, bytes, int],
    home: Home,
    clock: FakeClock,
    make_store: Make,
    edit: Callable[[bytes], bytes],
) -> None:
    store, full, _ = graded
    log = store.log_dir / "2026-11.toml"
    expected = make_store().states
    log.write_bytes(edit(full))
    assert make_store().states == expected  # readers agree before the writer touches it
    reopened = _reopen_and_grade(home, clock, make_store)
    assert not partial_path(log).exists()
    assert not any("cut off" in n for n in reopened.notes)  # (CR LF moves the checkpoint's offset)
    assert [e.card for e in read_log_file(log)] == ["alpha/a1", "alpha/a2", "beta/b1", "beta/b2"]


def _cut_payloads(full: bytes, last_start: int) -> list[tuple[bytes, bytes]]:
    """(file, what must be set aside): a cut-off last block with NULs in it or after it."""
    last = full[last_start:]
    head = full[:last_start]
    return [
        (head + last[:30] + b"\0" * 600, last[:30]),  # cut mid-line, then unwritten pages
        (head + last[:30] + b"\0" * 50 + last[80:], last[:30] + b"\0" * 50 + last[80:]),
        (head + b"\0" * 40 + last[40:], b"\0" * 40 + last[40:]),  # its start never written
        (head + last[:-12] + b"\n" + b"\0" * 4096, last[:-12] + b"\n"),  # whole lines, no rating
        (head + b"\0" * 4096 + last + b"\0" * 10, b"\0" * 4096 + last),  # data after a hole
    ]


def test_a_cut_off_entry_with_nuls_is_set_aside_and_the_one_before_kept(
    graded: tuple[UserStore, bytes, int], home: Home, clock: FakeClock, make_store: Make
) -> None:
    store, full, last_start = graded
    log = store.log_dir / "2026-11.toml"
    for payload, aside in _cut_payloads(full, last_start):
        log.write_bytes(payload)
        partial_path(log).unlink(missing_ok=True)
        assert len(make_store().states) == 2, payload[-60:]  # the reader skips the cut block
        reopened = writer(home, clock)
        assert reopened.lock is not None
        reopened.lock.release()
        assert log.read_bytes() == full[:last_start]
        assert partial_path(log).read_bytes() == aside
        assert any(".partial" in n for n in reopened.notes)
    _reopen_and_grade(home, clock, make_store)


def test_a_log_of_only_nuls_or_a_header_and_nuls_is_emptied_not_set_aside(
    home: Home, clock: FakeClock, make_store: Make
) -> None:
    from flashprep.core.storage.reviewlog import LOG_HEADER

    make_store().grade("alpha/a1", 3)
    newer = make_store().log_dir / "2026-12.toml"
    for payload, left in [
        (b"\0" * 4096, b""),
        (b"\0", b""),
        (LOG_HEADER + b"\0" * 300, LOG_HEADER),
        (LOG_HEADER.rstrip(b"\n") + b"\0\0", LOG_HEADER),
        (b"\n \n\0\0\n", b""),
    ]:
        newer.write_bytes(payload)
        assert len(make_store().states) == 1
        store = writer(home, clock)
        assert store.lock is not None
        store.lock.release()
        assert newer.read_bytes() == left and not partial_path(newer).exists()
        assert store.notes == []
    clock.advance(days=6)  # December: the next grade goes to the cleaned file, header first
    store = make_store()
    store.grade("alpha/a2", 3)
    assert [e.card for e in read_log_file(newer)] == ["alpha/a2"]


@pytest.mark.parametrize("garbage", [b"\0" * 100, b"rating = 4", b"\r\n\0\0  "])
def test_an_append_after_garbage_first_cleans_the_end(
    graded: tuple[UserStore, bytes, int], clock: FakeClock, make_store: Make, garbage: bytes
) -> None:
    """A store that did not tidy the log at its start (no lock) still never appends after
    NULs or an unfinished line."""
    store, full, last_start = graded
    log = store.log_dir / "2026-11.toml"
    log.write_bytes(full[: last_start + 60] + garbage)  # a cut-off block, then garbage
    store = make_store()
    clock.advance(minutes=1)
    store.grade("beta/b2", 1)
    assert [e.card for e in read_log_file(log)] == ["alpha/a1", "alpha/a2", "beta/b2"]
    assert partial_path(log).read_bytes() == (full[last_start : last_start + 60] + garbage).rstrip(
        b"\0"
    )
