"""`flashprep stats`: this user's statistics, on the statistics screen or as JSON."""

from __future__ import annotations

import argparse
import gc
import sys
from typing import Any

from flashprep.commands.common import add_common_options, check_deck_ids, open_user, show_json
from flashprep.core.stats.ranges import RANGES


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
    opened = open_user(args, full_replay=shared)
    if args.deck is not None:
        check_deck_ids(opened.library, [args.deck])
    store = opened.store
    query = StatsQuery.of(store, args.deck, args.range)
    reader = HistoryReader(store, progress=reading, shared=shared)
    history = reader.load()
    _ = store.states  # decoded now, and kept with the history until the end:
    gc.freeze()  # the collector need not walk their objects again (0.2 s at a million reviews)
    retention = RetentionCache(reader.folder, reader.marks, reader.stable, args.deck)
    computed: list[dict[str, Any]] = []

    def statistics() -> None:  # while a child scores the calibration, when that is long
        computed.append(
            compute_stats(
                history, store.states, opened.library, store.scheduler, query, store.user, retention
            )
        )

    with gc_paused():  # what the figures are made of is no garbage before they are printed
        scoring = ProgressBar(sys.stderr, "scoring the memory model on it")
        calibration = calibration_report(history, store, args.deck, reader, scoring, statistics)
        scoring.clear()
        (stats,) = computed
        shift = calibration["recall_shift"]  # the forecast's correction, on the same grades
        stats.update(interview_stats(opened.library, store, shift=shift))  # date, readiness
        stats["calibration"] = calibration
    show_json(stats)
    reader.save()  # after printing: the cache only makes the next run fast
    retention.save()
    return 0
