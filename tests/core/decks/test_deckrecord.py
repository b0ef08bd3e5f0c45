"""Plain card and deck records agree with the pydantic models they stand in for."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from flashprep.core.decks.deck import Card, Deck
from flashprep.core.decks.index import CardRecord, card_record
from flashprep.core.decks.library import deck_to_toml
from flashprep.core.decks.record import CardInvalid, DeckRecord, checked_card, checked_deck

# Text near every edge of the rules: blank, spaces of all kinds, controls, lone surrogates,
# characters outside the BMP, ids with a trailing newline, tags with a space inside.
_PIECES = st.sampled_from(
    ["a", "Z", "0", "-", ".", "_", " ", "\t", "\n", "\r", "\xa0", "\u2028", "\u3000", "\x1f",
     "\x7f", "\x85", "\u200b", "\ud800", "é", "😀", "/", "*", "&", '"', "\\", "#", ":"]
)  # fmt: skip
_TEXT = st.lists(_PIECES, max_size=8).map("".join)
_ID = st.one_of(_TEXT, st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,125}\n?", fullmatch=True))


def _card_or_error(**values: object) -> CardRecord | str:
    try:
        return card_record(Card(**values))  # type: ignore[arg-type]
    except ValidationError as exc:
        return str(exc.errors()[0]["msg"])


def _checked_or_error(**values: object) -> CardRecord | str:
    try:
        return checked_card(**values)  # type: ignore[arg-type]
    except CardInvalid as exc:
        return str(exc.error["msg"])


@settings(max_examples=400, deadline=None)
@given(
    id=_ID,
    front=_TEXT,
    back=_TEXT,
    tags=st.lists(_TEXT, max_size=3),
    hint=st.one_of(st.none(), _TEXT),
    origin=st.one_of(st.none(), _TEXT),
)
def test_a_checked_card_is_what_the_model_makes_of_it(
    id: str, front: str, back: str, tags: list[str], hint: str | None, origin: str | None
) -> None:
    values = dict(id=id, front=front, back=back, tags=tags, hint=hint, origin=origin)
    assert _checked_or_error(**values) == _card_or_error(**values)


@pytest.mark.parametrize(
    ("changes", "accepted"),
    [
        ({}, True),
        ({"front": "x" * 100_000}, True),
        ({"front": "x" * 100_001}, False),
        ({"back": "😀" * 100_000}, True),
        ({"back": " \u3000\n"}, False),
        ({"id": "abc\n"}, False),
        ({"id": "a" * 121}, False),
        ({"tags": ["t" * 80]}, True),
        ({"tags": ["t" * 81]}, False),
        ({"tags": ["a\xa0b"]}, False),
        ({"tags": [""]}, False),
        ({"front": "a\ud800"}, False),
        ({"hint": "a\ud800"}, True),
    ],
)
def test_the_edges_of_a_card(changes: dict[str, object], accepted: bool) -> None:
    values: dict[str, object] = dict(id="c-1", front="Q", back="A", tags=["t"], origin="o")
    values.update(changes)
    result = _checked_or_error(**values)
    assert isinstance(result, CardRecord) == accepted
    assert result == _card_or_error(**values)


def _deck_or_error(id: str, name: str, category: str, cards: list[CardRecord]) -> object:
    try:
        deck = Deck(
            id=id,
            name=name,
            category=category,  # type: ignore[arg-type]
            description="d",
            cards=[Card.model_validate(c._asdict()) for c in cards],
        )
    except ValidationError as exc:
        return str(exc.errors()[0]["msg"])
    return (deck_to_toml(deck), deck.model_dump(exclude_none=True))


def _checked_deck_or_error(id: str, name: str, category: str, cards: list[CardRecord]) -> object:
    try:
        record = checked_deck(id, name, category, "d", cards)  # type: ignore[arg-type]
    except ValidationError as exc:
        return str(exc.errors()[0]["msg"])
    return (deck_to_toml(record), record.as_data())


_CARDS = st.lists(
    st.builds(
        CardRecord,
        id=st.sampled_from(["a", "b", "c-1"]),
        front=st.sampled_from(["Q", "two\nlines", 'quote " and \\', "tab\there"]),
        back=st.sampled_from(["A", "- list\n- items", "\x1f control"]),
        tags=st.lists(st.sampled_from(["x", "y-z", "ü"]), max_size=2),
        hint=st.sampled_from([None, "hint"]),
        level=st.sampled_from([None, "mid"]),
        target_seconds=st.sampled_from([None, 30]),
        origin=st.sampled_from([None, "anki:g#0"]),
    ),
    max_size=4,
)


@settings(max_examples=200, deadline=None)
@given(
    id=st.sampled_from(["deck", "deck.x_1", "Deck", "deck\n", "a" * 81, "-x", ""]),
    name=st.sampled_from(["Name", "", " ", "n" * 200, "n" * 201, "a\ud800", "😀"]),
    category=st.sampled_from(["general", "technical", "other"]),
    cards=_CARDS,
)
def test_a_checked_deck_writes_what_the_model_writes(
    id: str, name: str, category: str, cards: list[CardRecord]
) -> None:
    assert _checked_deck_or_error(id, name, category, cards) == _deck_or_error(
        id, name, category, cards
    )


def test_a_deck_record_is_written_like_its_model() -> None:
    card = Card(id="c", front="Q\nmore", back="A", tags=["t"], level="senior", target_seconds=60)
    deck = Deck(id="d", name="D", category="general", description="", cards=[card])
    record = DeckRecord("d", "D", "general", "", [card_record(card)])
    assert record.as_data() == deck.model_dump(exclude_none=True)
    assert deck_to_toml(record) == deck_to_toml(deck)
