"""`flashprep mock`: a time-boxed mock interview in the TUI, or the history of past rounds."""

from __future__ import annotations

import argparse
from typing import Any

from flashprep.commands.common import (
    CliError,
    add_common_options,
    check_deck_ids,
    open_user,
    show,
    show_json,
    warn,
)
from flashprep.commands.tui import open_tui
from flashprep.core.interview.mockquestions import (
    DEFAULT_MINUTES,
    MAX_MINUTES,
    MockOptions,
    choose_questions,
    parse_mix,
)


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "mock",
        help="a timed mock interview (its grades leave your schedule alone)",
        description="A time-boxed round of questions, weak and overdue cards first, with a "
        "countdown for the round and for each answer. Answer aloud, reveal, rate yourself. "
        "The round is logged apart from your schedule unless you apply it at the end.",
    )
    parser.add_argument(
        "--minutes",
        type=int,
        default=DEFAULT_MINUTES,
        metavar="N",
        help=f"length of the round (default {DEFAULT_MINUTES})",
    )
    parser.add_argument(
        "--mix",
        metavar="CAT:N,...",
        help="questions per category, e.g. behavioral:2,technical:3 "
        "(default: every category in turn, filling the time)",
    )
    parser.add_argument(
        "--deck", action="append", metavar="ID", help="draw from this deck (repeatable)"
    )
    parser.add_argument(
        "--history", action="store_true", help="list past rounds instead of starting one"
    )
    parser.add_argument("--json", action="store_true", help="with --history: print JSON")
    add_common_options(parser)
    parser.set_defaults(func=run)


def options_from(args: argparse.Namespace) -> MockOptions:
    if not 1 <= args.minutes <= MAX_MINUTES:
        raise CliError(f"--minutes: {args.minutes} must be 1 to {MAX_MINUTES}")
    try:
        mix = parse_mix(args.mix) if args.mix is not None else {}
    except ValueError as exc:
        raise CliError(f"--mix: {exc}") from None
    decks = list(dict.fromkeys(args.deck)) if args.deck else None
    return MockOptions(minutes=args.minutes, mix=mix, deck_ids=decks)


def run(args: argparse.Namespace) -> int:
    if args.history:
        return history(args)
    if args.json:
        raise CliError("--json goes with --history")
    options = options_from(args)
    opened = open_user(args)
    if options.deck_ids:
        check_deck_ids(opened.library, options.deck_ids)
    if not choose_questions(opened.library, opened.store, options):
        raise CliError("no questions to ask: those decks hold no cards you can drill")
    return open_tui(args, "mock", options.deck_ids, mock=options)


def history(args: argparse.Namespace) -> int:
    from flashprep.core.interview.mock import load_history

    opened = open_user(args)
    rounds, errors = load_history(opened.store)
    for error in errors:
        warn(str(error))
    rows: list[dict[str, Any]] = [
        {
            "file": path.name,
            "started": record.started.isoformat(),
            "minutes": record.minutes,
            "questions": len(record.questions),
            "answered": len(record.answers),
            "over_time": sum(1 for a in record.answers if a.over),
            "seconds": round(sum(a.ms for a in record.answers) / 1000, 1),
            "mean_rating": round(sum(a.rating for a in record.answers) / len(record.answers), 2)
            if record.answers
            else None,
            "finished": record.finished,
            "applied": record.applied,
            "answers": [a.model_dump() for a in record.answers],
        }
        for path, record in rounds
    ]
    if args.json:
        show_json(rows)
    elif not rows:
        show("No mock interviews yet. Start one with: flashprep mock")
    else:
        show(f"{'STARTED':<17} {'ANSWERED':>8} {'OVER':>4} {'TIME':>6} {'RATING':>6}  APPLIED")
        for r in rows:
            minutes, seconds = divmod(int(r["seconds"]), 60)
            rating = "-" if r["mean_rating"] is None else f"{r['mean_rating']:.1f}"
            show(
                f"{r['started'][:16].replace('T', ' '):<17} "
                f"{r['answered']:>4}/{r['questions']:<3} {r['over_time']:>4} "
                f"{minutes:>3}:{seconds:02d} {rating:>6}  {'yes' if r['applied'] else 'no'}"
            )
    return 2 if errors else 0
