"""Anki packages made with the real Anki library (PyPI `anki`, a test dependency) for import tests.

`build_sample` makes one collection with every kind of note an interview deck holds and exports it
in the layouts Anki writes: the current one (`collection.anki21b`, zstd, with `meta` and a dummy
`collection.anki2`) and the "support older Anki versions" one (`collection.anki21`). The oldest
layout (`collection.anki2` alone, no `meta`) is no longer written by Anki; `to_oldest_layout`
makes it from the second, as Anki 2.1.49 and earlier wrote it.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from anki.collection import Collection, DeckIdLimit, ExportAnkiPackageOptions

REVIEW_DAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SUSPENDED_AT = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)


@dataclass
class Sample:
    """What the sample collection holds, to compare an import against."""

    notes: int = 0
    cards: int = 0
    guids: dict[str, str] = field(default_factory=dict)
    """note name -> guid"""
    card_ids: dict[str, int] = field(default_factory=dict)
    """note name + ordinal -> Anki card id"""
    revlog: list[tuple[int, int, int, int, int]] = field(default_factory=list)
    """(ms, card id, ease, factor, type) rows added to the review log"""


def _ms(day: int, hour: int = 0) -> int:
    return int(REVIEW_DAY.timestamp() * 1000) + (day * 24 + hour) * 3_600_000


def _add(
    col: Collection, sample: Sample, name: str, notetype: str, deck: str, fields: dict[str, str]
) -> None:
    note = col.new_note(col.models.by_name(notetype))
    for key, value in fields.items():
        note[key] = value
    note.tags = ["interview", name.split("-")[0]]
    col.add_note(note, col.decks.id(deck))
    sample.notes += 1
    sample.guids[name] = note.guid
    for card in note.cards():
        sample.card_ids[f"{name}#{card.ord}"] = card.id


BEHAVIORAL = "Interview::Behavioral"
TECHNICAL = "Interview::Technical"
NOTES: list[tuple[str, str, str, dict[str, str]]] = [
    (
        "basic-star",
        "Basic",
        BEHAVIORAL,
        {
            "Front": "Tell me about a time you <b>disagreed</b> with your manager.",
            "Back": "<div>Use <i>STAR</i>:</div><ul><li>Situation</li><li>Task &amp; Action</li>"
            "</ul><div>Result<br>and what you learned</div>"
            "<style>.x { color: red }</style><script>alert(1)</script>",
        },
    ),
    (
        "reversed-gil",
        "Basic (and reversed card)",
        TECHNICAL,
        {"Front": "GIL", "Back": "The global interpreter lock: one thread runs Python at a time."},
    ),
    (
        "optional-on",
        "Basic (optional reversed card)",
        TECHNICAL,
        {
            "Front": "ACID",
            "Back": "Atomicity, consistency, isolation, durability",
            "Add Reverse": "y",
        },
    ),
    (
        "optional-off",
        "Basic (optional reversed card)",
        TECHNICAL,
        {"Front": "BASE", "Back": "Basically available, soft state, eventual consistency"},
    ),
    (
        "typein-http",
        "Basic (type in the answer)",
        TECHNICAL,
        {"Front": "Default HTTPS port?", "Back": "443"},
    ),
    (
        "cloze-cap",
        "Cloze",
        TECHNICAL,
        {
            "Text": "The {{c1::CAP}} theorem: under a {{c2::partition::network event}} choose "
            "consistency or availability.",
            "Back Extra": "Brewer, 2000",
        },
    ),
    (
        "media-diagram",
        "Basic",
        TECHNICAL,
        {
            "Front": 'Draw the architecture: <img src="diagram.png">',
            "Back": "Listen: [sound:answer.mp3]<pre><code>load balancer -&gt; app</code></pre>",
        },
    ),
    (
        "unicode-fr",
        "Basic",
        "Entretiens::Comportement — général",
        {"Front": "Parlez-moi d’un échec.", "Back": "Assumez-le ; dites ce que vous avez appris."},
    ),
    ("unicode-ja", "Basic", "面接", {"Front": "自己紹介をしてください。", "Back": "一分で。"}),
]


def build_sample(folder: Path) -> tuple[Sample, dict[str, Path]]:
    """Make the sample collection and export it: {"anki21b"/"anki21"/"anki2"/"colpkg": path}."""
    folder.mkdir(parents=True, exist_ok=True)
    col = Collection(str(folder / "sample.anki2"))
    sample = Sample()
    try:
        col.media.write_data("diagram.png", b"\x89PNG fake")
        col.media.write_data("answer.mp3", b"ID3 fake")
        for name, notetype, deck, fields in NOTES:
            _add(col, sample, name, notetype, deck, fields)
        sample.cards = col.card_count()
        suspended = sample.card_ids["optional-off#0"]
        col.sched.suspend_cards([suspended])
        suspended_at = int(SUSPENDED_AT.timestamp())
        col.db.execute("UPDATE cards SET mod = ? WHERE id = ?", suspended_at, suspended)
        reviewed = sample.card_ids["basic-star#0"]
        rows = [
            (_ms(0), reviewed, 3, 2500, 0),  # learning, Good
            (_ms(0, 1), reviewed, 3, 2500, 0),  # learning, Good: graduates
            (_ms(1), reviewed, 3, 2500, 1),  # review, Good
            (_ms(2), reviewed, 4, 0, 3),  # cram in a filtered deck, no reschedule: skipped
            (_ms(3), reviewed, 0, 0, 4),  # manual reset: forget
            (_ms(3, 1), reviewed, 1, 2500, 0),  # learning, Again
            (_ms(3, 2), reviewed, 3, 2500, 0),  # learning, Good
            (_ms(4), reviewed, 0, 2500, 5),  # rescheduled (set due date): skipped
            (_ms(6), reviewed, 2, 2350, 1),  # review, Hard
        ]
        for ms, cid, ease, factor, kind in rows:
            col.db.execute(
                "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type)"
                " VALUES (?, ?, -1, ?, 1, 0, ?, 6000, ?)",
                ms,
                cid,
                ease,
                factor,
                kind,
            )
        sample.revlog = rows
        paths = {}
        for layout, legacy in (("anki21b", False), ("anki21", True)):
            out = folder / f"sample-{layout}.apkg"
            options = ExportAnkiPackageOptions(
                with_scheduling=True, with_deck_configs=False, with_media=True, legacy=legacy
            )
            col.export_anki_package(out_path=str(out), options=options, limit=None)
            paths[layout] = out
        paths["anki2"] = to_oldest_layout(paths["anki21"], folder / "sample-anki2.apkg")
        paths["colpkg"] = folder / "sample.colpkg"
        col.export_collection_package(str(paths["colpkg"]), include_media=True, legacy=False)
    finally:
        if col.db is not None:  # exporting a whole collection closes it
            col.close()
    return sample, paths


def to_oldest_layout(package: Path, target: Path) -> Path:
    """The same package with its collection as `collection.anki2` and no `meta` (Anki < 2.1.50)."""
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(target, "w") as out:
        for info in source.infolist():
            if info.filename in ("meta", "collection.anki2"):
                continue
            data = source.read(info)
            name = "collection.anki2" if info.filename == "collection.anki21" else info.filename
            out.writestr(name, data)
    return target


def export_deck(col: Collection, deck_name: str, out: Path, legacy: bool = False) -> Path:
    options = ExportAnkiPackageOptions(
        with_scheduling=True, with_deck_configs=False, with_media=True, legacy=legacy
    )
    limit = DeckIdLimit(col.decks.id(deck_name))
    col.export_anki_package(out_path=str(out), options=options, limit=limit)
    return out


def media_map(package: Path) -> dict[str, str]:
    with zipfile.ZipFile(package) as archive:
        result: dict[str, str] = json.loads(archive.read("media"))
        return result


def build_notes(
    folder: Path,
    notes: list[tuple[str, str]],
    media: dict[str, bytes] | None = None,
    deck: str = "Coding",
) -> Path:
    """A package (current layout) of Basic notes with these (front, back) fields as Anki stores
    them, with these media files, for tests of how their HTML is read."""
    folder.mkdir(parents=True, exist_ok=True)
    col = Collection(str(folder / "notes.anki2"))
    try:
        for name, data in (media or {}).items():
            col.media.write_data(name, data)
        for front, back in notes:
            note = col.new_note(col.models.by_name("Basic"))
            note["Front"], note["Back"] = front, back
            col.add_note(note, col.decks.id(deck))
        return export_deck(col, deck, folder / "notes.apkg")
    finally:
        col.close()
