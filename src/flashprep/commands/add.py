"""`flashprep add`: one new card in one of your decks (own or imported), from the command line."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from flashprep.commands.common import CliError, add_common_options, open_home, show, show_json
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.decks.owndecks import LEVELS, CardInputError

OPTIONS = {
    "deck": "--deck",
    "front": "--front",
    "back": "--back",
    "tags": "--tag",
    "level": "--level",
    "hint": "--hint",
    "target_seconds": "--target-seconds",
}
"""The option that gave each field of a new card, for the one-line error that names it."""


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "add",
        help="add a card to one of your decks",
        description="Add a card to one of your own or imported decks (bundled decks take no new "
        "cards: make one with `flashprep deck new`). The card id is made from the question; "
        "the new card's key (deck/card) is printed. Text is Markdown; `-` reads it from "
        "standard input.",
    )
    parser.add_argument("--deck", metavar="ID", required=True, help="the deck (see `decks`)")
    parser.add_argument(
        "--front", metavar="TEXT", required=True, help="the question ('-': standard input)"
    )
    parser.add_argument(
        "--back", metavar="TEXT", required=True, help="the model answer ('-': standard input)"
    )
    parser.add_argument(
        "--tag",
        metavar="T",
        action="append",
        default=[],
        help="a tag, no spaces (repeat for more)",
    )
    parser.add_argument("--level", metavar="L", help=f"one of {', '.join(LEVELS)}")
    parser.add_argument("--hint", metavar="H", help="a nudge shown before the answer")
    parser.add_argument(
        "--target-seconds",
        metavar="N",
        help="target answer time, 5 to 3600 seconds (default: by the deck's category)",
    )
    parser.add_argument("--json", action="store_true", help='print {"key": ...} for scripts')
    add_common_options(parser)
    parser.set_defaults(func=run)


def _stdin_text(option: str) -> str:
    try:
        return sys.stdin.buffer.read().decode("utf-8")
    except UnicodeDecodeError:
        raise CliError(f"{option}: standard input is not UTF-8 text") from None


def _whole_seconds(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        raise CliError(f"--target-seconds: {value!r} is not a whole number of seconds") from None


def run(args: argparse.Namespace) -> int:
    from flashprep.core.decks.owndecks import add_card

    if args.front == "-" and args.back == "-":
        raise CliError("--front and --back cannot both read standard input; give one as text")
    target = _whole_seconds(args.target_seconds)
    front = _stdin_text("--front") if args.front == "-" else args.front
    back = _stdin_text("--back") if args.back == "-" else args.back
    library = DeckLibrary.load(open_home(args))
    try:
        key = add_card(
            library,
            args.deck,
            front,
            back,
            tags=args.tag,
            level=args.level,
            hint=args.hint,
            target_seconds=target,
        )
    except CardInputError as exc:
        raise CliError(f"{OPTIONS.get(exc.field, exc.field)}: {exc.reason}") from None
    if args.json:
        show_json({"key": key})
    else:
        show(key)
    return 0
