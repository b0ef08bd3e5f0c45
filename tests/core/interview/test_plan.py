"""Planning for an interview date: known cards and dates, and a plan followed day by day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.interview.opendrill import open_drill
from flashprep.core.interview.plan import (
    Gain,
    Goal,
    bring_forward_day,
    choose_by_gain,
    due_by_plan,
    interview_instant,
    intro_days,
    new_pace,
    readiness,
    review_good,
    simulate,
    today_plan,
    weakest_cards,
)
from flashprep.core.paths import Home
from flashprep.core.scheduling.scheduler import NEW, CardState, Rating, Scheduler
from flashprep.core.storage.profile import Interview
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.drill import Drill

from helpers import START, FakeClock, review_state

Make = Callable[..., UserStore]
NOW = START  # 2026-11-26 15:00 UTC
DATE = date(2026, 12, 20)
GOAL = Goal(DATE, interview_instant(DATE, UTC), 0.95, Scheduler(), 4, UTC)


def test_recall_is_predicted_at_noon_local_time_on_the_date() -> None:
    assert interview_instant(DATE, UTC) == datetime(2026, 12, 20, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("days", "intro"), [(0, 0), (1, 1), (2, 1), (3, 2), (4, 3), (8, 5), (10, 7), (60, 57)]
)
def test_new_cards_are_introduced_with_a_few_days_in_reserve(days: int, intro: int) -> None:
    today = DATE - timedelta(days=days)
    assert intro_days(today, DATE) == intro


def test_new_card_pace_introduces_every_card_in_time() -> None:
    today = DATE - timedelta(days=10)  # 7 days to introduce them
    assert new_pace(100, today, DATE) == 15  # 15 * 7 >= 100 > 14 * 7
    assert new_pace(0, today, DATE) == 0
    assert new_pace(5, DATE, DATE) == 0


def test_a_card_due_before_the_date_is_left_to_normal_scheduling() -> None:
    state = review_state(5, days_ago=3, due_in=2)
    assert GOAL.recall(state) < GOAL.target
    assert bring_forward_day(GOAL, "d/c", state, NOW) is None


def test_a_card_recalled_well_enough_on_the_date_is_left_alone() -> None:
    state = review_state(400, days_ago=1, due_in=300)
    assert GOAL.recall(state) >= GOAL.target
    assert bring_forward_day(GOAL, "d/c", state, NOW) is None


def test_a_card_not_due_before_the_date_is_brought_forward_on_the_earliest_day_that_suffices() -> (
    None
):
    state = review_state(10, days_ago=2, due_in=30)  # due after the date, as if fuzzed late
    assert GOAL.recall(state) < GOAL.target
    day = bring_forward_day(GOAL, "d/c", state, NOW)
    assert day is not None and NOW.date() < day < DATE
    at = GOAL.review_time(day, NOW)
    after, _, _ = review_good(GOAL.scheduler, "d/c", state, at)
    assert GOAL.recall(after) >= GOAL.target
    before, _, _ = review_good(GOAL.scheduler, "d/c", state, at - timedelta(days=1))
    assert GOAL.recall(before) < GOAL.target
    assert not due_by_plan(GOAL, "d/c", state, NOW)
    assert due_by_plan(GOAL, "d/c", state, at)


def test_a_card_that_cannot_reach_the_target_gets_one_review_on_the_eve() -> None:
    state = CardState("review", None, 0.2, 10.0, NOW + timedelta(days=40), NOW - timedelta(days=3))
    eve = DATE - timedelta(days=1)
    assert bring_forward_day(GOAL, "d/c", state, NOW) == eve  # the best it can do
    at = GOAL.review_time(eve, NOW)
    assert due_by_plan(GOAL, "d/c", state, at)
    after, _, at = review_good(GOAL.scheduler, "d/c", state, at)
    assert GOAL.recall(after) < GOAL.target  # still short of the target, yet not again that day
    assert bring_forward_day(GOAL, "d/c", after, at + timedelta(hours=1)) is None
    assert not due_by_plan(GOAL, "d/c", after, at + timedelta(hours=1))


@pytest.mark.parametrize(
    ("stability", "days_ago", "due_in"),
    [(2.3, 0, 2), (5, 3, 2), (15, 14, 1), (40, 10, 30), (100, 20, 80), (1.0, 30, -29)],
)
def test_following_the_plan_reaches_the_target_on_the_date(
    stability: float, days_ago: float, due_in: float
) -> None:
    state = review_state(stability, days_ago, due_in)
    grades, final = simulate(GOAL, "d/c", state, NOW)
    assert grades >= 1
    assert GOAL.recall(final) >= GOAL.target


def test_a_new_card_introduced_on_its_day_reaches_the_target() -> None:
    last_intro = NOW.date() + timedelta(days=intro_days(NOW.date(), DATE) - 1)
    grades, final = simulate(GOAL, "d/new", NEW, NOW, last_intro)
    assert grades >= 2  # its learning steps, then reviews
    assert GOAL.recall(final) >= GOAL.target
    assert simulate(GOAL, "d/new", NEW, NOW, None) == (0, NEW)


# --- the plan for a user, followed in drills day by day ------------------------------------------


@pytest.fixture
def big_library(library_with_gamma: Callable[[int], DeckLibrary]) -> DeckLibrary:
    """The test decks plus 24 generated technical cards."""
    return library_with_gamma(24)


def drill_day(
    library: DeckLibrary, store: UserStore, clock: FakeClock, ratings: list[int], ms: int = 5000
) -> int:
    """One day's drill of every deck, grading in the given pattern (each answer taking `ms`);
    returns the grades given."""
    drill = open_drill(library, store)
    graded = 0
    while drill.current is not None:
        drill.grade(ratings[graded % len(ratings)], ms)
        graded += 1
        clock.advance(minutes=2)
    return graded


def set_interview(store: UserStore, day: date, target: float = 0.95) -> None:
    profile = store.profile.model_copy(
        update={"interview": Interview(date=day, target_recall=target)}
    )
    store.save_profile(profile)


def history(library: DeckLibrary, store: UserStore, clock: FakeClock, ms: int = 5000) -> None:
    """Ten days of drilling with mixed grades, so cards hold all kinds of memory states."""
    for _ in range(10):
        drill_day(library, store, clock, [3, 2, 4, 3, 1, 3], ms)
        clock.now = clock.now.replace(hour=15, minute=0) + timedelta(days=1)


def follow_until(library: DeckLibrary, store: UserStore, clock: FakeClock, day: date) -> None:
    while store.today() < day:
        drill_day(library, store, clock, [3])
        clock.now = clock.now.replace(hour=15, minute=0) + timedelta(days=1)


def below_target_on_the_date(library: DeckLibrary, store: UserStore, day: date) -> list[str]:
    goal = Goal(day, interview_instant(day, UTC), 0.95, store.scheduler, 4, UTC)
    return [k for k in library.card_keys() if goal.recall(store.state(k)) < goal.target]


def test_following_the_plan_in_drills_brings_every_card_to_the_target(
    big_library: DeckLibrary, make_store: Make, clock: FakeClock
) -> None:
    store = make_store(new_per_day=1)
    history(big_library, store, clock)
    day = store.today() + timedelta(days=7)
    set_interview(store, day)
    plan = today_plan(big_library, store)
    assert plan is not None and plan.new_left == 19
    assert plan.pace == 4  # 19 new cards in 5 days
    # time allowing, the plan front-loads new cards: up to twice the pace (above the user's 1)
    assert plan.new_per_day == 8
    follow_until(big_library, store, clock, day)
    assert below_target_on_the_date(big_library, store, day) == []
    assert all(not store.state(k).is_new for k in big_library.card_keys())
    assert today_plan(big_library, store) is None  # the date has come: normal scheduling


def test_without_the_plan_some_cards_fall_below_the_target(
    big_library: DeckLibrary, make_store: Make, clock: FakeClock
) -> None:
    """The control for the test above: the same days with normal scheduling only."""
    store = make_store(new_per_day=1)
    history(big_library, store, clock)
    day = store.today() + timedelta(days=7)
    studied = [k for k in big_library.card_keys() if not store.state(k).is_new]
    follow_until(big_library, store, clock, day)
    below = below_target_on_the_date(big_library, store, day)
    assert set(below) & set(studied)  # cards studied before, not only cards never introduced


def test_the_plan_adds_its_cards_to_the_drill(
    library: DeckLibrary, make_store: Make, clock: FakeClock
) -> None:
    store = make_store(new_per_day=0)
    history(library, store, clock)  # new_per_day=0: nothing introduced
    assert open_drill(library, store).left == 0
    set_interview(store, store.today() + timedelta(days=5))
    drill = open_drill(library, store)
    # five new cards over the 3 days before the date's reserve: a pace of 2, and time allows
    # twice that
    assert drill.left == 4
    plan = today_plan(library, store)
    assert plan is not None and plan.pace == 2 and plan.new_per_day == 4 and plan.days_left == 5


def test_the_drill_brings_forward_what_the_plan_names(
    library: DeckLibrary, make_store: Make, clock: FakeClock
) -> None:
    store = make_store()
    key = "alpha/a1"
    store.data.states[key] = CardState(
        "review", None, 60.0, 5.0, clock.now + timedelta(days=40), clock.now - timedelta(days=20)
    )
    assert key not in _drill_cards(open_drill(library, store, ["alpha"]))
    set_interview(store, store.today() + timedelta(days=30))
    plan = today_plan(library, store)
    assert plan is not None and plan.bring_forward == (key,)
    assert key in _drill_cards(open_drill(library, store, ["alpha"]))
    assert key not in _drill_cards(open_drill(library, store, ["beta"]))


def _drill_cards(drill: Drill) -> list[str]:
    return [k for k in [drill.current, *drill.queue] if k is not None]


def test_a_plan_for_some_decks_paces_only_their_new_cards(
    library: DeckLibrary, make_store: Make
) -> None:
    store = make_store(new_per_day=0)
    profile = store.profile.model_copy(
        update={"interview": Interview(date=store.today() + timedelta(days=2), decks=["beta"])}
    )
    store.save_profile(profile)
    drill = open_drill(library, store)
    assert sorted(_drill_cards(drill)) == ["beta/b1", "beta/b2"]


def test_readiness_per_topic_now_and_on_the_date(
    library: DeckLibrary, make_store: Make, clock: FakeClock
) -> None:
    store = make_store()
    no_date = readiness(library, store)
    assert [t.topic for t in no_date] == ["alpha", "beta"]
    assert all(t.recall_on_date is None and t.reviews_needed is None for t in no_date)
    assert all(t.recall_now == 0 and t.new == t.cards for t in no_date)
    drill_day(library, store, clock, [3])
    set_interview(store, store.today() + timedelta(days=30))
    topics = {t.topic: t for t in readiness(library, store)}
    alpha = topics["alpha"]
    assert alpha.cards == 3 and alpha.new == 0
    assert alpha.recall_now > 0.9
    assert alpha.recall_on_date is not None and alpha.recall_on_date < alpha.recall_now
    assert alpha.below_target == 3
    assert alpha.reviews_needed is not None and alpha.reviews_needed >= 3


def test_readiness_counts_reviews_for_new_cards(library: DeckLibrary, make_store: Make) -> None:
    store = make_store()
    set_interview(store, store.today() + timedelta(days=10))
    topics = {t.topic: t for t in readiness(library, store)}
    assert topics["beta"].reviews_needed is not None
    assert topics["beta"].reviews_needed >= 2 * 2  # each new card: two learning grades at least
    assert topics["beta"].recall_on_date == 0


def test_weakest_cards_are_the_lowest_recall_on_the_date(
    library: DeckLibrary, make_store: Make, clock: FakeClock
) -> None:
    store = make_store()
    assert weakest_cards(library, store) == []  # nothing studied yet
    ago = clock.now - timedelta(days=3)
    strong = CardState("review", None, 300.0, 5.0, clock.now + timedelta(days=200), ago)
    weak = CardState("review", None, 3.0, 5.0, clock.now + timedelta(days=1), ago)
    store.data.states.update({"alpha/a1": strong, "beta/b1": weak, "alpha/a2": strong})
    store.data.states["alpha/a3"] = weak._replace(suspended=True)
    assert weakest_cards(library, store)[0] == "beta/b1"
    assert "alpha/a3" not in weakest_cards(library, store)
    assert weakest_cards(library, store, deck_ids=["alpha"], limit=1) in (
        ["alpha/a1"],
        ["alpha/a2"],
    )
    drill = Drill(library, store, keys=weakest_cards(library, store, limit=2))
    assert drill.current == "beta/b1" and drill.left == 2


# --- the plan within the user's minutes a day ---------------------------------------------------


def gain(ratio: float, key: str, cost: float = 1.0) -> Gain:
    return Gain(ratio * cost, cost, key)


@pytest.mark.parametrize(
    ("room", "reviews", "new_ratio", "expected"),
    [
        (10, [gain(0.5, "a"), gain(0.1, "b")], 0.3, (["a"], 3)),  # a, then new cards before b
        (2, [gain(0.5, "a"), gain(0.1, "b")], 0.3, (["a", "b"], 0)),  # no room for a new card
        (5, [gain(0.1, "a"), gain(0.2, "b")], 0.05, (["b", "a"], 1)),  # reviews first
        (100, [gain(0.1, "a")], 0.3, (["a"], 5)),  # every new card fits: then the review
        (0, [gain(0.9, "a")], 0.3, ([], 0)),  # no time at all
        (4, [gain(0.4, "a", cost=3.0), gain(0.3, "b")], 0.0, (["a", "b"], 0)),
    ],
)
def test_the_day_goes_to_what_gains_most_per_grade(
    room: float,
    reviews: list[Gain],
    new_ratio: float,
    expected: tuple[list[str], int],
) -> None:
    new = Gain(new_ratio * 6, 6.0, "d/new")
    assert choose_by_gain(room, reviews, new, 3.0, 5) == expected


def test_without_new_cards_only_reviews_are_chosen() -> None:
    assert choose_by_gain(3, [gain(0.2, "a"), gain(0.1, "b")], None, 0.0, 0) == (["a", "b"], 0)


def test_the_fewer_minutes_a_day_the_fewer_new_cards(
    big_library: DeckLibrary, make_store: Make, home: Home
) -> None:
    plans = []
    for minutes in (5, 10, 30, 120):
        clock = FakeClock()
        make_store(f"u{minutes}", new_per_day=2, daily_minutes=minutes)
        store = UserStore(home, f"u{minutes}", clock)
        history(big_library, store, clock, ms=40_000)
        set_interview(store, store.today() + timedelta(days=10))
        plan = today_plan(big_library, store)
        assert plan is not None
        plans.append(plan)
    news = [p.new_per_day for p in plans]
    assert news == sorted(news) and news[0] < news[-1]
    assert all(p.pace == plans[0].pace for p in plans)  # the pace ignores the time
    assert news[-1] == min(plans[-1].new_left, 2 * plans[-1].pace)  # time enough: front-loaded
    # with 5 minutes, the new cards' first grades (two learning steps each) fit in them
    tight = plans[0]
    assert tight.new_per_day * tight.per_grade_s * 2 <= 5 * 60


def test_time_spent_today_leaves_less_for_new_cards(
    big_library: DeckLibrary, make_store: Make, clock: FakeClock
) -> None:
    store = make_store(new_per_day=2, daily_minutes=15)
    history(big_library, store, clock)
    set_interview(store, store.today() + timedelta(days=10))
    before = today_plan(big_library, store)
    assert before is not None and before.new_per_day > 0
    drill = open_drill(big_library, store)
    spent = 0
    while drill.current is not None and spent < 14 * 60_000:
        drill.grade(Rating.GOOD, 60_000)
        spent += 60_000
        clock.advance(minutes=1)
    after = today_plan(big_library, store)
    assert after is not None and after.minutes_left < 1.5
    assert after.new_per_day - store.counts_today().new <= 0  # no more new cards today


def test_the_plan_can_lower_the_users_new_card_limit(
    big_library: DeckLibrary, make_store: Make, clock: FakeClock
) -> None:
    store = make_store(new_per_day=1, daily_minutes=5)
    history(big_library, store, clock, ms=40_000)
    set_interview(store, store.today() + timedelta(days=10))
    settings = store.profile.settings.model_copy(update={"new_per_day": 10})
    store.save_profile(store.profile.model_copy(update={"settings": settings}))
    plan = today_plan(big_library, store)
    assert plan is not None and plan.new_left > 10 and plan.new_per_day < 10
    drill = open_drill(big_library, store)
    assert drill.remaining().new == plan.new_per_day - store.counts_today().new
    plain = Drill(big_library, store)  # without the plan: the user's own limit
    assert plain.remaining().new > drill.remaining().new


def test_the_drill_shows_the_plans_most_valuable_cards_first(
    big_library: DeckLibrary, make_store: Make, clock: FakeClock
) -> None:
    store = make_store(new_per_day=3, daily_minutes=60)
    history(big_library, store, clock)
    clock.advance(days=6)  # reviews come due
    set_interview(store, store.today() + timedelta(days=8))
    plan = today_plan(big_library, store)
    assert plan is not None and plan.scores
    drill = open_drill(big_library, store)
    ranks = [plan.rank(k) for k in _drill_cards(drill)]
    assert ranks == sorted(ranks, reverse=True)
    assert len(set(ranks)) > 1
    assert plan.rank("other/card") < min(ranks)  # cards of no interview deck come last
