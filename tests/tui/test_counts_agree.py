"""Counts that agree: the home screen, the plan screen, `flashprep plan` and `flashprep decks`
count a deck's new cards the same way (study.today.today_counts), with buried, suspended and
learning cards and a new-card limit that binds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from flashprep.commands.common import OpenedUser
from flashprep.commands.decks import deck_rows
from flashprep.commands.plan import plan_json
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.decks.owndecks import add_card, new_deck
from flashprep.core.paths import Home
from flashprep.core.scheduling.scheduler import Rating
from flashprep.core.storage.profile import Interview
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.drill import is_buried
from flashprep.tui.app import FlashprepApp
from flashprep.tui.screens.home import HomeScreen
from flashprep.tui.screens.plan import PlanScreen

from helpers import Timer

CARDS = 8
"""The own deck's size: enough for a limit to bind with cards set aside."""


def new_left_by_hand(library: DeckLibrary, store: UserStore) -> dict[str, int]:
    """Each deck's new cards not introduced yet, neither buried nor suspended, counted here."""
    today = store.today().toordinal()
    out = {}
    for deck in library.decks:
        out[deck] = 0
        for key in library.card_keys([deck]):
            state = store.states.get(key)
            if state is None or (
                state.is_new and not state.suspended and not is_buried(state, today)
            ):
                out[deck] += 1
    return out


def column(table: DataTable[object], key: str) -> dict[str, int]:
    return {
        str(row.key.value): int(str(table.get_cell(row.key, key)).strip())
        for row in table.ordered_rows
    }


async def settle(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize(
    ("buried", "suspended", "learning", "new_per_day"),
    [
        (1, 1, 1, 3),  # the limit binds: the home screen shows less than the plan
        (2, 0, 1, 20),  # the limit does not bind: both show the same
        (0, 3, 2, 4),
        (3, 2, 0, 1),
    ],
)
async def test_home_plan_and_commands_count_new_cards_alike(
    library: DeckLibrary,
    home: Home,
    make_store: Callable[..., UserStore],
    timer: Timer,
    buried: int,
    suspended: int,
    learning: int,
    new_per_day: int,
) -> None:
    new_deck(library, "own", "Own questions", "technical")
    keys = [add_card(library, "own", f"Question {i}?", f"Answer {i}.") for i in range(CARDS)]
    store = make_store(new_per_day=new_per_day)
    for key in keys[:learning]:
        store.grade(key, Rating.AGAIN)  # introduced today, in its learning steps
    store.record_many(keys[learning : learning + buried], "bury")
    if suspended:
        store.record_many(keys[learning + buried : learning + buried + suspended], "suspend")
    day = store.today() + timedelta(days=20)
    store.save_profile(store.profile.model_copy(update={"interview": Interview(date=day)}))

    truth = new_left_by_hand(library, store)
    assert truth["own"] == CARDS - learning - buried - suspended
    room = max(0, new_per_day - learning)  # the new cards today's limit still allows

    # the CLI: `flashprep decks` and `flashprep plan`
    opened = OpenedUser(home, store.user, library, store)
    assert {r["id"]: r["new"] for r in deck_rows(library, store)} == truth
    plan = plan_json(opened)
    assert {r["topic"]: r["new"] for r in plan["readiness"]} == truth
    assert plan["new_left"] == sum(truth.values())

    app = FlashprepApp(library, store, timer=timer)
    async with app.run_test(size=(120, 40)) as pilot:
        home_screen = app.screen
        assert isinstance(home_screen, HomeScreen)
        assert {d: c.new_left for d, c in home_screen.counts.items()} == truth
        shown = column(home_screen.query_one(DataTable), "new")
        assert shown == {deck: min(left, room) for deck, left in truth.items()}
        assert column(home_screen.query_one(DataTable), "learn")["own"] == learning
        await pilot.press("p")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PlanScreen)
        assert column(screen.query_one(DataTable), "new") == truth
        status = str(screen.query_one("#plan-status", Static).content)
        assert f"{sum(truth.values())} new cards left" in status
