"""The drill queue: limits, order, learning cards coming back, bury, suspend, undo, summary."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, timedelta

from hypothesis import given
from hypothesis import strategies as st

from flashprep.core.clock import day_start
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.scheduling.scheduler import CardState
from flashprep.core.storage import statecache
from flashprep.core.storage.replay import Schedule
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.drill import Drill, deck_counts

from fuzzing import budget
from helpers import FakeClock

Make = Callable[..., UserStore]


def drain(drill: Drill, clock: FakeClock, rating: int = 4) -> list[str]:
    seen = []
    while drill.current is not None:
        seen.append(drill.current)
        drill.grade(rating, 1000)
        clock.advance(seconds=10)
    return seen


def test_new_cards_respect_the_daily_limit(library: DeckLibrary, make_store: Make) -> None:
    drill = Drill(library, make_store(new_per_day=2), ["alpha"])
    assert drill.left == 2


def test_limit_counts_what_was_already_done_today(
    library: DeckLibrary, make_store: Make, clock: FakeClock
) -> None:
    store = make_store(new_per_day=3)
    first = Drill(library, store)
    first.grade(4)
    assert Drill(library, make_store(new_per_day=3)).left == 2


def test_failed_card_comes_back_in_the_same_drill(
    library: DeckLibrary, store: UserStore, clock: FakeClock
) -> None:
    drill = Drill(library, store, ["alpha"])
    failed = drill.current
    drill.grade(1)
    assert failed in drill.learning
    seen = drain(drill, clock)
    assert failed in seen  # shown again once the others were done (learn-ahead)
    assert store.state(failed).state == "review"  # type: ignore[arg-type]


def test_due_learning_card_jumps_the_queue(
    library: DeckLibrary, store: UserStore, clock: FakeClock
) -> None:
    drill = Drill(library, store)
    failed = drill.current
    drill.grade(1)
    clock.advance(minutes=2)  # past the 1-minute step
    drill.grade(4)
    assert drill.current == failed


def test_reviews_due_today_come_back_tomorrow_not_now(
    library: DeckLibrary, make_store: Make, clock: FakeClock
) -> None:
    store = make_store()
    drain(Drill(library, store, ["beta"]), clock, rating=4)
    assert Drill(library, store, ["beta"]).finished
    clock.advance(days=30)
    again = Drill(library, make_store(), ["beta"])
    assert again.left == 2


def test_bury_hides_until_tomorrow(
    library: DeckLibrary, store: UserStore, clock: FakeClock
) -> None:
    drill = Drill(library, store, ["beta"])
    buried = drill.current
    drill.bury()
    assert drill.current != buried
    assert buried not in Drill(library, store, ["beta"]).queue
    assert deck_counts(library, store)["beta"].buried == 1
    clock.advance(days=1)
    fresh = Drill(library, store, ["beta"])
    assert buried in [fresh.current, *fresh.queue]


def test_suspend_hides_for_good(library: DeckLibrary, store: UserStore, clock: FakeClock) -> None:
    drill = Drill(library, store, ["beta"])
    suspended = drill.current
    drill.suspend()
    clock.advance(days=10)
    fresh = Drill(library, store, ["beta"])
    assert suspended not in [fresh.current, *fresh.queue]
    assert deck_counts(library, store)["beta"].suspended == 1


def test_undo_brings_the_card_back_several_levels(
    library: DeckLibrary, store: UserStore, clock: FakeClock
) -> None:
    drill = Drill(library, store, ["alpha"])
    first = drill.current
    drill.grade(3)
    second = drill.current
    drill.suspend()
    third = drill.current
    drill.grade(1)
    assert drill.undo() == third and drill.current == third
    assert drill.undo() == second and drill.current == second
    assert drill.undo() == first and drill.current == first
    assert drill.undo() is None
    assert store.states == {}
    assert drill.done == 0 and drill.again == 0


def test_undo_takes_back_a_change_made_elsewhere_first(
    library: DeckLibrary, store: UserStore
) -> None:
    """The card browser, opened from a drill, suspends cards through the same store: the drill's
    `u` then takes back that change alone (the newest), and the drill's own grade after it."""
    from flashprep.core.browse.actions import apply_schedule_action

    drill = Drill(library, store, ["alpha"])
    first = drill.current
    assert first is not None
    drill.grade(3)
    shown = drill.current
    others = [k for k in library.card_keys(["beta"])]
    apply_schedule_action(store, others, "suspend")
    assert all(store.state(k).suspended for k in others)
    assert drill.undo() == others[0]  # the browser's batch, alone
    assert not any(store.state(k).suspended for k in others)
    assert drill.current == shown and drill.done == 1  # the drill did not move
    assert drill.undo() == first and drill.current == first and drill.done == 0
    assert store.states == {}


def test_summary_counts_and_next_due(
    library: DeckLibrary, store: UserStore, clock: FakeClock
) -> None:
    drill = Drill(library, store, ["alpha"])
    drill.grade(1, 2000)
    drain(drill, clock, rating=4)
    summary = drill.summary()
    assert summary.graded == 4
    assert summary.again == 1
    assert summary.seconds == 5.0
    assert summary.next_due is not None and summary.next_due > clock.now
    assert summary.learning_later == 0


def test_counts_per_deck(library: DeckLibrary, store: UserStore, clock: FakeClock) -> None:
    counts = deck_counts(library, store)
    assert counts["alpha"].total == 3 and counts["alpha"].new == 3 and counts["alpha"].due == 0
    drill = Drill(library, store, ["alpha"])
    drill.grade(1)
    counts = deck_counts(library, store)
    assert counts["alpha"].new == 2 and counts["alpha"].learning == 1 and counts["alpha"].due == 1


def test_reviews_over_the_daily_limit_are_held_back_and_said(
    library: DeckLibrary, make_store: Make, clock: FakeClock
) -> None:
    from flashprep.tui.screens.summary import summary_text

    store = make_store()
    drain(Drill(library, store, ["alpha"]), clock, rating=4)
    clock.advance(days=60)  # every alpha card is due again
    due = Drill(library, make_store(), ["alpha"])
    assert due.held_back == 0 and due.left >= 3
    settings = store.profile.settings.model_copy(update={"reviews_per_day": 1})
    store.save_profile(store.profile.model_copy(update={"settings": settings}))
    limited = Drill(library, make_store(), ["alpha"])
    assert limited.left == 1
    assert limited.held_back == due.left - 1
    drain(limited, clock)
    summary = limited.summary()
    assert summary.held_back == due.left - 1 and summary.review_limit == 1
    text = summary_text(summary, clock())
    assert f"{due.left - 1} more reviews wait for tomorrow: today's limit is 1" in text
    assert "more reviews wait" not in summary_text(due.summary(), clock())


@budget(120)
@given(st.data())
def test_a_drill_and_the_deck_counts_read_the_same_from_the_state_cache_as_from_the_states(
    library: DeckLibrary, make_store: Make, clock: FakeClock, data: st.DataObject
) -> None:
    """At start-up the states are still the cache's columns (statecache.StateColumns), and the
    first queue and the home screen's counts are read from them: they must be what the decoded
    states give."""
    store = make_store(new_per_day=3, reviews_per_day=4)
    keys = library.card_keys()
    now = clock()
    day_end = day_start(store.today(now) + timedelta(days=1), store.rollover, store.tz)
    edges = [day_end + timedelta(microseconds=d) for d in (-1, 0, 1)] + [now]
    near = st.sampled_from(edges) | st.datetimes(
        min_value=(now - timedelta(days=3)).replace(tzinfo=None),
        max_value=(now + timedelta(days=3)).replace(tzinfo=None),
        timezones=st.just(UTC),
    )
    state = st.builds(
        CardState,
        state=st.sampled_from(statecache.STATES),
        step=st.none(),
        stability=st.none(),
        difficulty=st.none(),
        reps=st.just(1),
        lapses=st.just(0),
        due=st.none() | near,
        last_review=st.none() | near,
        suspended=st.booleans(),
        buried_until=st.none()
        | st.dates(now.date() - timedelta(days=2), now.date() + timedelta(2)),
    )
    cards = data.draw(st.dictionaries(st.sampled_from([*keys, "gone/card"]), state))
    store.data = Schedule(states=dict(cards))
    decoded, decoded_counts = Drill(library, store), deck_counts(library, store)
    cache = statecache.load(statecache.dump(cards, 0, None, [1, 0, 0, 0, 0], [1, 2]), [1, 2])
    assert cache is not None
    store.data = Schedule(columns=cache.columns)
    columns, columns_counts = Drill(library, store), deck_counts(library, store)
    assert store.data.columns is not None  # read without decoding the states
    assert columns_counts == decoded_counts
    assert (columns.current, columns.queue, columns.learning, columns.held_back) == (
        decoded.current,
        decoded.queue,
        decoded.learning,
        decoded.held_back,
    )
