"""An import's progress: each step named in order, each share rising to 1; nothing else changes.

A package with a million reviews takes a while in each step (reading its review log, writing the
log, replaying the schedule), so the CLI draws a bar from what `import_files` reports.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from ankibuild import Sample, build_sample
from flashprep.cli import main
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.importers import ankipackage
from flashprep.core.importers.apply import import_files
from flashprep.core.paths import Home
from flashprep.core.storage.userstore import UserStore

from helpers import FakeClock

STEPS = [
    "comparing the history with your log",
    "writing your review log",
    "replaying your schedule",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Sample, dict[str, Path]]:
    return build_sample(tmp_path_factory.mktemp("anki"))


def _files(root: Path) -> dict[str, bytes]:
    """The deck files and the review log an import writes (the device folder's name, random,
    left out)."""
    out: dict[str, bytes] = {}
    for path in sorted(root.rglob("*.toml")):
        parts = path.relative_to(root).parts
        if parts[0] == "decks" or "reviews" in parts:
            out["/".join(p for p in parts if "reviews" not in parts or p != parts[-2])] = (
                path.read_bytes()
            )
    return out


def _import(root: Path, decks_dir: Path, package: Path, progress: object = None) -> None:
    home = Home(root)
    store = UserStore(home, "ann", FakeClock())
    import_files([package], DeckLibrary.load(home, decks_dir), store, progress=progress)  # type: ignore[arg-type]


@pytest.mark.parametrize("every", [1, 2, 3, 1000])
@pytest.mark.parametrize("layout", ["anki21b", "anki2"])
def test_each_step_is_named_in_order_and_rises_to_the_end(
    tmp_path: Path,
    decks_dir: Path,
    built: tuple[Sample, dict[str, Path]],
    monkeypatch: pytest.MonkeyPatch,
    every: int,
    layout: str,
) -> None:
    monkeypatch.setattr(ankipackage, "REVLOG_PROGRESS_EVERY", every)
    package = built[1][layout]
    heard: list[tuple[str, float]] = []
    _import(tmp_path / "a", decks_dir, package, lambda step, done: heard.append((step, done)))
    steps = list(dict.fromkeys(step for step, _ in heard))
    assert steps == [f"reading {package.name}", *STEPS]
    for step in steps:
        shares = [done for s, done in heard if s == step]
        assert shares == sorted(shares), step
        assert all(0.0 <= done <= 1.0 for done in shares), step
        if step != STEPS[0]:  # comparing is one quick step: only its start is told
            assert shares[-1] == 1.0, step
    reading = [done for s, done in heard if s == steps[0]]
    if every < 8:  # the sample holds 8 reviews: shares between the start and the end are told
        assert any(0.0 < done < 1.0 for done in reading)
    # What is written does not depend on anyone listening.
    _import(tmp_path / "b", decks_dir, package)
    written = _files(tmp_path / "a")
    assert any("reviews" in name for name in written) and any("decks" in n for n in written)
    assert written == _files(tmp_path / "b")


def test_an_import_of_decks_alone_tells_only_the_reading(
    tmp_path: Path, decks_dir: Path, built: tuple[Sample, dict[str, Path]]
) -> None:
    package = built[1]["anki21b"]
    heard: list[tuple[str, float]] = []
    home = Home(tmp_path / "h")
    import_files(
        [package],
        DeckLibrary.load(home, decks_dir),
        None,
        progress=lambda step, done: heard.append((step, done)),
    )
    assert {step for step, _ in heard} == {f"reading {package.name}"}


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("tty", [True, False])
def test_the_cli_draws_a_bar_on_a_terminal_only(
    tmp_path: Path,
    built: tuple[Sample, dict[str, Path]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tty: bool,
) -> None:
    err = _Terminal() if tty else io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    home = tmp_path / "home"
    code = main(["import", str(built[1]["anki21b"]), "--home", str(home), "--user", "ann"])
    out = capsys.readouterr().out
    assert code == 0 and "Reviews: 8 imported" in out
    drawn = err.getvalue()
    if not tty:
        assert drawn == ""
        return
    for step in STEPS[1:]:
        assert f"{step} [" in drawn
    assert drawn.endswith("\r\033[K")  # the bar is gone before the summary is printed
    assert "\n" not in drawn
