"""`flashprep cards`: find cards with the query language, list them or change their schedule.

A listing is for people and scripts alike: on a terminal it has a header, fronts cut to the
width and a count line; piped, it is the rows alone with whole fronts (or `--json`). An action
(`--suspend` ...) is one batch of review-log entries, so statistics see it and it undoes as one.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from typing import TYPE_CHECKING, Any

from flashprep.commands.common import (
    EXIT_ERROR,
    CliError,
    OpenedUser,
    add_common_options,
    open_user,
    show,
    show_json,
    show_json_list,
    warn_deck_errors,
)
from flashprep.core.browse.actions import SCHEDULE_ACTIONS
from flashprep.core.browse.search import SORT_FIELDS
from flashprep.format import NO_VALUE, percent, plural

if TYPE_CHECKING:
    from collections.abc import Sequence

    from flashprep.core.browse.actions import ActionResult
    from flashprep.core.browse.search import CardMatch

DONE = {
    "suspend": ("suspended {}", "would suspend {}"),
    "unsuspend": ("unsuspended {}", "would unsuspend {}"),
    "bury": ("buried {}", "would bury {}"),
    "unbury": ("unburied {}", "would unbury {}"),
    "forget": ("forgot {}", "would forget {}"),
    "due-today": ("made {} due today", "would make {} due today"),
}
"""Each action's closing line, done and dry-run; `{}` is "3 cards"."""

ACTION_HELP = {
    "suspend": "suspend the matching cards (drills skip them)",
    "unsuspend": "bring suspended matches back",
    "bury": "bury the matching cards until tomorrow",
    "unbury": "bring buried matches back today",
    "forget": "make the matching cards new again (their history is kept)",
    "due-today": "make the matching cards due now",
}

MIN_FRONT = 20
"""The fewest characters of a front a terminal row keeps, however narrow the terminal."""


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "cards",
        help="find cards with a query; suspend, bury, forget or unsuspend them",
        description="List the cards a query matches (all cards without one), or change their "
        'schedule with one action. The query language: free words, "exact phrase", deck:ID, '
        "tag:NAME, level:L, category:C, is:new|learning|review|due|overdue|suspended|buried|"
        "leech, lapses>N, reps<N, recall<0.8, due<=3, rated:7, -term, OR, parentheses "
        "(see docs/query-language.md). Each change is an entry in your review log. "
        "Example: flashprep cards 'deck:python is:suspended' --unsuspend",
    )
    parser.add_argument(
        "query",
        nargs="*",
        metavar="QUERY",
        help="the search; several words are one query (a query starting with - goes after --)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.add_argument(
        "--sort", choices=SORT_FIELDS, default="deck", help="order of the cards (default: deck)"
    )
    parser.add_argument("--reverse", action="store_true", help="sort in descending order")
    parser.add_argument(
        "--limit", type=int, metavar="N", help="only the first N matches (listed or acted on)"
    )
    actions = parser.add_mutually_exclusive_group()
    for action in SCHEDULE_ACTIONS:
        actions.add_argument(
            f"--{action}",
            dest="action",
            action="store_const",
            const=action,
            help=f"{ACTION_HELP[action]}; needs a QUERY",
        )
    parser.add_argument(
        "--dry-run", action="store_true", help="with an action: show what it would change"
    )
    add_common_options(parser)
    parser.set_defaults(func=run, action=None)


def run(args: argparse.Namespace) -> int:
    query = " ".join(args.query)  # `cards deck:python is:new` is `cards 'deck:python is:new'`
    if args.limit is not None and args.limit < 1:
        raise CliError(f"--limit: {args.limit} must be at least 1")
    if args.action is None:
        if args.dry_run:
            raise CliError("--dry-run goes with an action (--suspend, --bury, ...)")
        return _list(args, query)
    if not query.strip():
        raise CliError(
            f"--{args.action} needs a QUERY naming the cards (e.g. 'deck:python is:suspended')"
        )
    return _act(args, query)


def _matches(
    args: argparse.Namespace, opened: OpenedUser, query: str
) -> tuple[Sequence[CardMatch], int]:
    """The matches in order, cut to --limit, and how many there were before the cut (each row
    made when read: see search.Matches)."""
    from flashprep.core.browse.catalog import Catalog
    from flashprep.core.browse.query import QueryError
    from flashprep.core.browse.search import search_cards

    catalog = Catalog.build(opened.library)
    try:
        found = search_cards(catalog, query, opened.store, sort=args.sort, descending=args.reverse)
    except QueryError as exc:
        raise CliError(f"query: {exc}") from None
    total = len(found)
    return (found if args.limit is None else found[: args.limit]), total


def match_json(match: CardMatch) -> dict[str, Any]:
    """One card of `cards --json` (the keys the README lists)."""
    return {
        "key": match.key,
        "deck": match.deck,
        "front": match.front,
        "state": match.state,
        "suspended": match.suspended,
        "buried": match.buried,
        "due": match.due.isoformat() if match.due is not None else None,
        "recall": match.recall,
        "lapses": match.lapses,
        "reps": match.reps,
        "level": match.level,
    }


def _list(args: argparse.Namespace, query: str) -> int:
    opened = open_user(args)
    matches, total = _matches(args, opened, query)
    if args.json:
        show_json_list(map(match_json, matches))
    else:
        _show_table(matches, total)
    warn_deck_errors(opened.library)
    return EXIT_ERROR if opened.library.errors else 0


def _show_table(found: Sequence[CardMatch], total: int) -> None:
    """Aligned columns, the front last; on a terminal a header, fronts cut to fit, a count."""
    tty = sys.stdout.isatty()
    matches = list(found)
    header = ("KEY", "DECK", "STATE", "DUE", "RECALL", "LAPSES")
    rows = [
        (
            m.key,
            m.deck,
            m.status,
            m.due.isoformat() if m.due is not None else NO_VALUE,
            percent(m.recall),
            str(m.lapses),
        )
        for m in matches
    ]
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    right = (False, False, False, False, True, True)

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            cell.rjust(w) if r else cell.ljust(w)
            for cell, w, r in zip(cells, widths, right, strict=True)
        )

    room = max(MIN_FRONT, shutil.get_terminal_size().columns - sum(widths) - 2 * len(widths))
    if tty and matches:
        show(f"{line(header)}  FRONT")
    for row, match in zip(rows, matches, strict=True):
        front = match.front
        if tty and len(front) > room:
            front = front[: room - 1] + "…"
        show(f"{line(row)}  {front}")
    if tty:
        if not total:
            show("No cards match.")
        elif len(matches) < total:
            show(f"{len(matches)} of {plural(total, 'card')}")
        else:
            show(plural(total, "card"))


def _act(args: argparse.Namespace, query: str) -> int:
    from flashprep.core.browse.actions import apply_schedule_action

    opened = open_user(args, write=not args.dry_run)
    try:
        matches, _ = _matches(args, opened, query)
        keys = [m.key for m in matches]
        result = apply_schedule_action(opened.store, keys, args.action, dry_run=args.dry_run)
        if result.changed and not args.dry_run:
            opened.store.checkpoint()
    finally:
        opened.close()
    if args.json:
        show_json(action_json(result, args.dry_run))
    else:
        for key in result.changed:
            show(key)
        show(summary_line(result, args.dry_run))
    warn_deck_errors(opened.library)
    return 0


def action_json(result: ActionResult, dry_run: bool) -> dict[str, Any]:
    return {
        "action": result.action,
        "changed": list(result.changed),
        "unchanged": list(result.unchanged),
        "dry_run": dry_run,
    }


def summary_line(result: ActionResult, dry_run: bool) -> str:
    """`suspended 3 cards (2 unchanged)`, `would make 1 card due today`."""
    done, would = DONE[result.action]
    text = (would if dry_run else done).format(plural(len(result.changed), "card"))
    if result.unchanged:
        text += f" ({len(result.unchanged)} unchanged)"
    return text
