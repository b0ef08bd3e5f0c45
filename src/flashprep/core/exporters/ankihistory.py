"""A user's schedule and reviews of one deck as Anki keeps them: card rows and the review log.

The log is replayed through the one path the schedule is built by (`storage.replay.apply_entry`),
keeping each grade's state before and after, which Anki's review log records as the previous and
new interval, the kind of review and the FSRS difficulty. Each card's current state becomes its
Anki row: queue, type, due (days since the collection's creation for a review, seconds for an
intraday learning step), interval, and the FSRS memory state in its `data` (`s`, `d`, `lrt`), so
that Anki with FSRS on shows the card where flashprep left it.

Mock rounds and practice grades leave the schedule alone and are not exported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from flashprep.core.clock import study_day
from flashprep.core.keys import card_key
from flashprep.core.scheduling.scheduler import NEW, CardState
from flashprep.core.storage.logread import read_all
from flashprep.core.storage.replay import Schedule, apply_entry
from flashprep.core.storage.reviewlog import LogEntry
from flashprep.core.storage.userstore import UserStore

TODAY_INDEX = 1000
"""The day the package is written, counted in days since the collection's creation (`col.crt`):
review cards are due so many days after it, overdue ones before it."""
MAX_ANSWER_MS = 60_000 * 60
"""Anki's review log keeps answer times as a 32-bit count of ms; flashprep's are capped lower."""

CardRow = tuple[int, int, int, int, int, int, int, int, str]
"""type, queue, due, ivl, factor, reps, lapses, left, data."""
RevlogRow = tuple[int, int, int, int, int, int, int, int]
"""id, cid, ease, ivl, lastIvl, factor, time, type."""


def _days(span: timedelta) -> int:
    return max(1, round(span.total_seconds() / 86400))


def _interval(state: CardState, at: datetime) -> int:
    """Anki's interval of a state: whole days in review, minus the seconds to a learning step."""
    if state.is_new or state.due is None:
        return 0
    if state.state == "review":
        return _days(state.due - (state.last_review or at))
    return -max(1, int((state.due - at).total_seconds()))


def _factor(state: CardState) -> int:
    """Anki's review-log factor under FSRS: the difficulty (1-10) as 100-1100."""
    if state.difficulty is None:
        return 0
    return round((state.difficulty - 1) / 9 * 1000) + 100


_KIND = {"new": 0, "learning": 0, "review": 1, "relearning": 2}
"""The review log's type from the state before a grade: learning, review, relearning."""


@dataclass
class PackageHistory:
    """One user's schedule and reviews of a deck's cards (by card id), ready to write."""

    owner: str
    today: date
    rollover: int
    tz: tzinfo | None
    now: datetime
    states: dict[str, CardState] = field(default_factory=dict)
    grades: list[tuple[str, LogEntry, CardState, CardState]] = field(default_factory=list)
    forgets: list[tuple[str, LogEntry]] = field(default_factory=list)

    @property
    def crt(self) -> int:
        """The collection's creation time: noon (UTC) TODAY_INDEX days before today."""
        day = self.today - timedelta(days=TODAY_INDEX)
        return int(datetime.combine(day, time(12), UTC).timestamp())

    def _day_index(self, at: datetime) -> int:
        return TODAY_INDEX + (study_day(at, self.rollover, self.tz) - self.today).days

    def card_row(self, card_id: str, position: int) -> CardRow | None:
        """The card's Anki scheduling columns, or None for a card never studied."""
        state = self.states.get(card_id)
        if state is None or state == NEW:
            return None
        queue_off = -1 if state.suspended else None
        if state.is_new or state.due is None:
            return (0, queue_off or 0, position, 0, 0, 0, 0, 0, "")
        data: dict[str, float | int] = {}
        if state.stability is not None and state.difficulty is not None:
            data = {"s": round(state.stability, 4), "d": round(state.difficulty, 4)}
        if state.last_review is not None:
            data["lrt"] = int(state.last_review.timestamp())
        blob = json.dumps(data, separators=(",", ":")) if data else ""
        ivl = _interval(state, self.now)
        if state.state == "review":
            queue, due, kind, left = 2, self._day_index(state.due), 2, 0
        else:
            kind, left = (1 if state.state == "learning" else 3), 1
            if state.due - self.now < timedelta(days=1):
                queue, due = 1, int(state.due.timestamp())
            else:  # a step longer than a day: due on a day, as Anki's interday learning
                queue, due = 3, self._day_index(state.due)
            ivl = 0
        queue = queue if queue_off is None else queue_off
        return (kind, queue, due, ivl, 2500, state.reps, state.lapses, left, blob)

    def revlog_rows(self, cids: dict[str, int]) -> list[RevlogRow]:
        """Every grade (and reset) of the cards in `cids` as Anki's review log, oldest first;
        each row's id is its time in ms, moved on by a ms where two would share one."""
        rows: list[RevlogRow] = []
        for card_id, entry, before, after in self.grades:
            if card_id not in cids:
                continue
            assert entry.rating is not None
            rows.append(
                (
                    int(entry.at.timestamp() * 1000),
                    cids[card_id],
                    entry.rating,
                    _interval(after, entry.at),
                    _interval(before, entry.at),
                    _factor(after),
                    min(entry.ms, MAX_ANSWER_MS),
                    _KIND[before.state],
                )
            )
        for card_id, entry in self.forgets:
            if card_id in cids:
                rows.append((int(entry.at.timestamp() * 1000), cids[card_id], 0, 0, 0, 0, 0, 4))
        rows.sort()
        used: set[int] = set()
        unique: list[RevlogRow] = []
        for row in rows:
            ms = row[0]
            while ms in used:
                ms += 1
            used.add(ms)
            unique.append((ms, *row[1:]))
        return unique


def package_history(store: UserStore, deck_id: str, card_ids: list[str]) -> PackageHistory:
    """The user's schedule and reviews of these cards, replayed from their whole log."""
    now = store.now()
    history = PackageHistory(store.user, store.today(now), store.rollover, store.tz, now)
    by_key = {card_key(deck_id, c): c for c in card_ids}
    schedule = Schedule()
    for entry in read_all(store.paths.reviews):  # every computer's log, as one history
        card_id = by_key.get(entry.card)
        if card_id is None or entry.mode in ("mock", "practice"):
            continue
        before = schedule.states.get(entry.card, NEW)
        apply_entry(store.scheduler, schedule, entry, store.rollover, store.tz)
        if entry.action == "grade":
            after = schedule.states[entry.card]
            history.grades.append((card_id, entry, before, after))
        elif entry.action == "forget":
            history.forgets.append((card_id, entry))
    for key, state in schedule.states.items():
        history.states[by_key[key]] = state
    return history
