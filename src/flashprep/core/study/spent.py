"""What each deck already used of today's limits: new cards introduced and reviews done today.

The schedule keeps today's counts for the user as a whole (storage/replay.DayCounts); per-deck
limits need them per deck, so they are read from today's part of the review log, only when a
drilled deck has a limit of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import NamedTuple

from flashprep.core.clock import day_start
from flashprep.core.keys import deck_of
from flashprep.core.scheduling.scheduler import CardState
from flashprep.core.storage.logread import device_logs, merge_devices, read_log
from flashprep.core.storage.reviewlog import LogEntry, month_file
from flashprep.core.storage.userstore import UserStore

UNSCHEDULED = ("mock", "practice")
"""Modes whose grades leave the schedule (and the day's limits) alone."""


class Spent(NamedTuple):
    new: int = 0
    reviews: int = 0


def spent_by_deck(
    entries: Iterable[LogEntry], state: Callable[[str], CardState]
) -> dict[str, Spent]:
    """Per deck, the cards first graded today and the other cards graded today.

    `entries` are today's, oldest first; `state` gives a card's state now. A card whose grades
    since it was last forgotten all fall today (its `reps`) was new this morning; any other card
    graded today counts once as a review (a card relearning since yesterday counts too).
    """
    grades: dict[str, int] = {}
    for entry in entries:
        if entry.mode in UNSCHEDULED:
            continue
        if entry.action == "forget":
            grades[entry.card] = 0
        elif entry.is_grade:
            grades[entry.card] = grades.get(entry.card, 0) + 1
    out: dict[str, Spent] = {}
    for key, n in grades.items():
        if not n:
            continue
        deck = deck_of(key)
        new, reviews = out.get(deck, Spent())
        if state(key).reps == n:
            out[deck] = Spent(new + 1, reviews)
        else:
            out[deck] = Spent(new, reviews + 1)
    return out


def today_entries(store: UserStore, now: datetime | None = None) -> list[LogEntry]:
    """The log entries of the user's study day so far (one or two month files are read)."""
    now = now or store.now()
    start = day_start(store.today(now), store.rollover, store.tz)
    names = set(dict.fromkeys((month_file(start), month_file(now))))
    logs: dict[str, list[LogEntry]] = {}
    for device, files in device_logs(store.paths.reviews).items():  # every computer's
        logs[device] = [
            e for path in files if path.name in names for e in read_log(path)[0] if e.at >= start
        ]
    return list(merge_devices(logs))


def spent_today(store: UserStore) -> dict[str, Spent]:
    """spent_by_deck for the user's study day so far."""
    return spent_by_deck(today_entries(store), store.state)
