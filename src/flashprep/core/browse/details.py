"""Everything about one card: its text, its schedule now, and its whole history.

The history is read from the log for this card alone (`storage.cardlog`) and replayed through
`apply_entry` with the user's scheduler and day settings, so the interval shown after each grade
is the one the schedule got. Text from deck files is cleaned here, where it leaves the core.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from flashprep.core.clock import study_day, toml_instant
from flashprep.core.decks.rules import target_seconds
from flashprep.core.interview.plan import interview_instant
from flashprep.core.keys import deck_of
from flashprep.core.scheduling.scheduler import CardState
from flashprep.core.storage.cardlog import card_entries
from flashprep.core.storage.replay import APART, Schedule, apply_entry
from flashprep.core.study.drill import is_buried
from flashprep.core.text import clean, one_line

if TYPE_CHECKING:
    from flashprep.core.decks.library import DeckLibrary
    from flashprep.core.interview.stories import StoryBank
    from flashprep.core.storage.userstore import UserStore


class HistoryRow(NamedTuple):
    """One log entry of the card. `interval_days`: for a grade that changed the schedule, the
    interval it gave (due minus review, in days); else None. `rating` only for grades."""

    at: datetime
    action: str
    rating: int | None
    interval_days: float | None
    ms: int
    mode: str


def interval_of(state: CardState) -> float | None:
    """Days from a card's last review to its due time (None for a card never scheduled)."""
    if state.is_new or state.due is None or state.last_review is None:
        return None
    return (state.due - state.last_review).total_seconds() / 86400


def status_of(state: CardState, today: date) -> str:
    """What the State column shows: "suspended", "buried" (for today), else the state name."""
    if state.suspended:
        return "suspended"
    if is_buried(state, today.toordinal()):
        return "buried"
    return state.state


@dataclass(frozen=True)
class CardDetails:
    """One card's details, for the details pane and `flashprep card KEY`."""

    key: str
    deck_id: str
    deck_name: str
    front: str
    back: str
    hint: str | None
    tags: list[str]
    level: str | None
    target_seconds: int
    """The card's own target answer time, else its deck category's."""
    state: CardState
    status: str
    due: date | None
    """The study day the card is due (None for a new card)."""
    interval_days: float | None
    stability: float | None
    difficulty: float | None
    recall_now: float | None
    recall_on_date: float | None
    """Predicted recall on the interview date, at the moment the plan predicts it for (noon,
    `interview.plan.interview_instant`); None without a date, or for a new card."""
    interview_date: date | None
    reps: int
    lapses: int
    average_ms: int | None
    """Mean answer time over the grades that have one (drill and mock)."""
    history: list[HistoryRow]
    stories: list[str]
    """Titles of the STAR stories linked to the card."""

    def to_json(self) -> dict[str, Any]:
        """Plain JSON values. Keys: key, deck_id, deck_name, front, back, hint, tags, level,
        target_seconds, state ("new"|"learning"|"review"|"relearning"), status (the state, or
        "suspended"/"buried"), suspended, buried_until (date or null), due (study day,
        YYYY-MM-DD, or null), due_at (UTC instant or null), last_review (UTC instant or null),
        interval_days, stability, difficulty, recall_now, recall_on_date, interview_date,
        reps, lapses, average_ms, stories (titles), history: a list of {at (UTC instant),
        action, rating, interval_days, ms, mode}, oldest first. Missing values are null."""
        s = self.state
        return {
            "key": self.key,
            "deck_id": self.deck_id,
            "deck_name": self.deck_name,
            "front": self.front,
            "back": self.back,
            "hint": self.hint,
            "tags": list(self.tags),
            "level": self.level,
            "target_seconds": self.target_seconds,
            "state": s.state,
            "status": self.status,
            "suspended": s.suspended,
            "buried_until": _iso(s.buried_until),
            "due": _iso(self.due),
            "due_at": _instant(s.due),
            "last_review": _instant(s.last_review),
            "interval_days": self.interval_days,
            "stability": self.stability,
            "difficulty": self.difficulty,
            "recall_now": self.recall_now,
            "recall_on_date": self.recall_on_date,
            "interview_date": _iso(self.interview_date),
            "reps": self.reps,
            "lapses": self.lapses,
            "average_ms": self.average_ms,
            "stories": list(self.stories),
            "history": [
                {
                    "at": toml_instant(row.at),
                    "action": row.action,
                    "rating": row.rating,
                    "interval_days": row.interval_days,
                    "ms": row.ms,
                    "mode": row.mode,
                }
                for row in self.history
            ],
        }


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _instant(at: datetime | None) -> str | None:
    return None if at is None else toml_instant(at)


def card_details(
    library: DeckLibrary, store: UserStore, key: str, stories: StoryBank | None = None
) -> CardDetails:
    """The details of card `key`; KeyError when no deck of the library holds it."""
    record = library.text(key)
    loaded = library.get(deck_of(key))
    if record is None or loaded is None:
        raise KeyError(key)
    state = store.state(key)
    now = store.now()
    today = store.today(now)
    history = _history(store, key)
    timed = [row.ms for row in history if row.action == "grade" and row.ms > 0]
    plan = store.settings.interview
    interview = plan.date if plan is not None else None
    scheduled = not state.is_new
    recall_on_date = None
    if scheduled and interview is not None:
        at = interview_instant(interview, store.tz)  # the moment the plan predicts for
        recall_on_date = store.scheduler.retrievability(state, at)
    return CardDetails(
        key=key,
        deck_id=loaded.id,
        deck_name=one_line(loaded.name),
        front=clean(record.front),
        back=clean(record.back),
        hint=None if record.hint is None else clean(record.hint),
        tags=[one_line(tag) for tag in record.tags],
        level=record.level,
        target_seconds=target_seconds(record, loaded.category),
        state=state,
        status=status_of(state, today),
        due=study_day(state.due, store.rollover, store.tz) if scheduled and state.due else None,
        interval_days=interval_of(state),
        stability=state.stability,
        difficulty=state.difficulty,
        recall_now=store.scheduler.retrievability(state, now) if scheduled else None,
        recall_on_date=recall_on_date,
        interview_date=interview,
        reps=state.reps,
        lapses=state.lapses,
        average_ms=round(sum(timed) / len(timed)) if timed else None,
        history=history,
        stories=[one_line(s.title) for s in stories.for_question(key)]
        if stories is not None
        else [],
    )


def _history(store: UserStore, key: str) -> list[HistoryRow]:
    """The card's log entries, each with the interval a grade gave (replayed as the store does)."""
    replayed = Schedule()
    rows: list[HistoryRow] = []
    for entry in card_entries(store.paths.reviews, key):
        apply_entry(store.scheduler, replayed, entry, store.rollover, store.tz)
        interval = None
        if entry.is_grade and entry.mode not in APART:  # mock and practice change nothing
            interval = interval_of(replayed.state(key))
        rows.append(
            HistoryRow(entry.at, entry.action, entry.rating, interval, entry.ms, entry.mode)
        )
    return rows
