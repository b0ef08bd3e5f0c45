"""The flashprep App: holds the library and the user's store, opens the first screen."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from textual.app import App
from textual.binding import Binding

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.storage.userstore import UserStore
from flashprep.core.text import one_line
from flashprep.tui.commands import DeckCommands

if TYPE_CHECKING:
    from textual.screen import Screen

    from flashprep.core.interview.mockquestions import MockOptions
    from flashprep.core.interview.stories import StoryFile

Start = Literal["home", "drill", "mock", "stats"]


class FlashprepApp(App[None]):
    """Small on purpose: screens own their keys; the App owns what they share."""

    CSS_PATH = Path(__file__).parent / "app.tcss"
    TITLE = "flashprep"
    COMMANDS = App.COMMANDS | {DeckCommands}
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True, show=False),
        Binding("question_mark", "help", "Help", id="help"),
    ]

    def __init__(
        self,
        library: DeckLibrary,
        store: UserStore,
        start: str = "home",
        deck_ids: list[str] | None = None,
        timer: Callable[[], float] = time.monotonic,
        mock: MockOptions | None = None,
        stats_range: str = "month",
    ) -> None:
        super().__init__()
        self.library = library
        self.store = store
        self.start = start
        self.deck_ids = deck_ids
        self.timer = timer
        """Monotonic seconds for answer timers; tests inject a frozen one."""
        self.mock = mock
        """The mock interview to open with (start="mock")."""
        self.stats_range = stats_range

    @cached_property
    def stories(self) -> StoryFile:
        """The user's story bank, shared by the screens that show stories (made on first use:
        the story models need pydantic, which the first card does not)."""
        from flashprep.core.interview.stories import StoryFile

        return StoryFile(self.store.folder)

    def get_default_screen(self) -> Screen[Any]:
        """The first screen, at the bottom of the stack (instead of above Textual's blank default
        screen, which would be built for nothing before the first frame). A drill or the
        statistics opened from the command line come alone: the home screen opens above them
        when they are left (a faster start), and they stay below it, out of sight."""
        if self.start == "drill":
            return self.drill_screen(self.deck_ids)
        if self.start == "stats":
            return self.stats_screen(self.deck_ids[0] if self.deck_ids else None, self.stats_range)
        from flashprep.tui.screens.home import HomeScreen

        return HomeScreen()

    def on_mount(self) -> None:
        if self.start == "mock":
            from flashprep.core.interview.mockquestions import MockOptions

            self.start_mock(self.mock or MockOptions(deck_ids=self.deck_ids))
        for error in self.library.errors:
            self.notify(one_line(str(error)), title="Deck skipped", severity="error", markup=False)
        for note in self.store.notes:
            self.notify(one_line(note), markup=False)

    def drill_screen(self, deck_ids: list[str] | None) -> Screen[Any]:
        from flashprep.core.interview.plan import open_drill
        from flashprep.tui.screens.drill import DrillScreen

        return DrillScreen(open_drill(self.library, self.store, deck_ids))

    def start_drill(self, deck_ids: list[str] | None) -> None:
        self.push_screen(self.drill_screen(deck_ids))

    def start_mock(self, options: MockOptions) -> None:
        """Open a mock interview round (see core/interview/mock.py)."""
        from flashprep.core.interview.mock import MockRound
        from flashprep.tui.screens.mock import MockScreen

        round_ = MockRound.start(self.library, self.store, options)
        if not round_.questions:
            self.notify("No questions to ask in those decks.", severity="warning")
            return
        self.push_screen(MockScreen(round_))

    def stats_screen(self, deck: str | None, range_name: str) -> Screen[Any]:
        from flashprep.tui.screens.stats import StatsScreen

        return StatsScreen(deck, range_name)

    def show_stats(self, deck: str | None = None, range_name: str = "month") -> None:
        self.push_screen(self.stats_screen(deck, range_name))

    def show_decks(self) -> None:
        """Leave the current screen for the one it was opened from; the home screen opens instead
        of the first screen when that is not the home screen (a drill or the statistics opened
        from the command line, see get_default_screen)."""
        from flashprep.tui.screens.home import HomeScreen

        stack = self.screen_stack
        if len(stack) > 2 or (len(stack) == 2 and isinstance(stack[0], HomeScreen)):
            self.pop_screen()
        elif len(stack) == 2:
            self.switch_screen(HomeScreen())  # above the first screen
        else:
            self.push_screen(HomeScreen())  # leaving the first screen

    def action_help(self) -> None:
        from flashprep.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def save_checkpoint(self) -> None:
        """Rewrite the schedule checkpoint in a thread; the log already holds every grade."""
        store = self.store
        snapshot = store.snapshot()

        def write() -> None:
            try:
                store.checkpoint(snapshot)
            except OSError as exc:
                self.call_from_thread(
                    self.notify,
                    one_line(f"Checkpoint not written: {exc}"),
                    severity="warning",
                    markup=False,
                )

        self.run_worker(write, thread=True, group="checkpoint", exit_on_error=False)
