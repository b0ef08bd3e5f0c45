"""Card text is user data: strip what a terminal would interpret (escape sequences, controls).

Markup is a separate matter: the TUI never parses card or deck text as Textual/Rich markup
(`markup=False`, `rich.text.Text`); `clean` only deals with what the terminal itself would act on.
"""

from __future__ import annotations

import re

_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f]")
_INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u2028\u2029]")
"""Bidirectional overrides and isolates (they reorder what follows them) and the Unicode line and
paragraph separators: shown as escapes so text cannot disguise itself."""


def lf(text: str) -> str:
    """Line ends as LF: CR LF (Windows) and a lone CR (old Macs) each become one LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def clean(text: str) -> str:
    """Remove terminal escape sequences; show other control characters as visible symbols."""
    text = lf(_ANSI.sub("", text))
    text = _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def one_line(text: str) -> str:
    """`clean`, with line breaks shown as \\n: for one-line messages (errors, notifications)."""
    return clean(text).replace("\n", "\\n")
