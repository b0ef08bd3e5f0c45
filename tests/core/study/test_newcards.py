"""Gathering new cards across decks: every deck gets its share, under every limit and order."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flashprep.core.keys import deck_of
from flashprep.core.storage.usersettings import NEW_CARD_ORDERS as ORDERS
from flashprep.core.study.newcards import gather_new

from fuzzing import budget


def decks(sizes: dict[str, int]) -> dict[str, list[str]]:
    return {d: [f"{d}/c{i}" for i in range(n)] for d, n in sizes.items()}


def shares(keys: list[str]) -> Counter[str]:
    return Counter(deck_of(k) for k in keys)


@pytest.mark.parametrize(
    ("sizes", "total", "expected"),
    [
        ({"a": 30, "b": 30, "c": 30}, 20, {"a": 7, "b": 7, "c": 6}),
        ({"a": 30, "b": 1, "c": 30}, 20, {"a": 10, "b": 1, "c": 9}),
        ({"a": 2, "b": 2, "c": 2}, 20, {"a": 2, "b": 2, "c": 2}),
        ({"a": 5, "b": 0, "c": 5}, 3, {"a": 2, "c": 1}),
    ],
)
def test_round_robin_gives_every_deck_its_share(
    sizes: dict[str, int], total: int, expected: dict[str, int]
) -> None:
    got = gather_new(decks(sizes), total)
    assert shares(got) == Counter(expected)
    firsts = [f"{d}/c0" for d in sizes if sizes[d]]
    assert got[: len(firsts)] == firsts[: len(got)]  # one card of each deck in turn


def test_deck_order_empties_the_decks_in_turn() -> None:
    got = gather_new(decks({"a": 4, "b": 4, "c": 4}), 6, order="deck")
    assert got == [*(f"a/c{i}" for i in range(4)), "b/c0", "b/c1"]


@pytest.mark.parametrize("order", ORDERS)
def test_a_deck_limit_caps_its_deck_and_the_others_fill_in(order: str) -> None:
    got = gather_new(decks({"a": 30, "b": 30, "c": 30}), 20, {"a": 2, "c": 0}, order, 5)
    assert shares(got) == Counter({"a": 2, "b": 18})


def test_random_order_is_the_same_all_day_and_differs_between_days_and_users() -> None:
    pool = decks({"a": 20, "b": 20, "c": 20})
    day = date(2026, 3, 2)
    first = gather_new(pool, 15, order="random", seed=7, day=day)
    assert first == gather_new(pool, 15, order="random", seed=7, day=day)
    assert first != gather_new(pool, 15, order="random", seed=7, day=date(2026, 3, 3))
    assert first != gather_new(pool, 15, order="random", seed=8, day=day)
    assert len(shares(first)) == 3  # drawn from every deck, not the first one's cards


@pytest.mark.parametrize("total", [0, -3])
def test_nothing_when_nothing_is_left(total: int) -> None:
    assert gather_new(decks({"a": 3}), total) == []


@budget(200)
@given(
    sizes=st.lists(st.integers(0, 12), min_size=1, max_size=5),
    total=st.integers(0, 40),
    caps=st.lists(st.one_of(st.none(), st.integers(0, 12)), min_size=5, max_size=5),
    order=st.sampled_from(ORDERS),
    seed=st.integers(0, 99),
)
def test_gathering_holds_its_limits(
    sizes: list[int], total: int, caps: list[int | None], order: str, seed: int
) -> None:
    names = [f"d{i}" for i in range(len(sizes))]
    pool = decks(dict(zip(names, sizes, strict=True)))
    limits = {d: c for d, c in zip(names, caps, strict=False) if c is not None}
    got = gather_new(pool, total, limits, order, seed, date(2026, 1, 1))
    assert len(got) == len(set(got))
    room = {d: min(len(pool[d]), limits.get(d, len(pool[d]))) for d in names}
    assert len(got) == min(total, sum(room.values()))  # as many as the limits allow
    for deck, n in shares(got).items():
        assert n <= room[deck]
    if order == "round-robin":  # fair: a deck short of its share is out of cards or room
        counts = shares(got)
        for deck in names:
            if counts[deck] < room[deck]:
                assert all(counts[d] <= counts[deck] + 1 for d in names)
