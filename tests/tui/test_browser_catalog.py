"""The browser's catalog is built once per load of the decks, even when the home screen's thread
and the browser ask for it at the same moment: the second caller waits for the first one's
catalog rather than building a second beside it (two catalogs of 50,000 cards at once)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from flashprep.core.browse.catalog import Catalog
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.paths import Home
from flashprep.tui.screens import browser

DECK = """
id = "alpha"
name = "Alpha"
category = "technical"

[[cards]]
id = "a1"
front = "Q1"
back = "A1"
"""


@pytest.mark.parametrize("callers", [2, 3, 5])
def test_callers_at_once_share_one_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, callers: int
) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "alpha.toml").write_text(DECK, encoding="utf-8")
    library = DeckLibrary.load(Home(tmp_path / "home"), folder)
    built: list[Catalog] = []
    real = Catalog.build

    def slow_build(library: DeckLibrary) -> Catalog:
        time.sleep(0.05)  # long enough for every other caller to arrive meanwhile
        built.append(real(library))
        return built[-1]

    monkeypatch.setattr(Catalog, "build", slow_build)
    monkeypatch.setattr(browser, "_catalogs", [])
    got: list[Catalog] = []
    threads = [
        threading.Thread(target=lambda: got.append(browser.catalog_of(library)))
        for _ in range(callers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 1
    assert len(got) == callers and all(c is built[0] for c in got)
    library.reload()  # new decks: a new catalog, the old one no longer held
    assert browser.catalog_of(library) is built[1]
    assert [c for _, _, c in browser._catalogs] == [built[1]]
