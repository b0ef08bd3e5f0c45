"""`flashprep optimize`: fit FSRS-6's parameters to this user's history and keep them when they
predict the user's later reviews better than the parameters in use (core.scheduling.fitting).

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
from flashprep.core.scheduling.fitmetrics import Fit
from flashprep.core.scheduling.fitting import MIN_REVIEWS, FitOutcome, NotEnoughHistory, fit_history
from flashprep.core.scheduling.parameters import DEFAULT_PARAMETERS
from flashprep.core.stats.historycache import HistoryReader
from flashprep.core.stats.modelfit import card_histories


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


def _figures(fit: Fit) -> str:
    return f"log loss {fit.log_loss:.4f}, RMSE(bins) {fit.rmse_bins:.4f}"


def _report(outcome: FitOutcome, fitted: bool, written: bool, dry_run: bool) -> None:
    split = datetime.fromtimestamp(outcome.split_ms / 1000, UTC).date().isoformat()
    current = "fitted" if fitted else "default"
    show(
        f"Fitted FSRS-6 to your reviews before {split}; scored on the "
        f"{outcome.after.reviews:,} reviews since:"
    )
    show(f"  {current + ' parameters (in use)':<28} {_figures(outcome.before)}")
    show(f"  {'new parameters':<28} {_figures(outcome.after)}")
    change = f"{(outcome.after.log_loss / outcome.before.log_loss - 1) * 100:+.1f}% log loss"
    if not outcome.better:
        show(f"Kept the {current} parameters: the new ones predict no better ({change}).")
    elif dry_run:
        show(f"The new parameters predict better ({change}); --dry-run: nothing kept.")
    elif written:
        show(f"Kept the new parameters ({change}), fitted again on all {outcome.reviews:,}.")
        show("Written to profile.toml; your schedule was replayed under them.")
    show("Calibration on those reviews: predicted recall -> share recalled (reviews)")
    show(f"  {'predicted':<11} {'in use':<24} new")
    old = {b.low: b for b in outcome.before.bins}
    new = {b.low: b for b in outcome.after.bins}
    for low in sorted(old.keys() | new.keys()):
        cells = []
        for bins in (old, new):
            b = bins.get(low)
            cells.append(
                f"{b.predicted:.1%} -> {b.actual:.1%} ({b.reviews:,})" if b is not None else "-"
            )
        high = (old.get(low) or new[low]).high
        show(f"  {low:.2f}-{high:.2f}  {cells[0]:<24} {cells[1]}")


def run(args: argparse.Namespace) -> int:
    opened = open_user(args, write=not args.dry_run, decks=False)
    bar = ProgressBar(sys.stderr, "fitting", "(Ctrl-C cancels)")
    try:
        store = opened.store
        fitted = store.settings.parameters is not None
        current = store.settings.parameters or DEFAULT_PARAMETERS
        bar.say("reading your review history (Ctrl-C cancels)")
        reader = HistoryReader(store, progress=ProgressBar(sys.stderr, "reading your history"))
        history = reader.load()
        reader.save()
        try:
            outcome = fit_history(card_histories(history), current, progress=bar)
        except NotEnoughHistory as exc:
            bar.clear()
            if args.json:
                show_json({"kept": False, "reviews": exc.have, "needed": MIN_REVIEWS})
            else:
                show(f"Not fitted: {exc}.")
            return 0
        written = False
        if outcome.better and not args.dry_run:
            bar.say("keeping the new parameters: replaying your schedule under them")
            # here: the profile's models (pydantic) are for writing it, and `--help` builds
            # every command's parser
            from flashprep.core.storage.fittedparams import keep_parameters

            with _no_interrupt():
                keep_parameters(store, outcome.parameters, store.today(), len(history))
            written = True
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
            _report(outcome, fitted, written, args.dry_run)
    finally:
        bar.clear()
        opened.close()
    return 0
