"""Markdown question files (docs/import-formats.md): the format, its errors, and a property test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.importers.markdown import read_markdown

EXAMPLE = """\
# Behavioral questions
category: behavioral

Questions about how you work with people.

## Tell me about yourself. {#intro}
tags: star, intro
hint: Present, past, future

- **Present**: what you do now
- **Past**: how you got here

## What does this print?

```python
# a comment, not a heading
print(sum([1, 2]))
```

---

`3`, because `sum` adds the list.

## Why this company?
Mission, product, people.
"""


def write(tmp_path: Path, text: str, name: str = "deck.md") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_documented_example(tmp_path: Path) -> None:
    source = read_markdown(write(tmp_path, EXAMPLE))
    (deck,) = source.decks
    assert (deck.id, deck.name, deck.category) == (
        "behavioral-questions",
        "Behavioral questions",
        "behavioral",
    )
    assert deck.description == "Questions about how you work with people."
    intro, code, why = deck.cards
    assert (intro.id, intro.front, intro.tags, intro.hint) == (
        "intro",
        "Tell me about yourself.",
        ["star", "intro"],
        "Present, past, future",
    )
    assert intro.back == "- **Present**: what you do now\n- **Past**: how you got here"
    assert code.front == (
        "What does this print?\n\n```python\n# a comment, not a heading\nprint(sum([1, 2]))\n```"
    )
    assert code.back == "`3`, because `sum` adds the list."
    assert (why.front, why.back) == ("Why this company?", "Mission, product, people.")
    assert source.warnings == []


def test_ids_stay_when_the_answer_changes(tmp_path: Path) -> None:
    first = read_markdown(write(tmp_path, "## Q?\nA\n")).decks[0].cards[0]
    second = read_markdown(write(tmp_path, "## Q?\nA, better\n")).decks[0].cards[0]
    assert first.id == second.id
    assert second.back == "A, better"


def test_without_a_title_the_file_name_names_the_deck(tmp_path: Path) -> None:
    source = read_markdown(write(tmp_path, "## Q?\nA\n", name="system design notes.md"))
    assert (source.decks[0].id, source.decks[0].name) == (
        "system-design-notes",
        "system design notes",
    )
    assert source.decks[0].category == "system-design"


def test_an_empty_file_is_zero_cards(tmp_path: Path) -> None:
    assert read_markdown(write(tmp_path, "\n\n")).decks == []


def test_a_question_without_an_answer_is_kept_and_said(tmp_path: Path) -> None:
    source = read_markdown(write(tmp_path, "## Q?\n\n## R?\nB\n"))
    assert [c.back for c in source.decks[0].cards] == ["*(empty)*", "B"]
    assert source.warnings == ["deck.md: line 1: no answer below the question; shown as *(empty)*"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# Title\n\nno questions\n", "no questions: each question starts with a '## ' heading"),
        ("## Q\nA\n# Second title\n", "line 3: one '# title' per file"),
        ("## Q {#bad id}\nA\n", "line 1: card id 'bad id'"),
        ("## Q {#x}\nA\n## R {#x}\nB\n", "line 3: card id 'x' is already used on line 1"),
        ("# T\ncategory: fun\n## Q\nA\n", "category 'fun': use one of"),
        ("##  {#x}\nA\n", "line 1: the question heading is empty"),
    ],
)
def test_mistakes_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DataFileError, match=message.replace("(", r"\(")):
        read_markdown(write(tmp_path, text))


def test_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_bytes(b"## Q\n\xc3\x28\n")
    with pytest.raises(DataFileError, match="line 2: not valid UTF-8"):
        read_markdown(path)


# --- property: cards written in the format are read back unchanged ------------------------------

_LINE = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
    min_size=1,
    max_size=30,
).filter(
    lambda s: (
        s.strip() == s
        and not s.startswith(("#", "---", "```", "~~~", " "))
        and not re.match(r"(?i)(tags|hint|category)[ \t]*:", s)
        and "{#" not in s
    )
)
_ANSWER = st.lists(_LINE, min_size=1, max_size=4).map("\n".join)


@settings(max_examples=60, deadline=None)
@given(cards=st.lists(st.tuples(_LINE, _ANSWER, st.booleans()), min_size=1, max_size=5))
def test_property_markdown_round_trip(
    tmp_path_factory: pytest.TempPathFactory, cards: list[tuple[str, str, bool]]
) -> None:
    lines = ["# Property deck", ""]
    for index, (question, answer, with_id) in enumerate(cards):
        lines.append(f"## {question} {{#card-{index}}}" if with_id else f"## {question}")
        lines += ["", answer, ""]
    path = tmp_path_factory.mktemp("md") / "p.md"
    path.write_text("\n".join(lines))
    read = read_markdown(path).decks[0].cards
    expected: dict[str, tuple[str, str]] = {}
    for index, (question, answer, with_id) in enumerate(cards):
        key = f"card-{index}" if with_id else f"text:{question}"
        expected.pop(key, None)
        expected[key] = (question, answer)
    assert [(c.front, c.back) for c in read] == list(expected.values())
