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
from collections.abc import Iterable
from urllib.parse import unquote

from html_to_markdown import convert

_IMG = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))[^>]*>", re.I)
_AV = re.compile(
    r"<(audio|video|source)\b[^>]*?\bsrc\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))[^>]*>", re.I
)
_SOUND = re.compile(r"\[sound:([^\]]+)\]")
_MEDIA_TAG = re.compile(r"<(?:img|audio|video|source)\b", re.I)
_CODE_TAG = re.compile(r"<(/?)(pre|code|script|style|kbd|samp)\b", re.I)
_ESCAPABLE = re.compile(
    r"(<!--.*?-->|<[A-Za-z/!?][^>]*>)"  # a tag: kept (and followed, for code)
    r"|[\\*`]"  # backslash, emphasis, code
    r"|(?<![^\W_])_|_(?![^\W_])"  # an underscore at a word edge (inside a word it is text)
    r"|&(?:lt|#0*60|#x0*3c);(?=[A-Za-z/!?])",  # `<tag>`-like text
    re.I | re.S,
)
_TAG = re.compile(r"<!--.*?-->|<[A-Za-z/!?][^>]*>", re.S)
"""The tags `_ESCAPABLE` steps over, alone."""
_EDGE_UNDERSCORE = re.compile(r"_(?:(?![^\W_])|(?<![^\W_]_))")
"""An underscore with no letter or digit after it, or none before it (`_ESCAPABLE`'s rule, the
underscore first: the regex engine then jumps from underscore to underscore)."""
_LT_BEFORE_TAG = re.compile(r"&(?:lt|#0*60|#x0*3c);(?=[A-Za-z/!?])", re.I)
"""With a backslash, star or backquote: what `_ESCAPABLE` marks outside tags (see
`_has_escapable_text`)."""
_BLANK_LINES = re.compile(r"\n{3,}")
_HARD_BREAK = re.compile(r" {2,}\n(?=[ \t\xa0]*\S)")
"""Spaces that end a line followed by text: a hard break when text precedes them too (checked by
`_hard_break`; a look-behind here would be tried at every position, several times slower)."""
_TRAILING_SPACES = re.compile(r"[ \t]+\n")
_PLAIN_UNSAFE = re.compile(r"[<&\n\r\t*_`\\]|  ")
"""What makes a field more than plain text (with a space at either end: see `_is_plain`)."""

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


def _has_media(text: str) -> bool:
    """Whether text names a picture, sound or video (substring tests before the regex)."""
    return "[sound:" in text or ("<" in text and _MEDIA_TAG.search(text) is not None)


def _placeholders(text: str, media: list[str]) -> str:
    """Pictures, sounds and videos become `[image: name]` / `[audio: name]` / `[video: name]`."""
    if not _has_media(text):
        return text  # the usual case: checked before the replacements below are made

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

    if "<" in text:
        text = _IMG.sub(image, text)
        text = _AV.sub(av, text)
    if "[sound:" in text:
        text = _SOUND.sub(sound, text)
    return text


def _escape_outside_code(source: str) -> tuple[str, bool]:
    """Mark what Markdown would take as syntax in the HTML's text, outside code (one pass);
    and whether anything was marked (the converter's output then has the marks restored)."""
    # Most fields need no mark (an underscore inside a word, a star in a tag): find that out
    # without a Python call per tag. Tags become NUL, not nothing, so that the characters around
    # a tag look the same to the word-edge rules (`<` and `>` are no word characters either).
    # Whatever the tests find in the text between tags, they find in the field as it is too: so
    # a field in which they find nothing needs no mark, and its tags need not be replaced.
    if not _has_escapable_text(source) or not _has_escapable_text(_TAG.sub("\x00", source)):
        return source, False
    marked = _mark_escapes(source)
    return marked, marked != source


def _has_escapable_text(text: str) -> bool:
    """Whether text (its tags replaced) holds anything `_ESCAPABLE` marks; substring tests first,
    since most fields hold an underscore inside a word and nothing else."""
    return (
        "\\" in text
        or "*" in text
        or "`" in text
        or ("_" in text and _EDGE_UNDERSCORE.search(text) is not None)
        or ("&" in text and _LT_BEFORE_TAG.search(text) is not None)
    )


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


def _hard_break(match: re.Match[str]) -> str:
    """A `_HARD_BREAK` after text becomes a backslash break; after a space or at the start, the
    spaces stay (and go with the other trailing spaces)."""
    start = match.start()
    if start and not match.string[start - 1].isspace():
        return "\\\n"
    return match.group(0)


def _tidy(markdown: str) -> str:
    """Backslash line breaks (trailing spaces vanish in editors); at most one blank line.

    A break before a blank line ends the paragraph anyway, so it is dropped, not kept as `\\`.
    """
    if "  \n" in markdown:
        if "```" not in markdown and "~~~" not in markdown:
            markdown = _HARD_BREAK.sub(_hard_break, markdown)
            if " \n" in markdown or "\t\n" in markdown:
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
    if "\n\n\n" in markdown:
        markdown = _BLANK_LINES.sub("\n\n", markdown)
    return markdown.strip()


def _is_plain(text: str) -> bool:
    """Text the converter would give back as it is: no markup, entity, escape or line break, no
    double space, no space at either end."""
    return _PLAIN_UNSAFE.search(text) is None and not (
        text and (text[0].isspace() or text[-1].isspace())
    )


def _prepare(source: str, media: list[str]) -> tuple[str, bool | None]:
    """A field ready for the converter, and whether escapes were marked in it (None: the field
    is plain text that needs no conversion, and is the result as it is)."""
    source = _placeholders(source, media)
    if _is_plain(source):
        return source, None
    if not source.isascii() and _SENTINELS.search(source):
        source = _SENTINELS.sub("", source)
    return _escape_outside_code(source)


def convert_fields(sources: Iterable[str]) -> list[tuple[str, list[str]]]:
    """Many fields (or rendered card sides) as Markdown, each with the media files it names.

    In three passes: prepare every field, convert them all, tidy the results. The converter runs
    markedly faster called in one tight loop than between Python's other work.
    """
    prepared: list[tuple[str, bool | None, list[str]]] = []
    for source in sources:
        media: list[str] = []
        text, marked = _prepare(source, media)
        prepared.append((text, marked, media))
    converted = [
        text if marked is None else convert(text).content or "" for text, marked, _media in prepared
    ]
    out: list[tuple[str, list[str]]] = []
    for (_text, marked, media), result in zip(prepared, converted, strict=True):
        if marked is not None:
            result = _tidy(result.translate(_RESTORE) if marked else result)
        out.append((result, media))
    return out


def html_to_markdown(source: str, media: list[str] | None = None) -> str:
    """One field (or rendered card side) as Markdown; media file names are added to `media`."""
    ((text, found),) = convert_fields((source,))
    if media is not None:
        media.extend(found)
    return text


def looks_like_html(text: str) -> bool:
    """Whether text from a file with no `#html` header holds HTML (Anki guesses the same way)."""
    return bool(re.search(r"<[A-Za-z/][^>]*>|&(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);", text))
