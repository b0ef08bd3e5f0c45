"""FSRS-6 scheduling: determinism, previews that match grades, limits of time."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flashprep.core.clock import day_start, study_day
from flashprep.core.scheduling.scheduler import (
    DECAY,
    NEW,
    CardState,
    Rating,
    Scheduler,
    SchedulerSettings,
)

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def run(scheduler: Scheduler, ratings: list[int], key: str = "d/c") -> list[datetime]:
    state, now, dues = NEW, NOW, []
    for rating in ratings:
        state = scheduler.review(key, state, rating, now)
        assert state.due is not None
        dues.append(state.due)
        now = state.due
    return dues


def test_same_seed_same_schedule_even_with_fuzz() -> None:
    a = run(Scheduler(SchedulerSettings(seed=3)), [3, 3, 3, 3, 3, 3])
    b = run(Scheduler(SchedulerSettings(seed=3)), [3, 3, 3, 3, 3, 3])
    assert a == b


def test_fuzz_depends_on_the_seed() -> None:
    runs = {tuple(run(Scheduler(SchedulerSettings(seed=s)), [3] * 8)) for s in range(6)}
    assert len(runs) > 1


def test_grading_leaves_the_global_random_alone() -> None:
    """The fuzz has its own generator: grading neither reads nor moves the global one (other
    code may rely on its sequence), however many grades run between two draws."""
    ratings = [3, 3, 4, 1, 3, 2, 3, 3, 3]
    alone = [run(Scheduler(SchedulerSettings(seed=5)), ratings, f"d/c{i}") for i in range(4)]
    random.seed(99)
    expected = [random.random() for _ in range(3)]
    random.seed(99)
    scheduler = Scheduler(SchedulerSettings(seed=5))
    got = [random.random()]
    first = [run(scheduler, ratings, f"d/c{i}") for i in range(4)]
    got.append(random.random())
    again = [run(scheduler, ratings, f"d/c{i}") for i in range(4)]
    got.append(random.random())
    assert first == alone == again
    assert got == expected


def test_preview_equals_the_grade_it_previews() -> None:
    scheduler = Scheduler(SchedulerSettings(seed=11))
    state, now = NEW, NOW
    for rating in [3, 3, 3, 2, 3, 1, 3]:
        preview = scheduler.preview("d/c", state, now)
        after = scheduler.review("d/c", state, rating, now)
        assert after.due == now + preview[rating]
        state, now = after, after.due  # type: ignore[assignment]


def test_first_grades_follow_learning_steps() -> None:
    scheduler = Scheduler(SchedulerSettings(fuzz=False))
    preview = scheduler.preview("d/c", NEW, NOW)
    assert preview[1] == timedelta(minutes=1)
    assert preview[3] == timedelta(minutes=10)
    assert preview[4] >= timedelta(days=1)


def test_failing_a_review_card_counts_a_lapse_and_relearns() -> None:
    scheduler = Scheduler(SchedulerSettings(fuzz=False))
    state = scheduler.review("d/c", NEW, 4, NOW)
    assert state.state == "review"
    failed = scheduler.review("d/c", state, 1, state.due)  # type: ignore[arg-type]
    assert failed.state == "relearning"
    assert failed.lapses == 1
    assert failed.reps == 2
    assert failed.due - state.due == timedelta(minutes=10)  # type: ignore[operator]


def test_higher_retention_gives_shorter_intervals() -> None:
    low = Scheduler(SchedulerSettings(desired_retention=0.8, fuzz=False))
    high = Scheduler(SchedulerSettings(desired_retention=0.97, fuzz=False))
    assert run(low, [4, 3, 3])[-1] > run(high, [4, 3, 3])[-1]


def test_clock_moving_backwards_never_schedules_before_the_last_review() -> None:
    scheduler = Scheduler(SchedulerSettings(fuzz=False))
    state = scheduler.review("d/c", NEW, 3, NOW)
    earlier = scheduler.review("d/c", state, 3, NOW - timedelta(days=3))
    assert earlier.last_review is not None and earlier.last_review >= state.last_review  # type: ignore[operator]
    assert earlier.due > NOW  # type: ignore[operator]


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        Scheduler().review("d/c", NEW, 3, datetime(2026, 1, 1))


def test_bad_rating_is_refused() -> None:
    with pytest.raises(ValueError, match="rating"):
        Scheduler().review("d/c", NEW, 5, NOW)


def test_retrievability_is_zero_for_new_and_falls_with_time() -> None:
    scheduler = Scheduler(SchedulerSettings(fuzz=False))
    assert scheduler.retrievability(NEW, NOW) == 0.0
    state = scheduler.review("d/c", NEW, 4, NOW)
    soon = scheduler.retrievability(state, NOW + timedelta(days=2))
    later = scheduler.retrievability(state, NOW + timedelta(days=30))
    assert 1.0 >= soon > later > 0.0


def test_the_decay_is_the_one_fsrs_schedules_with() -> None:
    from flashprep.core.scheduling.fsrsreference import fsrs_scheduler

    assert fsrs_scheduler(SchedulerSettings()).parameters[20] == -DECAY


@settings(max_examples=300, deadline=None)
@given(
    stability=st.floats(min_value=0.001, max_value=36500),
    elapsed=st.integers(min_value=-3 * 86400, max_value=200 * 365 * 86400),
    state=st.sampled_from(["learning", "review", "relearning"]),
)
def test_retrievability_is_what_fsrs_computes(stability: float, elapsed: int, state: str) -> None:
    from fsrs import Card, State
    from fsrs import Scheduler as FsrsScheduler

    last = NOW - timedelta(days=3)
    now = last + timedelta(seconds=elapsed)
    ours = CardState(
        state=state,  # type: ignore[arg-type]
        step=0 if state != "review" else None,
        stability=stability,
        difficulty=5.0,
        due=last + timedelta(days=1),
        last_review=last,
        reps=3,
    )
    card = Card(
        state=State[state.capitalize()],
        step=ours.step,
        stability=stability,
        difficulty=5.0,
        due=ours.due,
        last_review=last,
    )
    expected = FsrsScheduler().get_card_retrievability(card, now)
    assert Scheduler().retrievability(ours, now) == expected


def test_study_day_rolls_over_at_the_rollover_hour() -> None:
    from zoneinfo import ZoneInfo

    paris = ZoneInfo("Europe/Paris")
    # 02:30 in Paris on the 27th is still the 26th's study day with a 4 am rollover.
    instant = datetime(2026, 11, 27, 1, 30, tzinfo=UTC)
    assert study_day(instant, 4, paris).isoformat() == "2026-11-26"
    assert study_day(instant, 0, paris).isoformat() == "2026-11-27"
    assert day_start(study_day(instant, 4, paris), 4, paris) == datetime(
        2026, 11, 26, 3, tzinfo=UTC
    )


def review_state(stability: float, difficulty: float, since: timedelta) -> CardState:
    return CardState("review", None, stability, difficulty, NOW, NOW - since, 5, 1)


@pytest.mark.parametrize(
    ("state", "maximum", "reason"),
    [
        # failed and relearnt earlier today: fsrs's short-term stability, every grade rounds to 1d
        (review_state(0.26, 7.0, timedelta(hours=3)), 36500, "same-day"),
        (review_state(0.8, 5.0, timedelta(hours=20)), 36500, "same-day"),
        # a day or more since, but a stability far under a day: still 1d for each grade
        (review_state(0.01, 5.0, timedelta(days=1, hours=1)), 36500, "shortest"),
        (review_state(0.1, 10.0, timedelta(days=2)), 36500, "shortest"),
        # a stable card under a small maximum interval
        (review_state(10.0, 5.0, timedelta(days=10)), 3, "maximum"),
        (review_state(40.0, 3.0, timedelta(days=30)), 7, "maximum"),
        # distinct intervals, or only two alike: no reason to give
        (review_state(1.5, 5.0, timedelta(days=1)), 36500, None),
        (review_state(0.05, 5.0, timedelta(days=1, hours=1)), 36500, None),  # 1d 1d 2d
        (NEW, 36500, None),
    ],
)
def test_why_every_passing_grade_gives_one_interval(
    state: CardState, maximum: int, reason: str | None
) -> None:
    scheduler = Scheduler(SchedulerSettings(maximum_interval_days=maximum))
    preview = scheduler.preview("d/c", state, NOW)
    passing = {preview[r] for r in (Rating.HARD, Rating.GOOD, Rating.EASY)}
    assert scheduler.why_same(state, preview, NOW) == reason
    assert (len(passing) == 1) == (reason is not None)  # a reason only when all three agree
    if reason == "maximum":
        assert passing == {timedelta(days=maximum)}
    elif reason is not None:
        assert passing == {timedelta(days=1)}
