"""The SQLite collection inside an Anki package: opened with its guards, its settings read.

The collection comes from a file nobody vouches for, so it is opened read-only with a step budget
and refused if a table it reads is a view, a trigger's or a virtual one; every value read (SQLite
columns hold any type, the JSON in `col` any shape) is type-checked where it is read, so a wrong
one is reported by name. Here the note types, deck names and scheduler version are read, in both
schemas (11: JSON in `col`; 18: their own tables); the notes, cards and review log are turned
into flashprep cards and history by `ankipackage`. Separate from the zip (`ankizip`), which only
hands over the unpacked file.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flashprep.core.decks.ankinotes import OWNER_KEY
from flashprep.core.importers import protowire
from flashprep.core.importers.ankitemplate import NoteType, Template
from flashprep.core.importers.ankizip import PackageError, unpacked

READ_TABLES = (
    *("col", "notes", "cards", "revlog"),
    *("notetypes", "fields", "templates", "decks", "config"),
)
"""The tables read: each must be a plain table (a view can be an endless query)."""
STEPS_PER_BYTE = 20
"""SQLite's work budget, in virtual machine steps per byte of the collection: every query this
reader makes reads each row a few times, so a real collection uses a small fraction of it
(tests/core/importers/test_anki_rows_fuzz.py measures it); an endless view or a pathological
plan runs out."""
BASE_STEPS = 20_000_000
"""...plus this much for any collection: enough for a small one's fixed costs (some 0.1 s)."""
PROGRESS_EVERY = 1000
"""How many steps between two calls of the budget's progress handler."""


class _Damaged(ValueError):
    """A value in the collection of a type or shape Anki never writes; says where it is."""


def _unicase(a: str, b: str) -> int:
    x, y = a.casefold(), b.casefold()
    return (x > y) - (x < y)


@dataclass
class Collection:
    """What we read from the SQLite file, besides the notes and cards."""

    notetypes: dict[int, NoteType]
    decks: dict[int, str]
    sched_ver: int
    owner: str | None = None
    """The user whose history flashprep exported into this collection (`col.conf`), if any."""


class _Budget:
    """SQLite's progress handler: interrupts the connection once its steps are spent."""

    def __init__(self, steps: int) -> None:
        self.steps = steps
        self.calls_left = steps // PROGRESS_EVERY
        self.spent = False

    def __call__(self) -> int:
        self.calls_left -= 1
        if self.calls_left < 0:
            self.spent = True
            return 1
        return 0


def _connect(path: Path, db: Path) -> tuple[sqlite3.Connection, _Budget]:
    """The collection, read-only and immutable, its work bounded: temporary data (sorts) kept
    in memory rather than in the system's temp folder, and a step budget for the whole read
    proportional to the file's size. Views and triggers where tables are expected are refused."""
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro&immutable=1", uri=True)
    budget = _Budget(BASE_STEPS + STEPS_PER_BYTE * db.stat().st_size)
    try:
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA trusted_schema = OFF")
        conn.set_progress_handler(budget, PROGRESS_EVERY)
        conn.create_collation("unicase", _unicase)
        marks = ",".join("?" * len(READ_TABLES))
        odd = conn.execute(
            "SELECT type, name FROM sqlite_master WHERE (lower(name) IN (" + marks + ") OR "
            "lower(tbl_name) IN (" + marks + ")) AND (type IN ('view', 'trigger') OR "
            "(type = 'table' AND upper(substr(ltrim(sql), 1, 14)) = 'CREATE VIRTUAL'))",
            READ_TABLES * 2,
        ).fetchone()
    except BaseException:
        conn.close()
        raise
    if odd is not None:
        conn.close()
        kind = "virtual table" if odd[0] == "table" else odd[0]
        raise PackageError(path, f"not an Anki collection: {odd[1]!r} is a {kind}, not a table")
    return conn, budget


@contextmanager
def opened(path: Path, staging: Path | None) -> Iterator[tuple[sqlite3.Connection, int, list[str]]]:
    """The package's collection as a read-only SQLite connection on an unpacked copy, in a
    staging folder of the data folder (`staging`; the system's temp folder when None)."""
    with unpacked(path, staging) as (db, version, media):
        conn, budget = _connect(path, db)
        try:
            yield conn, version, media
        except sqlite3.OperationalError:
            if budget.spent:
                raise PackageError(
                    path,
                    f"reading the collection took more than {budget.steps:,} SQLite steps, far "
                    "more than a collection of its size needs (an endless view?); not imported",
                ) from None
            raise
        finally:
            conn.close()


# --- what it holds -------------------------------------------------------------------------------


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,))
    return row.fetchone() is not None


# SQLite columns hold any type whatever the schema says, and the JSON in `col` any shape: each
# value is checked where it is read, so that a wrong one is reported (or its card skipped) by name.


def _json(raw: object, where: str) -> Any:
    """A JSON column's value (None for SQL NULL)."""
    if raw is None:
        return None
    if not isinstance(raw, str | bytes):
        raise _Damaged(f"{where}: not JSON text")
    try:
        return json.loads(raw)
    except RecursionError:
        raise _Damaged(f"{where}: JSON nested too deeply") from None
    except ValueError as exc:  # UnicodeDecodeError included
        raise _Damaged(f"{where}: not valid JSON ({exc})") from None


def _or_empty(value: object) -> object:
    """A JSON column's value, with NULL (or JSON null) read as an empty object."""
    return {} if value is None else value


def _object(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Damaged(f"{where}: not a JSON object")
    return value


def _array(value: object, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _Damaged(f"{where}: not a JSON array")
    return value


def _text(value: object, where: str, default: str = "") -> str:
    if value is None:
        return default
    if not isinstance(value, str):
        raise _Damaged(f"{where}: not text")
    return value


def _whole(value: object, where: str, default: int = 0) -> int:
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Damaged(f"{where}: not a whole number")
    return value


def _blob(value: object, where: str) -> bytes:
    if value is None:
        return b""
    if not isinstance(value, bytes):
        raise _Damaged(f"{where}: not a blob")
    return value


def _id_key(key: str, where: str) -> int:
    if not key.isascii() or not key.lstrip("-").isdigit():
        raise _Damaged(f"{where}: the key is not an id")
    return int(key)


def _json_notetypes(raw: object) -> dict[int, NoteType]:
    models = _object(_or_empty(_json(raw, "col.models")), "col.models")
    out: dict[int, NoteType] = {}
    for key, value in models.items():
        where = f"col.models[{key!r}]"
        model = _object(value, where)
        parts: dict[str, list[dict[str, Any]]] = {}
        for part in ("flds", "tmpls"):
            items = _array(model.get(part, []), f"{where}.{part}")
            parts[part] = [_object(x, f"{where}.{part}[{i}]") for i, x in enumerate(items)]
            for i, x in enumerate(parts[part]):
                _whole(x.get("ord"), f"{where}.{part}[{i}].ord")
        fields = sorted(parts["flds"], key=lambda f: f.get("ord") or 0)
        tmpls = sorted(parts["tmpls"], key=lambda t: t.get("ord") or 0)
        out[_id_key(key, where)] = NoteType(
            _text(model.get("name"), f"{where}.name", key),
            "cloze" if model.get("type") == 1 else "normal",
            tuple(_text(f.get("name"), f"{where}.flds.name") for f in fields),
            tuple(
                Template(
                    _text(t.get("name"), f"{where}.tmpls.name"),
                    _text(t.get("qfmt"), f"{where}.tmpls.qfmt"),
                    _text(t.get("afmt"), f"{where}.tmpls.afmt"),
                )
                for t in tmpls
            ),
        )
    return out


def _json_decks(raw: object) -> dict[int, str]:
    decks = _object(_or_empty(_json(raw, "col.decks")), "col.decks")
    out: dict[int, str] = {}
    for key, value in decks.items():
        where = f"col.decks[{key!r}]"
        out[_id_key(key, where)] = _text(_object(value, where).get("name"), f"{where}.name", key)
    return out


def _table_notetypes(conn: sqlite3.Connection) -> dict[int, NoteType]:
    fields: dict[int, list[str]] = {}
    for ntid, name in conn.execute("SELECT ntid, name FROM fields ORDER BY ntid, ord"):
        where = f"fields (note type {ntid!r})"
        fields.setdefault(_whole(ntid, where), []).append(_text(name, f"{where}: name"))
    templates: dict[int, list[Template]] = {}
    for ntid, name, config in conn.execute(
        "SELECT ntid, name, config FROM templates ORDER BY ntid, ord"
    ):
        where = f"templates (note type {ntid!r})"
        parsed = protowire.parse(_blob(config, f"{where}: config"))
        templates.setdefault(_whole(ntid, where), []).append(
            Template(
                _text(name, f"{where}: name"),
                protowire.first_text(parsed, 1),
                protowire.first_text(parsed, 2),
            )
        )
    out: dict[int, NoteType] = {}
    for ntid, name, config in conn.execute("SELECT id, name, config FROM notetypes"):
        where = f"notetypes (id {ntid!r})"
        ntid = _whole(ntid, where)
        kind = protowire.first_int(protowire.parse(_blob(config, f"{where}: config")), 1)
        out[ntid] = NoteType(
            _text(name, f"{where}: name"),
            "cloze" if kind == 1 else "normal",
            tuple(fields.get(ntid, [])),
            tuple(templates.get(ntid, [])),
        )
    return out


def load_collection(conn: sqlite3.Connection) -> Collection:
    row = conn.execute("SELECT models, decks, conf FROM col").fetchone()
    if row is None:
        raise ValueError("the col table is empty")
    models, decks, conf = row
    if _has_table(conn, "notetypes"):
        notetypes = _table_notetypes(conn)
        deck_names = {
            _whole(did, "decks: id"): _text(name, f"decks (id {did!r}): name").replace("\x1f", "::")
            for did, name in conn.execute("SELECT id, name FROM decks")
        }
        sched = conn.execute("SELECT val FROM config WHERE KEY = 'schedVer'").fetchone()
        sched_ver = _whole(_json(sched[0], "config.schedVer"), "config.schedVer", 2) if sched else 2
    else:
        notetypes = _json_notetypes(models)
        deck_names = _json_decks(decks)
        settings = _object(_or_empty(_json(conf, "col.conf")), "col.conf")
        sched_ver = _whole(settings.get("schedVer"), "col.conf.schedVer", 1)
        owner = settings.get(OWNER_KEY)
        if owner is not None:
            return Collection(
                notetypes, deck_names, sched_ver, _text(owner, "col.conf." + OWNER_KEY)
            )
    return Collection(notetypes, deck_names, sched_ver)
