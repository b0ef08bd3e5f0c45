"""Deck names wherever a person reads one (the browser's Deck column, the statistics' hardest
cards and leeches); ids stay in the JSON and where the user types them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.decks.owndecks import add_card, new_deck
from flashprep.core.scheduling.scheduler import CardState
from flashprep.core.storage.userstore import UserStore
from flashprep.tui.app import FlashprepApp
from flashprep.tui.screens.browser import DEBOUNCE, BrowserScreen
from flashprep.tui.screens.stats import StatsScreen

from helpers import Timer

MakeApp = Callable[..., FlashprepApp]


def cells(table: DataTable[object], column: str) -> dict[str, str]:
    """A column's cells by row key, as text."""
    out = {}
    for row in table.ordered_rows:
        value = table.get_cell(row.key, column)
        out[str(row.key.value)] = str(getattr(value, "plain", value)).strip()
    return out


def names_agree(shown: str, name: str) -> bool:
    """The cell is the deck's name, or its start cut with an ellipsis."""
    return shown == name or (shown.endswith("…") and name.startswith(shown[:-1]))


@pytest.mark.parametrize("width", [80, 100, 160])
async def test_the_browser_names_each_cards_deck(
    make_app: MakeApp, library: DeckLibrary, width: int
) -> None:
    # a deck whose id and name share nothing, and a name longer than the column
    new_deck(library, "zz-own", "Networking: TCP/IP, DNS and the whole HTTP stack", "technical")
    add_card(library, "zz-own", "What is a SYN flood?", "A denial of service.")
    app = make_app()
    async with app.run_test(size=(width, 30)) as pilot:
        await pilot.press("slash")
        await pilot.pause(DEBOUNCE + 0.05)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        shown = cells(screen.query_one(DataTable), "deck")
        assert len(shown) == len(library.card_keys())
        for key, cell in shown.items():
            deck = library.get(key.split("/")[0])
            assert deck is not None
            assert names_agree(cell, deck.name), (key, cell)
            assert cell != deck.id


async def open_stats(pilot: Pilot[None]) -> StatsScreen:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, StatsScreen)
    return screen


@pytest.mark.parametrize("size", [(100, 40), (130, 40)])
async def test_hardest_cards_and_leeches_name_their_decks(
    make_store: Callable[..., UserStore],
    library: DeckLibrary,
    timer: Timer,
    size: tuple[int, int],
) -> None:
    store = make_store("leechy", leech_lapses=3)
    now = store.now()
    for key, lapses in (("alpha/a3", 5), ("beta/b2", 3), ("alpha/a1", 2)):
        store.states[key] = CardState("review", None, 5.0, 6.0, now, now, lapses + 1, lapses)
    store.grade("alpha/a2", 1)  # a history, so the panels show; a failed card is hard
    app = FlashprepApp(library, store, start="stats", timer=timer)
    async with app.run_test(size=size) as pilot:
        screen = await open_stats(pilot)
        report = screen.stats
        assert report is not None
        for table, rows in (("#stats-hardest", "hardest"), ("#stats-leeches", "leeches")):
            data = screen.query_one(table, DataTable)
            assert "deck" in [str(c.value) for c in data.columns], table  # room for it here
            shown = cells(data, "deck")
            assert shown and set(shown) == {row["card"] for row in report[rows]}
            for row in report[rows]:
                deck = library.get(row["deck"])  # the JSON keeps the id
                assert deck is not None and row["deck_name"] == deck.name
                assert names_agree(shown[row["card"]], deck.name), (table, row["card"])
