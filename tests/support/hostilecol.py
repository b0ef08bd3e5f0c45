"""Hostile Anki packages built at the level of SQLite rows and JSON columns, not zip bytes.

`base_collection(layout)` gives a real collection (the small test packages: layout 2 keeps note
types and decks as JSON in `col`, layout 3 in tables) with a review per card and one suspended
card added; `package(...)` writes it back as a package after a change made with sqlite3.
`loosen(conn, table)` drops a table's declared types and constraints, so that any value (NULL,
text in an id column...) can be stored as it is, as a hostile file could hold it.
"""

from __future__ import annotations

import sqlite3
import zipfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

import zstandard

ANKI = Path(__file__).parents[1] / "data" / "anki"
PACKAGES = {2: ANKI / "small-legacy.apkg", 3: ANKI / "small-modern.apkg"}
ENTRY = {2: "collection.anki21", 3: "collection.anki21b"}
REVIEWED_AT_MS = 1_767_000_000_000
"""Where the added reviews start (December 2025)."""


def _unicase(a: str, b: str) -> int:
    x, y = a.casefold(), b.casefold()
    return (x > y) - (x < y)


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.create_collation("unicase", _unicase)
    return conn


@cache
def base_collection(layout: int) -> bytes:
    """The layout's collection as SQLite bytes, with reviews for every card, one suspended."""
    with zipfile.ZipFile(PACKAGES[layout]) as archive:
        raw = archive.read(ENTRY[layout])
    if layout == 3:
        raw = zstandard.ZstdDecompressor().stream_reader(raw).read()
    raw = raw[:18] + b"\x01\x01" + raw[20:]  # a WAL database's header, made a rollback one's
    conn = sqlite3.connect(":memory:")
    conn.deserialize(raw)
    conn.create_collation("unicase", _unicase)
    cards = [row[0] for row in conn.execute("SELECT id FROM cards ORDER BY id")]
    for number, cid in enumerate(cards):
        for step, (ease, kind) in enumerate(((1, 0), (3, 1), (4, 1))):
            at = REVIEWED_AT_MS + number * 60_000 + step * 86_400_000
            row = (at, cid, ease, kind)
            conn.execute("INSERT INTO revlog VALUES (?, ?, -1, ?, 1, 0, 2500, 4000, ?)", row)
    conn.execute("UPDATE cards SET queue = -1, mod = ? WHERE id = ?", (1_767_100_000, cards[-1]))
    conn.commit()
    data = conn.serialize()
    conn.close()
    return data


def loosen(conn: sqlite3.Connection, table: str) -> None:
    """Recreate `table` with untyped columns and no constraints, keeping its rows."""
    columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
    names = ", ".join(f'"{c}"' for c in columns)
    conn.execute(f'CREATE TABLE "loose_{table}" ({names})')
    conn.execute(f'INSERT INTO "loose_{table}" SELECT {names} FROM "{table}"')
    conn.execute(f'DROP TABLE "{table}"')
    conn.execute(f'ALTER TABLE "loose_{table}" RENAME TO "{table}"')


def package(
    folder: Path,
    layout: int = 2,
    change: Callable[[sqlite3.Connection], None] | None = None,
    name: str = "hostile.apkg",
) -> Path:
    """A package of the base collection after `change`."""
    db = folder / f"{name}.db"
    db.write_bytes(base_collection(layout))
    if change is not None:
        conn = connect(db)
        try:
            change(conn)
            conn.commit()
        finally:
            conn.close()
    raw = db.read_bytes()
    db.unlink()
    with zipfile.ZipFile(PACKAGES[layout]) as original:
        meta, media = original.read("meta"), original.read("media")
    if layout == 3:
        raw = zstandard.ZstdCompressor().compress(raw)
    target = folder / name
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("meta", meta)
        archive.writestr(ENTRY[layout], raw)
        archive.writestr("media", media)
    return target


def tables(layout: int) -> dict[str, list[str]]:
    """The base collection's tables and their columns."""
    conn = sqlite3.connect(":memory:")
    conn.deserialize(base_collection(layout))
    out = {
        name: [row[1] for row in conn.execute(f"PRAGMA table_info({name})")]
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }
    conn.close()
    return out
