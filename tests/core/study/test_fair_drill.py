"""A drill of several decks: new cards from every deck, per-deck limits, today's counts respected,
and what each deck can be studied for today (the home screen's counts)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.keys import deck_of
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.drill import Drill
from flashprep.core.study.spent import spent_by_deck, today_entries
from flashprep.core.study.today import today_counts

from helpers import FakeClock

Make = Callable[..., UserStore]
DECKS = ("d1", "d2", "d3")


def new_shares(drill: Drill) -> Counter[str]:
    keys = [*drill.queue, *([drill.current] if drill.current else [])]
    return Counter(deck_of(k) for k in keys if drill.state(k).is_new)


@pytest.mark.parametrize(("limit", "share"), [(6, 2), (9, 3), (30, 10)])
def test_every_deck_gets_its_share_of_new_cards(
    three: DeckLibrary, make_store: Make, limit: int, share: int
) -> None:
    drill = Drill(three, make_store(new_per_day=limit), list(DECKS))
    assert new_shares(drill) == Counter(dict.fromkeys(DECKS, share))


def test_deck_order_takes_the_first_deck_first(three: DeckLibrary, make_store: Make) -> None:
    store = make_store(new_per_day=12, new_card_order="deck")
    drill = Drill(three, store, list(DECKS))
    assert new_shares(drill) == Counter({"d1": 10, "d2": 2})


def test_random_order_is_stable_through_the_day(three: DeckLibrary, make_store: Make) -> None:
    store = make_store(new_per_day=9, new_card_order="random")
    first = Drill(three, store, list(DECKS))
    again = Drill(three, store, list(DECKS))
    assert [first.current, *first.queue] == [again.current, *again.queue]
    assert len(new_shares(first)) > 1


def test_deck_limits_apply_on_top_of_the_users_limit(three: DeckLibrary, make_store: Make) -> None:
    limits = {"d1": {"new_per_day": 1}, "d3": {"new_per_day": 0}}
    drill = Drill(three, make_store(new_per_day=8, deck_limits=limits), list(DECKS))
    assert new_shares(drill) == Counter({"d1": 1, "d2": 7})


def grade_new(drill: Drill, clock: FakeClock, n: int) -> list[str]:
    done = []
    for _ in range(n):
        assert drill.current is not None
        done.append(drill.current)
        drill.grade(4)  # Easy: out of learning, so not back today
        clock.advance(seconds=5)
    return done


def test_todays_spent_counts_are_respected_per_deck_and_overall(
    three: DeckLibrary, make_store: Make, clock: FakeClock
) -> None:
    store = make_store(new_per_day=9, deck_limits={"d1": {"new_per_day": 3}})
    first = Drill(three, store, ["d1"])
    grade_new(first, clock, 2)  # two of d1's three today
    spent = spent_by_deck(today_entries(store), store.state)
    assert spent["d1"].new == 2
    later = Drill(three, store, list(DECKS))
    assert new_shares(later) == Counter({"d1": 1, "d2": 3, "d3": 3})  # 9 - 2 left overall
    today = today_counts(three, store)
    assert [today[d].new for d in DECKS] == [1, 7, 7]


def test_a_card_failed_yesterday_and_graded_today_is_a_review_not_a_new_card(
    three: DeckLibrary, make_store: Make, clock: FakeClock
) -> None:
    limits = {"d2": {"new_per_day": 5, "reviews_per_day": 1}}
    store = make_store(new_per_day=20, deck_limits=limits)
    seen = grade_new(Drill(three, store, ["d2"]), clock, 2)
    clock.advance(days=40)
    spent = spent_by_deck(today_entries(store), store.state)
    assert spent == {}  # a new day
    drill = Drill(three, store, ["d2"], keys=seen)
    drill.grade(3)
    spent = spent_by_deck(today_entries(store), store.state)
    assert spent["d2"].new == 0 and spent["d2"].reviews == 1
    later = Drill(three, store, ["d2"])
    assert later.state(seen[1]).state == "review"
    assert seen[1] not in [later.current, *later.queue]  # the deck's one review a day is used
    assert later.held_back == 1


def test_today_counts_show_learning_due_and_a_spent_limit(
    three: DeckLibrary, make_store: Make, clock: FakeClock
) -> None:
    store = make_store(new_per_day=3)
    drill = Drill(three, store, ["d1"])
    drill.grade(1)  # Again: learning, due again today
    counts = today_counts(three, store)
    assert counts["d1"].learning == 1
    assert [counts[d].new for d in DECKS] == [2, 2, 2]  # the user's 3, less the one shown
    grade_new(drill, clock, 2)
    assert [today_counts(three, store)[d].new for d in DECKS] == [0, 0, 0]
