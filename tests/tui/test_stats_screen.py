"""The statistics screen as a person uses it: reached with `s`, filtered, left while it computes."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Select, Static

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.stats.history import Cancelled, Review
from flashprep.core.stats.historycache import HistoryReader
from flashprep.core.storage.userstore import UserStore
from flashprep.tui.app import FlashprepApp
from flashprep.tui.screens.home import HomeScreen
from flashprep.tui.screens.stats import StatsScreen
from flashprep.tui.screens.summary import SummaryScreen
from flashprep.tui.widgets.charts import BarChart, Heatmap

from helpers import FakeClock, Timer

MakeApp = Callable[..., FlashprepApp]


async def settle(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def text(screen: StatsScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


def history(store: UserStore, clock: FakeClock) -> None:
    """Yesterday alpha/a1 and beta/b1 learnt; today alpha/a1 forgotten (a lapse), relearnt."""
    clock.advance(days=-1)
    for key in ("alpha/a1", "beta/b1"):
        store.grade(key, 3, 5000)
        clock.advance(minutes=11)
        store.grade(key, 3, 5000)
    clock.advance(days=1)
    store.grade("alpha/a1", 1, 8000)
    clock.advance(minutes=11)
    store.grade("alpha/a1", 3, 4000)


async def test_s_opens_the_friendly_empty_state_and_escape_returns(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        assert screen.stats is not None and screen.stats["reviews_total"] == 0
        assert "No reviews yet" in text(screen, "#stats-empty")
        assert screen.query_one("#stats-empty").display
        assert not screen.query_one("#panel-calendar").display
        assert screen.query_one("#panel-decks").display
        assert "Alpha questions" in text(screen, "#stats-decks")
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_the_statistics_of_a_history(
    make_app: MakeApp, store: UserStore, clock: FakeClock
) -> None:
    history(store, clock)
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        stats = screen.stats
        assert stats is not None
        assert (stats["reviews_total"], stats["reviews_today"]) == (6, 2)
        assert not screen.query_one("#stats-empty").display
        today = text(screen, "#stats-today")
        assert "2 reviews in 12s (6.0s a card)" in today and "1 again · 50% correct" in today
        assert "Streak 2 days" in text(screen, "#stats-streak")
        assert screen.query_one(Heatmap).days[-1][1] == 2
        chart = screen.query_one("#stats-reviews", BarChart)
        assert chart.values[-1] == [0, 1, 1] and chart.values[-2] == [4, 0, 0]
        assert "0% (0/1)" in text(screen, "#stats-retention")
        assert "Alpha questions" in text(screen, "#stats-decks")
        assert "What is 2 + [2]?" in text(screen, "#stats-hardest")  # markup stays text


async def test_filters_by_deck_and_range(
    make_app: MakeApp, store: UserStore, clock: FakeClock
) -> None:
    history(store, clock)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        screen.query_one("#stats-deck", Select).value = "beta"
        await settle(pilot)
        assert screen.stats is not None
        assert (screen.stats["deck"], screen.stats["cards"], screen.stats["reviews_total"]) == (
            "beta",
            2,
            2,
        )
        assert "Alpha" not in text(screen, "#stats-decks")
        await pilot.press("r")
        await settle(pilot)
        assert screen.stats["range"] == "3months"
        assert screen.query_one("#stats-range", Select).value == "3months"
        assert len(screen.stats["reviews_by_day"]) == 90
        await pilot.press("r", "r", "r")
        await settle(pilot)
        assert screen.stats["range"] == "month"
        await pilot.press("d")
        assert screen.query_one("#stats-deck", Select).expanded
        await pilot.press("escape")
        assert not screen.query_one("#stats-deck", Select).expanded


async def test_keys_work_while_it_computes(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    seen_cancel = threading.Event()

    def slow(reader: HistoryReader) -> list[Review]:
        while not release.wait(0.01):
            if reader.cancelled is not None and reader.cancelled():
                seen_cancel.set()
                raise Cancelled
        return []

    monkeypatch.setattr(HistoryReader, "load", slow)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        assert "Computing" in text(screen, "#stats-empty")
        await pilot.press("r")  # a filter while computing: computed again, no error
        await pilot.press("question_mark")
        assert "True retention" in str(app.screen.query_one("Markdown").source)  # type: ignore[attr-defined]
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, HomeScreen)
        await app.workers.wait_for_complete()
        assert seen_cancel.is_set()
        release.set()


async def test_filters_changed_while_reading_do_not_read_again(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    reads: list[int] = []

    def slow(reader: HistoryReader) -> list[Review]:
        reads.append(1)
        release.wait(10)
        return []

    monkeypatch.setattr(HistoryReader, "load", slow)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("r", "r")  # month -> 3 months -> year, while the history is read
        release.set()
        for _ in range(3):  # the first result is stale: a second computation follows
            await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        assert screen.stats is not None and screen.stats["range"] == "year"
        assert reads == [1]


async def test_an_unreadable_log_is_shown_not_raised(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(reader: HistoryReader) -> list[Review]:
        raise DataFileError("reviews/2026-10.toml", "line 3: TOML syntax error")

    monkeypatch.setattr(HistoryReader, "load", broken)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        assert "Statistics unavailable" in text(screen, "#stats-empty")
        assert "2026-10.toml" in text(screen, "#stats-empty")


@pytest.mark.parametrize(
    "error", [OverflowError("date value out of range"), RuntimeError("bug"), KeyError("x")]
)
async def test_any_failure_of_the_computation_is_shown(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    def broken(*args: object) -> None:
        raise error

    monkeypatch.setattr("flashprep.tui.screens.stats.compute_stats", broken)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        assert "Statistics unavailable" in text(screen, "#stats-empty")
        assert str(error) in text(screen, "#stats-empty")
        assert "computing" not in text(screen, "#stats-status")


async def test_s_from_the_drill_summary_and_back(make_app: MakeApp) -> None:
    app = make_app("drill", ["beta"])
    async with app.run_test(size=(90, 30)) as pilot:
        await pilot.press("space", "4", "space", "4")
        assert isinstance(app.screen, SummaryScreen)
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        assert screen.stats is not None and screen.stats["reviews_today"] == 2
        await pilot.press("escape")
        assert isinstance(app.screen, SummaryScreen)


async def test_the_app_can_open_on_statistics(
    library: DeckLibrary, store: UserStore, timer: Timer
) -> None:
    app = FlashprepApp(
        library, store, start="stats", deck_ids=["alpha"], timer=timer, stats_range="year"
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        assert screen.stats is not None
        assert (screen.stats["deck"], screen.stats["range"]) == ("alpha", "year")
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
