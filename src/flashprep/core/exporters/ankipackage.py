"""A deck as an Anki package in the legacy layout (`collection.anki2`, schema 11) that every Anki
version imports, written with sqlite3.

Written by hand rather than with genanki: the layout is a handful of tables that the importer in
this package reads anyway, it needs no extra dependencies (genanki brings four), and it lets the
note guid carry the flashprep card id. Each card is a note of one note type, "flashprep", with
Front, Back and Hint fields (the hint behind Anki's "show hint" link), as a new card.
"""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import zipfile
from datetime import datetime
from typing import Any

from flashprep.core.decks.deck import Deck
from flashprep.core.exporters.html import markdown_to_html
from flashprep.core.keys import own_guid

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


def _deck_number(deck_id: str) -> int:
    return 1_000_000_000_000 + int(hashlib.sha1(deck_id.encode()).hexdigest()[:10], 16) % 10**12


def _checksum(text: str) -> int:
    return int(hashlib.sha1(text.encode()).hexdigest()[:8], 16)


def _notetype(deck_number: int, now_s: int) -> dict[str, Any]:
    def fld(name: str, ord_: int) -> dict[str, Any]:
        return {
            "name": name,
            "ord": ord_,
            "sticky": False,
            "rtl": False,
            "font": "Arial",
            "size": 20,
            "media": [],
        }

    return {
        "id": NOTETYPE_ID,
        "name": "flashprep",
        "type": 0,
        "mod": now_s,
        "usn": -1,
        "sortf": 0,
        "did": deck_number,
        "tmpls": [
            {
                "name": "Card 1",
                "ord": 0,
                "qfmt": FRONT,
                "afmt": BACK,
                "bqfmt": "",
                "bafmt": "",
                "did": None,
                "bfont": "",
                "bsize": 0,
            }
        ],
        "flds": [fld("Front", 0), fld("Back", 1), fld("Hint", 2)],
        "css": CSS,
        "latexPre": "\\documentclass[12pt]{article}\n\\begin{document}\n",
        "latexPost": "\\end{document}",
        "latexsvg": False,
        "req": [[0, "any", [0]]],
        "tags": [],
        "vers": [],
    }


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


def _fill(conn: sqlite3.Connection, deck: Deck, now: datetime) -> None:
    now_s = int(now.timestamp())
    now_ms = int(now.timestamp() * 1000)
    number = _deck_number(deck.id)
    conn.executescript(_TABLES)
    conf = {
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
    decks = {
        "1": _deck(1, "Default", 0),
        str(number): _deck(number, deck.name, now_s, deck.description),
    }
    conn.execute(
        "INSERT INTO col VALUES (1, ?, ?, ?, 11, 0, 0, 0, ?, ?, ?, ?, '{}')",
        (
            now_s - now_s % 86400,
            now_ms,
            now_ms,
            json.dumps(conf),
            json.dumps({str(NOTETYPE_ID): _notetype(number, now_s)}),
            json.dumps(decks),
            json.dumps(_DECK_OPTIONS),
        ),
    )
    for position, card in enumerate(deck.cards):
        front = markdown_to_html(card.front)
        back = markdown_to_html(card.back)
        hint = markdown_to_html(card.hint) if card.hint and card.hint.strip() else ""
        note_id = now_ms + position
        tags = f" {' '.join(card.tags)} " if card.tags else ""
        conn.execute(
            "INSERT INTO notes VALUES (?, ?, ?, ?, -1, ?, ?, ?, ?, 0, '')",
            (
                note_id,
                own_guid(deck.id, card.id),
                NOTETYPE_ID,
                now_s,
                tags,
                "\x1f".join((front, back, hint)),
                card.front,
                _checksum(card.front),
            ),
        )
        conn.execute(
            "INSERT INTO cards VALUES (?, ?, ?, 0, ?, -1, 0, 0, ?, 0, 0, 0, 0, 0, 0, 0, 0, '')",
            (note_id, note_id, number, now_s, position + 1),
        )


def deck_to_apkg(deck: Deck, now: datetime) -> bytes:
    """The package's bytes: a zip of `collection.anki2` and an empty `media` map.

    The collection is built in memory and serialised: no scratch file, so nothing of the deck is
    written outside the data folder, nor left behind when the export is killed."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("PRAGMA temp_store = MEMORY")  # index builds sort in memory too
        with conn:
            _fill(conn, deck, now)
        collection = conn.serialize()
    finally:
        conn.close()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("collection.anki2", collection)
        archive.writestr("media", "{}")
    return buffer.getvalue()
