"""Editing text in the user's $VISUAL / $EDITOR with the TUI suspended."""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from textual.app import App, SuspendNotSupported

from flashprep.core.files.fileio import ensure_dir
from flashprep.core.text import one_line


def external_editor() -> str | None:
    return os.environ.get("VISUAL") or os.environ.get("EDITOR") or None


def edit_in_editor(
    app: App[object], editor: str, text: str, prefix: str, folder: Path
) -> str | None:
    """Run the editor on `text` in a temporary .toml file in `folder` (the user's own cache
    folder, so nothing is written outside the data folder); the edited text, or None on failure
    (reported to the user). An editor that removes, renames or replaces its file left nothing
    to read: that is "no change" (`text` comes back), not a crash."""
    try:
        ensure_dir(folder)
        fd, path = tempfile.mkstemp(prefix=prefix, suffix=".toml", dir=folder)
    except OSError as exc:
        app.notify(one_line(f"Could not run {editor}: {exc}"), severity="error", markup=False)
        return None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        with app.suspend():
            subprocess.run([*shlex.split(editor), path], check=False)
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except (FileNotFoundError, IsADirectoryError):
        app.notify(one_line(f"{editor} left no file to read: nothing changed"), markup=False)
        return text
    except (OSError, ValueError, SuspendNotSupported) as exc:
        app.notify(one_line(f"Could not run {editor}: {exc}"), severity="error", markup=False)
        return None
    finally:
        with contextlib.suppress(OSError):  # gone already, or not a file any more
            if os.path.isdir(path):
                os.rmdir(path)  # only if the editor left it empty
            else:
                os.unlink(path)
