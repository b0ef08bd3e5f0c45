"""Decks of numbered cards, for drills of several decks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.paths import Home

THREE = ("d1", "d2", "d3")


def write_decks(folder: Path, decks: tuple[str, ...], cards: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for deck in decks:
        blocks = [f'id = "{deck}"\nname = "Deck {deck}"\ncategory = "technical"\n']
        for i in range(cards):
            blocks.append(f'[[cards]]\nid = "c{i}"\nfront = "Q {deck} {i}?"\nback = "A {i}."\n')
        (folder / f"{deck}.toml").write_text("\n".join(blocks), encoding="utf-8")
    return folder


@pytest.fixture
def make_library(home: Home, tmp_path: Path) -> Callable[..., DeckLibrary]:
    """A library of decks `d1`, `d2`, ... of cards `c0`, `c1`, ..."""

    def make(decks: tuple[str, ...] = THREE, cards: int = 10) -> DeckLibrary:
        return DeckLibrary.load(home, write_decks(tmp_path / "numbered", decks, cards))

    return make


@pytest.fixture
def three(make_library: Callable[..., DeckLibrary]) -> DeckLibrary:
    """Three decks of ten cards."""
    return make_library()
