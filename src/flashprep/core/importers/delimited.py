"""Anki text exports, CSV and TSV: rows of fields, optionally with Anki's `#key:value` headers.

Follows Anki's text import: an optional `tags:` first line; `#separator`, `#html`, `#tags`,
`#columns`, `#deck`, `#notetype`, `#guid column`, `#deck column`, `#tags column` and
`#notetype column` headers at the top; `#` comment lines anywhere; RFC 4180 quoting (quoted
fields may hold the separator, `""` and line breaks). Without headers: column 1 is the front,
2 the back, 3 the tags; a first row naming the columns (`Front,Back,Tags`) is recognised.

Fields in HTML (Anki's exports) become Markdown; text without HTML is taken as Markdown already.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from flashprep.core.decks.record import CardInvalid, checked_card
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.importers import ankitemplate
from flashprep.core.importers.ankihtml import html_to_markdown, looks_like_html
from flashprep.core.importers.ankitemplate import BASIC, NoteType, is_blank
from flashprep.core.importers.source import (
    EMPTY_SIDE,
    ImportSource,
    card_id_for_guid,
    card_id_for_text,
    clean_tags,
    deck_id_for_card,
    read_text,
)

SEPARATOR_NAMES = {
    "comma": ",",
    "semicolon": ";",
    "tab": "\t",
    "space": " ",
    "pipe": "|",
    "colon": ":",
}
DETECT_ORDER = "\t|;:, "
"""Anki's guess for a text file without `#separator`: the first of these found in the file."""
CSV_CANDIDATES = ",;\t|"
HEADER_KEYS = {
    "separator",
    "html",
    "tags",
    "columns",
    "deck",
    "notetype",
    "guid column",
    "deck column",
    "tags column",
    "notetype column",
}
COLUMN_ROLES = {
    "front": "front",
    "question": "front",
    "text": "front",
    "back": "back",
    "answer": "back",
    "back extra": "back",
    "tags": "tags",
    "deck": "deck",
    "guid": "guid",
    "notetype": "notetype",
    "note type": "notetype",
    "hint": "hint",
}


@dataclass
class _Header:
    """What the header block says; column indexes are 0-based."""

    separator: str | None = None
    html: bool | None = None
    tags: list[str] = field(default_factory=list)
    columns: str | None = None
    columns_line: int = 0
    deck: str | None = None
    notetype: str | None = None
    roles: dict[str, int] = field(default_factory=dict)
    lines: int = 0


def _parse_header(path: Path, lines: list[str]) -> _Header:
    header = _Header()
    index = 0
    if lines and lines[0].startswith("tags:"):
        header.tags = lines[0][5:].split()
        index = 1
    while index < len(lines) and lines[index].startswith("#"):
        key, colon, value = lines[index][1:].rstrip("\r\n").partition(":")
        key = key.strip().lower()
        index += 1
        if not colon or key not in HEADER_KEYS:
            continue
        if key == "separator":
            header.separator = SEPARATOR_NAMES.get(value.strip().lower(), value[:1] or None)
        elif key == "html":
            if value.strip().lower() not in ("true", "false"):
                raise DataFileError(path, f"line {index}: #html must be true or false")
            header.html = value.strip().lower() == "true"
        elif key == "tags":
            header.tags += value.split()
        elif key == "columns":
            header.columns, header.columns_line = value, index
        elif key == "deck":
            header.deck = value.strip() or None
        elif key == "notetype":
            header.notetype = value.strip() or None
        else:
            try:
                number = int(value.strip())
                if number < 1:
                    raise ValueError
            except ValueError:
                raise DataFileError(
                    path, f"line {index}: #{key} must be a column number (1, 2, ...)"
                ) from None
            header.roles[key.removesuffix(" column")] = number - 1
    header.lines = index
    return header


def _detect_separator(body: str, kind: str) -> str:
    sample = body[:8192]
    if kind == "tsv":
        return "\t"
    if kind == "csv":
        try:
            return csv.Sniffer().sniff(sample, delimiters=CSV_CANDIDATES).delimiter
        except csv.Error:
            return next((c for c in CSV_CANDIDATES if c in sample), ",")
    return next((c for c in DETECT_ORDER if c in sample), " ")


def _records(
    path: Path, lines: list[str], first_line: int, sep: str
) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of each record; comment lines and blank lines are skipped."""
    reader = csv.reader(iter(lines), delimiter=sep, quotechar='"', strict=False)
    start = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise DataFileError(path, f"line {first_line + start}: {exc}") from None
        line_start, start = start, reader.line_num
        if not row or lines[line_start].startswith("#"):
            continue
        if all(not cell.strip() for cell in row):
            continue
        yield first_line + line_start, row


@dataclass
class _Row:
    line: int
    fields: list[str]
    tags: list[str]
    deck: str | None
    guid: str | None
    notetype: str | None
    hint: str


def _named_roles(names: list[str]) -> dict[str, int] | None:
    """Column roles from column names, when every name is one we know."""
    roles: dict[str, int] = {}
    for index, name in enumerate(names):
        role = COLUMN_ROLES.get(name.strip().lower())
        if role is None:
            return None
        if role in ("front", "back"):
            continue
        roles.setdefault(role, index)
    return roles


def _field_order(names: list[str] | None, special: set[int]) -> list[int]:
    """The note's field columns in field order: named front and back columns first."""
    if names is None:
        return []
    regular = [i for i in range(len(names)) if i not in special]
    rank = {"front": 0, "back": 1}
    return sorted(
        regular, key=lambda i: rank.get(COLUMN_ROLES.get(names[i].strip().lower(), ""), 2)
    )


def _rows(path: Path, text: str, kind: str) -> tuple[_Header, list[_Row], bool]:
    lines = text.split("\n")
    lines = [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    header = _parse_header(path, lines)
    body_lines = lines[header.lines :]
    sep = header.separator or _detect_separator("".join(body_lines), kind)
    records = list(_records(path, body_lines, header.lines + 1, sep))
    roles = dict(header.roles)
    names: list[str] | None = None
    if header.columns is not None:
        try:
            names = next(csv.reader([header.columns], delimiter=sep), [])
        except csv.Error as exc:  # e.g. a name longer than the csv module's field limit
            raise DataFileError(path, f"line {header.columns_line}: #columns: {exc}") from None
    elif records and len(records[0][1]) >= 2 and _named_roles(records[0][1]) is not None:
        names = records.pop(0)[1]
    had_header_block = header.lines > 0 or names is not None
    for role, index in (_named_roles(names or []) or {}).items():
        roles.setdefault(role, index)
    special = set(roles.values())
    order = _field_order(names, special)
    rows: list[_Row] = []
    for line, cells in records:
        by_role = {r: cells[i] for r, i in roles.items() if i < len(cells)}
        regular = [cells[i] for i in order if i < len(cells)]
        regular += [c for i, c in enumerate(cells) if i >= len(order) and i not in special]
        notetype_name = by_role.get("notetype") or header.notetype
        row_tags = by_role.get("tags", "")
        known = _stock(notetype_name)
        if "tags" not in roles and known is not None and len(regular) > len(known.fields):
            # Anki: with no tags column named, the column after the note's fields holds tags.
            row_tags, regular = regular[len(known.fields)], regular[: len(known.fields)]
        rows.append(
            _Row(
                line,
                regular,
                header.tags + row_tags.split(),
                by_role.get("deck") or header.deck,
                by_role.get("guid"),
                notetype_name,
                by_role.get("hint", ""),
            )
        )
    return header, rows, had_header_block


def _stock(name: str | None) -> NoteType | None:
    """The note type a row names: Basic when none, None when it is not one of Anki's stock ones."""
    return ankitemplate.stock_notetype(name) if name else BASIC


def read_delimited(path: Path, kind: str) -> ImportSource:
    """Read a .txt/.csv/.tsv file into decks; raise DataFileError naming the file and line."""
    text = read_text(path)
    source = ImportSource(path, {"csv": "CSV", "tsv": "TSV"}.get(kind, "Anki text"))
    header, rows, had_header = _rows(path, text, kind)
    if not rows:
        if had_header:
            raise DataFileError(path, "no rows to import: the file holds only headers")
        return source
    html = header.html
    if html is None:
        html = any(looks_like_html(value) for row in rows for value in [*row.fields, row.hint])
    seen: dict[tuple[str, str], int] = {}
    default_deck = path.stem
    for row in rows:
        _add_row(source, row, html, default_deck, seen)
    return source


def _add_row(
    source: ImportSource, row: _Row, html: bool, default_deck: str, seen: dict[tuple[str, str], int]
) -> None:
    if not row.fields or is_blank(row.fields[0]):
        source.warn(f"line {row.line}: the first field is empty; skipped")
        return
    notetype = _stock(row.notetype) or ankitemplate.generic(len(row.fields))
    values = row.fields + [""] * max(0, len(notetype.fields) - len(row.fields))
    fields = dict(zip(notetype.fields, values, strict=False))
    deck_name = row.deck or default_deck
    deck = source.deck(deck_id_for_card(row.guid, deck_name), deck_name)
    ordinals = ankitemplate.card_ordinals(notetype, fields)
    if not ordinals:
        source.warn(f"line {row.line}: makes no card (a cloze note without {{{{c1::...}}}}?)")
        return
    for ordinal in ordinals:
        rendered = ankitemplate.render_card(notetype, fields, ordinal, {}, not html)
        convert = html_to_markdown if html else str.strip
        front, back = convert(rendered.front), convert(rendered.back)
        hints = [convert(h) for h in [*rendered.hints, row.hint] if h.strip()]
        if not back.strip():
            source.warn(f"line {row.line}: no answer; shown as {EMPTY_SIDE}")
        if row.guid:
            card_id = card_id_for_guid(row.guid.strip(), ordinal)
            origin = f"anki:{row.guid.strip()}#{ordinal}"
        else:
            card_id = card_id_for_text(row.fields[0], ordinal)
            origin = f"{source.path.name}"
        try:
            card = checked_card(
                card_id,
                front or EMPTY_SIDE,
                back or EMPTY_SIDE,
                clean_tags(row.tags),
                "\n\n".join(hints) or None,
                origin,
            )
        except CardInvalid as exc:
            source.warn(f"line {row.line}: skipped ({exc.error['msg']})")
            return
        key = (deck.id, card.id)
        if key in seen:
            source.warn(
                f"line {row.line}: the same card as line {seen[key]} (same first field); "
                "the later row is used"
            )
            deck.cards = [c for c in deck.cards if c.id != card.id]
        seen[key] = row.line
        deck.cards.append(card)
