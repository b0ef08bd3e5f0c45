"""The statistics' history of several computers' logs (a synced folder), kept up to date without
a full replay: new entries synced in among the cached ones, an undo on either computer, both.

Whatever the cache does, the history must equal a fresh read of every log; and it may replay
everything only when the change goes back further than the records it keeps.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

import flashprep.core.stats.historycache as historycache
from flashprep.core.files.lock import UserLock
from flashprep.core.paths import Home
from flashprep.core.stats.history import History
from flashprep.core.stats.historycache import HistoryReader
from flashprep.core.storage.device import this_device
from flashprep.core.storage.profile import Profile, save_profile
from flashprep.core.storage.userstore import UserStore

from helpers import START, FakeClock

KEYS = [f"alpha/a{i}" for i in range(1, 5)] + [f"beta/b{i}" for i in range(1, 4)]


def new_home(root: Path) -> Home:
    home = Home(root)
    save_profile(
        home.user_dir("tester") / "profile.toml",
        Profile.model_validate({"seed": 7, "settings": {"timezone": "UTC"}}),
    )
    return home


@contextmanager
def writer(home: Home, clock: FakeClock) -> Iterator[UserStore]:
    with UserLock(home.user_dir("tester")) as lock:
        yield UserStore(home, "tester", clock, lock=lock)


def sync(source: Home, target: Home) -> None:
    """Every log folder of the computer that writes it goes to the other computer."""
    own = this_device(source, create=False)
    src, dst = source.user("tester").reviews, target.user("tester").reviews
    if own and (src / own).is_dir():
        shutil.rmtree(dst / own, ignore_errors=True)
        shutil.copytree(src / own, dst / own)


def load(store: UserStore, fresh: bool = False) -> tuple[History, bool]:
    if fresh:
        shutil.rmtree(store.paths.cache_history, ignore_errors=True)
    reader = HistoryReader(store)
    history = reader.load()
    reader.save()
    return history, reader.rebuilt


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Home, Home]:
    a = new_home(tmp_path / "a")
    with writer(a, FakeClock()) as store:
        store.grade("alpha/a1", 3)
    b = Home(tmp_path / "b")
    shutil.copytree(a.root, b.root)
    return a, b


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("window", [3, 20_000])
def test_synced_and_undone_entries_give_the_history_of_a_fresh_read(
    pair: tuple[Home, Home], monkeypatch: pytest.MonkeyPatch, seed: int, window: int
) -> None:
    """Two computers drill on the same days (their entries interleave), now and then one
    undoes, now and then they sync; the laptop's statistics are read after each step. With
    records enough (20,000), nothing is replayed in full; with only 3, the cache must notice
    whenever a change goes back further."""
    monkeypatch.setattr(historycache, "UNION_WINDOW", window)
    rng = random.Random(seed)
    a, b = pair
    clocks = {a: FakeClock(START + timedelta(hours=1)), b: FakeClock(START + timedelta(hours=1))}
    with writer(b, clocks[b]) as sb:
        sb.grade("beta/b1", 3)
    sync(b, a)
    with writer(a, clocks[a]) as sa:
        assert load(sa)[1]  # the first read of the union
    rebuilds = 0
    for _ in range(14):
        home = rng.choice([a, b])
        clock = clocks[home]
        with writer(home, clock) as store:
            for _ in range(rng.randint(1, 4)):
                clock.advance(minutes=rng.randint(1, 300))
                store.grade(rng.choice(KEYS), rng.randint(1, 4), 2000)
            if rng.random() < 0.4:
                store.undo()
        if rng.random() < 0.6:
            sync(home, b if home is a else a)
        with writer(a, clocks[a]) as sa:
            history, rebuilt = load(sa)
            rebuilds += rebuilt
            assert history == load(sa, fresh=True)[0]
    if window > 1000:
        assert rebuilds == 0


def test_a_synced_history_that_goes_before_the_records_kept_is_replayed(
    pair: tuple[Home, Home], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(historycache, "UNION_WINDOW", 2)
    a, b = pair
    clock_a, clock_b = FakeClock(START + timedelta(hours=5)), FakeClock(START + timedelta(hours=1))
    with writer(b, clock_b) as sb:
        sb.grade("beta/b1", 2)
    sync(b, a)
    with writer(a, clock_a) as sa:
        for key in KEYS[:4]:
            sa.grade(key, 3)
            clock_a.advance(minutes=5)
        assert load(sa)[1]
        assert not load(sa)[1]
    with writer(b, clock_b) as sb:  # hours before the laptop's last four: out of the window
        sb.grade("beta/b2", 1)
    sync(b, a)
    with writer(a, clock_a) as sa:
        history, rebuilt = load(sa)
        assert rebuilt and history == load(sa, fresh=True)[0]
    with writer(b, clock_b) as sb:
        clock_b.advance(hours=10)  # after everything: only added
        sb.grade("beta/b3", 4)
    sync(b, a)
    with writer(a, clock_a) as sa:
        history, rebuilt = load(sa)
        assert not rebuilt and history == load(sa, fresh=True)[0]


@pytest.mark.parametrize(
    "junk",
    [b"", b"{", b'{"v": 2}', b"[]", b'{"v": 2, "records": 5}'],
)
def test_a_broken_union_tail_is_replayed(pair: tuple[Home, Home], junk: bytes) -> None:
    a, b = pair
    with writer(b, FakeClock(START + timedelta(hours=1))) as sb:
        sb.grade("beta/b1", 2)
    sync(b, a)
    with writer(a, FakeClock(START + timedelta(hours=2))) as sa:
        load(sa)
        (sa.paths.cache_history / "union-tail.json").write_bytes(junk)
        history, rebuilt = load(sa)
        assert rebuilt and history == load(sa, fresh=True)[0]


def test_entries_synced_in_before_a_clock_that_went_back_are_replayed(
    pair: tuple[Home, Home], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The laptop's clock went back: its latest entries (the records kept) are hours older
    than some before them, and the desk's new entry goes among those older ones."""
    monkeypatch.setattr(historycache, "UNION_WINDOW", 3)
    a, b = pair
    with writer(b, FakeClock(START + timedelta(minutes=30))) as sb:
        sb.grade("beta/b1", 3)
    sync(b, a)
    clock = FakeClock(START + timedelta(hours=10))
    with writer(a, clock) as sa:
        sa.grade("alpha/a2", 3)
        clock.advance(hours=1)
        sa.grade("alpha/a3", 3)
        clock.now = START + timedelta(hours=2)  # set back
        for key in ("alpha/a2", "beta/b2", "alpha/a4"):
            sa.grade(key, 2)
            clock.advance(minutes=5)
        assert load(sa)[1]
    with writer(b, FakeClock(START + timedelta(hours=3))) as sb:
        sb.grade("beta/b3", 1)
    sync(b, a)
    with writer(a, clock) as sa:
        history, rebuilt = load(sa)
        assert rebuilt and history == load(sa, fresh=True)[0]


def test_a_union_read_again_unchanged_stays_packed_and_the_same(pair: tuple[Home, Home]) -> None:
    """Nothing new on either computer: the cached union is read as it is (its columns made only
    when asked for); after a grade it is brought up to date as before."""
    a, b = pair
    clock = FakeClock(START + timedelta(hours=1))
    with writer(b, clock) as sb:
        for key in KEYS:
            sb.grade(key, 1 + len(key) % 4, 2000)
            clock.advance(minutes=7)
    sync(b, a)
    with writer(a, clock) as sa:
        load(sa)
        expected = load(sa, fresh=True)[0]
        for _ in range(2):
            reader = HistoryReader(sa)
            history = reader.load()
            assert not reader.rebuilt and not {"card", "rating"} & set(vars(history))
            assert history == expected and history[-2:] == expected[-2:]
            reader.save()
        clock.advance(minutes=3)
        sa.grade(KEYS[0], 3)
        history, rebuilt = load(sa)
        assert not rebuilt and history == load(sa, fresh=True)[0]
        assert len(history) == len(expected) + 1
