"""Custom study: what a drill may be asked for beyond the day's normal queue.

- more new cards today (`extra_new`): the allowance belongs to the drill it was asked for (the
  sitting), not to a file: nothing to keep, expire or repair, and asking again is one key away;
- review ahead (`ahead_days`): cards due in the next days, most due first, graded as usual;
- practice (`practice`): any cards, drilled without changing their schedule (logged with mode
  "practice", which the replay skips, as it skips mock rounds);
- exactly some cards (`keys`), e.g. those a search found.

`custom_study` turns a choice of the custom-study dialog (or of the command line) into options;
in practice, every choice becomes its cards, drilled without changing their schedule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, tzinfo
from typing import Literal, NamedTuple

from flashprep.core.clock import day_end
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.scheduling.scheduler import CardState
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.newcards import gather_new

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


StudyKind = Literal["new", "ahead", "search"]


def custom_study(
    library: DeckLibrary,
    store: UserStore,
    deck_ids: Sequence[str] | None,
    kind: StudyKind,
    amount: int = 0,
    practice: bool = False,
    found: Sequence[str] = (),
) -> DrillOptions:
    """The options of a custom study of some decks (all when None): `amount` more new cards
    today ("new"), the cards due in the next `amount` days ("ahead"), or the cards a search
    `found` ("search"). In practice the new cards are the decks' next `amount` new ones, taken in
    turn from each deck, and the cards ahead those review ahead would bring."""
    if kind == "search":
        return DrillOptions(practice=practice, keys=tuple(found))
    if not practice:
        return DrillOptions(extra_new=amount) if kind == "new" else DrillOptions(ahead_days=amount)
    now = store.now()
    today = store.today(now)
    ids = list(deck_ids) if deck_ids is not None else list(library.decks)
    if kind == "ahead":
        cards = ahead_keys(
            library.card_keys(ids), store.states, today, amount, store.rollover, store.tz
        )
        return DrillOptions(practice=True, keys=tuple(cards))
    today_ord = today.toordinal()
    by_deck = {}
    for deck in ids:
        by_deck[deck] = [
            key
            for key in library.card_keys([deck])
            if (state := store.states.get(key)) is None
            or (state.is_new and not state.suspended and not _buried(state, today_ord))
        ]
    return DrillOptions(practice=True, keys=tuple(gather_new(by_deck, amount)))


def _buried(state: CardState, today_ord: int) -> bool:
    return state.buried_until is not None and state.buried_until.toordinal() > today_ord
