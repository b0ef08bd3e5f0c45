"""Anki field HTML to the Markdown flashprep cards hold.

Styles and scripts are dropped; lists, code, emphasis, tables and line breaks are kept; entities
are decoded. Pictures and sounds cannot be shown in a terminal, so each becomes a visible
placeholder naming its file (`[image: diagram.png]`), and the caller is told which files.

The conversion itself is `html-to-markdown` (a Rust core): an import converts two fields per card,
and a pure-Python converter (markdownify) took 0.5-0.7 ms a field, several seconds for a
5,000-note deck. Text that HTML shows literally but Markdown would read as markup (`*`, `_` at a
word edge, a backquote, a backslash, `<tag>`-like text) is escaped on the way, outside code.
"""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

from html_to_markdown import convert

_IMG = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))[^>]*>", re.I)
_AV = re.compile(
    r"<(audio|video|source)\b[^>]*?\bsrc\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))[^>]*>", re.I
)
_SOUND = re.compile(r"\[sound:([^\]]+)\]")
_HAS_MEDIA = re.compile(r"<(?:img|audio|video|source)\b|\[sound:", re.I)
_CODE_TAG = re.compile(r"<(/?)(pre|code|script|style|kbd|samp)\b", re.I)
_ESCAPABLE = re.compile(
    r"(<!--.*?-->|<[A-Za-z/!?][^>]*>)"  # a tag: kept (and followed, for code)
    r"|[\\*`]"  # backslash, emphasis, code
    r"|(?<![^\W_])_|_(?![^\W_])"  # an underscore at a word edge (inside a word it is text)
    r"|&(?:lt|#0*60|#x0*3c);(?=[A-Za-z/!?])",  # `<tag>`-like text
    re.I | re.S,
)
_NEEDS_ESCAPE = re.compile(r"[\\*`_]|&(?:lt|#0*60|#x0*3c);", re.I)
_TAG = re.compile(r"<!--.*?-->|<[A-Za-z/!?][^>]*>", re.S)
"""The tags `_ESCAPABLE` steps over, alone."""
_ESCAPABLE_TEXT = re.compile(
    r"[\\*`]|(?<![^\W_])_|_(?![^\W_])|&(?:lt|#0*60|#x0*3c);(?=[A-Za-z/!?])", re.I
)
"""What `_ESCAPABLE` marks, for text with its tags replaced by a character that is no word."""
_BLANK_LINES = re.compile(r"\n{3,}")
_HARD_BREAK = re.compile(r"(?<=\S) {2,}\n(?=[ \t\xa0]*\S)")
_TRAILING_SPACES = re.compile(r"[ \t]+\n")
_PLAIN_UNSAFE = re.compile(r"[<&\n\r\t*_`\\]|  |^\s|\s$")

# Private-use characters stand in for escapes while the converter runs, so that it neither
# escapes our backslashes again nor sees them.
_STAR, _UNDER, _TICK, _LT, _BACKSLASH = "\ue000", "\ue001", "\ue002", "\ue003", "\ue004"
_SENTINELS = re.compile("[\ue000-\ue004]")
_SENTINEL_FOR = {"*": _STAR, "_": _UNDER, "`": _TICK, "\\": _BACKSLASH}
_RESTORE = str.maketrans(
    {_STAR: "\\*", _UNDER: "\\_", _TICK: "\\`", _LT: "\\<", _BACKSLASH: "\\\\"}
)


def _media_name(match: re.Match[str]) -> str:
    return unquote(next(g for g in match.groups()[-3:] if g is not None)).strip()


def _placeholders(text: str, media: list[str]) -> str:
    """Pictures, sounds and videos become `[image: name]` / `[audio: name]` / `[video: name]`."""

    def image(match: re.Match[str]) -> str:
        name = _media_name(match)
        media.append(name)
        return html.escape(f"[image: {name}]")

    def av(match: re.Match[str]) -> str:
        name = _media_name(match)
        media.append(name)
        kind = "video" if match.group(1).lower() == "video" else "audio"
        return html.escape(f"[{kind}: {name}]")

    def sound(match: re.Match[str]) -> str:
        name = html.unescape(match.group(1)).strip()
        media.append(name)
        return html.escape(f"[audio: {name}]")

    if not _HAS_MEDIA.search(text):
        return text
    if "<" in text:
        text = _IMG.sub(image, text)
        text = _AV.sub(av, text)
    if "[sound:" in text:
        text = _SOUND.sub(sound, text)
    return text


def _escape_outside_code(source: str) -> tuple[str, bool]:
    """Mark what Markdown would take as syntax in the HTML's text, outside code (one pass);
    and whether anything was marked (the converter's output then has the marks restored)."""
    if not _NEEDS_ESCAPE.search(source):
        return source, False
    # Most fields need no mark (an underscore inside a word, a star in a tag): find that out
    # without a Python call per tag. Tags become NUL, not nothing, so that the characters around
    # a tag look the same to the word-edge rules (`<` and `>` are no word characters either).
    if not _ESCAPABLE_TEXT.search(_TAG.sub("\x00", source)):
        return source, False
    marked = _mark_escapes(source)
    return marked, marked != source


def _mark_escapes(source: str) -> str:
    """The one pass of `_escape_outside_code`, following code tags."""
    depth = 0

    def mark(match: re.Match[str]) -> str:
        nonlocal depth
        tag = match.group(1)
        if tag is not None:
            code = _CODE_TAG.match(tag)
            if code:
                depth = max(0, depth + (-1 if code.group(1) else 1))
            return tag
        if depth:
            return match.group(0)
        return _SENTINEL_FOR.get(match.group(0), _LT)

    return _ESCAPABLE.sub(mark, source)


def _tidy(markdown: str) -> str:
    """Backslash line breaks (trailing spaces vanish in editors); at most one blank line.

    A break before a blank line ends the paragraph anyway, so it is dropped, not kept as `\\`.
    """
    if "  \n" in markdown:
        if "```" not in markdown and "~~~" not in markdown:
            markdown = _HARD_BREAK.sub(lambda _: "\\\n", markdown)
            markdown = _TRAILING_SPACES.sub("\n", markdown)
        else:
            lines = markdown.split("\n")
            fenced = False
            for i, line in enumerate(lines[:-1]):
                if line.lstrip().startswith(("```", "~~~")):
                    fenced = not fenced
                elif not fenced and line.endswith("  "):
                    after = lines[i + 1].strip()
                    keep = line.strip() and after and not after.startswith(("```", "~~~"))
                    lines[i] = line.rstrip(" ") + ("\\" if keep else "")
            markdown = "\n".join(lines)
    return _BLANK_LINES.sub("\n\n", markdown).strip()


def html_to_markdown(source: str, media: list[str] | None = None) -> str:
    """One field (or rendered card side) as Markdown; media file names are added to `media`."""
    found: list[str] = [] if media is None else media
    source = _placeholders(source, found)
    if not _PLAIN_UNSAFE.search(source):
        return source
    if _SENTINELS.search(source):
        source = _SENTINELS.sub("", source)
    escaped, marked = _escape_outside_code(source)
    result = convert(escaped).content or ""
    return _tidy(result.translate(_RESTORE) if marked else result)


def looks_like_html(text: str) -> bool:
    """Whether text from a file with no `#html` header holds HTML (Anki guesses the same way)."""
    return bool(re.search(r"<[A-Za-z/][^>]*>|&(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);", text))
