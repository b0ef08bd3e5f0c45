"""Fixtures of the interview tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.paths import Home


@pytest.fixture
def library_with_gamma(home: Home, decks_dir: Path) -> Callable[[int], DeckLibrary]:
    """The test decks plus a technical deck `gamma` of so many generated cards."""

    def make(count: int) -> DeckLibrary:
        cards = "".join(
            f'\n[[cards]]\nid = "g{i}"\nfront = "Question {i}?"\nback = "Answer {i}."\n'
            for i in range(count)
        )
        (decks_dir / "gamma.toml").write_text(
            f'id = "gamma"\nname = "Gamma"\ncategory = "technical"\n{cards}'
        )
        return DeckLibrary.load(home, decks_dir)

    return make
