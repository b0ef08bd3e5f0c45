"""A deck as Anki's text format: a CSV with the `#` headers Anki reads, importable unchanged.

Columns: the note guid, Front, Back, Tags, and Hint. Anki fills the Basic note type's Front and
Back, takes the tags, and ignores Hint; flashprep's import reads it back as the card's hint.
"""

from __future__ import annotations

import csv
import io

from flashprep.core.decks.cardhtml import markdown_to_html
from flashprep.core.decks.deck import Deck
from flashprep.core.keys import own_guid


def deck_to_anki_csv(deck: Deck) -> bytes:
    out = io.StringIO()
    name = deck.name.replace("\n", " ")
    out.write(
        "#separator:Comma\n#html:true\n#notetype:Basic\n"
        f"#deck:{name}\n#guid column:1\n#tags column:4\n#columns:GUID,Front,Back,Tags,Hint\n"
    )
    writer = csv.writer(out, lineterminator="\n")
    for card in deck.cards:
        writer.writerow(
            [
                own_guid(deck.id, card.id),
                markdown_to_html(card.front),
                markdown_to_html(card.back),
                " ".join(card.tags),
                markdown_to_html(card.hint) if card.hint else "",
            ]
        )
    return out.getvalue().encode("utf-8")
