"""Replaying the review log: the schedule it builds, and the one function every entry goes through.

Pure: no files. The store (storage/userstore.py) applies each live action here, the opening
replay applies the log's tail, and the statistics (stats/history.py) replay the whole history
through the same `apply_entry`, so the schedule and its history never disagree.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, NamedTuple

from flashprep.core.clock import study_day
from flashprep.core.scheduling.scheduler import NEW, RATING_OF, CardState, Scheduler

if TYPE_CHECKING:
    from flashprep.core.storage.reviewlog import LogEntry
    from flashprep.core.storage.statecache import StateColumns


class DayCounts(NamedTuple):
    """What the user did on one study day (for the daily limits and `stats`)."""

    day: date
    new: int = 0
    reviews: int = 0
    graded: int = 0
    ms: int = 0


class LogPosition(NamedTuple):
    """Where the checkpoint ends in the log: file name, byte offset, id of the last entry.

    `before` is the size of all earlier month files when the checkpoint was written (-1 when
    unknown): if an earlier file changed since (an import of old history, a restored copy), the
    checkpoint no longer matches the log and is rebuilt. It says nothing about where the log
    ends: see `same_end`.
    """

    file: str
    offset: int
    last: str
    before: int = -1


def same_end(a: LogPosition | None, b: LogPosition | None) -> bool:
    """Whether two positions are the same end of the log (whatever their `before`)."""
    return a == b if a is None or b is None else a[:3] == b[:3]


_DECODING = threading.Lock()


Top = tuple[datetime, str]
"""The latest (time, id) among a device's entries in a schedule (logread.entry_key)."""


class Schedule:
    """A user's schedule as replayed from the log: card states, today's counts, total grades, and
    where in the log it ends.

    `position` is where the log of `device` ends in it (the computer that replays it, or wrote
    its checkpoint), `ends` the same for every other device's log, and `tops` each device's
    latest entry in it: an entry of one device that sorts after every other device's top goes
    after everything replayed (see UserStore), else the union is replayed again.

    Loaded from the state cache, the card states stay in the cache's columns until first used
    (`columns`; see statecache.StateColumns): a drill's first card needs only its queue.
    """

    __slots__ = (
        "_states",
        "columns",
        "counts",
        "device",
        "ends",
        "position",
        "tops",
        "total",
        "unsorted",
    )

    def __init__(
        self,
        states: dict[str, CardState] | None = None,
        counts: DayCounts | None = None,
        total: int = 0,
        position: LogPosition | None = None,
        columns: StateColumns | None = None,
    ) -> None:
        self._states = states
        self.columns = columns if states is None else None
        """The states not yet decoded (None once `states` is used)."""
        self.counts = counts if counts is not None else DayCounts(date.min)
        self.total = total
        self.position = position
        self.device = ""
        self.ends: dict[str, LogPosition] = {}
        self.tops: dict[str, Top] = {}
        self.unsorted: set[str] = set()
        """Devices whose entries are not in (time, id) order: a clock went back there."""

    def copy_sync(self, other: Schedule) -> None:
        """Take `other`'s device, other devices' ends, tops and unsorted devices (copies)."""
        self.device, self.ends, self.tops = other.device, dict(other.ends), dict(other.tops)
        self.unsorted = set(other.unsorted)

    @property
    def states(self) -> dict[str, CardState]:
        if self._states is None:
            with _DECODING:  # one dict, even if a worker thread is the first to ask
                if self._states is None:
                    self._states = self.columns.decode() if self.columns is not None else {}
                    self.columns = None
        return self._states

    def state(self, key: str) -> CardState:
        """One card's state, without decoding the others' (NEW when it has none)."""
        columns = self.columns
        if columns is not None:
            return columns.get(key) or NEW
        return self.states.get(key, NEW)


APART = ("mock", "practice")
"""Modes whose grades are logged apart: the schedule is left alone (and the statistics too)."""


def apply_entry(
    scheduler: Scheduler, schedule: Schedule, entry: LogEntry, rollover: int, tz: tzinfo | None
) -> None:
    """Apply one log entry to the schedule. The single path for live actions and replays."""
    if entry.mode in APART:
        return
    key = entry.card
    states = schedule.states
    before = states.get(key, NEW)
    action = entry.action
    if action == "grade":
        assert entry.rating is not None
        at = entry.at
        day = study_day(at, rollover, tz)
        states[key] = scheduler.review(key, before, RATING_OF[entry.rating], at)
        schedule.total += 1
        counts = schedule.counts
        if day > counts.day:
            counts = DayCounts(day)
        if day == counts.day:
            new, review = before.state == "new", before.state == "review"
            schedule.counts = DayCounts(
                day,
                counts.new + 1 if new else counts.new,
                counts.reviews + 1 if review else counts.reviews,
                counts.graded + 1,
                counts.ms + entry.ms,
            )
        return
    if action == "bury":
        day = study_day(entry.at, rollover, tz)
        states[key] = before._replace(buried_until=day + timedelta(days=1))
    elif action == "unbury":
        states[key] = before._replace(buried_until=None)
    elif action == "due":  # made due now; a new card is due anyway and stays new
        if not before.is_new:
            states[key] = before._replace(due=entry.at, buried_until=None)
    elif action == "suspend":
        states[key] = before._replace(suspended=True)
    elif action == "unsuspend":
        states[key] = before._replace(suspended=False)
    elif action == "forget":
        states[key] = NEW._replace(suspended=before.suspended)
