"""Am I keeping up: today's work, the streaks, the calendar heatmap and the grades of each day.

Counts of grades per study day, apart from what the grades say about memory (retention.py) and from
what is coming (forecast.py).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import date
from typing import Any

from flashprep.core.stats.retention import RATING_NAMES, pass_rate
from flashprep.core.stats.studydays import Dated, days_back

HEATMAP_WEEKS = 52


def today_figures(dated: Dated, today: int) -> dict[str, Any]:
    """Today's work: grades, new cards, time, seconds per card, the four ratings, correct share."""
    h = dated.between(today, today).reviews
    graded, new, ms = len(h), sum(h.new), sum(h.ms)
    counted = Counter(h.rating)
    ratings = [counted[rating] for rating in (1, 2, 3, 4)]
    return {
        "reviews_today": graded,
        "new_today": new,
        "time_today_s": round(ms / 1000, 1),
        "seconds_per_card_today": round(ms / 1000 / graded, 1) if graded else None,
        "correct_today": pass_rate(graded - ratings[0], ratings[0]),
        "ratings": dict(zip(RATING_NAMES, ratings, strict=True)),
    }


def study_days(dated: Dated) -> Counter[int]:
    """Grades per study day (date ordinal)."""
    return Counter(dated.days)


def streaks(per_day: Mapping[int, int], today: int) -> tuple[int, int]:
    """(current, longest) runs of consecutive study days with a grade. Today not yet studied does
    not break the current streak: it counts back from yesterday until today is over."""
    days = sorted(d for d, n in per_day.items() if n and d <= today)
    longest = run = 0
    previous = None
    for d in days:
        run = run + 1 if previous is not None and d == previous + 1 else 1
        longest = max(longest, run)
        previous = d
    current = 0
    day = today if per_day.get(today) else today - 1
    while per_day.get(day):
        current += 1
        day -= 1
    return current, longest


def heatmap(
    per_day: Mapping[int, int], today: int, weeks: int = HEATMAP_WEEKS
) -> list[dict[str, Any]]:
    """Grades per day for the calendar: `weeks` whole weeks (Monday first) ending with this one."""
    first = today - date.fromordinal(today).weekday() - (weeks - 1) * 7
    return [
        {"date": date.fromordinal(d).isoformat(), "reviews": per_day.get(d, 0)}
        for d in range(first, today + 1)
    ]


def reviews_by_day(dated: Dated, today: int, range_name: str) -> list[dict[str, Any]]:
    """Every study day of the range (from the first grade, for "all") with its grades split by
    the card's state before it (learn, review, relearn) and the time spent."""
    kinds = Counter(zip(dated.days, dated.reviews.kind, strict=True))
    ms: dict[int, int] = defaultdict(int)
    for day, spent in zip(dated.days, dated.reviews.ms, strict=True):
        ms[day] += spent
    days = days_back(range_name)
    first = today - days + 1 if days is not None else min(ms, default=today)
    return [
        {
            "date": date.fromordinal(d).isoformat(),
            "learn": kinds[(d, "learn")],
            "review": kinds[(d, "review")],
            "relearn": kinds[(d, "relearn")],
            "time_s": round(ms.get(d, 0) / 1000, 1),
        }
        for d in range(first, today + 1)
    ]
