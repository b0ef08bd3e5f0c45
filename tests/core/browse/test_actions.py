"""Scheduling actions on chosen cards: which cards each changes, one log entry per change, one
undo step, and a dry run that writes nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from flashprep.core.browse.actions import SCHEDULE_ACTIONS, apply_schedule_action
from flashprep.core.browse.details import status_of
from flashprep.core.storage.logread import log_files, read_all
from flashprep.core.storage.userstore import UserStore

from helpers import FakeClock

Make = Callable[..., UserStore]
KINDS = ("new", "learning", "review", "suspended", "buried")
KEY = dict(zip(KINDS, ["alpha/a1", "alpha/a2", "alpha/a3", "beta/b1", "beta/b2"], strict=True))
CHANGES: dict[str, set[str]] = {
    "suspend": {"new", "learning", "review", "buried"},
    "unsuspend": {"suspended"},
    "bury": {"new", "learning", "review", "suspended"},
    "unbury": {"buried"},
    "forget": {"learning", "review", "suspended", "buried"},
    # the learning card is due again in ten minutes: already due today
    "due-today": {"review", "suspended", "buried"},
}
"""Which kinds of card each action changes."""


def prepare(store: UserStore, clock: FakeClock) -> None:
    """One card of each kind; the scheduled ones other than learning are due days from now."""
    store.grade(KEY["learning"], 3)
    for kind in ("review", "suspended", "buried"):
        store.grade(KEY[kind], 4)
    store.record(KEY["suspended"], "suspend")
    store.record(KEY["buried"], "bury")
    clock.advance(minutes=5)


def log_bytes(store: UserStore) -> bytes:
    return b"".join(path.read_bytes() for path in log_files(store.log_dir))


@pytest.fixture
def prepared(store: UserStore, clock: FakeClock) -> UserStore:
    prepare(store, clock)
    return store


def test_the_table_covers_every_action() -> None:
    assert set(CHANGES) == set(SCHEDULE_ACTIONS)


@pytest.mark.parametrize("action", SCHEDULE_ACTIONS)
def test_each_action_changes_exactly_the_cards_it_should(
    prepared: UserStore, make_store: Make, action: str
) -> None:
    store = prepared
    keys = [KEY[kind] for kind in KINDS]
    entries_before = list(read_all(store.log_dir))
    result = apply_schedule_action(store, keys, action)
    expected = [KEY[kind] for kind in KINDS if kind in CHANGES[action]]
    assert result.action == action
    assert result.changed == expected
    assert result.unchanged == [k for k in keys if k not in expected]
    new_entries = list(read_all(store.log_dir))[len(entries_before) :]
    assert [e.card for e in new_entries] == expected
    log_action = "due" if action == "due-today" else action
    assert {e.action for e in new_entries} <= {log_action}
    assert make_store().states == store.states
    again = apply_schedule_action(store, keys, action)
    assert again.changed == []  # what an action did, it need not do twice
    assert again.unchanged == keys


@pytest.mark.parametrize("kind", KINDS)
def test_each_action_leaves_the_card_as_its_name_says(
    prepared: UserStore, clock: FakeClock, kind: str
) -> None:
    store = prepared
    key = KEY[kind]
    today = store.today()
    was = store.state(key)
    apply_schedule_action(store, [key], "suspend")
    assert status_of(store.state(key), today) == "suspended"
    apply_schedule_action(store, [key], "unsuspend")
    assert not store.state(key).suspended
    apply_schedule_action(store, [key], "unbury")
    assert status_of(store.state(key), today) == was.state
    apply_schedule_action(store, [key], "bury")
    assert status_of(store.state(key), today) == "buried"
    apply_schedule_action(store, [key], "due-today")
    state = store.state(key)
    assert state.buried_until is None or state.is_new
    assert state.is_new or (state.due is not None and store.today(state.due) <= today)
    apply_schedule_action(store, [key], "forget")
    assert store.state(key).is_new and store.state(key).reps == 0
    clock.advance(days=1)
    assert status_of(store.state(key), store.today()) == "new"


def test_a_buried_card_is_free_again_the_next_day(prepared: UserStore, clock: FakeClock) -> None:
    """A bury lasts the study day: the next day, unbury has nothing to do and bury does."""
    store = prepared
    clock.advance(days=1)
    assert apply_schedule_action(store, [KEY["buried"]], "unbury").changed == []
    assert apply_schedule_action(store, [KEY["buried"]], "bury").changed == [KEY["buried"]]


def test_a_card_due_later_today_or_overdue_is_already_due(
    prepared: UserStore, clock: FakeClock
) -> None:
    store = prepared
    due = store.state(KEY["review"]).due
    assert due is not None
    clock.now = due.replace(hour=5)  # the day it is due, before its time
    assert apply_schedule_action(store, [KEY["review"]], "due-today").changed == []
    clock.advance(days=3)  # overdue
    assert apply_schedule_action(store, [KEY["review"]], "due-today").changed == []


@pytest.mark.parametrize("action", SCHEDULE_ACTIONS)
def test_a_dry_run_writes_nothing_and_tells_the_same(
    prepared: UserStore, make_store: Make, action: str
) -> None:
    store = prepared
    keys = [KEY[kind] for kind in KINDS]
    before = log_bytes(store), dict(store.states), store.next_undo
    dry = apply_schedule_action(store, keys, action, dry_run=True)
    assert (log_bytes(store), store.states, store.next_undo) == before
    assert make_store().states == before[1]
    assert apply_schedule_action(store, keys, action) == dry


@pytest.mark.parametrize("action", SCHEDULE_ACTIONS)
def test_one_undo_takes_the_whole_action_back(
    prepared: UserStore, make_store: Make, action: str
) -> None:
    store = prepared
    before = log_bytes(store), dict(store.states)
    result = apply_schedule_action(store, [KEY[kind] for kind in KINDS], action)
    assert [e.card for e in store.next_undo] == result.changed
    store.undo()
    assert (log_bytes(store), store.states) == before
    assert make_store().states == before[1]


def test_a_key_given_twice_counts_once(prepared: UserStore) -> None:
    keys = [KEY["review"], KEY["new"], KEY["review"], KEY["new"]]
    result = apply_schedule_action(prepared, keys, "suspend")
    assert result.changed == [KEY["review"], KEY["new"]] and result.unchanged == []
    assert len(prepared.next_undo) == 2


@pytest.mark.parametrize("action", ["", "due", "Suspend", "delete", "grade", "suspend "])
def test_an_unknown_action_is_refused_before_anything(prepared: UserStore, action: str) -> None:
    before = log_bytes(prepared)
    with pytest.raises(ValueError, match="unknown action"):
        apply_schedule_action(prepared, [KEY["review"]], action)
    assert log_bytes(prepared) == before


def test_nothing_to_change_writes_nothing(prepared: UserStore) -> None:
    before = log_bytes(prepared), prepared.next_undo
    result = apply_schedule_action(prepared, [KEY["new"], KEY["learning"]], "unsuspend")
    assert result.changed == []
    assert (log_bytes(prepared), prepared.next_undo) == before
    assert apply_schedule_action(prepared, [], "suspend").changed == []
