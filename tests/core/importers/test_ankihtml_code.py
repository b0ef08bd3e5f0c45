"""Anki HTML to Markdown: code, indentation, zero-width characters, links, nested lists, media.

Each test holds several shapes of one defect (issue 18), in the forms editors paste them.
"""

from __future__ import annotations

import html

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flashprep.core.importers.ankicode import INDENT
from flashprep.core.importers.ankifence import guess_language
from flashprep.core.importers.ankihtml import html_to_markdown, media_warnings

NB = "\xa0"
APPLE_STYLE = (
    '<style type="text/css">p.p1 {margin: 0.0px; font: 11.0px Menlo; color: #000000}\n'
    "span.s1 {color: #aa0d91}</style>\n"
)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # Apple-pasted, the font in the pasted style sheet: every line its own <p>
        (
            APPLE_STYLE + '<p class="p1"><span class="s1">class</span> Stack:</p>\n'
            '<p class="p1">&nbsp; &nbsp; items = []</p>\n<p class="p1">done</p>',
            "```python\nclass Stack:\n    items = []\ndone\n```",
        ),
        # Word-pasted: Courier New in a style attribute, spacerun spans for the indentation
        (
            "<p class=MsoNormal><span style='font-family:\"Courier New\"'>def f(x):<o:p></o:p>"
            "</span></p>\n<p class=MsoNormal><span style='font-family:\"Courier New\"'>"
            "<span style='mso-spacerun:yes'>&nbsp;&nbsp;&nbsp; </span>return x<o:p></o:p>"
            "</span></p>",
            "```python\ndef f(x):\n    return x\n```",
        ),
        # a monospace font on each line, even lines that do not look like code
        (
            '<div><font face="Courier New">Output:</font></div>'
            '<div><font face="Courier New">&nbsp; 42</font></div>',
            "```\nOutput:\n  42\n```",
        ),
        (
            '<div style="font-family: Menlo, monospace">SELECT name<br>FROM users<br>'
            "WHERE id = 1;</div>",
            "```sql\nSELECT name\nFROM users\nWHERE id = 1;\n```",
        ),
        # <code> on each line, and <code> holding line breaks
        (
            "<div><code>$ git status</code></div><div><code>$ git add -A</code></div>",
            "```\n$ git status\n$ git add -A\n```",
        ),
        (
            "<code>for i in range(3):<br>&nbsp; &nbsp; print(i)</code>",
            "```\nfor i in range(3):\n    print(i)\n```",
        ),
        # no font at all: indented lines that look like code, between sentences
        (
            "<div>The loop below sums the list.</div><div>total = 0</div><div>for x in xs:</div>"
            "<div>&nbsp; &nbsp; total += x</div><div>Done, it is linear.</div>",
            "The loop below sums the list.\n\n```\ntotal = 0\nfor x in xs:\n    total += x\n```"
            "\n\nDone, it is linear.",
        ),
        (
            "Code:<br>def f():<br>&nbsp;&nbsp;&nbsp;&nbsp;return 1<br>That's it.",
            "Code:\n\n```python\ndef f():\n    return 1\n```\n\nThat's it.",
        ),
        (
            "<div>function add(a, b) {</div><div>&nbsp; &nbsp; return a + b;</div><div>}</div>",
            "```javascript\nfunction add(a, b) {\n    return a + b;\n}\n```",
        ),
        ("<div>if x:</div><div>\tprint(x)</div>", "```\nif x:\n\tprint(x)\n```"),
        # keywords in <b>, stars, underscores and < inside code: text, not Markdown
        (
            "<p><b>def</b> f(*args, **kw):</p><p>&nbsp; &nbsp; <b>if</b> a &lt; b:</p>"
            "<p>&nbsp; &nbsp; &nbsp; &nbsp; <b>return</b> __name__</p>",
            "```python\ndef f(*args, **kw):\n    if a < b:\n        return __name__\n```",
        ),
        # indented as a whole: the common indentation goes
        (
            "<div>&nbsp; &nbsp; x = 1</div><div>&nbsp; &nbsp; &nbsp; &nbsp; y = 2</div>",
            "```\nx = 1\n    y = 2\n```",
        ),
        # spacer paragraphs (zero-width space, <br>, &nbsp;): one empty line at most
        (
            "<p>def a():</p><p>&nbsp; &nbsp; pass</p><p>\u200b</p><p>&#8203;</p><p><br></p>"
            "<p>&nbsp;</p><p>def b():</p><p>&nbsp; &nbsp; pass</p><p>\u200b</p>",
            "```python\ndef a():\n    pass\n\ndef b():\n    pass\n```",
        ),
        # <pre> with markup, <br> and no-break spaces inside
        (
            "<pre>def f():<br>&nbsp;&nbsp;&nbsp;&nbsp;<b>return</b> 1</pre>",
            "```python\ndef f():\n    return 1\n```",
        ),
        ("<pre><code>a\n```\nb</code></pre>", "````\na\n```\nb\n````"),
    ],
)
def test_code_lines_become_one_fenced_block(source: str, expected: str) -> None:
    assert html_to_markdown(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # indented prose: the indentation stays, as no-break spaces Markdown keeps
        (
            "<div>Steps:</div><div>&nbsp; &nbsp; 1. Clarify the problem.</div>"
            "<div>&nbsp; &nbsp; 2. Sketch a design.</div>",
            f"Steps:\n\n{NB * 4}1. Clarify the problem.\n\n{NB * 4}2. Sketch a design.",
        ),
        (
            "<p>&nbsp;&nbsp;&nbsp;&nbsp;It returns the value (or None) when found.</p>"
            "<p>&nbsp;&nbsp;&nbsp;&nbsp;It raises otherwise.</p>",
            f"{NB * 4}It returns the value (or None) when found.\n\n{NB * 4}It raises otherwise.",
        ),
        (
            "<div>Time: O(n log n)</div><div>&nbsp; &nbsp; Space complexity: O(1)</div>",
            f"Time: O(n log n)\n\n{NB * 4}Space complexity: O(1)",
        ),
        ("&nbsp;&nbsp;first<br>second", f"{NB * 2}first\\\nsecond"),
        ("<p>\t\tTabbed</p>", f"{NB * 8}Tabbed"),
        ("a<br>&nbsp; &nbsp;b", f"a\\\n{NB * 3}b"),
        # one space is a slip, and white space after a raw line break is the source's layout
        ("<div>&nbsp;one</div>", "one"),
        ("<div>\n    laid out</div><div>\n    by hand</div>", "laid out\n\nby hand"),
        # one code-like line alone, code in a list, inline code: left as they were
        ("<div><code>x</code></div>", "`x`"),
        ("<div>x = 1</div>", "x = 1"),
        (
            "<ul><li>x = 1</li><li>&nbsp;&nbsp;y = 2</li></ul>",
            "- x = 1\n- y = 2",
        ),
        ("Use <code>a<br>b</code> here", "Use `a`\\\n`b` here"),
    ],
)
def test_indentation_is_kept_and_prose_is_not_code(source: str, expected: str) -> None:
    assert html_to_markdown(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("a\u200bb\ufeffc", "abc"),
        ("\ufeff\u200bplain", "plain"),
        ("a&#8203;b&#x200B;c&ZeroWidthSpace;d&#xFEFF;e&#65279;f", "abcdef"),
        ("x\u200dy \u200cz\u200c", "xy z"),
        ("<b>\u200bbold\u200b</b>", "**bold**"),
        ("<p>a</p><p>\u200b</p><p>b</p>", "a\n\nb"),
        # joiners that scripts and emoji need stay (as core/text.py keeps them)
        (
            "\U0001f468\u200d\U0001f469\u200d\U0001f467",
            "\U0001f468\u200d\U0001f469\u200d\U0001f467",
        ),
        ("می\u200cخواهم", "می\u200cخواهم"),
        (
            "<div>\u200b&nbsp; &nbsp; x = 1</div><div>\u200by = 2</div>",
            "```\n    x = 1\ny = 2\n```",
        ),
    ],
)
def test_zero_width_characters_are_removed(source: str, expected: str) -> None:
    assert html_to_markdown(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # the text is the address: shown once, not `U (U)`
        ('<a href="https://example.com/">https://example.com/</a>', "https://example.com/"),
        ('<a href="https://www.example.com/x/">example.com/x</a>', "example.com/x"),
        ('<a href="mailto:a@b.org">a@b.org</a>', "a@b.org"),
        # an anchor icon (no text) goes; an in-page anchor keeps its text
        (
            '<h3><a class="anchor" href="https://gh.com/r#x"><svg><path d="M4"/></svg></a>X</h3>',
            "### X",
        ),
        ('<h2><a href="https://gh.com/r#y"></a>Y</h2>', "## Y"),
        ('<a href="#top">Back to top</a>', "Back to top"),
        ('<a name="here">Here</a>', "Here"),
        # other links: their text once, their address once
        ('<a href="https://e.org/cdn">What is a CDN</a>', "[What is a CDN](https://e.org/cdn)"),
        (
            '<h2><a href="https://gh.com/r#push">Push CDNs</a></h2>',
            "## [Push CDNs](https://gh.com/r#push)",
        ),
        # a picture that links to itself: one placeholder
        (
            '<a href="https://e.org/a.png"><img src="https://e.org/a.png"></a>',
            "[image: https://e.org/a.png]",
        ),
        (
            "<A HREF='https://e.org/b.png'><IMG SRC='https://e.org/b.png'></A> x",
            "[image: https://e.org/b.png] x",
        ),
        (
            '<a href="https://e.org/page"><img src="https://e.org/c.png"></a>',
            "[[image: https://e.org/c.png]](https://e.org/page)",
        ),
        ('<img src="data:image/png;base64,iVBORw0KGgo=">', "[image: embedded image/png]"),
    ],
)
def test_links_and_pictures_show_each_address_once(source: str, expected: str) -> None:
    assert html_to_markdown(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<ul><li>a</li><ul><li>b</li></ul><li>c</li></ul>", "- a\n  * b\n- c"),
        ("<ol><li>a</li>\n<ol><li>b</li></ol></ol>", "1. a\n   1. b"),
        (
            "<ul><li>a</li><ul><li>b</li><ul><li>c</li></ul></ul></ul>",
            "- a\n  * b\n    + c",
        ),
        ("<UL><LI>a</LI><OL><LI>b</LI></OL></UL>", "- a\n  1. b"),
        ("<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>", "- a\n  * b\n- c"),
    ],
)
def test_nested_lists_keep_their_nesting(source: str, expected: str) -> None:
    assert html_to_markdown(source) == expected


def test_media_names_skip_embedded_pictures() -> None:
    found: list[str] = []
    html_to_markdown(
        '<img src="data:image/gif;base64,R0lGOD"><img src="https://e.org/a.png">', found
    )
    assert found == ["https://e.org/a.png"]


def test_media_warnings_tell_the_three_kinds_apart() -> None:
    named = ["b.png", "a.mp3", "https://e.org/1.png", "//cdn.e.org/2.png", "gone.jpg", "a.mp3"]
    assert media_warnings(named, ["a.mp3", "b.png", "unused.png"]) == [
        "2 media files cannot be shown in a terminal; the cards name them instead: a.mp3, b.png",
        "1 media file missing from the package: gone.jpg",
        "2 remote images shown as links: //cdn.e.org/2.png, https://e.org/1.png",
    ]
    many = [f"m{i}.png" for i in range(7)]
    assert media_warnings(many, []) == [
        "7 media files missing from the package: m0.png, m1.png, m2.png, m3.png, m4.png and 2 more"
    ]
    assert media_warnings([], ["x.png"]) == []


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("def f(x):\n    return x", "python"),
        ("class A(B):\n    pass", "python"),
        ("public class Main {\n}", "java"),
        ("#include <iostream>\nint main() { std::cout << 1; }", "cpp"),
        ("SELECT a\nFROM t", "sql"),
        ("package main\n\nfunc main() {\n}", "go"),
        ("function f(a) {\n  console.log(a)\n}", "javascript"),
        ("#!/bin/bash\necho hi", "bash"),
        ("x = 1\ny = 2", ""),
        ("int main() { return 0; }", ""),
        ("def f(x):\n    pass\nconsole.log(1)", ""),  # two candidates: none named
    ],
)
def test_a_language_is_named_only_when_obvious(code: str, language: str) -> None:
    assert guess_language(code) == language


_CODE_LINE = st.sampled_from(
    [
        "x = compute(a, b)",
        "return x",
        "if left < right:",
        "items.append(item)",
        "while queue:",
        "print(total)",
        "count += 1",
        "raise ValueError('no * or _')",
        "result = {'a': [1, 2]}",
        "node = node.next",
    ]
)


def _apple(lines: list[tuple[int, str]]) -> str:
    """Lines as Apple's editors paste them: a <p> each, `&nbsp; ` pairs, keywords in <b>."""
    out = []
    for depth, text in lines:
        body = html.escape(text, quote=False)
        for keyword in ("return", "if", "while", "raise"):
            if body.startswith(keyword + " "):
                body = f'<span class="s1"><b>{keyword}</b></span>' + body[len(keyword) :]
        out.append(f'<p class="p1">{"&nbsp; " * depth * 2}{body}</p>\n')
    return "".join(out)


def _mono(lines: list[tuple[int, str]]) -> str:
    """The same lines in a monospace font, one <div> each, indented with &nbsp;."""
    return "".join(
        f'<div><font face="Courier New">{"&nbsp;" * depth * 4}{html.escape(text)}</font></div>'
        for depth, text in lines
    )


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(st.tuples(st.integers(0, 3), _CODE_LINE), min_size=2, max_size=12).filter(
        lambda ls: any(depth for depth, _ in ls) and min(depth for depth, _ in ls) == 0
    ),
    form=st.sampled_from([_apple, _mono]),
)
def test_property_pasted_code_comes_back_exactly(
    lines: list[tuple[int, str]], form: object
) -> None:
    assert callable(form)
    code = "\n".join(" " * 4 * depth + text for depth, text in lines)
    assert html_to_markdown(form(lines)) == f"```\n{code}\n```"


@settings(max_examples=200, deadline=None)
@given(
    source=st.lists(
        st.sampled_from(
            [
                *("<p>", "</p>", "<div>", "</div>", "<br>", "<pre>", "</pre>", "<code>", "</code>"),
                *("&nbsp;", " ", "\t", "\n", "\u200b", "&#8203;", "\ufeff", "\u200d", INDENT),
                *("x = 1", "def f():", "text.", "<b>", "</b>", '<font face="Menlo">', "</font>"),
                *("<ul><li>", "</li>", "<a href='u'>", "</a>", "*", "_", "\\"),
            ]
        ),
        max_size=20,
    ).map("".join)
)
def test_property_no_marker_or_zero_width_space_is_left(source: str) -> None:
    result = html_to_markdown(source)
    assert INDENT not in result
    assert not any(c in result for c in "\u200b\ufeff\ue000\ue001\ue002\ue003\ue004")
