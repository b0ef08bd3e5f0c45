"""Code and indentation in Anki HTML, read as the lines a browser draws, before conversion.

Code pasted into Anki from Apple's or Word's editors is one `<p>` per line, indented with
`&nbsp; &nbsp; `, with `\\u200b` spacer paragraphs between methods and keywords in `<b>`; other
code is in monospace fonts, or `<code>` on each line. html-to-markdown, like a browser, collapses
white space at a line start and makes each `<p>` a paragraph: the code would come out flat, with
blank lines between its lines and `**def**` for the keywords. It has no option to keep leading
white space or to find code by its font. So this module reads the field as lines first
(`<p>`, `<div>` and `<br>` end one) and

- rewrites each run of code lines (every line in a monospace font; or indented lines that look
  like code) as one `<pre><code>` block holding the text alone, which the converter keeps as a
  fenced block;
- marks the indentation of other lines (`INDENT`, one per column), which the caller turns into
  no-break spaces after conversion (Markdown keeps those; it drops leading spaces).

After conversion, `ankifence.finish_fences` names a block's language where it is obvious.
"""

from __future__ import annotations

import html
import re
import textwrap
from typing import NamedTuple

INDENT = "\ue005"
"""One column of a line's indentation, while the converter runs (a private-use character: the
converter keeps it; leading spaces it would drop)."""

_TOKEN = re.compile(
    r"<!--.*?(?:-->|\Z)"
    r"|<(/?)([A-Za-z][A-Za-z0-9:-]*)((?:[^<>\"']|\"[^<\"]*\"|'[^<']*')*)>"
    r"|<|[^<]+",
    re.S,
)
_ATTRIBUTE = re.compile(r"\b(face|style|class)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))", re.I)
_MONO_FONT = re.compile(
    r"monospace|\bmono\b|courier|menlo|monaco|consolas|lucida console|inconsolata|source code",
    re.I,
)
_CSS_CLASS = re.compile(r"\.([\w-]+)")
_STYLE_BLOCK = re.compile(r"<style\b[^>]*>(.*?)(?:</style\s*>|\Z)", re.I | re.S)


def _tags(names: str) -> frozenset[str]:
    return frozenset(names.split())


_LINE_TAGS = _tags("p div br")
"""Tags that end a line and may sit inside a run of code lines."""
_BLOCK_TAGS = _tags(
    "li ul ol dl dt dd h1 h2 h3 h4 h5 h6 pre table thead tbody tfoot tr td th caption blockquote "
    "hr figure figcaption section article header footer nav aside details summary address center "
    "main form fieldset"
)
"""Tags that end a line and a run: what is around them is not one piece of code."""
_NO_CODE = _tags("li dt dd h1 h2 h3 h4 h5 h6 pre td th caption blockquote")
"""Inside these a line is left to the converter (lists, tables, headings, and `<pre>`, which it
already keeps as code)."""
_HIDDEN = _tags("style script template head title")
_VOID = _tags("br hr img input meta link wbr col area base embed source track param")
_MONO_TAGS = frozenset({"code", "tt", "kbd", "samp"})

_SPACE_ENTITY = re.compile(r"&(?:#0*160|#x0*a0|#0*8203|#x0*200b|ZeroWidthSpace);", re.I)
_MONO_AT_LINE_START = re.compile(
    r"(?:^|<br\s*/?>|<(?:div|p)\b[^<>]*>)(?:\s*<(?:span|font|b|i|strong|em)\b[^<>]*>)*\s*"
    r"<(?:code|tt|kbd|samp)\b",
    re.I,
)


def _worth_reading(source: str) -> bool:
    """Whether any line of the field can be code or indented: it holds a no-break space, tab,
    spacer or double space, a font, or a monospace tag at a line's start. Most fields hold none
    of these and are not read line by line (substring tests first: this runs on every field)."""
    if "&nbsp;" in source or "\t" in source or "  " in source:
        return True
    if not source.isascii() and ("\xa0" in source or "\u200b" in source or "\ufeff" in source):
        return True
    if ("&#" in source or "&Z" in source or "&z" in source) and _SPACE_ENTITY.search(source):
        return True
    if "<" not in source:
        return False
    lowered = source.lower()
    if "font" in lowered or "face" in lowered or "<style" in lowered:
        return True
    return any(tag in lowered for tag in ("<code", "<tt", "<kbd", "<samp")) and bool(
        _MONO_AT_LINE_START.search(source)
    )


_ZERO_WIDTH = "\u200b\u200c\u200d\ufeff"
_BLANKS = " \t\r\n\xa0" + _ZERO_WIDTH
_KEYWORD = re.compile(
    r"(?:def|class|return|if|elif|else|for|while|try|except|finally|with|import|from|pass|break"
    r"|continue|raise|yield|lambda|async|await|public|private|protected|static|void|int|long"
    r"|char|bool|boolean|double|float|var|let|const|function|func|fn|package|switch|case"
    r"|default|struct|impl|namespace|using|typedef|end|do|then|fi|echo|print|println|printf"
    r"|SELECT|INSERT|UPDATE|DELETE|FROM|WHERE|CREATE|JOIN|GROUP BY|ORDER BY)\b"
    r"|#include\b|#define\b"
)
_CODE_MARK = re.compile(
    r"\w\(|[-+*/%&|^=!<>]=|->|=>|::|\+\+|--|&&|\|\||^//|^#|/\*|\w\[|\s=\s|\w=\w|\w\.\w+\("
    r"|^[{}()\[\]]+;?$"
)
_PROSE_END = re.compile(r"(?<!\.)[.?!][\"')\]]*$")
_CODE_PUNCTUATION = re.compile(r"[=;{}]")
_COMMENT = ("#", "//", "/*", "*", "--", ";")
_LABEL = re.compile(r"[A-Z][a-z]*(?: [A-Za-z][a-z]*){0,3}: ")


class _Line(NamedTuple):
    start: int
    """Where the line's content starts in the source (after the tag that began it)."""
    end: int
    text: str
    """The text a browser shows, decoded (with the no-break spaces and zero-width characters)."""
    mono: bool
    """All its visible text is in a monospace font or tag."""
    open: bool
    """Not inside a list, table, heading, quote or `<pre>`: it may be part of a code run."""
    after_block: bool
    """A block tag (list, table, heading, ...) came between it and the line before."""
    lead: tuple[tuple[int, int, str], ...]
    """The text pieces (start, end, decoded) up to its first visible character."""


def rewrite(source: str) -> str:
    """The field with its runs of code lines as `<pre><code>` blocks and the indentation of its
    other lines marked with `INDENT`; unchanged if it holds nothing that could be either."""
    if not _worth_reading(source):
        return source
    lines = _read_lines(source)
    edits: list[tuple[int, int, str]] = []
    taken: set[int] = set()
    for first, last in _code_runs(lines):
        code = _escape(_code_text(lines[first : last + 1]))
        edits.append((lines[first].start, lines[last].end, f"<pre><code>{code}</code></pre>"))
        taken.update(range(first, last + 1))
    for i, line in enumerate(lines):
        if i not in taken and line.open:
            edits.extend(_indent_edits(line))
    if not edits:
        return source
    edits.sort()
    out: list[str] = []
    at = 0
    for start, end, text in edits:
        out.append(source[at:start])
        out.append(text)
        at = end
    out.append(source[at:])
    return "".join(out)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _mono_classes(source: str) -> frozenset[str]:
    """Classes an embedded style sheet gives a monospace font (`p.p1 {font: 12px Menlo}`, as
    Apple's editors paste them)."""
    classes: set[str] = set()
    for block in _STYLE_BLOCK.findall(source):
        for rule in block.split("}"):  # (a regex for `a {b}` would be quadratic without braces)
            selectors, _brace, declarations = rule.partition("{")
            if _MONO_FONT.search(declarations):
                classes.update(_CSS_CLASS.findall(selectors))
    return frozenset(classes)


def _is_mono(name: str, attributes: str, classes: frozenset[str]) -> bool:
    if name in _MONO_TAGS:
        return True
    if not attributes:
        return False
    for match in _ATTRIBUTE.finditer(attributes):
        key = match.group(1).lower()
        value = next((v for v in match.groups()[1:] if v is not None), "")
        if key == "class":
            if classes and not classes.isdisjoint(value.split()):
                return True
        elif (key == "face" or "font" in value.lower()) and _MONO_FONT.search(value):
            return True
    return False


class _Reader:
    """One pass over the tags and text of a field, collecting its lines."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.classes = _mono_classes(source) if "<style" in source.lower() else frozenset()
        self.lines: list[_Line] = []
        self.stack: list[tuple[str, bool]] = []
        self.mono_depth = 0
        self.closed_depth = 0
        self.start = 0
        self.parts: list[str] = []
        self.lead: list[tuple[int, int, str]] = []
        self.visible = False
        self.content = False
        self.all_mono = True
        self.open = True
        self.block_before = False

    def text(self, start: int, end: int, raw: str) -> None:
        decoded = html.unescape(raw) if "&" in raw else raw
        self.parts.append(decoded)
        if self.closed_depth:
            self.open = False
        shown = decoded.strip(_BLANKS)
        if not self.visible:
            self.lead.append((start, end, decoded))
        if shown:
            self.visible = True
            if not self.mono_depth:
                self.all_mono = False
        if decoded.strip(" \t\r\n"):  # even a no-break space or spacer: a line, if blank
            self.content = True

    def end_line(self, at: int, new_start: int, forced: bool, block: bool) -> None:
        if forced or self.content:
            self.lines.append(
                _Line(
                    self.start,
                    at,
                    "".join(self.parts),
                    self.visible and self.all_mono,
                    self.open and not self.closed_depth,
                    self.block_before,
                    tuple(self.lead),
                )
            )
            self.block_before = False
        self.block_before = self.block_before or block
        self.start = new_start
        self.parts = []
        self.lead = []
        self.visible = False
        self.content = False
        self.all_mono = True
        self.open = True

    def tag(self, closing: bool, name: str, attributes: str) -> None:
        if closing:  # up to a few levels down: a stray closing tag costs no search of them all
            for i in range(len(self.stack) - 1, max(-1, len(self.stack) - 65), -1):
                if self.stack[i][0] == name:
                    for popped, mono in self.stack[i:]:
                        self.mono_depth -= mono
                        self.closed_depth -= popped in _NO_CODE
                    del self.stack[i:]
                    break
        elif name not in _VOID and not attributes.rstrip().endswith("/"):
            mono = _is_mono(name, attributes, self.classes)
            self.stack.append((name, mono))
            self.mono_depth += mono
            self.closed_depth += name in _NO_CODE


def _read_lines(source: str) -> list[_Line]:
    reader = _Reader(source)
    pos = 0
    length = len(source)
    while pos < length:
        match = _TOKEN.match(source, pos)
        assert match is not None  # `<` and `[^<]+` match anything
        pos = match.end()
        name = match.group(2)
        if name is None:
            if not match.group(0).startswith("<!--"):
                reader.text(match.start(), pos, match.group(0))
            continue
        name = name.lower()
        closing = bool(match.group(1))
        if name in _HIDDEN and not closing:
            hidden_end = re.compile(rf"</{name}\s*>", re.I).search(source, pos)
            pos = hidden_end.end() if hidden_end else length
            continue
        if name in _LINE_TAGS or name in _BLOCK_TAGS:
            block = name in _BLOCK_TAGS
            reader.end_line(match.start(), pos, name == "br", block)
        reader.tag(closing, name, match.group(3))
    reader.end_line(length, length, False, False)
    return reader.lines


def _lead(text: str) -> tuple[str, str]:
    """A line's indentation and the text after it. White space after a raw line break is the
    source's own layout, not indentation, unless it holds a no-break space; zero-width
    characters are no indentation either."""
    body = text.lstrip(_BLANKS)
    lead = text[: len(text) - len(body)]
    for zero_width in _ZERO_WIDTH:
        lead = lead.replace(zero_width, "")
    if "\n" in lead or "\r" in lead:
        lead = re.split(r"[\r\n]", lead)[-1]
        if "\xa0" not in lead:
            lead = ""
    return lead.replace("\xa0", " "), body


def _indent_width(text: str) -> int:
    """A line's indentation in columns (a tab counts four), if two or more (one space at a
    line's start is more often a slip than indentation)."""
    lead, _body = _lead(text)
    width = len(lead) + 3 * lead.count("\t")
    return width if width >= 2 else 0


def _is_blank(line: _Line) -> bool:
    return not line.text.strip(_BLANKS)


def _looks_like_code(body: str) -> bool:
    text = body.strip()
    if not text:
        return False
    if (
        _PROSE_END.search(text)
        and " " in text
        and not _CODE_PUNCTUATION.search(text)
        and not text.startswith(_COMMENT)
    ):
        return False  # a sentence: code lines seldom end with a full stop, comments aside
    if _LABEL.match(text) and not _CODE_PUNCTUATION.search(text):
        return False  # "Time: O(n)", "Space complexity: O(1)": notes about code, not code
    return (
        _KEYWORD.match(text) is not None or text[-1] in "{};" or _CODE_MARK.search(text) is not None
    )


def _code_runs(lines: list[_Line]) -> list[tuple[int, int]]:
    """(first, last) index of each run of code lines.

    A run is made of lines that may be code (not in a list, table, heading), with no block tag
    between them; it starts with a line in a monospace font or that looks like code, holds such
    lines, indented lines and blank lines, and ends before a line that is none of these. It is
    code if all its lines are in a monospace font, or if one is indented and most look like
    code; two lines at least.
    """
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        first = i
        if not _signal(lines[i]):
            i += 1
            continue
        last = i
        j = i + 1
        while j < len(lines) and lines[j].open and not lines[j].after_block:
            blank = _is_blank(lines[j])
            if _signal(lines[j]) or (not blank and _indent_width(lines[j].text)):
                last = j
            elif not blank:
                break
            j += 1
        if _is_code(lines[first : last + 1]):
            runs.append((first, last))
            i = last + 1
        else:
            i = first + 1
    return runs


def _signal(line: _Line) -> bool:
    return line.open and (line.mono or _looks_like_code(_lead(line.text)[1]))


def _is_code(run: list[_Line]) -> bool:
    shown = [line for line in run if not _is_blank(line)]
    if len(shown) < 2:
        return False
    if all(line.mono for line in shown):
        return True
    indented = any(_indent_width(line.text) for line in shown)
    signals = sum(_signal(line) for line in shown)
    return indented and signals * 10 >= len(shown) * 6


def _code_text(run: list[_Line]) -> str:
    """The run's lines as code: indentation kept (no-break spaces as spaces, the common part
    removed), keywords and spans gone with their tags, at most one empty line in a row."""
    out: list[str] = []
    for line in run:
        lead, body = _lead(line.text)
        for zero_width in _ZERO_WIDTH:
            body = body.replace(zero_width, "")
        body = re.sub(r"[\r\n]+", " ", body).replace("\xa0", " ").rstrip()
        if body:
            out.append(lead + body)
        elif out and out[-1]:
            out.append("")
    return textwrap.dedent("\n".join(out).rstrip("\n"))


def _indent_edits(line: _Line) -> list[tuple[int, int, str]]:
    """Replace a line's leading white space with `INDENT`s, one per column."""
    width = _indent_width(line.text)
    if not width:
        return []
    edits: list[tuple[int, int, str]] = []
    marker = INDENT * width
    for start, end, decoded in line.lead:
        rest = decoded.lstrip(_BLANKS)
        edits.append((start, end, marker + _escape(rest)))
        marker = ""
    return edits
