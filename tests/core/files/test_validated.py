"""Every TOML file a user may edit is validated the same strict way (files/tomlmodel.py): a value of
the wrong type is an error naming the file, line and field, never quietly converted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from flashprep.core.decks.deck import DeckError, parse_deck
from flashprep.core.decks.library import card_from_toml
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.interview.mock import MockRecord, load_record, record_to_toml
from flashprep.core.interview.stories import parse_stories, story_from_toml
from flashprep.core.storage.profile import new_profile, parse_profile, profile_to_toml

DECK = b"""format = 1
id = "demo"
name = "Demo"
category = "technical"

[[cards]]
id = "c1"
front = "Q?"
back = "A."
target_seconds = "30"
"""

STORIES = b"""format = 1

[[stories]]
id = "s1"
title = "Payments"
tags = "payments"
"""


def mock_file(tmp_path: Path) -> bytes:
    record = MockRecord(started=datetime(2026, 11, 26, 9, tzinfo=UTC), minutes=30)
    raw = record_to_toml(record).replace(b"minutes = 30", b'minutes = "30"')
    assert raw != record_to_toml(record)
    return raw


def write(tmp_path: Path, raw: bytes) -> Path:
    path = tmp_path / "file.toml"
    path.write_bytes(raw)
    return path


CASES: list[tuple[str, Callable[[Path], Any], str]] = [
    ("deck", lambda p: parse_deck(DECK, p), "line 10: card 'c1': field 'target_seconds'"),
    (
        "edited card",
        lambda p: card_from_toml('front = "Q"\nback = "A"\ntarget_seconds = "30"\n', "c1", p),
        "line 3: field 'target_seconds'",
    ),
    ("stories", lambda p: parse_stories(STORIES, p), "line 6: story 's1': field 'tags'"),
    (
        "edited story",
        lambda p: story_from_toml('title = "T"\nquestions = "a/b"\n', "s1", p),
        "line 2: field 'questions'",
    ),
    ("mock round", lambda p: load_record(write(p.parent, mock_file(p))), "field 'minutes'"),
]


@pytest.mark.parametrize(("kind", "read", "where"), CASES, ids=[c[0] for c in CASES])
def test_a_value_of_the_wrong_type_is_an_error_naming_its_field(
    tmp_path: Path, kind: str, read: Callable[[Path], Any], where: str
) -> None:
    with pytest.raises(DataFileError) as info:
        read(tmp_path / "file.toml")
    assert str(info.value).startswith(str(tmp_path / "file.toml") + ": ")
    assert where in str(info.value)
    if kind == "deck":
        assert isinstance(info.value, DeckError)


def test_profile_numbers_written_as_text_are_refused() -> None:
    raw = profile_to_toml(new_profile()).replace(b"new_per_day = 20", b'new_per_day = "20"')
    with pytest.raises(DataFileError, match=r"field 'settings.new_per_day'"):
        parse_profile(raw, "profile.toml")


def test_a_broken_deck_file_is_a_deck_error_naming_the_line(tmp_path: Path) -> None:
    with pytest.raises(DeckError, match=r"demo.toml: line 2, column \d+: TOML syntax error"):
        parse_deck(b"format = 1\nid = = 'x'\n", tmp_path / "demo.toml")
