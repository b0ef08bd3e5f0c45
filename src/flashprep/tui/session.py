"""What the screens share, handed to each screen in its constructor: the decks, the user's
store, their story bank and the answer timer. Screens read it; they never reach into the App."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.storage.userstore import UserStore

if TYPE_CHECKING:
    from flashprep.core.interview.stories import StoryFile


class Session:
    """One user's open data for as long as the App runs."""

    def __init__(
        self,
        library: DeckLibrary,
        store: UserStore,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.library = library
        self.store = store
        self.timer = timer
        """Monotonic seconds for answer timers; tests inject a frozen one."""

    def reload(self) -> None:
        """Read the decks and the user's files again (changes made outside: another computer's
        reviews delivered by a sync, a command run meanwhile). The user's lock stays held."""
        store = self.store
        self.library.reload()
        self.store = UserStore(store.home, store.user, store.clock, store.lock)
        self.__dict__.pop("stories", None)  # read again when next asked

    @cached_property
    def stories(self) -> StoryFile:
        """The user's story bank (made on first use: its models need pydantic, which the first
        card does not)."""
        from flashprep.core.interview.stories import StoryFile

        return StoryFile(self.store.folder)
