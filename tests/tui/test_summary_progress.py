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


def assert_progress(text: str, line: tuple[int, int, int, int]) -> None:
    """The day's block of the summary, below this drill's own (whose count may differ)."""
    done, total, new, limit = line
    lines = text.splitlines()
    day = lines.index("Today in these decks, this drill included")
    assert lines.index("This drill") < day
    assert lines[day + 1] == f"  Cards done       {done} of {total}"
    assert lines[day + 2] == f"  New cards        {new} of {limit} (all decks)"


@pytest.mark.parametrize(
    ("decks", "limit", "before", "line"),
    [
        (["beta"], 20, [], (2, 2, 2, 20)),
        (["alpha"], 20, [], (3, 3, 3, 20)),
        (["alpha", "beta"], 2, [], (2, 2, 2, 2)),
        # a card graded earlier today, in a deck not drilled: not this drill's decks' progress
        (["alpha"], 2, ["beta/b1"], (1, 1, 2, 2)),
        # ... and in the deck drilled: done already
        (["beta"], 20, ["beta/b1"], (2, 2, 2, 20)),
    ],
)
async def test_the_summary_shows_how_much_of_today_is_done(
    make_store: Callable[..., UserStore],
    library: DeckLibrary,
    timer: Timer,
    decks: list[str],
    limit: int,
    before: list[str],
    line: tuple[int, int, int, int],
) -> None:
    store = make_store(new_per_day=limit)
    for key in before:
        store.grade(key, Rating.EASY)
    app = FlashprepApp(library, store, start="drill", deck_ids=decks, timer=timer)
    async with app.run_test(size=SIZE) as pilot:
        await grade_all(pilot, "4")
        text = str(app.screen.query_one("#summary-text", Static).content)
        assert_progress(text, line)


@pytest.mark.parametrize(
    ("keys", "line"),
    [
        (("alpha/a1",), (1, 5, 1, 20)),
        (("alpha/a2", "beta/b2"), (2, 5, 2, 20)),
    ],
)
async def test_the_summary_counts_what_is_left_of_the_day(
    store: UserStore,
    library: DeckLibrary,
    timer: Timer,
    keys: tuple[str, ...],
    line: tuple[int, int, int, int],
) -> None:
    options = DrillOptions(keys=keys)  # a drill of some cards: the rest of the day is left
    app = FlashprepApp(library, store, start="drill", drill_options=options, timer=timer)
    async with app.run_test(size=SIZE) as pilot:
        await grade_all(pilot, "4")
        text = str(app.screen.query_one("#summary-text", Static).content)
        assert_progress(text, line)


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


@pytest.mark.parametrize(
    ("decks", "before", "grades"),
    [
        (["alpha"], ["alpha/a1"], 1),  # a card done before this drill: the day counts it
        (["alpha", "beta"], ["beta/b1", "beta/b2"], 2),
        (["beta"], [], 1),
    ],
)
async def test_q_mid_drill_says_how_many_cards_are_left_not_why_none_is(
    make_store: Callable[..., UserStore],
    library: DeckLibrary,
    timer: Timer,
    decks: list[str],
    before: list[str],
    grades: int,
) -> None:
    store = make_store()
    for key in before:
        store.grade(key, Rating.EASY)
    app = FlashprepApp(library, store, start="drill", deck_ids=decks, timer=timer)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(grades):
            await pilot.press("space", "4")
        left = len(library.card_keys(decks)) - len(before) - grades
        assert left > 0
        await pilot.press("q")
        assert isinstance(app.screen, SummaryScreen)
        text = str(app.screen.query_one("#summary-text", Static).content)
        lines = text.splitlines()
        cards = "card" if left == 1 else "cards"
        assert lines[0] == f"Drill stopped: {left} {cards} left"
        assert "Why nothing is left:" not in text
        assert f"{left} {cards} of this drill not shown yet" in text
        assert f"  Cards graded     {grades}" in lines
        # the day's block counts the cards graded before this drill too, and says so
        done = len(before) + grades
        assert_progress(text, (done, done + left, done, 20))
        assert "Study more today" not in text  # no offer while cards are left
        assert not app.screen.check_action("offer", ("n",))


async def test_a_finished_drill_still_says_why_nothing_is_left(
    make_store: Callable[..., UserStore], library: DeckLibrary, timer: Timer
) -> None:
    store = make_store(new_per_day=1)
    app = FlashprepApp(library, store, start="drill", deck_ids=["alpha"], timer=timer)
    async with app.run_test(size=SIZE) as pilot:
        await grade_all(pilot, "4")
        text = str(app.screen.query_one("#summary-text", Static).content)
        assert text.splitlines()[0] == "Drill complete"
        assert "Why nothing is left:" in text and "new-card limit is reached" in text
        assert "not shown yet" not in text
