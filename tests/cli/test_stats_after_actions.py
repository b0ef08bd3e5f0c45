"""`stats --json` after flashprep's own actions: never a whole read of the log, and the same bytes
as a first read (every derived cache deleted), and progress on a terminal only when it is slow.
"""

from __future__ import annotations

import io
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ankibuild import build_sample
from flashprep.cli import main
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.paths import Home
from flashprep.core.stats.historycache import HistoryReader
from flashprep.core.storage.userstore import UserStore

from helpers import FakeClock

Capture = pytest.CaptureFixture[str]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home(tmp_path / "home")


@pytest.fixture
def whole_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """Whether each history read since had to read and replay the whole log."""
    seen: list[bool] = []
    load = HistoryReader.load

    def spy(reader: HistoryReader):  # type: ignore[no-untyped-def]
        history = load(reader)
        seen.append(reader.rebuilt)
        return history

    monkeypatch.setattr(HistoryReader, "load", spy)
    yield seen


def stats(capsys: Capture, *args: str) -> str:
    code = main(["stats", "--json", *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def cold(capsys: Capture, home: Home, *args: str) -> str:
    """`stats --json` with every derived cache of the user deleted."""
    shutil.rmtree(home.user_dir("tester") / "cache", ignore_errors=True)
    return stats(capsys, *args)


def studied(home: Home, months: int = 3) -> tuple[UserStore, FakeClock]:
    """A few months of drills on a bundled deck, months before now (an import goes after)."""
    keys = DeckLibrary.load(home).card_keys()[:6]
    clock = FakeClock()
    clock.advance(days=-31 * months)
    store = UserStore(home, "tester", clock)
    for day in range(months * 10):
        for key in keys[day % 3 :: 2]:
            store.grade(key, (1, 3, 3, 4)[(day + len(key)) % 4], 4000)
            clock.advance(minutes=7)
        clock.advance(days=3)
    return store, clock


@pytest.mark.parametrize("args", [(), ("--range", "all"), ("--deck", "ai-llm")])
def test_an_import_of_anki_history_leaves_the_statistics_warm(
    tmp_path: Path, home: Home, capsys: Capture, whole_reads: list[bool], args: tuple[str, ...]
) -> None:
    studied(home)
    stats(capsys, *args)
    _, packages = build_sample(tmp_path / "anki")
    code = main(["import", str(packages["anki21b"])])
    assert code == 0, capsys.readouterr().err
    capsys.readouterr()
    whole_reads.clear()
    warm = stats(capsys, *args)
    assert whole_reads == [False]  # the import cached the history as it wrote it
    assert warm == stats(capsys, *args) == cold(capsys, home, *args)


def test_grades_and_undos_leave_the_statistics_warm_and_the_same(
    home: Home, capsys: Capture, whole_reads: list[bool]
) -> None:
    store, clock = studied(home)
    keys = DeckLibrary.load(home).card_keys()[:6]
    stats(capsys)
    whole_reads.clear()
    for step in range(6):
        store.grade(keys[step % 4], 1 + step % 4, 3000)
        clock.advance(days=5 * step)
        if step % 3 == 2:
            store.undo()
        warm = stats(capsys)
        assert whole_reads and not any(whole_reads)
        assert warm == cold(capsys, home)
        stats(capsys)  # warm again after the cold read
        whole_reads.clear()


def test_progress_shows_on_a_terminal_only_for_a_whole_read(
    home: Home, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    studied(home)
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    first = stats(capsys)
    shown = terminal.getvalue()
    assert "reading your review history [" in shown and "100%" in shown
    assert shown.endswith("\r\033[K")  # the line is cleared before the JSON
    terminal.seek(0)
    terminal.truncate()
    assert stats(capsys) == first
    assert "reading" not in terminal.getvalue()
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # not a terminal: nothing
    assert cold(capsys, home) == first


def test_the_history_of_a_long_time_ago_imported_is_cached_by_the_import(
    tmp_path: Path, home: Home, capsys: Capture, whole_reads: list[bool]
) -> None:
    """A user with no history of their own: the import's months are the whole log."""
    _, packages = build_sample(tmp_path / "anki")
    assert main(["import", str(packages["anki21"])]) == 0
    capsys.readouterr()
    whole_reads.clear()
    warm = stats(capsys, "--range", "all")
    assert whole_reads == [False]
    assert warm == cold(capsys, home, "--range", "all")
    assert '"reviews_total": 0' not in warm


@pytest.fixture
def zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Sets the system's time zone (the study days' when the settings name none)."""

    def set_zone(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield set_zone
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("--range", "3months"),
        ("--range", "year"),
        ("--range", "all"),
        ("--deck", "ai-llm"),
        ("--deck", "ai-llm", "--range", "3months"),
        ("--deck", "ai-llm", "--range", "all"),
    ],
)
def test_warm_statistics_after_a_new_month_and_another_zone_are_the_cold_ones(
    home: Home, capsys: Capture, zone: Callable[[str], None], args: tuple[str, ...]
) -> None:
    """The counts kept for the true retention (at a mark of the history cache) are of the
    study days they were counted on: another system zone counts again."""
    store, clock = studied(home)
    keys = DeckLibrary.load(home).card_keys()[:6]
    stats(capsys, *args)
    stats(capsys, *args)
    clock.advance(days=35)
    for key, rating in zip(keys, (3, 1, 4, 1), strict=False):
        store.grade(key, rating, 3000)
        clock.advance(minutes=5)
    assert stats(capsys, *args) == cold(capsys, home, *args)
    stats(capsys, *args)
    for name in ("Pacific/Kiritimati", "America/Los_Angeles"):
        zone(name)
        warm = stats(capsys, *args)
        assert warm == stats(capsys, *args) == cold(capsys, home, *args)
