"""How numbers and times read on screen, for the TUI and the CLI alike: percentages, durations,
intervals, clocks and plurals, with one sign for "no value". Plain strings only (no Rich, no
Textual), so the CLI may import it; it lives beside cli.py, not in core/, because it is wording."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flashprep.core.interview.projection import Forecast

NO_VALUE = "—"
"""What a cell or figure shows when there is nothing to show (no reviews, no date set)."""


def plural(n: int, word: str) -> str:
    """`1 day`, `3 days`."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def clip(text: str, width: int) -> str:
    """`text` cut to `width` characters, with `…` as the last one when cut (every cut shows)."""
    if len(text) <= width:
        return text
    return text[: max(0, width - 1)] + "…" if width > 0 else ""


def percent(rate: float | None) -> str:
    """A share of 1 as a whole percentage: 0.874 -> `87%`; None -> NO_VALUE."""
    return NO_VALUE if rate is None else f"{rate:.0%}"


def duration(seconds: float) -> str:
    """Time spent, to the second: `45s`, `3m 05s`, `1h 02m`."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def interval(delta: timedelta) -> str:
    """A short interval until a card is due, for the grade buttons and the drill summary: 45s,
    10m, 3h, 4d, 2.1mo, 1.3y. Each unit is rounded, and a value that rounds up to the next
    unit is given in it: 23h 50m is `1d` (as the button said), never `24h`."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    if round(seconds / 60) < 60:
        return f"{round(seconds / 60)}m"
    if round(seconds / 3600) < 24:
        return f"{round(seconds / 3600)}h"
    days = seconds / 86400
    if round(days) < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{days / 30:.1f}mo"
    return f"{days / 365:.1f}y"


def stopwatch(seconds: float) -> str:
    """Time on the current card: `0:07`, `12:30` (never negative)."""
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def countdown(seconds: float) -> str:
    """Time left as `mm:ss`, or time past zero as `+mm:ss` (a mock interview's clocks)."""
    sign = "" if seconds >= 0 else "+"
    whole = int(seconds) if seconds >= 0 else math.ceil(-seconds)
    return f"{sign}{whole // 60:02d}:{whole % 60:02d}"


def interview_countdown(day: date | None, days_left: int | None) -> str:
    """`Interview in 12 days (2026-12-08)`, for the home and plan screens; empty with no date."""
    if day is None or days_left is None:
        return ""
    iso = day.isoformat()
    if days_left > 1:
        return f"Interview in {days_left} days ({iso})"
    if days_left == 1:
        return f"Interview tomorrow ({iso})"
    if days_left == 0:
        return f"Interview today ({iso})"
    return f"Interview was on {iso}"


def relative_day(day: date | None, today: date) -> str:
    """A due day seen from today, short enough for a table cell: `today`, `in 3d`, `2d ago`;
    NO_VALUE for none (a new card)."""
    if day is None:
        return NO_VALUE
    days = (day - today).days
    if days == 0:
        return "today"
    return f"in {days}d" if days > 0 else f"{-days}d ago"


def forecast_sentence(forecast: Forecast) -> str:
    """The forecast in one line, as the plan screen shows it under the date and `flashprep plan`
    prints it."""
    text = (
        f"On {forecast.day.isoformat()} you are predicted to recall {forecast.predicted:.0%} of "
        f"these decks ({forecast.daily_minutes} min a day)"
    )
    if forecast.pace_minutes is None or forecast.at_pace is None:
        text += "; no study in the last week"
    else:
        text += f"; at your pace ({forecast.pace_minutes:.0f} min a day), {forecast.at_pace:.0%}"
    need, target = forecast.minutes_for_target, forecast.target
    if need is None:
        text += f"; no time a day would reach the target ({target:.0%}) by then"
    elif need <= 0:
        text += f"; the target ({target:.0%}) is reached already"
    else:
        minutes = plural(math.ceil(need), "minute")
        text += f"; {minutes} a day would reach the target ({target:.0%})"
    return text + "."
