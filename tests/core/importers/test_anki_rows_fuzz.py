"""Anki collections damaged value by value: any column of any row, any JSON value in `col`.

Whatever the collection holds, the reader either reads it, with every review it keeps one the
review log's reader accepts, or refuses it with one line naming the file; it never raises
anything else and leaves no scratch file behind.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.importers.ankicollection import READ_TABLES, STEPS_PER_BYTE
from flashprep.core.importers.ankipackage import read_package
from flashprep.core.importers.source import ImportSource
from flashprep.core.storage.reviewlog import LogEntry, check_entry
from hostilecol import loosen, package, tables

from fuzzing import budget, one_line_error

DEEP_JSON = "[" * 5000 + "]" * 5000
DEEP_SECTIONS = "{{#Front}}" * 5000 + "x" + "{{/Front}}" * 5000
DEEP_CLOZE = "{{c1::" * 5000 + "x" + "}}" * 5000
SQL_VALUES: list[object] = [
    None,
    "",
    "x",
    "\x1f\x1f",
    "-1",
    0,
    -1,
    1,
    4,
    5,
    -5000,
    250_000_000_000_000,
    2**63 - 1,
    -(2**63),
    1.5,
    -0.0,
    float("inf"),
    float("nan"),
    b"",
    b"\x00\xff\x08",
    "{}",
    "[]",
    "null",
    DEEP_JSON,
    DEEP_SECTIONS,
    DEEP_CLOZE,
    "\x1b]52;c;aGk=\x07",
]
JSON_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    10**30,
    1e308,
    1.5,
    "",
    "x",
    [],
    {},
    [1, "a"],
    {"name": None},
    {"ord": "1"},
    json.loads("[" * 50 + "]" * 50),
]
sql_value = st.sampled_from(SQL_VALUES) | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=12)
json_value = st.sampled_from(JSON_VALUES) | st.integers() | st.text(max_size=8)


def read_or_refuse(path: Path, staging: Path) -> ImportSource | None:
    """Read the package; check the outcome is one of the two allowed ones."""
    try:
        source = read_package(path, staging)
    except DataFileError as exc:
        one_line_error(exc, str(path))
        source = None
    if staging.exists():
        assert list(staging.iterdir()) == []
    return source


def check_source(source: ImportSource) -> None:
    """Every review kept is one the log's reader takes; every card has a deck."""
    for review in source.reviews:
        assert type(review) is LogEntry and review.mode == "import"
        check_entry(review)
    assert all(deck.id and deck.cards for deck in source.decks)


@st.composite
def column_change(draw: st.DrawFn, layout: int) -> tuple[str, str, int | None, object]:
    """(table, column, row number or None for every row, new value)."""
    table = draw(st.sampled_from(sorted(set(tables(layout)) & set(READ_TABLES))))
    column = draw(st.sampled_from(tables(layout)[table]))
    row = draw(st.none() | st.integers(0, 8))
    return table, column, row, draw(sql_value)


def apply_column_change(
    conn: sqlite3.Connection, table: str, column: str, row: int | None, value: object
) -> None:
    loosen(conn, table)
    nth = f"(SELECT rowid FROM {table} LIMIT 1 OFFSET {row})"
    where = "" if row is None else f" WHERE rowid = {nth}"
    conn.execute(f'UPDATE "{table}" SET "{column}" = ?{where}', (value,))


@pytest.mark.parametrize("layout", [2, 3])
def test_the_base_collections_import_with_their_reviews(tmp_path: Path, layout: int) -> None:
    source = read_or_refuse(package(tmp_path, layout), tmp_path / "staging")
    assert source is not None and source.warnings == []
    check_source(source)
    actions = [r.action for r in source.reviews]
    assert actions.count("suspend") == 1 and actions.count("grade") > 3


@pytest.mark.parametrize("layout", [2, 3])
@budget(60)
@given(data=st.data())
def test_any_column_of_any_row_may_hold_anything(layout: int, data: st.DataObject) -> None:
    changes = data.draw(st.lists(column_change(layout), min_size=1, max_size=3))

    def change(conn: sqlite3.Connection) -> None:
        for table, column, row, value in changes:
            apply_column_change(conn, table, column, row, value)

    with tempfile.TemporaryDirectory() as folder:
        source = read_or_refuse(package(Path(folder), layout, change), Path(folder) / "staging")
        if source is not None:
            check_source(source)


def replace_in(value: Any, path: list[int], new: Any) -> Any:
    """`value` with the node that `path` (indexes into the nodes' children) leads to replaced."""
    if not path:
        return new
    if isinstance(value, dict) and value:
        keys = list(value)
        key = keys[path[0] % len(keys)]
        return {**value, key: replace_in(value[key], path[1:], new)}
    if isinstance(value, list) and value:
        index = path[0] % len(value)
        return [*value[:index], replace_in(value[index], path[1:], new), *value[index + 1 :]]
    return new


@budget(100)
@given(
    column=st.sampled_from(["models", "decks", "conf", "dconf"]),
    path=st.lists(st.integers(0, 50), max_size=5),
    new=json_value,
    as_text=st.booleans(),
)
def test_any_json_value_in_col_may_be_anything(
    column: str, path: list[int], new: Any, as_text: bool
) -> None:
    def change(conn: sqlite3.Connection) -> None:
        (raw,) = conn.execute(f"SELECT {column} FROM col").fetchone()
        changed = replace_in(json.loads(raw), path, new)
        conn.execute(f"UPDATE col SET {column} = ?", (json.dumps(changed) if as_text else raw,))
        if not as_text:  # the whole column replaced by a raw SQL value instead
            loosen(conn, "col")
            conn.execute(f"UPDATE col SET {column} = ?", (new if new is None else str(new),))

    with tempfile.TemporaryDirectory() as folder:
        source = read_or_refuse(package(Path(folder), 2, change), Path(folder) / "staging")
        if source is not None:
            check_source(source)


def grow(conn: sqlite3.Connection, copies: int) -> None:
    """The collection's notes, cards and reviews, `copies` times over (new ids and guids)."""
    for table in ("notes", "cards", "revlog"):
        conn.execute(f"CREATE TEMP TABLE first_{table} AS SELECT * FROM {table}")
    for n in range(1, copies):
        shift = n * 10**9
        conn.execute(
            f"INSERT INTO notes SELECT id + {shift}, guid || '-{n}', mid, mod, usn, tags, flds, "
            "sfld, csum, flags, data FROM first_notes"
        )
        conn.execute(
            f"INSERT INTO cards SELECT id + {shift}, nid + {shift}, did, ord, mod, usn, type, "
            "queue, due, ivl, factor, reps, lapses, left, odue, odid, flags, data FROM first_cards"
        )
        conn.execute(
            f"INSERT INTO revlog SELECT id + {shift}, cid + {shift}, usn, ease, ivl, lastIvl, "
            "factor, time, type FROM first_revlog"
        )


def test_a_real_collection_uses_a_small_part_of_the_step_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The budget is per byte of the collection; a real one needs far less than that, so the
    budget refuses only collections that are not what they seem."""
    from flashprep.core.importers import ankicollection

    spent: list[ankicollection._Budget] = []

    class Recorded(ankicollection._Budget):
        def __init__(self, steps: int) -> None:
            super().__init__(steps)
            spent.append(self)

    monkeypatch.setattr(ankicollection, "_Budget", Recorded)
    db_size: list[int] = []
    real_connect = ankicollection._connect

    def connect(path: Path, db: Path) -> Any:
        db_size.append(db.stat().st_size)
        return real_connect(path, db)

    monkeypatch.setattr(ankicollection, "_connect", connect)
    path = package(tmp_path, 2, lambda conn: grow(conn, 300))
    source = read_package(path, tmp_path / "staging")
    assert len(source.reviews) > 3000
    used = (spent[0].steps // ankicollection.PROGRESS_EVERY - spent[0].calls_left) * 1000
    assert 0 < used < db_size[0] * STEPS_PER_BYTE / 10
