"""The fast reader (core.files.tomlread) gives what tomllib gives, or leaves the text to it.

The oracle is tomllib: for every text, `loads_written` is either None or equal to
`tomllib.loads`, and None whenever tomllib refuses the text (so every error is still tomllib's,
with its line). What flashprep writes (tomlwrite, the bundled decks) must take the fast way.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_tomlwrite import HOSTILE, document

from flashprep.core.decks.deck import DECK_FILE, DeckError
from flashprep.core.files import tomlread, tomlwrite
from flashprep.core.files.tomlerrors import DataFileError, loads_toml
from flashprep.core.files.tomlread import loads_written
from flashprep.core.paths import bundled_decks_dir

from fuzzing import budget


def agrees(text: str) -> dict[str, Any] | None:
    """`loads_written(text)`, checked against tomllib."""
    ours = loads_written(text)
    try:
        theirs = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        assert ours is None, text
        return None
    assert ours is None or ours == theirs, text
    if ours is not None:  # the same types too (1 == True, and "1" is no 1)
        assert repr(ours) == repr(theirs)
    return ours


def test_every_bundled_deck_takes_the_fast_way() -> None:
    paths = sorted(bundled_decks_dir().glob("*.toml"))
    assert len(paths) > 10
    for path in paths:
        assert agrees(path.read_text(encoding="utf-8")) is not None, path.name


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_written_by_flashprep_reads_the_same(text: str) -> None:
    tag = text.replace("\n", " ")  # an array item on one line (a tag has no newline)
    data = {"format": 1, "id": text, "cards": [{"id": "a", "back": text, "tags": [tag, "x"]}]}
    data["cards"].append({"id": "b", "front": "q" * 120, "back": f"{text}\n{text}"})
    assert agrees(tomlwrite.dumps(data)) is not None


@given(document)
@budget(300)
def test_random_documents_written_by_flashprep_read_the_same(data: dict[str, Any]) -> None:
    written = tomlwrite.dumps(data)
    ours = agrees(written)
    cards = data.get("cards", [])
    flat = all(
        type(v) in (str, int, bool)
        or (type(v) is list and all(type(i) is str and "\n" not in i for i in v))
        for card in cards
        for v in card.values()
    )
    blocks = not cards or not all(tomlwrite._fits_inline(card) for card in cards)
    if flat and blocks and not data.get("extra") and "\r" not in written:
        assert ours is not None  # what flashprep writes of a deck is read fast


SOURCE = (
    'format = 1\nid = "d"\ntags = ["a", "b"]\nlist = [\n    "x",\n]\nnone = []\n\n'
    '[[cards]]\nid = "c"\nback = """\nsay "hi" \\u00e9\n"""\nn = 3\nok = true\n'
    "\n# a comment\n[[cards]]\nid = 'lit\\eral'\nback = '''\nraw \\n '' here\n'''\n"
)


def test_a_written_document_reads_fast_and_the_same() -> None:
    assert agrees(SOURCE) is not None


EDITS = [
    ('"hi"', '"hi""'),  # a quote before the closing quotes
    ("\\u00e9", "\\ud800"),  # a surrogate
    ("\\u00e9", "\\x41"),  # no such escape
    ("\\u00e9", "\\u00"),
    ("\\u00e9", "\\U0010ffff"),
    ("\\u00e9", "\\U00110000"),
    ('hi" ', 'hi" \\\n  '),  # a line-ending backslash
    ("n = 3", "n = 3.5"),
    ("n = 3", "n = -0"),
    ("n = 3", "n = +3"),
    ("n = 3", "n = 03"),
    ("n = 3", "n = 1_000"),
    ("n = 3", "n = 99999999999999999999"),
    ("n = 3", "n=3"),
    ("n = 3", "n = 3 # note"),
    ("n = 3", "n = 3\nn = 4"),  # a key twice
    ("n = 3", 'a.b = "x"'),
    ("n = 3", "n = { a = 1 }"),
    ("ok = true", "ok = True"),
    ('id = "d"', 'id = "d"\ncards = 1'),  # then [[cards]]
    ('id = "d"', 'id = "d"\n[cards]'),
    ("[[cards]]", "[[ cards ]]"),
    ("[[cards]]", "[[cards.x]]"),
    ("[[cards]]", "[table]"),
    ("\n\n[[cards]]", "\n   \n[[cards]]"),
    ('"x",\n]', '"x"\n]'),
    ('["a", "b"]', '["a","b"]'),
    ('["a", "b"]', '["a", 1]'),
    ('["a", "b"]', '[\n"a"]'),
    ("# a comment", "# a comment é"),
    ("# a comment", "# a \x01 comment"),
    ("say", "say\x01"),
    ("say", "say\r"),
    ("say", "say\t"),
    ("\n", "\r\n"),  # CR LF line ends
    ("'''\n", "'''\n'"),
    ("raw", "r'''aw"),
    ("'lit\\eral'", "'li\nt'"),
]


@pytest.mark.parametrize(("old", "new"), EDITS)
def test_edits_read_the_same_or_go_to_tomllib(old: str, new: str) -> None:
    assert old in SOURCE
    agrees(SOURCE.replace(old, new, 1))
    agrees(SOURCE.replace(old, new))
    agrees(SOURCE.rstrip("\n"))


pieces = st.sampled_from(
    ['"', "'", "\\", "\n", "\r", "\t", " ", "=", "[", "]", ",", "#", "u", "0", "x", "\x00", "é"]
)


@given(st.data())
@budget(300)
def test_random_edits_read_the_same_or_go_to_tomllib(data: st.DataObject) -> None:
    text = SOURCE
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        if data.draw(st.booleans()):
            text = text[:at] + data.draw(pieces) + text[at:]
        else:
            text = text[:at] + text[at + 1 :]
    agrees(text)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('format = 1\nid = "d"\nid = "e"\n', "line 3"),
        ('format = 1\nid = "d\\q"\n', "line 2"),
        ('format = 1\n[[cards]]\nid = """\nx\n', "cut off"),
    ],
)
def test_errors_are_tomllib_s_with_the_line(text: str, where: str, tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match=where):
        loads_toml(text.encode(), tmp_path / "x.toml")


BAD_CARDS = [
    'front = ""\nback = "b"\n',
    'front = "f"\nback = 3\n',
    'front = "f"\nback = "b"\ntags = ["has space"]\n',
    'front = "f"\nback = "b"\nunknown = "x"\n',
    'front = "f"\nback = """\n   \n"""\n',
]


@pytest.mark.parametrize("bad", BAD_CARDS)
def test_a_deck_is_validated_by_its_model_after_the_fast_read(
    bad: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same error, naming the same line and field, as when tomllib read the file."""
    raw = 'format = 1\nid = "d"\nname = "D"\ncategory = "general"\n\n[[cards]]\nid = "c"\n' + bad
    assert loads_written(raw) is not None
    with pytest.raises(DeckError) as fast:
        DECK_FILE.parse(raw.encode(), tmp_path / "d.toml")
    monkeypatch.setattr(tomlread, "loads_written", lambda _text: None)
    with pytest.raises(DeckError) as slow:
        DECK_FILE.parse(raw.encode(), tmp_path / "d.toml")
    assert str(fast.value) == str(slow.value)
    assert "line " in str(fast.value) and "card 'c'" in str(fast.value)
