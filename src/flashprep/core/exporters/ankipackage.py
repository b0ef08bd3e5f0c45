"""A deck as an Anki package in the legacy layout (`collection.anki2`, schema 11) that every Anki
version imports, written with sqlite3.

Written by hand rather than with genanki: the layout is a handful of tables that the importer in
this package reads anyway, it needs no extra dependencies (genanki brings four), and it lets the
note guid carry the flashprep card id.

A card made in flashprep is a note of one note type, "flashprep", with Front, Back and Hint fields
(the hint behind Anki's "show hint" link); its guid and ids are derived from the deck and card
ids, so every export gives the same note. A card that came from Anki goes back as the note it
came from (core.decks.ankinotes): its guid, ids, note type and Anki deck, so that Anki updates
that note instead of adding a copy. With a history (`ankihistory`), each card carries the user's
schedule and the package the user's reviews as Anki's review log.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import sqlite3
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flashprep.core.decks.ankinotes import OWNER_KEY, AnkiNotes, AnkiNoteType, changed_sides
from flashprep.core.decks.cardhtml import markdown_to_html
from flashprep.core.keys import own_guid

if TYPE_CHECKING:
    from flashprep.core.decks.deck import Card, Deck
    from flashprep.core.exporters.ankihistory import PackageHistory

NOTETYPE_ID = 1_700_000_000_001
"""Fixed, so that packages exported at different times share one note type in Anki."""
FRONT = "{{Front}}{{#Hint}}<div>{{hint:Hint}}</div>{{/Hint}}"
BACK = "{{FrontSide}}\n\n<hr id=answer>\n\n{{Back}}"
CSS = ".card { font-family: arial; font-size: 20px; text-align: left; }\n"

_TABLES = """
CREATE TABLE col (id INTEGER PRIMARY KEY, crt INTEGER NOT NULL, mod INTEGER NOT NULL,
  scm INTEGER NOT NULL, ver INTEGER NOT NULL, dty INTEGER NOT NULL, usn INTEGER NOT NULL,
  ls INTEGER NOT NULL, conf TEXT NOT NULL, models TEXT NOT NULL, decks TEXT NOT NULL,
  dconf TEXT NOT NULL, tags TEXT NOT NULL);
CREATE TABLE notes (id INTEGER PRIMARY KEY, guid TEXT NOT NULL, mid INTEGER NOT NULL,
  mod INTEGER NOT NULL, usn INTEGER NOT NULL, tags TEXT NOT NULL, flds TEXT NOT NULL,
  sfld INTEGER NOT NULL, csum INTEGER NOT NULL, flags INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE cards (id INTEGER PRIMARY KEY, nid INTEGER NOT NULL, did INTEGER NOT NULL,
  ord INTEGER NOT NULL, mod INTEGER NOT NULL, usn INTEGER NOT NULL, type INTEGER NOT NULL,
  queue INTEGER NOT NULL, due INTEGER NOT NULL, ivl INTEGER NOT NULL, factor INTEGER NOT NULL,
  reps INTEGER NOT NULL, lapses INTEGER NOT NULL, left INTEGER NOT NULL, odue INTEGER NOT NULL,
  odid INTEGER NOT NULL, flags INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE revlog (id INTEGER PRIMARY KEY, cid INTEGER NOT NULL, usn INTEGER NOT NULL,
  ease INTEGER NOT NULL, ivl INTEGER NOT NULL, lastIvl INTEGER NOT NULL, factor INTEGER NOT NULL,
  time INTEGER NOT NULL, type INTEGER NOT NULL);
CREATE TABLE graves (usn INTEGER NOT NULL, oid INTEGER NOT NULL, type INTEGER NOT NULL);
CREATE INDEX ix_notes_usn ON notes (usn);
CREATE INDEX ix_cards_usn ON cards (usn);
CREATE INDEX ix_revlog_usn ON revlog (usn);
CREATE INDEX ix_cards_nid ON cards (nid);
CREATE INDEX ix_cards_sched ON cards (did, queue, due);
CREATE INDEX ix_revlog_cid ON revlog (cid);
CREATE INDEX ix_notes_csum ON notes (csum);
"""


def _number(text: str) -> int:
    """A stable id in Anki's range (ms since 1970: 2001 to 2033), with room for a deck's cards
    after it."""
    return 1_000_000_000_000 + int(hashlib.sha1(text.encode()).hexdigest()[:12], 16) % 10**12


def _deck_number(deck_id: str) -> int:
    return 1_000_000_000_000 + int(hashlib.sha1(deck_id.encode()).hexdigest()[:10], 16) % 10**12


def _checksum(text: str) -> int:
    return int(hashlib.sha1(text.encode()).hexdigest()[:8], 16)


def _field(name: str, ord_: int) -> dict[str, Any]:
    return {
        "name": name,
        "ord": ord_,
        "sticky": False,
        "rtl": False,
        "font": "Arial",
        "size": 20,
        "media": [],
    }


def _template(name: str, ord_: int, front: str, back: str) -> dict[str, Any]:
    return {
        "name": name,
        "ord": ord_,
        "qfmt": front,
        "afmt": back,
        "bqfmt": "",
        "bafmt": "",
        "did": None,
        "bfont": "",
        "bsize": 0,
    }


def _notetype(
    ntid: int, nt: AnkiNoteType, deck_number: int, mod: int, req: list[Any]
) -> dict[str, Any]:
    return {
        "id": ntid,
        "name": nt.name,
        "type": 1 if nt.kind == "cloze" else 0,
        "mod": mod,
        "usn": -1,
        "sortf": 0,
        "did": deck_number,
        "tmpls": [_template(t[0], i, t[1], t[2]) for i, t in enumerate(nt.templates)],
        "flds": [_field(name, i) for i, name in enumerate(nt.fields)],
        "css": nt.css or CSS,
        "latexPre": "\\documentclass[12pt]{article}\n\\begin{document}\n",
        "latexPost": "\\end{document}",
        "latexsvg": False,
        "req": req,
        "tags": [],
        "vers": [],
    }


OWN_NOTETYPE = AnkiNoteType(
    "flashprep", "normal", ["Front", "Back", "Hint"], [("Card 1", FRONT, BACK)]
)


def _deck(number: int, name: str, now_s: int, description: str = "") -> dict[str, Any]:
    return {
        "id": number,
        "name": name,
        "mod": now_s,
        "usn": -1,
        "desc": description,
        "dyn": 0,
        "conf": 1,
        "collapsed": False,
        "browserCollapsed": False,
        "extendNew": 0,
        "extendRev": 0,
        "newToday": [0, 0],
        "revToday": [0, 0],
        "lrnToday": [0, 0],
        "timeToday": [0, 0],
    }


_DECK_OPTIONS = {
    "1": {
        "id": 1,
        "name": "Default",
        "mod": 0,
        "usn": 0,
        "maxTaken": 60,
        "autoplay": True,
        "timer": 0,
        "replayq": True,
        "dyn": False,
        "new": {
            "bury": False,
            "delays": [1.0, 10.0],
            "initialFactor": 2500,
            "ints": [1, 4, 0],
            "order": 1,
            "perDay": 20,
        },
        "rev": {
            "bury": False,
            "ease4": 1.3,
            "ivlFct": 1.0,
            "maxIvl": 36500,
            "perDay": 200,
            "hardFactor": 1.2,
        },
        "lapse": {"delays": [10.0], "leechAction": 1, "leechFails": 8, "minInt": 1, "mult": 0.0},
    }
}


_FIELD_REF = re.compile(r"\{\{\s*([^#/^{}:!][^{}]*?)\s*\}\}")
_ANSWER_RULE = re.compile(r"<hr[^>]*\bid\s*=\s*['\"]?answer['\"]?[^>]*>", re.IGNORECASE)


def _shown_field(template: str, answer: bool) -> str | None:
    """The one field a template side shows and nothing else (`{{Front}}`; on the answer side
    after `{{FrontSide}}<hr id=answer>`), else None: where an edit of that side goes."""
    text = template
    if answer:
        text = _ANSWER_RULE.sub("", text.replace("{{FrontSide}}", ""))
    found = _FIELD_REF.fullmatch(text.strip())
    return found.group(1) if found else None


@dataclass
class _Note:
    nid: int
    guid: str
    ntid: int
    fields: list[str]
    mod: int
    tags: list[str]


@dataclass
class _Card:
    cid: int
    nid: int
    deck: str
    ord: int
    card: Card


class _Package:
    """The notes, cards and decks of one export, ids unique within it."""

    def __init__(self, deck: Deck, anki: AnkiNotes, now_s: int, warnings: list[str]) -> None:
        self.notetypes: dict[int, AnkiNoteType] = {}
        self.notes: list[_Note] = []
        self.cards: list[_Card] = []
        self.deck_names: list[str] = [deck.name]
        self._ids: set[int] = set()
        from_anki: dict[str, list[Card]] = {}
        self._base = _number(deck.id)
        for position, card in enumerate(deck.cards):
            origin = anki.cards.get(card.id)
            if origin is not None and origin.guid in anki.notes:
                note = anki.notes[origin.guid]
                if note.ntid in anki.notetypes:
                    from_anki.setdefault(origin.guid, []).append(card)
                    continue
            self._own(deck, card, position, now_s)
        for guid, cards in from_anki.items():
            self._from_anki(anki, guid, cards, now_s, warnings)

    def _unique(self, wanted: int) -> int:
        while wanted in self._ids:
            wanted += 1
        self._ids.add(wanted)
        return wanted

    def _deck_name(self, name: str) -> str:
        if name not in self.deck_names:
            self.deck_names.append(name)
        return name

    def _own(self, deck: Deck, card: Card, position: int, now_s: int) -> None:
        """A card made in flashprep: its guid from its deck and id; its note and card id from
        the deck and its place in it (Anki's importers keep a deck's order by note id), so the
        same deck exports the same notes every time."""
        guid = own_guid(deck.id, card.id)
        self.notetypes[NOTETYPE_ID] = OWN_NOTETYPE
        hint = markdown_to_html(card.hint) if card.hint and card.hint.strip() else ""
        fields = [markdown_to_html(card.front), markdown_to_html(card.back), hint]
        nid = self._unique(self._base + position)
        self.notes.append(_Note(nid, guid, NOTETYPE_ID, fields, now_s, list(card.tags)))
        self.cards.append(_Card(nid, nid, deck.name, 0, card))

    def _from_anki(
        self, anki: AnkiNotes, guid: str, cards: list[Card], now_s: int, warnings: list[str]
    ) -> None:
        note = anki.notes[guid]
        nt = anki.notetypes[note.ntid]
        self.notetypes[note.ntid] = nt
        fields = list(note.fields) + [""] * (len(nt.fields) - len(note.fields))
        mod = note.mod
        for card in cards:
            origin = anki.cards[card.id]
            changed = changed_sides(origin.text, card.front, card.back, card.hint)
            if not any(changed):
                continue
            template = 0 if nt.kind == "cloze" else origin.ord
            sides = nt.templates[template][1:] if template < len(nt.templates) else ("", "")
            targets = (_shown_field(sides[0], False), _shown_field(sides[1], True))
            edits = [
                (target, text)
                for target, text, edited in zip(
                    targets, (card.front, card.back), changed[:2], strict=True
                )
                if edited
            ]
            if not edits or not all(t is not None and t in nt.fields for t, _ in edits):
                what = "its hint" if not edits else f"note type {nt.name!r}"
                warnings.append(
                    f"card {card.id!r}: edited here, but {what} has no one field of the Anki "
                    "note to put it in; exported as the note came from Anki"
                )
                continue
            mod = max(now_s, note.mod + 1)  # edited here: newer than the note as imported
            for target, text in edits:  # only the sides edited: the other keeps Anki's HTML
                assert target is not None
                fields[nt.fields.index(target)] = markdown_to_html(text)
        nid = self._unique(note.nid)
        self.notes.append(_Note(nid, guid, note.ntid, fields, mod, list(cards[0].tags)))
        for card in cards:
            origin = anki.cards[card.id]
            cid = self._unique(origin.cid)
            self.cards.append(_Card(cid, nid, self._deck_name(origin.deck), origin.ord, card))


def _req(nt: AnkiNoteType) -> list[Any]:
    """Schema 11's "which fields a card needs": the first field, for every template."""
    return [[i, "any", [0]] for i in range(len(nt.templates))] if nt.kind != "cloze" else []


def _fill(
    conn: sqlite3.Connection,
    deck: Deck,
    now: datetime,
    anki: AnkiNotes,
    history: PackageHistory | None,
    warnings: list[str],
) -> None:
    now_s = int(now.timestamp())
    now_ms = int(now.timestamp() * 1000)
    package = _Package(deck, anki, now_s, warnings)
    numbers = {
        name: _deck_number(name if name != deck.name else deck.id) for name in package.deck_names
    }
    number = numbers[deck.name]
    conn.executescript(_TABLES)
    conf: dict[str, Any] = {
        "nextPos": len(deck.cards) + 1,
        "schedVer": 2,
        "sched2021": True,
        "curDeck": number,
        "activeDecks": [number],
        "curModel": NOTETYPE_ID,
        "sortType": "noteFld",
        "sortBackwards": False,
        "addToCur": True,
        "collapseTime": 1200,
        "estTimes": True,
        "dueCounts": True,
        "newSpread": 0,
        "timeLim": 0,
    }
    crt = now_s - now_s % 86400
    if history is not None:
        conf[OWNER_KEY] = history.owner
        conf["fsrs"] = True
        crt = history.crt
    decks = {"1": _deck(1, "Default", 0)}
    for name, deck_number in numbers.items():
        description = deck.description if name == deck.name else ""
        decks[str(deck_number)] = _deck(deck_number, name, now_s, description)
    models = {
        str(ntid): _notetype(ntid, nt, number, now_s if ntid == NOTETYPE_ID else 0, _req(nt))
        for ntid, nt in package.notetypes.items()
    }
    conn.execute(
        "INSERT INTO col VALUES (1, ?, ?, ?, 11, 0, 0, 0, ?, ?, ?, ?, '{}')",
        (
            crt,
            now_ms,
            now_ms,
            json.dumps(conf),
            json.dumps(models),
            json.dumps(decks),
            json.dumps(_DECK_OPTIONS),
        ),
    )
    conn.executemany(
        "INSERT INTO notes VALUES (?, ?, ?, ?, -1, ?, ?, ?, ?, 0, '')",
        [
            (
                n.nid,
                n.guid,
                n.ntid,
                n.mod,
                f" {' '.join(n.tags)} " if n.tags else "",
                "\x1f".join(n.fields),
                n.fields[0] if n.fields else "",
                _checksum(n.fields[0] if n.fields else ""),
            )
            for n in package.notes
        ],
    )
    rows = []
    for position, c in enumerate(package.cards):
        state = history.card_row(c.card.id, position + 1) if history else None
        kind, queue, due, ivl, factor, reps, lapses, left, data = state or (
            0,
            0,
            position + 1,
            0,
            0,
            0,
            0,
            0,
            "",
        )
        rows.append(
            (
                c.cid,
                c.nid,
                numbers[c.deck],
                c.ord,
                now_s,
                kind,
                queue,
                due,
                ivl,
                factor,
                reps,
                lapses,
                left,
                data,
            )
        )
    conn.executemany(
        "INSERT INTO cards VALUES (?, ?, ?, ?, ?, -1, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?)", rows
    )
    if history is not None:
        cids = {c.card.id: c.cid for c in package.cards}
        conn.executemany(
            "INSERT INTO revlog VALUES (?, ?, -1, ?, ?, ?, ?, ?, ?)", history.revlog_rows(cids)
        )


def deck_to_apkg(
    deck: Deck,
    now: datetime,
    anki: AnkiNotes | None = None,
    history: PackageHistory | None = None,
    warnings: list[str] | None = None,
) -> bytes:
    """The package's bytes: a zip of `collection.anki2` and an empty `media` map. `anki`: the
    Anki notes behind the deck's cards; `history`: the user's schedule and reviews to include;
    what the export cannot carry is added to `warnings`.

    The collection is built in memory and serialised: no scratch file, so nothing of the deck is
    written outside the data folder, nor left behind when the export is killed."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("PRAGMA temp_store = MEMORY")  # index builds sort in memory too
        with conn:
            _fill(
                conn, deck, now, anki or AnkiNotes(), history, [] if warnings is None else warnings
            )
        collection = conn.serialize()
    finally:
        conn.close()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("collection.anki2", collection)
        archive.writestr("media", "{}")
    return buffer.getvalue()
