"""The decks indexed in a forked child while the history is read (core.decks.indexahead): the
library loaded afterwards is the same, and its caches the same bytes, whatever the child did."""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from flashprep.core.decks import indexahead
from flashprep.core.decks.indexahead import index_ahead
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.paths import Home


@pytest.fixture(autouse=True)
def two_cores(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fork as on two cores, whatever this machine has (the one-core test checks the check)."""
    if "one_core" not in request.node.name:
        monkeypatch.setattr(indexahead, "_two_cores", lambda: True)


def caches(home: Home) -> dict[str, bytes]:
    folder = home.cache / "decks"
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.is_dir() else {}


def own_deck(home: Home) -> None:
    """An imported deck beside the bundled ones, so both kinds are indexed."""
    home.decks.mkdir(parents=True)
    cards = "".join(
        f'\n[[cards]]\nid = "c{n}"\nfront = "Question {n}?"\nback = "Answer {n}."\n'
        f'tags = ["t{n % 3}"]\n'
        for n in range(40)
    )
    (home.decks / "mine.toml").write_text(
        f'id = "mine"\nname = "Mine"\ncategory = "general"\n{cards}'
    )


def shape(library: DeckLibrary) -> list[Any]:
    return [
        (d.id, d.source, d.path.name, d.card_ids, d.records(), sorted(d.edited)) for d in library
    ] + [str(e) for e in library.errors]


@pytest.fixture
def alone(home: Home, decks_dir: Path) -> tuple[list[Any], dict[str, bytes]]:
    """The library and its caches as a load without any child makes them; then the caches
    are deleted again (the deck files stay, with their stamps, which the caches hold)."""
    own_deck(home)
    library = DeckLibrary.load(home, decks_dir)
    made = shape(library), caches(home)
    shutil.rmtree(home.cache)
    return made


def test_the_child_indexes_every_deck_and_the_load_reads_the_same(
    home: Home, decks_dir: Path, alone: tuple[list[Any], dict[str, bytes]]
) -> None:
    ahead = index_ahead(home, decks_dir)
    assert ahead.pid
    assert ahead.wait() is True
    written = caches(home)
    assert written == alone[1]  # the child wrote every index, as a load here would have
    assert shape(DeckLibrary.load(home, decks_dir)) == alone[0]
    assert caches(home) == written


def test_nothing_is_started_when_every_deck_is_indexed(home: Home, decks_dir: Path) -> None:
    DeckLibrary.load(home, decks_dir)
    ahead = index_ahead(home, decks_dir)
    assert ahead.pid == 0
    assert ahead.wait() is False
    (home.cache / "decks" / "bundled-alpha.toml.jsonl").unlink()  # one deck not indexed
    ahead = index_ahead(home, decks_dir)
    assert ahead.pid
    assert ahead.wait() is True


def test_nothing_is_started_on_one_core(
    home: Home, decks_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    assert index_ahead(home, decks_dir).pid == 0
    assert not (home.cache / "decks").exists()


def _raises(*args: object) -> None:
    raise ValueError("broken")


def _exits(*args: object) -> None:
    os._exit(3)


def _killed(*args: object) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _half(home: Home, bundled: Path | None = None) -> None:
    """Indexes one deck, then dies: a cache half made."""
    library = DeckLibrary.unloaded(home, bundled)
    path, source = library.deck_files()[0]
    library._add(path, source)
    os.kill(os.getpid(), signal.SIGKILL)


def _hangs(*args: object) -> None:
    time.sleep(60)


@pytest.mark.parametrize("failure", [_raises, _exits, _killed, _half, _hangs])
def test_a_failing_child_leaves_the_load_to_this_process(
    home: Home,
    decks_dir: Path,
    alone: tuple[list[Any], dict[str, bytes]],
    monkeypatch: pytest.MonkeyPatch,
    failure: Callable[..., None],
) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(DeckLibrary, "load", staticmethod(failure))  # as the child calls it
        ahead = index_ahead(home, decks_dir)
        pid = ahead.pid
        assert pid
        assert ahead.wait(seconds=2.0) is False
    with pytest.raises(ChildProcessError):  # reaped: no child left behind
        os.waitpid(pid, os.WNOHANG)
    assert shape(DeckLibrary.load(home, decks_dir)) == alone[0]
    assert caches(home) == alone[1]


def test_cancel_ends_and_reaps_the_child(
    home: Home, decks_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(DeckLibrary, "load", staticmethod(_hangs))
    ahead = index_ahead(home, decks_dir)
    pid = ahead.pid
    assert pid
    ahead.cancel()
    assert ahead.pid == 0 and ahead.wait() is False
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
