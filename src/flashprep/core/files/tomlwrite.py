"""Deck files as TOML text, byte for byte what `tomli_w.dumps(data, multiline_strings=True)` writes.

tomli_w escapes strings one character at a time in Python: writing a 6,500-card deck took a
third of a second, a tenth of a whole import. This writer follows tomli_w's layout rules exactly
(literals first, then tables; a list of tables as `[[name]]` blocks unless every table fits on one
line; arrays one item a line; multi-line strings for text with a newline) but escapes a string
with one `str.translate`. It takes what deck files hold (tables, lists, strings, integers,
booleans); anything else goes to tomli_w itself. tests/core/files/test_tomlwrite.py checks it
against tomli_w on hostile text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

MAX_LINE_LENGTH = 100
"""tomli_w's limit for writing a table of a list inline."""
INDENT = "    "
_BARE_KEY = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
_COMPACT = {"\b": "\\b", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}
_ILLEGAL = [chr(i) for i in range(32) if chr(i) != "\t"] + ["\x7f", '"', "\\"]
_ONE_LINE = str.maketrans({c: _COMPACT.get(c, f"\\u{ord(c):04x}") for c in _ILLEGAL})
"""Escapes for a basic string: quote, backslash, and control characters except tab."""
_MULTI_LINE = str.maketrans({c: _COMPACT.get(c, f"\\u{ord(c):04x}") for c in _ILLEGAL if c != "\n"})
"""The same for a multi-line string, where a newline stays a newline."""
_NEEDS_ESCAPE = re.compile(r'[\x00-\x08\x0a-\x1f\x7f"\\]')
_NEEDS_ESCAPE_MULTI_LINE = re.compile(r'[\x00-\x08\x0b-\x1f\x7f"\\]')
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_CONTROL_MULTI_LINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
"""The characters of the escape tables besides quote and backslash."""


class _Unsupported(TypeError):
    """A value this writer does not handle (floats, dates, ...): tomli_w writes the document."""


def dumps(data: Mapping[str, Any]) -> str:
    """`data` as TOML, exactly as `tomli_w.dumps(data, multiline_strings=True)` writes it."""
    try:
        out: list[str] = []
        _table(data, "", False, out)
        return "".join(out)
    except _Unsupported:
        import tomli_w

        return tomli_w.dumps(data, multiline_strings=True)


def _string(s: str) -> str:
    """Most text needs no escape: the search is much faster than a translate."""
    if "\n" in s:
        s = s.replace("\r\n", "\n")
        if _NEEDS_ESCAPE_MULTI_LINE.search(s):
            s = _escaped(s, _MULTI_LINE, _CONTROL_MULTI_LINE)
        return '"""\n' + s + '"""'
    return '"' + (_escaped(s, _ONE_LINE, _CONTROL) if _NEEDS_ESCAPE.search(s) else s) + '"'


def _escaped(s: str, table: dict[int, str], control: re.Pattern[str]) -> str:
    """`s.translate(table)`; text without control characters (the usual case, a backslash or a
    quote to escape) by two replaces, several times faster than a translate."""
    if control.search(s) is None:
        return s.replace("\\", "\\\\").replace('"', '\\"')
    return s.translate(table)


@lru_cache(maxsize=256)
def _key(key: str) -> str:
    """Cached: every card repeats the same few keys."""
    if not isinstance(key, str):
        raise _Unsupported(key)
    return key if key and _BARE_KEY.issuperset(key) else '"' + key.translate(_ONE_LINE) + '"'


def _literal(value: object, nest: int = 0) -> str:
    if type(value) is str or isinstance(value, str):
        return _string(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        inner = INDENT * (nest + 1)
        items = ",\n".join(inner + _literal(item, nest + 1) for item in value)
        return f"[\n{items},\n{INDENT * nest}]"
    if isinstance(value, Mapping):
        return _inline_table(value)
    raise _Unsupported(value)


def _inline_table(table: Mapping[str, Any]) -> str:
    if not table:
        return "{}"
    return "{ " + ", ".join(f"{_key(k)} = {_literal(v)}" for k, v in table.items()) + " }"


def _fits_inline(table: Mapping[str, Any]) -> bool:
    rendered = f"{INDENT}{_inline_table(table)},"
    return len(rendered) <= MAX_LINE_LENGTH and "\n" not in rendered


def _is_table_list(value: object) -> bool:
    return (
        isinstance(value, list | tuple)
        and bool(value)
        and all(isinstance(v, Mapping) for v in value)
    )


def dumps_rows(
    data: Mapping[str, Any], name: str, keys: Sequence[str], rows: Sequence[Sequence[Any]]
) -> str:
    """`dumps({**data, name: tables})`, each table the keys of `keys` with the values of a row
    that are not None (a deck's cards as records), without building the tables.

    The usual deck takes the short way: its other values are strings and integers, and its first
    card does not fit on one line (so its cards are `[[name]]` blocks); any other goes to dumps.
    """

    def table(row: Sequence[Any]) -> dict[str, Any]:
        return {k: v for k, v in zip(keys, row, strict=True) if v is not None}

    def general() -> str:
        return dumps({**data, name: [table(row) for row in rows]})

    if (
        not data
        or name in data
        or not rows
        or not all(type(v) is str or type(v) is int for v in data.values())
    ):
        return general()
    try:
        if _fits_inline(table(rows[0])):
            return general()
        out: list[str] = []
        _table(data, "", False, out)
    except _Unsupported:
        return general()
    block = f"\n[[{_key(name)}]]\n"
    for row in rows:
        flat = _flat_lines_of((k, v) for k, v in zip(keys, row, strict=True) if v is not None)
        if flat is None:
            return general()
        out.append(block)
        out.append(flat)
    return "".join(out)


def _flat_lines(table: Mapping[str, Any]) -> str | None:
    """`key = value` lines of a table holding only strings, integers, booleans and lists of
    strings (a card), or None: its values need the general rules."""
    return _flat_lines_of(table.items())


def _flat_lines_of(items: Iterable[tuple[str, Any]]) -> str | None:
    """`_flat_lines` of a table's items. One pass, no classifying.

    A printable string without a quote or backslash has nothing to escape (control characters
    are not printable): told by three scans in C, faster than one regex search."""
    lines: list[str] = []
    for key, value in items:
        kind = type(value)
        if kind is str:  # most strings are one line with nothing to escape: no call for them
            plain = '"' not in value and "\\" not in value and value.isprintable()
            text = f'"{value}"' if plain else _string(value)
        elif kind is int:
            text = str(value)
        elif kind is bool:
            text = "true" if value else "false"
        elif kind is list:
            entries = []
            for item in value:
                if type(item) is not str:
                    return None
                plain = '"' not in item and "\\" not in item and item.isprintable()
                entries.append(f'{INDENT}"{item}",\n' if plain else f"{INDENT}{_string(item)},\n")
            text = f"[\n{''.join(entries)}]" if value else "[]"
        else:
            return None
        lines.append(f"{_key(key)} = {text}\n")
    return "".join(lines)


def _table(table: Mapping[str, Any], name: str, in_list: bool, out: list[str]) -> None:
    """One table and the tables inside it, in tomli_w's order (its gen_table_chunks)."""
    if in_list:  # the common case (every card of a deck) first
        flat = _flat_lines(table)
        if flat is not None:
            out.append(f"[[{name}]]\n{flat}")
            return
    literals: list[tuple[str, Any]] = []
    tables: list[tuple[str, Mapping[str, Any], bool]] = []
    for key, value in table.items():
        if type(value) is str:  # the common case first
            literals.append((key, value))
        elif isinstance(value, Mapping):
            tables.append((key, value, False))
        elif _is_table_list(value) and not all(_fits_inline(t) for t in value):
            tables.extend((key, t, True) for t in value)
        else:
            literals.append((key, value))
    written = False
    if in_list or (name and (literals or not tables)):
        written = True
        out.append(f"[[{name}]]\n" if in_list else f"[{name}]\n")
    if literals:
        written = True
        out.extend(f"{_key(k)} = {_literal(v)}\n" for k, v in literals)
    for key, sub, sub_in_list in tables:
        if written:
            out.append("\n")
        written = True
        part = _key(key)
        _table(sub, f"{name}.{part}" if name else part, sub_in_list, out)
