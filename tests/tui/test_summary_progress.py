"""The summary says how much of today is done, in the decks drilled, and the home screen's title
counts the new cards today still allows (not every new card)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.scheduling.scheduler import Rating
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.customstudy import DrillOptions
from flashprep.tui.app import FlashprepApp
from flashprep.tui.screens.home import HomeScreen
from flashprep.tui.screens.summary import SummaryScreen

from helpers import Timer

SIZE = (90, 30)


async def grade_all(pilot: Pilot[None], key: str) -> None:
    """Reveal and grade every card until the summary shows."""
    for _ in range(50):
        if isinstance(pilot.app.screen, SummaryScreen):
            return
        await pilot.press("space", key)
        await pilot.pause()
    raise AssertionError("the drill never ended")


@pytest.mark.parametrize(
    ("decks", "limit", "before", "line"),
    [
        (["beta"], 20, [], "Today: 2 of 2 cards done · 2 new of 20"),
        (["alpha"], 20, [], "Today: 3 of 3 cards done · 3 new of 20"),
        (["alpha", "beta"], 2, [], "Today: 2 of 2 cards done · 2 new of 2"),
        # a card graded earlier today, in a deck not drilled: not this drill's decks' progress
        (["alpha"], 2, ["beta/b1"], "Today: 1 of 1 cards done · 2 new of 2"),
        # ... and in the deck drilled: done already
        (["beta"], 20, ["beta/b1"], "Today: 2 of 2 cards done · 2 new of 20"),
    ],
)
async def test_the_summary_shows_how_much_of_today_is_done(
    make_store: Callable[..., UserStore],
    library: DeckLibrary,
    timer: Timer,
    decks: list[str],
    limit: int,
    before: list[str],
    line: str,
) -> None:
    store = make_store(new_per_day=limit)
    for key in before:
        store.grade(key, Rating.EASY)
    app = FlashprepApp(library, store, start="drill", deck_ids=decks, timer=timer)
    async with app.run_test(size=SIZE) as pilot:
        await grade_all(pilot, "4")
        text = str(app.screen.query_one("#summary-text", Static).content)
        assert line in text.splitlines()


@pytest.mark.parametrize(
    ("keys", "line"),
    [
        (("alpha/a1",), "Today: 1 of 5 cards done · 1 new of 20"),
        (("alpha/a2", "beta/b2"), "Today: 2 of 5 cards done · 2 new of 20"),
    ],
)
async def test_the_summary_counts_what_is_left_of_the_day(
    store: UserStore, library: DeckLibrary, timer: Timer, keys: tuple[str, ...], line: str
) -> None:
    options = DrillOptions(keys=keys)  # a drill of some cards: the rest of the day is left
    app = FlashprepApp(library, store, start="drill", drill_options=options, timer=timer)
    async with app.run_test(size=SIZE) as pilot:
        await grade_all(pilot, "4")
        text = str(app.screen.query_one("#summary-text", Static).content)
        assert line in text.splitlines()


@pytest.mark.parametrize(("limit", "graded", "new"), [(20, 0, 5), (20, 2, 3), (3, 1, 2), (2, 2, 0)])
async def test_the_home_title_counts_todays_new_cards(
    make_store: Callable[..., UserStore],
    library: DeckLibrary,
    timer: Timer,
    limit: int,
    graded: int,
    new: int,
) -> None:
    store = make_store(new_per_day=limit)
    for key in ["alpha/a1", "beta/b1"][:graded]:
        store.grade(key, Rating.EASY)
    app = FlashprepApp(library, store, timer=timer)
    async with app.run_test(size=SIZE):
        assert isinstance(app.screen, HomeScreen)
        title = str(app.screen.query_one("#home-title", Static).content)
        assert f" · {new} new today" in title
