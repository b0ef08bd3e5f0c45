"""Reading the whole review log for the statistics: the replay, and the cache that makes it fast.

Whatever the cache does (extend the newest month, roll back an undo, start a new month, notice a
stale or broken file), the history it gives must equal a fresh read of the TOML log.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import timedelta

import pytest

from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.stats.history import History, Review
from flashprep.core.stats.historycache import HistoryReader, load_history
from flashprep.core.storage.logread import log_files
from flashprep.core.storage.logwrite import entry_to_toml
from flashprep.core.storage.profile import load_profile
from flashprep.core.storage.reviewlog import LOG_HEADER, LogEntry
from flashprep.core.storage.userstore import UserStore

from helpers import FakeClock

KEYS = ["alpha/one", "alpha/two", "beta/x"]


def fresh(store: UserStore) -> list[Review]:
    """The history read from the TOML alone, as if there were no cache."""
    shutil.rmtree(store.folder / "cache" / "history", ignore_errors=True)
    reader = HistoryReader(store)
    history = reader.load()
    reader.save()
    assert reader.rebuilt
    return history


def cached(store: UserStore) -> tuple[list[Review], bool]:
    reader = HistoryReader(store)
    history = reader.load()
    reader.save()
    return history, reader.rebuilt


def study(store: UserStore, clock: FakeClock, days: int = 3) -> None:
    """A few days of drills: each card learnt, then reviewed on later days."""
    for _ in range(days):
        for key in KEYS:
            for rating in (3, 3):
                store.grade(key, rating, 4000)
                clock.advance(minutes=11)
        clock.advance(days=1)


def test_kinds_intervals_and_new_cards_come_from_the_replay(
    store: UserStore, clock: FakeClock
) -> None:
    store.grade("alpha/one", 3, 1000)  # new: learn
    clock.advance(minutes=11)
    store.grade("alpha/one", 3, 1000)  # last learning step: learn, then it graduates
    scheduled = store.state("alpha/one")
    assert scheduled.state == "review"
    assert scheduled.due is not None and scheduled.last_review is not None
    interval = (scheduled.due - scheduled.last_review).total_seconds() / 86400
    clock.now = scheduled.due + timedelta(hours=1)
    store.grade("alpha/one", 1, 9000)  # a lapse: review
    clock.advance(minutes=11)
    store.grade("alpha/one", 3, 1000)  # relearn
    history = load_history(store)
    assert [(r.kind, r.new) for r in history] == [
        ("learn", True),
        ("learn", False),
        ("review", False),
        ("relearn", False),
    ]
    assert history[2].interval == pytest.approx(interval)
    assert history[2].rating == 1 and history[2].ms == 9000
    assert history[2].at == scheduled.due + timedelta(hours=1)
    assert [r.interval for r in history if r.kind != "review"] == [0.0] * 3


def test_an_empty_log_is_an_empty_history(store: UserStore) -> None:
    assert len(load_history(store)) == 0


def test_the_second_read_comes_from_the_cache(store: UserStore, clock: FakeClock) -> None:
    study(store, clock)
    first = fresh(store)
    again, rebuilt = cached(store)
    assert not rebuilt
    assert again == first
    assert (store.folder / "cache" / "history" / "tail.json").exists()


def test_new_grades_extend_the_newest_month(store: UserStore, clock: FakeClock) -> None:
    study(store, clock, days=2)
    fresh(store)
    store.grade("beta/x", 4, 2000)
    history, rebuilt = cached(store)
    assert not rebuilt
    assert history == fresh(store)
    assert history[-1].card == "beta/x" and history[-1].rating == 4


def test_an_undo_is_rolled_back_without_a_rebuild(store: UserStore, clock: FakeClock) -> None:
    study(store, clock, days=2)
    store.grade("alpha/one", 1)
    clock.advance(minutes=1)
    store.record("alpha/two", "bury")
    clock.advance(minutes=1)
    store.grade("beta/x", 2)
    before = fresh(store)
    store.undo()
    store.undo()
    store.undo()
    history, rebuilt = cached(store)
    assert not rebuilt
    assert history == before[:-2]
    assert history == fresh(store)
    store.grade("alpha/two", 4)  # after the undo, a different grade in the same place
    history, rebuilt = cached(store)
    assert not rebuilt
    assert history == fresh(store)
    assert history[-1].card == "alpha/two"


def test_a_new_month_starts_from_the_tail(store: UserStore, clock: FakeClock) -> None:
    study(store, clock, days=2)
    fresh(store)
    clock.now = clock.now.replace(day=1) + timedelta(days=40)
    store.grade("alpha/one", 3)
    assert len(log_files(store.log_dir)) == 2
    history, rebuilt = cached(store)
    assert not rebuilt
    assert history == fresh(store)
    assert history[-1].kind == "review"


def test_a_changed_earlier_month_rebuilds_everything(store: UserStore, clock: FakeClock) -> None:
    study(store, clock, days=2)
    clock.now = clock.now.replace(day=1) + timedelta(days=40)
    store.grade("alpha/one", 3)
    fresh(store)
    first = log_files(store.log_dir)[0]
    late = LogEntry("merged-1", clock.now.replace(day=1) - timedelta(days=20), "beta/x", 1)
    with first.open("ab") as handle:  # another machine's entry, merged in
        handle.write(entry_to_toml(late))
    history, rebuilt = cached(store)
    assert rebuilt
    assert any(r.ts == late.at.timestamp() for r in history)


@pytest.mark.parametrize("name", ["tail.json", "2026-11.bin"])
def test_a_broken_cache_file_is_rebuilt(store: UserStore, clock: FakeClock, name: str) -> None:
    study(store, clock, days=2)
    expected = fresh(store)
    (store.folder / "cache" / "history" / name).write_text("{not json")
    store.grade("alpha/one", 3)
    history, rebuilt = cached(store)
    assert rebuilt
    assert history[:-1] == expected


def test_a_cut_short_month_cache_is_not_trusted(store: UserStore, clock: FakeClock) -> None:
    study(store, clock, days=1)
    expected = fresh(store)
    path = store.folder / "cache" / "history" / "2026-11.bin"
    path.write_bytes(path.read_bytes()[:-1])
    history, rebuilt = cached(store)
    assert rebuilt and history == expected


def test_a_read_without_save_leaves_the_cache_alone(store: UserStore, clock: FakeClock) -> None:
    study(store, clock, days=1)
    HistoryReader(store).load()
    assert not (store.folder / "cache" / "history").exists()
    assert load_history(store) == fresh(store)
    _, rebuilt = cached(store)
    assert not rebuilt


def test_a_profile_change_rebuilds(make_store: Callable[..., UserStore], clock: FakeClock) -> None:
    store = make_store()
    study(store, clock, days=2)
    fresh(store)
    profile = load_profile(store.profile_path)
    profile.settings.desired_retention = 0.8
    store.save_profile(profile)
    _, rebuilt = cached(make_store())
    assert rebuilt


def test_mock_interview_grades_are_left_out(store: UserStore, clock: FakeClock) -> None:
    store.grade("alpha/one", 3)
    path = log_files(store.log_dir)[0]
    mock = LogEntry("mock-1", clock.now + timedelta(minutes=1), "alpha/two", 1, mode="mock")
    with path.open("ab") as handle:
        handle.write(entry_to_toml(mock))
    assert [r.card for r in fresh(store)] == ["alpha/one"]


def test_a_hand_edited_month_still_reads(store: UserStore, clock: FakeClock) -> None:
    store.folder.mkdir(parents=True, exist_ok=True)
    store.log_dir.mkdir(exist_ok=True)
    entries = [
        LogEntry(f"e{i}", clock.now + timedelta(minutes=i), "alpha/one", 3) for i in range(3)
    ]
    text = LOG_HEADER + b"".join(entry_to_toml(e).replace(b"\n[[", b"\n  [[") for e in entries)
    (store.log_dir / "2026-11.toml").write_bytes(text)
    assert len(fresh(store)) == 3
    history, rebuilt = cached(store)
    assert not rebuilt and len(history) == 3


def test_a_broken_log_is_an_error_naming_the_file(store: UserStore, clock: FakeClock) -> None:
    store.grade("alpha/one", 3)
    path = log_files(store.log_dir)[0]
    with path.open("ab") as handle:
        handle.write(
            b'\n[[review]]\nid = "x"\nat = 2026-11-26T10:00:00Z\ncard = "a/b"\nrating = 9\n'
        )
    with pytest.raises(DataFileError, match=r"2026-11\.toml.*rating"):
        fresh(store)


def test_a_cancelled_read_stops(store: UserStore, clock: FakeClock) -> None:
    from flashprep.core.stats.history import Cancelled

    study(store, clock, days=1)
    with pytest.raises(Cancelled):
        HistoryReader(store, cancelled=lambda: True).load()


def test_the_columns_hold_the_same_reviews_as_the_replay(
    store: UserStore, clock: FakeClock
) -> None:
    """The history read through the cache (columns) equals the Reviews of a plain replay."""
    from flashprep.core.stats.history import replay
    from flashprep.core.storage.logread import read_log_blocks
    from flashprep.core.storage.replay import Schedule

    study(store, clock)
    store.grade("alpha/one", 1, 2500)
    fresh(store)
    history, rebuilt = cached(store)
    assert not rebuilt
    replayed = Schedule()
    expected: list[Review] = []
    for path in log_files(store.log_dir):
        entries = read_log_blocks(path).entries
        expected += replay(entries, store.scheduler, replayed, store.rollover, store.tz)
    assert list(history) == expected
    assert [history[i] for i in range(len(history))] == expected
    assert History.of(expected) == history


def test_history_columns_select_slice_extend_and_truncate() -> None:
    rows = [
        Review(1.0, "a/1", 3, 100, "learn", 0.0, True),
        Review(2.0, "a/2", 1, 200, "review", 25.0, False),
        Review(3.0, "b/1", 4, 300, "relearn", 0.0, False),
    ]
    history = History.of(rows)
    assert History.of(history) is history
    assert len(History.of([])) == 0
    assert list(history.select([True, False, True])) == [rows[0], rows[2]]
    assert list(history[1:]) == rows[1:]
    assert history[-1] == rows[2]
    both = History.of(rows[:1])
    both.extend(History.of(rows[1:]))
    assert both == history
    both.truncate(1)
    assert list(both) == rows[:1]


@pytest.mark.parametrize("months", [1, 3])
def test_a_whole_read_reports_its_progress_and_a_cached_one_does_not(
    store: UserStore, clock: FakeClock, months: int
) -> None:
    for _ in range(months):
        study(store, clock, days=2)
        clock.advance(days=31)
    for expect_rebuild in (True, False):
        seen: list[float] = []
        reader = HistoryReader(store, progress=seen.append)
        reader.load()
        reader.save()
        assert reader.rebuilt == expect_rebuild
        if expect_rebuild:
            assert seen == sorted(seen) and seen[0] == 0.0 and seen[-1] == 1.0
            assert len(seen) >= len(log_files(store.log_dir)) + 1 >= months + 1
        else:
            assert seen == []
