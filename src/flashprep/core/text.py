"""Text from files is untrusted: strip what a terminal would interpret (escape sequences, controls).

Markup is a separate matter: the TUI never parses card or deck text as Textual/Rich markup
(`markup=False`, `rich.text.Text`); `clean` only deals with what the terminal itself would act on.
Every path to the terminal goes through here: `clean`/`one_line` for text shown as text,
`dumps_json` for the `--json` output of the commands.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, cast

_STRING_BODY = r"[^\x07\x1b\x9c\n]*"
"""The body of a control string: up to its terminator, the next escape, or the line's end."""

_SEQUENCES = re.compile(
    # OSC, DCS, SOS, PM, APC strings, removed with their body (a terminal would swallow it);
    # the 7-bit ones even unterminated, the 8-bit ones only when terminated (a lone C1 byte is
    # more often mis-decoded text than an attack, and is shown as \x9d below)
    rf"\x1b[\]PX^_]{_STRING_BODY}(?:\x07|\x1b\\|\x9c)?"
    rf"|[\x90\x98\x9d\x9e\x9f]{_STRING_BODY}(?:\x07|\x1b\\|\x9c)"
    # CSI (7-bit ESC [ and 8-bit \x9b): parameters, intermediates, a final byte
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    # any other escape: intermediates, then a final byte (ESC ( B, ESC 7, ESC c, ESC [ cut short)
    r"|\x1b[ -/]*[0-~]"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""C0 controls but tab and line feed (a CR is a line end, see `lf`), DEL, C1 controls: shown as
\\xNN. What is left of an escape sequence (a lone ESC) is among them."""

_INVISIBLE_CHARS = (
    "\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2028\u2029\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb\ud800-\udfff"
)
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")
"""Bidirectional marks, overrides and isolates (they reorder what follows them), zero-width and
other invisible format characters, the Unicode line and paragraph separators, and lone surrogates
(they cannot even be printed): shown as \\uXXXX so text cannot disguise itself. Zero-width
joiners (U+200C, U+200D) stay: scripts and emoji need them."""

_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{_INVISIBLE_CHARS}]")
"""What json.dumps(ensure_ascii=False) leaves raw that a terminal could act on (it escapes C0)."""


def lf(text: str) -> str:
    """Line ends as LF: CR LF (Windows) and a lone CR (old Macs) each become one LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: str) -> str:
    """Remove terminal escape sequences; show other control and invisible characters as \\x.. or
    \\u....; keep tabs and line ends (as LF). Idempotent: cleaning clean text changes nothing."""
    if text.isprintable():  # the common case (one line of plain text): nothing to do
        return text
    text = lf(_SEQUENCES.sub("", text))
    text = _CONTROLS.sub(_visible, text)
    return _INVISIBLE.sub(_visible, text)


def one_line(text: str) -> str:
    """`clean`, with line breaks shown as \\n: for one-line messages (errors, notifications)."""
    return clean(text).replace("\n", "\\n")


def dumps_json(data: object) -> str:
    """JSON for a terminal or a script: the text exact (escaped, not cleaned), but DEL, C1 and
    invisible characters written as \\uXXXX, as json writes C0 controls."""
    try:
        dumped = _indented(data, 0)
    except (_Unusual, RecursionError):
        dumped = json.dumps(data, indent=2, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)


_SCALARS = frozenset({str, int, float, bool, type(None)})
_KEYS = frozenset({str})


class _Unusual(Exception):
    """Something `_indented` leaves to json.dumps (keys not strings, other types)."""


_flat: dict[int, Callable[[object], str]] = {}
_c_encoder: Any = getattr(json.encoder, "c_make_encoder", None)


def _flat_encoder(separator: str) -> Callable[[object], str]:
    """Plain values in a list or dict encoded as json.dumps does, `separator` between items."""
    if _c_encoder is None:
        return json.JSONEncoder(ensure_ascii=False, separators=(separator, ": ")).encode
    chunks = _c_encoder(
        None, None, json.encoder.encode_basestring, None, ": ", separator, False, False, True
    )
    return lambda data: "".join(chunks(data, 0))


def _indented(data: object, level: int) -> str:
    """`json.dumps(data, indent=2, ensure_ascii=False)`, the same text, at a tenth of its time
    for the statistics' thousands of rows: with an indent json encodes in Python, without one
    in C. A list or dict of plain values (a row) is encoded in C, its items separated by the
    line end and indent an indented dump puts between them (an encoded string holds no line
    end); only the containers around the rows are put together here."""
    if type(data) is dict:
        if not data:
            return "{}"
        values: Any = data.values()
        if not set(map(type, data)) <= _KEYS:
            raise _Unusual
        opening, closing = "{", "}"
    elif type(data) is list or type(data) is tuple:
        if not data:
            return "[]"
        values = data
        opening, closing = "[", "]"
    elif type(data) in _SCALARS:
        return json.dumps(data, ensure_ascii=False)
    else:
        raise _Unusual
    inner = "\n" + "  " * (level + 1)
    if set(map(type, values)) <= _SCALARS:
        encode = _flat.get(level)
        if encode is None:
            encode = _flat[level] = _flat_encoder("," + inner)
        body = encode(data)[1:-1]
    elif opening == "{":
        items = cast(dict[str, Any], data).items()
        body = ("," + inner).join(
            f"{json.dumps(key, ensure_ascii=False)}: {_indented(value, level + 1)}"
            for key, value in items
        )
    else:
        body = ("," + inner).join(_indented(value, level + 1) for value in values)
    return f"{opening}{inner}{body}\n{'  ' * level}{closing}"
