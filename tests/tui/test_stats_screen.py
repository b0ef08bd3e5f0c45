"""The statistics screen as a person uses it: reached with `s`, filtered, left while it computes."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, ProgressBar, Select, Static

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.scheduling.scheduler import CardState
from flashprep.core.stats.history import Cancelled, Review
from flashprep.core.stats.historycache import HistoryReader
from flashprep.core.storage.userstore import UserStore
from flashprep.tui.app import FlashprepApp
from flashprep.tui.screens.drill import DrillScreen
from flashprep.tui.screens.home import HomeScreen
from flashprep.tui.screens.stats import StatsScreen
from flashprep.tui.screens.summary import SummaryScreen
from flashprep.tui.widgets import stats_panels
from flashprep.tui.widgets.charts import BarChart, Heatmap

from helpers import FakeClock, Timer

MakeApp = Callable[..., FlashprepApp]


async def settle(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def text(screen: StatsScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


def table_text(screen: StatsScreen, selector: str) -> str:
    """A row table's cells, one row a line."""
    table = screen.query_one(selector, DataTable)
    return "\n".join(
        " ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)
    )


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
        assert "Alpha questions" in table_text(screen, "#stats-decks")
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
        assert "Alpha questions" in table_text(screen, "#stats-decks")
        assert "What is 2 + [2]?" in table_text(screen, "#stats-hardest")  # markup stays text


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
        assert "Alpha" not in table_text(screen, "#stats-decks")
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


async def test_a_whole_read_of_the_log_shows_its_progress_and_keys_still_work(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    reported = threading.Event()

    def slow(reader: HistoryReader) -> list[Review]:
        assert reader.progress is not None
        for done in (0.0, 0.25, 0.5):
            reader.progress(done)
        reported.set()
        release.wait(10)
        return []

    monkeypatch.setattr(HistoryReader, "load", slow)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        while not reported.is_set():
            await pilot.pause(0.01)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        bar = screen.query_one("#stats-progress", ProgressBar)
        assert bar.display and bar.progress == 50
        assert "50%" in text(screen, "#stats-status")
        await pilot.press("r")  # the screen answers keys meanwhile
        assert screen.range_name != "month"
        release.set()
        for _ in range(3):
            await settle(pilot)
        assert not bar.display and screen.stats is not None


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


def weak_history(store: UserStore, clock: FakeClock) -> None:
    """alpha/a1, a2 and beta/b1 learnt two days ago; today alpha/a2 and beta/b1 failed (the last
    grade Again), alpha/a1 passed. alpha/a3 and beta/b2 never studied."""
    clock.advance(days=-2)
    for key in ("alpha/a1", "alpha/a2", "beta/b1"):
        store.grade(key, 3, 5000)
        clock.advance(minutes=11)
        store.grade(key, 3, 5000)
    clock.advance(days=2)
    store.grade("alpha/a1", 3, 3000)
    store.grade("alpha/a2", 1, 3000)
    store.grade("beta/b1", 1, 3000)


async def open_stats(pilot: Pilot[None]) -> StatsScreen:
    await pilot.press("s")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, StatsScreen)
    return screen


async def drill_from(pilot: Pilot[None], table: str, row: int) -> list[str] | None:
    """Focus a weak-spot table, move to a row, press Enter: the cards of the drill opened."""
    screen = pilot.app.screen
    data = screen.query_one(table, DataTable)
    data.focus()
    data.move_cursor(row=row)
    await pilot.pause()
    assert "Drill these" in str(screen.active_bindings["enter"].binding.description)
    await pilot.press("enter")
    await pilot.pause()
    drilled = pilot.app.screen
    if not isinstance(drilled, DrillScreen):
        return None
    drill = drilled.drill
    assert drill.mode == "cards"
    return [k for k in [drill.current, *drill.queue] if k]


@pytest.mark.parametrize(
    ("table", "row_key", "expected"),
    [
        # a deck: its studied cards, least recalled first (a2 failed today: recall 0)
        ("#stats-decks", "alpha", ["alpha/a2", "alpha/a1"]),
        ("#stats-decks", "beta", ["beta/b1"]),
        # a tag: its studied cards
        ("#stats-tags", "sorting", ["alpha/a2"]),
        ("#stats-tags", "math", ["alpha/a1"]),
        # the hardest cards: all of them, the chosen one first
        ("#stats-hardest", "beta/b1", ["beta/b1", "alpha/a2"]),
        ("#stats-hardest", "alpha/a2", ["alpha/a2", "beta/b1"]),
    ],
)
async def test_enter_on_a_weak_spot_drills_its_cards(
    make_app: MakeApp,
    store: UserStore,
    clock: FakeClock,
    table: str,
    row_key: str,
    expected: list[str],
) -> None:
    weak_history(store, clock)
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_stats(pilot)
        data = screen.query_one(table, DataTable)
        keys = [str(row.key.value) for row in data.ordered_rows]
        assert row_key in keys
        assert await drill_from(pilot, table, keys.index(row_key)) == expected
        # graded cards change the numbers: the statistics are computed again on return
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


def leechy_app(
    make_store: Callable[..., UserStore],
    library: DeckLibrary,
    timer: Timer,
    lapses: dict[str, int],
) -> FlashprepApp:
    """The statistics screen of a user whose cards lapsed so often (leeches from 3 lapses)."""
    store = make_store("leechy", leech_lapses=3)
    now = store.now()
    for key, count in lapses.items():
        store.states[key] = CardState("review", None, 5.0, 6.0, now, now, count + 1, count)
    store.grade("alpha/a2", 3)  # a history, so the panels show
    return FlashprepApp(library, store, start="stats", timer=timer)


async def test_enter_on_a_leech_drills_the_leeches(
    make_app: Callable[..., FlashprepApp],
    make_store: Callable[..., UserStore],
    library: DeckLibrary,
    timer: Timer,
    clock: FakeClock,
) -> None:
    app = leechy_app(make_store, library, timer, {"alpha/a3": 5, "beta/b2": 3, "alpha/a1": 2})
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        assert screen.query_one("#panel-leeches").border_title == "Leeches (2)"
        assert "2 leeches (3 lapses or more)" in text(screen, "#stats-leeches-note")
        assert "Why do you want" in table_text(screen, "#stats-leeches")
        assert await drill_from(pilot, "#stats-leeches", 1) == ["beta/b2", "alpha/a3"]


async def test_enter_elsewhere_drills_nothing_and_an_unstudied_deck_says_so(
    make_app: MakeApp, store: UserStore, clock: FakeClock
) -> None:
    store.grade("alpha/a1", 3)
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_stats(pilot)
        assert not screen.check_action("drill_row", ())  # the body has the focus
        await pilot.press("enter")
        assert app.screen is screen
        data = screen.query_one("#stats-decks", DataTable)
        data.focus()
        data.move_cursor(row=[str(r.key.value) for r in data.ordered_rows].index("beta"))
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert any("Nothing studied" in str(n.message) for n in app._notifications)


async def test_the_leeches_listed_are_the_most_lapsed_when_there_are_many(
    monkeypatch: pytest.MonkeyPatch,
    make_store: Callable[..., UserStore],
    library: DeckLibrary,
    timer: Timer,
) -> None:
    monkeypatch.setattr(stats_panels, "LEECH_ROWS", 2)
    app = leechy_app(make_store, library, timer, {"alpha/a3": 5, "beta/b2": 3, "alpha/a1": 4})
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        assert screen.query_one("#panel-leeches").border_title == "Leeches (3)"
        note = text(screen, "#stats-leeches-note")
        assert "3 leeches (3 lapses or more)" in note and "The 2 with the most lapses" in note
        rows = screen.query_one("#stats-leeches", DataTable)
        assert [str(row.key.value) for row in rows.ordered_rows] == ["alpha/a3", "alpha/a1"]
