"""The study time the interview plan counts: minutes a day, a grade's seconds, minutes left."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.interview import budget
from flashprep.core.interview.budget import (
    MAX_SECONDS,
    MIN_SECONDS,
    PRIOR_GRADES,
    prior_seconds,
    recent_answer_ms,
    seconds_per_grade,
    time_budget,
)
from flashprep.core.scheduling.scheduler import Rating
from flashprep.core.storage.userstore import UserStore

from helpers import FakeClock

Make = Callable[..., UserStore]


@pytest.mark.parametrize("prior", [3.0, 30.0, 90.0])
def test_without_answers_a_grade_takes_the_prior(prior: float) -> None:
    assert seconds_per_grade([], prior) == prior


@pytest.mark.parametrize(("seconds", "prior"), [(4.0, 30.0), (25.0, 5.0), (60.0, 60.0)])
def test_many_answers_outweigh_the_prior(seconds: float, prior: float) -> None:
    few = seconds_per_grade([int(seconds * 1000)] * 5, prior)
    many = seconds_per_grade([int(seconds * 1000)] * 2000, prior)
    assert abs(many - seconds) < abs(few - seconds) or few == seconds
    assert abs(many - seconds) < 0.02 * max(seconds, prior)
    # as many answers as the prior's weight: half way
    half = seconds_per_grade([int(seconds * 1000)] * PRIOR_GRADES, prior)
    assert half == pytest.approx((seconds + prior) / 2)


@pytest.mark.parametrize("ms", [[1] * 500, [10_000_000] * 500])
def test_a_grade_time_is_kept_within_bounds(ms: list[int]) -> None:
    assert MIN_SECONDS <= seconds_per_grade(ms, 30.0) <= MAX_SECONDS


def test_the_prior_is_a_share_of_the_cards_targets(library: DeckLibrary) -> None:
    keys = library.card_keys()
    assert 0 < prior_seconds(library, keys) < 120
    assert prior_seconds(library, []) == 60.0 * budget.TARGET_SHARE
    assert prior_seconds(library, ["gone/card"]) == 60.0 * budget.TARGET_SHARE


def grade_some(
    library: DeckLibrary, store: UserStore, clock: FakeClock, times: list[int], mode: str = "drill"
) -> None:
    keys = library.card_keys()
    for i, ms in enumerate(times):
        key = keys[i % len(keys)]
        if mode == "drill":
            store.grade(key, Rating.GOOD, ms)
        else:
            store.record(key, "grade", Rating.GOOD, ms, mode=mode)
        clock.advance(minutes=1)


def test_recent_answer_times_come_from_the_log(
    library: DeckLibrary, make_store: Make, clock: FakeClock
) -> None:
    store = make_store()
    assert recent_answer_ms(store.log_dir) == []
    grade_some(library, store, clock, [4000, 6000, 0, 8000])
    grade_some(library, store, clock, [99_000], mode="practice")  # apart from the schedule
    store.record(library.card_keys()[0], "bury")
    assert recent_answer_ms(store.log_dir) == [4000, 6000, 8000]


def test_only_the_tail_of_a_long_log_is_read(
    library: DeckLibrary, make_store: Make, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = make_store()
    grade_some(library, store, clock, [1000 + i for i in range(40)])
    monkeypatch.setattr(budget, "TAIL_BYTES", 1500)
    tail = recent_answer_ms(store.log_dir)
    assert 0 < len(tail) < 40
    assert tail == [1000 + i for i in range(40)][-len(tail) :]


@pytest.mark.parametrize(
    "damage", [b"\n[[review]]\nid = 3\n", b"\x00\xff not toml at all", b"[[review]\n"]
)
def test_a_damaged_log_falls_back_to_the_prior(
    library: DeckLibrary, make_store: Make, clock: FakeClock, damage: bytes
) -> None:
    store = make_store()
    grade_some(library, store, clock, [5000, 5000])
    month = sorted(store.log_dir.glob("*.toml"))[-1]
    month.write_bytes(damage + month.read_bytes())
    assert recent_answer_ms(store.log_dir) == []
    got = time_budget(library, store, library.card_keys())
    assert got.per_grade_s == prior_seconds(library, library.card_keys())


@pytest.mark.parametrize("minutes", [5, 30, 240])
def test_the_minutes_left_today_shrink_as_the_user_studies(
    library: DeckLibrary, make_store: Make, clock: FakeClock, minutes: int
) -> None:
    store = make_store(daily_minutes=minutes)
    keys = library.card_keys()
    fresh = time_budget(library, store, keys)
    assert fresh.daily_s == fresh.left_s == minutes * 60
    grade_some(library, store, clock, [60_000, 60_000])
    after = time_budget(library, store, keys)
    assert after.left_s == max(0.0, minutes * 60 - 120)
    assert after.grades_left < fresh.grades_left
    clock.advance(days=1)
    assert time_budget(library, store, keys).left_s == minutes * 60  # a new day
    grade_some(library, store, clock, [600_000] * 50)
    assert time_budget(library, store, keys).left_s == 0.0  # never below nothing
