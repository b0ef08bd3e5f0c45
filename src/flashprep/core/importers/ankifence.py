"""Fenced code blocks after conversion: their language, where the code makes it obvious.

A block from `<pre>` or from code lines (ankicode) carries no language; a fence that names one
gets colours in the card viewer. A wrong name colours the code wrongly, no name shows it plainly:
so a language is named only when one of a few plain marks is in the code, and one only.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^(`{3,}|~{3,})(.*)$")
_LANGUAGES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "python",
        re.compile(r"^[ \t]*(?:def \w+\([^)\n]*\)[^:\n]*|class \w+(?:\([^)\n]*\))?):[ \t]*$", re.M),
    ),
    (
        "java",
        re.compile(r"\bSystem\.out\.print|^[ \t]*public (?:static )?(?:final )?class \w", re.M),
    ),
    ("go", re.compile(r"^package \w+[ \t]*$|^func (?:\([^)\n]*\) )?\w+\([^\n]*\{[ \t]*$", re.M)),
    (
        "javascript",
        re.compile(r"\bconsole\.log\(|^[ \t]*function \w*[ \t]*\([^\n]*\{[ \t]*$", re.M),
    ),
    ("cpp", re.compile(r"^#include[ \t]*<\w+>(?=.*\bstd::)", re.M | re.S)),
    ("sql", re.compile(r"^[ \t]*SELECT\b(?=.*\bFROM\b)", re.M | re.S)),
    ("bash", re.compile(r"\A#!/(?:usr/)?bin/(?:env )?(?:ba)?sh\b")),
)
"""A language is named only when one of these marks is plain in the code; otherwise the fence
has none (a wrong name colours the code wrongly, no name shows it plainly)."""


def guess_language(code: str) -> str:
    """The language the code is obviously in, or ""."""
    found = [name for name, mark in _LANGUAGES if mark.search(code)]
    return found[0] if len(found) == 1 else ""


def finish_fences(markdown: str) -> str:
    """Fenced blocks: no-break spaces as spaces (code indents with spaces), and a language named
    where `guess_language` finds one and the block has none."""
    lines = markdown.split("\n")
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        fence = opening.group(1)
        j = i + 1
        while j < len(lines) and not (
            lines[j].startswith(fence[0] * len(fence)) and not lines[j].strip(fence[0])
        ):
            lines[j] = lines[j].replace("\xa0", " ")
            j += 1
        if not opening.group(2).strip():
            language = guess_language("\n".join(lines[i + 1 : j]))
            if language:
                lines[i] = fence + language
        i = j + 1
    return "\n".join(lines)
