"""The Anki notes behind an imported deck's cards, kept so that an export gives Anki the same notes.

A flashprep card is one side-pair drawn from an Anki note through its note type's templates; Anki
itself only updates a note (rather than adding a copy) when it comes back with its guid, its note
type (the same id, fields and templates) and its own field values. None of that fits a card, so
an import of an Anki package writes it beside the deck file, in `decks/anki/<deck-id>.json`:
the note types used, each note (its ids, fields as HTML, modification time) and, for each card,
its note, ordinal, Anki card id, Anki deck name and a digest of the card's text as imported. An
export compares that digest with the card as it is now: an unchanged card goes back with the
note's own fields, an edited one with the edit put into the field its template shows.

Shared by every user, like the deck files; derived from nothing else, so it is data, not a cache.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from flashprep.core.files.tomlerrors import DataFileError, cannot_read

NOTES_FORMAT = 1
OWNER_KEY = "flashprepUser"
"""The key of an exported collection's `col.conf` that names the user whose history it holds:
the export writes it, the import reads it (a package is never merged into another user's log
by accident)."""


class AnkiNoteType(NamedTuple):
    """A note type as Anki has it: kind "normal" or "cloze", fields by order, templates as
    (name, question format, answer format)."""

    name: str
    kind: str
    fields: list[str]
    templates: list[tuple[str, str, str]]
    css: str = ""


class AnkiNote(NamedTuple):
    ntid: int
    nid: int
    fields: list[str]
    mod: int


class AnkiCard(NamedTuple):
    """Where one flashprep card came from: its note (guid), ordinal, Anki card id, Anki deck,
    and the digest of its text as imported (`text_digest`)."""

    guid: str
    ord: int
    cid: int
    deck: str
    text: str


@dataclass
class AnkiNotes:
    """One deck's Anki notes; keyed by note type id, note guid, and flashprep card id."""

    notetypes: dict[int, AnkiNoteType] = field(default_factory=dict)
    notes: dict[str, AnkiNote] = field(default_factory=dict)
    cards: dict[str, AnkiCard] = field(default_factory=dict)

    def merged(self, newer: AnkiNotes) -> AnkiNotes:
        """These notes with `newer`'s added or replacing them (a second import of a deck)."""
        return AnkiNotes(
            {**self.notetypes, **newer.notetypes},
            {**self.notes, **newer.notes},
            {**self.cards, **newer.cards},
        )

    def __bool__(self) -> bool:
        return bool(self.cards)


def notes_path(decks_dir: Path, deck_id: str) -> Path:
    """Where a deck's Anki notes are kept (`decks_dir` is the data folder's `decks/`)."""
    return decks_dir / "anki" / f"{deck_id}.json"


def text_digest(front: str, back: str, hint: str | None) -> str:
    """A card's text, side by side, as `front:back:hint` digests of 12 hex digits: equal
    digests, the same text (`changed_sides` tells which side an edit changed)."""
    return ":".join(_side_digest(side) for side in (front, back, hint or ""))


def _side_digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", errors="surrogatepass")).hexdigest()[:12]


def changed_sides(digest: str, front: str, back: str, hint: str | None) -> tuple[bool, ...]:
    """Whether the front, the back and the hint differ from the text `digest` was made of."""
    now = text_digest(front, back, hint).split(":")
    then = digest.split(":")
    return tuple(i >= len(then) or a != then[i] for i, a in enumerate(now))


def dumps(notes: AnkiNotes) -> bytes:
    data = {
        "format": NOTES_FORMAT,
        "notetypes": {str(k): list(v) for k, v in notes.notetypes.items()},
        "notes": {k: list(v) for k, v in notes.notes.items()},
        "cards": {k: list(v) for k, v in notes.cards.items()},
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _shape_error(path: Path, where: str) -> DataFileError:
    return DataFileError(path, f"{where}: not as flashprep writes it; remove the file to go on")


def read_notes(path: Path) -> AnkiNotes:
    """A deck's Anki notes (none when the file is missing); DataFileError naming the file and
    the entry when it cannot be read."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return AnkiNotes()
    except OSError as exc:
        raise cannot_read(path, exc) from None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise DataFileError(path, f"not valid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != NOTES_FORMAT:
        raise _shape_error(path, "field 'format'")
    out = AnkiNotes()
    where = "notetypes"
    try:
        for key, value in _items(data, "notetypes"):
            where = f"notetypes.{key}"
            name, kind, fields, templates, css = value
            out.notetypes[int(key)] = AnkiNoteType(
                _str(name),
                _str(kind),
                [_str(f) for f in fields],
                [(_str(t[0]), _str(t[1]), _str(t[2])) for t in templates],
                _str(css),
            )
        for key, value in _items(data, "notes"):
            where = f"notes.{key}"
            ntid, nid, fields, mod = value
            out.notes[key] = AnkiNote(_int(ntid), _int(nid), [_str(f) for f in fields], _int(mod))
        for key, value in _items(data, "cards"):
            where = f"cards.{key}"
            guid, ordinal, cid, deck, text = value
            out.cards[key] = AnkiCard(_str(guid), _int(ordinal), _int(cid), _str(deck), _str(text))
    except (TypeError, ValueError, IndexError):
        raise _shape_error(path, where) from None
    return out


def _items(data: dict[str, Any], key: str) -> list[tuple[str, Any]]:
    part = data.get(key, {})
    if not isinstance(part, dict):
        raise TypeError(key)
    return list(part.items())


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("not text")
    return value


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("not a whole number")
    return value
