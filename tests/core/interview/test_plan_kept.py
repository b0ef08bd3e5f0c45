"""Today's plan is made once per study day and kept while nothing it depends on changed: every
change (a grade, a card action, an undo, a setting, a replay, a deck edit, the next day) makes
it again, and what is returned is always what a fresh plan would be."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.interview.plan import TodayPlan, today_plan
from flashprep.core.paths import Home
from flashprep.core.storage.profile import Interview
from flashprep.core.storage.settingkeys import SettingKey
from flashprep.core.storage.userstore import UserStore

from helpers import FakeClock

Make = Callable[..., UserStore]
Change = Callable[[DeckLibrary, UserStore, FakeClock], object]


@pytest.fixture
def big_library(home: Home, decks_dir: Path) -> DeckLibrary:
    """The test decks plus 24 generated technical cards."""
    cards = "".join(
        f'\n[[cards]]\nid = "g{i}"\nfront = "Question {i}?"\nback = "Answer {i}."\n'
        for i in range(24)
    )
    (decks_dir / "gamma.toml").write_text(
        f'id = "gamma"\nname = "Gamma"\ncategory = "technical"\n{cards}'
    )
    return DeckLibrary.load(home, decks_dir)


def prepared(library: DeckLibrary, make_store: Make, clock: FakeClock) -> UserStore:
    """A user some days into an interview plan: cards new, learnt, due and not due."""
    store = make_store(new_per_day=3)
    keys = library.card_keys()
    for day in range(6):
        todays = keys[day * 3 : day * 3 + 3] + keys[: day * 2 : 3]
        for n, key in enumerate(todays):
            store.grade(key, (3, 2, 4, 1)[(n + day) % 4], 4000)
        clock.advance(minutes=11)
        for key in todays:
            store.grade(key, 3, 4000)
        clock.advance(days=1, minutes=-11)
    interview = Interview(date=store.today() + timedelta(days=12), target_recall=0.95)
    store.save_profile(store.profile.model_copy(update={"interview": interview}))
    return store


def fresh(library: DeckLibrary, store: UserStore) -> TodayPlan | None:
    """The plan made anew now (`now` given: nothing kept)."""
    return today_plan(library, store, store.now())


def studied(library: DeckLibrary, store: UserStore) -> str:
    return next(k for k in library.card_keys() if not store.state(k).is_new)


def setting(key: str, value: object) -> Change:
    def change(library: DeckLibrary, store: UserStore, clock: FakeClock) -> None:
        store.save_profile(store.profile.with_setting(SettingKey(key), value))

    return change


def grade_then_undo(library: DeckLibrary, store: UserStore, clock: FakeClock) -> None:
    store.grade(studied(library, store), 1, 3000)
    today_plan(library, store)  # kept for the state with the grade
    store.undo()


def add_a_deck(library: DeckLibrary, store: UserStore, clock: FakeClock) -> None:
    cards = "".join(f'\n[[cards]]\nid = "n{i}"\nfront = "Q{i}?"\nback = "A{i}."\n' for i in (1, 2))
    store.home.decks.mkdir(parents=True, exist_ok=True)
    (store.home.decks / "extra.toml").write_text(
        f'id = "extra"\nname = "Extra"\ncategory = "technical"\n{cards}'
    )
    library.reload()


def edit_a_card(library: DeckLibrary, store: UserStore, clock: FakeClock) -> None:
    key = library.card_keys()[0]
    card = library.card(key)
    assert card is not None
    library.save_card(key.split("/")[0], card.model_copy(update={"front": "Edited?"}))


CHANGES: dict[str, Change] = {
    "a grade": lambda lib, store, clock: store.grade(studied(lib, store), 1, 9000),
    "a new card graded": lambda lib, store, clock: store.grade(
        next(k for k in lib.card_keys() if store.state(k).is_new), 3, 9000
    ),
    "a card buried": lambda lib, store, clock: store.record_many([studied(lib, store)], "bury"),
    "a grade taken back": grade_then_undo,
    "minutes a day": setting("daily_minutes", 5),
    "new cards a day": setting("new_per_day", 0),
    "desired retention": setting("desired_retention", 0.8),
    "the log replayed": lambda lib, store, clock: store.replay_log(),
    "a deck added": add_a_deck,
    "a card edited": edit_a_card,
    "the next study day": lambda lib, store, clock: clock.advance(days=1),
}


@pytest.mark.parametrize("name", list(CHANGES))
def test_a_change_makes_the_plan_again(
    big_library: DeckLibrary, make_store: Make, clock: FakeClock, name: str
) -> None:
    library = big_library
    store = prepared(library, make_store, clock)
    first = today_plan(library, store)
    assert first is not None
    assert today_plan(library, store) is first  # nothing changed: kept
    CHANGES[name](library, store, clock)
    again = today_plan(library, store)
    assert again is not first
    assert again == fresh(library, store)
    assert today_plan(library, store) is again


def test_the_kept_plan_is_the_one_a_fresh_plan_would_be(
    big_library: DeckLibrary, make_store: Make, clock: FakeClock
) -> None:
    library = big_library
    store = prepared(library, make_store, clock)
    kept = today_plan(library, store)
    assert kept is not None and kept == fresh(library, store)
    assert kept.scores  # reviews were scored: the comparison is not of two empty plans
    other = make_store("other", new_per_day=3)  # another user's store keeps its own
    assert today_plan(library, other) is None
    assert today_plan(library, store) is kept


def test_no_interview_no_plan_and_a_cleared_date_is_seen(
    big_library: DeckLibrary, make_store: Make, clock: FakeClock
) -> None:
    library = big_library
    store = prepared(library, make_store, clock)
    assert today_plan(library, store) is not None
    store.save_profile(store.profile.model_copy(update={"interview": None}))
    assert today_plan(library, store) is None
