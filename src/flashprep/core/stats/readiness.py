"""Which topics are weak: readiness per deck or tag, and the recall now of each card behind it.

Built on the recall of each card now (`recall_now`; the report has it of every studied card from
its one walk over the cards, cardwalk.py, with the hardest cards and the leeches) and the
retention samples, so that the report only gathers the groups and the rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from itertools import compress, repeat
from typing import Any

from flashprep.core.scheduling.scheduler import CardState, Scheduler
from flashprep.core.stats.history import History, Review
from flashprep.core.stats.retention import pass_rate


def forgotten(history: History) -> set[str]:
    """The cards whose last grade was Again (the history is oldest first)."""
    last = dict(zip(history.card, history.rating, strict=True))
    return {card for card, rating in last.items() if rating == 1}


def recall_now(
    keys: Iterable[str],
    states: Mapping[str, CardState],
    failed: set[str],
    scheduler: Scheduler,
    now: datetime,
) -> dict[str, float]:
    """The chance you would recall each studied card now: FSRS's retrievability, except for a
    card whose last grade was Again (`failed`, see `forgotten`), which is 0 until it is passed.

    FSRS counts whole days since the last grade, and recall right after any grade is 1 by its
    definition (the answer was just shown): a card failed today would read "100 %" until
    tomorrow, beside its Again. What was observed last is that it was not recalled, and that is
    what the readiness, the hardest cards and the leeches show."""
    out: dict[str, float] = {}
    for key in keys:
        state = states.get(key)
        if state is None or state.is_new:
            continue
        out[key] = 0.0 if key in failed else scheduler.retrievability(state, now)
    return out


def weakest_first(keys: Iterable[str], recall: Mapping[str, float]) -> list[str]:
    """A deck's or a tag's cards for a drill of its weak spots: the studied ones (those in
    `recall`, see recall_now), least recalled first; new cards are left to the day's limits."""
    studied = [key for key in keys if key in recall]
    return sorted(studied, key=recall.__getitem__)  # stable: deck order among equals


def readiness(
    groups: Mapping[str, Iterable[str]],
    studied: set[str],
    recall: Mapping[str, float],
    due: set[str],
    samples: Iterable[Review],
) -> dict[str, dict[str, Any]]:
    """Per group of cards (a deck, a tag): cards, studied (those in `studied`: the cards not
    new, of the groups at least), due today, true retention over the samples given, `recall` =
    average predicted recall now (FSRS retrievability) of the studied cards, and `ready` = the
    share of all its cards you would recall now (new cards count 0)."""
    h = History.of(samples)
    again = [rating == 1 for rating in h.rating]
    failed = Counter(compress(h.card, again))
    passed = Counter(compress(h.card, [not a for a in again]))
    out = {}
    for name, members in groups.items():
        keys = list(members)
        seen = studied.intersection(keys)
        total = sum(map(recall.get, seen, repeat(0.0)))  # recall.get(k, 0.0), the set's order
        good = sum(map(passed.get, keys, repeat(0)))
        bad = sum(map(failed.get, keys, repeat(0)))
        out[name] = {
            "cards": len(keys),
            "studied": len(seen),
            "due": len(due.intersection(keys)),
            "retention": pass_rate(good, bad),
            "recall": round(total / len(seen), 4) if seen else None,
            "ready": round(total / len(keys), 4) if keys else None,
        }
    return out
