"""TOML as flashprep writes it, read fast; anything else is left to tomllib.

tomllib reads a string one character at a time in Python: a deck of 10,000 cards (11 MB, most
of it multi-line answers) took most of a second to parse, and five times that at 50,000 cards:
most of a first start without the deck index. What flashprep writes (files.tomlwrite) and the
bundled decks have a plain shape: `key = value` lines of one-line and multi-line strings,
integers, booleans and arrays of one-line strings; `[table]` and `[[array]]` headers with bare
keys; comment lines. Regular expressions read that about six times faster. `loads_written`
returns what `tomllib.loads` returns for such a document, and None for anything it does not
recognise whole (other spacing, a float, an inline table, an unknown escape, a key given twice,
...): the caller then parses it with tomllib, which reads it or reports the error as before.
tests/core/files/test_tomlread.py holds the two equal.
"""

from __future__ import annotations

import re
from typing import Any

_BASIC = r'"([^"\\\x00-\x08\x0a-\x1f\x7f]*(?:\\[^\n][^"\\\x00-\x08\x0a-\x1f\x7f]*)*)"'
"""A one-line basic string: no quote, backslash or control character but tab, unless escaped."""
_MULTI = (
    r'"""\n([^"\\\x00-\x08\x0b-\x1f\x7f]*'
    r'(?:(?:\\[^\n]|"(?!""))[^"\\\x00-\x08\x0b-\x1f\x7f]*)*)"""'
)
"""A multi-line basic string: a newline after the opening quotes (which TOML drops), no line-
ending backslash, no quote just before the closing ones (tomlwrite escapes every quote; a hand-
written deck has them unescaped)."""
_LONG_LITERAL = r"'{3}\n([^'\x00-\x08\x0b-\x1f\x7f]*(?:'(?!'')[^'\x00-\x08\x0b-\x1f\x7f]*)*)'{3}"
"""A multi-line literal string (no escapes), the same way."""
_ITEM_TEXT = _BASIC.replace('"(', '"(?:', 1)
"""The same, without its group (inside an array's group)."""
_LINE = re.compile(
    r"(\n)"
    r"|\[\[([A-Za-z0-9_-]+)\]\]\n"
    r"|\[([A-Za-z0-9_-]+)\]\n"
    r"|(#[\t -~]*\n)"
    r"|([A-Za-z0-9_-]+) = (?:"
    rf"{_MULTI}\n"
    rf"|{_BASIC}\n"
    rf"|{_LONG_LITERAL}\n"
    r"|'([^'\x00-\x08\x0a-\x1f\x7f]*)'\n"
    r"|(-?(?:0|[1-9][0-9]{0,17}))\n"
    r"|(true|false)\n"
    rf"|\[\n((?:    {_ITEM_TEXT},\n)*)\]\n"
    rf"|\[((?:{_ITEM_TEXT}(?:, {_ITEM_TEXT})*)?)\]\n"
    r")"
)
"""One line (or a multi-line string or array) of a written document; groups: blank, array
header, table header, comment, key, then the value: multi-line, basic, multi-line literal,
literal, integer, boolean, array items one a line, array items on one line."""
_ITEM = re.compile(_BASIC)
_ESCAPE = re.compile(r"\\(?:([btnfr\"\\])|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_SIMPLE = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


class _NotWritten(Exception):
    """Something loads_written leaves to tomllib."""


def _unescaped(match: re.Match[str]) -> str:
    simple, short, long, other = match.groups()
    if simple is not None:
        return _SIMPLE[simple]
    if other is not None:
        raise _NotWritten
    code = int(short or long, 16)
    if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        raise _NotWritten
    return chr(code)


def _text(value: str) -> str:
    return _ESCAPE.sub(_unescaped, value) if "\\" in value else value


def loads_written(text: str) -> dict[str, Any] | None:
    """`tomllib.loads(text)` for a document of the shape flashprep writes; None for any other
    (a valid one included: only tomllib reads or rejects it then)."""
    try:
        return _loads(text)
    except _NotWritten:
        return None


def _loads(text: str) -> dict[str, Any]:
    text = text.replace("\r\n", "\n")  # as tomllib does
    if text and not text.endswith("\n"):
        text += "\n"
    doc: dict[str, Any] = {}
    arrays: set[str] = set()
    table = doc
    match = _LINE.match
    pos, end = 0, len(text)
    while pos < end:
        found = match(text, pos)
        if found is None:
            raise _NotWritten
        pos = found.end()
        (_, array, header, _, key, multi, basic, long, literal, integer, boolean, items, inline) = (
            found.groups()
        )
        if key is not None:
            if key in table:
                raise _NotWritten
            if multi is not None:
                table[key] = _text(multi)
            elif basic is not None:
                table[key] = _text(basic)
            elif long is not None or literal is not None:
                table[key] = long if literal is None else literal  # no escapes in these
            elif integer is not None:
                table[key] = int(integer)
            elif boolean is not None:
                table[key] = boolean == "true"
            else:
                table[key] = [_text(m) for m in _ITEM.findall(items or inline)]
        elif array is not None:
            if array in doc and array not in arrays:
                raise _NotWritten
            arrays.add(array)
            table = {}
            doc.setdefault(array, []).append(table)
        elif header is not None:
            if header in doc:
                raise _NotWritten
            table = doc[header] = {}
    return doc
