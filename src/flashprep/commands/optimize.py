"""`flashprep optimize`: fit FSRS-6's parameters to this user's history and keep them when they
predict the user's later reviews better than the parameters in use (core.stats.optimize, which
the settings screen's Optimize button calls too).

Kept parameters go to profile.toml's `[fsrs]` under the user's lock, and the schedule is replayed
under them (core.storage.fittedparams); the review log is never changed. A progress bar is drawn
on stderr when it is a terminal; Ctrl-C during the fit stops it with nothing written, and is
held back while the new profile and schedule are written.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flashprep.commands.common import add_common_options, open_user, show, show_json
from flashprep.commands.progress import ProgressBar
from flashprep.core.scheduling.fitting import MIN_REVIEWS, NotEnoughHistory
from flashprep.core.stats.optimize import fit_user, keep, report_lines


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "optimize",
        help="fit the scheduler's memory model (FSRS) to your review history",
        description="Fit FSRS-6's parameters to your own reviews (it needs "
        f"{MIN_REVIEWS:,} reviews a day or more after the card's previous one). The fit learns "
        "from your earlier reviews and is scored on your latest ones against the parameters "
        "in use; the new parameters are kept (in profile.toml) only when they predict better. "
        "Your review log is never changed.",
    )
    parser.add_argument("--dry-run", action="store_true", help="fit and compare, but keep nothing")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    add_common_options(parser)
    parser.set_defaults(func=run)


@contextmanager
def _no_interrupt() -> Iterator[None]:
    """Ctrl-C ignored while the profile and the schedule are written (they are consistent at
    every step, but a user who pressed it late should not be left wondering)."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run(args: argparse.Namespace) -> int:
    opened = open_user(args, write=not args.dry_run, decks=False)
    bar = ProgressBar(sys.stderr, "fitting", "(Ctrl-C cancels)")
    try:
        store = opened.store
        bar.say("reading your review history (Ctrl-C cancels)")
        try:
            reading = ProgressBar(sys.stderr, "reading your history")
            result = fit_user(store, progress=bar, reading=reading)
        except NotEnoughHistory as exc:
            bar.clear()
            if args.json:
                show_json({"kept": False, "reviews": exc.have, "needed": MIN_REVIEWS})
            else:
                show(f"Not fitted: {exc}.")
            return 0
        outcome, fitted = result.outcome, result.fitted
        written = False
        if outcome.better and not args.dry_run:
            bar.say("keeping the new parameters: replaying your schedule under them")
            with _no_interrupt():
                written = keep(store, result)
        bar.clear()
        if args.json:
            show_json(
                {
                    "kept": written,
                    "better": outcome.better,
                    "reviews": outcome.reviews,
                    "needed": MIN_REVIEWS,
                    "split": datetime.fromtimestamp(outcome.split_ms / 1000, UTC).isoformat(),
                    "before": {
                        "parameters": "fitted" if fitted else "default",
                        **outcome.before.as_json(),
                    },
                    "after": outcome.after.as_json(),
                    "parameters": [round(v, 4) for v in outcome.parameters],
                }
            )
        else:
            for line in report_lines(result, written, args.dry_run):
                show(line)
    finally:
        bar.clear()
        opened.close()
    return 0
