"""A device's latest entry and the order of its log (UserStore._raise_top, _in_time_order): one
look at the times when they are in order, as the three passes it replaced found, for entries in
order, with ties, out of order, before the device's latest or another device's."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from flashprep.core.storage.logread import entry_key
from flashprep.core.storage.replay import Top
from flashprep.core.storage.reviewlog import LogEntry
from flashprep.core.storage.userstore import UserStore, _in_time_order

START = datetime(2025, 6, 1, tzinfo=UTC)


def reference(
    tops: dict[str, Top], device: str, entries: list[LogEntry]
) -> tuple[dict[str, Top], bool, bool]:
    """(tops, whether the device is marked unsorted, whether unordered), as first written."""
    top_before = tops.get(device)
    unsorted = (top_before is not None and entries[0].at < top_before[0]) or not all(
        a.at <= b.at for a, b in pairwise(entries)
    )
    top = max(map(entry_key, entries))
    first = min(e.at for e in entries)
    unordered = any(t[0] >= first for d, t in tops.items() if d != device)
    out = dict(tops)
    out[device] = top if top_before is None or top > top_before else top_before
    return out, unsorted, unordered


def some(rng: random.Random) -> list[LogEntry]:
    count = rng.choice([1, 2, 5, 40])
    steps = rng.choice([[0, 1, 60], [1, 60], [-60, 0, 60, 3600]])  # ties; in order; any order
    at = START + timedelta(seconds=rng.randint(0, 7200))
    out = []
    for n in range(count):
        at += timedelta(seconds=rng.choice(steps))
        out.append(LogEntry(f"e{rng.randint(0, 99):02d}-{n}", at, "alpha/a1", 3))
    return out


@pytest.mark.parametrize("seed", range(60))
def test_the_latest_entry_and_the_order_are_what_three_passes_found(
    store: UserStore, seed: int
) -> None:
    rng = random.Random(seed)
    device = store.device
    tops: dict[str, Top] = {}
    for name in rng.sample([device, "other-1", "other-2"], rng.randint(0, 3)):
        tops[name] = (START + timedelta(seconds=rng.randint(0, 9000)), f"t{rng.randint(0, 9)}")
    entries = some(rng)
    store.data.tops = dict(tops)
    store.data.unsorted = set()
    store._unordered = False
    want_tops, want_unsorted, want_unordered = reference(tops, device, entries)
    store._raise_top(entries)
    assert store.data.tops == want_tops
    assert (device in store.data.unsorted) == want_unsorted
    assert store._unordered == want_unordered
    assert _in_time_order(tops.get(device), entries) == (not want_unsorted)


@pytest.mark.parametrize("shift_us", [-1, 0, 1])
@pytest.mark.parametrize("count", [1, 3])
def test_entries_from_the_devices_latest_time_on_are_in_order(
    store: UserStore, shift_us: int, count: int
) -> None:
    """The same instant as the device's latest entry is in order; a microsecond before is not."""
    top: Top = (START, "zz")
    at = START + timedelta(microseconds=shift_us)
    entries = [LogEntry(f"a{n}", at + timedelta(seconds=n), "alpha/a1", 3) for n in range(count)]
    store.data.tops = {store.device: top}
    store.data.unsorted = set()
    store._raise_top(entries)
    assert (store.device in store.data.unsorted) == (shift_us < 0)
    assert store.data.tops[store.device] == max(top, entry_key(entries[-1]))
