"""The report's figures of each card, in one walk over the cards' states.

The report asks ten things of every card: the counts by state, the recall now, what is due today,
the forecast and the daily load, the cards by state (young, mature...), the hardest cards and the
leeches. At 50,000 cards a walk over their states costs about 50 ms of Python, and ten walks half
a second: here each state is looked up and classified once. The forecast's dating of the dues
(`forecast.due_days`) and the sorting of the rows are done after the walk.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flashprep.core.scheduling.scheduler import CardState, Scheduler
from flashprep.core.stats.forecast import FORECAST_DAYS, due_days, interval_days
from flashprep.core.stats.history import MATURE_DAYS
from flashprep.core.stats.studydays import Calendar
from flashprep.core.study.drill import DeckCounts, is_buried
from flashprep.core.study.leech import is_leech

HARDEST = 10


@dataclass
class CardFigures:
    counts: DeckCounts
    """The cards by state, as study.drill.count_states counts them."""
    recall: dict[str, float]
    """The recall now of each studied card, as readiness.recall_now gives it."""
    due: set[str]
    """The studied cards available today and due before today ends."""
    due_now: int
    """Of those, the ones due at this instant already."""
    forecast: list[dict[str, Any]]
    """Cards due on each of the next days (see forecast.due_days)."""
    load: float
    """The reviews a day the cards now studied ask for in the long run (the sum of 1 / interval,
    as in Anki), rounded."""
    states: dict[str, int]
    """Cards by state: new, learning (and relearning), young and mature reviews (interval under
    or at least 21 days), suspended, buried (for today)."""
    hardest: list[str]
    """The cards that trouble you most: most lapses, then most Agains, then lowest recall now;
    only cards failed at least once or recalled now below the desired retention."""
    leeches: list[str]
    """The cards that lapsed as many times as the user's leech setting or more (study/leech.py),
    most lapses first, then in deck order."""


def walk_cards(
    keys: list[str],
    states: Mapping[str, CardState],
    cal: Calendar,
    scheduler: Scheduler,
    failed: set[str],
    agains: Mapping[str, int],
    leech_lapses: int,
    hardest: int = HARDEST,
    days: int = FORECAST_DAYS,
) -> CardFigures:
    """Every per-card figure of the report for the cards `keys` (the states of others are not
    looked at). `failed`: the cards whose last grade was Again (readiness.forgotten), whose
    recall now is 0; `agains`: the Again grades of each card."""
    now = cal.now
    today = cal.today
    end = cal.start(today + 1)
    horizon = cal.start(today + days)
    desired = scheduler.settings.desired_retention
    retrievability = scheduler.retrievability
    new = due_count = learning = review = suspended = buried = 0
    young = mature = 0
    recall: dict[str, float] = {}
    due: set[str] = set()
    due_now = 0
    load = 0.0
    due_at: list[float] = []
    buried_on: list[int] = []
    candidates: list[tuple[int, int, float, str]] = []
    leeches: list[tuple[int, str]] = []
    get = states.get
    for key in keys:
        state = get(key)
        if state is None:
            new += 1
            continue
        lapses = state.lapses
        if lapses and is_leech(lapses, leech_lapses):
            leeches.append((-lapses, key))
        kind = state.state
        until = state.buried_until
        at = state.due
        if state.suspended:
            suspended += 1
            if kind == "new":
                continue
        else:
            interval = interval_days(state)
            if until is not None and is_buried(state, today):
                buried += 1
            elif kind == "new":
                new += 1
            else:
                if kind == "review":
                    review += 1
                    if interval >= MATURE_DAYS:
                        mature += 1
                    else:
                        young += 1
                else:
                    learning += 1
                if at is not None and at < end:
                    due_count += 1
                    due.add(key)
                    due_now += at <= now
            if kind == "new":
                continue
            if at is not None:  # the forecast: studied cards not suspended
                load += 1 / max(1.0, interval)
                if at < horizon:  # (only these are dated)
                    due_at.append(at.timestamp())
                    buried_on.append(until.toordinal() if until is not None else 0)
        r = recall[key] = 0.0 if key in failed else retrievability(state, now)
        failures = agains.get(key, 0)
        if lapses or failures or r < desired:
            candidates.append((-lapses, -failures, r, key))
    counts = DeckCounts(len(keys), new, due_count, learning, review, suspended, buried)
    by_state = {
        "new": new,
        "learning": learning,
        "young": young,
        "mature": mature,
        "suspended": suspended,
        "buried": buried,
    }
    leeches.sort(key=lambda pair: pair[0])  # stable: deck order among equals
    return CardFigures(
        counts,
        recall,
        due,
        due_now,
        due_days(due_at, buried_on, cal, days),
        round(load, 1),
        by_state,
        [key for *_, key in heapq.nsmallest(hardest, candidates)],
        [key for _, key in leeches],
    )
