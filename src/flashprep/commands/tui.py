"""`flashprep` and `flashprep drill`: open the TUI while holding the user's write lock."""

from __future__ import annotations

import argparse
import gc
from typing import Any

from flashprep.commands.common import CliError, add_common_options, check_deck_ids, open_user
from flashprep.core.lock import LockedError, UserLock


def register(sub: Any) -> None:
    parser = sub.add_parser("drill", help="open a drill of some decks (all when none named)")
    parser.add_argument("decks", nargs="*", metavar="DECK_ID", help="deck ids (see `decks`)")
    add_common_options(parser)
    parser.set_defaults(func=run_drill)


def run_drill(args: argparse.Namespace) -> int:
    return open_tui(args, "drill", list(args.decks) or None)


def run_home(args: argparse.Namespace) -> int:
    return open_tui(args, "home", None)


def open_tui(args: argparse.Namespace, start: str, deck_ids: list[str] | None) -> int:
    opened = open_user(args)
    if deck_ids:
        check_deck_ids(opened.library, deck_ids)
    store = opened.store
    lock = UserLock(store.folder)
    try:
        lock.acquire()
    except LockedError as exc:
        raise CliError(str(exc)) from None
    try:
        from flashprep.tui.app import FlashprepApp

        app = FlashprepApp(opened.library, store, start=start, deck_ids=deck_ids)
        # Everything loaded so far (modules, decks, schedule) lives as long as the app: keep the
        # garbage collector from scanning it again and again while the first screen is built.
        gc.freeze()
        app.run()
    finally:
        try:
            if store.needs_checkpoint() or store.can_undo:
                store.checkpoint()
        finally:
            lock.release()
    return 0
