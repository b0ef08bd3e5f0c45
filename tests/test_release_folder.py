"""A data folder written by the release before the layered core (tests/data/release-folder,
made by its make_folder.py) opens unchanged: the same figures, and not one of its files touched."""

from __future__ import annotations

import json
import shutil
import sys
from datetime import datetime
from pathlib import Path

import pytest

import flashprep.core.clock as clock
from flashprep.cli import main
from flashprep.core.decks.library import DeckLibrary

FOLDER = Path(__file__).parent / "data" / "release-folder"
EXPECTED = json.loads((FOLDER / "expected.json").read_text())


def file_bytes(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def known(figures: object, expected: object) -> object:
    """`figures` without the keys `expected` lacks, at any depth (rows of a list included)."""
    if isinstance(figures, dict) and isinstance(expected, dict):
        return {k: known(v, expected[k]) for k, v in figures.items() if k in expected}
    if isinstance(figures, list) and isinstance(expected, list) and len(figures) == len(expected):
        return [known(f, e) for f, e in zip(figures, expected, strict=True)]
    return figures


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the release's folder, opened at the instant its figures were taken."""
    home = tmp_path / "home"
    shutil.copytree(FOLDER / "home", home)
    monkeypatch.setenv("FLASHPREP_HOME", str(home))
    now = datetime.fromisoformat(EXPECTED["now"])
    # the stores' default clock is bound when their module loads: swap its code, not its name
    monkeypatch.setattr(clock, "frozen_now", lambda: now, raising=False)
    monkeypatch.setattr(clock.system_clock, "__code__", (lambda: frozen_now()).__code__)  # type: ignore[name-defined]  # noqa: F821
    library_module = sys.modules[DeckLibrary.__module__]
    monkeypatch.setattr(library_module, "bundled_decks_dir", lambda: FOLDER / "bundled")
    return home


@pytest.mark.parametrize("command", [key for key in EXPECTED if key != "now"])
def test_the_release_folder_gives_the_same_figures(
    home: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = file_bytes(home)
    assert main(command.split()) == 0
    figures = json.loads(capsys.readouterr().out)
    expected = EXPECTED[command]
    # figures added since the release (calibration, a row's deck_name) are not compared
    assert known(figures, expected) == expected
    after = file_bytes(home)
    assert {name: after.get(name) for name in before} == before  # caches may be added, nothing else
    assert all(
        name.startswith(("cache/", "users/tester/cache/")) for name in after.keys() - before.keys()
    )
