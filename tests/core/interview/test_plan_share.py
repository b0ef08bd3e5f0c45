"""The plan aims at the share of cards at the target on the date as well as at the mean: cards
made secure (recall at the target even with a weaker memory than predicted) are worth a bonus,
the last days top up studied cards before new ones, and new cards stop when the minutes left
until the date cannot carry them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, timedelta
from pathlib import Path

import pytest

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.decks.rules import DEFAULT_TARGET_SECONDS
from flashprep.core.interview.opendrill import open_drill
from flashprep.core.interview.plan import (
    DOUBT,
    Goal,
    TodayPlan,
    answer_seconds,
    carry_cap,
    interview_instant,
    simulate,
    today_plan,
)
from flashprep.core.paths import Home
from flashprep.core.scheduling.scheduler import CardState, Scheduler
from flashprep.core.storage.profile import Interview
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.drill import Drill

from helpers import START, review_state

Make = Callable[..., UserStore]
NOW = START
DATE = date(2026, 12, 20)
GOAL = Goal(DATE, interview_instant(DATE, UTC), 0.9, Scheduler(), 4, UTC)


def stability_at_target(goal: Goal) -> float:
    """The stability whose recall on the date, reviewed at NOW, is just at the target."""
    lo, hi = 0.01, 10_000.0
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if goal.recall(review_state(mid)) >= goal.target else (mid, hi)
    return hi


@pytest.mark.parametrize("target", [0.8, 0.9, 0.95])
def test_a_card_just_at_the_target_is_not_secure_one_with_room_is(target: float) -> None:
    goal = GOAL.__class__(GOAL.day, GOAL.at, target, GOAL.scheduler, 4, UTC)
    just = stability_at_target(goal)
    assert goal.recall(review_state(just)) >= target
    assert not goal.secure(review_state(just))
    assert not goal.secure(review_state(just / DOUBT * 0.9))
    assert goal.secure(review_state(just / DOUBT * 1.1))
    new = CardState()
    assert not goal.secure(new)


def test_the_cap_on_new_cards_follows_the_minutes_left() -> None:
    known = [(f"d/k{i}", review_state(2.0, days_ago=1, due_in=1)) for i in range(30)]
    load = sum(simulate(GOAL, k, s, NOW)[0] for k, s in known)
    assert load > 0
    caps = [carry_cap(GOAL, known, NOW, grades, 5.0) for grades in (0, load / 2, load, 4 * load)]
    assert caps[0] == caps[1] == 0  # not even the studied cards' reviews fit: no new card
    assert caps == sorted(caps) and caps[-1] > 0
    # the more studied cards need, the fewer new ones; the dearer a new card, the fewer
    more = known + [(f"d/m{i}", review_state(2.0, days_ago=1, due_in=1)) for i in range(30)]
    assert carry_cap(GOAL, more, NOW, 4 * load, 5.0) < caps[-1]
    assert carry_cap(GOAL, known, NOW, 4 * load, 20.0) < caps[-1]
    assert carry_cap(GOAL, [], NOW, 100.0, 5.0) > carry_cap(GOAL, [], NOW, 10.0, 5.0) >= 1


def test_the_cap_samples_many_cards_and_scales_their_load() -> None:
    one = [("d/a", review_state(2.0, days_ago=1, due_in=1))]
    many = one * 1000  # the same card a thousand times: the sample's load, scaled up
    single = carry_cap(GOAL, one, NOW, 10_000.0, 1.0)
    assert carry_cap(GOAL, many, NOW, 10_000.0, 1.0) < single
    load = simulate(GOAL, "d/a", one[0][1], NOW)[0]
    assert load > 0 and carry_cap(GOAL, many, NOW, 1000.0 * load * 0.5, 1.0) == 0


def set_interview(store: UserStore, day: date, target: float = 0.9) -> None:
    profile = store.profile.model_copy(
        update={"interview": Interview(date=day, target_recall=target)}
    )
    store.save_profile(profile)


@pytest.mark.parametrize("days_left", [1, 2, 3])
def test_in_the_last_days_a_card_just_under_the_target_comes_before_new_cards(
    library: DeckLibrary, make_store: Make, days_left: int
) -> None:
    store = make_store(new_per_day=20, daily_minutes=60)
    day = store.today() + timedelta(days=days_left)
    set_interview(store, day)
    goal = Goal.of(store)
    assert goal is not None
    # reviewed a while ago, not due before the date, recall on the date just under the target
    key = library.card_keys()[0]
    stability = 1.0
    while (
        goal.recall(review_state(stability, days_ago=10, due_in=days_left + 5)) < goal.target - 0.03
    ):
        stability *= 1.05
    state = review_state(stability, days_ago=10, due_in=days_left + 5)
    assert goal.target - 0.05 < goal.recall(state) < goal.target
    store.data.states[key] = state
    plan = today_plan(library, store)
    assert plan is not None and plan.new_left > 0
    assert key in plan.bring_forward
    assert plan.rank(key) > plan.new_score  # the drill shows it before any new card


def test_a_secure_card_is_not_topped_up_in_the_last_days(
    library: DeckLibrary, make_store: Make
) -> None:
    store = make_store(new_per_day=20, daily_minutes=60)
    set_interview(store, store.today() + timedelta(days=2))
    key = library.card_keys()[0]
    store.data.states[key] = review_state(400.0, days_ago=10, due_in=300)
    goal = Goal.of(store)
    assert goal is not None and goal.secure(store.state(key))
    plan = today_plan(library, store)
    assert plan is not None and key not in plan.bring_forward


@pytest.fixture
def big_library(library_with_gamma: Callable[[int], DeckLibrary]) -> DeckLibrary:
    """The test decks plus 60 generated technical cards."""
    return library_with_gamma(60)


def test_new_cards_stop_when_the_minutes_left_cannot_carry_them(
    big_library: DeckLibrary, make_store: Make
) -> None:
    """Many studied cards due soon and few minutes a day: the plan adds no new card although
    today's minutes would hold some; with more minutes a day it adds them."""
    plans = []
    for user, minutes in (("few", 5), ("many", 600)):
        store = make_store(user, new_per_day=20, daily_minutes=minutes)
        set_interview(store, store.today() + timedelta(days=6))
        keys = big_library.card_keys()
        for key in keys[: 2 * len(keys) // 3]:
            store.data.states[key] = review_state(0.1, days_ago=1, due_in=1)
        plans.append(today_plan(big_library, store))
    few, many = plans
    assert few is not None and many is not None
    assert few.new_left == many.new_left > 0
    assert few.due_today == 0  # nothing is due today: today's minutes are free
    assert few.minutes_left * 60 / few.per_grade_s > 3  # room for a new card's first grades
    assert few.new_per_day == 0 and many.new_per_day > 0


# --- which new cards first: the cheapest to answer -----------------------------------------------


def plan_with(keys: list[str], seconds: dict[str, float]) -> TodayPlan:
    return TodayPlan(
        interview=DATE,
        days_left=10,
        target=0.9,
        keys=frozenset(keys),
        bring_forward=(),
        new_left=len(keys),
        new_per_day=3,
        new_seconds=seconds,
    )


@pytest.mark.parametrize(
    ("pool", "ours", "seconds", "expected"),
    [
        (["d/a", "d/b", "d/c"], ["d/a", "d/b", "d/c"], {"d/a": 90, "d/b": 30, "d/c": 60}, None),
        # other decks' cards keep their places; ours are reordered among theirs
        (
            ["d/a", "o/x", "d/b", "o/y", "d/c"],
            ["d/a", "d/b", "d/c"],
            {"d/a": 600, "d/b": 60, "d/c": 45},
            ["d/c", "o/x", "d/b", "o/y", "d/a"],
        ),
        # two interview decks take turns by minutes: the slow deck still gets its turn
        (
            ["t/a", "s/a", "t/b", "s/b", "t/c"],
            ["t/a", "t/b", "t/c", "s/a", "s/b"],
            {"t/a": 90, "t/b": 60, "t/c": 30, "s/a": 600, "s/b": 300},
            ["t/c", "s/b", "t/b", "t/a", "s/a"],
        ),
        # a deck of short answers gets more cards in the same minutes
        (
            ["q/1", "b/1", "q/2", "b/2", "q/3", "q/4"],
            ["q/1", "q/2", "q/3", "q/4", "b/1", "b/2"],
            {"q/1": 10, "q/2": 10, "q/3": 10, "q/4": 10, "b/1": 100, "b/2": 100},
            ["q/1", "b/1", "q/2", "q/3", "q/4", "b/2"],
        ),
        # ties keep the user's order
        (["d/c", "d/a", "d/b"], ["d/a", "d/b", "d/c"], {"d/a": 60, "d/b": 60, "d/c": 60}, None),
        (["d/a", "d/b"], ["d/a", "d/b"], {"d/b": 30}, ["d/b", "d/a"]),  # no target known: last
        ([], ["d/a"], {"d/a": 1}, []),
    ],
)
def test_the_decks_take_turns_by_minutes_and_each_shows_its_quickest_cards_first(
    pool: list[str], ours: list[str], seconds: dict[str, float], expected: list[str] | None
) -> None:
    out = plan_with(ours, seconds).new_first(pool)
    assert sorted(out) == sorted(pool)
    if expected is None:  # one deck: sorted by time, ties in the pool's order
        expected = sorted(pool, key=seconds.__getitem__)
    assert out == expected


def test_a_drill_with_the_plan_shows_the_shortest_new_cards_first(
    home: Home, decks_dir: Path, make_store: Make
) -> None:
    # a deck whose cards take 300, 45, 240, 60, 180, 30 ... seconds to answer
    targets = [300, 45, 240, 60, 180, 30, 400, 90]
    cards = "".join(
        f'\n[[cards]]\nid = "t{i}"\nfront = "Q{i}?"\nback = "A{i}."\ntarget_seconds = {t}\n'
        for i, t in enumerate(targets)
    )
    (decks_dir / "timed.toml").write_text(
        f'id = "timed"\nname = "Timed"\ncategory = "technical"\n{cards}'
    )
    library = DeckLibrary.load(home, decks_dir)
    store = make_store(new_per_day=3, daily_minutes=600)
    plain = Drill(library, store, ["timed"])
    assert shown(plain) == ["timed/t0", "timed/t1", "timed/t2"]  # the deck's order
    profile = store.profile.model_copy(
        update={"interview": Interview(date=store.today() + timedelta(days=30), decks=["timed"])}
    )
    store.save_profile(profile)
    plan = today_plan(library, store)
    assert plan is not None and 0 < plan.new_per_day < len(targets)
    by_time = sorted(range(len(targets)), key=lambda i: targets[i])
    cheapest = [f"timed/t{i}" for i in by_time[: plan.new_per_day]]
    assert sorted(shown(open_drill(library, store, ["timed"]))) == sorted(cheapest)


def shown(drill: Drill) -> list[str]:
    return [k for k in [drill.current, *drill.queue] if k is not None]


def test_answer_seconds_are_the_cards_own_target_else_their_categorys(
    home: Home, decks_dir: Path
) -> None:
    (decks_dir / "mixed.toml").write_text(
        'id = "mixed"\nname = "Mixed"\ncategory = "system-design"\n'
        '\n[[cards]]\nid = "own"\nfront = "Q?"\nback = "A."\ntarget_seconds = 40\n'
        '\n[[cards]]\nid = "plain"\nfront = "Q?"\nback = "A."\n'
    )
    library = DeckLibrary.load(home, decks_dir)
    keys = ["mixed/own", "mixed/plain", "gone/card", "mixed/gone"]
    seconds = answer_seconds(library, keys)
    assert seconds == {
        "mixed/own": 40.0,
        "mixed/plain": float(DEFAULT_TARGET_SECONDS["system-design"]),
    }
    assert answer_seconds(library, []) == {}
