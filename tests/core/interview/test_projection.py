"""The plan's forecast: predicted recall on the date for a time a day, and the time that reaches
the target."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.interview.plan import readiness
from flashprep.core.interview.projection import Paths, card_paths, forecast
from flashprep.core.scheduling.scheduler import Rating
from flashprep.core.storage.profile import Interview
from flashprep.core.storage.userstore import UserStore

from helpers import FakeClock

Make = Callable[..., UserStore]

PATHS = Paths(
    cards=10,
    base=2.0,
    paths=[(0.9, 1.0), (0.8, 2.0), (0.5, 2.0), (0.3, 3.0)],  # best gain a minute first
    days_left=4,
    minutes_today=1.0,
)


def test_more_minutes_a_day_never_predict_less() -> None:
    values = [PATHS.recall(m) for m in (0, 0.5, 1, 2, 3, 10, 100)]
    assert values == sorted(values)
    assert values[0] == pytest.approx(0.2)  # nothing more studied: what is known now
    assert values[-1] == pytest.approx((2.0 + 0.9 + 0.8 + 0.5 + 0.3) / 10)  # every path


@pytest.mark.parametrize("target", [0.25, 0.3, 0.35, 0.4])
def test_the_minutes_for_a_target_reach_it(target: float) -> None:
    need = PATHS.minutes_for(target)
    assert need is not None and need > 0
    assert PATHS.recall(need) == pytest.approx(target)
    assert PATHS.recall(need * 0.9) < target


def test_a_target_out_of_reach_or_already_reached() -> None:
    assert PATHS.minutes_for(0.9) is None  # all paths together give 0.45
    assert PATHS.minutes_for(0.2) == 0.0
    assert Paths(0, 0.0, [], 3, 10.0).recall(30) == 0.0


def set_interview(store: UserStore, day: date, target: float = 0.9) -> None:
    interview = Interview(date=day, target_recall=target)
    store.save_profile(store.profile.model_copy(update={"interview": interview}))


def test_no_forecast_without_an_interview_or_once_it_has_come(
    library: DeckLibrary, make_store: Make, clock: FakeClock
) -> None:
    store = make_store()
    assert forecast(library, store) is None
    set_interview(store, store.today() + timedelta(days=2))
    assert forecast(library, store) is not None
    clock.advance(days=2)
    assert forecast(library, store) is None and card_paths(library, store) is None


@pytest.mark.parametrize("days", [3, 10, 30])
def test_the_forecast_grows_with_the_minutes_a_day(
    library: DeckLibrary, make_store: Make, days: int
) -> None:
    predicted = []
    for minutes in (5, 30, 120):
        store = make_store(f"u{minutes}-{days}", daily_minutes=minutes)
        set_interview(store, store.today() + timedelta(days=days))
        got = forecast(library, store)
        assert got is not None and got.daily_minutes == minutes
        predicted.append(got.predicted)
        assert got.pace_minutes is None and got.at_pace is None  # nothing studied yet
    assert predicted == sorted(predicted) and predicted[0] >= 0 and predicted[-1] <= 1


def test_the_recent_pace_is_measured_from_the_log(
    library: DeckLibrary, make_store: Make, clock: FakeClock
) -> None:
    store = make_store(daily_minutes=30)
    set_interview(store, store.today() + timedelta(days=20))
    for key in library.card_keys()[:3]:
        store.grade(key, Rating.GOOD, 70_000)  # 3.5 minutes in all
        clock.advance(minutes=2)
    got = forecast(library, store)
    assert got is not None and got.pace_minutes == pytest.approx(3.5 / 7)
    assert got.at_pace is not None and got.at_pace <= got.predicted
    clock.advance(days=8)  # a week without study
    later = forecast(library, store)
    assert later is not None and later.pace_minutes is None


def test_the_users_shift_moves_the_forecast_of_studied_cards(
    library: DeckLibrary, make_store: Make, clock: FakeClock
) -> None:
    store = make_store(daily_minutes=30)
    set_interview(store, store.today() + timedelta(days=12))
    assert all(t.recall_on_date == 0 for t in readiness(library, store, shift=2.0))  # all new
    for key in library.card_keys()[:4]:
        store.grade(key, Rating.GOOD, 20_000)
    clock.advance(days=3)
    for key in library.card_keys()[:4]:
        store.grade(key, Rating.GOOD, 20_000)
    clock.advance(days=1)
    by_shift = {}
    for shift in (-1.0, 0.0, 1.0):
        got = forecast(library, store, shift=shift)
        assert got is not None
        topics = readiness(library, store, shift=shift)
        on_date = sum((t.recall_on_date or 0.0) * t.cards for t in topics)
        by_shift[shift] = (got.predicted, on_date, [t.below_target for t in topics])
    low, mid, high = (by_shift[s] for s in (-1.0, 0.0, 1.0))
    assert low[0] < mid[0] < high[0] and low[1] < mid[1] < high[1]
    assert low[2] == mid[2] == high[2]  # the plan's own count does not move
