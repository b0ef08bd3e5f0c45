"""The drill as a person uses it: keys in, and what is stored on disk checked after each step."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from textual.widgets import Button, DataTable, Markdown, Static

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.paths import Home
from flashprep.core.scheduling.scheduler import CardState
from flashprep.core.storage.logread import read_all
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.customstudy import DrillOptions
from flashprep.tui.app import FlashprepApp
from flashprep.tui.screens import card_editing
from flashprep.tui.screens.confirm import ConfirmScreen
from flashprep.tui.screens.drill import DrillScreen
from flashprep.tui.screens.edit import EditCardScreen
from flashprep.tui.screens.home import HomeScreen
from flashprep.tui.screens.summary import SummaryScreen
from flashprep.tui.widgets.card import CardMarkdown, StatusLine

from helpers import FakeClock, Timer, markdown_text

MakeApp = Callable[..., FlashprepApp]


def logged(store: UserStore) -> list[tuple[str, str, int | None]]:
    return [(e.card, e.action, e.rating) for e in read_all(store.log_dir)]


async def test_reveal_then_grade_is_stored(
    make_app: MakeApp, store: UserStore, timer: Timer
) -> None:
    app = make_app("drill", ["alpha"])
    async with app.run_test(size=(90, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, DrillScreen)
        first = screen.drill.current
        assert "2 + [2]" in markdown_text(screen.query_one("#front", CardMarkdown))
        await pilot.press("3")  # grading before the answer is shown does nothing
        assert logged(store) == []
        await pilot.press("space")
        assert screen.revealed
        assert screen.query_one("#back").display
        answer = markdown_text(screen.query_one("#back", CardMarkdown))
        assert "Brackets like [b]this[/b] are text" in answer
        assert "Good · 10m" in str(screen.query_one("#grade-3", Button).label)
        timer.value += 7.5
        await pilot.press("3")
        assert logged(store) == [(first, "grade", 3)]
        assert next(read_all(store.log_dir)).ms == 7500
        assert not screen.revealed
        assert screen.drill.current != first
        assert "1 done" in screen.query_one(StatusLine).progress


async def test_enter_also_reveals_and_buttons_grade(make_app: MakeApp, store: UserStore) -> None:
    app = make_app("drill", ["beta"])
    async with app.run_test(size=(90, 30)) as pilot:
        first = app.screen.drill.current  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.click("#grade-4")
        assert logged(store) == [(first, "grade", 4)]


async def test_undo_restores_card_log_and_schedule(make_app: MakeApp, store: UserStore) -> None:
    app = make_app("drill", ["alpha"])
    async with app.run_test(size=(90, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, DrillScreen)
        first = screen.drill.current
        await pilot.press("space", "2")
        second = screen.drill.current
        await pilot.press("space", "1")
        assert len(logged(store)) == 2
        await pilot.press("u")
        assert screen.drill.current == second
        assert logged(store) == [(first, "grade", 2)]
        assert second not in store.states
        await pilot.press("u")
        assert screen.drill.current == first
        assert logged(store) == []
        assert store.states == {}
        await pilot.press("u")  # nothing left to undo: no error, nothing changes
        assert screen.drill.current == first


async def test_bury_and_suspend_are_stored(make_app: MakeApp, store: UserStore) -> None:
    app = make_app("drill", ["alpha"])
    async with app.run_test(size=(90, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, DrillScreen)
        first = screen.drill.current
        await pilot.press("minus")
        second = screen.drill.current
        await pilot.press("exclamation_mark")
        assert logged(store) == [(first, "bury", None), (second, "suspend", None)]
        assert store.state(first).buried_until is not None  # type: ignore[arg-type]
        assert store.state(second).suspended  # type: ignore[arg-type]


async def test_quit_keeps_every_grade_and_writes_a_checkpoint(
    make_app: MakeApp, store: UserStore, make_store: Callable[..., UserStore]
) -> None:
    app = make_app("drill", ["alpha"])
    async with app.run_test(size=(90, 30)) as pilot:
        await pilot.press("space", "3", "space", "4", "q")  # q mid-drill: its summary first
        assert isinstance(app.screen, SummaryScreen)
        assert "Cards graded     2" in str(app.screen.query_one("#summary-text", Static).content)
        await pilot.press("q")
    assert app.return_code == 0
    reopened = make_store()
    assert reopened.data.total == 2
    assert reopened.states == store.states


async def test_finishing_shows_the_summary_then_home(
    make_app: MakeApp, store: UserStore, clock: FakeClock
) -> None:
    app = make_app("drill", ["beta"])
    async with app.run_test(size=(90, 30)) as pilot:
        await pilot.press("space", "4", "space", "4")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        text = str(app.screen.query_one("#summary-text", Static).content)
        assert "Cards graded     2" in text
        await app.workers.wait_for_complete()
        assert store.state_path.is_file()  # the checkpoint was written when the drill ended
        await pilot.press("enter")
        assert isinstance(app.screen, HomeScreen)
        table = app.screen.query_one(DataTable)
        assert table.get_row("beta")[4] == "0"  # no new cards left in beta


async def test_home_marks_decks_and_drills_them(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(90, 30)) as pilot:
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("space", "down", "space", "enter")
        assert isinstance(app.screen, DrillScreen)
        assert app.screen.drill.deck_ids == ["alpha", "beta"]
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("down", "enter")  # marks are kept: still both
        assert app.screen.drill.deck_ids == ["alpha", "beta"]  # type: ignore[attr-defined]


async def test_home_enter_drills_the_highlighted_deck(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(90, 30)) as pilot:
        await pilot.press("down", "enter")
        assert app.screen.drill.deck_ids == ["beta"]  # type: ignore[attr-defined]


async def test_q_quits_from_home(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(90, 30)) as pilot:
        await pilot.press("q")
    assert app.return_code == 0


async def test_help_lists_the_screen_keys(make_app: MakeApp) -> None:
    app = make_app("drill", ["alpha"])
    async with app.run_test(size=(90, 30)) as pilot:
        await pilot.press("question_mark")
        text = markdown_text(app.screen.query_one(Markdown))
        keys = text.split("Keys", 1)[1]
        for action in ("Show answer", "Again", "Easy", "Undo", "Bury", "Suspend", "Edit", "Help"):
            assert action in keys
        await pilot.press("escape")
        assert isinstance(app.screen, DrillScreen)


async def test_edit_in_app_keeps_schedule(make_app: MakeApp, store: UserStore) -> None:
    app = make_app("drill", ["alpha"])
    async with app.run_test(size=(90, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, DrillScreen)
        key = screen.drill.current
        await pilot.press("space", "1")  # graded once, then comes back later
        await pilot.press("u")
        before = logged(store)
        await pilot.press("e")
        editor = app.screen
        from textual.widgets import TextArea

        area = editor.query_one(TextArea)
        area.text = area.text.replace("What is 2 + [2]?", "What is 2 + 3?")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, DrillScreen)
        assert app.session.library.card(key).front == "What is 2 + 3?"  # type: ignore[arg-type,union-attr]
        assert logged(store) == before
        assert "2 + 3" in markdown_text(screen.query_one("#front", CardMarkdown))


async def test_edit_with_an_invalid_result_stays_open(make_app: MakeApp) -> None:
    app = make_app("drill", ["alpha"])
    async with app.run_test(size=(90, 30)) as pilot:
        await pilot.press("e")
        from textual.widgets import TextArea

        area = app.screen.query_one(TextArea)
        area.text = area.text.replace('level = "junior"', 'level = "guru"')
        await pilot.press("ctrl+s")
        error = str(app.screen.query_one("#editor-error", Static).content)
        assert "field 'level'" in error
        await pilot.press("escape")  # the changed text is not thrown away without asking
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert isinstance(app.screen, EditCardScreen)
        assert "guru" in app.screen.query_one(TextArea).text
        await pilot.press("escape", "y")
        assert isinstance(app.screen, DrillScreen)


async def test_external_editor_result_is_validated_and_saved(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDITOR", "true")
    edits = iter(['front = "Edited outside"\nback = "New back"\n', 'front = "x"\nback = ""\n'])
    monkeypatch.setattr(card_editing, "external_edit", lambda _app, _dir, _ed, _text: next(edits))
    app = make_app("drill", ["alpha"])
    async with app.run_test(size=(90, 30)) as pilot:
        key = app.screen.drill.current  # type: ignore[attr-defined]
        await pilot.press("e")
        assert app.session.library.card(key).front == "Edited outside"  # type: ignore[union-attr]
        await pilot.press("e")  # an invalid edit opens the in-app editor with the error
        error = str(app.screen.query_one("#editor-error", Static).content)
        assert "field 'back'" in error
        assert app.session.library.card(key).back == "New back"  # type: ignore[union-attr]


async def test_command_palette_starts_a_deck_drill(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(90, 30)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"drill beta")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DrillScreen)
        assert app.screen.drill.deck_ids == ["beta"]


async def test_long_answers_scroll_with_the_keyboard(make_app: MakeApp) -> None:
    app = make_app("drill", ["alpha"])
    async with app.run_test(size=(50, 10)) as pilot:
        await pilot.press("space")
        await pilot.pause(0.2)  # the answer is filled in just after the question is drawn
        card = app.screen.query_one("#card")
        assert card.max_scroll_y > 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert card.scroll_y > 0


async def test_a_drill_opened_directly_leaves_to_the_decks(make_app: MakeApp, timer: Timer) -> None:
    app = make_app("drill", ["alpha"])
    async with app.run_test(size=(90, 30), notifications=True) as pilot:
        drill = app.screen
        assert isinstance(drill, DrillScreen)
        assert app.screen_stack == [drill]  # the first screen: no home screen below it
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        assert app.screen.query_one(DataTable).row_count == 2
        assert app.screen_stack == [drill, app.screen]  # left, out of sight
        timer.value += 3600
        drill.update_timer()
        await pilot.pause()
        assert not any("Over the" in n.message for n in app._notifications)  # and quiet
        await pilot.press("enter")
        assert isinstance(app.screen, DrillScreen)
        await pilot.press("escape")  # back to the same home screen, not a new one on top
        assert isinstance(app.screen, HomeScreen)
        assert sum(isinstance(s, HomeScreen) for s in app.screen_stack) == 1


async def test_a_hint_shows_on_h_and_goes_with_its_card(home: Home, store: UserStore) -> None:
    bundled = home.root.parent / "bundled-hints"
    bundled.mkdir()
    (bundled / "hints.toml").write_text(
        'id = "hints"\nname = "Hints"\ncategory = "technical"\n\n'
        '[[cards]]\nid = "h1"\nfront = "First?"\nback = "One."\nhint = "Think of one."\n\n'
        '[[cards]]\nid = "h2"\nfront = "Second?"\nback = "Two."\nhint = "Think of two."\n',
        encoding="utf-8",
    )
    app = FlashprepApp(DeckLibrary.load(home, bundled), store, "drill", ["hints"], timer=Timer())
    async with app.run_test(size=(90, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, DrillScreen)

        def hint() -> str:
            return "".join(str(h.content) for h in screen.query("#hint").results(Static))

        assert hint() == ""
        await pilot.press("h")
        assert hint() == "Hint: Think of one."
        await pilot.press("space", "3")
        assert screen.drill.current == "hints/h2"
        assert hint() == ""  # the first card's hint went with it
        await pilot.press("h")
        assert hint() == "Hint: Think of two."
        assert len(screen.query("#hint")) == 1


async def test_q_with_nothing_done_quits_at_once(make_app: MakeApp) -> None:
    app = make_app("drill", ["alpha"])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space", "q")  # revealed, not graded: nothing to sum up
    assert app.return_code == 0


@pytest.mark.parametrize("cover", ["e", "question_mark", "slash"])
async def test_the_answer_timer_stops_while_another_screen_covers_the_drill(
    make_app: MakeApp, store: UserStore, timer: Timer, cover: str
) -> None:
    app = make_app("drill", ["alpha"])
    async with app.run_test(size=(80, 24)) as pilot:
        drill = app.screen
        assert isinstance(drill, DrillScreen)
        timer.value += 5
        await pilot.press(cover)
        await pilot.pause()
        assert app.screen is not drill
        timer.value += 600  # ten minutes in the editor, the help or the browser
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is drill
        timer.value += 2
        drill.update_timer()
        assert "0:07 /" in drill.query_one(StatusLine).timer
        await pilot.press("space", "3")
        assert next(read_all(store.log_dir)).ms == 7000


async def test_the_answer_timer_stops_while_the_external_editor_runs(
    make_app: MakeApp, store: UserStore, timer: Timer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDITOR", "true")

    def slow_edit(_app: object, _dir: object, _editor: object, text: str) -> str:
        timer.value += 300
        return text

    monkeypatch.setattr(card_editing, "external_edit", slow_edit)
    app = make_app("drill", ["alpha"])
    async with app.run_test(size=(80, 24)) as pilot:
        timer.value += 4
        await pilot.press("e", "space", "3")
        assert next(read_all(store.log_dir)).ms == 4000


async def test_escape_is_named_for_where_it_returns(make_app: MakeApp, store: UserStore) -> None:
    from flashprep.tui.screens.plan import PlanScreen
    from flashprep.tui.widgets.card import KeyBar

    store.grade("alpha/a1", 1, 1000)
    app = make_app()
    async with app.run_test(size=(120, 24)) as pilot:
        await pilot.press("enter")
        assert isinstance(app.screen, DrillScreen)
        assert "esc Decks" in str(app.screen.query_one(KeyBar).render())
        await pilot.press("escape", "p")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, PlanScreen)
        await pilot.press("w")
        assert isinstance(app.screen, DrillScreen)
        bar = str(app.screen.query_one(KeyBar).render())
        assert "esc Plan" in bar and "esc Decks" not in bar
        await pilot.press("escape")
        assert isinstance(app.screen, PlanScreen)


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (160, 50)])
async def test_notices_leave_the_grade_buttons_and_question_visible(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    app = make_app("drill", ["alpha"])
    async with app.run_test(size=size, notifications=True) as pilot:
        drill = app.screen
        await pilot.press("space", "1", "space", "u", "space")  # "Undone.", answer shown again
        status = drill.query_one(StatusLine)
        assert status.notice == "Undone."
        assert "Undone." in str(status.render())
        drill.notify("A long warning that wraps onto a second line.", severity="warning")
        drill.notify("Leech: forgotten 8 times, suspended.", title="Leech", severity="warning")
        await pilot.pause(0.2)
        toasts = [t.region for t in drill.query("Toast")]
        assert len(toasts) == 2
        keep_clear = [drill.query_one(f"#grade-{n}").region for n in range(1, 5)]
        keep_clear.append(drill.query_one("KeyBar").region)
        for toast in toasts:
            for region in keep_clear:
                assert not toast.overlaps(region), (toast, region)


@pytest.mark.parametrize(("width", "beside"), [(80, False), (119, False), (120, True), (160, True)])
async def test_linked_stories_go_beside_the_answer_only_with_room(
    make_app: MakeApp, store: UserStore, width: int, beside: bool
) -> None:
    from flashprep.core.interview.stories import Story, StoryBank, save_stories

    story = Story(id="s", title="A story", situation="S.", questions=["beta/b1"])
    save_stories(store.folder / "stories.toml", StoryBank(stories=[story]))
    app = make_app("drill", ["beta"])
    async with app.run_test(size=(width, 30)) as pilot:
        await pilot.press("space")
        await pilot.pause()
        back = app.screen.query_one("#back").region
        panel = app.screen.query_one("#story-panel").region
        assert panel.width > 0
        assert (panel.x >= back.right) is beside  # beside it, or below it (same left edge)
        assert beside or panel.y >= back.bottom


async def test_no_linked_story_is_one_line_below_the_answer(make_app: MakeApp) -> None:
    app = make_app("drill", ["beta"])
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.press("space")
        await pilot.pause()
        back = app.screen.query_one("#back").region
        panel = app.screen.query_one("#story-panel")
        assert "No story linked" in str(panel.render())
        assert panel.region.height == 1 and panel.region.y >= back.bottom


@pytest.mark.parametrize(
    ("stability", "since_hours", "maximum", "words"),
    [
        (0.26, 3, 36500, "all give 1d, the shortest: reviewed less than a day ago."),
        (0.01, 30, 36500, "all give 1d, the shortest: its memory is still weak."),
        (10.0, 240, 3, "all give 3d: your maximum interval (maximum_interval)"),
        (1.5, 24, 36500, None),  # 2d 4d 5d: no note
    ],
)
async def test_a_note_says_why_every_grade_gives_one_interval(
    make_store: Callable[..., UserStore],
    library: DeckLibrary,
    timer: Timer,
    stability: float,
    since_hours: int,
    maximum: int,
    words: str | None,
) -> None:
    store = make_store(maximum_interval=maximum)
    now = store.now()
    since = timedelta(hours=since_hours)
    store.states["alpha/a1"] = CardState("review", None, stability, 6.0, now, now - since, 5, 1)
    options = DrillOptions(keys=("alpha/a1", "alpha/a2"))  # then a new card: never a note
    app = FlashprepApp(library, store, start="drill", drill_options=options, timer=timer)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space")
        await pilot.pause()
        note = app.screen.query_one("#grade-note", Static)
        labels = [str(app.screen.query_one(f"#grade-{n}", Button).label) for n in (2, 3, 4)]
        if words is None:
            assert not note.display
            assert len({label.split(" · ")[1] for label in labels}) > 1
        else:
            assert note.display and words in str(note.content)
            assert len({label.split(" · ")[1] for label in labels}) == 1
            assert note.region.height == 1 and note.region.bottom <= 24  # one line at 80
        await pilot.press("3", "space")
        await pilot.pause()
        assert not note.display  # the next card, new: its intervals differ
