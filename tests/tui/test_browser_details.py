"""A card's details (tui/screens/card_details.py), opened with Enter in the card browser: the
card, its schedule, its whole history from the review log, its actions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.widgets import DataTable, Static

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.paths import Home
from flashprep.core.storage.logread import read_all
from flashprep.core.storage.userstore import UserStore
from flashprep.tui.app import FlashprepApp
from flashprep.tui.screens.browser import DEBOUNCE, BrowserScreen
from flashprep.tui.screens.card_details import CardDetailsScreen
from flashprep.tui.widgets.card import CardMarkdown

from helpers import Timer, markdown_text

SIZE = (100, 32)

LOG = """\
format = 1

[[review]]
id = "mhf0a000-000001"
at = 2026-11-01T10:00:00Z
card = "alpha/a3"
rating = 3
ms = 8400

[[review]]
id = "mhf0a000-000002"
at = 2026-11-02T10:00:00Z
card = "alpha/a1"
rating = 4

[[review]]
id = "mhf0a000-000003"
at = 2026-11-05T09:30:00Z
card = "alpha/a3"
rating = 1
ms = 21000
mode = "mock"

[[review]]
id = "mhf0a000-000004"
at = 2026-11-06T10:00:00Z
card = "alpha/a3"
rating = 2
ms = 15000

[[review]]
id = "mhf0a000-000005"
at = 2026-11-07T11:00:00Z
card = "alpha/a3"
action = "bury"
"""


def cells(table: DataTable[object]) -> list[list[str]]:
    return [
        [str(getattr(c, "plain", c)) for c in table.get_row(row.key)] for row in table.ordered_rows
    ]


async def test_details_show_the_whole_history_from_the_log(
    home: Home,
    library: DeckLibrary,
    make_store: Callable[..., UserStore],
    timer: Timer,
) -> None:
    reviews = home.user_dir("tester") / "reviews"
    reviews.mkdir(parents=True)
    (reviews / "2026-11.toml").write_text(LOG)
    store = make_store()
    app = FlashprepApp(library, store, timer=timer)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"tcp")
        await pilot.pause(DEBOUNCE + 0.05)
        await pilot.press("down", "enter")
        screen = app.screen
        assert isinstance(screen, CardDetailsScreen)
        assert screen.key == "alpha/a3"
        table = screen.query_one("#details-history", DataTable)
        history = cells(table)
        assert [row[0] for row in history] == [
            "2026-11-01 10:00",
            "2026-11-05 09:30",
            "2026-11-06 10:00",
            "2026-11-07 11:00",
        ]
        assert [row[1] for row in history] == ["3 Good", "1 Again", "2 Hard", "bury"]
        assert [row[4] for row in history] == ["drill", "mock", "drill", "drill"]
        assert history[0][3] == "8s"
        assert history[2][3] == "15s"
        facts = str(screen.query_one("#details-facts", Static).content)
        assert "Deck: Alpha questions (alpha)" in facts
        assert "Tags: networking" in facts
        assert "Reviews: 2" in facts  # the mock answer leaves the schedule alone
        assert "What does TCP guarantee?" in markdown_text(
            screen.query_one("#details-front", CardMarkdown)
        )
        assert "byte stream" in markdown_text(screen.query_one("#details-back", CardMarkdown))
        await pilot.press("escape")
        assert isinstance(app.screen, BrowserScreen)


async def test_actions_on_the_details_screen_act_on_its_card(
    make_app: Callable[..., FlashprepApp], store: UserStore
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"tcp")
        await pilot.pause(DEBOUNCE + 0.05)
        await pilot.press("down", "enter")
        screen = app.screen
        assert isinstance(screen, CardDetailsScreen)
        await pilot.press("exclamation_mark")
        assert [(e.card, e.action) for e in read_all(store.log_dir)] == [("alpha/a3", "suspend")]
        assert "State: suspended" in str(screen.query_one("#details-facts", Static).content)
        table = screen.query_one("#details-history", DataTable)
        assert cells(table)[-1][1] == "suspend"
        await pilot.press("u")
        assert list(read_all(store.log_dir)) == []
        await pilot.press("escape")
        browser = app.screen
        assert isinstance(browser, BrowserScreen)
        assert str(browser.query_one(DataTable).get_cell("alpha/a3", "state")).strip() == "new"


async def test_card_text_on_the_details_screen_is_never_markup(
    make_app: Callable[..., FlashprepApp],
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"tag:math")
        await pilot.pause(DEBOUNCE + 0.05)
        await pilot.press("down", "enter")
        screen = app.screen
        assert isinstance(screen, CardDetailsScreen)
        assert "2 + [2]" in markdown_text(screen.query_one("#details-front", CardMarkdown))
        back = markdown_text(screen.query_one("#details-back", CardMarkdown))
        assert "[b]this[/b]" in back


@pytest.mark.parametrize(
    ("size", "beside"),
    [((80, 24), False), ((100, 32), False), ((139, 40), False), ((160, 50), True)],
)
async def test_the_answer_is_in_view_and_the_record_beside_it_when_wide(
    home: Home,
    library: DeckLibrary,
    make_store: Callable[..., UserStore],
    timer: Timer,
    size: tuple[int, int],
    beside: bool,
) -> None:
    reviews = home.user_dir("tester") / "reviews"
    reviews.mkdir(parents=True)
    (reviews / "2026-11.toml").write_text(LOG)  # a history of four rows above the fold
    store = make_store()
    app = FlashprepApp(library, store, timer=timer)
    async with app.run_test(size=size) as pilot:
        app.push_screen(CardDetailsScreen(app.session, "alpha/a3"))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CardDetailsScreen)
        back = screen.query_one("#details-back", CardMarkdown)
        assert "byte stream" in markdown_text(back)
        footer = screen.query_one("KeyBar").region
        # the answer is on screen without scrolling, above the key bar
        assert back.region.height > 0 and back.region.y < footer.y
        card, record = (screen.query_one(f"#details-{n}").region for n in ("card", "record"))
        if beside:
            assert record.x >= card.right and record.y == card.y
            assert screen.query_one("#details-history").region.y < footer.y
        else:
            assert record.y >= card.bottom and record.x == card.x
