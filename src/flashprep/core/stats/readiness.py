"""Which topics are weak: readiness per deck or tag, and the cards that trouble you most.

Built on the predicted recall of each card (given by the report, which asks the scheduler) and the
retention samples, so that the report only gathers the groups and the rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from itertools import compress
from typing import Any

from flashprep.core.scheduling.scheduler import CardState
from flashprep.core.stats.history import History, Review
from flashprep.core.stats.retention import pass_rate

HARDEST = 10


def readiness(
    groups: Mapping[str, Iterable[str]],
    states: Mapping[str, CardState],
    recall: Mapping[str, float],
    due: set[str],
    samples: Iterable[Review],
) -> dict[str, dict[str, Any]]:
    """Per group of cards (a deck, a tag): cards, studied, due today, true retention over the
    samples given, `recall` = average predicted recall now (FSRS retrievability) of the studied
    cards, and `ready` = the share of all its cards you would recall now (new cards count 0)."""
    h = History.of(samples)
    again = [rating == 1 for rating in h.rating]
    failed = Counter(compress(h.card, again))
    passed = Counter(compress(h.card, [not a for a in again]))
    studied = {k for k, s in states.items() if not s.is_new}
    out = {}
    for name, members in groups.items():
        keys = list(members)
        seen = studied.intersection(keys)
        total = sum(recall.get(k, 0.0) for k in seen)
        good = sum(passed[k] for k in keys if k in passed)
        bad = sum(failed[k] for k in keys if k in failed)
        out[name] = {
            "cards": len(keys),
            "studied": len(seen),
            "due": len(due.intersection(keys)),
            "retention": pass_rate(good, bad),
            "recall": round(total / len(seen), 4) if seen else None,
            "ready": round(total / len(keys), 4) if keys else None,
        }
    return out


def hardest(
    keys: Iterable[str],
    states: Mapping[str, CardState],
    recall: Mapping[str, float],
    agains: Mapping[str, int],
    desired: float,
    limit: int = HARDEST,
) -> list[str]:
    """The cards that trouble you most: most lapses, then most Agains, then lowest recall now;
    only cards failed at least once or recalled now below the desired retention."""
    candidates = []
    for key in keys:
        state = states.get(key)
        if state is None or state.is_new:
            continue
        r = recall.get(key, 0.0)
        if state.lapses or agains.get(key) or r < desired:
            candidates.append((-state.lapses, -agains.get(key, 0), r, key))
    candidates.sort()
    return [key for *_, key in candidates[:limit]]
