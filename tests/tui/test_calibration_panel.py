"""The statistics screen's calibration panel: the bins of the report's `calibration` for the
user's own reviews, the defaults beside fitted parameters, and a word when a fit is worth it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from fitlearner import log_entries, simulate, varied
from flashprep.core.scheduling.parameters import DEFAULT_PARAMETERS
from flashprep.core.stats.historycache import load_history
from flashprep.core.stats.optimize import calibration_report
from flashprep.core.storage.fittedparams import keep_parameters
from flashprep.core.storage.userstore import UserStore
from flashprep.tui.app import FlashprepApp
from flashprep.tui.screens.stats import StatsScreen

MakeApp = Callable[..., FlashprepApp]
TRUTH = varied(DEFAULT_PARAMETERS, {8: 0.6, 10: 0.7, 20: 2.0})


async def panel_text(app: FlashprepApp, pilot: Pilot[None]) -> tuple[str, str]:
    """The statistics screen's calibration table and its note, once computed."""
    await pilot.press("s")
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, StatsScreen)
    assert screen.query_one("#panel-calibration").display
    table = str(screen.query_one("#stats-calibration", Static).content)
    note = str(screen.query_one("#stats-calibration-note", Static).content)
    return table, note


def bin_cells(fit: dict[str, object]) -> list[tuple[str, str, str, str]]:
    """Each bin as the panel writes it: its range, the mean prediction, the share recalled, the
    count."""
    bins = fit["bins"]
    assert isinstance(bins, list)
    return [
        (
            f"{b['low']:.0%}-{b['high']:.0%}",
            f"{b['predicted']:.1%}",
            f"{b['actual']:.1%}",
            f"{b['reviews']:,}",
        )
        for b in bins
    ]


def row_of(table: str, label: str) -> list[str]:
    [row] = [line.split() for line in table.splitlines() if line.startswith(label + " ")]
    return row


@pytest.mark.parametrize(("cards", "seed"), [(120, 1), (300, 2)])
async def test_the_panel_shows_the_bins_of_the_users_reviews(
    make_app: MakeApp, store: UserStore, cards: int, seed: int
) -> None:
    store.import_entries(log_entries(simulate(TRUTH, cards=cards, days=120, seed=seed)))
    expected = calibration_report(load_history(store), store)
    assert expected["parameters"] == "default" and expected["default"] is None
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        table, note = await panel_text(app, pilot)
    assert "Model said" in table and "Default said" not in table
    for label, predicted, actual, reviews in bin_cells(expected):
        assert row_of(table, label)[1:] == [predicted, actual, reviews]
    assert max(len(line) for line in table.splitlines()) <= 76  # inside the panel at 80
    assert f"{expected['reviews']:,} reviews, default parameters" in note
    assert f"Log loss {expected['log_loss']:.4f}" in note
    assert f"RMSE(bins) {expected['rmse_bins']:.4f}" in note
    enough = expected["reviews"] >= 1000
    assert ("enough to fit the model to you" in note) == enough


async def test_fitted_parameters_are_shown_beside_the_defaults(
    make_app: MakeApp, store: UserStore
) -> None:
    store.import_entries(log_entries(simulate(TRUTH, cards=200, days=120, seed=3)))
    history = load_history(store)
    keep_parameters(store, TRUTH, store.today(), len(history))
    expected = calibration_report(history, store)
    default = expected["default"]
    assert expected["parameters"] == "fitted" and default is not None
    assert expected["advice"] is None  # fitted on the whole history just now
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        table, note = await panel_text(app, pilot)
    assert "Fitted said" in table and "Default said" in table
    fitted_rows = {c[0]: list(c[1:]) for c in bin_cells(expected)}
    default_rows = {c[0]: list(c[1:]) for c in bin_cells(default)}
    for label in fitted_rows.keys() | default_rows.keys():
        cells = row_of(table, label)[1:]
        assert cells[:3] == fitted_rows.get(label, ["—"] * 3)
        assert cells[3:] == default_rows.get(label, ["—"] * 3)
    assert "parameters fitted to you" in note
    assert f"(default {default['log_loss']:.4f})" in note
    assert f"(default {default['rmse_bins']:.4f})" in note


@pytest.mark.parametrize(("fitted_on", "advised"), [(0.3, True), (0.5, True), (0.6, False)])
def test_a_new_fit_is_suggested_once_the_history_doubled(
    store: UserStore, fitted_on: float, advised: bool
) -> None:
    store.import_entries(log_entries(simulate(TRUTH, cards=200, days=120, seed=4)))
    history = load_history(store)
    keep_parameters(store, TRUTH, store.today(), int(len(history) * fitted_on))
    report = calibration_report(history, store)
    assert (report["advice"] is not None) == advised
    if advised:
        assert f"to {len(history):,} reviews since the fit" in report["advice"]
    assert calibration_report(history, store, "sim")["advice"] is None  # one deck: no advice
