"""The statistics' weak spots against a real store: the hardest cards' recall agrees with their last
grade (a card failed today is not "100 %"), and the leeches follow the user's setting and agree with
the search's `is:leech` and the drill's definition."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from flashprep.core.browse.catalog import Catalog
from flashprep.core.browse.search import find_cards
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.scheduling.scheduler import CardState, Rating
from flashprep.core.stats.historycache import HistoryReader
from flashprep.core.stats.report import StatsQuery, compute_stats
from flashprep.core.storage.userstore import UserStore

from helpers import FakeClock

AGAIN, GOOD = Rating.AGAIN, Rating.GOOD


def stats_of(store: UserStore, library: DeckLibrary) -> dict[str, Any]:
    query = StatsQuery.of(store)
    history = HistoryReader(store).load()
    return compute_stats(history, store.states, library, store.scheduler, query)


def to_review(store: UserStore, clock: FakeClock, key: str) -> None:
    """Learn a new card until it graduates, then pass one review."""
    for _ in range(6):
        if store.state(key).state == "review":
            break
        store.grade(key, GOOD)
        clock.advance(minutes=15)
    assert store.state(key).state == "review"
    clock.advance(days=4)
    store.grade(key, GOOD)


def grades_new_again(store: UserStore, clock: FakeClock, key: str) -> None:
    store.grade(key, AGAIN)


def grades_review_again(store: UserStore, clock: FakeClock, key: str) -> None:
    to_review(store, clock, key)
    clock.advance(days=30)
    store.grade(key, AGAIN)
    clock.advance(minutes=2)


def grades_again_yesterday(store: UserStore, clock: FakeClock, key: str) -> None:
    to_review(store, clock, key)
    clock.advance(days=30)
    store.grade(key, AGAIN)
    clock.advance(days=1)


def grades_again_twice(store: UserStore, clock: FakeClock, key: str) -> None:
    store.grade(key, AGAIN)
    clock.advance(minutes=1)
    store.grade(key, AGAIN)


FAILED = [grades_new_again, grades_review_again, grades_again_yesterday, grades_again_twice]


@pytest.mark.parametrize("steps", [None, []], ids=["relearning-steps", "no-relearning-steps"])
@pytest.mark.parametrize("grades", FAILED)
def test_a_card_last_failed_has_no_recall_in_the_hardest_cards_and_readiness(
    make_store: Callable[..., UserStore],
    library: DeckLibrary,
    clock: FakeClock,
    grades: Callable[[UserStore, FakeClock, str], None],
    steps: list[float] | None,
) -> None:
    store = make_store(**({} if steps is None else {"relearning_steps": steps}))
    grades(store, clock, "alpha/a1")
    assert store.scheduler.retrievability(store.state("alpha/a1"), store.now()) > 0.5
    stats = stats_of(store, library)
    [row] = [r for r in stats["hardest"] if r["card"] == "alpha/a1"]
    assert row["agains"] >= 1 and row["recall"] == 0.0
    alpha = stats["by_deck"][0]
    assert alpha["id"] == "alpha" and alpha["studied"] == 1
    assert alpha["recall"] == alpha["ready"] == 0.0  # the failed card counts as not recalled


@pytest.mark.parametrize("passes", [1, 2])
def test_a_card_passed_after_failing_shows_its_predicted_recall(
    store: UserStore, library: DeckLibrary, clock: FakeClock, passes: int
) -> None:
    store.grade("alpha/a1", AGAIN)
    for _ in range(passes):
        clock.advance(minutes=12)
        store.grade("alpha/a1", GOOD)
    clock.advance(hours=1)
    stats = stats_of(store, library)
    [row] = [r for r in stats["hardest"] if r["card"] == "alpha/a1"]
    expected = store.scheduler.retrievability(store.state("alpha/a1"), store.now())
    assert row["recall"] == round(expected, 4) > 0.5  # agrees with the last grade: passed


def test_only_the_cards_last_failed_lose_their_recall(
    store: UserStore, library: DeckLibrary, clock: FakeClock
) -> None:
    store.grade("alpha/a1", GOOD)
    store.grade("alpha/a2", AGAIN)
    store.grade("beta/b1", AGAIN)
    clock.advance(minutes=5)
    store.grade("beta/b1", GOOD)
    stats = stats_of(store, library)
    recall = {r["card"]: r["recall"] for r in stats["hardest"]}
    assert recall.get("alpha/a2") == 0.0
    assert recall.get("beta/b1", 1.0) > 0  # failed, then passed
    assert "alpha/a1" not in recall  # never failed, recalled now: not among the hardest
    beta = stats["by_deck"][1]
    assert beta["recall"] is not None and beta["recall"] > 0


LAPSES = {"alpha/a1": 2, "alpha/a2": 9, "alpha/a3": 3, "beta/b1": 8, "beta/b2": 9}


@pytest.mark.parametrize("threshold", [3, 5, 8, 9, 10, 99])
def test_leeches_follow_the_users_setting_and_agree_with_is_leech(
    make_store: Callable[..., UserStore], library: DeckLibrary, threshold: int
) -> None:
    store = make_store(f"u{threshold}", leech_lapses=threshold)
    now = store.now()
    for key, lapses in LAPSES.items():
        store.states[key] = CardState(
            "review", None, 5.0, 7.0, now, now, lapses + 2, lapses, suspended=key == "beta/b2"
        )
    stats = stats_of(store, library)
    assert stats["leech_lapses"] == threshold
    found = [row["card"] for row in stats["leeches"]]
    expected = sorted((k for k, n in LAPSES.items() if n >= threshold), key=lambda k: -LAPSES[k])
    assert found == expected
    searched = [m.key for m in find_cards(Catalog.build(library), "is:leech", store)]
    assert sorted(found) == sorted(searched)
    for row in stats["leeches"]:
        assert row["lapses"] == LAPSES[row["card"]]
        assert row["suspended"] is (row["card"] == "beta/b2")
        assert row["deck"] == row["card"].split("/")[0] and row["front"]


def test_leeches_of_one_deck(make_store: Callable[..., UserStore], library: DeckLibrary) -> None:
    store = make_store(leech_lapses=3)
    now = store.now()
    for key, lapses in LAPSES.items():
        store.states[key] = CardState("review", None, 5.0, 7.0, now, now, lapses, lapses)
    query = StatsQuery(now, 4, store.tz, deck="beta", leech_lapses=3)
    stats = compute_stats([], store.states, library, store.scheduler, query)
    assert [row["card"] for row in stats["leeches"]] == ["beta/b2", "beta/b1"]


@pytest.mark.parametrize("fronts", [0, 1, 3, 5, 99])
def test_leeches_with_only_the_first_fronts_are_the_whole_list_otherwise(
    make_store: Callable[..., UserStore], library: DeckLibrary, fronts: int
) -> None:
    """The statistics screen asks the text of the leeches it lists only: every other figure
    of the report, and every row but the fronts left out, is the same."""
    store = make_store(leech_lapses=3)
    now = store.now()
    for key, lapses in LAPSES.items():
        store.states[key] = CardState("review", None, 5.0, 7.0, now, now, lapses, lapses)
    query = StatsQuery(now, 4, store.tz, leech_lapses=3)
    whole = compute_stats([], store.states, library, store.scheduler, query)
    query = replace(query, leech_fronts=fronts)
    some = compute_stats([], store.states, library, store.scheduler, query)
    assert len(whole["leeches"]) == 4 and all(r["front"] for r in whole["leeches"])
    assert [r["front"] for r in some["leeches"]] == [
        r["front"] if n < fronts else None for n, r in enumerate(whole["leeches"])
    ]
    for row in some["leeches"]:
        row["front"] = None
    for row in whole["leeches"]:
        row["front"] = None
    assert some == whole
