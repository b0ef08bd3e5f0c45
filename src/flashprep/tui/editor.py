"""Editing text in the user's $VISUAL / $EDITOR with the TUI suspended."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from textual.app import App, SuspendNotSupported

from flashprep.core.fileio import ensure_dir
from flashprep.core.text import one_line


def external_editor() -> str | None:
    return os.environ.get("VISUAL") or os.environ.get("EDITOR") or None


def edit_in_editor(
    app: App[object], editor: str, text: str, prefix: str, folder: Path | None = None
) -> str | None:
    """Run the editor on `text` in a temporary .toml file (in `folder`, e.g. the user's own
    cache folder, so nothing is written outside the data folder); the edited text, or None on
    failure (reported to the user)."""
    if folder is not None:
        ensure_dir(folder)
    fd, path = tempfile.mkstemp(prefix=prefix, suffix=".toml", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        with app.suspend():
            subprocess.run([*shlex.split(editor), path], check=False)
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except (OSError, ValueError, SuspendNotSupported) as exc:
        app.notify(one_line(f"Could not run {editor}: {exc}"), severity="error", markup=False)
        return None
    finally:
        os.unlink(path)
