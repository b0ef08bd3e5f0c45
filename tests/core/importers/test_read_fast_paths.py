"""The package reader's fast paths against what they replaced. The review log's fast read
(ankipackage._read_revlog) against the row-by-row read:
the same reviews, in the same order, the same warnings and the same count of skipped rows, for
every kind of row an Anki collection (or a hostile one) may hold: values of any SQLite type,
deleted cards, times out of range, manual and cram rows, cards whose key the log refuses, the old
scheduler's buttons, negative and huge answer times. The check of a card's row in one
comparison (`_card_row_problem`) against the check column by column."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flashprep.core.importers import ankipackage
from flashprep.core.importers.ankicollection import Collection
from flashprep.core.importers.ankipackage import (
    _CARD_COLUMNS,
    MAX_ANSWER_MS,
    _card_row_problem,
    _instant,
    _is_whole,
    _out_of_range,
    _review,
)
from flashprep.core.importers.source import ImportSource, source_review
from flashprep.core.storage.reviewlog import LogEntry

_COLUMNS = ("revlog.id", "revlog.cid", "revlog.ease", "revlog.factor", "revlog.type")


def reference_read(
    conn: sqlite3.Connection,
    col: Collection,
    cards: dict[int, tuple[str, str]],
    source: ImportSource,
    suspended: list[LogEntry],
) -> None:
    """The read as it was before the fast path: each row made an entry and checked whole."""
    rows = conn.execute("SELECT id, cid, ease, factor, time, type FROM revlog ORDER BY id")
    history: list[LogEntry] = []
    for row in rows:
        target = cards.get(row[1])
        if target is None:
            continue
        rev_id, cid, ease, factor, answer_ms, kind = row
        name = f"anki-{rev_id}-{cid}"
        values = (rev_id, cid, ease, factor, kind)
        if not all(_is_whole(v) for v in values):
            bad = next(c for c, v in zip(_COLUMNS, values, strict=True) if not _is_whole(v))
            source.skip_review(name, f"column {bad} is not a whole number")
            continue
        action, rating = _review((rev_id, cid, ease, factor, 0, kind), col.sched_ver)
        if not action:
            continue
        at = _instant(rev_id, 1000)
        if at is None:
            source.skip_review(name, _out_of_range("revlog.id", rev_id, "ms"))
            continue
        ms = answer_ms if _is_whole(answer_ms) else 0
        ms = min(max(0, ms), MAX_ANSWER_MS) if action == "grade" else 0
        history.append(source_review(name, target[0], target[1], at, action, rating, ms))
    for review in history + suspended:
        source.add_review(review)
    source.reviews.sort(key=lambda r: r.at)


MS_2026 = int(datetime(2026, 3, 2, tzinfo=UTC).timestamp() * 1000)
YEAR_9000_END = int(datetime(9000, 12, 31, 23, 59, 59, 999000, tzinfo=UTC).timestamp() * 1000)
ODD_IDS: list[object] = [
    -1,
    0,
    1,
    -(10**12),
    YEAR_9000_END,
    YEAR_9000_END + 1,  # the year 9001: a date, but not one the log accepts
    YEAR_9000_END - 86_400_000,
    10**15,  # past datetime's range
    2**63 - 1,
    -(2**63),
    1.5e12,
    "1700000000000",
    None,
    b"\x01",
]
GOOD_CARDS = {101: ("deck-a", "c1"), 102: ("deck-a", "c2"), 103: ("deck-b", "c1")}
BAD_CARDS = {201: ("deck-a", "bad card"), 202: ("Deck", "c3"), 203: ("deck-a", "-c")}
"""Cards whose key the review log refuses (a space, an upper-case deck id, a leading '-')."""
DELETED = (301, 302)


def random_rows(rng: random.Random, n: int, odd: float) -> list[tuple[object, ...]]:
    """Mostly the rows Anki writes; a share `odd` of each value from the list of odd ones."""
    cids = [*GOOD_CARDS, *BAD_CARDS, *DELETED]
    rows = []
    for i in range(n):
        row: list[object] = [
            MS_2026 + i * 60_000 + rng.randrange(1000),
            rng.choice(cids),
            rng.choice((1, 2, 3, 3, 3, 4)),
            rng.choice((0, 2500, 2500, 1300)),
            rng.choice((0, 4000, 12000, 600_000)),
            rng.choice((0, 1, 1, 1, 2, 3)),
        ]
        if rng.random() < odd:
            row[0] = rng.choice(ODD_IDS)
        if rng.random() < odd:
            row[1] = rng.choice((101.0, "101", None, -101, 2**63 - 1))
        if rng.random() < odd:
            row[2] = rng.choice((0, -1, 5, 9, 2.0, "3", None))
        if rng.random() < odd:
            row[3] = rng.choice((0, -1, 2500.0, "x", None))
        if rng.random() < odd:
            row[4] = rng.choice((-5, -1, MAX_ANSWER_MS, MAX_ANSWER_MS + 1, 10**12, 2.5, "9", None))
        if rng.random() < odd:
            row[5] = rng.choice((3, 4, 5, -1, 6, 2**40, 1.0, "1", None))
        rows.append(tuple(row))
    return rows


def collection_with(rows: list[tuple[object, ...]]) -> sqlite3.Connection:
    """A revlog table without column types, as a hostile collection may have: any value stays."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type)")
    conn.executemany(
        "INSERT INTO revlog VALUES (?, ?, -1, ?, 1, 0, ?, ?, ?)",
        [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows],
    )
    return conn


def suspensions() -> list[LogEntry]:
    at = datetime(2026, 4, 1, tzinfo=UTC)
    return [
        source_review("anki-s101-1", "deck-a", "c1", at, action="suspend"),
        source_review("anki-s201-1", "deck-a", "bad card", at, action="suspend"),
        source_review("anki-s103-1", "deck-b", "c1", datetime(1969, 1, 1, tzinfo=UTC), "suspend"),
    ]


def both(
    rows: list[tuple[object, ...]], sched_ver: int, with_suspensions: bool = True
) -> tuple[ImportSource, ImportSource, list[float]]:
    """The reference's source and the fast read's (with the progress it reported)."""
    col = Collection({}, {}, sched_ver)
    cards = {**GOOD_CARDS, **BAD_CARDS}
    conn = collection_with(rows)
    expected = ImportSource(Path("x.apkg"), "test")
    reference_read(conn, col, cards, expected, suspensions() if with_suspensions else [])
    actual = ImportSource(Path("x.apkg"), "test")
    heard: list[float] = []
    ankipackage._read_revlog(
        conn, col, cards, actual, suspensions() if with_suspensions else [], heard.append
    )
    return expected, actual, heard


def same(expected: ImportSource, actual: ImportSource) -> None:
    assert actual.reviews == expected.reviews
    assert [type(r.at) for r in actual.reviews] == [datetime] * len(actual.reviews)
    assert actual.warnings == expected.warnings
    assert actual.skipped_reviews == expected.skipped_reviews


@pytest.mark.parametrize("sched_ver", [1, 2, 3])
@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("odd", [0.0, 0.02, 0.3])
def test_fast_read_gives_what_the_row_by_row_read_gave(
    seed: int, sched_ver: int, odd: float
) -> None:
    rng = random.Random(seed * 31 + sched_ver)
    rows = random_rows(rng, 300, odd)
    rng.shuffle(rows)  # the read orders them (by id), whatever order the file has
    expected, actual, heard = both(rows, sched_ver, with_suspensions=seed % 2 == 0)
    same(expected, actual)
    assert heard[-1] == 1.0
    assert heard == sorted(heard)


@pytest.mark.parametrize(
    "row",
    [
        (YEAR_9000_END, 101, 3, 2500, 1000, 1),  # the last ms the log accepts
        (YEAR_9000_END + 1, 101, 3, 2500, 1000, 1),  # the first it does not
        (0, 101, 3, 2500, 1000, 1),  # 1970-01-01T00:00:00Z
        (-1, 101, 3, 2500, 1000, 1),  # 1969
        (MS_2026, 101, 1, 0, 5000, 4),  # a manual reset: forget, no time
        (MS_2026, 101, 3, 0, 5000, 3),  # cram that did not reschedule: skipped
        (MS_2026, 101, 3, 2500, 5000, 3),  # cram that did: a grade
        (MS_2026, 101, 2, 2500, 5000, 5),  # rescheduled by hand: skipped
        (MS_2026, 101, 0, 2500, 5000, 1),  # button 0: skipped
        (MS_2026, 101, 2, 2500, 5000, 0),  # the old scheduler's Good while learning
        (MS_2026, 101, 3, 2500, 5000, 2),  # ... and its Easy while relearning
        (MS_2026, 101, 3, 2500, -30, 1),  # a negative time: 0
        (MS_2026, 101, 3, 2500, 10**12, 1),  # longer than the log holds: the longest
        (MS_2026, 101, 3, 2500, None, 1),  # unknown: 0
        (MS_2026, 201, 3, 2500, 1000, 1),  # a card whose key the log refuses
        (MS_2026, 301, 3, 2500, 1000, 1),  # a deleted card: left out silently
        (MS_2026, 101, 3, 2500.5, 1000, 1),  # a factor that is not whole
    ],
)
@pytest.mark.parametrize("sched_ver", [1, 2])
def test_each_odd_row_alone_and_among_usual_ones(row: tuple[object, ...], sched_ver: int) -> None:
    usual = random_rows(random.Random(5), 40, 0.0)
    for rows in ([row], [*usual[:20], row, *usual[20:]]):
        expected, actual, _heard = both(rows, sched_ver)
        same(expected, actual)


def test_warnings_keep_their_order_past_the_named_ones() -> None:
    """Bad rows of every kind, more than are named one by one: the same names, then the count."""
    rows = [(MS_2026 + i, 201, 3, 2500, 1000, 1) for i in range(3)]
    rows += [(-(10**12) - i, 101, 3, 2500, 1000, 1) for i in range(3)]
    rows += [(10**15 + i, 102, 3, 2500, 1000, 1) for i in range(3)]
    rows += [(MS_2026 + 10 + i, 102, "3", 2500, 1000, 1) for i in range(3)]
    expected, actual, _heard = both(rows, 2)
    assert len(expected.warnings) > 5
    same(expected, actual)


@pytest.mark.parametrize(
    ("deck_id", "card_id", "accepted"),
    [
        ("deck-a", "c1", True),
        ("d" * 80, "C" * 120, True),
        ("d" * 81, "c1", False),
        ("deck-a", "c" * 121, False),
        ("Deck-a", "c1", False),
        ("deck-a", "c 1", False),
        ("deck-a", "", False),
        ("", "c1", False),
        ("deck-a", "ç1", False),
    ],
)
def test_accepts_card_is_what_add_review_decides(
    deck_id: str, card_id: str, accepted: bool
) -> None:
    source = ImportSource(Path("x.apkg"), "test")
    assert source.accepts_card(deck_id, card_id) is accepted
    at = datetime(2026, 1, 1, tzinfo=UTC)
    review = source_review("anki-1-2", deck_id, card_id, at, rating=3)
    assert source.add_review(review) is accepted


def test_a_package_with_many_rows_reports_progress_as_it_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ankipackage, "REVLOG_PROGRESS_EVERY", 7)
    rows = random_rows(random.Random(9), 100, 0.05)
    expected, actual, heard = both(rows, 2)
    same(expected, actual)
    assert len(heard) > 10
    assert heard == sorted(heard)
    assert all(0.0 <= x <= 1.0 for x in heard)


def column_by_column(row: tuple[object, ...]) -> str | None:
    """The check of a card's row as it was: each column against the types it takes."""
    for value, (name, kind) in zip(row, _CARD_COLUMNS, strict=True):
        if not isinstance(value, kind) or isinstance(value, bool):
            return f"column {name} is {'NULL' if value is None else type(value).__name__}"
    return None


@pytest.mark.parametrize("seed", range(6))
def test_a_card_row_is_checked_as_column_by_column(seed: int) -> None:
    rng = random.Random(seed)
    usual: list[object] = [1, 0, 1, 0, 0, 1_700_000_000, 2, "guid", 3, " tag ", "a\x1fb", 5]
    odd: list[object] = [None, True, False, 1.0, "1", b"1", -1, 2**63 - 1, "", 0]
    for _ in range(400):
        row = [rng.choice(odd) if rng.random() < 0.1 else value for value in usual]
        assert _card_row_problem(tuple(row)) == column_by_column(tuple(row)), row
    assert _card_row_problem(tuple(usual)) is None
