"""Statistics: am I keeping up, what do I remember, which topics are weak, what is coming.

Pure functions of the review history (stats/history.py), the card states, the decks and the instant
`now`, in the user's study days (local time zone, day starting at the rollover hour). The CLI prints
the result of `compute_stats` as JSON; the statistics screen draws the same data.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from itertools import compress
from typing import Any, Literal

from flashprep.core.clock import day_start, study_day
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.keys import deck_of
from flashprep.core.scheduling.scheduler import CardState, Scheduler
from flashprep.core.stats.history import MATURE_DAYS, History, Review
from flashprep.core.stats.ranges import RANGES
from flashprep.core.study.drill import count_states, is_available
from flashprep.core.text import clean

Range = Literal["month", "3months", "year", "all"]
PERIODS: dict[str, tuple[int, int]] = {
    "today": (0, 0),
    "yesterday": (1, 1),
    "week": (6, 0),
    "month": (29, 0),
    "year": (364, 0),
}
"""Retention periods as (first, last) days back from today; "all_time" covers everything."""
HEATMAP_WEEKS = 52
FORECAST_DAYS = 30
HARDEST = 10
RATING_NAMES = ("again", "hard", "good", "easy")


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


def _rate(passed: int, failed: int) -> float | None:
    total = passed + failed
    return round(passed / total, 4) if total else None


def _days_back(range_name: str) -> int | None:
    if range_name not in RANGES:
        raise ValueError(f"range must be one of {', '.join(RANGES)}")
    return RANGES[range_name]


def in_range(dated: Dated, today: int, range_name: str) -> Dated:
    """The reviews of the range's last N study days, today included (all of them up to today
    for "all": a grade dated after today, by a clock set wrong, is in no range)."""
    days = _days_back(range_name)
    return dated.between(None if days is None else today - days + 1, today)


# --- today, streaks, calendar ---------------------------------------------------------------------


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
        "correct_today": _rate(graded - ratings[0], ratings[0]),
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
    days = _days_back(range_name)
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


# --- what is coming, and where every card is ------------------------------------------------------


def interval_days(state: CardState) -> float:
    """The interval a card is scheduled for, in days (0 for new cards)."""
    if state.due is None or state.last_review is None:
        return 0.0
    return max(0.0, (state.due - state.last_review).total_seconds() / 86400)


def forecast(
    keys: Iterable[str], states: Mapping[str, CardState], cal: Calendar, days: int = FORECAST_DAYS
) -> tuple[list[dict[str, Any]], float]:
    """Cards due on each of the next `days` study days (today holds the overdue ones; a card
    buried today counts tomorrow) and the daily load: the reviews a day the cards now studied
    ask for in the long run (the sum of 1 / interval, as in Anki)."""
    counts = [0] * days
    load = 0.0
    due_at: list[float] = []
    buried: list[int] = []
    for key in keys:
        state = states.get(key)
        if state is None or state.state == "new" or state.suspended or state.due is None:
            continue
        load += 1 / max(1.0, interval_days(state))
        due_at.append(state.due.timestamp())
        buried.append(state.buried_until.toordinal() if state.buried_until is not None else 0)
    order = sorted(range(len(due_at)), key=due_at.__getitem__)  # a day's cards in a run
    due_days = cal.days_of([due_at[i] for i in order])
    for index, due_day in zip(order, due_days, strict=True):
        day = max(due_day, cal.today, buried[index])
        if day - cal.today < days:
            counts[day - cal.today] += 1
    out = [
        {"date": date.fromordinal(cal.today + i).isoformat(), "due": n}
        for i, n in enumerate(counts)
    ]
    return out, round(load, 1)


def card_states(
    keys: Iterable[str], states: Mapping[str, CardState], cal: Calendar
) -> dict[str, int]:
    """Cards by state: new, learning (and relearning), young and mature reviews (interval under
    or at least 21 days), suspended, buried (for today)."""
    out = dict.fromkeys(("new", "learning", "young", "mature", "suspended", "buried"), 0)
    for key in keys:
        state = states.get(key)
        if state is None:
            out["new"] += 1
        elif state.suspended:
            out["suspended"] += 1
        elif not is_available(state, cal.today):
            out["buried"] += 1
        elif state.is_new:
            out["new"] += 1
        elif state.state == "review":
            out["mature" if interval_days(state) >= MATURE_DAYS else "young"] += 1
        else:
            out["learning"] += 1
    return out


# --- what I remember ------------------------------------------------------------------------------


def retention_samples(dated: Dated) -> Dated:
    """True retention counts, as Anki does, the first grade of a card on each study day, when the
    card was in review (it had an interval of a day or more): Again is a fail, the rest a pass."""
    h = dated.reviews
    last_day: dict[str, int] = {}
    keep = []
    for card, day, kind in zip(h.card, dated.days, h.kind, strict=True):
        if last_day.get(card) == day:
            keep.append(False)
        else:
            last_day[card] = day
            keep.append(kind == "review")
    return dated.only(keep)


def _retention_cell(young: list[int], mature: list[int]) -> dict[str, Any]:
    def cell(passed: int, failed: int) -> dict[str, Any]:
        return {"passed": passed, "failed": failed, "rate": _rate(passed, failed)}

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
        out.append({"hour": h, "reviews": passed + failed, "correct": _rate(passed, failed)})
    return out


# --- readiness by topic ---------------------------------------------------------------------------


def readiness(
    groups: Mapping[str, Iterable[str]],
    states: Mapping[str, CardState],
    recall: Mapping[str, float],
    due: set[str],
    samples: Iterable[Review],
) -> dict[str, dict[str, Any]]:
    """Per group of cards (a deck, a tag): cards, studied, due today, true retention over the
    samples given, `recall` = average predicted recall now (FSRS retrievability) of the studied
    cards, and `ready` = the share of all its cards you would recall now (new cards count 0)."""
    h = History.of(samples)
    again = [rating == 1 for rating in h.rating]
    failed = Counter(compress(h.card, again))
    passed = Counter(compress(h.card, [not a for a in again]))
    studied = {k for k, s in states.items() if not s.is_new}
    out = {}
    for name, members in groups.items():
        keys = list(members)
        seen = studied.intersection(keys)
        total = sum(recall.get(k, 0.0) for k in seen)
        good = sum(passed[k] for k in keys if k in passed)
        bad = sum(failed[k] for k in keys if k in failed)
        out[name] = {
            "cards": len(keys),
            "studied": len(seen),
            "due": len(due.intersection(keys)),
            "retention": _rate(good, bad),
            "recall": round(total / len(seen), 4) if seen else None,
            "ready": round(total / len(keys), 4) if keys else None,
        }
    return out


def hardest(
    keys: Iterable[str],
    states: Mapping[str, CardState],
    recall: Mapping[str, float],
    agains: Mapping[str, int],
    desired: float,
    limit: int = HARDEST,
) -> list[str]:
    """The cards that trouble you most: most lapses, then most Agains, then lowest recall now;
    only cards failed at least once or recalled now below the desired retention."""
    candidates = []
    for key in keys:
        state = states.get(key)
        if state is None or state.is_new:
            continue
        r = recall.get(key, 0.0)
        if state.lapses or agains.get(key) or r < desired:
            candidates.append((-state.lapses, -agains.get(key, 0), r, key))
    candidates.sort()
    return [key for *_, key in candidates[:limit]]


# --- everything together --------------------------------------------------------------------------


@dataclass(frozen=True)
class StatsQuery:
    """What to compute: for which instant and study days, which decks, which range."""

    now: datetime
    rollover: int = 4
    tz: tzinfo | None = None
    deck: str | None = None
    range: str = "month"


def compute_stats(
    reviews: Iterable[Review],
    states: Mapping[str, CardState],
    library: DeckLibrary,
    scheduler: Scheduler,
    query: StatsQuery,
    user: str = "",
) -> dict[str, Any]:
    """Every statistic, as JSON-ready data (the keys are documented in README.md).

    `reviews` is best a History (as HistoryReader.load gives it); Reviews will do."""
    cal = Calendar(query.now, query.rollover, query.tz)
    today = cal.today
    deck_ids = [query.deck] if query.deck is not None else list(library.decks)
    keys = library.card_keys(deck_ids)
    history = History.of(reviews)
    if query.deck is not None:
        prefix = f"{query.deck}/"
        history = history.select([card.startswith(prefix) for card in history.card])
    dated = cal.dated(history)
    ranged = in_range(dated, today, query.range)
    per_day = study_days(dated)
    current, longest = streaks(per_day, today)
    counts = count_states(keys, states, query.now, query.rollover, query.tz)
    end_of_today = cal.start(today + 1)
    due_now = 0
    due: set[str] = set()
    recall: dict[str, float] = {}
    for key in keys:
        s = states.get(key)
        if s is None or s.is_new:
            continue
        recall[key] = scheduler.retrievability(s, query.now)
        if s.due is not None and is_available(s, today) and s.due < end_of_today:
            due.add(key)
            due_now += s.due <= query.now
    samples = retention_samples(dated)
    samples_in_range = in_range(samples, today, query.range).reviews
    upcoming, load = forecast(keys, states, cal)
    total_ms = sum(ranged.reviews.ms)
    studied_days = len(set(ranged.days))
    span = RANGES[query.range] or max(1, today - min(per_day, default=today) + 1)
    n_ranged = len(ranged.reviews)

    tags: dict[str, list[str]] = defaultdict(list)
    decks: dict[str, list[str]] = {}
    for deck_id in deck_ids:
        loaded = library.decks[deck_id]
        decks[deck_id] = list(loaded.card_keys)
        for tag, keys_of_tag in loaded.tagged().items():
            tags[tag] += keys_of_tag
    by_deck = readiness(decks, states, recall, due, samples_in_range)
    by_tag = readiness(dict(sorted(tags.items())), states, recall, due, samples_in_range)
    agains = Counter(compress(dated.reviews.card, [rating == 1 for rating in dated.reviews.rating]))
    hard = hardest(keys, states, recall, agains, scheduler.settings.desired_retention)

    return {
        "user": user,
        "deck": query.deck,
        "range": query.range,
        "cards": counts.total,
        "new": counts.new,
        "learning": counts.learning,
        "review": counts.review,
        "suspended": counts.suspended,
        "buried": counts.buried,
        "due_now": due_now,
        "due_today": counts.due,
        "reviews_total": len(dated.reviews),
        **today_figures(dated, today),
        "streak_days": current,
        "longest_streak_days": longest,
        "heatmap": heatmap(per_day, today),
        "reviews_by_day": reviews_by_day(ranged, today, query.range),
        "range_summary": {
            "days": span,
            "days_studied": studied_days,
            "reviews": n_ranged,
            "time_s": round(total_ms / 1000, 1),
            "reviews_per_day": round(n_ranged / span, 1) if span else 0.0,
        },
        "forecast": upcoming,
        "daily_load": load,
        "states": card_states(keys, states, cal),
        "retention": true_retention(samples, today),
        "buttons": answer_buttons(ranged.reviews),
        "answer_seconds": round(total_ms / 1000 / n_ranged, 1) if n_ranged else None,
        "hours": hours(ranged.reviews, cal),
        "by_deck": [{"id": d, "name": library.decks[d].name, **by_deck[d]} for d in deck_ids],
        "by_tag": [{"tag": t, **row} for t, row in by_tag.items()],
        "hardest": [_hard_row(key, states[key], recall[key], agains, library) for key in hard],
    }


def _hard_row(
    key: str, state: CardState, recall: float, agains: Mapping[str, int], library: DeckLibrary
) -> dict[str, Any]:
    card = library.text(key)
    return {
        "card": key,
        "deck": deck_of(key),
        "front": clean(card.front) if card is not None else "",
        "lapses": state.lapses,
        "agains": agains.get(key, 0),
        "reps": state.reps,
        "recall": round(recall, 4),
        "difficulty": round(state.difficulty, 2) if state.difficulty is not None else None,
    }
