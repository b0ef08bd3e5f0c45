"""How much of today is done (the summary's progress line): cards graded today against the cards
the day still holds, in the drilled decks, under the day's limits."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.scheduling.scheduler import Rating
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.today import DayProgress, day_progress, today_counts

from helpers import FakeClock

ALPHA = ["alpha/a1", "alpha/a2", "alpha/a3"]
BETA = ["beta/b1", "beta/b2"]


def test_a_new_day_holds_every_new_card_under_the_limit(
    store: UserStore, library: DeckLibrary
) -> None:
    assert day_progress(library, store) == DayProgress(0, 5, 0, 20)
    assert day_progress(library, store, ["beta"]) == DayProgress(0, 2, 0, 20)


@pytest.mark.parametrize("graded", [1, 2, 3, 5])
@pytest.mark.parametrize("limit", [1, 3, 20])
def test_graded_cards_are_done_and_the_rest_is_left(
    make_store: Callable[..., UserStore],
    library: DeckLibrary,
    clock: FakeClock,
    graded: int,
    limit: int,
) -> None:
    store = make_store(new_per_day=limit)
    keys = (ALPHA + BETA)[:graded]
    for key in keys:
        store.grade(key, Rating.GOOD)  # into its learning steps: back later today
    progress = day_progress(library, store)
    assert progress.done == graded and progress.new_done == graded
    assert progress.new_limit == limit
    new_left = max(0, limit - graded)
    assert progress.left == min(new_left, 5 - graded)  # the graded ones are done, not left
    # the home screen's counts hold the same day: the learning cards graded today come back
    today = today_counts(library, store)
    assert sum(c.learning for c in today.values()) == graded
    assert min(new_left, sum(c.new for c in today.values())) == min(new_left, 5 - graded)


def test_only_the_drilled_decks_count(store: UserStore, library: DeckLibrary) -> None:
    store.grade("alpha/a1", Rating.GOOD)
    store.grade("beta/b1", Rating.AGAIN)
    assert day_progress(library, store, ["beta"]) == DayProgress(1, 1, 2, 20)
    assert day_progress(library, store, ("alpha",)) == DayProgress(1, 2, 2, 20)
    assert day_progress(library, store) == DayProgress(2, 3, 2, 20)


def test_practice_grades_are_not_progress(store: UserStore, library: DeckLibrary) -> None:
    store.record("alpha/a1", "grade", Rating.GOOD, mode="practice")
    assert day_progress(library, store) == DayProgress(0, 5, 0, 20)


def test_a_card_left_learning_yesterday_is_left_until_graded(
    store: UserStore, library: DeckLibrary, clock: FakeClock
) -> None:
    store.grade("alpha/a1", Rating.AGAIN)
    clock.advance(days=1)
    assert day_progress(library, store) == DayProgress(0, 5, 0, 20)  # 4 new + a1 learning
    store.grade("alpha/a1", Rating.GOOD)
    assert day_progress(library, store) == DayProgress(1, 4, 0, 20)


def test_extra_new_cards_raise_the_limit_shown(store: UserStore, library: DeckLibrary) -> None:
    assert day_progress(library, store, extra_new=10).new_limit == 30
