"""Custom study: what a drill may be asked for beyond the day's normal queue.

- more new cards today (`extra_new`): the allowance belongs to the drill it was asked for (the
  sitting), not to a file: nothing to keep, expire or repair, and asking again is one key away;
- review ahead (`ahead_days`): cards due in the next days, most due first, graded as usual;
- practice (`practice`): any cards, drilled without changing their schedule (logged with mode
  "practice", which the replay skips, as it skips mock rounds);
- exactly some cards (`keys`), e.g. those a search found.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, tzinfo
from typing import NamedTuple

from flashprep.core.clock import day_end
from flashprep.core.scheduling.scheduler import CardState

PRACTICE_AGAIN_GAP = 3
"""In practice, a card failed with Again comes back after this many other cards."""


class DrillOptions(NamedTuple):
    extra_new: int = 0
    """New cards allowed on top of today's limits, for this drill."""
    ahead_days: int = 0
    """Review ahead: the cards due before the end of the study day this many days on."""
    practice: bool = False
    """Grades are logged apart and leave the schedule alone."""
    keys: tuple[str, ...] | None = None
    """Exactly these cards (e.g. a search's), in this order; None: the decks' cards."""

    @property
    def custom(self) -> bool:
        return bool(self.ahead_days or self.practice)


def ahead_keys(
    keys: Iterable[str],
    states: Mapping[str, CardState],
    today: date,
    days: int,
    rollover: int,
    tz: tzinfo | None,
) -> list[str]:
    """Cards already studied that are due before the end of the study day `days` days after
    `today`, not suspended or buried, most due first."""
    until = day_end(today + timedelta(days=days), rollover, tz)
    today_ord = today.toordinal()
    due: list[tuple[datetime, str]] = []
    for key in keys:
        state = states.get(key)
        if state is None or state.is_new or state.due is None or state.suspended:
            continue
        if state.buried_until is not None and state.buried_until.toordinal() > today_ord:
            continue
        if state.due < until:
            due.append((state.due, key))
    due.sort()
    return [key for _, key in due]


def requeue_at(queue: list[str], key: str, gap: int = PRACTICE_AGAIN_GAP) -> None:
    """Put `key` back `gap` cards into the queue (at its end when shorter)."""
    queue.insert(min(gap, len(queue)), key)
