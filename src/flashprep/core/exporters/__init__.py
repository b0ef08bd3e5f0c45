"""Exporting a deck: Anki's text format (CSV), an Anki package (.apkg), or the deck TOML.

Card text is Markdown; Anki shows HTML, so the CSV and the package carry it rendered. A card made
in flashprep becomes one Anki note whose guid names the flashprep deck and card; in a package, a
card that came from Anki goes back as its own note (core.decks.ankinotes). Either way importing
the file back (into flashprep or into Anki) updates the same cards instead of adding copies.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flashprep.core.decks.library import deck_to_toml

if TYPE_CHECKING:
    from flashprep.core.decks.ankinotes import AnkiNotes
    from flashprep.core.decks.deck import Deck
    from flashprep.core.exporters.ankihistory import PackageHistory

EXPORT_FORMATS = ("csv", "apkg", "toml")


def export_deck(
    deck: Deck,
    fmt: str,
    now: datetime,
    anki: AnkiNotes | None = None,
    history: PackageHistory | None = None,
    warnings: list[str] | None = None,
) -> bytes:
    """The file contents of `deck` in `fmt` (see EXPORT_FORMATS). For a package: `anki`, the
    Anki notes behind its cards; `history`, a user's schedule and reviews to carry; what cannot
    be carried is added to `warnings`."""
    if fmt == "toml":
        return deck_to_toml(deck)
    if fmt == "csv":
        from flashprep.core.exporters.ankitext import deck_to_anki_csv

        return deck_to_anki_csv(deck)
    if fmt == "apkg":
        from flashprep.core.exporters.ankipackage import deck_to_apkg

        return deck_to_apkg(deck, now, anki, history, warnings)
    raise ValueError(f"unknown export format {fmt!r}")
