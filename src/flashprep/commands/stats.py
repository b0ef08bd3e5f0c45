"""`flashprep stats`: this user's statistics, on the statistics screen or as JSON."""

from __future__ import annotations

import argparse
import gc
import sys
from typing import TYPE_CHECKING, Any

from flashprep.commands.common import (
    add_common_options,
    check_deck_ids,
    open_home,
    open_user,
    show_json,
)
from flashprep.core.stats.ranges import RANGES

if TYPE_CHECKING:
    from flashprep.core.decks.indexahead import IndexAhead
    from flashprep.core.decks.library import DeckLibrary
    from flashprep.core.paths import Home


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "stats",
        help="review statistics: open the statistics screen, or print JSON",
        description="Open the statistics screen (or print the statistics as JSON with --json).",
    )
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.add_argument("--deck", metavar="ID", help="only this deck (see `decks`)")
    parser.add_argument(
        "--range",
        choices=list(RANGES),
        default="month",
        help="period of the review charts: the last month (default), 3 months, year, or all",
    )
    add_common_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.json:
        from flashprep.commands.tui import open_tui

        return open_tui(
            args, "stats", [args.deck] if args.deck is not None else None, stats_range=args.range
        )
    from flashprep.commands.progress import ProgressBar
    from flashprep.core.decks.indexahead import index_ahead
    from flashprep.core.files.gcpause import gc_paused
    from flashprep.core.interview.plan import interview_stats
    from flashprep.core.stats.historycache import HistoryReader, SharedReplay
    from flashprep.core.stats.optimize import calibration_report
    from flashprep.core.stats.report import StatsQuery, compute_stats
    from flashprep.core.stats.retentioncache import RetentionCache

    bar: list[ProgressBar] = []

    def reading(done: float) -> None:
        """The bar, made at the first report (a whole read), not before the user is opened."""
        if not bar:
            bar.append(ProgressBar(sys.stderr, "reading your review history"))
        bar[0](done)

    shared = SharedReplay(reading)  # no checkpoint and no history cache: one replay for both
    home = open_home(args)
    ahead = index_ahead(home)  # decks never indexed: a child indexes them while we read
    try:
        opened = open_user(args, full_replay=shared, decks=False)
        if args.deck is not None and not _named(opened.library, args.deck):
            _library(ahead, home, [args.deck])  # the unknown deck's error, before any work
        store = opened.store
        query = StatsQuery.of(store, args.deck, args.range)
        reader = HistoryReader(store, progress=reading, shared=shared)
        history = reader.load()
        library = _library(ahead, home, [] if args.deck is None else [args.deck])
    finally:
        ahead.cancel()
    _ = store.states  # decoded now, and kept with the history until the end:
    gc.freeze()  # the collector need not walk their objects again (0.2 s at a million reviews)
    retention = RetentionCache(reader.folder, reader.marks, reader.stable, args.deck)
    computed: list[dict[str, Any]] = []

    def statistics() -> None:  # while a child scores the calibration, when that is long
        computed.append(
            compute_stats(
                history, store.states, library, store.scheduler, query, store.user, retention
            )
        )

    with gc_paused():  # what the figures are made of is no garbage before they are printed
        scoring = ProgressBar(sys.stderr, "scoring the memory model on it")
        calibration = calibration_report(history, store, args.deck, reader, scoring, statistics)
        scoring.clear()
        (stats,) = computed
        shift = calibration["recall_shift"]  # the forecast's correction, on the same grades
        stats.update(interview_stats(library, store, shift=shift))  # date, readiness
        stats["calibration"] = calibration
    show_json(stats)
    reader.save()  # after printing: the cache only makes the next run fast
    retention.save()
    return 0


def _named(library: DeckLibrary, deck_id: str) -> bool:
    """Whether a deck file is named `deck_id` (a deck's file is named by its id): the decks are
    not loaded yet, but an id no file has is surely unknown."""
    return any(path.stem == deck_id for path, _ in library.deck_files())


def _library(ahead: IndexAhead, home: Home, deck_ids: list[str]) -> DeckLibrary:
    """The decks, once the child indexing them (if any) has finished; CliError naming the first
    of `deck_ids` that is not one of them."""
    from flashprep.core.decks.library import DeckLibrary

    ahead.wait()
    library = DeckLibrary.load(home)
    check_deck_ids(library, deck_ids)
    return library
