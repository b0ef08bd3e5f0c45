"""$EDITOR edits a card through a temporary file inside the user's private folder, never /tmp."""

from __future__ import annotations

import contextlib
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from flashprep.core.storage.userstore import UserStore
from flashprep.tui.app import FlashprepApp
from flashprep.tui.screens.drill import DrillScreen
from flashprep.tui.widgets.card import CardMarkdown

from helpers import markdown_text

EDITOR = """
import os, stat, sys
seen, path = sys.argv[1], sys.argv[2]
with open(seen, "w") as out:
    out.write(f"{path}\\n{oct(stat.S_IMODE(os.stat(path).st_mode))}")
text = open(path).read().replace("What is 2 + [2]?", "What is 2 + 2?")
open(path, "w").write(text)
"""


async def test_external_editor_works_in_the_private_folder(
    make_app: Callable[..., FlashprepApp],
    store: UserStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    script, seen = tmp_path / "editor.py", tmp_path / "seen.txt"
    script.write_text(EDITOR)
    outside = tmp_path / "tmp"
    outside.mkdir()
    monkeypatch.setenv("TMPDIR", str(outside))
    monkeypatch.setattr("tempfile.tempdir", None)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script} {seen}")

    @contextlib.contextmanager
    def no_suspend() -> Iterator[None]:  # a headless test terminal cannot be suspended
        yield

    app = make_app("drill", ["alpha"])
    monkeypatch.setattr(app, "suspend", no_suspend)
    async with app.run_test(size=(90, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, DrillScreen)
        await pilot.press("e")
        await pilot.pause()
        assert "2 + 2" in markdown_text(screen.query_one("#front", CardMarkdown))
    edited_in, mode = seen.read_text().splitlines()
    assert Path(edited_in).parent == store.folder / "cache"
    assert mode == oct(stat.S_IRUSR | stat.S_IWUSR)
    assert not Path(edited_in).exists()  # removed after the edit
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize(
    "action",
    [
        "os.remove(path)",
        "os.rename(path, path + '.bak')",
        "os.rename(path, os.path.join(os.path.dirname(path), 'elsewhere.toml'))",
        "os.remove(path); os.mkdir(path)",  # a directory where the file was
    ],
)
async def test_an_editor_that_takes_its_file_away_changes_nothing(
    make_app: Callable[..., FlashprepApp],
    store: UserStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    action: str,
) -> None:
    script = tmp_path / "editor.py"
    script.write_text(f"import os, sys\npath = sys.argv[1]\n{action}\n")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")

    @contextlib.contextmanager
    def no_suspend() -> Iterator[None]:
        yield

    app = make_app("drill", ["alpha"])
    monkeypatch.setattr(app, "suspend", no_suspend)
    async with app.run_test(size=(90, 30)) as pilot:
        screen = app.screen
        before = markdown_text(screen.query_one("#front", CardMarkdown))
        await pilot.press("e")
        await pilot.pause()
        assert app.screen is screen  # still running, the same card
        assert markdown_text(screen.query_one("#front", CardMarkdown)) == before
        await pilot.press("space", "3")  # and the drill goes on
        await pilot.pause()
    assert sum(state.reps for state in store.states.values()) == 1
    assert [p.name for p in (store.folder / "cache").glob("edit-*.toml")] == []
