"""Anki packages (.apkg, .colpkg) in all three layouts, read into flashprep decks and history.

A package is a zip. Its `meta` entry (when present) gives the layout: 1 = `collection.anki2`,
2 = `collection.anki21` (both SQLite, schema 11, note types and decks as JSON in `col`), 3 =
`collection.anki21b` (zstd-compressed SQLite, schema 18, note types and decks in their own tables).
Layout 3 also carries a dummy `collection.anki2` for old Anki versions, which must be ignored.

One flashprep card per Anki card, drawn from the note's templates (`ankitemplate`), its HTML made
Markdown (`ankihtml`); ids from the note guid and the card's ordinal, so a second import updates
the same cards. The review log (`revlog`) becomes history to replay through the user's scheduler.
"""

from __future__ import annotations

import json
import lzma
import sqlite3
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import zstandard

from flashprep.core.clock import INSTANT_RANGE
from flashprep.core.decks.record import CardInvalid, checked_card
from flashprep.core.files.staging import staged
from flashprep.core.files.tomlerrors import DataFileError, cannot_read
from flashprep.core.importers import ankitemplate, protowire
from flashprep.core.importers.ankihtml import convert_fields
from flashprep.core.importers.ankitemplate import NoteType, Template
from flashprep.core.importers.source import (
    EMPTY_SIDE,
    ImportSource,
    SourceReview,
    card_id_for_guid,
    clean_tags,
    deck_id_for_card,
)

MAX_COLLECTION_BYTES = 1 << 30
"""Refuse a collection that unpacks to more than this (1 GiB): a zip bomb, or not a deck."""
MAX_SMALL_ENTRY_BYTES = 64 << 20
"""Cap for the `meta` and `media` entries."""
LAYOUTS = {1: "collection.anki2", 2: "collection.anki21", 3: "collection.anki21b"}
MAX_ANSWER_MS = 10**9 - 1
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
ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)


class PackageError(DataFileError):
    """A package that cannot be imported; the message names the file and the entry."""


class _Damaged(ValueError):
    """A value in the collection of a type or shape Anki never writes; says where it is."""


def _unicase(a: str, b: str) -> int:
    x, y = a.casefold(), b.casefold()
    return (x > y) - (x < y)


@dataclass
class _Collection:
    """What we read from the SQLite file, besides the notes and cards."""

    notetypes: dict[int, NoteType]
    decks: dict[int, str]
    sched_ver: int


# --- the zip --------------------------------------------------------------------------------------


def _entry(path: Path, archive: zipfile.ZipFile, name: str) -> zipfile.ZipInfo:
    """A zip entry the zipfile module can open: not encrypted, a compression method it has."""
    info = archive.getinfo(name)
    if info.flag_bits & 0x1:
        raise PackageError(path, f"entry {name!r} is encrypted")
    if info.compress_type not in ZIP_METHODS:
        raise PackageError(path, f"entry {name!r}: unknown compression method {info.compress_type}")
    return info


def _read_small(path: Path, archive: zipfile.ZipFile, name: str, zstd: bool) -> bytes:
    info = _entry(path, archive, name)
    if info.file_size > MAX_SMALL_ENTRY_BYTES:
        raise PackageError(path, f"entry {name!r} is too large ({info.file_size} bytes)")
    with archive.open(info) as handle:
        data = handle.read()
    if not zstd:
        return data
    reader = zstandard.ZstdDecompressor().stream_reader(data)
    out = reader.read(MAX_SMALL_ENTRY_BYTES + 1)
    if len(out) > MAX_SMALL_ENTRY_BYTES:
        raise PackageError(path, f"entry {name!r} unpacks to more than {MAX_SMALL_ENTRY_BYTES}")
    return bytes(out)


def _layout(path: Path, archive: zipfile.ZipFile) -> int:
    names = set(archive.namelist())
    if "meta" in names:
        try:
            version = protowire.first_int(
                protowire.parse(_read_small(path, archive, "meta", False)), 1
            )
        except protowire.WireError as exc:
            raise PackageError(path, f"entry 'meta' is damaged ({exc})") from None
        if version not in LAYOUTS:
            raise PackageError(
                path,
                f"made by a newer Anki (package version {version}); export it again with "
                "'Support older Anki versions' ticked",
            )
    elif "collection.anki21" in names:
        version = 2
    elif "collection.anki2" in names:
        version = 1
    else:
        raise PackageError(path, "no Anki collection inside (collection.anki21b/anki21/anki2)")
    if LAYOUTS[version] not in names:
        raise PackageError(path, f"no {LAYOUTS[version]} inside, although 'meta' names it")
    return version


def _copy_capped(path: Path, name: str, source: IO[bytes], target: IO[bytes]) -> None:
    total = 0
    while chunk := source.read(1 << 20):
        total += len(chunk)
        if total > MAX_COLLECTION_BYTES:
            raise PackageError(
                path, f"entry {name!r} unpacks to more than {MAX_COLLECTION_BYTES >> 20} MiB"
            )
        target.write(chunk)


def _extract_collection(path: Path, archive: zipfile.ZipFile, version: int, target: Path) -> None:
    name = LAYOUTS[version]
    info = _entry(path, archive, name)
    if version != 3 and info.file_size > MAX_COLLECTION_BYTES:
        raise PackageError(path, f"entry {name!r} is larger than {MAX_COLLECTION_BYTES >> 20} MiB")
    with archive.open(info) as raw, target.open("wb") as out:
        if version == 3:
            with zstandard.ZstdDecompressor().stream_reader(raw) as unpacked:
                _copy_capped(path, name, unpacked, out)
        else:
            _copy_capped(path, name, raw, out)


def _check_media_name(path: Path, key: str, name: str) -> None:
    parts = name.replace("\\", "/").split("/")
    if not name or "/" in name or "\\" in name or ".." in parts or "\x00" in name:
        raise PackageError(path, f"media entry {key!r}: unsafe file name {name!r}")


def _media_names(path: Path, archive: zipfile.ZipFile, version: int) -> list[str]:
    """File names of the package's media, checked: no folders, no `..`."""
    if "media" not in archive.namelist():
        return []
    raw = _read_small(path, archive, "media", version == 3)
    names: list[str] = []
    if version == 3:
        try:
            entries = protowire.messages(protowire.parse(raw), 1)
        except (protowire.WireError, UnicodeDecodeError) as exc:
            raise PackageError(path, f"entry 'media' is damaged ({exc})") from None
        for index, entry in enumerate(entries):
            name = protowire.first_text(entry, 1)
            _check_media_name(path, str(index), name)
            names.append(name)
        return names
    try:
        mapping = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise PackageError(path, f"entry 'media' is not valid JSON ({exc})") from None
    if not isinstance(mapping, dict):
        raise PackageError(path, "entry 'media' is not a JSON object")
    for key, name in mapping.items():
        if not isinstance(name, str):
            raise PackageError(path, f"media entry {key!r}: the name is not text")
        _check_media_name(path, str(key), name)
        names.append(name)
    return names


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
def _opened(
    path: Path, staging: Path | None
) -> Iterator[tuple[sqlite3.Connection, int, list[str]]]:
    """The package's collection as a read-only SQLite connection on an unpacked copy, in a
    staging folder of the data folder (`staging`; the system's temp folder when None)."""
    with staged(staging, "import-") as workdir:
        try:
            with zipfile.ZipFile(path) as archive:
                version = _layout(path, archive)
                media = _media_names(path, archive, version)
                _extract_collection(path, archive, version, workdir / "collection.db")
        except zipfile.BadZipFile as exc:
            reason = str(exc) if "CRC" in str(exc) else "not a zip file, or a damaged one"
            raise PackageError(path, f"not an Anki package: {reason}") from None
        except (EOFError, zlib.error, lzma.LZMAError, zstandard.ZstdError) as exc:
            raise PackageError(path, f"damaged package: {exc}") from None
        conn, budget = _connect(path, workdir / "collection.db")
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


# --- the collection -------------------------------------------------------------------------------


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


def _load_collection(conn: sqlite3.Connection) -> _Collection:
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
    return _Collection(notetypes, deck_names, sched_ver)


def _review(row: tuple[int, int, int, int, int, int], sched_ver: int) -> tuple[str, int | None]:
    """How one revlog row replays: ("grade", rating), ("forget", None) or ("", None) to skip.

    Following Anki and FSRS practice: a manual reset (type 4, factor 0) forgets the card; other
    manual or rescheduling entries (type 4, 5, or button 0) and cram/preview answers that did not
    reschedule (type 3, factor 0) are skipped. The old v1 scheduler had three buttons while
    learning, so there 2 meant Good and 3 Easy.
    """
    _id, _cid, ease, factor, _time, kind = row
    if kind == 4 and factor == 0:
        return "forget", None
    if kind in (4, 5) or ease == 0 or not 1 <= ease <= 4 or (kind == 3 and factor == 0):
        return "", None
    if sched_ver == 1 and kind in (0, 2) and ease in (2, 3):
        ease += 1
    return "grade", ease


def read_package(path: Path, staging: Path | None = None) -> ImportSource:
    """Read an .apkg or .colpkg; raise PackageError with the file (and entry) on any problem.

    The collection is unpacked into a folder made in `staging` (see core.staging)."""
    try:
        with _opened(path, staging) as (conn, version, media):
            kind = f"Anki package ({LAYOUTS[version]})"
            return _read(path, conn, kind, media)
    except sqlite3.Error as exc:
        raise PackageError(path, f"not a readable Anki collection ({exc})") from None
    except ValueError as exc:  # _Damaged, protowire.WireError, UnicodeDecodeError
        raise PackageError(path, f"damaged Anki collection ({exc})") from None
    except OSError as exc:
        raise cannot_read(path, exc, PackageError) from None


@dataclass(slots=True)
class _Drawn:
    """One card drawn from its note's template, its sides still HTML (stripped)."""

    cid: int
    nid: int
    ordinal: int
    queue: int
    mod: int
    guid: str
    tags: list[str]
    deck_name: str
    front: str
    back: str
    hints: list[str]


_CARD_COLUMNS = (
    ("cards.id", int),
    ("cards.ord", int),
    ("cards.did", int),
    ("cards.odid", int | None),
    ("cards.queue", int | None),
    ("cards.mod", int | None),
    ("notes.id", int),
    ("notes.guid", str),
    ("notes.mid", int),
    ("notes.tags", str | None),
    ("notes.flds", str),
)
"""The columns `_draw_cards` reads, and the types it takes (None: SQL NULL, read as 0 or "")."""


def _card_row_problem(row: tuple[object, ...]) -> str | None:
    """What is wrong with a card's row (a column of a type Anki never writes), or None."""
    for value, (name, kind) in zip(row, _CARD_COLUMNS, strict=True):
        if not isinstance(value, kind) or isinstance(value, bool):
            return f"column {name} is {'NULL' if value is None else type(value).__name__}"
    return None


def _draw_cards(path: Path, conn: sqlite3.Connection, col: _Collection) -> Iterator[_Drawn | str]:
    """Every card of the collection drawn from its template, in order; a warning (str) for a
    card that has no template."""
    rows = conn.execute(
        "SELECT c.id, c.ord, c.did, c.odid, c.queue, c.mod, n.id, n.guid, n.mid, n.tags, n.flds"
        " FROM cards c JOIN notes n ON n.id = c.nid ORDER BY c.did, n.id, c.ord"
    )
    note_id: int | None = None
    notetype: NoteType | None = None
    fields: dict[str, str] = {}
    tags: list[str] = []
    # Whether a note type's templates show special fields ({{Tags}}, {{Deck}}...): most do not,
    # and their cards need no table of them.
    specials: dict[int, bool] = {}
    for row in rows:
        problem = _card_row_problem(row)
        if problem:
            yield f"note {row[6]!r} card {row[0]!r}: {problem}; skipped"
            continue
        cid, ordinal, did, odid, queue, mod, nid, guid, mid, raw_tags, flds = row
        odid, queue, mod, raw_tags = odid or 0, queue or 0, mod or 0, raw_tags or ""
        if nid != note_id:  # cards of one note come together: read the note once
            note_id, notetype = nid, col.notetypes.get(mid)
            if notetype is None:
                raise PackageError(path, f"note {nid} (guid {guid!r}): unknown note type {mid}")
            values = flds.split("\x1f")
            values += [""] * (len(notetype.fields) - len(values))
            fields = dict(zip(notetype.fields, values, strict=False))
            tags = clean_tags(raw_tags.split())
            if mid not in specials:
                plain = {*notetype.fields, "FrontSide"}
                specials[mid] = not ankitemplate.names_used(notetype) <= plain
        assert notetype is not None
        template = 0 if notetype.kind == "cloze" else ordinal
        if not 0 <= template < len(notetype.templates):
            yield f"note {nid}: card {ordinal + 1} has no template; skipped"
            continue
        deck_name = col.decks.get(odid or did, "Default")
        special = (
            {
                "Tags": raw_tags.strip(),
                "Type": notetype.name,
                "Deck": deck_name,
                "Subdeck": deck_name.rsplit("::", 1)[-1],
                "Card": notetype.templates[template].name,
            }
            if specials[mid]
            else {}
        )
        rendered = ankitemplate.render_card(notetype, fields, ordinal, special)
        hints = [h.strip() for h in rendered.hints] if rendered.hints else []
        yield _Drawn(
            cid,
            nid,
            ordinal,
            queue,
            mod,
            guid,
            tags,
            deck_name,
            rendered.front.strip(),
            rendered.back.strip(),
            hints,
        )


def _read(path: Path, conn: sqlite3.Connection, kind: str, media_names: list[str]) -> ImportSource:
    """Three passes: draw every card, convert every distinct HTML text (in one batch, see
    ankihtml.convert_fields), then build the cards."""
    col = _load_collection(conn)
    source = ImportSource(path, kind)
    cards_by_anki_id: dict[int, tuple[str, str]] = {}
    suspended: list[SourceReview] = []
    media: list[str] = []
    drawn = list(_draw_cards(path, conn, col))
    # Converted once per distinct text: a reversed note's two cards share their fields.
    distinct = list(
        dict.fromkeys(
            html
            for item in drawn
            if isinstance(item, _Drawn)
            for html in (item.front, item.back, *item.hints)
        )
    )
    converted = dict(zip(distinct, convert_fields(distinct), strict=True))

    def markdown(html: str) -> str:
        text, found = converted[html]
        if found:
            media.extend(found)
        return text

    for item in drawn:
        if isinstance(item, str):
            source.warn(item)
            continue
        nid, ordinal, guid = item.nid, item.ordinal, item.guid
        front, back = markdown(item.front), markdown(item.back)
        if not front or not back:
            source.warn(f"note {nid} card {ordinal + 1}: an empty side, shown as {EMPTY_SIDE}")
        hint = None
        if item.hints:
            hint = "\n\n".join(h for h in (markdown(x) for x in item.hints) if h) or None
        deck_id = deck_id_for_card(guid, item.deck_name)
        try:
            card = checked_card(
                card_id_for_guid(guid, ordinal),
                front or EMPTY_SIDE,
                back or EMPTY_SIDE,
                item.tags,
                hint,
                f"anki:{guid}#{ordinal}",
            )
        except CardInvalid as exc:
            source.warn(f"note {nid} card {ordinal + 1}: skipped ({exc.error['msg']})")
            continue
        source.deck(deck_id, item.deck_name).cards.append(card)
        cards_by_anki_id[item.cid] = (deck_id, card.id)
        if item.queue == -1:
            entry_id = f"anki-s{item.cid}-{item.mod}"
            at = _instant(item.mod, 1)
            if at is None:
                source.skip_review(entry_id, _out_of_range("cards.mod", item.mod, "s"))
            else:
                suspended.append(SourceReview(entry_id, deck_id, card.id, at, action="suspend"))
    for deck in source.decks:
        deck.description = f"Imported from {path.name}."
    _read_revlog(conn, col, cards_by_anki_id, source, suspended)
    if media:
        shown = sorted(set(media))
        listed = ", ".join(shown[:5]) + (f" and {len(shown) - 5} more" if len(shown) > 5 else "")
        missing = "" if set(shown) <= set(media_names) else " (some are not in the package)"
        source.warn(
            f"{len(shown)} media file(s) cannot be shown in a terminal; the cards name them "
            f"instead: {listed}{missing}"
        )
    return source


def _instant(value: int, per_second: int) -> datetime | None:
    """The UTC instant of a count of seconds (or ms) since 1970, or None if no date has it."""
    try:
        return datetime.fromtimestamp(value / per_second, UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _out_of_range(column: str, value: int, unit: str) -> str:
    return f"{column} = {value} {unit} is not a date {INSTANT_RANGE}"


_REVLOG_COLUMNS = ("revlog.id", "revlog.cid", "revlog.ease", "revlog.factor", "revlog.type")
"""The revlog columns that must hold whole numbers for an entry to be read."""


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _read_revlog(
    conn: sqlite3.Connection,
    col: _Collection,
    cards: dict[int, tuple[str, str]],
    source: ImportSource,
    suspended: list[SourceReview],
) -> None:
    """The review log as history, after the suspensions: every entry checked by the review
    log's own rules (ImportSource.add_review) before it can be written; a bad one is skipped."""
    rows = conn.execute("SELECT id, cid, ease, factor, time, type FROM revlog ORDER BY cid, id")
    history: list[SourceReview] = []
    for row in rows:
        target = cards.get(row[1])
        if target is None:
            continue
        rev_id, cid, ease, factor, answer_ms, kind = row
        name = f"anki-{rev_id}-{cid}"
        checked = zip(_REVLOG_COLUMNS, (rev_id, cid, ease, factor, kind), strict=True)
        bad = next((column for column, value in checked if not _is_whole(value)), None)
        if bad is not None:
            source.skip_review(name, f"column {bad} is not a whole number")
            continue
        action, rating = _review((rev_id, cid, ease, factor, 0, kind), col.sched_ver)
        if not action:
            continue
        at = _instant(rev_id, 1000)
        if at is None:
            source.skip_review(name, _out_of_range("revlog.id", rev_id, "ms"))
            continue
        # The time spent answering is only shown in statistics: one Anki does not know (NULL,
        # or not a number) counts as 0, a longer one than the log holds as the longest.
        ms = answer_ms if _is_whole(answer_ms) else 0
        ms = min(max(0, ms), MAX_ANSWER_MS) if action == "grade" else 0
        history.append(SourceReview(name, target[0], target[1], at, action, rating, ms))
    for review in history + suspended:
        source.add_review(review)
    source.reviews.sort(key=lambda r: r.at)
