"""Anki note types and card templates: turn a note's fields into the question and answer of a card.

Anki draws each card from a template of its note type (`{{Front}}`, `{{FrontSide}}`,
`{{#Field}}...{{/Field}}`, `{{cloze:Text}}`, `{{type:Back}}`, `{{hint:Extra}}`), so rendering
the templates handles Basic, reversed, optional reversed, type-in, cloze and custom note types
alike. The result is still HTML; `ankihtml` turns it into Markdown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, NamedTuple

Kind = Literal["normal", "cloze"]
Side = Literal["front", "back"]

MAX_NESTING = 100
"""How deep sections (`{{#A}}{{#B}}...`) and cloze deletions may nest: the renderers recurse once
per level. Real templates nest a few levels; a deeper template is refused (TemplateError), and a
deeper cloze marker in a field is kept as text."""


class TemplateError(ValueError):
    """A card template this renderer does not take (sections nested too deeply)."""


@dataclass(frozen=True)
class Template:
    name: str
    front: str
    back: str


@dataclass(frozen=True)
class NoteType:
    name: str
    kind: Kind
    fields: tuple[str, ...]
    templates: tuple[Template, ...]


@dataclass(slots=True)
class RenderedCard:
    """One card's question and answer as HTML, and the hints its templates set aside."""

    front: str
    back: str
    hints: list[str] = field(default_factory=list)


# --- cloze deletions -----------------------------------------------------------------------------


@dataclass
class _Cloze:
    number: int
    body: list[_Cloze | str] = field(default_factory=list)
    hint: str | None = None


_CLOZE_TOKEN = re.compile(r"\{\{c(\d+)::|::|\}\}")


@lru_cache(maxsize=64)
def _parse_cloze(text: str) -> list[_Cloze | str]:
    """`{{c1::answer::hint}}` deletions, nested ones included; stray markers stay text.

    Cached: each card of a note renders the same text twice (front and back); never changed.
    """
    root: list[_Cloze | str] = []
    stack: list[_Cloze] = []

    def add(piece: str) -> None:
        if not piece:
            return
        if not stack:
            root.append(piece)
        elif stack[-1].hint is not None:
            stack[-1].hint += piece
        else:
            stack[-1].body.append(piece)

    pos = 0
    for match in _CLOZE_TOKEN.finditer(text):
        add(text[pos : match.start()])
        pos = match.end()
        token = match.group(0)
        in_hint = bool(stack) and stack[-1].hint is not None
        if match.group(1) is not None and not in_hint and len(stack) < MAX_NESTING:
            cloze = _Cloze(int(match.group(1)))
            (stack[-1].body if stack else root).append(cloze)
            stack.append(cloze)
        elif token == "::" and stack and not in_hint:
            stack[-1].hint = ""
        elif token == "}}" and stack:
            stack.pop()
        else:
            add(token)
    add(text[pos:])
    return root


def cloze_numbers(text: str) -> set[int]:
    """The distinct cloze numbers in a field: each one is a card."""
    found: set[int] = set()

    def walk(nodes: list[_Cloze | str]) -> None:
        for node in nodes:
            if isinstance(node, _Cloze):
                found.add(node.number)
                walk(node.body)

    walk(_parse_cloze(text))
    return found


def render_cloze(
    text: str, number: int, side: Side, bold: tuple[str, str] = ("<b>", "</b>")
) -> str:
    """Deletion `number` hidden as `[...]` (or `[hint]`) on the front, shown in bold on the back."""

    def walk(nodes: list[_Cloze | str]) -> str:
        out: list[str] = []
        for node in nodes:
            if isinstance(node, str):
                out.append(node)
            elif node.number != number:
                out.append(walk(node.body))
            elif side == "front":
                out.append(f"[{node.hint}]" if node.hint and node.hint.strip() else "[...]")
            else:
                out.append(f"{bold[0]}{walk(node.body)}{bold[1]}")
        return "".join(out)

    return walk(_parse_cloze(text))


def cloze_answers(text: str, number: int) -> str:
    """The hidden text of deletion `number` (for `{{type:cloze:Text}}` on the back)."""
    answers: list[str] = []

    def walk(nodes: list[_Cloze | str]) -> None:
        for node in nodes:
            if isinstance(node, _Cloze):
                if node.number == number:
                    answers.append(render_cloze_body(node))
                walk(node.body)

    def render_cloze_body(node: _Cloze) -> str:
        return "".join(n if isinstance(n, str) else render_cloze_body(n) for n in node.body)

    walk(_parse_cloze(text))
    return ", ".join(answers)


# --- templates -----------------------------------------------------------------------------------

_TAG = re.compile(r"\{\{(.*?)\}\}", re.S)
_HTML_TAG = re.compile(r"<[^>]*>")
_EMPTY = re.compile(r"(&nbsp;|\s|\u200b)+")
_ANSWER_RULE = re.compile(r"<hr[^>]*\bid\s*=\s*[\"']?answer[\"']?[^>]*>", re.I)
SPECIAL_FIELDS = ("Tags", "Type", "Deck", "Subdeck", "Card", "CardFlag", "CardID")


def is_blank(html: str) -> bool:
    """True when a field shows nothing: only tags, spaces and `&nbsp;` (Anki's test, roughly)."""
    return not _EMPTY.sub("", _HTML_TAG.sub("", html))


class _Var(NamedTuple):
    """A `{{...}}` tag that shows a field, parsed: `{{text:cloze:Text}}` is ("Text",
    ("text", "cloze"))."""

    name: str
    filters: tuple[str, ...]


@dataclass
class _Section:
    name: str
    inverted: bool
    body: list[_Node] = field(default_factory=list)


_Node = _Section | _Var | str
"""A template's parts: literal text, a field, a `{{#Field}}...{{/Field}}` section."""


@lru_cache(maxsize=256)
def _parse_template(text: str) -> list[_Node]:
    """Text, `{{...}}` tags (parsed) and nested sections.

    Cached: a package has a few templates and thousands of cards; the result is never changed.
    """
    root: list[_Node] = []
    stack: list[_Section] = []
    pos = 0

    def target() -> list[_Node]:
        return stack[-1].body if stack else root

    for match in _TAG.finditer(text):
        if match.start() > pos:
            target().append(text[pos : match.start()])
        pos = match.end()
        inner = match.group(1).strip()
        if inner[:1] in ("#", "^"):
            if len(stack) >= MAX_NESTING:
                raise TemplateError(f"a template nests sections more than {MAX_NESTING} deep")
            section = _Section(inner[1:].strip(), inner[0] == "^")
            target().append(section)
            stack.append(section)
        elif inner[:1] == "/":
            if stack:
                stack.pop()
        elif inner and inner[:1] not in ("!", "="):
            target().append(_Var(*_field_and_filters(inner)))
    if pos < len(text):
        target().append(text[pos:])
    return root


def names_used(notetype: NoteType) -> set[str]:
    """Every name the note type's templates show or test (`{{Field}}`, `{{#Field}}`...)."""
    names: set[str] = set()

    def walk(nodes: list[_Node]) -> None:
        for node in nodes:
            if isinstance(node, _Var):
                names.add(node.name)
            elif isinstance(node, _Section):
                names.add(node.name)
                walk(node.body)

    for template in notetype.templates:
        walk(_parse_template(template.front))
        walk(_parse_template(template.back))
    return names


@dataclass(slots=True)
class _Context:
    fields: dict[str, str]
    special: dict[str, str]
    number: int
    side: Side
    bold: tuple[str, str]
    front: str = ""
    hints: list[str] = field(default_factory=list)

    def value(self, name: str) -> str:
        if name == "FrontSide":
            return self.front if self.side == "back" else ""
        if name in self.fields:
            return self.fields[name]
        return self.special.get(name, "")


def _field_and_filters(spec: str) -> tuple[str, tuple[str, ...]]:
    """`{{text:cloze:Text}}` -> ("Text", ("text", "cloze")); `{{tts en_US:Front}}` too."""
    parts = spec.split(":")
    return parts[-1].strip(), tuple(p.strip().split(" ", 1)[0].lower() for p in parts[:-1])


def _apply_filters(ctx: _Context, var: _Var) -> str:
    name, filters = var
    raw = ctx.value(name)
    if "type" in filters:
        if ctx.side == "front":
            return ""
        return cloze_answers(raw, ctx.number) if "cloze" in filters else raw
    value = raw
    for name_ in reversed(filters):
        if name_ == "cloze":
            value = render_cloze(value, ctx.number, ctx.side, ctx.bold)
        elif name_ == "cloze-only":
            value = cloze_answers(value, ctx.number)
        elif name_ == "text":
            value = _HTML_TAG.sub("", value)
        elif name_ == "hint":
            if not is_blank(value):
                ctx.hints.append(value)
            return ""
    return value


def _render(ctx: _Context, nodes: list[_Node]) -> str:
    out: list[str] = []
    for node in nodes:
        if type(node) is str:
            out.append(node)
        elif type(node) is _Var:
            out.append(_apply_filters(ctx, node) if node.filters else ctx.value(node.name))
        elif isinstance(node, _Section):
            filled = not is_blank(ctx.value(node.name))
            if filled != node.inverted:
                out.append(_render(ctx, node.body))
    return "".join(out)


def _strip_front(back: str, front: str) -> str:
    """The answer side without the question repeated above it."""
    rule = _ANSWER_RULE.search(back)
    if rule:
        return back[rule.end() :]
    if front and back.startswith(front):
        return back[len(front) :]
    return back


_TEMPLATE_BREAKS = re.compile(r"(\s*<br\s*/?>\s*)+", re.I)


def render_card(
    notetype: NoteType,
    fields: dict[str, str],
    ordinal: int,
    special: dict[str, str],
    markdown_fields: bool = False,
) -> RenderedCard:
    """The card with template `ordinal` (cloze: deletion ordinal + 1) of a note, as HTML.

    With `markdown_fields` (a text file without HTML), the fields are Markdown already: a cloze
    answer is revealed as `**bold**` and the template's line breaks become blank lines.
    """
    if notetype.kind == "cloze":
        template, number = notetype.templates[0], ordinal + 1
    else:
        template, number = notetype.templates[ordinal], 0
    bold = ("**", "**") if markdown_fields else ("<b>", "</b>")
    ctx = _Context(fields, special, number, "front", bold)
    front = _render(ctx, _parse_template(template.front))
    front_hints = ctx.hints
    ctx.side, ctx.front, ctx.hints = "back", front, []
    back = _strip_front(_render(ctx, _parse_template(template.back)), front)
    if markdown_fields:
        front = _TEMPLATE_BREAKS.sub("\n\n", front).strip()
        back = _TEMPLATE_BREAKS.sub("\n\n", back).strip()
    return RenderedCard(front, back, front_hints)


def card_ordinals(notetype: NoteType, fields: dict[str, str]) -> list[int]:
    """Which cards a note makes (for text imports, which have no card list): Anki's rules."""
    if notetype.kind == "cloze":
        cloze_fields = {
            m.group(1).split(":")[-1].strip()
            for t in notetype.templates
            for m in _TAG.finditer(t.front)
            if "cloze:" in m.group(1)
        }
        numbers: set[int] = set()
        for name in cloze_fields:
            numbers |= cloze_numbers(fields.get(name, ""))
        return sorted(n - 1 for n in numbers if n >= 1)
    out = []
    for ordinal in range(len(notetype.templates)):
        if not is_blank(render_card(notetype, fields, ordinal, {}).front):
            out.append(ordinal)
    return out


# --- the stock note types (text imports name them; exports use Basic) -----------------------------

_BACK = "{{FrontSide}}\n\n<hr id=answer>\n\n"

BASIC = NoteType(
    "Basic", "normal", ("Front", "Back"), (Template("Card 1", "{{Front}}", _BACK + "{{Back}}"),)
)
REVERSED = NoteType(
    "Basic (and reversed card)",
    "normal",
    ("Front", "Back"),
    (
        Template("Card 1", "{{Front}}", _BACK + "{{Back}}"),
        Template("Card 2", "{{Back}}", _BACK + "{{Front}}"),
    ),
)
OPTIONAL_REVERSED = NoteType(
    "Basic (optional reversed card)",
    "normal",
    ("Front", "Back", "Add Reverse"),
    (
        Template("Card 1", "{{Front}}", _BACK + "{{Back}}"),
        Template("Card 2", "{{#Add Reverse}}{{Back}}{{/Add Reverse}}", _BACK + "{{Front}}"),
    ),
)
TYPE_IN = NoteType(
    "Basic (type in the answer)",
    "normal",
    ("Front", "Back"),
    (
        Template(
            "Card 1", "{{Front}}\n\n{{type:Back}}", "{{Front}}\n\n<hr id=answer>\n\n{{type:Back}}"
        ),
    ),
)
CLOZE = NoteType(
    "Cloze",
    "cloze",
    ("Text", "Back Extra"),
    (Template("Cloze", "{{cloze:Text}}", "{{cloze:Text}}<br>\n{{Back Extra}}"),),
)
STOCK = {nt.name.lower(): nt for nt in (BASIC, REVERSED, OPTIONAL_REVERSED, TYPE_IN, CLOZE)}


def generic(field_count: int) -> NoteType:
    """For a note type a text file names but we do not know: field 1 asks, the rest answer."""
    names = tuple(f"Field {i + 1}" for i in range(max(field_count, 2)))
    back = _BACK + f"{{{{{names[1]}}}}}"
    back += "".join(f"{{{{#{n}}}}}<br><br>{{{{{n}}}}}{{{{/{n}}}}}" for n in names[2:])
    return NoteType("Generic", "normal", names, (Template("Card 1", f"{{{{{names[0]}}}}}", back),))


def stock_notetype(name: str) -> NoteType | None:
    """A stock note type by name, as Anki's text exports name them (any case)."""
    key = name.strip().lower()
    if key in STOCK:
        return STOCK[key]
    if "cloze" in key:
        return CLOZE
    return None
