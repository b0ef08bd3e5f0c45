"""The flashprep App: holds the library and the user's store, opens the first screen."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from textual.app import App
from textual.binding import Binding

from flashprep.core.library import DeckLibrary
from flashprep.core.userstore import UserStore

Start = Literal["home", "drill"]


class FlashprepApp(App[None]):
    """Small on purpose: screens own their keys; the App owns what they share."""

    CSS_PATH = Path(__file__).parent / "app.tcss"
    TITLE = "flashprep"
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
    ) -> None:
        super().__init__()
        self.library = library
        self.store = store
        self.start = start
        self.deck_ids = deck_ids
        self.timer = timer
        """Monotonic seconds for answer timers; tests inject a frozen one."""

    def on_mount(self) -> None:
        if self.start == "drill":  # the home screen opens when the drill is left: a faster start
            self.start_drill(self.deck_ids)
        else:
            self.show_decks()
        for error in self.library.errors:
            self.notify(str(error), title="Deck skipped", severity="error", markup=False)
        for note in self.store.notes:
            self.notify(note, markup=False)

    def start_drill(self, deck_ids: list[str] | None) -> None:
        from flashprep.core.drill import Drill
        from flashprep.tui.screens.drill import DrillScreen

        self.push_screen(DrillScreen(Drill(self.library, self.store, deck_ids)))

    def show_decks(self) -> None:
        """Back to the home screen: the one under this screen, or a new one in its place."""
        from flashprep.tui.screens.home import HomeScreen

        stack = self.screen_stack
        if len(stack) > 1 and isinstance(stack[-2], HomeScreen):
            self.pop_screen()
        elif len(stack) > 1:
            self.switch_screen(HomeScreen())
        else:
            self.push_screen(HomeScreen())

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
                    self.notify, f"Checkpoint not written: {exc}", severity="warning", markup=False
                )

        self.run_worker(write, thread=True, group="checkpoint", exit_on_error=False)
