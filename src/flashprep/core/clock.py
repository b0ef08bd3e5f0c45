"""Time: an injectable clock, and the user's "day" (local date with a rollover hour, as in Anki)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo

Clock = Callable[[], datetime]
"""Returns the current instant, timezone-aware UTC. Tests inject a fixed or stepping clock."""


FIRST_YEAR, LAST_YEAR = 1970, 9000
INSTANT_RANGE = f"between the years {FIRST_YEAR} and {LAST_YEAR}"
"""Stored instants and dates fall here, so that adding an interval can never overflow a date."""


def is_valid_instant(value: object) -> bool:
    """A timezone-aware date-time within INSTANT_RANGE (what the user's files may hold)."""
    return (
        isinstance(value, datetime)
        and value.tzinfo is not None
        and value.utcoffset() is not None
        and FIRST_YEAR <= value.year <= LAST_YEAR
    )


def is_valid_day(value: date) -> bool:
    """A date within INSTANT_RANGE (what the user's files may hold)."""
    return FIRST_YEAR <= value.year <= LAST_YEAR


def system_clock() -> datetime:
    return datetime.now(UTC)


def to_utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("naive datetime: instants must be timezone-aware")
    return instant.astimezone(UTC)


_ROLLOVERS = {hour: timedelta(hours=hour) for hour in range(24)}
"""Each rollover hour as a timedelta: a replay asks the study day of every entry, and building
`timedelta(hours=...)` each time cost more than the rest of it."""


def study_day(instant: datetime, rollover_hour: int = 4, tz: tzinfo | None = None) -> date:
    """The user's study day for an instant: local date, where the day starts at `rollover_hour`."""
    local = instant.astimezone(tz) if tz is not None else instant.astimezone()
    shift = _ROLLOVERS.get(rollover_hour)
    if shift is None:
        shift = timedelta(hours=rollover_hour)
    return (local - shift).date()


def day_start(day: date, rollover_hour: int = 4, tz: tzinfo | None = None) -> datetime:
    """The UTC instant at which a study day begins."""
    naive = datetime(day.year, day.month, day.day, rollover_hour)
    local = naive.replace(tzinfo=tz) if tz is not None else naive.astimezone()
    return local.astimezone(UTC)


def day_end(day: date, rollover_hour: int = 4, tz: tzinfo | None = None) -> datetime:
    """The UTC instant at which a study day ends: when the next one begins."""
    return day_start(day + timedelta(days=1), rollover_hour, tz)


def toml_instant(at: datetime) -> str:
    """A TOML offset date-time in UTC: 2026-11-26T10:00:00.123456Z (fraction only when non-zero,
    as `isoformat` writes it)."""
    return at.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


def format_instant(instant: datetime) -> str:
    """UTC ISO string with millisecond precision and a Z, as stored in the user's files."""
    return to_utc(instant).strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"


def parse_instant(text: str) -> datetime:
    """Parse a stored instant; raises ValueError for anything not timezone-aware."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return to_utc(value)
