"""The fast deck writer (core.tomlwrite) writes exactly what tomli_w writes, and TOML reads it back.

Deck files written before it came must not change when a deck is written again, so the oracle is
byte equality with `tomli_w.dumps(data, multiline_strings=True)`, on hostile strings (quotes,
backslashes, every control character, triple quotes, CR LF, unicode) and on every layout rule
(a list of tables written inline when every table fits a line, empty lists, nested tables).
"""

from __future__ import annotations

import tomllib
from datetime import date
from typing import Any

import pytest
import tomli_w
from hypothesis import given
from hypothesis import strategies as st

from flashprep.core.decks.deck import Card, Deck
from flashprep.core.decks.library import deck_to_toml
from flashprep.core.files import tomlwrite

from fuzzing import budget

HOSTILE = [
    "",
    'say "hi"',
    "back\\slash \\n not a newline",
    '"""',
    'ends with a quote"',
    "ends with a backslash\\",
    "line one\nline two",
    "\n",
    "crlf\r\nline",
    "lone cr\r here",
    "tab\there",
    "".join(chr(i) for i in range(32)) + "\x7f",
    "unicode é ✓ 𝄞 \u202e \u2028 \u00a0 \ufeff",
    'multi\n"""\nwith triple quotes\\\n',
    "''' literal quotes '''",
    "# not a comment\n[[cards]]\nid = 'x'",
]


def _same(data: dict[str, Any]) -> str:
    ours = tomlwrite.dumps(data)
    assert ours == tomli_w.dumps(data, multiline_strings=True)
    return ours


def _crlf(value: Any) -> Any:
    """What TOML reads back: a multi-line string's CR LF is a newline (tomli_w does the same)."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n") if "\n" in value else value
    if isinstance(value, list):
        return [_crlf(v) for v in value]
    if isinstance(value, dict):
        return {k: _crlf(v) for k, v in value.items()}
    return value


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_strings_are_written_as_tomli_w_writes_them(text: str) -> None:
    data = {
        "format": 1,
        "id": "deck",
        "name": text,
        "description": text,
        "cards": [{"id": "c1", "front": text or "x", "back": text, "tags": [text, "t"]}],
    }
    assert tomllib.loads(_same(data)) == _crlf(data)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_keys(text: str) -> None:
    data = {text: 1, "table": {text: text, "bare-key_1": True}}
    assert tomllib.loads(_same(data)) == _crlf(data)


def test_layout_rules() -> None:
    short = {"id": "a", "front": "q", "back": "a", "tags": []}
    _same({"cards": []})
    _same({"cards": [short, short]})  # every table fits a line: an inline array of tables
    _same({"cards": [short, {**short, "back": "x" * 100}]})  # one does not: [[cards]] blocks
    _same({"cards": [{**short, "tags": ["t"]}]})  # a list inside is never on one line
    _same({"a": {"b": {"c": 1}, "d": 2}, "e": {}, "f": [[1, [2]], []], "g": [{}], "h": False})
    _same({"t": {"u": {"v": {}}}, "list": [{"x": {"y": 1}}, {"z": "w" * 120}]})


def test_values_it_does_not_write_go_to_tomli_w() -> None:
    data = {"float": 1.5, "day": date(2026, 11, 26), "cards": [{"x": 0.1}]}
    assert tomlwrite.dumps(data) == tomli_w.dumps(data, multiline_strings=True)
    with pytest.raises(TypeError):
        tomlwrite.dumps({"x": object()})


def test_a_real_deck_is_written_as_before() -> None:
    cards = [
        Card(id=f"c{i}", front=f"Q{i} {t}", back=f"A\n{t}", tags=["a", "b"], hint=t or None)
        for i, t in enumerate(h for h in HOSTILE if h.strip())
    ]
    deck = Deck(id="d", name="Deck", category="general", description='d\n"x"', cards=cards)
    expected = tomli_w.dumps(deck.model_dump(exclude_none=True), multiline_strings=True)
    assert deck_to_toml(deck) == expected.encode()


text = st.text(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(['"', "\\", "\n", "\r", "\t", "\x00", "\x7f", "'", "#", "="]),
    ),
    max_size=40,
)
scalar = st.one_of(text, st.integers(), st.booleans())
card_table = st.dictionaries(st.sampled_from(["a", "b c"]), text, max_size=2)
"""A table inside a card: the general rules, not the fast path for flat cards."""
card = st.fixed_dictionaries(
    {"id": text, "front": text, "back": text, "tags": st.lists(text, max_size=3)},
    optional={
        "hint": text,
        "target_seconds": st.integers(5, 3600),
        "origin": text,
        "flag": st.booleans(),
        "nested": st.one_of(st.lists(st.lists(st.integers(), max_size=2), max_size=2), card_table),
    },
)
document = st.fixed_dictionaries(
    {"format": st.just(1), "id": text, "name": text, "description": text},
    optional={
        "cards": st.lists(card, max_size=4),
        "extra": st.dictionaries(text, st.one_of(scalar, st.lists(scalar, max_size=3))),
    },
)


@given(document)
@budget(300)
def test_random_documents_match_tomli_w_and_read_back(data: dict[str, Any]) -> None:
    assert tomllib.loads(_same(data)) == _crlf(data)


_ROW_KEYS = ("id", "front", "back", "tags", "hint", "target_seconds", "flag")
row = st.tuples(
    text,
    text,
    text,
    st.lists(st.one_of(text, st.integers()), max_size=3),
    st.one_of(st.none(), text),
    st.one_of(st.none(), st.integers(5, 3600)),
    st.one_of(st.none(), st.booleans(), st.floats(allow_nan=False)),
)
head = st.dictionaries(
    st.sampled_from(["format", "id", "name", "cards", "x y"]),
    st.one_of(text, st.integers(), st.booleans(), st.lists(st.integers(), max_size=2)),
)


@given(head, st.lists(row, max_size=4))
@budget(300)
def test_rows_are_written_as_their_tables_are(data: dict[str, Any], rows: list[Any]) -> None:
    tables = [{k: v for k, v in zip(_ROW_KEYS, r, strict=True) if v is not None} for r in rows]
    expected = tomlwrite.dumps({**data, "cards": tables})
    assert tomlwrite.dumps_rows(data, "cards", _ROW_KEYS, rows) == expected


def test_a_deck_record_takes_the_short_way() -> None:
    rows = [
        ("c1", "q" * 60, "two\nlines", ["t"], None, None, None),
        ("c2", "q", "a", [], "h", 60, True),
    ]
    head = {"format": 1, "id": "d", "name": "D", "description": ""}
    tables = [{k: v for k, v in zip(_ROW_KEYS, r, strict=True) if v is not None} for r in rows]
    expected = tomli_w.dumps({**head, "cards": tables}, multiline_strings=True)
    assert tomlwrite.dumps_rows(head, "cards", _ROW_KEYS, rows) == expected
