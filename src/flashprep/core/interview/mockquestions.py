"""What a mock interview asks: the round's options, and its questions, chosen weak and overdue
first within the time. Kept apart from the round record (mock.py) so that opening a round, and
the CLI that describes it, need no pydantic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.decks.rules import CATEGORIES
from flashprep.core.interview.timing import card_target
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.drill import is_available

DEFAULT_MINUTES = 30
MAX_MINUTES = 240
MAX_PER_CATEGORY = 50


def parse_mix(text: str) -> dict[str, int]:
    """`behavioral:2,technical:3` -> {"behavioral": 2, "technical": 3}; ValueError says why not."""
    mix: dict[str, int] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        category, sep, count = part.partition(":")
        category = category.strip()
        if not sep or not count.strip().isdigit():
            raise ValueError(f"{part!r}: expected CATEGORY:COUNT, e.g. behavioral:2")
        if category not in CATEGORIES:
            raise ValueError(f"{part!r}: unknown category (use {', '.join(CATEGORIES)})")
        n = int(count)
        if not 1 <= n <= MAX_PER_CATEGORY:
            raise ValueError(f"{part!r}: count must be 1 to {MAX_PER_CATEGORY}")
        mix[category] = mix.get(category, 0) + n
    if not mix:
        raise ValueError("empty mix: expected CATEGORY:COUNT, e.g. behavioral:2,technical:3")
    return mix


@dataclass(frozen=True)
class MockOptions:
    minutes: int = DEFAULT_MINUTES
    mix: dict[str, int] = field(default_factory=dict)
    """Questions per category; empty means a mix of every category, filling the time."""
    deck_ids: list[str] | None = None


def ranked_cards(
    library: DeckLibrary, store: UserStore, keys: list[str], now: datetime, rng: random.Random
) -> list[str]:
    """Weak and overdue cards first (lowest predicted recall now), then cards never studied (in
    random order), then the rest (lowest recall first). Suspended cards are left out."""
    weak: list[tuple[float, int, str]] = []
    rest: list[tuple[float, str]] = []
    new: list[str] = []
    retention = store.settings.desired_retention
    for key in keys:
        state = store.states.get(key)
        if state is None or state.is_new:
            if state is None or not state.suspended:
                new.append(key)
            continue
        if state.suspended:
            continue
        recall = store.scheduler.retrievability(state, now)
        overdue = state.due is not None and state.due <= now
        if overdue or recall < retention:
            weak.append((recall, -state.lapses, key))
        else:
            rest.append((recall, key))
    rng.shuffle(new)
    return [k for *_, k in sorted(weak)] + new + [k for _, k in sorted(rest)]


def choose_questions(
    library: DeckLibrary,
    store: UserStore,
    options: MockOptions,
    now: datetime | None = None,
    seed: int | None = None,
) -> list[str]:
    """A round: the mix (or every category in turn), weak and overdue cards first, within the time.

    Categories take turns so the round mixes them; questions are added while their target times
    fit in the round's minutes (the first one always does).
    """
    now = now or store.now()
    rng = random.Random(seed)
    today_ord = store.today(now).toordinal()
    by_category: dict[str, list[str]] = {}
    for loaded in library:
        if options.deck_ids is not None and loaded.id not in options.deck_ids:
            continue
        keys = [
            k
            for k in library.card_keys([loaded.id])
            if k not in store.states or is_available(store.states[k], today_ord)
        ]
        by_category.setdefault(loaded.category, []).extend(keys)
    ranked = {c: ranked_cards(library, store, keys, now, rng) for c, keys in by_category.items()}
    wanted = dict(options.mix) or {c: len(ranked[c]) for c in CATEGORIES if c in ranked}
    queues = {c: ranked.get(c, [])[:n] for c, n in wanted.items()}
    order: list[str] = []
    while any(queues.values()):
        for category in wanted:
            if queues[category]:
                order.append(queues[category].pop(0))
    budget = options.minutes * 60
    chosen: list[str] = []
    used = 0
    for key in order:
        target = card_target(library, key) or 0
        if chosen and used + target > budget:
            if options.mix:
                continue  # a shorter question of another category may still fit
            break
        chosen.append(key)
        used += target
    return chosen
