"""The settings screen's Optimize button: it fits FSRS to the user's history in a worker with a
progress bar; Cancel (or leaving) stops the fit with nothing written; too little history says
how much is needed; kept parameters are in effect at once (the schedule replayed under them)."""

from __future__ import annotations

import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, ProgressBar

from fitlearner import log_entries, simulate, varied
from flashprep.core.paths import Home
from flashprep.core.scheduling import fitting
from flashprep.core.scheduling.optimizer import FitCancelled, scored_count
from flashprep.core.scheduling.parameters import DEFAULT_PARAMETERS
from flashprep.core.stats.historycache import load_history
from flashprep.core.stats.modelfit import card_histories
from flashprep.core.storage.userstore import UserStore
from flashprep.tui.app import FlashprepApp
from flashprep.tui.screens.home import HomeScreen
from flashprep.tui.screens.settings import SettingsScreen
from flashprep.tui.widgets.plain import PlainStatic

MakeApp = Callable[..., FlashprepApp]
SIZE = (100, 40)
TRUTH = varied(DEFAULT_PARAMETERS, {8: 0.6, 10: 0.7, 20: 2.0})
"""A learner who forgets faster than the defaults expect (a fit clearly helps)."""


def add_history(store: UserStore, cards: int) -> None:
    if cards:
        store.import_entries(log_entries(simulate(TRUTH, cards=cards, days=150, seed=1)))


def files(folder: Path) -> dict[str, bytes]:
    """Every file of the user's that is not a disposable cache, by its path."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "cache" not in p.parts and p.name != "lock"
    }


def result_text(screen: SettingsScreen) -> str:
    return str(screen.query_one("#optimize-result", PlainStatic).content)


async def open_settings(app: FlashprepApp, pilot: Any) -> SettingsScreen:
    await pilot.press("o")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, SettingsScreen)
    return screen


async def until(pilot: Any, condition: Callable[[], bool]) -> None:
    """Let the app run until `condition` holds (the worker reports through the event loop)."""
    for _ in range(2000):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError("the condition never held")


@pytest.mark.parametrize("stop_at", [1, 2])
@pytest.mark.parametrize("how", ["cancel", "escape"])
async def test_cancel_stops_the_fit_and_writes_nothing(
    make_app: MakeApp,
    store: UserStore,
    monkeypatch: pytest.MonkeyPatch,
    stop_at: int,
    how: str,
) -> None:
    """The fit stops at its next check whether it is the first fit (on the earlier reviews)
    or the refit on all; the bar showed its progress meanwhile."""
    add_history(store, 600)
    store.checkpoint()
    before = files(store.folder)
    real = fitting.fit
    calls: list[int] = []
    stopped: list[bool] = []
    waiting: list[bool] = []

    def waits_for_cancel(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) < stop_at:
            return real(*args, **kwargs)
        kwargs["progress"](0.4)  # drawn before it returns (call_from_thread)
        waiting.append(True)
        cancelled = kwargs["cancelled"]
        while not cancelled():  # the fit asks every few hundred grades
            time.sleep(0.001)
        stopped.append(True)
        raise FitCancelled

    monkeypatch.setattr(fitting, "fit", waits_for_cancel)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(app, pilot)
        await pilot.press("ctrl+o")
        bar = screen.query_one("#optimize-progress", ProgressBar)
        # the first fit is drawn as the first part of the bar, the refit as the rest
        await until(pilot, lambda: bool(waiting))
        shown = bar.progress or 0
        assert (0 < shown < 0.4) if stop_at == 1 else (0.4 < shown < 1)
        assert bar.display and "Fitting" in result_text(screen)
        assert screen.query_one("#optimize", Button).disabled
        assert not screen.query_one("#optimize-cancel", Button).disabled
        if how == "cancel":
            await pilot.click("#optimize-cancel")
            await until(pilot, lambda: "Cancelled" in result_text(screen))
            assert result_text(screen) == "Cancelled: nothing was changed."
            assert not bar.display and not screen.query_one("#optimize", Button).disabled
        else:
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
            await app.workers.wait_for_complete()
        assert stopped == [True]
    assert files(store.folder) == before
    assert store.settings.parameters is None


@pytest.mark.parametrize("cards", [0, 20, 100])
async def test_too_little_history_says_how_many_reviews_of_1000(
    make_app: MakeApp, store: UserStore, cards: int
) -> None:
    add_history(store, cards)
    have = scored_count(card_histories(load_history(store)), None)
    assert have < fitting.MIN_REVIEWS
    before = files(store.folder)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(app, pilot)
        await pilot.press("ctrl+o")
        await until(pilot, lambda: screen.fitting is None)
        assert result_text(screen).startswith(
            f"Not enough reviews to fit: {have:,} of {fitting.MIN_REVIEWS:,}"
        )
        assert not screen.query_one("#optimize-progress", ProgressBar).display
    assert files(store.folder) == before


async def test_kept_parameters_are_used_at_once(
    make_app: MakeApp, store: UserStore, home: Home
) -> None:
    add_history(store, 600)
    log_before = {p.name: p.read_bytes() for p in store.log_dir.iterdir()}
    states_before = dict(store.states)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(app, pilot)
        assert "Default parameters" in str(screen.query_one("#fsrs-status", PlainStatic).content)
        screen.query_one("#optimize").scroll_visible(animate=False)  # below the settings
        await pilot.pause()
        await pilot.click("#optimize")
        await until(pilot, lambda: screen.fitting is None)
        text = result_text(screen)
        assert "Kept the new parameters" in text and "log loss" in text and "RMSE(bins)" in text
        assert "Drills, the plan and the statistics use them" in text
        status = str(screen.query_one("#fsrs-status", PlainStatic).content)
        assert status.startswith("Parameters fitted on") and "reviews" in status
    fsrs = tomllib.loads(store.profile_path.read_text())["fsrs"]
    assert fsrs["parameters"] != list(DEFAULT_PARAMETERS)
    # in effect in the open store (the drill and statistics read it), replayed from the log
    assert store.settings.parameters == tuple(fsrs["parameters"])
    assert store.scheduler.settings.parameters == tuple(fsrs["parameters"])
    assert store.states != states_before
    assert UserStore(home, "tester").states == store.states
    assert {p.name: p.read_bytes() for p in store.log_dir.iterdir()} == log_before
