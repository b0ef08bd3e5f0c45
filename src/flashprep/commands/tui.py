"""`flashprep`, `flashprep drill` and `flashprep stats`: open the TUI holding the user's lock."""

from __future__ import annotations

import argparse
import gc
from typing import TYPE_CHECKING, Any

from flashprep.commands.common import CliError, add_common_options, check_deck_ids, open_user
from flashprep.core.files.gcpause import gc_paused

if TYPE_CHECKING:
    from flashprep.core.browse.query import Query
    from flashprep.core.decks.library import DeckLibrary
    from flashprep.core.interview.mockquestions import MockOptions
    from flashprep.core.stats.historycache import SharedReplay
    from flashprep.core.storage.replay import Schedule
    from flashprep.core.storage.userstore import UserStore
    from flashprep.core.study.customstudy import DrillOptions


def _count(text: str) -> int:
    """A whole number from 1 to MAX_COUNT, for --extra-new and --ahead."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= MAX_COUNT:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_COUNT}, not {value}")
    return value


MAX_COUNT = 9999


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "drill",
        help="open a drill of some decks (all when none named)",
        description="Open a drill of the decks named (all decks when none is): today's due "
        "reviews and new cards within the day's limits. --extra-new, --ahead and --practice "
        "study beyond them (custom study).",
    )
    parser.add_argument("decks", nargs="*", metavar="DECK_ID", help="deck ids (see `decks`)")
    parser.add_argument(
        "--extra-new",
        type=_count,
        default=0,
        metavar="N",
        help="allow N new cards on top of today's limits (this drill)",
    )
    custom = parser.add_mutually_exclusive_group()
    custom.add_argument(
        "--ahead",
        type=_count,
        default=0,
        metavar="DAYS",
        help="review ahead: the cards due in the next DAYS days",
    )
    parser.add_argument(
        "--query",
        metavar="Q",
        help="drill the cards a search finds (the language of `flashprep cards`; "
        "with --practice, without changing their schedule)",
    )
    custom.add_argument(
        "--practice",
        action="store_true",
        help="practice any cards without changing their schedule (logged apart)",
    )
    add_common_options(parser)
    parser.set_defaults(func=run_drill)


def drill_options(args: argparse.Namespace, keys: list[str] | None = None) -> DrillOptions:
    """The custom study asked for on the command line; `keys`: exactly these cards (a search's)."""
    from flashprep.core.study.customstudy import DrillOptions

    if args.extra_new and (args.ahead or args.practice):
        raise CliError("--extra-new adds new cards to a drill: not with --ahead or --practice")
    if args.query is not None and (args.extra_new or args.ahead):
        raise CliError("--query drills the cards it finds: not with --extra-new or --ahead")
    return DrillOptions(
        extra_new=args.extra_new,
        ahead_days=args.ahead,
        practice=args.practice,
        keys=tuple(keys) if keys is not None else None,
    )


def run_drill(args: argparse.Namespace) -> int:
    options = drill_options(args)  # refused before any file is touched
    query = None
    if args.query is not None:
        from flashprep.core.browse.query import QueryError, parse_query

        try:
            query = parse_query(args.query)
        except QueryError as exc:
            raise CliError(f"--query: {exc}") from None
    return open_tui(args, "drill", list(args.decks) or None, options=options, query=query)


def query_keys(
    library: DeckLibrary, store: UserStore, query: Query, deck_ids: list[str] | None
) -> list[str]:
    """The cards a query finds (in the named decks only, when some are), in catalog order."""
    from flashprep.core.browse.search import matching_keys

    return matching_keys(library, store, query, deck_ids)


def run_home(args: argparse.Namespace) -> int:
    return open_tui(args, "home", None)


def open_tui(
    args: argparse.Namespace,
    start: str,
    deck_ids: list[str] | None,
    mock: MockOptions | None = None,
    stats_range: str = "month",
    options: DrillOptions | None = None,
    query: Query | None = None,
) -> int:
    """Hold the user's lock from before their files are read until the last write is done.
    `query`: a drill of exactly the cards it finds (refused when it finds none)."""
    shared: list[SharedReplay] = []

    def full_replay(store: UserStore, read: list[Any]) -> Schedule | None:
        """Without a checkpoint, the log is replayed as the statistics replay it (on two cores
        when long), and their cache written from it: else the statistics screen, opened on an
        empty cache, would replay the whole log a second time."""
        from flashprep.core.stats.historycache import SharedReplay

        shared.append(SharedReplay())
        return shared[-1](store, read)

    opened = open_user(args, write=True, full_replay=full_replay)
    try:
        if deck_ids:
            check_deck_ids(opened.library, deck_ids)
        if query is not None:
            keys = query_keys(opened.library, opened.store, query, deck_ids)
            if not keys:
                where = f" in {', '.join(deck_ids)}" if deck_ids else ""
                raise CliError(f"--query: no card matches {query.text!r}{where}")
            options = drill_options(args, keys)
        store = opened.store
        for replay in shared:
            replay.save_history(store)
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
                drill_options=options,
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
                from flashprep.core.study.drill import keep_first_queues

                keep_first_queues(opened.library, store)  # the next start's first queues
            else:  # the checkpoint read at start is still the one: its first queues too
                store.save_first_queues()
    finally:
        opened.close()
    return 0
