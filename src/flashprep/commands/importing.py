"""`flashprep import`: bring in decks (and their review history) from Anki, CSV, Markdown, TOML.

A package with a long history (a million reviews) takes a while: a progress bar on stderr, when
it is a terminal, says which step the import is in and how far it is."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from flashprep.commands.common import CliError, add_common_options, open_user, show, show_json
from flashprep.commands.progress import ProgressBar
from flashprep.core.files.gcpause import process_ending
from flashprep.core.importers import FORMATS
from flashprep.core.text import one_line


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "import",
        help="import decks from Anki packages, Anki text, CSV/TSV, Markdown or deck TOML",
        description="Import decks into the data folder (shared by all users). Importing the same "
        "file again updates its cards in place. Anki review history is replayed into this "
        "user's schedule. Nothing is written unless every file can be read.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", type=Path, help="files to import")
    parser.add_argument(
        "--deck", metavar="ID", help="put every card into this deck (created when missing)"
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="auto",
        help="file format (default: from the file name)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="show what would change; write nothing"
    )
    parser.add_argument("--no-history", action="store_true", help="do not import review history")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    add_common_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from flashprep.core.importers.apply import import_files

    history = not args.no_history
    # Writing history changes the user's files: hold their lock from before they are read.
    write = history and not args.dry_run
    try:
        opened = open_user(args, write=write, decks=False)  # the import reads what it changes
    except CliError as exc:
        if write and "in use by" in str(exc):
            raise CliError(f"{exc}; or import with --no-history") from None
        raise
    bar = ProgressBar(sys.stderr, "importing")

    def progress(step: str, done: float) -> None:
        step = one_line(step)  # a step may name a file, whose name may hold escapes
        if step != bar.label:
            bar.label = step
            bar.say(step)
        bar(done)

    try:
        summary = import_files(
            list(args.paths),
            opened.library,
            opened.store,
            fmt=args.format,
            deck=args.deck,
            history=history,
            dry_run=args.dry_run,
            named_user=args.user is not None,
            progress=progress,
            keep_to_exit=process_ending(),
        )
    finally:
        bar.clear()
        opened.close()
    if args.json:
        show_json(summary.to_json())
    else:
        for line in summary.lines():
            show(line)
    return 0
