"""Editing text in the user's $VISUAL / $EDITOR with the TUI suspended."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile

from textual.app import App, SuspendNotSupported


def external_editor() -> str | None:
    return os.environ.get("VISUAL") or os.environ.get("EDITOR") or None


def edit_in_editor(app: App[object], editor: str, text: str, prefix: str) -> str | None:
    """Run the editor on `text` in a temporary .toml file; the edited text, or None on failure
    (reported to the user)."""
    fd, path = tempfile.mkstemp(prefix=prefix, suffix=".toml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        with app.suspend():
            subprocess.run([*shlex.split(editor), path], check=False)
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except (OSError, ValueError, SuspendNotSupported) as exc:
        app.notify(f"Could not run {editor}: {exc}", severity="error", markup=False)
        return None
    finally:
        os.unlink(path)
