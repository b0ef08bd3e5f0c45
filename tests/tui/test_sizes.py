"""Every screen this module covers, at the three sizes people use (80x24 first, 100x32, 160x50):
pictures to read (snapshots, Textual pinned: 8.2.8), and checks that hold at any size: no table
scrolls sideways, and a cut shows an ellipsis.

The decks hold what makes layouts fail: a deck name longer than a column, a question longer
than a line, a behavioral question with a linked story whose competencies run long."""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from flashprep.core.interview.stories import Story, StoryBank, save_stories
from flashprep.core.storage.userstore import UserStore
from flashprep.tui.app import FlashprepApp

from helpers import FakeClock

MakeApp = Callable[..., FlashprepApp]
SIZES = [(80, 24), (100, 32), (160, 50)]
DATA = Path(__file__).parent.parent / "data" / "decks"

LONG_DECK = Path(__file__).parent.parent / "data" / "sizes" / "distributed.toml"
"""A deck name longer than a column, a question longer than a line, a long Markdown answer."""


@pytest.fixture
def decks_dir(tmp_path: Path) -> Path:
    target = tmp_path / "bundled"
    shutil.copytree(DATA, target)
    shutil.copy(LONG_DECK, target / "distributed.toml")
    return target


@pytest.fixture(autouse=True)
def same_mock_round(monkeypatch: pytest.MonkeyPatch) -> None:
    """A mock round's new questions come in a random order: the same one in every picture."""
    import random
    import types

    from flashprep.core.interview import mockquestions

    seeded = types.SimpleNamespace(Random=lambda _seed=None: random.Random(20))
    monkeypatch.setattr(mockquestions, "random", seeded)


@pytest.fixture
def filled(store: UserStore, clock: FakeClock) -> UserStore:
    """A few days of grades, an interview in two weeks, a story linked to a behavioral card."""
    start = clock.now
    for day in range(3):
        clock.now = start - timedelta(days=2 - day)
        for key in ("alpha/a1", "distributed/cap", "beta/b1")[: day + 1]:
            store.grade(key, 3 if day else 1, 6000)
            clock.advance(minutes=11)
            store.grade(key, 3, 4000)
    clock.now = start
    from flashprep.core.storage.profile import Interview

    interview = Interview(date=store.today() + timedelta(days=14))
    store.save_profile(store.profile.model_copy(update={"interview": interview}))
    story = Story(
        id="migration",
        title="The payments migration that nobody wanted to own",
        situation="A legacy monolith took every payment.",
        task="Move to the new provider without downtime.",
        action="Dual writes, a shadow period, then a cutover.",
        result="No downtime; fees 30 % lower.",
        competencies=["ownership", "communication", "perseverance", "conflict"],
        questions=["beta/b2"],  # the first card of its deck; b1 stays unanswered
    )
    save_stories(store.folder / "stories.toml", StoryBank(stories=[story]))
    return store


async def _settle(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    for editable in pilot.app.screen.query("Input, TextArea"):
        editable.cursor_blink = False  # type: ignore[attr-defined]
    await pilot.pause()


def keys(*pressed: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run(pilot: Pilot[None]) -> None:
        for key in pressed:
            await pilot.press(key)
            await _settle(pilot)

    return run


async def _browser(pilot: Pilot[None]) -> None:
    from flashprep.tui.screens.browser import DEBOUNCE

    await pilot.press("slash")
    await pilot.pause(DEBOUNCE + 0.05)
    await _settle(pilot)


async def _details(pilot: Pilot[None]) -> None:
    await _browser(pilot)
    await pilot.press("down", "down", "enter")
    await _settle(pilot)


async def _import(pilot: Pilot[None]) -> None:
    await pilot.press("i", *"~/Downloads/interview deck.apkg")
    await _settle(pilot)


SCREENS: dict[str, tuple[str, list[str] | None, Callable[[Pilot[None]], Awaitable[None]]]] = {
    "home": ("home", None, keys()),
    "stats": ("home", None, keys("s")),
    "stats_decks": ("home", None, keys("s", "tab")),
    "stats_deck_picker": ("home", None, keys("s", "d")),
    "drill_summary": ("drill", ["alpha"], keys("space", "4", "space", "4", "space", "4")),
    "drill_question": ("drill", ["distributed"], keys()),
    "drill_answer": ("drill", ["distributed"], keys("space")),
    "drill_story": ("drill", ["beta"], keys("space")),
    "browser": ("home", None, _browser),
    "card_details": ("home", None, _details),
    "add_card": ("home", None, keys("n")),
    "settings": ("home", None, keys("o")),
    "stories": ("home", None, keys("b")),
    "coverage": ("home", None, keys("b", "c")),
    "story_form": ("home", None, keys("b", "enter")),
    "plan": ("home", None, keys("p")),
    "plan_form": ("home", None, keys("p", "e")),
    "mock": ("home", None, keys("m", "enter")),
    "mock_end_confirm": ("home", None, keys("m", "enter", "escape")),
    "mock_summary": ("home", None, keys("m", "enter", "space", "3", "escape", "y")),
    "import_dialog": ("home", None, _import),
    "help": ("drill", ["distributed"], keys("question_mark")),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", list(SCREENS))
def test_screen_at_size(
    snap_compare: Callable[..., bool],
    make_app: MakeApp,
    filled: UserStore,
    name: str,
    size: tuple[int, int],
) -> None:
    start, decks, run_before = SCREENS[name]
    assert snap_compare(make_app(start, decks), run_before=run_before, terminal_size=size)


TABLE_SCREENS = ["home", "stats", "plan", "stories", "coverage", "mock_summary", "browser"]


@pytest.mark.parametrize("size", [(60, 20), *SIZES], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", TABLE_SCREENS)
async def test_tables_fit_the_width_and_mark_their_cuts(
    make_app: MakeApp, filled: UserStore, name: str, size: tuple[int, int]
) -> None:
    start, decks, run_before = SCREENS[name]
    app = make_app(start, decks)
    async with app.run_test(size=size) as pilot:
        await run_before(pilot)  # type: ignore[arg-type]
        tables = list(app.screen.query(DataTable))
        assert tables
        library = app.session.library
        texts = {d.name for d in library} | {c.front for d in library for c in d.records()}
        texts |= {"The payments migration that nobody wanted to own"}
        texts |= {"ownership, communication, perseverance, conflict"}
        for table in tables:
            if not table.display or not table.columns:
                continue
            assert table.virtual_size.width <= table.scrollable_content_region.width, table.id
            for row_key in table.rows:
                for cell in table.get_row(row_key):
                    shown = str(cell)
                    if shown.endswith("…"):  # a cut: the start of something longer
                        assert any(t.startswith(shown[:-1]) and t != shown for t in texts), shown
                    elif len(shown) > 12:  # a long cell is shown whole
                        assert shown in texts or not any(
                            t.startswith(shown) and t != shown for t in texts
                        ), shown


@pytest.mark.parametrize("size", [(60, 20), *SIZES], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_drill_summary_is_centered_and_whole(
    make_app: MakeApp, filled: UserStore, size: tuple[int, int]
) -> None:
    """Not a small box in a corner of a wide screen, not cut at the right of a narrow one."""
    from textual.widgets import Static

    from flashprep.tui.screens.summary import SummaryScreen

    start, decks, run_before = SCREENS["drill_summary"]
    app = make_app(start, decks)
    async with app.run_test(size=size) as pilot:
        await run_before(pilot)  # type: ignore[arg-type]
        assert isinstance(app.screen, SummaryScreen)
        box = app.screen.query_one("#summary-text", Static).region
        left, right = box.x, size[0] - box.right
        assert left >= 2 and right >= 2, box  # inside the screen and its scroll bar
        assert abs(left - right) <= 3, box
        assert box.width <= 76
