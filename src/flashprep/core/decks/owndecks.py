"""The user's own decks and cards: a new deck, a new card, and the card id made from its question.

An own deck is a deck file in `<home>/decks/` like an imported one, marked `source = "own"` (the
index carries the marker, so `flashprep decks` lists it without parsing). Exported as TOML it keeps
the marker; `flashprep import` of that file elsewhere drops it (importers.tomldeck reads the cards,
not the marker): there the deck arrived by an import and is listed as imported, with the same
rights (cards added, edited, deleted). Copied into another data folder as it is, it stays own.

Cards are added to own and imported decks; a bundled deck is refused (its file ships with
flashprep and is never written: the user is pointed at `flashprep deck new`). Every write holds the
decks lock and re-reads the deck file inside it (core.decks.library.DeckLibrary.rewrite_deck).

A card id is a slug of its question, so a user's files (review log, stories) stay readable. The
id of a deleted card is never given again (the deck keeps it in `retired`): the review log keeps
the deleted card's history under its key, and a new card must not inherit it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any

from flashprep.core.decks.rules import CATEGORIES, MAX_NAME, MAX_TEXT, TAG_PATTERN
from flashprep.core.keys import CARD_ID_PATTERN, DECK_ID_PATTERN, card_key
from flashprep.core.text import lf, one_line

if TYPE_CHECKING:
    from flashprep.core.decks.deck import Card, Deck
    from flashprep.core.decks.library import DeckLibrary, LoadedDeck

__all__ = [
    "LEVELS",
    "CardInputError",
    "add_card",
    "new_card_id",
    "new_deck",
    "normalised_question",
]

LEVELS = ("junior", "mid", "senior")
"""A card's levels (the deck model's `Level`), here for the messages and the forms."""

SLUG_WORDS = 6
SLUG_CHARS = 48

_DECK_ID = re.compile(DECK_ID_PATTERN[:-1] + r"\Z")
_CARD_ID = re.compile(CARD_ID_PATTERN[:-1] + r"\Z")
_TAG = re.compile(TAG_PATTERN[:-1] + r"\Z")
_WORD = re.compile(r"[a-z0-9]+")


class CardInputError(ValueError):
    """A value a new card or deck cannot have: `field` names it (as the card model and the
    forms do: "front", "back", "tags", "level", "hint", "target_seconds", "deck", "id",
    "name", "category", "description"); `reason` is one line."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = one_line(reason)
        super().__init__(f"{field}: {self.reason}")


def normalised_question(text: str) -> str:
    """What two questions are compared by: case folded, runs of whitespace made one space."""
    return " ".join(text.casefold().split())


def _ascii_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return _WORD.findall(plain.encode("ascii", "ignore").decode().lower())


def new_card_id(question: str, taken: Collection[str]) -> str:
    """A readable id made from the question, not in `taken`.

    Lower-case ASCII words (accents folded), at most SLUG_WORDS of them and SLUG_CHARS
    characters, joined by `-`; `-2`, `-3`, ... added while the id is taken. A question with no
    usable character gives `card-1`, `card-2`, ...
    """
    slug = ""
    for word in _ascii_words(question)[:SLUG_WORDS]:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > SLUG_CHARS:
            if not slug:
                slug = word[:SLUG_CHARS]
            break
        slug = candidate
    if not slug:
        n = 1
        while f"card-{n}" in taken:
            n += 1
        return f"card-{n}"
    card_id, n = slug, 2
    while card_id in taken:
        card_id, n = f"{slug}-{n}", n + 1
    assert _CARD_ID.match(card_id), card_id
    return card_id


def _writable(library: DeckLibrary, deck_id: str, doing: str) -> LoadedDeck:
    """The deck, if cards may be written to it; CardInputError naming it otherwise."""
    loaded = library.get(deck_id)
    if loaded is None:
        known = ", ".join(d.id for d in library if d.source != "bundled") or "none yet"
        raise CardInputError(
            "deck",
            f"unknown deck {deck_id!r} (your decks: {known}; "
            "make one with `flashprep deck new ID --name NAME --category C`)",
        )
    if loaded.source == "bundled":
        raise CardInputError(
            "deck",
            f"{deck_id!r} ({loaded.name}) is a bundled deck, which cannot {doing}; "
            "make a deck of your own with `flashprep deck new ID --name NAME --category C`",
        )
    return loaded


def _new_card(
    card_id: str,
    front: str,
    back: str,
    tags: Iterable[str],
    level: str | None,
    hint: str | None,
    target_seconds: int | None,
) -> Card:
    """The card as the deck model has it; CardInputError naming the first field it refuses."""
    from pydantic import ValidationError

    from flashprep.core.decks.deck import Card

    front, back = lf(front).strip(), lf(back).strip()
    hint = (lf(hint).strip() or None) if hint is not None else None
    for name, text in (("front", front), ("back", back)):
        if not text:
            raise CardInputError(name, "must not be blank")
        if len(text) > MAX_TEXT:
            raise CardInputError(name, f"is {len(text)} characters long; at most {MAX_TEXT}")
    tag_list = list(dict.fromkeys(tags))
    for tag in tag_list:
        if not _TAG.match(tag):
            raise CardInputError(
                "tags", f"{tag!r} is not a tag (1 to 80 characters, no spaces or control codes)"
            )
    if level is not None and level not in LEVELS:
        raise CardInputError("level", f"{level!r} is not one of {', '.join(LEVELS)}")
    if target_seconds is not None and (
        type(target_seconds) is not int or not 5 <= target_seconds <= 3600
    ):
        raise CardInputError("target_seconds", f"{target_seconds!r} is not 5 to 3600 seconds")
    data: dict[str, Any] = {"id": card_id, "front": front, "back": back, "tags": tag_list}
    for name, value in (("hint", hint), ("level", level), ("target_seconds", target_seconds)):
        if value is not None:
            data[name] = value
    try:
        return Card.model_validate(data, strict=True)
    except ValidationError as exc:  # a rule of the model not checked above
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "card"
        raise CardInputError(field, str(error["msg"])) from None


def add_card(
    library: DeckLibrary,
    deck_id: str,
    front: str,
    back: str,
    tags: Iterable[str] = (),
    level: str | None = None,
    hint: str | None = None,
    target_seconds: int | None = None,
) -> str:
    """Append a new card to an own or imported deck; return its key (`deck-id/card-id`).

    The text is kept as given but for its line ends (LF) and the blank lines around it. Refused,
    with nothing written: an unknown or bundled deck, a blank side, a bad tag, level or target,
    a question the deck already has (compared by `normalised_question`). The duplicate check
    and the new id are made from the deck file as it is on disk, inside the decks lock.
    """
    from flashprep.core.decks.deck import Deck

    _writable(library, deck_id, "take new cards")
    card = _new_card("card", front, back, tags, level, hint, target_seconds)  # checked once
    question = normalised_question(card.front)
    added: list[str] = []

    def append(current: Deck) -> Deck:
        for existing in current.cards:
            if normalised_question(existing.front) == question:
                raise CardInputError(
                    "front",
                    f"deck {deck_id!r} already has this question (card {existing.id!r})",
                )
        taken = {c.id for c in current.cards} | set(current.retired or ())  # see the docstring
        card_id = new_card_id(card.front, taken)
        added.append(card_id)
        new = card.model_copy(update={"id": card_id})
        return Deck.model_validate(
            {**current.model_dump(exclude={"cards"}), "cards": [*current.cards, new]}
        )

    library.rewrite_deck(deck_id, append)
    return card_key(deck_id, added[0])


def new_deck(
    library: DeckLibrary, deck_id: str, name: str, category: str, description: str = ""
) -> LoadedDeck:
    """Make an empty own deck, `<home>/decks/<deck_id>.toml`, and reload the library.

    Refused, with nothing written: an id that is no deck id or is already used (by a bundled,
    imported or own deck, or by a deck file that does not load), a blank or multi-line name, a
    category not in CATEGORIES.
    """
    from flashprep.core.decks.deck import Deck
    from flashprep.core.decks.library import deck_to_toml
    from flashprep.core.files.fileio import atomic_write

    if not _DECK_ID.match(deck_id):
        raise CardInputError(
            "id",
            f"{deck_id!r} is not a deck id (a-z, 0-9, '.', '_', '-'; "
            "starts with a letter or digit; at most 80)",
        )
    name = name.strip()
    if not name:
        raise CardInputError("name", "must not be blank")
    if one_line(name) != name or "\n" in name:
        raise CardInputError("name", "must be one line of text, without control characters")
    if len(name) > MAX_NAME:
        raise CardInputError("name", f"is {len(name)} characters long; at most {MAX_NAME}")
    if category not in CATEGORIES:
        raise CardInputError("category", f"{category!r} is not one of {', '.join(CATEGORIES)}")
    description = lf(description).strip()
    path = library.home.decks / f"{deck_id}.toml"

    def used_by() -> str | None:
        loaded = library.get(deck_id)
        if loaded is not None:
            return (
                f"the bundled deck {loaded.name!r}"
                if loaded.source == "bundled"
                else f"{loaded.path}"
            )
        if deck_id in library.bundled_ids():
            return "a bundled deck"
        return str(path) if path.exists() or path.is_symlink() else None

    deck = Deck.model_validate(
        {
            "id": deck_id,
            "name": name,
            "category": category,
            "description": description,
            "source": "own",
        }
    )
    with library.writing():
        holder = used_by()
        if holder is not None:
            raise CardInputError("id", f"deck id {deck_id!r} is already used by {holder}")
        atomic_write(path, deck_to_toml(deck), private=False)
    library.reload()
    made = library.get(deck_id)
    if made is None:  # e.g. the file could not be read back: say so, as any deck load would
        problems = [str(e) for e in library.errors if str(path) in str(e)]
        raise CardInputError("id", problems[0] if problems else f"{path}: not loaded")
    return made
