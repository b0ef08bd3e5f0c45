"""Property-based tests (hypothesis) of every parser and of the store that writes a user's files.

Thousands of inputs in all: random bytes, real files with bytes and values mutated, and random
sequences of actions with the clock jumping about and crashes in between. The properties: a
parser returns a valid object or raises DataFileError with a one-line message (never another
exception); a broken file is never changed; whatever happens, the live schedule, a reopened
store and a full replay of the log agree.

Runs are derandomized (the same inputs every run, as CI wants); set FLASHPREP_HYPOTHESIS=explore
to draw fresh inputs, ten times as many. The strategies live in tests/support/fuzzing.py for reuse.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from flashprep.core.decks.deck import Deck, parse_deck
from flashprep.core.decks.library import card_from_toml, card_to_toml
from flashprep.core.files.lock import UserLock
from flashprep.core.files.tomlerrors import DataFileError, key_line
from flashprep.core.paths import Home
from flashprep.core.scheduling.scheduler import Scheduler
from flashprep.core.storage.checkpoint import checkpoint_to_toml, parse_checkpoint
from flashprep.core.storage.logread import read_all, read_log
from flashprep.core.storage.logtail import PADDING, incomplete_tail, last_block_id, partial_path
from flashprep.core.storage.logwrite import entry_to_toml
from flashprep.core.storage.profile import Profile, parse_profile, profile_to_toml, save_profile
from flashprep.core.storage.replay import Schedule, apply_entry
from flashprep.core.storage.reviewlog import LOG_HEADER, LogEntry, parse_log
from flashprep.core.storage.userstore import UserStore

from fuzzing import any_input, budget, mutated, one_line_error, without_fsync
from helpers import START, FakeClock

DATA = Path(__file__).parents[2] / "data"


# --- valid files to start from -------------------------------------------------------------------

DECKS = [(DATA / "decks" / n).read_bytes() for n in ("alpha.toml", "beta.toml")]
PROFILE = profile_to_toml(Profile.model_validate({"seed": 7, "settings": {"timezone": "UTC"}}))
KEYS = ["alpha/a1", "alpha/a2", "beta/b1", "python/gil"]


def sample_log() -> tuple[bytes, list[LogEntry]]:
    entries = [
        LogEntry(f"e{i}", START + timedelta(minutes=7 * i), KEYS[i % 4], i % 4 + 1, ms=1000 * i)
        for i in range(6)
    ]
    entries.append(LogEntry("e6", START + timedelta(hours=2), "beta/b1", None, "bury"))
    return LOG_HEADER + b"".join(entry_to_toml(e) for e in entries), entries


LOG, LOG_ENTRIES = sample_log()


def sample_state() -> bytes:
    replayed = Schedule()
    for entry in LOG_ENTRIES:
        apply_entry(Scheduler(), replayed, entry, 4, UTC)
    return checkpoint_to_toml(replayed, START + timedelta(hours=3))


STATE = sample_state()

# --- parsers -------------------------------------------------------------------------------------


@budget(700)
@given(any_input(DECKS))
def test_deck_parser(raw: bytes) -> None:
    try:
        deck = parse_deck(raw, "d.toml")
    except DataFileError as exc:
        one_line_error(exc, "d.toml")
        return
    assert isinstance(deck, Deck)
    assert all(card.front.strip() and card.back.strip() for card in deck.cards)
    for card in deck.cards:  # what the editor shows reads back as the same card
        assert card_from_toml(card_to_toml(card), card.id) == card


@budget(300)
@given(any_input([card_to_toml(c).encode() for c in parse_deck(DECKS[0]).cards]))
def test_edited_card_parser(raw: bytes) -> None:
    try:
        card = card_from_toml(raw.decode("utf-8", errors="replace"), "a1", "edited card")
    except DataFileError as exc:
        one_line_error(exc, "edited card")
        return
    assert card.id == "a1"


@budget(400)
@given(any_input([PROFILE]))
def test_profile_parser(raw: bytes) -> None:
    try:
        profile = parse_profile(raw, "p.toml")
    except DataFileError as exc:
        one_line_error(exc, "p.toml")
        return
    profile.tz()
    Scheduler(profile.scheduler_settings())
    assert parse_profile(profile_to_toml(profile)) == profile  # round-trips


@budget(500)
@given(any_input([STATE]))
def test_state_parser(raw: bytes) -> None:
    try:
        replayed = parse_checkpoint(raw, Path("s.toml"))
    except DataFileError as exc:
        one_line_error(exc, "s.toml")
        return
    scheduler = Scheduler()
    for key, state in replayed.states.items():  # every accepted state can be graded further
        for rating in (1, 3):
            after = scheduler.review(key, state, rating, START + timedelta(days=3))
            assert after.due is not None and after.last_review is not None
            assert after.due >= after.last_review
    assert parse_checkpoint(checkpoint_to_toml(replayed, START), Path("s.toml")).states == (
        replayed.states
    )


@budget(500)
@given(any_input([LOG]))
def test_log_parser_and_tail_detection(raw: bytes) -> None:
    cut = incomplete_tail(raw)
    assert cut is None or 0 <= cut <= len(raw)
    last_block_id(raw)
    try:
        entries = parse_log(raw, "l.toml")
    except DataFileError as exc:
        one_line_error(exc, "l.toml")
        entries = None
    replayed = Schedule()
    for entry in entries or []:
        apply_entry(Scheduler(), replayed, entry, 4, UTC)
    if cut is not None and entries is not None:
        assert raw[cut:].strip(), "a clean file has no incomplete tail"


@budget(300)
@given(st.binary(max_size=300), st.lists(st.text(max_size=8) | st.integers(0, 5), max_size=4))
def test_key_line_never_fails(raw: bytes, loc: list[str | int]) -> None:
    line = key_line(raw, loc)
    assert line is None or 1 <= line <= raw.count(b"\n") + 1


# --- a user's files, mutated on disk, opened by a writer -----------------------------------------


@contextmanager
def user_copy(template: Path) -> Iterator[tuple[Home, Path]]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "home"
        shutil.copytree(template, root)
        yield Home(root), root / "users" / "tester"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("template") / "home"
    home = Home(root)
    save_profile(
        home.user_dir("tester") / "profile.toml",
        Profile.model_validate({"seed": 7, "settings": {"timezone": "UTC"}}),
    )
    clock = FakeClock()
    store = UserStore(home, "tester", clock)
    for i, key in enumerate(KEYS):
        store.grade(key, i % 4 + 1)
        clock.advance(minutes=5)
    store.checkpoint()
    store.grade("alpha/a1", 3)
    store.record("beta/b1", "suspend")
    shutil.rmtree(store.folder / "backups")
    shutil.rmtree(store.folder / "cache")
    return root


def snapshot(folder: Path) -> dict[str, bytes]:
    skip = {"lock", "lock.info"}
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and p.name not in skip
    }


USER_FILES = ["profile.toml", "state.toml", "reviews/*/2026-11.toml"]


@budget(200)
@given(data=st.data())
def test_a_writer_never_damages_mutated_user_files(template: Path, data: st.DataObject) -> None:
    with user_copy(template) as (home, folder), without_fsync():
        rel = data.draw(st.sampled_from(USER_FILES))
        if "*" in rel:  # the log is in its device's folder (reviews/<device-id>/)
            rel = str(next(folder.glob(rel)).relative_to(folder))
        original = (folder / rel).read_bytes()
        (folder / rel).write_bytes(data.draw(mutated([original])))
        before = snapshot(folder)
        clock = FakeClock(START + timedelta(hours=1))
        with UserLock(folder) as lock:
            try:
                store = UserStore(home, "tester", clock, lock=lock)
            except DataFileError as exc:
                assert str(exc).startswith(str(folder)), exc
                assert snapshot(folder) == before  # a broken file is never touched
                return
            after = snapshot(folder)
            for name, raw in before.items():  # only a log's end may change: a cut-off tail
                if name.startswith("reviews/") and after[name] != raw:  # moved, padding cut
                    aside = after.get(f"{name}.partial", b"")
                    assert (after[name] + aside).rstrip(PADDING) == raw.rstrip(PADDING)
                    assert after[name].endswith(b"\n") or not after[name]
            store.grade("alpha/a2", 2)
            store.checkpoint()
            assert UserStore(home, "tester", clock).states == store.states


# --- random histories: actions, clock jumps, crashes ---------------------------------------------


class History(RuleBasedStateMachine):
    """A user's life: grades, undo, bury, suspend, checkpoints, the clock jumping, crashes."""

    def __init__(self) -> None:
        super().__init__()
        self.fast = without_fsync()
        self.fast.__enter__()
        self.tmp = tempfile.TemporaryDirectory()
        self.home = Home(Path(self.tmp.name) / "home")
        self.clock = FakeClock()
        self.cuts = 0
        save_profile(
            self.home.user_dir("tester") / "profile.toml",
            Profile.model_validate({"seed": 3, "settings": {"timezone": "Europe/Paris"}}),
        )
        self.store = self.open()

    def open(self) -> UserStore:
        lock = UserLock(self.home.user_dir("tester"))
        lock.acquire()
        return UserStore(self.home, "tester", self.clock, lock=lock)

    def close(self) -> None:
        assert self.store.lock is not None
        self.store.lock.release()

    def teardown(self) -> None:
        self.close()
        self.tmp.cleanup()
        self.fast.__exit__(None, None, None)

    @initialize()
    def start(self) -> None:
        assert self.store.states == {}

    @rule(key=st.sampled_from(KEYS), rating=st.integers(1, 4), ms=st.integers(0, 10**6))
    def grade(self, key: str, rating: int, ms: int) -> None:
        self.store.grade(key, rating, ms)

    @rule(
        key=st.sampled_from(KEYS),
        action=st.sampled_from(["bury", "suspend", "unsuspend", "forget"]),
    )
    def set_aside(self, key: str, action: str) -> None:
        self.store.record(key, action)

    @rule()
    def undo(self) -> None:
        self.store.undo()

    @rule()
    def checkpoint(self) -> None:
        self.store.checkpoint()

    @rule(minutes=st.integers(-3 * 24 * 60, 60 * 24 * 60))
    def clock_moves(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)

    @rule()
    def crash_and_restart(self) -> None:
        self.close()  # the in-memory store is dropped, as a killed process drops it
        self.store = self.open()

    @rule(cut=st.integers(1, 90))
    def crash_in_the_middle_of_an_append(self, cut: int) -> None:
        self.close()
        self.cuts += 1  # a new entry has a new id: two blocks with one id are one action twice
        entry = LogEntry(f"cut-{self.cuts}", self.clock(), "alpha/a1", 3, ms=123)
        logs = sorted(self.store.log_dir.glob("*.toml"))
        path = logs[-1] if logs else self.store.log_dir / "2026-11.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        before = path.read_bytes() if path.exists() else b""
        block = (b"" if before else LOG_HEADER) + entry_to_toml(entry)
        written = block[: min(cut, len(block) - 2)]
        with path.open("ab") as handle:
            handle.write(written)
        partial = partial_path(path)
        aside_before = partial.read_bytes() if partial.exists() else b""
        self.store = self.open()
        after = path.read_bytes()
        aside = (partial.read_bytes() if partial.exists() else b"")[len(aside_before) :]
        # set aside, or kept (a newline added, padding cut off): never a byte of an entry lost
        assert (after + aside).rstrip(PADDING) == (before + written).rstrip(PADDING)
        assert after.endswith(b"\n") or not after
        assert incomplete_tail(after) is None  # and the file ends cleanly again

    @invariant()
    def live_reopened_and_replayed_agree(self) -> None:
        replayed = Schedule()
        for entry in read_all(self.store.log_dir):
            apply_entry(self.store.scheduler, replayed, entry, self.store.rollover, self.store.tz)
        assert self.store.states == replayed.states
        assert self.store.data.total == replayed.total
        reader = UserStore(self.home, "tester", self.clock)
        assert reader.states == replayed.states
        for state in replayed.states.values():
            if not state.is_new:
                assert state.due is not None and state.last_review is not None
                assert state.due >= state.last_review


test_histories = History.TestCase
test_histories.settings = budget(50, stateful_step_count=20)


# --- the disk failing in the middle of a write --------------------------------------------------


@budget(100)
@given(fail_at=st.integers(1, 50), kind=st.sampled_from(["write", "fsync", "replace"]))
def test_a_failing_disk_leaves_disk_and_memory_in_agreement(
    fail_at: int, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import flashprep.core.files.fileio as fileio

    with tempfile.TemporaryDirectory() as tmp:
        home = Home(Path(tmp) / "home")
        clock = FakeClock()
        save_profile(home.user_dir("tester") / "profile.toml", Profile(seed=5))
        store = UserStore(home, "tester", clock)
        calls = {"n": 0}
        real = getattr(os, kind) if kind != "fsync" else (lambda fd: None)

        def flaky(*args: Any) -> Any:
            calls["n"] += 1
            if calls["n"] == fail_at:
                if kind == "write":
                    real(args[0], bytes(args[1])[: len(args[1]) // 2])
                raise OSError(28, "No space left on device")
            return real(*args)

        with monkeypatch.context() as patch:
            if kind != "fsync":
                patch.setattr(fileio.os, "fsync", lambda fd: None)  # fast (see without_fsync)
            patch.setattr(fileio.os, kind, flaky)
            for i in range(10):
                try:
                    if i % 5 == 4:
                        store.checkpoint()
                    elif i % 7 == 6:
                        store.undo()
                    else:
                        store.grade(KEYS[i % 4], i % 4 + 1)
                except OSError:
                    pass
                clock.advance(minutes=3)
        for path in store.log_dir.glob("*.toml"):
            assert incomplete_tail(path.read_bytes()) is None
            read_log(path)
        assert UserStore(home, "tester", clock).states == store.states
