"""`flashprep stats`: this user's statistics, on the statistics screen or as JSON."""

from __future__ import annotations

import argparse
import json
from typing import Any

from flashprep.commands.common import Opened, add_common_options, check_deck_ids, open_user
from flashprep.core.historycache import HistoryReader
from flashprep.core.plan import interview_stats
from flashprep.core.stats import RANGES, StatsQuery, compute_stats, screen_key


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
        return open_screen(args)
    opened = open_user(args)
    if args.deck:
        check_deck_ids(opened.library, [args.deck])
    stats, reader = compute(opened, args.deck, args.range)
    stats.update(interview_stats(opened.library, opened.store))  # interview_date, readiness
    print(json.dumps(stats, indent=2, ensure_ascii=False), flush=True)
    reader.save()  # after printing: the cache only makes the next run fast
    return 0


def compute(
    opened: Opened, deck: str | None, range_name: str
) -> tuple[dict[str, Any], HistoryReader]:
    """The statistics, and the reader whose cache to save once they are shown."""
    store = opened.store
    query = StatsQuery(store.now(), store.rollover, store.tz, deck, range_name)
    reader = HistoryReader(store)
    history = reader.load()
    stats = compute_stats(history, store.states, opened.library, store.scheduler, query, store.user)
    return stats, reader


def open_screen(args: argparse.Namespace) -> int:
    """The statistics screen. The statistics are computed meanwhile in a child process (on
    another core) that only reads; the screen takes them, or computes them itself."""
    from flashprep.commands.tui import open_tui
    from flashprep.core import background

    key = screen_key(args.deck, args.range)
    reader: list[HistoryReader] = []

    def work() -> dict[str, Any]:
        stats, found = compute(open_user(args), args.deck, args.range)
        reader.append(found)
        return stats

    background.start(key, work, after=lambda: reader[0].save())
    try:
        return open_tui(args, "stats", [args.deck] if args.deck else None, stats_range=args.range)
    finally:
        background.finish()  # the child is done, or stopped if nobody took its result
