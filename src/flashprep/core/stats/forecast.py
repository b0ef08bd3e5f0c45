"""What is coming: the due forecast and the intervals it counts with.

Functions of the card states alone (no review history), so they stand apart from the statistics
computed from the log; the report walks the cards once (cardwalk.py) and dates their dues here.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flashprep.core.scheduling.scheduler import CardState
from flashprep.core.stats.studydays import Calendar

FORECAST_DAYS = 30


def interval_days(state: CardState) -> float:
    """The interval a card is scheduled for, in days (0 for new cards)."""
    if state.due is None or state.last_review is None:
        return 0.0
    return max(0.0, (state.due - state.last_review).total_seconds() / 86400)


def due_days(
    due_at: list[float], buried: list[int], cal: Calendar, days: int = FORECAST_DAYS
) -> list[dict[str, Any]]:
    """Cards due on each of the next `days` study days, of the cards due at the instants
    `due_at` (UTC seconds), each buried until the day `buried` (a date ordinal, 0 for none):
    today holds the overdue ones; a card buried today counts tomorrow."""
    counts = [0] * days
    horizon = cal.start(cal.today + days).timestamp()  # cards due later fall outside
    soon = [i for i, at in enumerate(due_at) if at < horizon]  # (only these are dated)
    order = sorted(soon, key=due_at.__getitem__)  # a day's cards in a run
    dated = cal.days_of([due_at[i] for i in order])
    for index, due_day in zip(order, dated, strict=True):
        day = max(due_day, cal.today, buried[index])
        if day - cal.today < days:
            counts[day - cal.today] += 1
    return [
        {"date": date.fromordinal(cal.today + i).isoformat(), "due": n}
        for i, n in enumerate(counts)
    ]
