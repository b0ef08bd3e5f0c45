"""Anki HTML to Markdown, Anki templates and clozes, and the protobuf reader, piece by piece."""

from __future__ import annotations

import html

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from flashprep.core.importers import ankihtml, protowire
from flashprep.core.importers.ankihtml import html_to_markdown, looks_like_html
from flashprep.core.importers.ankitemplate import (
    CLOZE,
    OPTIONAL_REVERSED,
    TYPE_IN,
    NoteType,
    Template,
    card_ordinals,
    cloze_numbers,
    render_card,
    render_cloze,
)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<b>bold</b> &amp; <i>it</i>", "**bold** & *it*"),
        ("line<br>next<br/>last", "line\\\nnext\\\nlast"),
        ("one<br><br>two<br>", "one\n\ntwo"),  # no stray backslash before a blank line
        ("<pre>x  \ny</pre>a<br>b", "```\nx  \ny\n```\n\na\\\nb"),
        ("<div>one</div><div>two</div>", "one\n\ntwo"),
        ("<ul><li>a</li><li>b<ol><li>c</li></ol></li></ul>", "- a\n- b\n  1. c"),
        ("<style>.c{color:red}</style><script>x()</script>kept", "kept"),
        (
            '<pre><code class="language-python">x = 1\n  y = "a*b"</code></pre>',
            '```python\nx = 1\n  y = "a*b"\n```',
        ),
        ("<code>__init__</code> is not __init__", "`__init__` is not \\_\\_init\\_\\_"),
        ("snake_case stays, 2*3 does not", "snake_case stays, 2\\*3 does not"),
        ("a &lt;b&gt; tag and 1 &lt; 2", "a \\<b> tag and 1 < 2"),
        ("C:\\path and `tick`", "C:\\\\path and \\`tick\\`"),
        (
            '<img src="my%20diagram.png"> and [sound:hello.mp3]',
            "[image: my diagram.png] and [audio: hello.mp3]",
        ),
        ("&nbsp;", ""),
        ("plain text", "plain text"),
    ],
)
def test_conversions(source: str, expected: str) -> None:
    assert html_to_markdown(source) == expected


def test_media_names_are_reported() -> None:
    found: list[str] = []
    html_to_markdown("<img src=\"a.png\"><img src='b.jpg'> [sound:c.mp3]", found)
    assert found == ["a.png", "b.jpg", "c.mp3"]


def test_looks_like_html() -> None:
    assert looks_like_html("a<br>b") and looks_like_html("x &amp; y") and looks_like_html("</div>")
    assert not looks_like_html("1 < 2 and 3 > 2") and not looks_like_html("fish & chips")


def _shown(markdown: str) -> str:
    """What a Markdown viewer (Textual's parser) shows, as plain text."""
    parts: list[str] = []
    for token in MarkdownIt("gfm-like").parse(markdown):
        for child in token.children or []:
            if child.type in ("text", "code_inline"):
                parts.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                parts.append(" ")
            elif child.type in ("em_open", "em_close", "strong_open", "strong_close"):
                parts.append(f"<{child.type}>")
            elif child.type == "html_inline":
                parts.append("<html>")
        parts.append(" ")
    return " ".join("".join(parts).split())


# Anki text made of what Markdown gives meaning to inside a line: emphasis, code, escapes, tags.
# (Line-start syntax such as "> quote" or "1. item" is left as Markdown reads it.)
_TEXT = st.text(alphabet="ab _*`\\<>&.:/", min_size=1, max_size=30).filter(
    lambda t: t.strip() and not t.lstrip().startswith(">")
)


@settings(max_examples=150, deadline=None)
@given(text=_TEXT)
def test_property_literal_text_stays_literal(text: str) -> None:
    converted = html_to_markdown(html.escape(text, quote=False))
    assert _shown(converted) == " ".join(text.split())


def test_templates_render_each_note_type() -> None:
    fields = {"Front": "q", "Back": "a", "Add Reverse": ""}
    assert card_ordinals(OPTIONAL_REVERSED, fields) == [0]
    assert card_ordinals(OPTIONAL_REVERSED, {**fields, "Add Reverse": "y"}) == [0, 1]
    card = render_card(TYPE_IN, {"Front": "Port?", "Back": "443"}, 0, {})
    assert (card.front.strip(), card.back.strip()) == ("Port?", "443")


def test_custom_template_with_hint_and_specials() -> None:
    notetype = NoteType(
        "Custom",
        "normal",
        ("Q", "A", "Extra"),
        (
            Template(
                "Forward",
                "<div>{{Q}}</div>{{#Extra}}{{hint:Extra}}{{/Extra}}<small>{{Deck}}</small>",
                "{{Q}}<hr>{{A}}{{^Extra}}none{{/Extra}}",
            ),
        ),
    )
    card = render_card(notetype, {"Q": "q", "A": "a", "Extra": "x"}, 0, {"Deck": "D"})
    assert card.front == "<div>q</div><small>D</small>"
    assert card.hints == ["x"]
    assert card.back == "q<hr>a"  # no FrontSide, no answer rule: the whole back


def test_cloze_parsing() -> None:
    text = "{{c1::a}} {{c2::b::hint}} {{c1::c}} {{c3::outer {{c4::inner}}}} }} {{c5::"
    assert cloze_numbers(text) == {1, 2, 3, 4, 5}
    assert render_cloze(text, 1, "front").startswith("[...] b [...] outer inner")
    assert render_cloze(text, 2, "front").startswith("a [hint] c")
    assert render_cloze(text, 4, "front").startswith("a b c outer [...]")
    assert render_cloze(text, 3, "back").startswith("a b c <b>outer inner</b>")
    assert render_cloze("no cloze {{c1}}", 1, "front") == "no cloze {{c1}}"
    assert card_ordinals(CLOZE, {"Text": "x {{c2::y}} {{c2::z}} {{c7::w}}"}) == [1, 6]


def test_protowire() -> None:
    message = bytes([0x08, 0x96, 0x01, 0x12, 0x03]) + b"abc" + bytes([0x1D, 1, 2, 3, 4])
    fields = protowire.parse(message)
    assert protowire.first_int(fields, 1) == 150
    assert protowire.first_text(fields, 2) == "abc"
    assert fields[3] == [bytes([1, 2, 3, 4])]
    for broken in (b"\x08", b"\x12\x05ab", b"\x0b", b"\x00\x01"):
        with pytest.raises(protowire.WireError):
            protowire.parse(broken)


_HTMLISH = st.lists(
    st.sampled_from(
        [
            *("<b>", "</b>", "<code>", "</code>", "<PRE>", "</pre>", "<!-- <code> _ -->", "<br>"),
            *('<a href="x_y*">', "<i class='a_'>", "< b", "a>", "&lt;", "&#60;x", "&#x3C;b"),
            *("_", "*", "`", "\\", "a", "a_b", "_a", " ", "\n", "1", "é", "\x00", "<", ">"),
        ]
    ),
    max_size=14,
).map("".join)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(source=_HTMLISH)
def test_the_escape_shortcut_agrees_with_the_full_pass(source: str) -> None:
    """A field the quick checks pass is one the full pass leaves alone."""
    full = ankihtml._mark_escapes(source)
    assert ankihtml._escape_outside_code(source) == (full, full != source)
