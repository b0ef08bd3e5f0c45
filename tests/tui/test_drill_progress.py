"""The drill's header counts (new + learning + review left), the leech notice, and the summary's
reason and offers of more study."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Static

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.scheduling.scheduler import Rating
from flashprep.core.storage.logread import read_all
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.customstudy import DrillOptions
from flashprep.tui.app import FlashprepApp
from flashprep.tui.screens.drill import DrillScreen
from flashprep.tui.screens.summary import SummaryScreen
from flashprep.tui.widgets.card import StatusLine

from helpers import FakeClock, Timer

Make = Callable[..., UserStore]
SIZE = (90, 30)


def progress(app: FlashprepApp) -> str:
    return app.screen.query_one(StatusLine).progress


async def reveal_and_grade(pilot: object, key: str) -> None:
    await pilot.press("space")  # type: ignore[attr-defined]
    await pilot.press(key)  # type: ignore[attr-defined]


async def test_the_header_counts_new_learning_and_review_left(
    library: DeckLibrary, store: UserStore, timer: Timer
) -> None:
    app = FlashprepApp(library, store, start="drill", deck_ids=["alpha", "beta"], timer=timer)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, DrillScreen)
        assert "0 done · 5 + 0 + 0 left" in progress(app)
        await reveal_and_grade(pilot, "3")  # Good: into its learning steps
        assert "1 done · 4 + 1 + 0 left" in progress(app)
        await reveal_and_grade(pilot, "4")  # Easy: to review, not back today
        assert "2 done · 3 + 1 + 0 left" in progress(app)
        await pilot.press("u")
        assert "1 done · 4 + 1 + 0 left" in progress(app)


async def test_practice_says_so_in_the_header(
    library: DeckLibrary, store: UserStore, timer: Timer
) -> None:
    options = DrillOptions(practice=True)
    app = FlashprepApp(
        library, store, start="drill", deck_ids=["beta"], timer=timer, drill_options=options
    )
    async with app.run_test(size=SIZE) as pilot:
        assert progress(app).startswith("practice · 0 done · 2 + 0 + 0")
        await reveal_and_grade(pilot, "1")
        assert [e.mode for e in read_all(store.log_dir)] == ["practice"]
        assert "1 done · 2 + 0 + 0 left" in progress(app)  # failed: comes back later


def lapse(store: UserStore, clock: FakeClock, key: str, lapses: int) -> None:
    """Grade `key` until it has `lapses` lapses and is in review, due now."""
    while True:
        state = store.state(key)
        if state.due is not None:
            clock.now = max(clock.now, state.due)
        if state.state == "review" and state.lapses >= lapses:
            return
        store.grade(key, Rating.AGAIN if state.state == "review" else Rating.GOOD)


async def test_a_leech_is_announced_with_a_hint_and_suspended_by_the_setting(
    library: DeckLibrary, make_store: Make, clock: FakeClock, timer: Timer
) -> None:
    store = make_store(leech_lapses=3, leech_action="suspend")
    key = "alpha/a1"
    lapse(store, clock, key, 2)
    options = DrillOptions(keys=(key, "beta/b1"))
    app = FlashprepApp(library, store, start="drill", timer=timer, drill_options=options)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        assert app.screen.drill.current == key  # type: ignore[attr-defined]
        await reveal_and_grade(pilot, "1")
        messages = [n.message for n in app._notifications]
        assert any("Leech" in m and "suspended" in m and "split" in m for m in messages)
        assert store.state(key).suspended
        await pilot.press("u")  # the grade and the suspension, together
        assert not store.state(key).suspended and store.state(key).lapses == 2
        assert app.screen.drill.current == key  # type: ignore[attr-defined]


async def test_the_summary_says_why_and_offers_more_new_cards(
    library: DeckLibrary, make_store: Make, timer: Timer
) -> None:
    store = make_store(new_per_day=1)
    app = FlashprepApp(library, store, start="drill", deck_ids=["alpha"], timer=timer)
    async with app.run_test(size=SIZE) as pilot:
        await reveal_and_grade(pilot, "4")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        text = str(app.screen.query_one("#summary-text", Static).content)
        assert "new-card limit is reached (1 a day); 2 new cards wait" in text
        assert "n  Study more today: +2 new" in text
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, DrillScreen)
        assert "0 done · 2 + 0 + 0 left" in progress(app)
        assert not any(isinstance(s, SummaryScreen) for s in app.screen_stack)
