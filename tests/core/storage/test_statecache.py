"""cache/state.bin gives back exactly the states it was made from, or nothing when it is damaged."""

from __future__ import annotations

import math
import struct
from array import array
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from flashprep.core.clock import is_valid_instant
from flashprep.core.scheduling.scheduler import CardState
from flashprep.core.storage import statecache

from fuzzing import budget

STAMP = [1234, 1_700_000_000_123_456_789]

instants = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)
states = st.builds(
    CardState,
    state=st.sampled_from(statecache.STATES),
    step=st.none() | st.integers(0, 20),
    stability=st.none() | st.floats(0.001, 36500.0),
    difficulty=st.none() | st.floats(1.0, 10.0),
    due=st.none() | instants,
    last_review=st.none() | instants,
    reps=st.integers(0, 100_000),
    lapses=st.integers(0, 10_000),
    suspended=st.booleans(),
    buried_until=st.none() | st.dates(date(1971, 1, 1), date(2200, 1, 1)),
)
keys = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,20}/[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True)


@budget(150)
@given(st.dictionaries(keys, states, max_size=30), st.integers(0, 10**9))
def test_a_cache_gives_back_what_it_was_made_from(cards: dict[str, CardState], total: int) -> None:
    position = ["2026-11.toml", 4096, "01JABCDEF", -1]
    counts = [date(2026, 11, 26).toordinal(), 3, 40, 43, 120_000]
    raw = statecache.dump(cards, total, position, counts, STAMP)
    loaded = statecache.load(raw, STAMP)
    assert loaded is not None
    decoded = loaded.columns.decode()
    assert decoded == cards
    assert list(decoded) == sorted(cards)  # in key order: a deck's rows together
    assert all(loaded.columns.get(key) == state for key, state in cards.items())
    assert loaded.columns.get("no/such-card") is None
    asked = [*cards, "no/such-card"]  # one field read alone: what the decoded state holds
    assert loaded.columns.dues(asked) == [*(s.due for s in cards.values()), None]
    assert loaded.columns.state_names(asked) == [*(s.state for s in cards.values()), "new"]
    assert (loaded.total, loaded.position, loaded.counts) == (total, position, counts)


def sample() -> bytes:
    now = datetime(2026, 11, 26, 9, 30, 15, 123456, tzinfo=UTC)
    cards = {
        "d/new": CardState(buried_until=date(2026, 11, 27)),
        "d/review": CardState("review", None, 12.5, 5.25, now + timedelta(days=9), now, 4, 1),
        "d/learning": CardState("learning", 1, 0.4, 7.0, now, now, 1, 0, True),
    }
    return statecache.dump(cards, 6, None, [now.date().toordinal(), 1, 2, 3, 4], STAMP)


def test_a_cache_of_another_checkpoint_is_not_used() -> None:
    raw = sample()
    assert statecache.load(raw, STAMP) is not None
    assert statecache.load(raw, [STAMP[0], STAMP[1] + 1]) is None
    version = f'"v":{statecache.FORMAT}'.encode()
    assert version in raw
    assert statecache.load(raw.replace(version, b'"v":4'), STAMP) is None


def test_a_cut_or_lengthened_cache_is_not_used() -> None:
    raw = sample()
    for end in range(len(raw)):
        assert statecache.load(raw[:end], STAMP) is None, end
    assert statecache.load(raw + b"\0", STAMP) is None


@budget(300)
@given(st.data())
def test_a_damaged_cache_loads_or_is_refused_without_an_error(data: st.DataObject) -> None:
    raw = bytearray(sample())
    for _ in range(data.draw(st.integers(1, 4))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    loaded = statecache.load(bytes(raw), STAMP)
    if loaded is not None:  # what loads decodes (later, when first used) without an error
        decoded = loaded.columns.decode()
        assert all(isinstance(s, CardState) for s in decoded.values())
        assert all(loaded.columns.get(key) == s for key, s in decoded.items())
        assert all(is_valid_instant(s.due) for s in decoded.values() if s.due is not None)


def test_a_cache_whose_instants_cannot_be_dates_is_refused() -> None:
    now = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    first = CardState("review", None, 3.0, 5.0, now - timedelta(days=1), None, 1, 0)
    cards = {"d/a": first, "d/b": first._replace(due=now)}  # the second one is damaged
    raw = statecache.dump(cards, 1, None, [now.date().toordinal(), 0, 1, 1, 0], STAMP)
    due = struct.pack("=d", now.timestamp())
    assert raw.count(due) == 1
    loaded = statecache.load(raw, STAMP)
    assert loaded is not None and loaded.columns.decode() == cards
    for bad in (math.nan, math.inf, datetime(9002, 1, 1, tzinfo=UTC).timestamp(), 1e300):
        assert statecache.load(raw.replace(due, struct.pack("=d", bad)), STAMP) is None, bad


def test_a_first_queue_read_on_several_days_is_each_days_own() -> None:
    """drill_queue keeps the rows open today for the next deck's queue: asked again for another
    day or another day's end, it gives what a freshly loaded cache gives for that day."""
    start = datetime(2026, 11, 26, 12, tzinfo=UTC)
    cards = {
        f"d/c{i:02d}": CardState(
            "review" if i % 3 else "learning",
            due=start + timedelta(hours=7 * i),
            suspended=i % 5 == 0,
            buried_until=start.date() + timedelta(days=1) if i % 7 == 0 else None,
        )
        for i in range(40)
    }
    cards |= {"d/fresh": CardState(), "d/buried-new": CardState(buried_until=start.date())}
    raw = statecache.dump(cards, 0, None, [1, 0, 0, 0, 0], STAMP)
    kept = statecache.load(raw, STAMP)
    assert kept is not None
    keys = [*reversed(cards), "d/never-seen"]
    seen = set()
    for days, hours in [(0, 0), (0, 30), (2, 0), (1, 0), (0, 0), (5, 0)]:
        today = start.date() + timedelta(days=days)
        end = (start + timedelta(days=days, hours=12 + hours)).timestamp()
        fresh = statecache.load(raw, STAMP)
        assert fresh is not None
        expected = fresh.columns.drill_queue(keys, today.toordinal(), end, 3)
        assert kept.columns.drill_queue(keys, today.toordinal(), end, 3) == expected
        seen.add(repr(expected))
    assert len(seen) >= 4  # the days do differ


def _reference_decodable(columns: list[Any]) -> bool:
    """The check before the high-byte fast path: every number, one by one."""
    state, _, _, _, due, last, _, _, _, buried = columns
    if state and max(state) >= len(statecache.STATES):
        return False
    for times in (due, last):
        if times and not (math.isfinite(sum(times)) and max(times) <= statecache._LAST_INSTANT):
            return False
    return not buried or (min(buried) >= 0 and max(buried) <= date.max.toordinal())


EDGE_TIMES = [
    -1.0, -0.0, 0.0, 1.0, 1_700_000_000.5, 2.0**33 - 1, 2.0**33, -(2.0**33), -(2.0**33) + 1,
    statecache._LAST_INSTANT, statecache._LAST_INSTANT + 1, 1e300, -1e300, -1e308, math.inf,
    -math.inf, math.nan, -math.nan, 5e-324,
]  # fmt: skip
EDGE_DAYS = [0, 1, 739_000, 0x36FFFF, 0x370000, date.max.toordinal(), date.max.toordinal() + 1,
             -1, 2**40, -(2**62)]  # fmt: skip


@budget(300)
@given(
    st.lists(st.integers(0, 5), min_size=1, max_size=6),
    st.lists(st.sampled_from(EDGE_TIMES) | st.floats(), min_size=1, max_size=6),
    st.lists(st.sampled_from(EDGE_TIMES) | st.floats(), min_size=1, max_size=6),
    st.lists(st.sampled_from(EDGE_DAYS) | st.integers(-(2**63), 2**63 - 1), min_size=1, max_size=6),
)
def test_the_fast_check_of_the_columns_agrees_with_the_number_by_number_one(
    state: list[int], due: list[float], last: list[float], buried: list[int]
) -> None:
    """The high-byte check (statecache._decodable) refuses exactly what a check of every
    number refuses: NaN, infinities, instants after the year 9000, days outside dates."""
    n = min(map(len, (state, due, last, buried)))
    cards = {f"d/c{i}": CardState() for i in range(n)}
    columns = statecache.codecs.to_columns(list(cards.values()))
    columns[0], columns[4], columns[5] = (
        array("B", state[:n]), array("d", due[:n]), array("d", last[:n])
    )  # fmt: skip
    columns[9] = array("q", buried[:n])
    assert statecache._decodable(columns) == _reference_decodable(columns)


def test_each_edge_value_is_judged_as_the_number_by_number_check_judges_it() -> None:
    """Every edge value alone among valid ones, and twice (a sum that overflows), in each
    column: the fast check gives the same answer as the reference."""
    base = statecache.codecs.to_columns([CardState()] * 3)
    for at, edges, code in [(4, EDGE_TIMES, "d"), (5, EDGE_TIMES, "d"), (9, EDGE_DAYS, "q")]:
        for value in edges:
            for times in (1, 2):
                columns = list(base)
                numbers = [base[at][0]] * (3 - times) + [value] * times
                columns[at] = array(code, numbers)
                expected = _reference_decodable(columns)
                assert statecache._decodable(columns) == expected, (at, value, times)


def test_a_cache_of_unsorted_rows_is_read_by_its_index() -> None:
    """Rows written in another order (an older version) are found through the index of every
    key; a key written twice refuses the file."""
    cards = {f"d/c{i:03d}": CardState("review", reps=i) for i in range(50)}
    raw = statecache.dump(cards, 0, None, [1, 0, 0, 0, 0], STAMP)
    start = raw.index(b"\n", len(statecache.MAGIC)) + 1
    keys = raw[start : start + len(b"\n".join(k.encode() for k in sorted(cards)))]
    assert keys.split(b"\n") == [k.encode() for k in sorted(cards)]
    first, second = b"d/c003", b"d/c017"  # swap two keys: their rows now belong to each other
    swapped = keys.replace(first, b"@").replace(second, first).replace(b"@", second)
    loaded = statecache.load(raw.replace(keys, swapped), STAMP)
    assert loaded is not None and not loaded.columns.sorted
    assert loaded.columns.get("d/c003") == cards["d/c017"]
    assert loaded.columns.get("d/c017") == cards["d/c003"]
    assert loaded.columns.get("d/c020") == cards["d/c020"]
    assert loaded.columns.get("d/c999") is None
    twice = keys.replace(first, second)
    assert statecache.load(raw.replace(keys, twice), STAMP) is None
    sorted_ = statecache.load(raw, STAMP)
    assert sorted_ is not None and sorted_.columns.sorted
    for key in [*cards, "d/c", "d/c0499", "a", "z", ""]:
        assert sorted_.columns.get(key) == cards.get(key), key
