"""Anki packages (.apkg, .colpkg) in all three layouts, read into flashprep decks and history.

One flashprep card per Anki card, drawn from the note's templates (`ankitemplate`), its HTML made
Markdown (`ankihtml`); ids from the note guid and the card's ordinal, so a second import updates
the same cards. The review log (`revlog`) becomes history to replay through the user's scheduler.

This module turns the notes, cards and review log into flashprep cards and reviews; the zip
(`ankizip`) and the guarded SQLite collection with its note types and decks (`ankicollection`)
are read by their own modules.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import attrgetter
from pathlib import Path

from flashprep.core.clock import INSTANT_RANGE, LAST_YEAR
from flashprep.core.decks.ankinotes import AnkiCard, AnkiNote, AnkiNotes, AnkiNoteType
from flashprep.core.decks.record import CardInvalid, checked_card
from flashprep.core.files.tomlerrors import cannot_read
from flashprep.core.importers import ankitemplate
from flashprep.core.importers.ankicollection import Collection, load_collection, opened
from flashprep.core.importers.ankihtml import convert_fields, media_warnings
from flashprep.core.importers.ankitemplate import NoteType
from flashprep.core.importers.ankizip import LAYOUTS, PackageError
from flashprep.core.importers.source import (
    EMPTY_SIDE,
    ImportSource,
    card_id_for_guid,
    clean_tags,
    deck_id_for_card,
    source_review,
)
from flashprep.core.keys import card_key, parse_own_guid
from flashprep.core.storage.reviewlog import LogEntry

MAX_ANSWER_MS = 10**9 - 1


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


def read_package(
    path: Path, staging: Path | None = None, progress: Callable[[float], None] | None = None
) -> ImportSource:
    """Read an .apkg or .colpkg; raise PackageError with the file (and entry) on any problem.

    The collection is unpacked into a folder made in `staging` (see core.staging); `progress`
    hears the share of the review log read."""
    try:
        with opened(path, staging) as (conn, version, media):
            kind = f"Anki package ({LAYOUTS[version]})"
            return _read(path, conn, kind, media, progress)
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
    mid: int
    note_mod: int
    values: list[str]
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
    ("notes.mod", int | None),
)
"""The columns `_draw_cards` reads, and the types it takes (None: SQL NULL, read as 0 or "")."""


_USUAL_CARD_ROW = (int, int, int, int, int, int, int, str, int, str, str, int)
"""The types of a card's row as Anki writes it (no NULL): told in one comparison."""


def _card_row_problem(row: tuple[object, ...]) -> str | None:
    """What is wrong with a card's row (a column of a type Anki never writes), or None."""
    if tuple(map(type, row)) == _USUAL_CARD_ROW:
        return None
    for value, (name, kind) in zip(row, _CARD_COLUMNS, strict=True):
        if not isinstance(value, kind) or isinstance(value, bool):
            return f"column {name} is {'NULL' if value is None else type(value).__name__}"
    return None


def _draw_cards(path: Path, conn: sqlite3.Connection, col: Collection) -> Iterator[_Drawn | str]:
    """Every card of the collection drawn from its template, in order; a warning (str) for a
    card that has no template."""
    rows = conn.execute(
        "SELECT c.id, c.ord, c.did, c.odid, c.queue, c.mod, n.id, n.guid, n.mid, n.tags, n.flds,"
        " n.mod FROM cards c JOIN notes n ON n.id = c.nid ORDER BY c.did, n.id, c.ord"
    )
    note_id: int | None = None
    notetype: NoteType | None = None
    fields: dict[str, str] = {}
    values: list[str] = []
    tags: list[str] = []
    # Whether a note type's templates show special fields ({{Tags}}, {{Deck}}...): most do not,
    # and their cards need no table of them.
    specials: dict[int, bool] = {}
    for row in rows:
        problem = _card_row_problem(row)
        if problem:
            yield f"note {row[6]!r} card {row[0]!r}: {problem}; skipped"
            continue
        cid, ordinal, did, odid, queue, mod, nid, guid, mid, raw_tags, flds, note_mod = row
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
            mid,
            note_mod or 0,
            values,
            tags,
            deck_name,
            rendered.front.strip(),
            rendered.back.strip(),
            hints,
        )


def _read(
    path: Path,
    conn: sqlite3.Connection,
    kind: str,
    media_names: list[str],
    progress: Callable[[float], None] | None = None,
) -> ImportSource:
    """Three passes: draw every card, convert every distinct HTML text (in one batch, see
    ankihtml.convert_fields), then build the cards."""
    col = load_collection(conn)
    source = ImportSource(path, kind, owner=col.owner)
    cards_by_anki_id: dict[int, tuple[str, str]] = {}
    suspended: list[LogEntry] = []
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
        own = parse_own_guid(guid) is not None  # a card flashprep exported: its own, no origin
        try:
            card = checked_card(
                card_id_for_guid(guid, ordinal),
                front or EMPTY_SIDE,
                back or EMPTY_SIDE,
                item.tags,
                hint,
                None if own else f"anki:{guid}#{ordinal}",
            )
        except CardInvalid as exc:
            source.warn(f"note {nid} card {ordinal + 1}: skipped ({exc.error['msg']})")
            continue
        sdeck = source.deck(deck_id, item.deck_name)
        sdeck.cards.append(card)
        if not own:
            _keep_note(sdeck.anki, col, item, card.id)
        cards_by_anki_id[item.cid] = (deck_id, card.id)
        if item.queue == -1:
            entry_id = f"anki-s{item.cid}-{item.mod}"
            at = _instant(item.mod, 1)
            if at is None:
                source.skip_review(entry_id, _out_of_range("cards.mod", item.mod, "s"))
            else:
                suspended.append(source_review(entry_id, deck_id, card.id, at, action="suspend"))
    for deck in source.decks:
        deck.description = f"Imported from {path.name}."
    _read_revlog(conn, col, cards_by_anki_id, source, suspended, progress)
    for warning in media_warnings(media, media_names):
        source.warn(warning)
    return source


def _keep_note(notes: AnkiNotes, col: Collection, item: _Drawn, card_id: str) -> None:
    """Remember the note behind a card (see core.decks.ankinotes); its text digest is set when
    the card is applied, as written."""
    if item.mid not in notes.notetypes:
        nt = col.notetypes[item.mid]
        notes.notetypes[item.mid] = AnkiNoteType(
            nt.name, nt.kind, list(nt.fields), [(t.name, t.front, t.back) for t in nt.templates]
        )
    if item.guid not in notes.notes:
        notes.notes[item.guid] = AnkiNote(item.mid, item.nid, item.values, item.note_mod)
    notes.cards[card_id] = AnkiCard(item.guid, item.ordinal, item.cid, item.deck_name, "")


def _instant(value: int, per_second: int) -> datetime | None:
    """The UTC instant of a count of seconds (or ms) since 1970, or None if no date has it."""
    try:
        return datetime.fromtimestamp(value / per_second, UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _out_of_range(column: str, value: int, unit: str) -> str:
    return f"{column} = {value} {unit} is not a date {INSTANT_RANGE}"


REVLOG_PROGRESS_EVERY = 20_000
"""Review log rows read (or checked) between two progress reports."""
READ_SHARE = 0.7
"""The share of reading the review log spent on its rows; the rest checks each entry."""
_REVLOG_COLUMNS = ("revlog.id", "revlog.cid", "revlog.ease", "revlog.factor", "revlog.type")
"""The revlog columns that must hold whole numbers for an entry to be read."""
_SURE_MS = (0, int(datetime(LAST_YEAR, 12, 31, tzinfo=UTC).timestamp() * 1000))
"""Review times (revlog.id, ms) that are surely a date the log accepts (INSTANT_RANGE), with a
day to spare at the end: a row outside is checked one by one, as any entry is."""


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _read_revlog(
    conn: sqlite3.Connection,
    col: Collection,
    cards: dict[int, tuple[str, str]],
    source: ImportSource,
    suspended: list[LogEntry],
    progress: Callable[[float], None] | None = None,
) -> None:
    """The review log as history, after the suspensions: every entry checked by the review
    log's own rules (ImportSource.add_review) before it can be written; a bad one is skipped.

    Read in the order of Anki's ids (the time of each review, in ms): the history comes out in
    time order, so sorting it by time afterwards costs next to nothing. A million reviews take
    seconds: `progress` hears the share read every REVLOG_PROGRESS_EVERY rows.

    The check is the same for every row, made cheaply: what varies from row to row (the id
    `anki-<id>-<cid>`, the rating, the action, the time spent) is valid by construction, the
    card is checked once per card (`ImportSource.accepts_card`) and the time by its range
    (_SURE_MS); a row not surely valid is checked whole by `add_review`, in its turn. Each
    entry is made once, as the log entry it becomes (see source.source_review), its card's
    key made once per card."""
    total = conn.execute("SELECT count() FROM revlog").fetchone()[0] if progress else 0
    rows = conn.execute("SELECT id, cid, ease, factor, time, type FROM revlog ORDER BY id")
    history: list[LogEntry] = []
    unsure: set[int] = set()
    """Indexes in `history` of the entries `add_review` checks whole."""
    accepted: dict[int, tuple[str, bool]] = {}
    """Each card's key, and whether the log accepts entries of it."""
    sched_ver = col.sched_ver
    first, last = _SURE_MS
    count = 0
    append = history.append
    instant = datetime.fromtimestamp
    rating: int | None
    at: datetime | None
    while chunk := rows.fetchmany(REVLOG_PROGRESS_EVERY):
        count += len(chunk)
        if progress is not None and len(chunk) == REVLOG_PROGRESS_EVERY:
            progress(READ_SHARE * count / max(total, count))
        for rev_id, cid, ease, factor, answer_ms, kind in chunk:
            target = cards.get(cid)
            if target is None:
                continue
            name = f"anki-{rev_id}-{cid}"
            # `type(x) is int`: a whole number, not a bool (SQLite hands back int, float, str...)
            if not (
                type(rev_id) is int
                and type(cid) is int
                and type(ease) is int
                and type(factor) is int
                and type(kind) is int
            ):
                checked = zip(_REVLOG_COLUMNS, (rev_id, cid, ease, factor, kind), strict=True)
                bad = next(column for column, value in checked if not _is_whole(value))
                source.skip_review(name, f"column {bad} is not a whole number")
                continue
            if 0 <= kind <= 2 and 1 <= ease <= 4 and (sched_ver != 1 or kind == 1):
                action, rating = "grade", ease  # the usual row: what _review gives it
            else:
                action, rating = _review((rev_id, cid, ease, factor, 0, kind), sched_ver)
                if not action:
                    continue
            if first <= rev_id <= last:
                at = instant(rev_id / 1000, UTC)
            else:
                at = _instant(rev_id, 1000)
                if at is None:
                    source.skip_review(name, _out_of_range("revlog.id", rev_id, "ms"))
                    continue
                unsure.add(len(history))
            # The time spent answering is only shown in statistics: one Anki does not know
            # (NULL, or not a number) counts as 0, a longer one than the log holds as the longest.
            if action == "grade":
                ms = answer_ms if type(answer_ms) is int else 0
                ms = ms if 0 <= ms <= MAX_ANSWER_MS else min(max(0, ms), MAX_ANSWER_MS)
            else:
                ms = 0
            known = accepted.get(cid)
            if known is None:
                known = accepted[cid] = (card_key(*target), source.accepts_card(*target))
            key, ok = known
            if not ok:
                unsure.add(len(history))
            append(LogEntry(name, at, key, rating, action, ms, "import"))
    reviews, rows_kept = source.reviews, len(history) + len(suspended)
    if not unsure:
        reviews.extend(history)  # every entry valid by construction (see above)
    for count, review in enumerate(history if unsure else (), 1):
        if count - 1 in unsure:
            source.add_review(review)
        else:
            reviews.append(review)
        if progress is not None and count % REVLOG_PROGRESS_EVERY == 0:
            progress(READ_SHARE + (1 - READ_SHARE) * count / rows_kept)
    for review in suspended:
        source.add_review(review)
    source.reviews.sort(key=_AT)
    if progress is not None:
        progress(1.0)


_AT = attrgetter("at")
