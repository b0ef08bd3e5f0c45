"""The card browser (tui/screens/browser.py): search as you type, sort, mark, act on cards, undo,
drill the marked cards; opened from the home screen and from a drill."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from datetime import date

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.decks.owndecks import add_card, new_deck
from flashprep.core.paths import Home
from flashprep.core.scheduling.scheduler import Rating
from flashprep.core.storage.logread import read_all
from flashprep.core.storage.userstore import UserStore
from flashprep.format import NO_VALUE, relative_day
from flashprep.tui.app import FlashprepApp
from flashprep.tui.screens.browser import DEBOUNCE, BrowserScreen
from flashprep.tui.screens.card_prompts import LevelPrompt, TagPrompt
from flashprep.tui.screens.confirm import ConfirmScreen
from flashprep.tui.screens.drill import DrillScreen
from flashprep.tui.screens.home import HomeScreen

MakeApp = Callable[..., FlashprepApp]
SIZE = (100, 32)
ALL = ["alpha/a1", "alpha/a2", "alpha/a3", "beta/b1", "beta/b2"]


def logged(store: UserStore) -> list[tuple[str, str]]:
    return [(e.card, e.action) for e in read_all(store.log_dir)]


def browser(app: FlashprepApp) -> BrowserScreen:
    screen = app.screen
    assert isinstance(screen, BrowserScreen)
    return screen


def rows(app: FlashprepApp) -> list[str]:
    table = browser(app).query_one(DataTable)
    return [str(row.key.value) for row in table.ordered_rows]


def cell(app: FlashprepApp, key: str, column: str) -> str:
    value = browser(app).query_one(DataTable).get_cell(key, column)
    return str(getattr(value, "plain", value)).strip()


def error_line(app: FlashprepApp) -> Static | None:
    error = browser(app).query_one("#browser-error", Static)
    return error if error.display else None


async def open_browser(pilot: Pilot[None], query: str = "") -> None:
    """From the home screen: `/`, type the query, wait for the search, go to the table."""
    await pilot.press("slash")
    await type_query(pilot, query)
    await pilot.press("down")


async def type_query(pilot: Pilot[None], query: str) -> None:
    for char in query:
        await pilot.press(char if char != " " else "space")
    await pilot.pause(DEBOUNCE + 0.05)
    await pilot.pause()


async def mark(pilot: Pilot[None], *keys: str) -> None:
    app = pilot.app
    assert isinstance(app, FlashprepApp)
    table = browser(app).query_one(DataTable)
    for key in keys:
        table.move_cursor(row=table.get_row_index(key))
        await pilot.press("space")


def test_relative_due_days() -> None:
    today = date(2026, 12, 7)
    assert relative_day(None, today) == NO_VALUE
    assert relative_day(today, today) == "today"
    assert relative_day(date(2026, 12, 10), today) == "in 3d"
    assert relative_day(date(2026, 12, 5), today) == "2d ago"


async def test_slash_on_home_opens_the_browser_with_the_search_box_focused(
    make_app: MakeApp,
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        screen = browser(app)
        assert isinstance(screen.focused, Input)
        assert rows(app) == ALL
        count = str(screen.query_one("#browser-count", Static).content)
        assert count.startswith("5 of 5 cards")
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tcp", ["alpha/a3"]),
        ("TCP", ["alpha/a3"]),
        ("tag:math", ["alpha/a1"]),
        ("deck:beta", ["beta/b1", "beta/b2"]),
        ("-deck:alpha level:none", ["beta/b1", "beta/b2"]),
        ("sort OR conflict", ["alpha/a2", "beta/b1"]),
        ("nothing-like-this", []),
    ],
)
async def test_typing_a_query_filters(make_app: MakeApp, query: str, expected: list[str]) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        await type_query(pilot, query)
        assert rows(app) == expected
        count = str(browser(app).query_one("#browser-count", Static).content)
        assert count.startswith(f"{len(expected)} of 5 cards")
        assert error_line(app) is None


@pytest.mark.parametrize(
    ("bad", "position"),
    [("(", 1), (" lapses>x", 9), (' "open', 2), (" is:nothing", 5), (" a)", 3), (" -", 2)],
)
async def test_a_bad_query_says_where_and_keeps_the_rows(
    make_app: MakeApp, bad: str, position: int
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        await type_query(pilot, "deck:beta")
        assert rows(app) == ["beta/b1", "beta/b2"]
        query = "deck:beta" + bad
        shown = position + len("deck:beta")
        browser(app).query_one(Input).value = query  # pasted: one change
        await pilot.pause(DEBOUNCE + 0.05)
        error = error_line(app)
        assert error is not None
        assert f"(at character {shown})" in str(error.content)
        assert rows(app) == ["beta/b1", "beta/b2"]  # the last good result
        assert browser(app).query_one(Input).value == query
        await pilot.press("backspace")  # typing on: still bad, or not
        browser(app).query_one(Input).value = "deck:beta"
        await pilot.pause(DEBOUNCE + 0.05)
        assert error_line(app) is None


async def test_card_text_in_the_table_is_never_markup(
    make_app: MakeApp, library: DeckLibrary
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_browser(pilot, "tag:math")
        assert cell(app, "alpha/a1", "question") == "What is 2 + [2]?"


async def test_sort_by_keys_and_reverse(make_app: MakeApp, store: UserStore) -> None:
    store.grade("beta/b2", Rating.AGAIN)
    store.grade("alpha/a3", Rating.AGAIN)
    store.grade("alpha/a3", Rating.AGAIN)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_browser(pilot)
        assert rows(app) == ALL
        await pilot.press("O")  # deck, descending
        assert set(rows(app)[:2]) == {"beta/b1", "beta/b2"}
        screen = browser(app)
        while screen.sort != "reps":
            await pilot.press("o")
        assert "sorted by reps ↑" in str(screen.query_one("#browser-count", Static).content)
        assert rows(app) == ["alpha/a1", "alpha/a2", "beta/b1", "beta/b2", "alpha/a3"]
        await pilot.press("O")
        assert rows(app)[:2] == ["alpha/a3", "beta/b2"]  # 2 grades, then 1
        # the cursor stays on its card across sorts
        table = screen.query_one(DataTable)
        table.move_cursor(row=table.get_row_index("beta/b2"))
        await pilot.press("O")
        assert screen.highlighted() == "beta/b2"


@pytest.mark.parametrize(
    ("keys", "action", "check"),
    [
        (["exclamation_mark"], "suspend", lambda s, k: s.state(k).suspended),
        (["minus"], "bury", lambda s, k: s.state(k).buried_until is not None),
        (["t"], "due", lambda s, k: s.state(k).due <= s.now()),
        (["f", "y"], "forget", lambda s, k: s.state(k).is_new),
    ],
)
async def test_an_action_on_marked_cards_is_logged_and_u_undoes_it(
    make_app: MakeApp,
    store: UserStore,
    keys: list[str],
    action: str,
    check: Callable[[UserStore, str], bool],
) -> None:
    for key in ("alpha/a1", "beta/b1", "beta/b2"):
        store.grade(key, Rating.EASY)  # review, due in some days
    before = logged(store)
    targets = ["alpha/a1", "beta/b1"]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_browser(pilot)
        await mark(pilot, *targets)
        await pilot.press(*keys)
        assert logged(store) == before + [(k, action) for k in targets]
        assert all(check(store, k) for k in targets)
        assert not check(store, "beta/b2")  # not marked: untouched
        if action == "suspend":
            assert cell(app, "alpha/a1", "state") == "suspended"  # the row updated in place
        await pilot.press("u")
        assert logged(store) == before
        assert not any(check(store, k) for k in targets)
        if action == "suspend":
            assert cell(app, "alpha/a1", "state") == "review"


async def test_suspend_toggles_and_acts_on_the_highlighted_card_without_marks(
    make_app: MakeApp, store: UserStore
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_browser(pilot, "tcp")
        await pilot.press("exclamation_mark")
        assert logged(store) == [("alpha/a3", "suspend")]
        await pilot.press("exclamation_mark")  # all suspended: unsuspends
        assert logged(store) == [("alpha/a3", "suspend"), ("alpha/a3", "unsuspend")]
        assert not store.state("alpha/a3").suspended


async def test_mark_all_marks_every_match(make_app: MakeApp, store: UserStore) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_browser(pilot, "deck:alpha")
        await pilot.press("ctrl+a")
        assert browser(app).marked == {"alpha/a1", "alpha/a2", "alpha/a3"}
        assert cell(app, "alpha/a2", "mark") == "✓"
        await pilot.press("minus")
        assert sorted(logged(store)) == [(k, "bury") for k in ALL[:3]]
        await pilot.press("ctrl+a")
        assert browser(app).marked == set()


async def test_keys_type_into_the_search_box_not_actions(
    make_app: MakeApp, store: UserStore
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        await type_query(pilot, "-tud")  # minus, t and u are action keys in the table
        assert browser(app).query_one(Input).value == "-tud"
        assert logged(store) == []
        await pilot.press("down")
        assert isinstance(browser(app).focused, DataTable)
        await pilot.press("slash")
        assert isinstance(browser(app).focused, Input)
        await pilot.press("enter")  # submits the search: to the table, not the details
        assert isinstance(app.screen, BrowserScreen)
        assert isinstance(browser(app).focused, DataTable)


async def test_tag_and_level_of_a_bundled_card_go_to_the_overrides(
    make_app: MakeApp, home: Home, library: DeckLibrary
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_browser(pilot, "tcp")
        await pilot.press("plus")
        assert isinstance(app.screen, TagPrompt)
        await type_query(pilot, "protocols")
        await pilot.press("enter")
        await pilot.pause()
        assert library.card("alpha/a3").tags == ["networking", "protocols"]  # type: ignore[union-attr]
        await pilot.press("L")
        assert isinstance(app.screen, LevelPrompt)
        await pilot.press("down", "down", "enter")  # junior, mid, senior
        await pilot.pause()
        assert library.card("alpha/a3").level == "senior"  # type: ignore[union-attr]
        assert cell(app, "alpha/a3", "level") == "senior"
        await pilot.press("number_sign")
        await type_query(pilot, "protocols")
        await pilot.press("enter")
        await pilot.pause()
        assert library.card("alpha/a3").tags == ["networking"]  # type: ignore[union-attr]
    overrides = tomllib.loads((home.overrides / "alpha.toml").read_text())
    assert "senior" in str(overrides)
    source = (library.decks["alpha"].path).read_text()
    assert "senior" not in source  # the bundled deck file is never written


@pytest.mark.parametrize("bad", ["two words", "x" * 81])
async def test_a_bad_tag_writes_nothing(
    make_app: MakeApp, home: Home, library: DeckLibrary, bad: str
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_browser(pilot, "tcp")
        await pilot.press("plus")
        app.screen.query_one(Input).value = bad
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, BrowserScreen)
        assert library.card("alpha/a3").tags == ["networking"]  # type: ignore[union-attr]
    assert not (home.overrides / "alpha.toml").exists()


async def test_delete_refuses_bundled_cards_and_asks_first(
    make_app: MakeApp, library: DeckLibrary
) -> None:
    new_deck(library, "mine", "My questions", "technical")
    key = add_card(library, "mine", "What is a monad?", "A monoid in the category of endofunctors.")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_browser(pilot, "tcp")
        await pilot.press("delete")
        assert isinstance(app.screen, BrowserScreen)  # no question: refused at once
        assert library.text("alpha/a3") is not None
        await pilot.press("slash")
        browser(app).query_one(Input).value = ""
        await type_query(pilot, "monad")
        await pilot.press("down")
        assert rows(app) == [key]
        await pilot.press("delete")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert library.text(key) is not None
        await pilot.press("delete")
        await pilot.press("y")
        await pilot.pause()
        assert library.text(key) is None
        assert rows(app) == []


async def test_d_drills_exactly_the_marked_cards(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_browser(pilot)
        await mark(pilot, "beta/b2", "alpha/a2")
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DrillScreen)
        assert app.screen.drill.keys == ["alpha/a2", "beta/b2"]


async def test_d_without_marks_drills_every_match(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_browser(pilot, "deck:beta")
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DrillScreen)
        assert app.screen.drill.keys == ["beta/b1", "beta/b2"]


async def test_slash_in_a_drill_opens_the_browser_on_the_current_card(
    make_app: MakeApp, store: UserStore
) -> None:
    app = make_app("drill", ["alpha"])
    async with app.run_test(size=SIZE) as pilot:
        drill = app.screen
        assert isinstance(drill, DrillScreen)
        current = drill.drill.current
        await pilot.press("slash")
        screen = browser(app)
        assert screen.highlighted() == current
        assert isinstance(screen.focused, DataTable)
        await pilot.press("exclamation_mark")  # suspend it there
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is drill
        assert drill.drill.current not in (None, current)  # moved on
        assert store.state(current or "").suspended


async def test_an_edit_in_the_browser_shows_in_the_drill(make_app: MakeApp) -> None:
    from textual.widgets import TextArea

    from flashprep.tui.widgets.card import CardMarkdown

    from helpers import markdown_text

    app = make_app("drill", ["alpha"])
    async with app.run_test(size=SIZE) as pilot:
        drill = app.screen
        assert isinstance(drill, DrillScreen)
        key = drill.drill.current
        await pilot.press("slash", "e")
        area = app.screen.query_one(TextArea)
        front = app.session.library.card(key or "").front  # type: ignore[union-attr]
        area.text = area.text.replace(front.replace('"', '\\"'), "Edited in the browser")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert cell(app, key or "", "question") == "Edited in the browser"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is drill
        assert "Edited in the browser" in markdown_text(drill.query_one("#front", CardMarkdown))


async def test_hostile_card_text_is_shown_literally_everywhere(
    home: Home, store: UserStore
) -> None:
    from flashprep.tui.screens.card_details import CardDetailsScreen

    from helpers import Timer
    from hostile import (
        HOSTILE,
        MARKUP,
        assert_notifications_literal,
        assert_shown_literally,
        toml_string,
    )

    bundled = home.root.parent / "bundled-evil"
    bundled.mkdir()
    text = toml_string(HOSTILE)
    (bundled / "evil.toml").write_text(
        f'id = "evil"\nname = {text}\ncategory = "technical"\n\n'
        f'[[cards]]\nid = "c1"\nfront = {text}\nback = {text}\nhint = {text}\n',
        encoding="utf-8",
    )
    app = FlashprepApp(DeckLibrary.load(home, bundled), store, timer=Timer())
    async with app.run_test(size=(200, 40), notifications=True) as pilot:
        await open_browser(pilot)
        assert rows(app) == ["evil/c1"]
        assert cell(app, "evil/c1", "question").startswith(MARKUP)
        assert_shown_literally(app, (MARKUP,))
        await pilot.press("exclamation_mark", "exclamation_mark")  # toasts name no card
        await pilot.press("f")  # the question names the card
        assert_shown_literally(app, (MARKUP,))
        await pilot.press("n", "plus")  # the tag prompt names it too
        assert isinstance(app.screen, TagPrompt)
        assert_shown_literally(app, (MARKUP,))
        await pilot.press("escape", "enter")
        assert isinstance(app.screen, CardDetailsScreen)
        assert_shown_literally(app)  # question, hint, deck name
        await pilot.press("t", "t")  # "no change" names the card
        assert_notifications_literal(app)


async def test_n_adds_a_card_that_the_browser_then_finds(
    make_app: MakeApp, library: DeckLibrary
) -> None:
    from textual.widgets import TextArea

    from flashprep.tui.screens.add_card import AddCardScreen

    new_deck(library, "mine", "My questions", "technical")
    add_card(library, "mine", "What is a monad?", "A monoid of endofunctors.")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_browser(pilot, "deck:mine")
        assert len(rows(app)) == 1
        await pilot.press("n")
        form = app.screen
        assert isinstance(form, AddCardScreen)
        form.query_one("#add-front", TextArea).text = "What is a functor?"
        form.query_one("#add-back", TextArea).text = "Something you can map over."
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, BrowserScreen)
        assert len(rows(app)) == 2  # the new card, found by the same query
        count = str(browser(app).query_one("#browser-count", Static).content)
        assert count.startswith("2 of 7 cards")


@pytest.mark.parametrize("focus_table", [False, True])  # F5 works from the search box too
async def test_f5_reads_decks_changed_outside_the_app(
    make_app: MakeApp, home: Home, focus_table: bool
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32), notifications=True) as pilot:
        await pilot.press("slash")
        await type_query(pilot, "outside")
        if focus_table:
            await pilot.press("down")
        assert rows(app) == []
        home.decks.mkdir(parents=True, exist_ok=True)
        (home.decks / "later.toml").write_text(
            'id = "later"\nname = "Later"\ncategory = "technical"\n\n'
            '[[cards]]\nid = "c1"\nfront = "Imported from outside?"\nback = "Yes."\n',
            encoding="utf-8",
        )
        await pilot.press("f5")
        await pilot.pause()
        assert rows(app) == ["later/c1"]
        assert any("Decks read again" in n.message for n in app._notifications)
