"""`stats --json` with the decks indexed in a child while the history is read (every derived
cache deleted): the same bytes as indexed here, and an unknown `--deck` still refused at once."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from flashprep.cli import main
from flashprep.core.decks import indexahead
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.paths import Home
from flashprep.core.stats.historycache import HistoryReader
from flashprep.core.storage.userstore import UserStore

from helpers import FakeClock

Capture = pytest.CaptureFixture[str]


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home(tmp_path / "home")


@pytest.fixture
def children(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Fork as on two cores; the pid of each child started."""
    started: list[int] = []
    start = indexahead.index_ahead

    def spy(*args: object, **kwargs: object) -> indexahead.IndexAhead:
        ahead = start(*args, **kwargs)  # type: ignore[arg-type]
        started.append(ahead.pid)
        return ahead

    monkeypatch.setattr(indexahead, "_two_cores", lambda: True)
    monkeypatch.setattr(indexahead, "index_ahead", spy)
    yield started
    for pid in started:
        if pid:
            with pytest.raises(ChildProcessError):  # every child was reaped
                os.waitpid(pid, os.WNOHANG)


def studied(home: Home) -> None:
    keys = DeckLibrary.load(home).card_keys()[:8]
    clock = FakeClock()
    clock.advance(days=-60)
    store = UserStore(home, "tester", clock)
    for day in range(30):
        for key in keys[day % 3 :: 2]:
            store.grade(key, (1, 3, 3, 4)[(day + len(key)) % 4], 4000)
            clock.advance(minutes=7)
        clock.advance(days=2)


def cold(home: Home, capsys: Capture, *args: str) -> tuple[int, str, str, dict[str, bytes]]:
    """`stats --json` with every derived cache deleted: exit code, output, errors, caches."""
    shutil.rmtree(home.cache, ignore_errors=True)
    shutil.rmtree(home.user_dir("tester") / "cache", ignore_errors=True)
    code = main(["stats", "--json", *args])
    out, err = capsys.readouterr()
    made = {
        str(p.relative_to(home.root)): p.read_bytes()
        for folder in (home.cache, home.user_dir("tester") / "cache")
        if folder.is_dir()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
    return code, out, err, made


@pytest.mark.parametrize("args", [(), ("--range", "all"), ("--deck", "ai-llm")])
def test_the_same_bytes_with_the_decks_indexed_in_a_child(
    home: Home,
    capsys: Capture,
    monkeypatch: pytest.MonkeyPatch,
    children: list[int],
    args: tuple[str, ...],
) -> None:
    studied(home)
    ahead = cold(home, capsys, *args)
    assert children and children[-1]  # a child indexed the decks
    assert ahead[0] == 0, ahead[2]
    monkeypatch.setattr(indexahead, "_two_cores", lambda: False)
    here = cold(home, capsys, *args)
    assert children[-1] == 0  # none this time
    assert ahead == here
    assert any(name.startswith("cache/decks/") for name in here[3])


@pytest.mark.parametrize("deck", ["no-such-deck", "", "AI-LLM", "../decks/ai-llm", "ai-llm.toml"])
def test_an_unknown_deck_is_refused_before_any_work(
    home: Home, capsys: Capture, monkeypatch: pytest.MonkeyPatch, children: list[int], deck: str
) -> None:
    studied(home)
    reads: list[object] = []
    monkeypatch.setattr(HistoryReader, "load", lambda reader: reads.append(reader))
    code, out, err, made = cold(home, capsys, "--deck", deck)
    assert code == 2
    assert out == ""
    assert err.startswith(f"flashprep: error: unknown deck {deck!r} (known: ")
    assert "ai-llm" in err and "Traceback" not in err
    assert reads == []  # the history was not read
    assert not any("history" in name for name in made), sorted(made)


@pytest.mark.parametrize(
    "text", ["not toml [", 'id = "other"\nname = "X"\ncategory = "general"\n', ""]
)
def test_a_deck_file_that_does_not_load_is_no_known_deck(
    home: Home, capsys: Capture, children: list[int], text: str
) -> None:
    """Named by a file, but the file does not load (or names another deck): refused, as
    before, with the same error, once the decks are loaded."""
    studied(home)
    home.decks.mkdir(parents=True, exist_ok=True)
    (home.decks / "broken.toml").write_text(text)
    code, out, err, _ = cold(home, capsys, "--deck", "broken")
    assert code == 2
    assert out == ""
    assert err.startswith("flashprep: error: unknown deck 'broken' (known: ")
    assert "Traceback" not in err
