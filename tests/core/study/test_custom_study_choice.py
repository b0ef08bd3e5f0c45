"""customstudy.custom_study: what each choice of the custom-study dialog drills."""

from __future__ import annotations

import pytest

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.scheduling.scheduler import Rating
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.customstudy import DrillOptions, custom_study

from helpers import FakeClock


@pytest.mark.parametrize("amount", [1, 7, 9999])
def test_without_practice_the_choice_is_an_option(
    store: UserStore, library: DeckLibrary, amount: int
) -> None:
    assert custom_study(library, store, None, "new", amount) == DrillOptions(extra_new=amount)
    assert custom_study(library, store, ["beta"], "ahead", amount) == DrillOptions(
        ahead_days=amount
    )
    found = ("beta/b2", "alpha/a1")
    for practice in (False, True):
        options = custom_study(library, store, None, "search", 0, practice, found)
        assert options == DrillOptions(practice=practice, keys=found)


@pytest.mark.parametrize(
    ("decks", "amount", "cards"),
    [
        (None, 1, ["alpha/a1"]),
        (None, 4, ["alpha/a1", "beta/b1", "alpha/a3", "beta/b2"]),  # a2 suspended
        (["beta"], 5, ["beta/b1", "beta/b2"]),
        (["beta", "alpha"], 2, ["beta/b1", "alpha/a1"]),
    ],
)
def test_practice_of_new_cards_takes_the_decks_new_cards_in_turn(
    store: UserStore, library: DeckLibrary, decks: list[str] | None, amount: int, cards: list[str]
) -> None:
    store.record("alpha/a2", "suspend")
    options = custom_study(library, store, decks, "new", amount, practice=True)
    assert options == DrillOptions(practice=True, keys=tuple(cards))


def test_practice_of_new_cards_leaves_out_studied_and_buried_ones(
    store: UserStore, library: DeckLibrary
) -> None:
    store.grade("alpha/a1", Rating.GOOD)
    store.record("beta/b1", "bury")
    options = custom_study(library, store, None, "new", 10, practice=True)
    assert options.keys == ("alpha/a2", "beta/b2", "alpha/a3")


def test_practice_ahead_is_what_review_ahead_brings(
    store: UserStore, library: DeckLibrary, clock: FakeClock
) -> None:
    for key in ("beta/b1", "alpha/a1"):
        store.grade(key, Rating.EASY)
    due = sorted(("beta/b1", "alpha/a1"), key=lambda k: (store.state(k).due, k))  # most due first
    assert custom_study(library, store, None, "ahead", 1, practice=True).keys == ()
    assert custom_study(library, store, None, "ahead", 60, practice=True).keys == tuple(due)
    assert custom_study(library, store, ["alpha"], "ahead", 60, True).keys == ("alpha/a1",)
