"""`flashprep decks`: the decks with this user's counts, as a table or JSON."""

from __future__ import annotations

import argparse
from typing import Any

from flashprep.commands.common import (
    EXIT_ERROR,
    add_common_options,
    open_user,
    show,
    show_json,
    warn_deck_errors,
)
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.today import today_counts
from flashprep.core.text import one_line
from flashprep.format import clip

NAME_WIDTH = 40
"""A longer deck name is cut (with `…`), so that the counts stay in their columns."""


def register(sub: Any) -> None:
    parser = sub.add_parser("decks", help="list decks with this user's card counts")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    add_common_options(parser)
    parser.set_defaults(func=run)


def deck_rows(library: DeckLibrary, store: UserStore) -> list[dict[str, Any]]:
    """The rows of `decks --json`: counted as the home screen and the plan count them."""
    counts = today_counts(library, store)
    return [
        {
            "id": d.id,
            "name": d.name,
            "category": d.category,
            "source": d.source,
            "cards": counts[d.id].cards,
            "new": counts[d.id].new_left,
            "due": counts[d.id].due_today,
        }
        for d in library
    ]


def run(args: argparse.Namespace) -> int:
    opened = open_user(args)
    library = opened.library
    rows = deck_rows(library, opened.store)
    if args.json:
        show_json(rows)
    else:
        width = max([len(d.id) for d in library] + [4])
        names = min(max([len(one_line(d.name)) for d in library] + [4]), NAME_WIDTH)
        show(
            f"{'ID':<{width}}  {'NAME':<{names}}  {'CATEGORY':<13} {'SOURCE':<8} "
            f"{'CARDS':>5} {'NEW':>5} {'DUE':>5}"
        )
        for r in rows:
            name = clip(one_line(str(r["name"])), names)
            show(
                f"{r['id']:<{width}}  {name:<{names}}  {r['category']:<13} {r['source']:<8} "
                f"{r['cards']:>5} {r['new']:>5} {r['due']:>5}"
            )
    warn_deck_errors(library)
    return EXIT_ERROR if library.errors else 0
