"""The browser's table holds a window of the matches: opened on a card far down the list (from a
drill), or with the cursor's card far down after a reversed sort, it starts a little above that
card instead of holding every row before it; moving up shows the earlier rows, moving down the
later ones, and every card is still reached, marked and acted on in order."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.paths import Home
from flashprep.core.storage.userstore import UserStore
from flashprep.tui.app import FlashprepApp
from flashprep.tui.screens import browser as browser_module
from flashprep.tui.screens.browser import BrowserScreen

CARDS = 37
KEYS = [f"many/c{i:02}" for i in range(CARDS)]
SIZE = (100, 32)


@pytest.fixture
def many(home: Home, tmp_path: Path) -> DeckLibrary:
    folder = tmp_path / "mine"
    folder.mkdir()
    lines = ['id = "many"', 'name = "Many"', 'category = "technical"']
    for i in range(CARDS):
        lines += ["", "[[cards]]", f'id = "c{i:02}"', f'front = "Question {i}"', 'back = "A"']
    (folder / "many.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return DeckLibrary.load(home, folder)


def table_keys(screen: BrowserScreen) -> list[str]:
    return [str(row.key.value) for row in screen.query_one(DataTable).ordered_rows]


def assert_window(screen: BrowserScreen, order: list[str]) -> None:
    """The table's rows are the matches from `first` on, in order, and the cursor's card is
    among them."""
    shown = table_keys(screen)
    assert shown == order[screen.first : screen.first + len(shown)]
    assert screen.highlighted() in shown


@pytest.mark.parametrize(("chunk", "start"), [(4, 36), (4, 5), (10, 20), (10, 0)])
async def test_opened_on_a_far_card_every_card_is_reached_in_order(
    many: DeckLibrary,
    store: UserStore,
    monkeypatch: pytest.MonkeyPatch,
    chunk: int,
    start: int,
) -> None:
    monkeypatch.setattr(browser_module, "CHUNK", chunk)
    app = FlashprepApp(many, store)
    async with app.run_test(size=SIZE) as pilot:
        screen = BrowserScreen(app.session, cursor_key=KEYS[start])
        await app.push_screen(screen)
        await pilot.pause()
        assert screen.highlighted() == KEYS[start]
        assert len(table_keys(screen)) <= 2 * chunk  # not every row above the card
        assert_window(screen, KEYS)
        for i in range(start - 1, -1, -1):  # up to the first card, one at a time
            await pilot.press("up")
            assert screen.highlighted() == KEYS[i]
            assert_window(screen, KEYS)
        assert screen.first == 0
        for i in range(1, CARDS):  # and down to the last
            await pilot.press("down")
            assert screen.highlighted() == KEYS[i]
            assert_window(screen, KEYS)
        await pilot.press("ctrl+a")  # every match marked, the rows shown too
        count = str(screen.query_one("#browser-count", Static).content)
        assert f"{CARDS} marked" in count
        assert screen.targets() == KEYS


@pytest.mark.parametrize("chunk", [4, 10])
async def test_a_reversed_sort_keeps_the_cursor_on_its_card(
    many: DeckLibrary, store: UserStore, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(browser_module, "CHUNK", chunk)
    app = FlashprepApp(many, store)
    async with app.run_test(size=SIZE) as pilot:
        screen = BrowserScreen(app.session, cursor_key=KEYS[2])
        await app.push_screen(screen)
        await pilot.pause()
        await pilot.press("O")  # deck order reversed: the card is near the end now
        await pilot.pause()
        assert screen.highlighted() == KEYS[2]
        assert len(table_keys(screen)) < CARDS - 2
        assert_window(screen, KEYS[::-1])
        await pilot.press("O")
        await pilot.pause()
        assert screen.highlighted() == KEYS[2]
        assert_window(screen, KEYS)


async def test_an_action_after_moving_up_changes_the_card_highlighted(
    many: DeckLibrary, store: UserStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(browser_module, "CHUNK", 4)
    app = FlashprepApp(many, store)
    async with app.run_test(size=SIZE) as pilot:
        screen = BrowserScreen(app.session, cursor_key=KEYS[30])
        await app.push_screen(screen)
        await pilot.pause()
        for _ in range(7):
            await pilot.press("up")
        assert screen.highlighted() == KEYS[23]
        await pilot.press("exclamation_mark")  # suspend
        await pilot.pause()
        assert store.state(KEYS[23]).suspended
        assert [k for k in KEYS if store.state(k).suspended] == [KEYS[23]]
        row = screen.query_one(DataTable).get_row(KEYS[23])
        assert "suspended" in str(getattr(row[3], "plain", row[3]))
