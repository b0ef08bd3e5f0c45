"""The settings screen (opened from the home screen): saving, refusing a bad value inline with its
range, per-deck limits, asking before discarding; the theme remembered across restarts; the
answer timer switched off."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from typing import Any

import pytest
from textual import constants
from textual.widgets import Input, Select, Static, Switch

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.storage.userstore import UserStore
from flashprep.tui.app import FlashprepApp
from flashprep.tui.screens.confirm import ConfirmScreen
from flashprep.tui.screens.drill import DrillScreen
from flashprep.tui.screens.home import HomeScreen
from flashprep.tui.screens.settings import SettingsScreen
from flashprep.tui.widgets.card import StatusLine

from helpers import Timer

MakeApp = Callable[..., FlashprepApp]
SIZE = (110, 40)


def file_settings(store: UserStore) -> dict[str, Any]:
    settings: dict[str, Any] = tomllib.loads(store.profile_path.read_text())["settings"]
    return settings


async def open_settings(app: FlashprepApp, pilot: Any) -> SettingsScreen:
    await pilot.press("o")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, SettingsScreen)
    return screen


async def type_into(pilot: Any, field: Input, text: str) -> None:
    """Put `text` in the field (as typing ends: the same Changed message)."""
    field.focus()
    field.value = text
    await pilot.pause()


def error_of(screen: SettingsScreen, field: str) -> str:
    return str(screen.query_one(f"#error-{field}", Static).content)


async def test_the_form_saves_every_kind_of_field(make_app: MakeApp, store: UserStore) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(app, pilot)
        assert screen.query_one("#new_per_day", Input).value == "20"
        screen.query_one("#new_per_day", Input).focus()
        await pilot.press("end", "backspace", "backspace", "3", "5")  # typed, key by key
        await type_into(pilot, screen.query_one("#learning_steps", Input), "1,5,30")
        await type_into(pilot, screen.query_one("#desired_retention", Input), "0.85")
        await type_into(pilot, screen.query_one("#daily_minutes", Input), "45")
        screen.query_one("#new_card_order", Select).value = "deck"
        screen.query_one("#leech_action", Select).value = "suspend"
        screen.query_one("#answer_timer", Switch).value = False
        await pilot.pause()
        assert error_of(screen, "new_per_day") == ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        saved = file_settings(store)
        assert saved["new_per_day"] == 35 and saved["learning_steps"] == [1.0, 5.0, 30.0]
        assert saved["desired_retention"] == 0.85 and saved["daily_minutes"] == 45
        assert saved["new_card_order"] == "deck" and saved["leech_action"] == "suspend"
        assert saved["answer_timer"] is False
        assert store.settings.new_per_day == 35  # in effect at once
        await pilot.press("escape")  # saved: leaves without asking
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


BAD = [
    ("desired_retention", "1.5", "between 0.70 and 0.97 (got 1.5)", "0.8"),
    ("desired_retention", "0.99", "between 0.70 and 0.97", "0.97"),
    ("new_per_day", "-1", "between 0 and 9999", "25"),
    ("reviews_per_day", "many", "whole number between 0 and 99999", "150"),
    ("rollover_hour", "24", "between 0 and 23", "0"),
    ("learning_steps", "1,0", "more than 0 and at most 1440", "2"),
    ("relearning_steps", "x", "more than 0 and at most 1440", ""),
    ("timezone", "Mars/Olympus", "IANA name", "UTC"),
    ("leech_lapses", "100", "between 3 and 99", "3"),
    ("daily_minutes", "2", "between 5 and 600", "60"),
    ("maximum_interval", "", "between 1 and 36500", "365"),
]
"""A field, a value it refuses, what the message says, a value it takes."""


async def test_a_bad_value_is_refused_inline_and_not_saved(
    make_app: MakeApp, store: UserStore
) -> None:
    before = store.profile_path.read_bytes()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(app, pilot)
        await type_into(pilot, screen.query_one("#new_per_day", Input), "30")  # a good change too
        for field, text, expected, good in BAD:
            widget = screen.query_one(f"#{field}", Input)
            old = widget.value
            await type_into(pilot, widget, text)
            assert expected in error_of(screen, field), field  # as it is typed
            assert widget.has_class("-invalid")
            screen.query_one(
                "#desired_retention" if field != "desired_retention" else "#fuzz"
            ).focus()
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert store.profile_path.read_bytes() == before, field
            assert app.screen is screen and screen.focused is widget  # taken to the field
            await type_into(pilot, widget, good)
            assert error_of(screen, field) == "" and not widget.has_class("-invalid")
            await type_into(pilot, widget, old)


async def test_deck_limits_are_kept_per_deck_and_saved(
    make_app: MakeApp, store: UserStore, library: DeckLibrary
) -> None:
    first, second = list(library.decks)[:2]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(app, pilot)
        deck = screen.query_one("#deck", Select)
        assert deck.value == first
        await type_into(pilot, screen.query_one("#deck-new_per_day", Input), "3")
        deck.value = second
        await pilot.pause()
        assert screen.query_one("#deck-new_per_day", Input).value == ""  # its own: none yet
        await type_into(pilot, screen.query_one("#deck-reviews_per_day", Input), "-4")
        assert "between 0 and 99999" in error_of(screen, "deck-reviews_per_day")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "deck_limits" not in file_settings(store) or not file_settings(store)["deck_limits"]
        await type_into(pilot, screen.query_one("#deck-reviews_per_day", Input), "40")
        deck.value = first
        await pilot.pause()
        assert screen.query_one("#deck-new_per_day", Input).value == "3"  # kept while away
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert file_settings(store)["deck_limits"] == {
        first: {"new_per_day": 3},
        second: {"reviews_per_day": 40},
    }
    assert store.settings.new_per_day == 20


async def test_escape_asks_before_discarding_changes(make_app: MakeApp, store: UserStore) -> None:
    before = store.profile_path.read_bytes()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(app, pilot)
        await type_into(pilot, screen.query_one("#reviews_per_day", Input), "300")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is screen
        assert screen.query_one("#reviews_per_day", Input).value == "300"
        screen.query_one("#fuzz", Switch).value = False
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        screen = await open_settings(app, pilot)  # unchanged: straight back
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
    assert store.profile_path.read_bytes() == before


@pytest.mark.parametrize("theme", ["nord", "gruvbox", "textual-light"])
async def test_a_theme_chosen_in_the_palette_survives_a_restart(
    library: DeckLibrary, store: UserStore, theme: str
) -> None:
    app = FlashprepApp(library, store)
    async with app.run_test(size=SIZE) as pilot:
        assert app.theme != theme
        app.theme = theme  # what the palette's "Change theme" does
        await pilot.pause()
    assert file_settings(store)["theme"] == theme
    again = FlashprepApp(library, UserStore(store.home, store.user, store.clock))
    async with again.run_test(size=SIZE):
        assert again.theme == theme


async def test_a_theme_chosen_on_the_screen_is_applied_and_remembered(
    library: DeckLibrary, store: UserStore
) -> None:
    app = FlashprepApp(library, store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(app, pilot)
        screen.query_one("#theme", Select).value = "dracula"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.theme == "dracula"
    again = FlashprepApp(library, UserStore(store.home, store.user, store.clock))
    async with again.run_test(size=SIZE) as pilot:
        assert again.theme == "dracula"
        screen = await open_settings(again, pilot)
        assert screen.query_one("#theme", Select).value == "dracula"
        screen.query_one("#theme", Select).value = ""  # back to the default
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert again.theme == constants.DEFAULT_THEME
    assert file_settings(store)["theme"] == ""


async def test_an_unknown_saved_theme_falls_back_to_the_default(
    library: DeckLibrary, make_store: Callable[..., UserStore]
) -> None:
    store = make_store(theme="no-such-theme")
    default = FlashprepApp(library, store).theme
    app = FlashprepApp(library, store)
    async with app.run_test(size=SIZE) as pilot:
        assert app.theme == default != "no-such-theme"
        screen = await open_settings(app, pilot)
        assert screen.query_one("#theme", Select).value == ""


@pytest.mark.parametrize("shown", [True, False])
async def test_the_answer_timer_setting_shows_or_hides_the_timer(
    library: DeckLibrary, make_store: Callable[..., UserStore], timer: Timer, shown: bool
) -> None:
    store = make_store(answer_timer=shown)
    app = FlashprepApp(library, store, start="drill", timer=timer)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, DrillScreen)
        timer.value += 5
        app.screen.update_timer()
        await pilot.pause()
        status = app.screen.query_one(StatusLine)
        assert ("⏱" in status.timer) is shown
