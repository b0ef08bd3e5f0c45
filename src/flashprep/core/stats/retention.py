"""What I remember: true retention (as Anki counts it), the answer buttons, the grades by hour.

What the grades say about memory, apart from how many there were (activity.py). The pass rate and
the rating names defined here are shared with the day figures (activity.py) and readiness.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from itertools import groupby
from operator import and_
from typing import Any

from flashprep.core.stats.history import MATURE_DAYS, History, Review
from flashprep.core.stats.studydays import Calendar, Dated

PERIODS: dict[str, tuple[int, int]] = {
    "today": (0, 0),
    "yesterday": (1, 1),
    "week": (6, 0),
    "month": (29, 0),
    "year": (364, 0),
}
"""Retention periods as (first, last) days back from today; "all_time" covers everything."""
RATING_NAMES = ("again", "hard", "good", "easy")


def pass_rate(passed: int, failed: int) -> float | None:
    """passed / (passed + failed), rounded; None without any grade."""
    total = passed + failed
    return round(passed / total, 4) if total else None


def retention_samples(dated: Dated) -> Dated:
    """True retention counts, as Anki does, the first grade of a card on each study day, when the
    card was in review (it had an interval of a day or more): Again is a fail, the rest a pass."""
    h = dated.reviews
    if dated.ordered:
        keep = _first_of_day(h.card, dated.days)
        return dated.only(list(map(and_, keep, map("review".__eq__, h.kind))))
    last_day: dict[str, int] = {}
    keep = []
    for card, day, kind in zip(h.card, dated.days, h.kind, strict=True):
        if last_day.get(card) == day:
            keep.append(False)
        else:
            last_day[card] = day
            keep.append(kind == "review")
    return dated.only(keep)


def _first_of_day(cards: list[str], days: list[int]) -> list[bool]:
    """Whether each grade is its card's first of the study day, for days that never go back:
    each day is a run, and a dict of the run's cards, filled newest first, keeps the index of
    each card's first grade (a million grades: no Python step per grade but the marking)."""
    first = [False] * len(days)
    start = 0
    for _, run in groupby(days):
        end = start + sum(1 for _ in run)
        run_cards = reversed(cards[start:end])
        for index in dict(zip(run_cards, range(end - 1, start - 1, -1), strict=True)).values():
            first[index] = True
        start = end
    return first


def _retention_cell(young: list[int], mature: list[int]) -> dict[str, Any]:
    def cell(passed: int, failed: int) -> dict[str, Any]:
        return {"passed": passed, "failed": failed, "rate": pass_rate(passed, failed)}

    return {
        "young": cell(*young),
        "mature": cell(*mature),
        "all": cell(young[0] + mature[0], young[1] + mature[1]),
    }


def true_retention(samples: Dated, today: int) -> dict[str, Any]:
    """The true retention table: today, yesterday, last 7, 30 and 365 days, all time; each with
    young, mature and all cards: passed, failed and the pass rate (None without any sample)."""
    h = samples.reviews
    matures = map(MATURE_DAYS.__le__, h.interval)  # interval >= MATURE_DAYS
    fails = map((1).__eq__, h.rating)  # rating == 1
    per_day = Counter(zip(samples.days, matures, fails, strict=True))
    names = [*PERIODS, "all_time"]
    cells = {n: ([0, 0], [0, 0]) for n in names}
    for (day, mature, failed), n in per_day.items():
        back = today - day
        for name, (oldest, newest) in PERIODS.items():
            if newest <= back <= oldest:
                cells[name][mature][failed] += n
        cells["all_time"][mature][failed] += n
    return {n: _retention_cell(*cells[n]) for n in names}


def answer_buttons(reviews: Iterable[Review]) -> dict[str, dict[str, int]]:
    """How often each rating was chosen, for learning (and relearning), young and mature cards."""
    h = History.of(reviews)
    groups = [
        0 if kind != "review" else 1 + (interval >= MATURE_DAYS)
        for kind, interval in zip(h.kind, h.interval, strict=True)
    ]
    counts = Counter(zip(groups, h.rating, strict=True))
    return {
        group: {name: counts[(index, rating)] for rating, name in enumerate(RATING_NAMES, 1)}
        for index, group in enumerate(("learn", "young", "mature"))
    }


def hours(reviews: Iterable[Review], cal: Calendar) -> list[dict[str, Any]]:
    """Grades by local hour of the day, and the share of them that were not Again."""
    history = History.of(reviews)
    hour_of = cal.hours_of(history.ts)
    counts = Counter(zip(hour_of, [rating == 1 for rating in history.rating], strict=True))
    out = []
    for h in range(24):
        passed, failed = counts[(h, False)], counts[(h, True)]
        out.append({"hour": h, "reviews": passed + failed, "correct": pass_rate(passed, failed)})
    return out
