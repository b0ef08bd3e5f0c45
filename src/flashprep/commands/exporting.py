"""`flashprep export`: one deck as Anki's CSV text format, an Anki package, or the deck TOML."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flashprep.commands.common import (
    CliError,
    add_common_options,
    check_deck_ids,
    open_user,
    show,
    warn,
)
from flashprep.core.decks.ankinotes import notes_path, read_notes
from flashprep.core.exporters import EXPORT_FORMATS, export_deck
from flashprep.core.text import clean


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "export",
        help="export a deck as CSV (Anki's text format), .apkg or deck TOML",
        description="Export one deck, with your edits. CSV and TOML go to standard output "
        "unless -o is given; an .apkg goes to DECK_ID.apkg unless -o is given.",
    )
    parser.add_argument("deck", metavar="DECK_ID", help="the deck to export (see `decks`)")
    parser.add_argument(
        "--format",
        choices=EXPORT_FORMATS,
        help="csv: Anki's text format; apkg: an Anki package; toml: the deck file "
        "(default: from the -o file name, else toml)",
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="where to write ('-': stdout)")
    parser.add_argument(
        "--with-history",
        action="store_true",
        help="apkg only: include your schedule and review history, so that Anki (with FSRS on) "
        "shows the cards where you left them",
    )
    add_common_options(parser)
    parser.set_defaults(func=run)


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    suffix = Path(args.output).suffix.lower().lstrip(".") if args.output else ""
    return suffix if suffix in EXPORT_FORMATS else "toml"


def run(args: argparse.Namespace) -> int:
    opened = open_user(args)
    check_deck_ids(opened.library, [args.deck])
    loaded = opened.library.decks[args.deck]
    fmt = _format(args)
    if args.with_history and fmt != "apkg":
        raise CliError("--with-history needs --format apkg")
    now = datetime.now(UTC)
    anki = read_notes(notes_path(opened.home.decks, args.deck)) if fmt == "apkg" else None
    history = None
    if args.with_history:
        from flashprep.core.exporters.ankihistory import package_history

        history = package_history(opened.store, args.deck, list(loaded.card_ids))
    warnings: list[str] = []
    data = export_deck(loaded.deck, fmt, now, anki, history, warnings)
    for message in warnings:
        warn(f"{args.deck}: {message}")
    output = args.output or (f"{args.deck}.apkg" if fmt == "apkg" else "-")
    if output == "-":
        if fmt == "apkg" and sys.stdout.isatty():
            raise CliError("an .apkg is binary: give -o FILE")
        if sys.stdout.isatty():  # read by a person, not a program: no escapes from the cards
            data = clean(data.decode("utf-8", errors="replace")).encode()
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    path = Path(output)
    if path.is_dir():
        raise CliError(f"{path}: is a folder; give a file name")
    pending = opened.store.pending_temps()  # a kill must not leave a temporary file there
    pending.tidy()
    pending.write(path, data)
    cards = len(loaded.deck.cards)
    show(f"Exported {cards} card{'s' if cards != 1 else ''} of {args.deck} to {path} ({fmt})")
    return 0
