"""The report's one walk over the cards (cardwalk.py) against the figures computed one walk each,
as the report computed them before (kept here as the reference)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from flashprep.core.scheduling.scheduler import CardState, Scheduler, SchedulerSettings
from flashprep.core.stats.cardwalk import walk_cards
from flashprep.core.stats.forecast import interval_days
from flashprep.core.stats.history import MATURE_DAYS
from flashprep.core.stats.readiness import recall_now
from flashprep.core.stats.studydays import Calendar
from flashprep.core.study.drill import count_states, is_available
from flashprep.core.study.leech import is_leech

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def forecast(
    keys: Iterable[str], states: Mapping[str, CardState], cal: Calendar, days: int = 30
) -> tuple[list[dict[str, Any]], float]:
    counts = [0] * days
    load = 0.0
    due_at: list[float] = []
    buried: list[int] = []
    for key in keys:
        state = states.get(key)
        if state is None or state.state == "new" or state.suspended or state.due is None:
            continue
        load += 1 / max(1.0, interval_days(state))
        due_at.append(state.due.timestamp())
        buried.append(state.buried_until.toordinal() if state.buried_until is not None else 0)
    for at, until in zip(due_at, buried, strict=True):  # each card dated alone
        day = max(cal.day(at), cal.today, until)
        if day - cal.today < days:
            counts[day - cal.today] += 1
    out = [
        {"date": date.fromordinal(cal.today + i).isoformat(), "due": n}
        for i, n in enumerate(counts)
    ]
    return out, round(load, 1)


def card_states(
    keys: Iterable[str], states: Mapping[str, CardState], cal: Calendar
) -> dict[str, int]:
    out = dict.fromkeys(("new", "learning", "young", "mature", "suspended", "buried"), 0)
    for key in keys:
        state = states.get(key)
        if state is None:
            out["new"] += 1
        elif state.suspended:
            out["suspended"] += 1
        elif not is_available(state, cal.today):
            out["buried"] += 1
        elif state.is_new:
            out["new"] += 1
        elif state.state == "review":
            out["mature" if interval_days(state) >= MATURE_DAYS else "young"] += 1
        else:
            out["learning"] += 1
    return out


def leeches(keys: Iterable[str], states: Mapping[str, CardState], threshold: int) -> list[str]:
    found = []
    for key in keys:
        state = states.get(key)
        if state is not None and is_leech(state.lapses, threshold):
            found.append((-state.lapses, key))
    found.sort(key=lambda pair: pair[0])
    return [key for _, key in found]


def hardest(
    keys: Iterable[str],
    states: Mapping[str, CardState],
    recall: Mapping[str, float],
    agains: Mapping[str, int],
    desired: float,
    limit: int,
) -> list[str]:
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


def card(draw: st.DrawFn) -> CardState:
    kind = draw(st.sampled_from(["new", "learning", "relearning", "review"]))
    last = NOW - timedelta(hours=draw(st.integers(0, 24 * 400)))
    due = last + timedelta(hours=draw(st.integers(0, 24 * 60)))
    reviewed = kind != "new" or draw(st.booleans())  # (a card forgotten may keep its past)
    buried = draw(st.sampled_from([None, -1, 0, 1, 2]))
    return CardState(
        state=kind,  # type: ignore[arg-type]
        stability=draw(st.floats(0.1, 400)) if reviewed else None,
        difficulty=5.0 if reviewed else None,
        due=due if reviewed and draw(st.integers(0, 9)) else None,
        last_review=last if reviewed and draw(st.integers(0, 9)) else None,
        reps=draw(st.integers(0, 30)),
        lapses=draw(st.sampled_from([0, 0, 0, 1, 2, 3, 5, 8])),
        suspended=draw(st.integers(0, 5)) == 0,
        buried_until=None if buried is None else date(2026, 11, 26) + timedelta(days=buried),
    )


@st.composite
def decks(draw: st.DrawFn) -> tuple[list[str], dict[str, CardState]]:
    keys = [f"d{draw(st.integers(0, 2))}/c{i}" for i in range(draw(st.integers(0, 60)))]
    states = {key: card(draw) for key in keys if draw(st.integers(0, 4))}  # some never seen
    states.update({f"other/{i}": card(draw) for i in range(draw(st.integers(0, 3)))})
    return keys, states


@settings(max_examples=150, deadline=None)
@given(
    decks(),
    st.data(),
    st.sampled_from(["UTC", "America/New_York", "Asia/Kathmandu"]),
    st.integers(0, 23),
    st.integers(0, 6),
    st.integers(1, 12),
    st.sampled_from([0.7, 0.9, 0.97]),
)
def test_one_walk_gives_what_each_walk_gave(
    cards: tuple[list[str], dict[str, CardState]],
    data: st.DataObject,
    zone: str,
    rollover: int,
    leech_lapses: int,
    limit: int,
    desired: float,
) -> None:
    keys, states = cards
    failed = set(data.draw(st.lists(st.sampled_from(keys), max_size=5))) if keys else set()
    agains = {key: data.draw(st.integers(0, 4)) for key in keys if data.draw(st.booleans())}
    tz = ZoneInfo(zone)
    cal = Calendar(NOW, rollover, tz)
    scheduler = Scheduler(SchedulerSettings(desired_retention=desired))
    figures = walk_cards(keys, states, cal, scheduler, failed, agains, leech_lapses, limit)

    recall = recall_now(keys, states, failed, scheduler, NOW)
    assert figures.recall == recall and list(figures.recall) == list(recall)
    assert figures.counts == count_states(keys, states, NOW, rollover, tz)
    end = cal.start(cal.today + 1)
    due = {
        key
        for key in recall
        if (at := states[key].due) is not None and is_available(states[key], cal.today) and at < end
    }
    assert figures.due == due
    due_at = [states[key].due for key in due]
    assert figures.due_now == sum(at is not None and at <= NOW for at in due_at)
    assert (figures.forecast, figures.load) == forecast(keys, states, cal)
    assert figures.states == card_states(keys, states, cal)
    assert figures.hardest == hardest(keys, states, recall, agains, desired, limit)
    assert figures.leeches == leeches(keys, states, leech_lapses)
