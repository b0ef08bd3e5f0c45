"""The flashprep App: holds the session, opens the first screen and moves between screens when
one asks (the Messages in tui/messages.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from textual import constants, on
from textual.app import App
from textual.binding import Binding

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.storage.userstore import UserStore
from flashprep.core.text import one_line
from flashprep.tui.messages import CheckpointDue, ShowDecks, ShowStats, StartDrill, StartMock
from flashprep.tui.palette import DeckCommands
from flashprep.tui.session import Session
from flashprep.tui.widgets.card import HELP_KEYS

if TYPE_CHECKING:
    from textual.screen import Screen
    from textual.theme import Theme

    from flashprep.core.interview.mockquestions import MockOptions
    from flashprep.core.study.customstudy import DrillOptions

Start = Literal["home", "drill", "mock", "stats"]


class FlashprepApp(App[None]):
    """Small on purpose: screens own their keys; the App owns the session and the screen stack."""

    CSS_PATH = Path(__file__).parent / "app.tcss"
    TITLE = "flashprep"
    COMMANDS = App.COMMANDS | {DeckCommands}
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True, show=False),
        *HELP_KEYS,
    ]

    def __init__(
        self,
        library: DeckLibrary,
        store: UserStore,
        start: Start | str = "home",
        deck_ids: list[str] | None = None,
        drill_options: DrillOptions | None = None,
        timer: Callable[[], float] = time.monotonic,
        mock: MockOptions | None = None,
        stats_range: str = "month",
    ) -> None:
        super().__init__()
        self.session = Session(library, store, timer)
        self.start = start
        self.deck_ids = deck_ids
        self.drill_options = drill_options
        """Custom study for the drill opened with (start="drill")."""
        self.mock = mock
        """The mock interview to open with (start="mock")."""
        self.stats_range = stats_range
        theme = self.session.store.settings.theme
        if theme in self.available_themes:  # the one saved (an unknown name: the default)
            self.theme = theme

    def get_default_screen(self) -> Screen[Any]:
        """The first screen, at the bottom of the stack (instead of above Textual's blank default
        screen, which would be built for nothing before the first frame). A drill or the
        statistics opened from the command line come alone: the home screen opens above them
        when they are left (a faster start), and they stay below it, out of sight."""
        if self.start == "drill":
            return self._drill_screen(self.deck_ids, options=self.drill_options)
        if self.start == "stats":
            return self._stats_screen(self.deck_ids[0] if self.deck_ids else None, self.stats_range)
        from flashprep.tui.screens.home import HomeScreen

        return HomeScreen(self.session)

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self.remember_theme)
        if self.start == "mock":
            from flashprep.core.interview.mockquestions import MockOptions

            self._start_mock(self.mock or MockOptions(deck_ids=self.deck_ids))
        for error in self.session.library.errors:
            self.notify(one_line(str(error)), title="Deck skipped", severity="error", markup=False)
        for note in self.session.store.notes:
            self.notify(one_line(note), markup=False)

    def _drill_screen(
        self,
        deck_ids: list[str] | None,
        keys: list[str] | None = None,
        options: DrillOptions | None = None,
    ) -> Screen[Any]:
        """A drill of some decks (with today's interview plan), or of exactly the cards `keys`."""
        from flashprep.core.interview.opendrill import open_drill
        from flashprep.tui.screens.drill import DrillScreen

        library, store = self.session.library, self.session.store
        if keys is not None:
            from flashprep.core.study.customstudy import DrillOptions

            options = (options or DrillOptions())._replace(keys=tuple(keys))
        return DrillScreen(self.session, open_drill(library, store, deck_ids, options))

    def _stats_screen(self, deck: str | None, range_name: str) -> Screen[Any]:
        from flashprep.tui.screens.stats import StatsScreen

        return StatsScreen(self.session, deck, range_name)

    def _start_mock(self, options: MockOptions) -> None:
        """Open a mock interview round (see core/interview/mock.py)."""
        from flashprep.core.interview.mock import MockRound
        from flashprep.tui.screens.mock import MockScreen

        round_ = MockRound.start(self.session.library, self.session.store, options)
        if not round_.questions:
            self.notify("No questions to ask in those decks.", severity="warning")
            return
        self.push_screen(MockScreen(self.session, round_))

    @on(StartDrill)
    def start_drill(self, message: StartDrill) -> None:
        if self.session.store.others_changed():  # a sync delivered reviews meanwhile
            self.session.reload()
            for note in self.session.store.notes:
                self.notify(one_line(note), markup=False)
        self.push_screen(self._drill_screen(message.deck_ids, message.keys, message.options))

    @on(StartMock)
    def start_mock(self, message: StartMock) -> None:
        self._start_mock(message.options)

    @on(ShowStats)
    def show_stats(self, message: ShowStats) -> None:
        self.push_screen(self._stats_screen(message.deck, message.range_name))

    @on(ShowDecks)
    def show_decks(self) -> None:
        """Leave the current screen for the one it was opened from; the home screen opens instead
        of the first screen when that is not the home screen (a drill or the statistics opened
        from the command line, see get_default_screen)."""
        from flashprep.tui.screens.home import HomeScreen

        stack = self.screen_stack
        if len(stack) > 2 or (len(stack) == 2 and isinstance(stack[0], HomeScreen)):
            self.pop_screen()
        elif len(stack) == 2:
            self.switch_screen(HomeScreen(self.session))  # above the first screen
        else:
            self.push_screen(HomeScreen(self.session))  # leaving the first screen

    def remember_theme(self, theme: Theme) -> None:
        """Save a theme chosen anywhere (the palette, the settings screen) in profile.toml."""
        store = self.session.store
        if theme.name == (store.settings.theme or constants.DEFAULT_THEME):
            return
        from flashprep.core.storage.settingkeys import SettingError, SettingKey

        try:
            store.save_profile(store.profile.with_setting(SettingKey("theme"), theme.name))
        except (DataFileError, OSError, SettingError) as exc:
            message = one_line(f"Theme not saved: {exc}")
            self.notify(message, severity="warning", markup=False)

    def action_help(self) -> None:
        from flashprep.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    @on(CheckpointDue)
    def save_checkpoint(self) -> None:
        """Rewrite the schedule checkpoint in a thread; the log already holds every grade."""
        store = self.session.store
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
