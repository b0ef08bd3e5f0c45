"""How long the interview plan takes on a large collection: prints figures, asserts nothing.

    python benchmarks/interview_plan.py [CARDS]

Builds a throw-away data folder with CARDS cards (10,000 by default) in 20 decks, two thirds of
them studied with varied memory states, sets an interview 30 days ahead, and times what runs
when a drill starts or the home screen is drawn (`today_plan`: made anew, kept for the day
while nothing changed, made again after a grade), the plan screen and `stats --json`
(`readiness`, which simulates every card until the date), and the weakest-cards drill.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.interview.opendrill import open_drill
from flashprep.core.interview.plan import readiness, today_plan, weakest_cards
from flashprep.core.paths import Home
from flashprep.core.scheduling.scheduler import CardState
from flashprep.core.storage.profile import Interview, Profile, save_profile
from flashprep.core.storage.userstore import UserStore

NOW = datetime(2026, 11, 26, 15, tzinfo=UTC)


def build(root: Path, cards: int) -> tuple[DeckLibrary, UserStore]:
    decks = root / "bundled"
    decks.mkdir()
    per_deck = cards // 20
    for d in range(20):
        body = "".join(
            f'\n[[cards]]\nid = "c{i}"\nfront = "Question {i}?"\nback = "Answer {i}."\n'
            for i in range(per_deck)
        )
        category = "behavioral" if d < 4 else "technical"
        (decks / f"deck{d:02d}.toml").write_text(
            f'id = "deck{d:02d}"\nname = "Deck {d}"\ncategory = "{category}"\n{body}'
        )
    home = Home(root / "home")
    profile = Profile.model_validate(
        {
            "seed": 7,
            "settings": {"timezone": "UTC"},
            "interview": Interview(date=(NOW + timedelta(days=30)).date()).model_dump(),
        }
    )
    save_profile(home.user_dir("bench") / "profile.toml", profile)
    library = DeckLibrary.load(home, decks)
    store = UserStore(home, "bench", lambda: NOW)
    rng = random.Random(1)
    for key in library.card_keys():
        if rng.random() < 2 / 3:
            stability = rng.uniform(0.5, 120)
            last = NOW - timedelta(days=rng.uniform(0, stability * 1.5))
            due = last + timedelta(days=stability * rng.uniform(0.8, 1.2))
            store.data.states[key] = CardState(
                "review", None, stability, rng.uniform(1, 10), due, last, reps=rng.randint(1, 9)
            )
    return library, store


def timed(label: str, fn: Callable[[], object], runs: int = 3) -> None:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    print(f"{label:<42} median {statistics.median(times) * 1000:8.1f} ms  (of {runs})")


def main() -> None:
    cards = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        library, store = build(Path(tmp), cards)
        plan = today_plan(library, store)
        assert plan is not None
        print(
            f"{len(library.card_keys())} cards, {len(store.states)} studied; "
            f"{len(plan.bring_forward)} brought forward today, {plan.new_per_day} new a day"
        )
        # `now` given: made anew each time (what every drill start and home refresh paid
        # before the plan was kept per study day)
        timed("today_plan, made anew", lambda: today_plan(library, store, NOW))
        timed("today_plan, kept (nothing changed)", lambda: today_plan(library, store))
        timed("open_drill() with the plan, kept", lambda: open_drill(library, store))
        key = next(k for k in library.card_keys() if k in store.states)

        def after_a_grade() -> object:
            store.grade(key, 3, 5000)
            return today_plan(library, store)

        timed("a grade, then today_plan (made again)", after_a_grade)
        timed("readiness (plan screen, stats --json)", lambda: readiness(library, store), 1)
        timed("weakest_cards", lambda: weakest_cards(library, store))


if __name__ == "__main__":
    main()
