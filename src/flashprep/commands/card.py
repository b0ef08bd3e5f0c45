"""`flashprep card KEY`: one card's text, schedule and whole review history, or its JSON."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from flashprep.commands.common import CliError, add_common_options, open_user, show, show_json, warn
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.scheduling.scheduler import RATING_OF, RATINGS
from flashprep.core.text import clean
from flashprep.format import NO_VALUE, duration, interval, percent

if TYPE_CHECKING:
    from datetime import tzinfo
    from pathlib import Path

    from flashprep.core.browse.details import CardDetails, HistoryRow
    from flashprep.core.interview.stories import StoryBank


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "card",
        help="one card's question, answer, schedule and review history",
        description="Show one card: its question and answer, deck, tags and level, its "
        "schedule (state, due, interval, stability, difficulty, recall) and every entry of its "
        "review history. KEY is deck/card, as `flashprep cards` lists it.",
    )
    parser.add_argument("key", metavar="KEY", help="the card, as deck/card")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    add_common_options(parser)
    parser.set_defaults(func=run)


def _stories(folder: Path) -> StoryBank | None:
    """The user's story bank, or None (with a warning) when it cannot be read: the card's
    details do not depend on it."""
    from flashprep.core.interview.stories import StoryFile

    try:
        return StoryFile(folder).load()
    except DataFileError as exc:
        warn(f"{exc}; linked stories not shown")
        return None


def run(args: argparse.Namespace) -> int:
    from flashprep.core.browse.details import card_details

    opened = open_user(args)
    try:
        details = card_details(
            opened.library, opened.store, args.key, stories=_stories(opened.store.folder)
        )
    except KeyError:
        raise CliError(
            f"unknown card {args.key!r} (a key is deck/card: `flashprep cards` lists them)"
        ) from None
    if args.json:
        show_json(details.to_json())
    else:
        show_details(details, opened.store.tz)
    return 0


def _block(title: str, text: str) -> None:
    """A title, then the text's lines indented (cleaned first, so an escape sequence cannot
    span lines)."""
    show(f"{title}:")
    for line in clean(text).strip("\n").split("\n"):
        show(f"  {line}" if line else "")


def _or_none(value: object) -> str:
    return NO_VALUE if value is None else str(value)


def show_details(d: CardDetails, tz: tzinfo | None) -> None:
    show(f"{d.key}  ({d.deck_name})")
    show()
    _block("Question", d.front)
    show()
    _block("Answer", d.back)
    if d.hint:
        show()
        _block("Hint", d.hint)
    show()
    facts = [
        ("Deck", f"{d.deck_name} ({d.deck_id})"),
        ("Tags", ", ".join(d.tags) or NO_VALUE),
        ("Level", _or_none(d.level)),
        ("Target time", duration(d.target_seconds) if d.target_seconds else NO_VALUE),
        ("State", d.status),
        ("Due", d.due.isoformat() if d.due is not None else NO_VALUE),
        (
            "Interval",
            interval(timedelta(days=d.interval_days)) if d.interval_days is not None else NO_VALUE,
        ),
        ("Stability", f"{d.stability:.2f} days" if d.stability is not None else NO_VALUE),
        ("Difficulty", f"{d.difficulty:.2f}" if d.difficulty is not None else NO_VALUE),
        ("Recall now", percent(d.recall_now)),
    ]
    if d.interview_date is not None:
        facts.append((f"Recall on {d.interview_date.isoformat()}", percent(d.recall_on_date)))
    facts += [
        ("Reviews", str(d.reps)),
        ("Lapses", str(d.lapses)),
        (
            "Average answer",
            duration(d.average_ms / 1000) if d.average_ms is not None else NO_VALUE,
        ),
        ("Stories", "; ".join(d.stories) or NO_VALUE),
    ]
    width = max(len(name) for name, _ in facts)
    for name, value in facts:
        show(f"{name + ':':<{width + 1}} {value}")
    show()
    if not d.history:
        show("History: none yet")
        return
    show(f"History ({len(d.history)}):")
    show(f"  {'WHEN':<16}  {'ACTION':<10}  {'GRADE':<5}  {'INTERVAL':>8}  {'TIME':>7}  MODE")
    for row in d.history:
        show("  " + history_line(row, tz))


def history_line(row: HistoryRow, tz: tzinfo | None) -> str:
    when = row.at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    rating = RATING_OF.get(row.rating) if row.rating is not None else None
    grade = RATINGS[rating].lower() if rating is not None else _or_none(row.rating)
    after = (
        interval(timedelta(days=row.interval_days)) if row.interval_days is not None else NO_VALUE
    )
    took = duration(row.ms / 1000) if row.ms else NO_VALUE
    return f"{when:<16}  {row.action:<10}  {grade:<5}  {after:>8}  {took:>7}  {row.mode}"
