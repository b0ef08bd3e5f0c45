"""Building the app for UI tests: test decks, a fake clock, a frozen answer timer."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.storage.userstore import UserStore
from flashprep.tui.app import FlashprepApp

from helpers import Timer


@pytest.fixture
def timer() -> Timer:
    return Timer()


@pytest.fixture
def make_app(library: DeckLibrary, store: UserStore, timer: Timer) -> Callable[..., FlashprepApp]:
    def make(start: str = "home", deck_ids: list[str] | None = None) -> FlashprepApp:
        return FlashprepApp(library, store, start=start, deck_ids=deck_ids, timer=timer)

    return make
