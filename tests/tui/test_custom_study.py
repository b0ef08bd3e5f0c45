"""Custom study from the home screen (`c`): each choice opens the drill it names, in the marked
decks (all when none is marked), as practice when ticked; bad input stays in the dialog with an
inline error."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input, RadioButton, Static

from flashprep.core.browse.query import QueryError, parse_query
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.scheduling.scheduler import Rating
from flashprep.core.storage.logread import read_all
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.customstudy import DrillOptions
from flashprep.core.study.drill import Drill
from flashprep.tui.app import FlashprepApp
from flashprep.tui.screens.custom_study import CustomStudyScreen
from flashprep.tui.screens.drill import DrillScreen
from flashprep.tui.screens.home import HomeScreen

from helpers import FakeClock, Timer

SIZE = (100, 40)


async def open_dialog(pilot: Pilot[None], mark: Sequence[str] = ()) -> CustomStudyScreen:
    app = pilot.app
    home = app.screen
    assert isinstance(home, HomeScreen)
    rows = list(home.session.library.decks)
    for deck in mark:
        home.query_one(DataTable).move_cursor(row=rows.index(deck))
        await pilot.press("space")
    await pilot.press("c")
    await pilot.pause()
    assert isinstance(app.screen, CustomStudyScreen)
    return app.screen


async def fill(
    pilot: Pilot[None],
    dialog: CustomStudyScreen,
    kind: str,
    amount: str | None = None,
    query: str | None = None,
    practice: bool = False,
) -> None:
    dialog.query_one(f"#kind-{kind}", RadioButton).value = True
    await pilot.pause()
    if amount is not None:
        dialog.query_one("#amount", Input).value = amount
    if query is not None:
        dialog.query_one("#query", Input).value = query
    dialog.query_one("#practice", Checkbox).value = practice
    await pilot.press("enter")
    await pilot.pause()


def opened(app: FlashprepApp) -> Drill:
    assert isinstance(app.screen, DrillScreen), app.screen
    return app.screen.drill


def error(dialog: CustomStudyScreen) -> str:
    return str(dialog.query_one("#custom-error", Static).content)


@pytest.mark.parametrize(("limit", "extra"), [(1, 1), (1, 3), (2, 2), (0, 5)])
async def test_more_new_cards_today(
    make_store: Callable[..., UserStore],
    library: DeckLibrary,
    timer: Timer,
    limit: int,
    extra: int,
) -> None:
    store = make_store(new_per_day=limit)
    app = FlashprepApp(library, store, timer=timer)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot)
        await fill(pilot, dialog, "new", str(extra))
        drill = opened(app)
        assert drill.options == DrillOptions(extra_new=extra) and drill.mode == "drill"
        assert drill.remaining().new == min(5, limit + extra)


async def test_more_new_cards_in_the_marked_decks_only(
    make_store: Callable[..., UserStore], library: DeckLibrary, timer: Timer
) -> None:
    store = make_store(new_per_day=0)
    app = FlashprepApp(library, store, timer=timer)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot, ["beta"])
        assert "Decks: beta" in str(dialog.query_one("#custom-decks", Static).content)
        await fill(pilot, dialog, "new", "10")
        drill = opened(app)
        assert drill.deck_ids == ["beta"]
        assert sorted(k for k in [drill.current, *drill.queue] if k) == ["beta/b1", "beta/b2"]


def studied(store: UserStore, clock: FakeClock) -> None:
    """alpha/a1 due in a few days, beta/b1 in about a week or more: both reviewed today."""
    for key in ("alpha/a1", "beta/b1"):
        store.grade(key, Rating.EASY)


@pytest.mark.parametrize("practice", [False, True])
async def test_review_ahead(
    store: UserStore, library: DeckLibrary, timer: Timer, clock: FakeClock, practice: bool
) -> None:
    studied(store, clock)
    due = {k: store.state(k).due for k in ("alpha/a1", "beta/b1")}
    app = FlashprepApp(library, store, timer=timer)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot)
        await fill(pilot, dialog, "ahead", "60", practice=practice)
        drill = opened(app)
        cards = sorted(due, key=lambda k: (due[k], k))  # most due first
        assert [k for k in [drill.current, *drill.queue] if k] == cards
        assert drill.mode == ("practice" if practice else "ahead")
        await pilot.press("space", "3")
        await pilot.pause()
        [_, _, entry] = read_all(store.log_dir)
        assert entry.mode == ("practice" if practice else "drill")


@pytest.mark.parametrize(
    ("query", "marked", "cards"),
    [
        ("tag:sorting", [], ["alpha/a2"]),
        ("level:junior OR tag:motivation", [], ["alpha/a1", "beta/b2"]),
        ("-tag:math", ["alpha"], ["alpha/a2", "alpha/a3"]),
        ("", ["beta"], ["beta/b1", "beta/b2"]),  # a blank search: every card of the decks
    ],
)
@pytest.mark.parametrize("practice", [False, True])
async def test_drill_a_search(
    store: UserStore,
    library: DeckLibrary,
    timer: Timer,
    query: str,
    marked: list[str],
    cards: list[str],
    practice: bool,
) -> None:
    app = FlashprepApp(library, store, timer=timer)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot, marked)
        await fill(pilot, dialog, "search", query=query, practice=practice)
        drill = opened(app)
        assert drill.options == DrillOptions(practice=practice, keys=tuple(cards))
        assert [k for k in [drill.current, *drill.queue] if k] == cards
        first = drill.current
        assert first is not None
        await pilot.press("space", "3")
        await pilot.pause()
        assert store.state(first).is_new is practice  # practice leaves the schedule alone
        [entry] = read_all(store.log_dir)
        assert entry.mode == ("practice" if practice else "drill")


async def test_practice_of_new_cards_takes_them_in_turn_and_keeps_them_new(
    store: UserStore, library: DeckLibrary, timer: Timer
) -> None:
    app = FlashprepApp(library, store, timer=timer)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot)
        await fill(pilot, dialog, "new", "3", practice=True)
        drill = opened(app)
        assert drill.mode == "practice"
        assert [k for k in [drill.current, *drill.queue] if k] == [
            "alpha/a1",
            "beta/b1",
            "alpha/a2",
        ]
        await pilot.press("space", "1")
        await pilot.pause()
        assert store.state("alpha/a1").is_new and [e.mode for e in read_all(store.log_dir)] == [
            "practice"
        ]


@pytest.mark.parametrize("query", ["tag:", "(tag:sql", "deck:alpha due<x", "is:nothing", "a OR"])
async def test_a_bad_search_is_shown_in_the_dialog_with_its_position(
    store: UserStore, library: DeckLibrary, timer: Timer, query: str
) -> None:
    with pytest.raises(QueryError) as raised:
        parse_query(query)
    app = FlashprepApp(library, store, timer=timer)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot)
        await fill(pilot, dialog, "search", query=query)
        assert app.screen is dialog  # nothing opened
        shown = error(dialog).splitlines()
        assert shown[0] == f"Search: {raised.value}"
        assert f"at character {raised.value.position + 1}" in shown[0]
        assert shown[1] == query and shown[2] == " " * raised.value.position + "^"
        assert list(read_all(store.log_dir)) == []


@pytest.mark.parametrize(
    ("kind", "amount", "query", "message"),
    [
        ("new", "0", None, "New cards: a whole number from 1 to 9999"),
        ("new", "", None, "New cards: a whole number from 1 to 9999"),
        ("ahead", "0", None, "Days: a whole number from 1 to 9999"),
        ("search", None, "no-such-words-here", "no card matches it"),
    ],
)
async def test_bad_numbers_and_empty_searches_stay_in_the_dialog(
    store: UserStore,
    library: DeckLibrary,
    timer: Timer,
    kind: str,
    amount: str | None,
    query: str | None,
    message: str,
) -> None:
    app = FlashprepApp(library, store, timer=timer)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot)
        await fill(pilot, dialog, kind, amount, query)
        assert app.screen is dialog
        assert message in error(dialog)
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_practice_with_nothing_to_practice_says_so(
    store: UserStore, library: DeckLibrary, timer: Timer
) -> None:
    app = FlashprepApp(library, store, timer=timer)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot)
        await fill(pilot, dialog, "ahead", "3", practice=True)  # nothing studied yet
        assert app.screen is dialog
        assert "No cards due in the next 3 days to practice" in error(dialog)
