"""Custom study: more new cards today, review ahead, practice (schedule untouched, every grade on
disk), a drill of given cards, and what the summary offers when nothing is left."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from flashprep.core.clock import day_end
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.interview.opendrill import open_drill
from flashprep.core.paths import Home
from flashprep.core.scheduling.scheduler import Rating
from flashprep.core.storage.logread import log_files, read_log
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.customstudy import DrillOptions, requeue_at
from flashprep.core.study.drill import AHEAD_DAYS, Drill
from flashprep.core.study.nextsteps import EXTRA_NEW, offers

from helpers import FakeClock

Make = Callable[..., UserStore]
DECKS = ("d1", "d2", "d3")


def drain(drill: Drill, clock: FakeClock, rating: Rating = Rating.EASY) -> list[str]:
    seen = []
    while drill.current is not None:
        seen.append(drill.current)
        drill.grade(rating, 1000)
        clock.advance(seconds=10)
    return seen


def logged(store: UserStore) -> list[tuple[str, str, str]]:
    return [
        (e.card, e.action, e.mode) for path in log_files(store.log_dir) for e in read_log(path)[0]
    ]


@pytest.mark.parametrize("extra", [1, 4, 25])
def test_extra_new_cards_on_top_of_a_spent_limit(
    three: DeckLibrary, make_store: Make, clock: FakeClock, extra: int
) -> None:
    store = make_store(new_per_day=3)
    drain(Drill(three, store, list(DECKS)), clock)
    assert Drill(three, store, list(DECKS)).finished
    summary = Drill(three, store, list(DECKS)).summary()
    assert summary.new_waiting == 27 and summary.new_limit == 3
    more = Drill(three, store, list(DECKS), options=DrillOptions(extra_new=extra))
    assert more.remaining().new == min(extra, 27)
    assert more.summary().new_limit == 3 + extra


def test_the_offer_of_more_new_cards_adds_to_the_extra_already_given(
    three: DeckLibrary, make_store: Make, clock: FakeClock
) -> None:
    store = make_store(new_per_day=2)
    drill = Drill(three, store, list(DECKS))
    drain(drill, clock)
    offer = {o.key: o for o in offers(drill.summary())}["n"]
    assert offer.options.extra_new == EXTRA_NEW
    second = Drill(three, store, list(DECKS), options=offer.options)
    assert second.remaining().new == EXTRA_NEW
    drain(second, clock)
    again = {o.key: o for o in offers(second.summary())}["n"]
    third = Drill(three, store, list(DECKS), options=again.options)
    assert third.remaining().new == EXTRA_NEW  # not 0: today's count includes the first extra


def test_review_ahead_brings_cards_due_in_the_next_days_most_due_first(
    three: DeckLibrary, make_store: Make, clock: FakeClock
) -> None:
    store = make_store(new_per_day=30)
    drain(Drill(three, store, ["d1"]), clock, Rating.GOOD)
    assert Drill(three, store, ["d1"]).finished
    dues = {k: store.state(k).due for k in three.card_keys(["d1"])}
    assert all(d is not None for d in dues.values())
    summary = Drill(three, store, ["d1"]).summary()
    assert summary.ahead == sum(1 for d in dues.values() if d and d - clock.now < timedelta(8))
    by_key = {o.key: o for o in offers(summary)}
    assert by_key["r"].options.ahead_days == AHEAD_DAYS
    for days in (1, 30):
        ahead = Drill(three, store, ["d1"], options=DrillOptions(ahead_days=days))
        shown = [k for k in (ahead.current, *ahead.queue) if k is not None]
        assert shown == sorted(shown, key=lambda k: dues[k] or clock.now)
        limit = day_end(store.today() + timedelta(days=days), store.rollover, store.tz)
        assert set(shown) == {k for k, d in dues.items() if d is not None and d < limit}
    assert ahead.left == 10  # 30 days ahead: every card graded


def test_practice_leaves_the_schedule_alone_and_logs_every_grade_before_the_next_card(
    three: DeckLibrary, home: Home, make_store: Make, clock: FakeClock
) -> None:
    store = make_store(new_per_day=2)
    drain(Drill(three, store, ["d1"]), clock, Rating.GOOD)
    before = dict(store.states)
    counts = store.counts_today()
    practice = Drill(three, store, ["d1", "d2"], options=DrillOptions(practice=True))
    assert practice.left == 20  # every card, new or not, limits or not
    first = practice.current
    assert first is not None and first.startswith("d1/")
    assert practice.queue[0].startswith("d2/")  # the decks in turn
    graded = 0
    for rating in (Rating.AGAIN, Rating.GOOD, Rating.HARD, Rating.EASY):
        key = practice.current
        assert key is not None
        practice.grade(rating, 500)
        graded += 1
        assert logged(store)[-1] == (key, "grade", "practice")  # on disk already
        assert practice.current != key
    assert practice.current == first  # failed: back after three other cards
    assert store.states == before and store.counts_today() == counts
    reopened = UserStore(home, "tester", clock)
    assert reopened.states == before  # replaying the log skips practice grades
    assert sum(1 for *_, mode in logged(store) if mode == "practice") == graded


def test_practice_grades_are_undone_like_any_other(three: DeckLibrary, make_store: Make) -> None:
    store = make_store()
    practice = Drill(three, store, ["d3"], options=DrillOptions(practice=True))
    key = practice.current
    practice.grade(Rating.AGAIN)
    assert practice.undo() == key
    assert practice.current == key and practice.done == 0
    assert logged(store) == []


def test_given_cards_are_drilled_in_their_order(three: DeckLibrary, make_store: Make) -> None:
    keys = ("d3/c4", "d1/c0", "d2/c9")
    drill = open_drill(three, make_store(), None, DrillOptions(keys=keys))
    assert [drill.current, *drill.queue] == list(keys)
    assert drill.summary().mode == "cards" and offers(drill.summary()) == []


@pytest.mark.parametrize(("size", "at"), [(0, 0), (1, 1), (2, 2), (10, 3)])
def test_requeue_puts_a_card_a_few_cards_later(size: int, at: int) -> None:
    queue = [f"k{i}" for i in range(size)]
    requeue_at(queue, "x")
    assert queue.index("x") == at and len(queue) == size + 1
