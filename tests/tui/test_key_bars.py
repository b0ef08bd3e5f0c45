"""Every screen's key bar, at 80x24 and at 60x20: the key that opens help is shown and works
(`?`, or F1 while a text field has the focus, since `?` types into it), and at 80 columns the keys
that matter on that screen are shown too. Every screen class of tui/screens must be listed here,
so a new screen (or one going back to Textual's Footer, which drops `? Help` first) fails."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot
from textual.screen import ModalScreen, Screen

import flashprep.tui.screens
from flashprep.tui.app import FlashprepApp
from flashprep.tui.widgets.card import KeyBar

MakeApp = Callable[..., FlashprepApp]
Steps = Callable[[Pilot[None]], Awaitable[None]]


async def _settle(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def keys(*pressed: str) -> Steps:
    async def run(pilot: Pilot[None]) -> None:
        for key in pressed:
            await pilot.press(key)
            await _settle(pilot)

    return run


def then(first: Steps, *pressed: str) -> Steps:
    async def run(pilot: Pilot[None]) -> None:
        await first(pilot)
        await keys(*pressed)(pilot)

    return run


async def _browser(pilot: Pilot[None]) -> None:
    from flashprep.tui.screens.browser import DEBOUNCE

    await pilot.press("slash")
    await pilot.pause(DEBOUNCE + 0.05)
    await _settle(pilot)
    await pilot.press("down")  # from the search field to the results
    await _settle(pilot)


async def _link_story(pilot: Pilot[None]) -> None:
    from flashprep.tui.screens.link_story import LinkStoryScreen

    app = pilot.app
    assert isinstance(app, FlashprepApp)
    bank = app.session.stories.load()
    app.push_screen(LinkStoryScreen("Tell me about a conflict.", bank, "beta/b1"))
    await _settle(pilot)


HOME_KEYS = [
    "⏎ Drill",
    "space Mark",
    "/ Browse",
    "n Add",
    "s Stats",
    "c Custom",
    "m Mock",
    "p Plan",
    "b Stories",
    "i Import",
    "o Options",
    "a Drill all",
    "q Quit",
]
"""Every key of the home screen: its bar takes two lines at 80 columns rather than drop any."""


SCREENS: dict[str, tuple[str, list[str] | None, Steps, list[str]]] = {
    # name: (start, decks, how to get there, the keys that matter there, shown at 80 columns)
    "HomeScreen": ("home", None, keys(), HOME_KEYS),
    "StatsScreen": ("home", None, keys("s"), ["esc Back", "d Deck", "r Range"]),
    "DrillScreen": ("drill", ["alpha"], keys(), ["space Show answer", "esc Decks"]),
    "SummaryScreen": ("drill", ["alpha"], keys(*["space", "4"] * 3), ["⏎ Decks", "s Stats"]),
    "BrowserScreen": ("home", None, _browser, ["/ Search", "⏎ Details", "esc Back"]),
    "CardDetailsScreen": ("home", None, then(_browser, "enter"), ["e Edit", "esc Back"]),
    "EditCardScreen": ("drill", ["alpha"], keys("e"), ["^s Save", "esc Cancel"]),
    "TagPrompt": ("home", None, then(_browser, "plus"), ["esc Cancel"]),
    "LevelPrompt": ("home", None, then(_browser, "L"), ["esc Cancel"]),
    "ConfirmScreen": ("home", None, then(_browser, "f"), ["y Yes", "n No"]),
    "AddCardScreen": ("home", None, keys("n"), ["^s Save", "esc Back"]),
    "NewDeckScreen": ("home", None, keys("n", "ctrl+n"), ["^s Create", "esc Cancel"]),
    "CustomStudyScreen": ("home", None, keys("c"), ["⏎ Start", "esc Cancel"]),
    "SettingsScreen": ("home", None, keys("o"), ["^s Save", "esc Back"]),
    "StoriesScreen": ("home", None, keys("b"), ["n New", "⏎ Edit", "esc Back"]),
    "CoverageScreen": ("home", None, keys("b", "c"), ["esc Back"]),
    "StoryFormScreen": ("home", None, keys("b", "n"), ["^s Save", "esc Cancel"]),
    "LinkStoryScreen": ("home", None, _link_story, ["⏎ Save links", "esc Cancel"]),
    "PlanScreen": ("home", None, keys("p"), ["e Set date", "⏎ Drill topic", "esc Back"]),
    "PlanFormScreen": ("home", None, keys("p", "e"), ["^s Save", "esc Cancel"]),
    "MockSetupScreen": ("home", None, keys("m"), ["⏎ Start", "esc Cancel"]),
    "MockScreen": ("home", None, keys("m", "enter"), ["space Reveal", "esc End round"]),
    "MockSummaryScreen": (
        "home",
        None,
        keys("m", "enter", "space", "3", "escape", "y"),
        ["a Apply to schedule", "⏎ Done"],
    ),
    "ImportDialog": ("home", None, keys("i"), ["esc Close"]),
    "HelpScreen": ("home", None, keys("question_mark"), ["esc Close"]),
}

BASES = {"CardActionsScreen"}
"""Screen classes that are only the base of others (never shown themselves)."""


def screen_classes() -> set[str]:
    found: set[str] = set()
    package = flashprep.tui.screens
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, Screen)
                and value.__module__ == module.__name__
            ):
                found.add(name)
    return found - BASES


def test_every_screen_class_is_checked_here() -> None:
    assert screen_classes() == set(SCREENS)


def bar_text(app: FlashprepApp) -> str:
    return str(app.screen.query_one(KeyBar).render())


@pytest.mark.parametrize("size", [(80, 24), (60, 20)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", list(SCREENS))
async def test_the_key_bar_keeps_help_and_the_keys_that_matter(
    make_app: MakeApp, name: str, size: tuple[int, int]
) -> None:
    start, decks, steps, wanted = SCREENS[name]
    app = make_app(start, decks)
    async with app.run_test(size=size) as pilot:
        await steps(pilot)
        screen = app.screen
        assert type(screen).__name__ == name
        assert not screen.query("Footer")
        bar = bar_text(app)
        if isinstance(screen, ModalScreen):
            (frame,) = screen.query(".dialog")  # the one frame every dialog shares
            space = screen.region
            assert frame.region.x - space.x >= 1 and space.right - frame.region.right >= 1
            assert not frame.region.overlaps(screen.query_one(KeyBar).region)
        if name == "HelpScreen":
            assert " esc Close " in bar
            await pilot.press("escape")
            assert type(app.screen).__name__ != name
            return
        focused = screen.focused
        typing = focused is not None and focused.check_consume_key("question_mark", "?")
        help_key = "f1" if typing else "?"
        assert f" {help_key} Help " in bar
        assert (" ? Help " in bar) != (" f1 Help " in bar)  # one of the two, the one that works
        if size[0] >= 80:
            for key in wanted:
                assert f" {key} " in bar, key
        await pilot.press(help_key)
        await _settle(pilot)
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        await _settle(pilot)
        assert app.screen is screen


async def test_a_click_on_the_home_bars_second_line_presses_its_key(make_app: MakeApp) -> None:
    app = make_app("home", None)
    async with app.run_test(size=(80, 24)) as pilot:
        bar = app.screen.query_one(KeyBar)
        assert bar.region.height == 2
        first, second = str(bar.render()).split("\n")
        assert " ? Help " in second and " b Stories " not in first
        await pilot.click(KeyBar, offset=(second.index(" b Stories ") + 2, 1))
        await _settle(pilot)
        assert type(app.screen).__name__ == "StoriesScreen"
