"""The user's study days: on which study day each review falls, and the reviews of a range of days.

Every statistic counts by study day (local time zone, day starting at the rollover hour), so the
calendar and the dated reviews live here, below the statistics that use them; the report builds one
Calendar per call and hands it down.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from itertools import compress
from typing import Literal

from flashprep.core.clock import day_start, study_day
from flashprep.core.stats.history import History, Review
from flashprep.core.stats.ranges import RANGES

Range = Literal["month", "3months", "year", "all"]


@dataclass(frozen=True)
class Dated:
    """Reviews with the study day (a date ordinal) of each, worked out once (Calendar.dated)."""

    reviews: History
    days: list[int]
    ordered: bool = False
    """Whether the days never go back (the usual log; not after a clock was set back): then a
    range of days is a slice, found by bisection."""

    def between(self, first: int | None, last: int) -> Dated:
        """Only the reviews of study days `first` (from the start for None) to `last`."""
        days = self.days
        if self.ordered:
            start = 0 if first is None else bisect_left(days, first)
            end = bisect_right(days, last)
            if start == 0 and end == len(days):
                return self
            return Dated(self.reviews[start:end], days[start:end], True)
        low = first if first is not None else min(days, default=last)
        keep = [low <= d <= last for d in days]
        return self if all(keep) else self.only(keep)

    def only(self, keep: list[bool]) -> Dated:
        """Only the reviews whose `keep` is true."""
        return Dated(self.reviews.select(keep), list(compress(self.days, keep)), self.ordered)


class Calendar:
    """The user's study days: on which day (as a date ordinal) and local hour an instant falls.

    Both are memoised per quarter of an hour: every time zone in use today is offset from UTC by
    whole quarters of an hour, and the rollover is a whole hour, so neither changes within one.
    """

    def __init__(self, now: datetime, rollover: int = 4, tz: tzinfo | None = None) -> None:
        self.now = now
        self.rollover = rollover
        self.tz = tz
        self._days: dict[int, int] = {}
        self._hours: dict[int, int] = {}
        self.today = self.day(now.timestamp())

    def day(self, ts: float) -> int:
        quarter = int(ts // 900)
        found = self._days.get(quarter)
        if found is None:
            instant = datetime.fromtimestamp(quarter * 900, UTC)
            found = self._days[quarter] = study_day(instant, self.rollover, self.tz).toordinal()
        return found

    def hour(self, ts: float) -> int:
        quarter = int(ts // 900)
        found = self._hours.get(quarter)
        if found is None:
            found = self._hours[quarter] = self._local(quarter * 900).hour
        return found

    def start(self, day: int) -> datetime:
        """The instant (UTC) a study day begins."""
        return day_start(date.fromordinal(day), self.rollover, self.tz)

    def _local(self, ts: float) -> datetime:
        instant = datetime.fromtimestamp(ts, UTC)
        return instant.astimezone(self.tz) if self.tz is not None else instant.astimezone()

    def dated(self, reviews: Iterable[Review]) -> Dated:
        """The reviews (a History, or Reviews) with their study days."""
        history = History.of(reviews)
        days = self.days_of(history.ts)
        return Dated(history, days, days == sorted(days))

    def days_of(self, stamps: Iterable[float]) -> list[int]:
        """The study day of each instant (UTC seconds). A run of instants on one day costs one
        comparison each: a day is looked up once, with the span of instants it covers."""
        days: list[int] = []
        append = days.append
        low = high = 0.0
        current = 0
        for ts in stamps:
            if not low <= ts < high:
                current, low, high, _ = self._span(ts)
            append(current)
        return days

    def hours_of(self, stamps: Iterable[float]) -> list[int]:
        """The local hour of the day of each instant (UTC seconds), found the same way."""
        hours: list[int] = []
        append = hours.append
        low = high = offset = 0.0
        for ts in stamps:
            if not low <= ts < high:
                _, low, high, offset = self._span(ts)
            append(int((ts + offset) // 3600 % 24))
        return hours

    def _span(self, ts: float) -> tuple[int, float, float, float]:
        """The study day of `ts`, instants around it all on that day with one UTC offset (the
        whole day, or only ts's quarter hour on a day whose offset changes), and the offset."""
        day = self.day(ts)
        low = self.start(day).timestamp()
        high = self.start(day + 1).timestamp()
        first = self._local(low).utcoffset()
        if low <= ts < high and first is not None and first == self._local(high - 1).utcoffset():
            return day, low, high, first.total_seconds()
        quarter = ts // 900 * 900
        offset = self._local(quarter).utcoffset()
        return day, quarter, quarter + 900, offset.total_seconds() if offset else 0.0


def days_back(range_name: str) -> int | None:
    if range_name not in RANGES:
        raise ValueError(f"range must be one of {', '.join(RANGES)}")
    return RANGES[range_name]


def in_range(dated: Dated, today: int, range_name: str) -> Dated:
    """The reviews of the range's last N study days, today included (all of them up to today
    for "all": a grade dated after today, by a clock set wrong, is in no range)."""
    days = days_back(range_name)
    return dated.between(None if days is None else today - days + 1, today)
