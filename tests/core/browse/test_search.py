"""Searching cards: the catalog, what each term matches against a user's schedule (the
definitions in docs/query-language.md), the rows, and sorting."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from flashprep.core.browse.catalog import Catalog, one_line_front
from flashprep.core.browse.query import QueryError, parse_query
from flashprep.core.browse.search import (
    SORT_FIELDS,
    CardMatch,
    card_match,
    find_cards,
)
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.paths import Home
from flashprep.core.scheduling.scheduler import CardState
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.leech import is_leech

from helpers import START, FakeClock

GAMMA = r"""
id = "gamma"
name = "Gamma"
category = "technical"

[[cards]]
id = "g1"
front = "What is consistent hashing?\nExplain briefly."
back = "A ring of **nodes**."
tags = ["distributed", "hashing"]
hint = "Think of a ring"
level = "senior"

[[cards]]
id = "g2"
front = "Résumé gaps"
back = "Be honest."
tags = ["career"]

[[cards]]
id = "g3"
front = "\u001b[31mRed\u001b[0m flag"
back = "Straße"
tags = ["Fun"]
level = "junior"

[[cards]]
id = "g4"
front = "Big O of a hash lookup"
back = "O(1) on average."
tags = ["hashing"]
level = "mid"
"""

DELTA = r"""
id = "delta"
name = "Delta"
category = "behavioral"

[[cards]]
id = "d1"
front = "Tell me about a conflict"
back = "Use STAR."
tags = ["star", "conflict"]
level = "mid"

[[cards]]
id = "d2"
front = "Why us?"
back = "Because."
hint = "naïve answers fail"

[[cards]]
id = "d3"
front = "A time you failed"
back = "Own it."
tags = ["star"]
level = "senior"
"""

TODAY = date(2026, 11, 26)  # START is 15:00 UTC on this day; the study day begins at 04:00
TOMORROW = date(2026, 11, 27)
YESTERDAY_10 = datetime(2026, 11, 25, 10, tzinfo=UTC)
IN_FIVE_DAYS = datetime(2026, 12, 1, 9, tzinfo=UTC)


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


STATES = {
    # g2 has none: new
    "gamma/g1": CardState("review", None, 10.0, 5.0, YESTERDAY_10, at(20, 9), 4, 1),
    "gamma/g3": CardState("learning", 1, 1.0, 5.0, at(26, 20), at(26, 10), 1, 0),
    "gamma/g4": CardState(  # a leech, buried until tomorrow
        "review", None, 3.0, 8.0, YESTERDAY_10, at(26, 3), 20, 8, buried_until=TOMORROW
    ),
    # due at 03:00 on the 27th: still today's study day
    "delta/d1": CardState("review", None, 30.0, 4.0, at(27, 3), at(26, 10), 3, 0),
    "delta/d2": CardState("relearning", 0, 2.0, 6.0, YESTERDAY_10, at(24, 9), 6, 2, True),
    "delta/d3": CardState(  # buried until today: no longer buried
        "review", None, 20.0, 5.0, IN_FIVE_DAYS, at(21, 9), 5, 7, buried_until=TODAY
    ),
}


@pytest.fixture
def catalog_library(home: Home, tmp_path: Path) -> DeckLibrary:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "gamma.toml").write_text(GAMMA, encoding="utf-8")
    (folder / "delta.toml").write_text(DELTA, encoding="utf-8")
    return DeckLibrary.load(home, folder)


@pytest.fixture
def catalog(catalog_library: DeckLibrary) -> Catalog:
    return Catalog.build(catalog_library)


@pytest.fixture
def schedule(store: UserStore) -> UserStore:
    store.states.update(STATES)
    return store


def keys(catalog: Catalog, query: str, store: UserStore, **sort: object) -> list[str]:
    return [row.key for row in find_cards(catalog, query, store, **sort)]  # type: ignore[arg-type]


def cards(*names: str) -> list[str]:
    """Keys in catalog order (delta before gamma: the library lists decks by file name)."""
    order = ["d1", "d2", "d3", "g1", "g2", "g3", "g4"]
    return [f"{'delta' if n[0] == 'd' else 'gamma'}/{n}" for n in sorted(names, key=order.index)]


ALL = cards("d1", "d2", "d3", "g1", "g2", "g3", "g4")


# --- the catalog ---------------------------------------------------------------------------------


def test_the_catalog_holds_every_card_in_library_order(
    catalog: Catalog, catalog_library: DeckLibrary
) -> None:
    assert catalog.keys == catalog_library.card_keys() == ALL
    assert len(catalog) == 7
    i = catalog.positions["gamma/g1"]
    assert catalog.decks[i] == "gamma"
    assert catalog.categories[i] == "technical"
    assert catalog.levels[i] == "senior"
    assert catalog.tags[i] == ("distributed", "hashing")
    assert catalog.categories[catalog.positions["delta/d2"]] == "behavioral"
    assert catalog.levels[catalog.positions["delta/d2"]] is None


def test_fronts_are_one_clean_line(catalog: Catalog) -> None:
    g1, g3 = catalog.positions["gamma/g1"], catalog.positions["gamma/g3"]
    assert catalog.front(g1) == "What is consistent hashing? Explain briefly."
    assert catalog.front(g3) == "Red flag"
    assert catalog.fronts[g3] == "Red flag"


@pytest.mark.parametrize(
    ("front", "shown"),
    [
        ("a\nb\r\nc", "a b c"),
        ("  padded\t\tand   spaced  ", "padded and spaced"),
        ("\x1b]8;;http://x\x07link\x1b]8;;\x07", "link"),
        ("bell\x07", "bell\\x07"),
        ("rtl \u202egnp.exe", "rtl \\u202egnp.exe"),
    ],
)
def test_one_line_front(front: str, shown: str) -> None:
    assert one_line_front(front) == shown


def test_building_the_catalog_and_searching_import_no_pydantic(
    catalog_library: DeckLibrary, store: UserStore, tmp_path: Path
) -> None:
    """The browser opens on the decks' plain records: the validated models are not needed."""
    store.states.update(STATES)
    store.checkpoint()
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from flashprep.core.paths import Home\n"
        "from flashprep.core.decks.library import DeckLibrary\n"
        "from flashprep.core.storage.userstore import UserStore\n"
        "from flashprep.core.browse.catalog import Catalog\n"
        "from flashprep.core.browse.search import find_cards\n"
        f"home = Home(Path({str(catalog_library.home.root)!r}))\n"
        f"library = DeckLibrary.load(home, Path({str(catalog_library.bundled_dir)!r}))\n"
        "store = UserStore(home, 'tester')\n"
        "query = 'hashing OR is:suspended'\n"
        "rows = find_cards(Catalog.build(library), query, store, sort='recall')\n"
        "print(len(rows), 'pydantic' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["3", "False"]  # g1, g4, d2


# --- text ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("consistent", ["g1"]),  # the question
        ("NODES", ["g1"]),  # the answer
        ("ring", ["g1"]),  # question (ring in the hint) and answer
        ("think", ["g1"]),  # the hint
        ("distributed", ["g1"]),  # a tag
        ("hash", ["g1", "g4"]),  # a part of a word
        ("resume", ["g2"]),  # accents ignored in the card
        ("RÉSUMÉ", ["g2"]),  # and in the query
        ("naive", ["d2"]),
        ("strasse", ["g3"]),
        ("star", ["d1", "d3"]),
        ("star conflict", ["d1"]),
        ('"consistent hashing"', ["g1"]),
        ('"hashing consistent"', []),
        ('"hashing? explain"', []),  # a line break is no space
        ("zebra", []),
    ],
)
def test_text_terms(catalog: Catalog, store: UserStore, query: str, found: list[str]) -> None:
    assert keys(catalog, query, store) == cards(*found)


# --- fields of the cards -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("deck:gamma", ["g1", "g2", "g3", "g4"]),
        ("deck:GAMMA", ["g1", "g2", "g3", "g4"]),
        ("deck:gam", []),
        ("deck:gam*", ["g1", "g2", "g3", "g4"]),
        ("deck:*ta", ["d1", "d2", "d3"]),
        ("deck:*", ["d1", "d2", "d3", "g1", "g2", "g3", "g4"]),
        ("tag:hashing", ["g1", "g4"]),
        ("tag:fun", ["g3"]),  # case-insensitive
        ("tag:*ing", ["g1", "g4"]),
        ("tag:star*", ["d1", "d3"]),
        ("tag:sta", []),
        ("level:junior", ["g3"]),
        ("level:mid", ["d1", "g4"]),
        ("level:senior", ["d3", "g1"]),
        ("level:none", ["d2", "g2"]),
        ("category:behavioral", ["d1", "d2", "d3"]),
        ("category:technical", ["g1", "g2", "g3", "g4"]),
        ("category:general", []),
        ("-deck:gamma", ["d1", "d2", "d3"]),
        ("deck:gamma -tag:hashing", ["g2", "g3"]),
        ("level:junior OR level:mid", ["d1", "g3", "g4"]),
        ("tag:star level:mid OR tag:fun", ["d1", "g3"]),
        ("tag:star (level:mid OR tag:fun)", ["d1"]),
        ("-(tag:star OR deck:gamma)", ["d2"]),
        ("", ["d1", "d2", "d3", "g1", "g2", "g3", "g4"]),
    ],
)
def test_card_fields(catalog: Catalog, store: UserStore, query: str, found: list[str]) -> None:
    assert keys(catalog, query, store) == cards(*found)


# --- the schedule --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("is:new", ["g2"]),
        ("is:learning", ["d2", "g3"]),  # relearning too
        ("is:review", ["d1", "d3", "g1", "g4"]),  # g4 is buried, still a review card
        ("is:due", ["d1", "g1", "g3"]),  # d2 suspended, g4 buried; d1 due 03:00 tomorrow
        ("is:overdue", ["g1"]),
        ("is:suspended", ["d2"]),
        ("is:buried", ["g4"]),  # d3's burial ended today
        ("is:leech", ["g4"]),
        ("-is:new", ["d1", "d2", "d3", "g1", "g3", "g4"]),
        ("lapses>=8", ["g4"]),
        ("lapses>1", ["d2", "d3", "g4"]),
        ("lapses=0", ["d1", "g2", "g3"]),  # a new card has none
        ("lapses:2", ["d2"]),
        ("reps<2", ["g2", "g3"]),
        ("reps>=20", ["g4"]),
        ("due<0", ["d2", "g1", "g4"]),  # due before today, whatever else
        ("due<=0", ["d1", "d2", "g1", "g3", "g4"]),
        ("due=0", ["d1", "g3"]),
        ("due>0", ["d3"]),
        ("due:5", ["d3"]),
        ("due>=-1000", ["d1", "d2", "d3", "g1", "g3", "g4"]),  # never a new card
        ("-due>=-1000", ["g2"]),
        ("due<=999999999", ["d1", "d2", "d3", "g1", "g3", "g4"]),
        ("recall>=0", ["d1", "d2", "d3", "g1", "g3", "g4"]),  # never a new card
        ("recall<=100%", ["d1", "d2", "d3", "g1", "g3", "g4"]),
        ("rated:1", ["d1", "g3"]),  # g4 was graded at 03:00 today, before the day began
        ("rated:2", ["d1", "g3", "g4"]),
        ("rated:5", ["d1", "d2", "g3", "g4"]),
        ("rated:6", ["d1", "d2", "d3", "g3", "g4"]),  # d3 on the 21st
        ("rated:7", ["d1", "d2", "d3", "g1", "g3", "g4"]),  # g1 on the 20th
        ("rated:3", ["d1", "d2", "g3", "g4"]),
        ("rated:999999", ["d1", "d2", "d3", "g1", "g3", "g4"]),
        ("is:due -deck:delta", ["g1", "g3"]),
        ("is:suspended OR is:buried", ["d2", "g4"]),
    ],
)
def test_schedule_terms(
    catalog: Catalog, schedule: UserStore, query: str, found: list[str]
) -> None:
    assert keys(catalog, query, schedule) == cards(*found)


@pytest.mark.parametrize(
    ("threshold", "found"),
    [(3, ["d3", "g4"]), (7, ["d3", "g4"]), (8, ["g4"]), (9, []), (99, [])],
)
def test_is_leech_follows_the_users_leech_threshold(
    catalog: Catalog,
    make_store: Callable[..., UserStore],
    threshold: int,
    found: list[str],
) -> None:
    store = make_store(f"leech{threshold}", leech_lapses=threshold)
    store.states.update(STATES)
    assert keys(catalog, "is:leech", store) == cards(*found)
    # the drill's definition of a leech (core/study/leech.py), for every card
    leeches = [k for k, s in STATES.items() if is_leech(s.lapses, threshold)]
    assert sorted(keys(catalog, "is:leech", store)) == sorted(leeches)
    assert keys(catalog, "-is:leech", store) == [
        k for k in keys(catalog, "", store) if k not in leeches
    ]


def test_recall_compares_the_predicted_recall_now(catalog: Catalog, schedule: UserStore) -> None:
    now = schedule.now()
    recall = {k: schedule.scheduler.retrievability(s, now) for k, s in STATES.items()}
    assert len(set(recall.values())) > 3  # the states give different recalls
    for threshold in (0.5, 0.8, 0.9, 0.95):
        expected = [k for k in ALL if k in recall and recall[k] < threshold]
        assert keys(catalog, f"recall<{threshold}", schedule) == expected
        percent = f"recall>={threshold * 100:g}%"
        assert keys(catalog, percent, schedule) == [
            k for k in ALL if k in recall and recall[k] >= threshold
        ]


def test_the_study_day_follows_the_users_rollover_and_time_zone(
    catalog: Catalog, make_store: Callable[..., UserStore], clock: FakeClock
) -> None:
    """In Tokyo (UTC+9) with days starting at midnight, 15:00 UTC is already the 27th."""
    store = make_store("tokyo", timezone="Asia/Tokyo", rollover_hour=0)
    store.states.update(STATES)
    rows = {row.key: row for row in find_cards(catalog, "", store)}
    assert rows["delta/d1"].due == date(2026, 11, 27)  # 03:00 UTC is noon in Tokyo
    assert rows["gamma/g3"].due == date(2026, 11, 27)  # 20:00 UTC: 05:00 on the 27th
    assert keys(catalog, "due=0", store) == cards("d1", "g3")
    assert keys(catalog, "is:buried", store) == []  # buried until the 27th, which is today
    clock.now = START - timedelta(hours=6)  # 09:00 UTC: 18:00 on the 26th in Tokyo
    assert keys(catalog, "due=1", store) == cards("d1", "g3")


# --- rows --------------------------------------------------------------------------------------


def test_rows_show_the_schedule(catalog: Catalog, schedule: UserStore) -> None:
    rows = {row.key: row for row in find_cards(catalog, "", schedule)}
    now = schedule.now()
    d1 = rows["delta/d1"]
    assert d1 == CardMatch(
        "delta/d1",
        "delta",
        "Tell me about a conflict",
        "review",
        False,
        False,
        TODAY,  # due at 03:00 on the 27th: the study day of the 26th
        schedule.scheduler.retrievability(STATES["delta/d1"], now),
        0,
        3,
        "mid",
    )
    assert d1.status == "review"
    new = rows["gamma/g2"]
    assert (new.state, new.due, new.recall, new.reps, new.lapses, new.status) == (
        "new",
        None,
        None,
        0,
        0,
        "new",
    )
    assert rows["delta/d2"].status == "suspended"
    assert rows["delta/d2"].state == "relearning"
    assert rows["gamma/g4"].status == "buried"
    assert rows["gamma/g4"].buried
    assert rows["delta/d3"].status == "review"
    assert rows["gamma/g3"].front == "Red flag"
    assert rows["gamma/g1"].due == date(2026, 11, 25)


def test_card_match_is_the_searched_row(catalog: Catalog, schedule: UserStore) -> None:
    for row in find_cards(catalog, "", schedule):
        assert card_match(catalog, row.key, schedule) == row
    with pytest.raises(KeyError):
        card_match(catalog, "gamma/nope", schedule)


def test_a_suspended_or_buried_card_set_aside_after_grading(
    catalog: Catalog, store: UserStore
) -> None:
    """Through the store's own actions: a graded card suspended keeps its state."""
    from flashprep.core.scheduling.scheduler import Rating

    store.grade("gamma/g2", Rating.GOOD)
    store.record("gamma/g2", "suspend")
    store.grade("delta/d1", Rating.AGAIN)
    store.record("delta/d1", "bury")
    assert keys(catalog, "is:suspended", store) == cards("g2")
    assert keys(catalog, "is:buried", store) == cards("d1")
    assert keys(catalog, "rated:1", store) == cards("d1", "g2")
    assert keys(catalog, "is:new", store) == cards("d2", "d3", "g1", "g3", "g4")
    assert keys(catalog, "is:due", store) == []
    store.record("gamma/g2", "forget")
    assert keys(catalog, "is:new is:suspended", store) == cards("g2")


# --- the query as an argument, and sorting -------------------------------------------------------


def test_find_cards_takes_a_parsed_query_and_raises_query_errors(
    catalog: Catalog, store: UserStore
) -> None:
    assert keys(catalog, parse_query("tag:hashing"), store) == cards("g1", "g4")  # type: ignore[arg-type]
    with pytest.raises(QueryError) as caught:
        find_cards(catalog, "tag:hashing (", store)
    assert caught.value.position == 12
    with pytest.raises(ValueError, match="sort"):
        find_cards(catalog, "", store, sort="colour")


def sort_values(rows: list[CardMatch], field: str) -> list[object]:
    return [row.status if field == "state" else getattr(row, field) for row in rows]


@pytest.mark.parametrize("field", ["question", "due", "recall", "lapses", "reps", "level"])
def test_sorting_puts_rows_without_a_value_last_and_keeps_ties_in_deck_order(
    catalog: Catalog, schedule: UserStore, field: str
) -> None:
    key = {"question": lambda r: r.front.casefold(), "level": lambda r: r.level}.get(
        field, lambda r: getattr(r, field)
    )
    order = {"junior": 0, "mid": 1, "senior": 2}
    for descending in (False, True):
        rows = find_cards(catalog, "", schedule, sort=field, descending=descending)
        assert sorted(r.key for r in rows) == sorted(ALL)
        values = [key(r) for r in rows]
        present = [v for v in values if v is not None]
        assert values == present + [None] * (len(values) - len(present))  # None last
        if field == "level":
            present = [order[v] for v in present]
        assert present == sorted(present, reverse=descending)  # type: ignore[type-var]
        for a, b in itertools.pairwise(rows):  # ties in catalog order, either way
            if key(a) == key(b):
                assert ALL.index(a.key) < ALL.index(b.key)


def test_sorting_by_state_and_by_deck(catalog: Catalog, schedule: UserStore) -> None:
    by_state = find_cards(catalog, "", schedule, sort="state")
    assert [r.status for r in by_state] == [
        "new",
        "learning",
        "review",
        "review",
        "review",
        "buried",
        "suspended",
    ]
    assert [r.key for r in by_state][2:5] == cards("d1", "d3", "g1")
    assert keys(catalog, "", schedule, sort="deck") == ALL
    assert keys(catalog, "", schedule, sort="deck", descending=True) == ALL[::-1]
    assert set(SORT_FIELDS) == {
        "deck",
        "question",
        "state",
        "due",
        "recall",
        "lapses",
        "reps",
        "level",
    }
