"""A few pictures of the main screens, to catch layout regressions (Textual pinned: 8.2.8)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from textual.pilot import Pilot

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.decks.owndecks import new_deck
from flashprep.core.storage.userstore import UserStore
from flashprep.tui.app import FlashprepApp

from helpers import FakeClock

MakeApp = Callable[..., FlashprepApp]
SIZE = (90, 28)


def test_home(snap_compare: Callable[..., bool], make_app: MakeApp) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE)


def test_drill_question(snap_compare: Callable[..., bool], make_app: MakeApp) -> None:
    assert snap_compare(make_app("drill", ["alpha"]), terminal_size=SIZE)


def test_drill_answer_revealed(snap_compare: Callable[..., bool], make_app: MakeApp) -> None:
    assert snap_compare(make_app("drill", ["alpha"]), press=["down", "space"], terminal_size=SIZE)


def test_drill_summary(snap_compare: Callable[..., bool], make_app: MakeApp) -> None:
    app = make_app("drill", ["beta"])
    assert snap_compare(app, press=["space", "4", "space", "4"], terminal_size=SIZE)


async def _stats_drawn(pilot: Pilot[None]) -> None:
    await pilot.press("s")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_stats(
    snap_compare: Callable[..., bool], make_app: MakeApp, store: UserStore, clock: FakeClock
) -> None:
    start = clock.now
    for day in range(3):
        clock.now = start - timedelta(days=2 - day)
        for key in ("alpha/a1", "alpha/a2", "beta/b1")[: day + 1]:
            store.grade(key, 3 if day else 1, 6000)
            clock.advance(minutes=11)
            store.grade(key, 3, 4000)
    assert snap_compare(make_app(), run_before=_stats_drawn, terminal_size=(100, 32))


def test_stats_empty(snap_compare: Callable[..., bool], make_app: MakeApp) -> None:
    assert snap_compare(make_app(), run_before=_stats_drawn, terminal_size=(80, 24))


def _grades(store: UserStore, clock: FakeClock) -> None:
    """A little history: three days of grades on a few cards."""
    start = clock.now
    for day in range(3):
        clock.now = start - timedelta(days=2 - day)
        for key in ("alpha/a1", "alpha/a3", "beta/b1")[: day + 1]:
            store.grade(key, 3 if day else 1, 6000)
            clock.advance(minutes=11)
            store.grade(key, 3, 4000)
    clock.now = start


async def _browser_searched(pilot: Pilot[None]) -> None:
    from flashprep.tui.screens.browser import DEBOUNCE

    await pilot.press("slash", *"is:review OR tag:math", "down", "space")
    await pilot.pause(DEBOUNCE + 0.05)
    await pilot.pause()


def test_browser(
    snap_compare: Callable[..., bool], make_app: MakeApp, store: UserStore, clock: FakeClock
) -> None:
    _grades(store, clock)
    assert snap_compare(make_app(), run_before=_browser_searched, terminal_size=(100, 32))


async def _details_shown(pilot: Pilot[None]) -> None:
    await _browser_searched(pilot)
    await pilot.press("down", "enter")
    await pilot.pause()


def test_card_details(
    snap_compare: Callable[..., bool], make_app: MakeApp, store: UserStore, clock: FakeClock
) -> None:
    _grades(store, clock)
    assert snap_compare(make_app(), run_before=_details_shown, terminal_size=(100, 32))


async def _add_form_filled(pilot: Pilot[None]) -> None:
    await pilot.press("n")
    await pilot.pause()
    for editable in pilot.app.screen.query("Input, TextArea"):
        editable.cursor_blink = False  # type: ignore[attr-defined]
    await pilot.press(*"What does [b]idempotent[/b] mean?", "tab", *"Same **result** twice.")
    await pilot.press("tab", *"http, al")  # the tag being typed is completed: algorithms
    await pilot.pause()


def test_add_card_form(
    snap_compare: Callable[..., bool], make_app: MakeApp, library: DeckLibrary
) -> None:
    new_deck(library, "mine", "My questions", "technical")
    assert snap_compare(make_app(), run_before=_add_form_filled, terminal_size=(100, 32))
