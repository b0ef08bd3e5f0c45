"""Anki field HTML to the Markdown flashprep cards hold.

Styles and scripts are dropped; lists, code, emphasis, tables and line breaks are kept; entities
are decoded. Pictures and sounds cannot be shown in a terminal, so each becomes a visible
placeholder naming its file (`[image: diagram.png]`), and the caller is told which files.

The conversion itself is `html-to-markdown` (a Rust core): an import converts two fields per card,
and a pure-Python converter (markdownify) took 0.5-0.7 ms a field, several seconds for a
5,000-note deck. Text that HTML shows literally but Markdown would read as markup (`*`, `_` at a
word edge, a backquote, a backslash, `<tag>`-like text) is escaped on the way, outside code.

Steps by hand around it, each for what none of its options does (checked against 3.21):
- links whose text would show their address twice, or nothing (`_link`): the converter writes
  `<a href=U>U</a>` as `<U>`, fills a link without text (an anchor icon) with its address, and a
  card viewer prints a link as `text (address)`;
- lists nested as Anki's editor writes them, after an item instead of in it (`_nested_lists`):
  the converter makes them siblings;
- code lines and indentation (`ankicode`): the converter, like a browser, drops white space at a
  line's start and has no idea of a line of code outside `<pre>`;
- zero-width characters (`remove_zero_width`): the converter keeps them, and a terminal shows
  them (core/text.py makes them visible as `\u200b`);
- after conversion, fenced blocks get no-break spaces as spaces and, where obvious, a language
  (`ankifence`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from urllib.parse import unquote

from html_to_markdown import convert

from flashprep.core.importers.ankicode import INDENT, rewrite
from flashprep.core.importers.ankifence import finish_fences

_IMG = re.compile(r"<img\b[^<>]*?\bsrc\s*=\s*(?:\"([^\"<]*)\"|'([^'<]*)'|([^\s<>]+))[^<>]*>", re.I)
_AV = re.compile(
    r"<(audio|video|source)\b[^<>]*?\bsrc\s*=\s*(?:\"([^\"<]*)\"|'([^'<]*)'|([^\s<>]+))[^<>]*>",
    re.I,
)
"""A media tag and its `src`. No part of a match crosses a `<`: a field of unclosed tags is read
in one pass, not once per tag to its end (`<img ` 20,000 times took minutes)."""
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
_SENTINELS = re.compile("[\ue000-\ue005]")
"""The escapes' stand-ins and ankicode's INDENT: removed from a field before they are used."""
_SENTINEL_FOR = {"*": _STAR, "_": _UNDER, "`": _TICK, "\\": _BACKSLASH}
_RESTORE = str.maketrans(
    {_STAR: "\\*", _UNDER: "\\_", _TICK: "\\`", _LT: "\\<", _BACKSLASH: "\\\\"}
)


_ZERO_WIDTH_ENTITY = re.compile(
    r"&(?:#0*(8203|8204|8205|65279)|#x0*(200b|200c|200d|feff)|(ZeroWidthSpace|zwnj|zwj));", re.I
)
_ENTITY_CHAR = {"zerowidthspace": "\u200b", "zwnj": "\u200c", "zwj": "\u200d"}
_ZERO_WIDTH = re.compile(
    r"[\u200b\ufeff]|[\u200c\u200d](?![^\x00-\x7f\s])|(?<![^\x00-\x7f\s])[\u200c\u200d]"
)
"""Zero-width spaces and byte-order marks, and zero-width (non-)joiners that do not sit between
two letters or symbols beyond ASCII: scripts and emoji need those (core/text.py keeps them too),
anything else is invisible debris of pasting (the spacers of Apple's editors)."""


def _zero_width_char(match: re.Match[str]) -> str:
    number, hexadecimal, name = match.groups()
    if name:
        return _ENTITY_CHAR[name.lower()]
    return chr(int(number) if number else int(hexadecimal, 16))


def remove_zero_width(text: str) -> str:
    """Text without zero-width characters (entities too), but the joiners scripts need."""
    if "&" in text and ("&#" in text or "&z" in text or "&Z" in text):
        text = _ZERO_WIDTH_ENTITY.sub(_zero_width_char, text)
    if text.isascii():
        return text
    return _ZERO_WIDTH.sub("", text)


_LINK = re.compile(r"<a\b((?:[^<>\"']|\"[^<\"]*\"|'[^<']*')*)>((?:[^<]|<(?!/?a\b))*)</a\s*>", re.I)
"""A link and its content, which holds no other link (each match stops at the next `<a`: a
field of unclosed links is read in one pass, not once per link)."""
_HREF = re.compile(r"\bhref\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))", re.I)
_URL_PREFIX = re.compile(r"^(?:[a-z][a-z0-9+.-]*:(?://)?)?(?:www\.)?", re.I)


def _same_place(address: str) -> str:
    """An address as a link's text would spell it: no scheme, `www.` or closing slash."""
    return _URL_PREFIX.sub("", address.strip()).rstrip("/").lower()


def _link(match: re.Match[str]) -> str:
    """A link whose text would show its address twice, or nothing, loses its `<a>`.

    The converter writes `<a href=U>U</a>` as `<U>` and fills an empty link (a heading's anchor
    icon) with its address; a viewer then shows `U (U)`. So: no text (an icon) → nothing; the
    text is, or names, the address (also an image placeholder naming it) → the text alone; no
    address outside the page (`#x`, none) → the text alone. Other links stay: text, then URL.
    """
    inner = match.group(2)
    href = _HREF.search(match.group(1))
    address = html.unescape(next((g for g in href.groups() if g is not None), "")) if href else ""
    text = " ".join(remove_zero_width(html.unescape(_TAG.sub("", inner))).split())
    if not text:
        return ""
    place = _same_place(address)
    if not place or address.lstrip().startswith("#") or place in _same_place(text):
        return inner
    return match.group(0)


def _links(text: str) -> str:
    if "<a" not in text and "<A" not in text:
        return text
    return _LINK.sub(_link, text)


_LIST_AFTER_ITEM = re.compile(r"</li\s*>(\s*)(?=<(?:ul|ol)\b)", re.I)
"""Anki's editor indents a list item by putting a list after it, not in it
(`<li>a</li><ul>...</ul>`); a browser draws it nested, the converter as a sibling. Moving it
into the item (dropping the `</li>`) keeps the nesting."""


def _nested_lists(text: str) -> str:
    if "</li" not in text and "</LI" not in text:
        return text
    return _LIST_AFTER_ITEM.sub(r"\1", text)


def _media_name(match: re.Match[str]) -> tuple[str, bool]:
    """The file a media tag names, and whether it is a file (a `data:` address holds the
    picture itself, which is no file to name: it is called what it is)."""
    name = unquote(next(g for g in match.groups()[-3:] if g is not None)).strip()
    if name[:5].lower() == "data:":
        return "embedded " + (name[5:].split(";", 1)[0].split(",", 1)[0] or "file"), False
    return name, True


def _has_media(text: str) -> bool:
    """Whether text names a picture, sound or video (substring tests before the regex)."""
    return "[sound:" in text or ("<" in text and _MEDIA_TAG.search(text) is not None)


def _placeholders(text: str, media: list[str]) -> str:
    """Pictures, sounds and videos become `[image: name]` / `[audio: name]` / `[video: name]`."""
    if not _has_media(text):
        return text  # the usual case: checked before the replacements below are made

    def image(match: re.Match[str]) -> str:
        name, is_file = _media_name(match)
        if is_file:
            media.append(name)
        return html.escape(f"[image: {name}]")

    def av(match: re.Match[str]) -> str:
        name, is_file = _media_name(match)
        if is_file:
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
    if not source.isascii() and _SENTINELS.search(source):
        source = _SENTINELS.sub("", source)
    source = _nested_lists(_links(_placeholders(source, media)))
    source = remove_zero_width(rewrite(source))
    if _is_plain(source):
        return source, None
    return _escape_outside_code(source)


def _finish(markdown: str) -> str:
    """After `_tidy`: code fences finished (ankicode), indentation as no-break spaces."""
    if "```" in markdown or "~~~" in markdown:
        markdown = finish_fences(markdown)
    if INDENT in markdown:
        markdown = markdown.replace(INDENT, "\xa0")
    return markdown


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
            result = _finish(_tidy(result.translate(_RESTORE) if marked else result))
        elif INDENT in result:
            result = result.replace(INDENT, "\xa0")
        out.append((result, media))
    return out


def html_to_markdown(source: str, media: list[str] | None = None) -> str:
    """One field (or rendered card side) as Markdown; media file names are added to `media`."""
    ((text, found),) = convert_fields((source,))
    if media is not None:
        media.extend(found)
    return text


_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)


def _listed(names: list[str]) -> str:
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    return ", ".join(names[:5]) + more


def media_warnings(named: Iterable[str], in_package: Iterable[str]) -> list[str]:
    """The import warnings about the media the cards name (placeholders in the text): files the
    package holds, files it lacks, and pictures on the web (named by their address), apart."""
    files = set(in_package)
    remote: list[str] = []
    present: list[str] = []
    missing: list[str] = []
    for name in sorted(set(named)):
        kind = remote if _REMOTE.match(name) else present if name in files else missing
        kind.append(name)
    warnings = []
    if present:
        many = "s" if len(present) > 1 else ""
        warnings.append(
            f"{len(present)} media file{many} cannot be shown in a terminal; the cards name "
            f"{'them' if many else 'it'} instead: {_listed(present)}"
        )
    if missing:
        many = "s" if len(missing) > 1 else ""
        warnings.append(
            f"{len(missing)} media file{many} missing from the package: {_listed(missing)}"
        )
    if remote:
        many = "s" if len(remote) > 1 else ""
        shown = "as links" if many else "as a link"
        warnings.append(f"{len(remote)} remote image{many} shown {shown}: {_listed(remote)}")
    return warnings


def looks_like_html(text: str) -> bool:
    """Whether text from a file with no `#html` header holds HTML (Anki guesses the same way)."""
    return bool(re.search(r"<[A-Za-z/][^>]*>|&(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);", text))
