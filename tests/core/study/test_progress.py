"""Progress in a drill: new + learning + review left, and a failed card not shown straight back."""

from __future__ import annotations

from collections.abc import Callable

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.scheduling.scheduler import Rating
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.drill import Drill, Remaining

from helpers import FakeClock

Make = Callable[..., UserStore]


def test_counts_left_follow_the_cards_through_their_steps(
    library: DeckLibrary, make_store: Make, clock: FakeClock
) -> None:
    drill = Drill(library, make_store(), ["alpha"])
    assert drill.remaining() == Remaining(3, 0, 0)
    assert str(drill.remaining()) == "3 + 0 + 0"
    drill.grade(Rating.GOOD)  # learning: comes back today
    assert drill.remaining() == Remaining(2, 1, 0)
    drill.grade(Rating.EASY)  # straight to review, not back today
    assert drill.remaining() == Remaining(1, 1, 0)
    drill.undo()
    assert drill.remaining() == Remaining(2, 1, 0)
    while drill.current is not None:
        drill.grade(Rating.EASY)
        clock.advance(minutes=1)
        left = drill.remaining()
        assert sum(left) == drill.left
    assert drill.remaining() == Remaining(0, 0, 0)


def test_a_failed_card_is_not_the_next_card_while_another_is_available(
    library: DeckLibrary, make_store: Make, clock: FakeClock
) -> None:
    drill = Drill(library, make_store(), ["beta"])
    first = drill.current
    drill.grade(Rating.GOOD)  # learning: due again in 10 minutes
    failed = drill.current
    drill.grade(Rating.AGAIN)  # due again in 1 minute: sooner than the other one
    assert drill.store.state(failed or "").due < drill.store.state(first or "").due  # type: ignore[operator]
    assert drill.current == first
    drill.grade(Rating.AGAIN)
    assert drill.current == failed  # the other one's turn
    clock.advance(minutes=2)
    drill.grade(Rating.AGAIN)
    assert drill.current == first


def test_a_failed_card_comes_back_when_it_is_the_only_one(
    library: DeckLibrary, make_store: Make
) -> None:
    drill = Drill(library, make_store(), ["beta"])
    drill.grade(Rating.EASY)
    key = drill.current
    drill.grade(Rating.AGAIN)
    assert drill.current == key  # nothing else: learned ahead, as before
