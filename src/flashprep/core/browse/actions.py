"""Scheduling actions on chosen cards (the browser, `flashprep cards --suspend ...`).

Each is a review-log action, so statistics see it and undo takes it back. Only the cards an action
would change get an entry, all in one `record_many` call: one durable append, one undo step.
"""

from __future__ import annotations

from typing import NamedTuple

from flashprep.core.clock import day_end
from flashprep.core.scheduling.scheduler import CardState
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.drill import is_buried

SCHEDULE_ACTIONS = ("suspend", "unsuspend", "bury", "unbury", "forget", "due-today")
_LOG_ACTION = {"due-today": "due"}
"""The log's name of an action, where it differs (`due`: made due now)."""


class ActionResult(NamedTuple):
    """What an action did (or, in a dry run, would do): keys changed and keys left as they were,
    each in the order given."""

    action: str
    changed: list[str]
    unchanged: list[str]


def would_change(store: UserStore, key: str, action: str) -> bool:
    """Whether `action` changes card `key`'s schedule today (an unchanged card gets no entry)."""
    if action not in SCHEDULE_ACTIONS:
        raise ValueError(f"unknown action {action!r}; one of {', '.join(SCHEDULE_ACTIONS)}")
    state = store.state(key)
    if action == "suspend":
        return not state.suspended
    if action == "unsuspend":
        return state.suspended
    if action == "forget":
        return not state.is_new
    buried = _buried_today(store, state)
    if action == "bury":
        return not buried
    if action == "unbury":
        return buried
    # due-today: a new card is always due; a scheduled one changes if it is due later than
    # today, or buried (being made due unburies it)
    if state.is_new:
        return False
    end = day_end(store.today(), store.rollover, store.tz)
    return buried or state.due is None or state.due >= end


def _buried_today(store: UserStore, state: CardState) -> bool:
    return is_buried(state, store.today().toordinal())


def apply_schedule_action(
    store: UserStore, keys: list[str], action: str, dry_run: bool = False
) -> ActionResult:
    """Apply a scheduling action to the cards that it changes; ValueError for an unknown action.

    A key given twice counts once. A dry run writes nothing and returns what would change.
    """
    if action not in SCHEDULE_ACTIONS:
        raise ValueError(f"unknown action {action!r}; one of {', '.join(SCHEDULE_ACTIONS)}")
    changed: list[str] = []
    unchanged: list[str] = []
    for key in dict.fromkeys(keys):
        (changed if would_change(store, key, action) else unchanged).append(key)
    if changed and not dry_run:
        store.record_many(changed, _LOG_ACTION.get(action, action))
    return ActionResult(action, changed, unchanged)
