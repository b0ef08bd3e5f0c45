"""`flashprep`, `flashprep drill` and `flashprep stats`: open the TUI holding the user's lock."""

from __future__ import annotations

import argparse
import gc
from typing import TYPE_CHECKING, Any

from flashprep.commands.common import add_common_options, check_deck_ids, open_user
from flashprep.core.files.gcpause import gc_paused

if TYPE_CHECKING:
    from flashprep.core.interview.mockquestions import MockOptions


def register(sub: Any) -> None:
    parser = sub.add_parser("drill", help="open a drill of some decks (all when none named)")
    parser.add_argument("decks", nargs="*", metavar="DECK_ID", help="deck ids (see `decks`)")
    add_common_options(parser)
    parser.set_defaults(func=run_drill)


def run_drill(args: argparse.Namespace) -> int:
    return open_tui(args, "drill", list(args.decks) or None)


def run_home(args: argparse.Namespace) -> int:
    return open_tui(args, "home", None)


def open_tui(
    args: argparse.Namespace,
    start: str,
    deck_ids: list[str] | None,
    mock: MockOptions | None = None,
    stats_range: str = "month",
) -> int:
    """Hold the user's lock from before their files are read until the last write is done."""
    opened = open_user(args, write=True)
    try:
        if deck_ids:
            check_deck_ids(opened.library, deck_ids)
        store = opened.store
        # A new user's default settings are written now, not at their first grade: until then
        # every start would build them again, with pydantic (later starts read a cache).
        store.ensure_profile()
        try:
            with gc_paused():  # Textual's modules: nothing for the collector to free
                from flashprep.tui.app import FlashprepApp
            app = FlashprepApp(
                opened.library,
                store,
                start=start,
                deck_ids=deck_ids,
                mock=mock,
                stats_range=stats_range,
            )
            # Everything loaded so far (modules, decks, schedule) lives as long as the app: keep
            # the garbage collector from scanning it again and again while the first screen is
            # built.
            gc.freeze()
            app.run()
        finally:
            if store.needs_checkpoint() or store.can_undo:
                store.checkpoint()
    finally:
        opened.close()
    return 0
