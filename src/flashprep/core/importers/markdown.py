"""Markdown question files: one deck per file, a `##` heading per question, the answer below it.

    # Deck name                      (optional; else the file name)
    category: behavioral             (optional, right after the title)
    Any text before the first question describes the deck.

    ## The question? {#stable-id}    ({#id} optional: keeps the schedule when you reword it)
    tags: star conflict              (optional, right after the heading)
    hint: Situation, Task, ...       (optional, right after the heading)

    The answer, in Markdown, up to the next `##` heading.

A line `---` inside a card splits it: what is above joins the question (for code in a question).
Headings and `---` inside fenced code blocks are text. The full description is in
docs/import-formats.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from flashprep.core.decks.record import CardInvalid, checked_card
from flashprep.core.decks.rules import CATEGORIES
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.importers.source import (
    EMPTY_SIDE,
    ImportSource,
    SourceDeck,
    card_id_for_text,
    clean_tags,
    deck_id_for,
    read_text,
)
from flashprep.core.keys import CARD_ID_PATTERN
from flashprep.core.text import lf

_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_TITLE = re.compile(r"^#[ \t]+(.*?)[ \t#]*$")
_QUESTION = re.compile(r"^##[ \t]+(.*?)[ \t]*$")
_ANY_HEADING = re.compile(r"^#{1,2}(?:[ \t]|$)")
_EXPLICIT_ID = re.compile(r"[ \t]*\{#([^}]*)\}$")
_META = re.compile(r"^(tags|hint|category)[ \t]*:[ \t]*(.*)$", re.I)
_SPLIT = re.compile(r"^ {0,3}---[ \t]*$")
_CARD_ID = re.compile(CARD_ID_PATTERN)


@dataclass
class _Block:
    line: int
    heading: str
    body: list[tuple[int, str, bool]] = field(default_factory=list)
    """(line number, text, inside a code fence)"""


def _split(
    path: Path, lines: list[str]
) -> tuple[str | None, list[tuple[int, str, bool]], list[_Block]]:
    title: str | None = None
    preamble: list[tuple[int, str, bool]] = []
    blocks: list[_Block] = []
    fenced = False
    seen_text = False
    for number, line in enumerate(lines, 1):
        if _FENCE.match(line):
            fenced = not fenced
            target = blocks[-1].body if blocks else preamble
            target.append((number, line, True))
            seen_text = True
            continue
        if not fenced and _ANY_HEADING.match(line):
            question = _QUESTION.match(line)
            if question:
                blocks.append(_Block(number, question.group(1)))
                continue
            title_match = _TITLE.match(line)
            if title_match and title is None and not blocks and not seen_text:
                title = title_match.group(1)
                continue
            raise DataFileError(
                path, f"line {number}: one '# title' per file, at the top; questions use '## '"
            )
        target = blocks[-1].body if blocks else preamble
        target.append((number, line, fenced))
        if line.strip():
            seen_text = True
    return title, preamble, blocks


def _text(lines: list[tuple[int, str, bool]]) -> str:
    return "\n".join(line for _, line, _ in lines).strip("\n").rstrip()


def _leading_meta(
    lines: list[tuple[int, str, bool]],
) -> tuple[dict[str, str], list[tuple[int, str, bool]]]:
    """`key: value` lines at the start of a block (blank lines between them allowed)."""
    meta: dict[str, str] = {}
    index = 0
    while index < len(lines):
        _, line, fenced = lines[index]
        match = None if fenced else _META.match(line.strip())
        if match and match.group(1).lower() not in meta:
            meta[match.group(1).lower()] = match.group(2).strip()
        elif line.strip():
            break
        index += 1
    return meta, lines[index:]


def read_markdown(path: Path) -> ImportSource:
    """Read a Markdown question file; raise DataFileError naming the file and line."""
    text = lf(read_text(path))
    source = ImportSource(path, "Markdown")
    title, preamble, blocks = _split(path, text.split("\n"))
    if not blocks:
        if title is not None or _text(preamble).strip():
            raise DataFileError(path, "no questions: each question starts with a '## ' heading")
        return source
    name = title or path.stem
    meta, description = _leading_meta(preamble)
    category = meta.get("category", "").lower() or None
    if category is not None and category not in CATEGORIES:
        raise DataFileError(path, f"category {category!r}: use one of {', '.join(CATEGORIES)}")
    deck = source.deck(deck_id_for(name), name)
    if category is not None:
        deck.category = category  # type: ignore[assignment]
    deck.description = " ".join(_text(description).split())[:500]
    explicit: dict[str, int] = {}
    derived: dict[str, int] = {}
    for block in blocks:
        _add_card(path, source, deck, block, explicit, derived)
    return source


def _add_card(
    path: Path,
    source: ImportSource,
    deck: SourceDeck,
    block: _Block,
    explicit: dict[str, int],
    derived: dict[str, int],
) -> None:
    heading = block.heading
    id_match = _EXPLICIT_ID.search(heading)
    card_id: str | None = None
    if id_match:
        card_id = id_match.group(1)
        heading = heading[: id_match.start()].rstrip()
        if not _CARD_ID.match(card_id):
            raise DataFileError(
                path,
                f"line {block.line}: card id {card_id!r}: use letters, digits, '.', '_' and '-'",
            )
        if card_id in explicit:
            raise DataFileError(
                path,
                f"line {block.line}: card id {card_id!r} is already used on line "
                f"{explicit[card_id]}",
            )
        explicit[card_id] = block.line
    if not heading:
        raise DataFileError(path, f"line {block.line}: the question heading is empty")
    meta, body = _leading_meta(block.body)
    split = next(
        (i for i, (_, line, fenced) in enumerate(body) if not fenced and _SPLIT.match(line)), None
    )
    front = heading
    if split is not None:
        extra = _text(body[:split])
        front = f"{heading}\n\n{extra}" if extra else heading
        body = body[split + 1 :]
    back = _text(body)
    if not back.strip():
        source.warn(f"line {block.line}: no answer below the question; shown as {EMPTY_SIDE}")
    if card_id is None:
        card_id = card_id_for_text(front)
        if card_id in derived:
            source.warn(
                f"line {block.line}: the same question as line {derived[card_id]}; "
                "the later one is used"
            )
            deck.cards = [c for c in deck.cards if c.id != card_id]
        derived[card_id] = block.line
    try:
        card = checked_card(
            card_id,
            front,
            back if back.strip() else EMPTY_SIDE,
            clean_tags(re.split(r"[,\s]+", meta.get("tags", ""))),
            meta.get("hint") or None,
            path.name,
        )
    except CardInvalid as exc:
        error = exc.error
        where = ".".join(str(p) for p in error["loc"])
        raise DataFileError(path, f"line {block.line}: field {where!r}: {error['msg']}") from None
    deck.cards.append(card)
