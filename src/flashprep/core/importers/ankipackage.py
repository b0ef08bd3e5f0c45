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
import shutil
import sqlite3
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import zstandard

from flashprep.core.deckrecord import CardInvalid, checked_card
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
from flashprep.core.tomlerrors import DataFileError

MAX_COLLECTION_BYTES = 1 << 30
"""Refuse a collection that unpacks to more than this (1 GiB): a zip bomb, or not a deck."""
MAX_SMALL_ENTRY_BYTES = 64 << 20
"""Cap for the `meta` and `media` entries."""
LAYOUTS = {1: "collection.anki2", 2: "collection.anki21", 3: "collection.anki21b"}
MAX_ANSWER_MS = 10**9 - 1


class PackageError(DataFileError):
    """A package that cannot be imported; the message names the file and the entry."""


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


def _read_small(path: Path, archive: zipfile.ZipFile, name: str, zstd: bool) -> bytes:
    info = archive.getinfo(name)
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
    info = archive.getinfo(name)
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
    except (UnicodeDecodeError, ValueError) as exc:
        raise PackageError(path, f"entry 'media' is not valid JSON ({exc})") from None
    if not isinstance(mapping, dict):
        raise PackageError(path, "entry 'media' is not a JSON object")
    for key, name in mapping.items():
        if not isinstance(name, str):
            raise PackageError(path, f"media entry {key!r}: the name is not text")
        _check_media_name(path, str(key), name)
        names.append(name)
    return names


@contextmanager
def _opened(path: Path) -> Iterator[tuple[sqlite3.Connection, int, list[str]]]:
    """The package's collection as a read-only SQLite connection on a temporary copy."""
    workdir = Path(tempfile.mkdtemp(prefix="flashprep-import-"))
    conn: sqlite3.Connection | None = None
    try:
        try:
            with zipfile.ZipFile(path) as archive:
                version = _layout(path, archive)
                media = _media_names(path, archive, version)
                _extract_collection(path, archive, version, workdir / "collection.db")
        except zipfile.BadZipFile as exc:
            reason = str(exc) if "CRC" in str(exc) else "not a zip file, or a damaged one"
            raise PackageError(path, f"not an Anki package: {reason}") from None
        except (EOFError, zlib.error, zstandard.ZstdError) as exc:
            raise PackageError(path, f"damaged package: {exc}") from None
        uri = f"{(workdir / 'collection.db').as_uri()}?mode=ro&immutable=1"
        conn = sqlite3.connect(uri, uri=True)
        conn.create_collation("unicase", _unicase)
        yield conn, version, media
    finally:
        if conn is not None:
            conn.close()
        shutil.rmtree(workdir, ignore_errors=True)


# --- the collection -------------------------------------------------------------------------------


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,))
    return row.fetchone() is not None


def _json_notetypes(models: dict[str, Any]) -> dict[int, NoteType]:
    out: dict[int, NoteType] = {}
    for key, model in models.items():
        fields = sorted(model.get("flds", []), key=lambda f: f.get("ord", 0))
        tmpls = sorted(model.get("tmpls", []), key=lambda t: t.get("ord", 0))
        out[int(key)] = NoteType(
            str(model.get("name", key)),
            "cloze" if model.get("type") == 1 else "normal",
            tuple(str(f.get("name", "")) for f in fields),
            tuple(
                Template(str(t.get("name", "")), str(t.get("qfmt", "")), str(t.get("afmt", "")))
                for t in tmpls
            ),
        )
    return out


def _table_notetypes(conn: sqlite3.Connection) -> dict[int, NoteType]:
    fields: dict[int, list[str]] = {}
    for ntid, name in conn.execute("SELECT ntid, name FROM fields ORDER BY ntid, ord"):
        fields.setdefault(ntid, []).append(name)
    templates: dict[int, list[Template]] = {}
    for ntid, name, config in conn.execute(
        "SELECT ntid, name, config FROM templates ORDER BY ntid, ord"
    ):
        parsed = protowire.parse(bytes(config or b""))
        templates.setdefault(ntid, []).append(
            Template(name, protowire.first_text(parsed, 1), protowire.first_text(parsed, 2))
        )
    out: dict[int, NoteType] = {}
    for ntid, name, config in conn.execute("SELECT id, name, config FROM notetypes"):
        kind = protowire.first_int(protowire.parse(bytes(config or b"")), 1)
        out[ntid] = NoteType(
            name,
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
            did: name.replace("\x1f", "::")
            for did, name in conn.execute("SELECT id, name FROM decks")
        }
        sched = conn.execute("SELECT val FROM config WHERE KEY = 'schedVer'").fetchone()
        sched_ver = int(json.loads(sched[0])) if sched else 2
    else:
        notetypes = _json_notetypes(json.loads(models or "{}"))
        deck_names = {int(k): str(d.get("name", k)) for k, d in json.loads(decks or "{}").items()}
        sched_ver = int(json.loads(conf or "{}").get("schedVer", 1))
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


def read_package(path: Path) -> ImportSource:
    """Read an .apkg or .colpkg; raise PackageError with the file (and entry) on any problem."""
    try:
        with _opened(path) as (conn, version, media):
            kind = f"Anki package ({LAYOUTS[version]})"
            return _read(path, conn, kind, media)
    except sqlite3.Error as exc:
        raise PackageError(path, f"not a readable Anki collection ({exc})") from None
    except (ValueError, KeyError, TypeError, protowire.WireError) as exc:
        raise PackageError(path, f"damaged Anki collection ({exc})") from None
    except OSError as exc:
        raise PackageError(path, f"cannot read: {exc.strerror or exc}") from None


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
    for cid, ordinal, did, odid, queue, mod, nid, guid, mid, raw_tags, flds in rows:
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
            at = datetime.fromtimestamp(item.mod, UTC)
            source.reviews.append(
                SourceReview(f"anki-s{item.cid}-{item.mod}", deck_id, card.id, at, action="suspend")
            )
    for deck in source.decks:
        deck.description = f"Imported from {path.name}."
    _read_revlog(conn, col, cards_by_anki_id, source)
    if media:
        shown = sorted(set(media))
        listed = ", ".join(shown[:5]) + (f" and {len(shown) - 5} more" if len(shown) > 5 else "")
        missing = "" if set(shown) <= set(media_names) else " (some are not in the package)"
        source.warn(
            f"{len(shown)} media file(s) cannot be shown in a terminal; the cards name them "
            f"instead: {listed}{missing}"
        )
    return source


def _read_revlog(
    conn: sqlite3.Connection,
    col: _Collection,
    cards: dict[int, tuple[str, str]],
    source: ImportSource,
) -> None:
    rows = conn.execute("SELECT id, cid, ease, factor, time, type FROM revlog ORDER BY cid, id")
    history: list[SourceReview] = []
    for row in rows:
        target = cards.get(row[1])
        if target is None:
            continue
        action, rating = _review(row, col.sched_ver)
        if not action:
            continue
        rev_id, cid, _ease, _factor, answer_ms, _kind = row
        history.append(
            SourceReview(
                f"anki-{rev_id}-{cid}",
                target[0],
                target[1],
                datetime.fromtimestamp(rev_id / 1000, UTC),
                action,
                rating,
                min(max(0, int(answer_ms or 0)), MAX_ANSWER_MS) if action == "grade" else 0,
            )
        )
    source.reviews = sorted(history + source.reviews, key=lambda r: r.at)
