"""The home screen's detail pane: on a wide terminal, the highlighted deck's description, today's
work (as the table counts it), its next due card and its recall now; none at 80 or 100 columns."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.widgets import DataTable, Static

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.scheduling.scheduler import Rating
from flashprep.core.storage.userstore import UserStore
from flashprep.tui.app import FlashprepApp
from flashprep.tui.screens.home import HomeScreen

from helpers import FakeClock, Timer


def pane(app: FlashprepApp) -> Static:
    screen = app.screen
    assert isinstance(screen, HomeScreen)
    return screen.query_one("#deck-detail", Static)


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        ((80, 24), False),
        ((100, 32), False),
        ((139, 40), False),
        ((140, 40), True),
        ((160, 50), True),
    ],
)
async def test_the_pane_shows_only_with_room_and_never_squeezes_the_counts(
    library: DeckLibrary, store: UserStore, timer: Timer, size: tuple[int, int], shown: bool
) -> None:
    app = FlashprepApp(library, store, timer=timer)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert pane(app).display == shown
        table = app.screen.query_one(DataTable)
        columns = [str(c.value) for c in table.columns]
        assert {"deck", "new", "learn", "due"} <= set(columns)
        assert table.region.right <= (pane(app).region.x if shown else size[0])
        if shown:
            assert pane(app).region.height > 10 and pane(app).region.right <= size[0]


async def test_the_pane_follows_the_cursor_and_agrees_with_the_table(
    make_store: Callable[..., UserStore],
    library: DeckLibrary,
    timer: Timer,
    clock: FakeClock,
) -> None:
    store = make_store(new_per_day=2)
    store.grade("alpha/a1", Rating.GOOD)  # learning, back in 10 minutes
    store.grade("alpha/a2", Rating.EASY)  # a review in some days
    store.record_many(["alpha/a3"], "bury")
    store.record_many(["beta/b2"], "suspend")
    app = FlashprepApp(library, store, timer=timer)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        text = str(pane(app).content)
        lines = text.splitlines()
        assert lines[0] == "Alpha questions"
        assert "technical · 3 cards" in lines and "A small deck for tests." in lines
        row = app.screen.query_one(DataTable).get_row("alpha")
        new, learn, due = (str(c) for c in row[-3:])
        assert f"  New        {new} (0 not seen yet)" in lines  # a3 buried: not counted as new
        assert f"  Learning   {learn}" in lines and learn == "1"
        assert f"  Due        {due}" in lines
        assert "Next due     in 10m" in lines
        assert "Recall now   100% (2 cards studied)" in lines
        assert "Set aside    1 buried" in lines
        await pilot.press("down")
        await pilot.pause()
        lines = str(pane(app).content).splitlines()
        assert lines[0] == "Beta stories" and "Behavioral prompts for tests." in lines
        assert "  New        0 (1 not seen yet)" in lines  # the limit is spent; b2 suspended
        assert "Next due     — (no card studied yet)" in lines
        assert "Set aside    1 suspended" in lines
        clock.advance(minutes=11)
        await pilot.press("up")
        await pilot.pause()
        assert "Next due     now" in str(pane(app).content).splitlines()


async def test_deck_text_in_the_pane_is_never_markup_or_escapes(
    library: DeckLibrary, store: UserStore, timer: Timer
) -> None:
    from flashprep.core.decks.owndecks import new_deck

    new_deck(library, "aaa", "[bold]Not bold[/]", "technical", "A [link]desc\x07")
    app = FlashprepApp(library, store, timer=timer)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        table.move_cursor(row=table.get_row_index("aaa"))
        await pilot.pause()
        text = str(pane(app).content)
        assert "[bold]Not bold[/]" in text and "A [link]desc" in text
        assert "\x1b" not in text and "\x07" not in text
