"""The scheduler's own FSRS-6 arithmetic (`fastreview`) against the fsrs library, grade by grade.

Bit for bit: each state is compared by `repr` as well as `==`, so a float one ulp off, -0.0 for
0.0 or an int for a float fails. Histories mix every rating with gaps of a second to years,
same-instant grades, a clock that goes back, and two sets of settings taking turns (a card
scheduled with more learning steps than the scheduler has now), with fsrs's default parameters
and with fitted ones anywhere inside their bounds.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flashprep.core.scheduling.fsrsreference import FsrsScheduler, fsrs_review
from flashprep.core.scheduling.parameters import LOWER, UPPER
from flashprep.core.scheduling.scheduler import NEW, CardState, Scheduler, SchedulerSettings

START = datetime(2024, 3, 1, 8, tzinfo=UTC)

step_lists = st.one_of(
    st.sampled_from([(), (1.0,), (1.0, 10.0), (10.0,), (1.0, 10.0, 60.0), (0.5, 1440.0)]),
    st.lists(st.floats(min_value=0.01, max_value=3000.0), max_size=4).map(tuple),
)
fitted = st.tuples(
    *(st.floats(min_value=lo, max_value=hi) for lo, hi in zip(LOWER, UPPER, strict=True))
)
scheduler_settings = st.builds(
    SchedulerSettings,
    desired_retention=st.floats(min_value=0.7, max_value=0.99),
    learning_steps_minutes=step_lists,
    relearning_steps_minutes=step_lists,
    maximum_interval_days=st.one_of(
        st.sampled_from([1, 2, 3, 7, 30, 365, 36500]), st.integers(1, 36500)
    ),
    fuzz=st.booleans(),
    seed=st.integers(0, 2**40),
    parameters=st.one_of(st.none(), fitted),
)
gaps = st.one_of(
    st.sampled_from([0, 1, 59, 60, 600, 3599, 86399, 86400, 86401, 3 * 86400, 40 * 86400]),
    st.integers(-5 * 86400, 3 * 365 * 86400),  # below 0: the clock went back
    st.floats(min_value=0, max_value=90 * 86400).map(lambda s: timedelta(seconds=s)),
)
grades = st.lists(
    st.tuples(gaps, st.integers(1, 4), st.integers(0, 1), st.booleans()), min_size=1, max_size=40
)


def same(ours: CardState, theirs: CardState) -> bool:
    return ours == theirs and repr(ours) == repr(theirs)


def outcome(scheduler: Scheduler, key: str, state: CardState, rating: int, now: datetime) -> object:
    """The state a grade gives, or the type of the error it raises."""
    try:
        return scheduler.review(key, state, rating, now)  # type: ignore[arg-type]
    except (ValueError, ArithmeticError, AssertionError) as error:
        return type(error)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=scheduler_settings, second=scheduler_settings, history=grades, key=st.text(max_size=8))
def test_every_grade_is_the_one_fsrs_gives(
    first: SchedulerSettings,
    second: SchedulerSettings,
    history: list[tuple[int | timedelta, int, int, bool]],
    key: str,
) -> None:
    ours = (Scheduler(first), Scheduler(second))
    theirs = (FsrsScheduler(first), FsrsScheduler(second))
    state, now = NEW, START
    for gap, rating, which, forget in history:
        now += gap if isinstance(gap, timedelta) else timedelta(seconds=gap)
        if forget:  # a `forget` entry: new again, its review count from zero
            state = NEW
        got = outcome(ours[which], key, state, rating, now)
        expected = outcome(theirs[which], key, state, rating, now)
        if not isinstance(expected, CardState):
            assert got == expected
            return
        assert isinstance(got, CardState) and same(got, expected), (state, rating, now)
        state = got


@settings(max_examples=100, deadline=None)
@given(
    config=scheduler_settings,
    stability=st.one_of(st.none(), st.floats(min_value=0.001, max_value=50_000)),
    difficulty=st.one_of(st.none(), st.floats(min_value=1.0, max_value=10.0)),
    name=st.sampled_from(["new", "learning", "review", "relearning"]),
    step=st.one_of(st.none(), st.integers(0, 5)),
    last=st.one_of(st.none(), st.integers(-400 * 86400, 86400)),
    reps=st.integers(0, 500),
    rating=st.integers(1, 4),
)
def test_states_read_from_a_checkpoint_grade_as_in_fsrs(
    config: SchedulerSettings,
    stability: float | None,
    difficulty: float | None,
    name: str,
    step: int | None,
    last: int | None,
    reps: int,
    rating: int,
) -> None:
    """Any state a checkpoint may hold (older settings, odd steps, no last review), including
    those fsrs refuses: the same state or the same error."""
    state = CardState(
        name,  # type: ignore[arg-type]
        step,
        stability,
        difficulty,
        START,
        None if last is None else START + timedelta(seconds=last),
        reps,
    )
    got = outcome(Scheduler(config), "d/c", state, rating, START)
    expected = outcome(FsrsScheduler(config), "d/c", state, rating, START)
    if isinstance(expected, CardState):
        assert isinstance(got, CardState) and same(got, expected)
    else:
        assert got == expected


@pytest.mark.parametrize(
    "now",
    [datetime(2026, 1, 1), datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=1)))],
    ids=["naive", "not-utc"],
)
def test_a_time_fsrs_refuses_is_refused(now: datetime) -> None:
    for scheduler in (Scheduler(), FsrsScheduler()):
        with pytest.raises(ValueError, match="UTC"):
            scheduler.review("d/c", NEW, 3, now)  # type: ignore[arg-type]


def test_the_fuzz_draws_what_the_global_random_drew() -> None:
    """Many review-state grades (each fuzzed) under many seeds: the same intervals as fsrs,
    whose fuzz comes from the global generator seeded the same way."""
    rng = random.Random(4)
    for seed in range(30):
        config = SchedulerSettings(seed=seed)
        state = Scheduler(config).review("d/c", NEW, 4, START)
        for _ in range(12):
            assert state.due is not None
            now = state.due + timedelta(hours=rng.randint(0, 200))
            rating = rng.choice([2, 3, 3, 4])
            expected = fsrs_review(config, "d/c", state, rating, now)
            state = Scheduler(config).review("d/c", state, rating, now)  # type: ignore[arg-type]
            assert same(state, expected)
