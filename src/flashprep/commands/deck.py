"""`flashprep deck new`: make a deck of your own, in the data folder beside imported decks."""

from __future__ import annotations

import argparse
from typing import Any

from flashprep.commands.common import CliError, add_common_options, open_home, show, show_json
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.decks.rules import CATEGORIES

OPTIONS = {"name": "--name", "category": "--category", "description": "--description"}
"""The option that gave each field of a new deck (the id is the positional ID: its errors say
"deck id" themselves)."""


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "deck",
        help="make a deck of your own (`deck new`)",
        description="Manage your own decks. `flashprep deck new ID --name NAME --category C` "
        "makes an empty one; add cards with `flashprep add --deck ID ...` or in flashprep.",
    )
    add_common_options(parser)
    actions = parser.add_subparsers(dest="deck_action", metavar="ACTION", required=True)
    new = actions.add_parser(
        "new",
        help="make an empty deck of your own",
        description="Make an empty deck of your own, <data folder>/decks/ID.toml (listed by "
        "`flashprep decks` with source `own`; exported and imported like any deck).",
    )
    new.add_argument(
        "id",
        metavar="ID",
        help="the deck id: a-z, 0-9, '.', '_', '-', starting with a letter or digit "
        "(also its file name); not used by any other deck",
    )
    new.add_argument("--name", metavar="NAME", required=True, help="the name shown (one line)")
    new.add_argument(
        "--category", metavar="C", required=True, help=f"one of {', '.join(CATEGORIES)}"
    )
    new.add_argument("--description", metavar="D", default="", help="one or two sentences")
    new.add_argument("--json", action="store_true", help="print the new deck as JSON")
    add_common_options(new)
    new.set_defaults(func=run_new)


def run_new(args: argparse.Namespace) -> int:
    from flashprep.core.decks.owndecks import CardInputError, new_deck

    library = DeckLibrary.load(open_home(args))
    try:
        loaded = new_deck(library, args.id, args.name, args.category, args.description)
    except CardInputError as exc:
        option = OPTIONS.get(exc.field)
        raise CliError(f"{option}: {exc.reason}" if option else exc.reason) from None
    if args.json:
        show_json(
            {
                "id": loaded.id,
                "name": loaded.name,
                "category": loaded.category,
                "description": loaded.index.description,
                "source": loaded.source,
                "path": str(loaded.path),
            }
        )
    else:
        show(f"Made deck {loaded.id} ({loaded.name}, {loaded.category}): {loaded.path}")
        show(f"Add cards: flashprep add --deck {loaded.id} --front TEXT --back TEXT")
    return 0
