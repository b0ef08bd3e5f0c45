"""The mock interview as a person uses it: countdowns (with a hand-moved timer), answers logged
apart from the schedule, the summary, applying it; and starting one from the home screen."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.widgets import DataTable, Input, Static

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.interview.mock import load_history
from flashprep.core.interview.mockquestions import MockOptions
from flashprep.core.storage.logread import read_all
from flashprep.core.storage.userstore import UserStore
from flashprep.format import countdown
from flashprep.tui.app import FlashprepApp
from flashprep.tui.screens.confirm import ConfirmScreen
from flashprep.tui.screens.home import HomeScreen
from flashprep.tui.screens.mock import MockScreen
from flashprep.tui.screens.mock_setup import MockSetupScreen
from flashprep.tui.screens.mock_summary import MockSummaryScreen

from helpers import Timer

SIZE = (100, 32)
MakeApp = Callable[..., FlashprepApp]


def mock_app(
    library: DeckLibrary, store: UserStore, timer: Timer, **options: object
) -> FlashprepApp:
    return FlashprepApp(library, store, start="mock", timer=timer, mock=MockOptions(**options))  # type: ignore[arg-type]


def clocks(screen: MockScreen) -> tuple[str, str]:
    screen.tick()
    return (
        str(screen.query_one("#round-clock", Static).content),
        str(screen.query_one("#answer-clock", Static).content),
    )


def test_countdown_format() -> None:
    assert countdown(125) == "02:05"
    assert countdown(0) == "00:00"
    assert countdown(-0.5) == "+00:01"
    assert countdown(-75) == "+01:15"


async def test_countdowns_for_the_round_and_the_answer(
    library: DeckLibrary, store: UserStore, timer: Timer
) -> None:
    app = mock_app(library, store, timer, minutes=5, mix={"behavioral": 1, "technical": 1})
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.screen
        assert isinstance(screen, MockScreen)
        first = screen.round.current
        assert first is not None and first.startswith("beta/")  # behavioral first: 120 s
        assert clocks(screen) == ("Round 05:00", "Answer 02:00 / 02:00")
        timer.value += 30
        assert clocks(screen) == ("Round 04:30", "Answer 01:30 / 02:00")
        timer.value += 100
        assert clocks(screen) == ("Round 02:50", "Answer +00:10 / 02:00")
        assert screen.query_one("#answer-clock").has_class("over")
        assert not screen.query_one("#round-clock").has_class("over")
        await pilot.pause()
        assert any("answer is up" in n.message for n in app._notifications)
        await pilot.press("space")
        timer.value += 50  # reading the model answer: the answer clock has stopped
        assert clocks(screen)[1] == "Answered in 02:10 / 02:00"
        await pilot.press("3")
        entry = next(read_all(store.log_dir))
        assert (entry.card, entry.rating, entry.ms, entry.mode) == (first, 3, 130_000, "mock")
        assert store.states == {}  # the schedule did not move
        second = screen.round.current
        assert second is not None and second.startswith("alpha/")
        target = countdown(screen.round.target(second))  # 30 s or 60 s: new cards come shuffled
        assert clocks(screen) == ("Round 02:00", f"Answer {target} / {target}")


async def test_when_the_round_runs_out_the_answer_in_progress_ends_it(
    library: DeckLibrary, store: UserStore, timer: Timer
) -> None:
    app = mock_app(library, store, timer, minutes=3, mix={"technical": 3})
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.screen
        assert isinstance(screen, MockScreen)
        assert len(screen.round.questions) == 3
        timer.value += 200
        assert clocks(screen)[0] == "Round +00:20"
        assert screen.query_one("#round-clock").has_class("over")
        await pilot.pause()
        assert any("round's time is up" in n.message for n in app._notifications)
        await pilot.press("space", "2")
        summary = app.screen
        assert isinstance(summary, MockSummaryScreen)
        table = summary.query_one(DataTable)
        assert table.row_count == 3
        target = countdown(screen.round.target(screen.round.questions[0]))
        assert [str(c) for c in table.get_row_at(0)][2:] == ["03:20", target, "over", "2 Hard"]
        assert table.get_row_at(1)[-1] == "not reached"
        totals = str(summary.query_one("#mock-totals", Static).content)
        assert "Answered 1 of 3" in totals and "1 over time" in totals
        rounds, _ = load_history(store)
        assert len(rounds) == 1 and rounds[0][1].finished


async def test_applying_the_round_grades_the_cards_once(
    library: DeckLibrary, store: UserStore, timer: Timer
) -> None:
    app = mock_app(library, store, timer, minutes=10, mix={"technical": 2})
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, MockScreen)
        asked = list(screen.round.questions)
        await pilot.press("space", "4", "space", "1")
        summary = app.screen
        assert isinstance(summary, MockSummaryScreen)
        assert store.states == {}
        await pilot.press("a")
        applied = [(e.card, e.rating) for e in read_all(store.log_dir) if e.mode == "drill"]
        assert applied == [(asked[0], 4), (asked[1], 1)]
        assert store.state(asked[0]).state == "review"
        await pilot.press("a")  # once only
        assert len([e for e in read_all(store.log_dir) if e.mode == "drill"]) == 2
        assert "Applied" in str(summary.query_one("#mock-apply", Static).content)
        await pilot.press("enter")
        assert isinstance(app.screen, HomeScreen)
    assert load_history(store)[0][0][1].applied


async def test_a_retry_after_the_grades_were_written_says_so(
    library: DeckLibrary, store: UserStore, timer: Timer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The grades reached the log but saving `applied = true` failed: the retry adds none."""
    app = mock_app(library, store, timer, minutes=10, mix={"technical": 2})
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("space", "3", "space", "2")
        summary = app.screen
        assert isinstance(summary, MockSummaryScreen)
        real_save = summary.round.save

        def failing_save() -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(summary.round, "save", failing_save)
        await pilot.press("a")
        assert any("Not applied" in n.message for n in app._notifications)
        monkeypatch.setattr(summary.round, "save", real_save)
        await pilot.press("a")
        messages = [n.message for n in app._notifications]
        assert "These grades were already in your schedule." in messages
        assert not any(m.startswith("Applied 0") for m in messages)
    assert len([e for e in read_all(store.log_dir) if e.mode == "drill"]) == 2
    assert load_history(store)[0][0][1].applied


async def test_escape_ends_the_round_early_once_confirmed(
    library: DeckLibrary, store: UserStore, timer: Timer
) -> None:
    app = mock_app(library, store, timer, minutes=30)
    async with app.run_test(size=SIZE) as pilot:
        round_screen = app.screen
        for no in ("n", "escape"):  # a stray Escape, then No: the round goes on
            await pilot.press("escape")
            assert isinstance(app.screen, ConfirmScreen)
            assert "0 of" in app.screen.question
            await pilot.press(no)
            assert app.screen is round_screen
        await pilot.press("escape", "y")
        summary = app.screen
        assert isinstance(summary, MockSummaryScreen)
        assert "Nothing was answered" in str(summary.query_one("#mock-apply", Static).content)
        await pilot.press("a")  # nothing to apply
        assert list(read_all(store.log_dir)) == []


async def test_home_starts_a_mock_with_the_marked_decks(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "m")  # alpha marked
        setup = app.screen
        assert isinstance(setup, MockSetupScreen)
        setup.query_one("#mix", Input).value = "technicl:2"
        await pilot.press("enter")
        error = str(setup.query_one("#mock-setup-error", Static).content)
        assert "unknown category" in error
        setup.query_one("#minutes", Input).value = "0"
        setup.query_one("#mix", Input).value = ""
        await pilot.press("enter")
        assert "Minutes" in str(setup.query_one("#mock-setup-error", Static).content)
        setup.query_one("#minutes", Input).value = "5"
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, MockScreen)
        assert {k.split("/")[0] for k in screen.round.questions} == {"alpha"}
        assert screen.round.record.minutes == 5


async def test_the_mock_round_names_no_story_keys_it_does_not_have(
    library: DeckLibrary, store: UserStore, timer: Timer
) -> None:
    """The drill's `t` (hide stories) and `l` (link one) do not exist in a mock round: its story
    panel never offers them, with a story linked or none."""
    from flashprep.core.interview.stories import Story, StoryBank, save_stories

    story = Story(id="s", title="A story", situation="S.", questions=["beta/b1"])
    save_stories(store.folder / "stories.toml", StoryBank(stories=[story]))
    app = mock_app(library, store, timer, deck_ids=["beta"])
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, MockScreen)
        seen = set()
        for _ in screen.round.questions:
            key = screen.round.current
            await pilot.press("space")
            await pilot.pause()
            panel = str(screen.query_one("#mock-stories", Static).render())
            seen.add(key)
            assert ("A story" in panel) == (key == "beta/b1"), panel
            assert "hides" not in panel and "links" not in panel, panel
            await pilot.press("3")
            await pilot.pause()
        assert seen == {"beta/b1", "beta/b2"}
