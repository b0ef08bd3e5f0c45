"""The `flashprep` command: parses arguments, checks input, then runs a command or the TUI.

Errors go to stderr as one line, with exit code 2 and no traceback. Textual is imported only by the
commands that open the TUI, so scripted commands stay fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from flashprep import __version__
from flashprep.core.library import DeckLibrary
from flashprep.core.lock import LockedError, UserLock
from flashprep.core.paths import Home, NameError_, resolve_home, resolve_user
from flashprep.core.tomlerrors import DataFileError
from flashprep.core.userstore import UserStore

EXIT_ERROR = 2


class CliError(Exception):
    """A user mistake or unusable input, reported as one line."""


def _common(parser: argparse.ArgumentParser, top: bool) -> None:
    default = None if top else argparse.SUPPRESS
    parser.add_argument(
        "--home",
        metavar="DIR",
        default=default,
        help="data folder (default: $FLASHPREP_HOME, else the platform's user data folder)",
    )
    parser.add_argument(
        "--user",
        metavar="NAME",
        default=default,
        help="whose schedule to use (default: $FLASHPREP_USER, else your login name)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flashprep",
        description="Drill job-interview questions with spaced repetition (FSRS) in the terminal. "
        "Without a command, opens the home screen.",
    )
    parser.add_argument("--version", action="version", version=f"flashprep {__version__}")
    _common(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    drill = sub.add_parser("drill", help="open a drill of some decks (all when none named)")
    drill.add_argument("decks", nargs="*", metavar="DECK_ID", help="deck ids (see `decks`)")
    _common(drill, top=False)

    decks = sub.add_parser("decks", help="list decks with this user's card counts")
    decks.add_argument("--json", action="store_true", help="print JSON for scripts")
    _common(decks, top=False)

    stats = sub.add_parser("stats", help="this user's review statistics")
    stats.add_argument("--json", action="store_true", help="print JSON for scripts")
    _common(stats, top=False)
    return parser


def _open(args: argparse.Namespace) -> tuple[Home, str, DeckLibrary, UserStore]:
    try:
        user = resolve_user(args.user)
    except NameError_ as exc:
        raise CliError(str(exc)) from None
    home = resolve_home(args.home)
    if home.root.exists() and not home.root.is_dir():
        raise CliError(f"{home.root}: data folder is not a folder")
    library = DeckLibrary.load(home)
    store = UserStore(home, user)
    return home, user, library, store


def _warn_deck_errors(library: DeckLibrary) -> None:
    for error in library.errors:
        print(f"flashprep: warning: {error}", file=sys.stderr)


def cmd_decks(args: argparse.Namespace) -> int:
    from flashprep.core.drill import deck_counts

    _home, _user, library, store = _open(args)
    counts = deck_counts(library, store)
    rows = [
        {
            "id": d.id,
            "name": d.deck.name,
            "category": d.deck.category,
            "source": d.source,
            "cards": counts[d.id].total,
            "new": counts[d.id].new,
            "due": counts[d.id].due,
        }
        for d in library
    ]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        width = max([len(d.id) for d in library] + [4])
        print(f"{'ID':<{width}}  {'CATEGORY':<13} {'SOURCE':<8} {'CARDS':>5} {'NEW':>5} {'DUE':>5}")
        for r in rows:
            print(
                f"{r['id']:<{width}}  {r['category']:<13} {r['source']:<8} "
                f"{r['cards']:>5} {r['new']:>5} {r['due']:>5}"
            )
    _warn_deck_errors(library)
    return EXIT_ERROR if library.errors else 0


def stats_summary(library: DeckLibrary, store: UserStore) -> dict[str, Any]:
    """The drill issue's statistics: counts for all decks, and this user's review totals."""
    from flashprep.core.drill import count_keys

    now = store.now()
    counts = count_keys(library.card_keys(), store, now)
    today = store.counts_today()
    return {
        "user": store.user,
        "cards": counts.total,
        "new": counts.new,
        "learning": counts.learning,
        "review": counts.review,
        "suspended": counts.suspended,
        "buried": counts.buried,
        "due_now": sum(
            1
            for key in library.card_keys()
            if (s := store.states.get(key)) is not None
            and not s.is_new
            and not s.suspended
            and s.due is not None
            and s.due <= now
            and (s.buried_until is None or s.buried_until <= store.today(now))
        ),
        "due_today": counts.due,
        "reviews_total": store.data.total,
        "reviews_today": today.graded,
        "new_today": today.new,
        "time_today_s": round(today.ms / 1000, 1),
    }


def cmd_stats(args: argparse.Namespace) -> int:
    _home, _user, library, store = _open(args)
    summary = stats_summary(library, store)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        for key, value in summary.items():
            print(f"{key:>14}: {value}")
    return 0


def cmd_tui(args: argparse.Namespace, deck_ids: list[str] | None, start: str) -> int:
    _home, _user, library, store = _open(args)
    if deck_ids:
        unknown = library.unknown(deck_ids)
        if unknown:
            known = ", ".join(library.decks) or "none"
            raise CliError(f"unknown deck {unknown[0]!r} (known: {known})")
    lock = UserLock(store.folder)
    try:
        lock.acquire()
    except LockedError as exc:
        raise CliError(str(exc)) from None
    try:
        from flashprep.tui.app import FlashprepApp

        app = FlashprepApp(library, store, start=start, deck_ids=deck_ids or None)
        app.run()
    finally:
        try:
            if store.needs_checkpoint() or store.can_undo:
                store.checkpoint()
        finally:
            lock.release()
    return 0


def run(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "decks":
        return cmd_decks(args)
    if args.command == "stats":
        return cmd_stats(args)
    if args.command == "drill":
        return cmd_tui(args, list(args.decks), "drill")
    return cmd_tui(args, None, "home")


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(argv)
    except (CliError, DataFileError, LockedError) as exc:
        print(f"flashprep: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"flashprep: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
