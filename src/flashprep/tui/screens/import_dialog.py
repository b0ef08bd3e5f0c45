"""`i` on the home screen: import decks from a file, with the same summary as `flashprep import`."""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Static
from textual.worker import Worker, WorkerState

from flashprep.core.files.lock import LockedError
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.importers.apply import ImportSummary, import_files
from flashprep.tui.screens import SHARED_CSS
from flashprep.tui.widgets.card import HELP_KEYS, KeyBar
from flashprep.tui.widgets.plain import PlainStatic

if TYPE_CHECKING:
    from flashprep.tui.session import Session

Outcome = tuple[ImportSummary | None, str]


def complete_path(text: str) -> str:
    """`text` with its last path (after the last space) completed as a shell completes it on Tab:
    the one file or folder it starts, or the part every match shares; a folder gets its `/`, a
    name holding a space is quoted. Hidden files only when asked for (a name starting with a
    dot). Unchanged when nothing matches or the folder cannot be read."""
    head, space, word = text.rpartition(" ")
    folder, slash, start = word.rpartition("/")
    base = Path(folder or ("/" if slash else ".")).expanduser()
    try:
        names = [
            entry.name + ("/" if entry.is_dir() else "")
            for entry in os.scandir(base)
            if entry.name.startswith(start) and (start.startswith(".") or entry.name[0] != ".")
        ]
    except OSError:
        return text
    common = os.path.commonprefix(names) if names else ""  # noqa: RUF071 (names, by character)
    if len(common) <= len(start) or (" " in common and len(names) > 1):
        return text
    completed = f"{folder}{slash}{common}"
    if " " in common:
        completed = shlex.quote(completed)
    return f"{head}{space}{completed}"


class PathInput(Input):
    """The path field: Tab completes the path being typed (see complete_path), and moves on to
    the next field only when there is nothing to complete."""

    BINDINGS = [Binding("tab", "complete", "Complete", show=False, id="complete_path")]

    def action_complete(self) -> None:
        completed = complete_path(self.value)
        if completed == self.value:
            self.screen.focus_next()
            return
        self.value = completed
        self.cursor_position = len(completed)


class ImportDialog(ModalScreen[bool]):
    CSS_PATH = SHARED_CSS
    DEFAULT_CSS = """
    #import-title {
        text-style: bold;
    }
    #import-formats {
        color: $text-muted;
    }
    #import-options {
        height: auto;
    }
    #import-result-box {
        height: auto;
        max-height: 20;
    }
    #import-result {
        padding: 0 1;
    }
    #import-result.error {
        color: $error;
    }
    """

    """Dismisses with True when decks were written (the home screen then shows them)."""

    HELP = """\
## Import decks

Type the path of a file and press **Enter**. flashprep reads Anki packages (`.apkg`, `.colpkg`),
Anki text exports and CSV / TSV (`.txt`, `.csv`, `.tsv`), Markdown question files (`.md`) and deck
TOML files (`.toml`). Several paths may be given, separated by spaces (quote a path that holds
spaces).

- **Review history** replays an Anki package's reviews into your schedule.
- **Dry run** shows what would change and writes nothing.

**Tab** completes the path being typed (a file or folder name, as in a shell).
Importing the same file again updates its cards in place. Nothing is written unless every file
can be read. **Escape** closes the dialog (asking first when a typed path was not imported);
**F1** shows this help (`?` types into the path).
"""

    BINDINGS = [
        Binding("escape", "close", "Close", id="close_import"),
        *HELP_KEYS,
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.changed = False
        self.submitted = ""
        """The paths last imported (or tried): Escape leaves those without asking."""

    def compose(self) -> ComposeResult:
        with Vertical(id="import-dialog", classes="dialog"):
            yield Static("Import decks", id="import-title")
            yield Static(
                "Anki .apkg / .colpkg, Anki text .txt, .csv, .tsv, Markdown .md, deck .toml",
                id="import-formats",
            )
            yield PathInput(
                placeholder="path to a file (Tab completes, Enter imports)", id="import-path"
            )
            with Horizontal(id="import-options"):
                yield Checkbox("Review history", True, id="import-history")
                yield Checkbox("Dry run", False, id="import-dry-run")
            with VerticalScroll(id="import-result-box"):
                yield PlainStatic("", id="import-result")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submitted = event.value
        try:
            paths = [Path(p).expanduser() for p in shlex.split(event.value)]
        except ValueError as exc:
            self._show(f"Error: {exc}", error=True)
            return
        if not paths:
            self._show("Type the path of a file to import.", error=True)
            return
        history = self.query_one("#import-history", Checkbox).value
        dry_run = self.query_one("#import-dry-run", Checkbox).value
        self.query_one(Input).disabled = True
        self._show("Importing…")
        app = self.session
        library, store = app.library, app.store

        def run() -> Outcome:
            try:
                summary = import_files(paths, library, store, history=history, dry_run=dry_run)
            except (DataFileError, LockedError) as exc:
                return None, str(exc)
            except OSError as exc:
                where = f"{exc.filename}: " if exc.filename else ""
                return None, f"{where}{exc.strerror or exc}"
            return summary, ""

        self.run_worker(run, thread=True, exclusive=True, group="import", exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "import" or event.state not in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
        ):
            return
        field = self.query_one(Input)
        field.disabled = False
        field.focus()
        if event.state == WorkerState.ERROR:
            self._show(f"Error: {event.worker.error}", error=True)
            return
        summary, error = cast("Outcome", event.worker.result)
        if summary is None:
            self._show(f"Error: {error}", error=True)
            return
        if not summary.dry_run:
            self.session.library.reload()
            self.changed = True
        self._show("\n".join(summary.lines()))

    def _show(self, text: str, error: bool = False) -> None:
        result = self.query_one("#import-result", Static)
        result.set_class(error, "error")
        result.update(text)

    def action_close(self) -> None:
        """Close; a path typed but never imported is only dropped once the user says so."""
        typed = self.query_one(Input).value
        if not typed.strip() or typed == self.submitted:
            self.dismiss(self.changed)
            return
        from flashprep.tui.screens.confirm import ConfirmScreen

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(self.changed)

        self.app.push_screen(ConfirmScreen("Close without importing the path typed?"), answered)
