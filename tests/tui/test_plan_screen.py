"""The interview plan screen: setting the date, readiness per topic, clearing, weakest drills; and
the countdown on the home screen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from textual.widgets import DataTable, Input, SelectionList, Static

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.interview.projection import Forecast
from flashprep.core.storage.profile import Interview, load_profile
from flashprep.core.storage.userstore import UserStore
from flashprep.format import forecast_sentence
from flashprep.tui.app import FlashprepApp
from flashprep.tui.screens.confirm import ConfirmScreen
from flashprep.tui.screens.drill import DrillScreen
from flashprep.tui.screens.home import HomeScreen
from flashprep.tui.screens.plan import PlanScreen
from flashprep.tui.screens.plan_form import PlanFormScreen, parse_target

from helpers import FakeClock

MakeApp = Callable[..., FlashprepApp]
SIZE = (110, 30)


async def settle(app: FlashprepApp, pilot: object) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]


def test_target_accepts_fractions_and_percents() -> None:
    assert parse_target("0.9") == 0.9
    assert parse_target("95%") == 0.95
    assert parse_target("85") == 0.85
    for bad in ("0.3", "1", "100", "x"):
        with pytest.raises(ValueError):
            parse_target(bad)


async def test_setting_the_date_shows_readiness_and_the_home_countdown(
    make_app: MakeApp, store: UserStore
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        screen = app.screen
        assert isinstance(screen, PlanScreen)
        await settle(app, pilot)
        assert "No interview date set" in str(screen.query_one("#plan-title", Static).content)
        table = screen.query_one(DataTable)
        assert table.get_row("alpha")[4] == "—"  # no date: no recall on the date
        await pilot.press("x")  # nothing to clear
        assert app.screen is screen
        await pilot.press("e")
        form = app.screen
        assert isinstance(form, PlanFormScreen)
        form.query_one("#plan-date", Input).value = "2026-11-01"
        await pilot.press("ctrl+s")
        error = str(form.query_one("#plan-form-error", Static).content)
        assert "in the past" in error
        for far in ("9999-12-31", "2036-12-27"):  # ten years from the test's today is 2036-11-26
            form.query_one("#plan-date", Input).value = far
            await pilot.press("ctrl+s")
            assert app.screen is form
            error = str(form.query_one("#plan-form-error", Static).content)
            assert f"Date: {far} is more than ten years away" in error
        form.query_one("#plan-date", Input).value = "2026-12-06"
        form.query_one("#plan-target", Input).value = "95%"
        form.query_one("#plan-decks", SelectionList).select("beta")
        await pilot.press("ctrl+s")
        assert app.screen is screen
        interview = load_profile(store.profile_path).interview
        assert interview == Interview(date=date(2026, 12, 6), decks=["beta"], target_recall=0.95)
        await settle(app, pilot)
        title = str(screen.query_one("#plan-title", Static).content)
        assert "Interview in 10 days (2026-12-06)" in title and "target 95%" in title
        status = str(screen.query_one("#plan-status", Static).content)
        assert "2 new cards left" in status
        forecast = status.splitlines()[-1]
        assert forecast.startswith("On 2026-12-06 you are predicted to recall ")
        assert "(30 min a day)" in forecast and "no study in the last week" in forecast
        assert forecast.endswith("(95%).") or "reached already" in forecast
        assert table.row_count == 1  # only the interview's deck
        row = table.get_row("beta")
        assert row[4] == "0%" and str(row[5]) == "2" and int(row[6]) >= 4
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        home_title = str(app.screen.query_one("#home-title", Static).content)
        assert "Interview in 10 days (2026-12-06)" in home_title


async def test_clearing_the_date_asks_first(make_app: MakeApp, store: UserStore) -> None:
    store.save_profile(
        store.profile.model_copy(update={"interview": Interview(date=date(2026, 12, 1))})
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p", "x")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert load_profile(store.profile_path).interview is not None
        await pilot.press("x", "y")
        assert load_profile(store.profile_path).interview is None
        await settle(app, pilot)
        assert "No interview date set" in str(app.screen.query_one("#plan-title", Static).content)


async def test_weakest_cards_drill_from_the_plan(
    make_app: MakeApp, store: UserStore, clock: FakeClock
) -> None:
    for key, rating in [("alpha/a1", 4), ("alpha/a2", 1), ("beta/b1", 3)]:
        store.grade(key, rating, 1000)
    clock.advance(days=3)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await settle(app, pilot)
        plan = app.screen
        assert isinstance(plan, PlanScreen)
        times = plan.query_one(DataTable).get_row("alpha")
        assert times[7] == "1s / 45s" and times[8] == "0%"  # mean time / target, over-time share
        await pilot.press("w")
        drill = app.screen
        assert isinstance(drill, DrillScreen)
        assert drill.drill.keys is not None
        assert drill.drill.current == "alpha/a2"  # failed: the lowest recall
        assert set(drill.drill.keys) == {"alpha/a1", "alpha/a2", "beta/b1"}
        await pilot.press("escape")
        assert app.screen is plan
        table = plan.query_one(DataTable)
        table.move_cursor(row=table.get_row_index("beta"))
        await pilot.press("enter")
        assert app.screen.drill.keys == ["beta/b1"]  # type: ignore[attr-defined]


async def test_home_says_when_the_interview_is_today(make_app: MakeApp, store: UserStore) -> None:
    today = store.today()
    store.save_profile(
        store.profile.model_copy(update={"interview": Interview(date=today + timedelta(days=0))})
    )
    app = make_app()
    async with app.run_test(size=SIZE):
        title = str(app.screen.query_one("#home-title", Static).content)
        assert f"Interview today ({today.isoformat()})" in title


@pytest.mark.parametrize("error", [OverflowError("date value out of range"), RuntimeError("bug")])
async def test_a_failed_computation_is_shown_not_computing_for_ever(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr("flashprep.tui.screens.plan.readiness", broken)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await settle(app, pilot)
        status = str(app.screen.query_one("#plan-status", Static).content)
        assert status == f"Could not compute the plan: {error}"


def test_columns_drop_least_needed_first_and_topics_keep_their_names() -> None:
    from flashprep.tui.screens.plan import COLUMNS, DROPPED_FIRST, fit_columns

    widths = {key: len(label) for key, label in COLUMNS.items()} | {"topic": 40}
    everything = sum(w + 2 for w in widths.values())  # each cell has one space either side
    assert fit_columns(widths, everything) == (list(COLUMNS), 40)
    keys, topic = fit_columns(widths, everything - 1)
    assert keys == [k for k in COLUMNS if k != "over"] and topic == 40
    for room in (100, 80, 60, 40):
        keys, topic = fit_columns(widths, room)
        assert {"topic", "new", "date", "below"} <= set(keys)  # what the date needs stays
        assert sum(widths[k] + 2 for k in keys) - 40 + topic <= max(room, 60)
        dropped = [k for k in COLUMNS if k not in keys]
        assert set(dropped) == set(DROPPED_FIRST[: len(dropped)])  # least needed first


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (100, 32), (160, 50)])
async def test_the_plan_fits_the_screen_without_a_sideways_scroll(
    home: object, store: UserStore, size: tuple[int, int]
) -> None:
    from flashprep.core.decks.library import DeckLibrary
    from flashprep.core.paths import bundled_decks_dir

    from helpers import Timer

    library = DeckLibrary.load(home, bundled_decks_dir())  # type: ignore[arg-type]
    today = store.today()
    store.save_profile(
        store.profile.model_copy(update={"interview": Interview(date=today + timedelta(days=14))})
    )
    app = FlashprepApp(library, store, timer=Timer())
    async with app.run_test(size=size) as pilot:
        await pilot.press("p")
        await settle(app, pilot)
        table = app.screen.query_one(DataTable)
        assert table.virtual_size.width <= table.scrollable_content_region.width
        keys = [str(c.key.value) for c in table.columns.values()]
        assert {"topic", "new", "date", "below"} <= set(keys)
        names = {d.id: d.name for d in library}
        for row_key in table.rows:
            shown = str(table.get_row(row_key)[0])
            full = names[str(row_key.value)]
            assert shown == full or (shown.endswith("…") and full.startswith(shown[:-1]))
        title = str(app.screen.query_one("#plan-title", Static).content)
        assert "\n" not in title and len(title) <= size[0] - 2


@pytest.mark.parametrize(
    ("need", "pace", "words"),
    [
        (12.2, 20.0, "13 minutes a day would reach the target (90%)"),
        (0.4, 20.0, "; 1 minute a day would reach the target (90%)"),
        (1.0, 20.0, "; 1 minute a day would reach the target (90%)"),
        (1.01, 20.0, "; 2 minutes a day would reach the target (90%)"),
        (0.0, 20.0, "the target (90%) is reached already"),
        (None, None, "no time a day would reach the target (90%) by then"),
    ],
)
def test_the_forecast_sentence(need: float | None, pace: float | None, words: str) -> None:
    at_pace = 0.5 if pace is not None else None
    got = forecast_sentence(Forecast(date(2027, 1, 9), 0.9, 30, 0.734, pace, at_pace, need))
    assert got.startswith("On 2027-01-09 you are predicted to recall 73% of these decks")
    assert words in got and got.endswith(".") and "\n" not in got
    assert ("at your pace (20 min a day), 50%" in got) == (pace is not None)


async def test_the_forecast_line_uses_the_users_recall_shift(
    make_app: MakeApp, library: DeckLibrary, store: UserStore, clock: FakeClock
) -> None:
    from flashprep.core.interview.projection import forecast
    from flashprep.core.stats.optimize import forecast_shift

    app = make_app()
    keys = library.card_keys()
    for gap in (20, 40, 80):  # always recalled, however long the gap: the model expects less
        for key in keys:
            store.grade(key, 3, 20_000)
        clock.advance(days=gap)
    interview = Interview(date=store.today() + timedelta(days=2), target_recall=0.95)
    store.save_profile(store.profile.model_copy(update={"interview": interview}))
    shift = forecast_shift(store)
    shifted, plain = forecast(library, store, shift=shift), forecast(library, store)
    assert shift > 0 and shifted is not None and plain is not None
    assert forecast_sentence(shifted) != forecast_sentence(plain)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await settle(app, pilot)
        status = str(app.screen.query_one("#plan-status", Static).content)
        assert status.splitlines()[-1] == forecast_sentence(shifted)
