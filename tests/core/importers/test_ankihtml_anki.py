"""Anki notes as real decks hold them (built with the `anki` package), read back as Markdown.

The shapes come from issue 18: a coding deck pasted from Apple's editors (one `<p>` per code line,
`&nbsp; &nbsp; ` indentation, `\\u200b` spacer paragraphs, keywords in `<b>` in `<span class>`), a
`<pre>` block, a list nested by Anki's editor, remote and local pictures, and a heading copied from
GitHub with its anchor icon. The Markdown is compared whole.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ankibuild import build_notes
from flashprep.core.importers.ankipackage import read_package
from flashprep.core.importers.source import ImportSource

ZWSP = "\u200b"
QUEUE_BACK = (
    '<p class="p1"><b>Code</b></p>\n'
    '<p class="p1"><span class="s1"><b>class</b></span> QueueFromStacks(object):</p>\n'
    f'<p class="p2">{ZWSP}</p>\n'
    '<p class="p1">&nbsp; &nbsp; <span class="s1"><b>def</b></span> __init__(self):</p>\n'
    '<p class="p1">&nbsp; &nbsp; &nbsp; &nbsp; self.left_stack = Stack()</p>\n'
    '<p class="p1">&nbsp; &nbsp; &nbsp; &nbsp; self.right_stack = Stack()</p>\n'
    f'<p class="p2">{ZWSP}</p>\n'
    f'<p class="p2">{ZWSP}</p>\n'
    '<p class="p1">&nbsp; &nbsp; <span class="s1"><b>def</b></span> shift_stacks(self, source, '
    "destination):</p>\n"
    '<p class="p1">&nbsp; &nbsp; &nbsp; &nbsp; <span class="s1"><b>while</b></span> source.peek() '
    '<span class="s1"><b>is not</b></span> <span class="s1"><b>None</b></span>:</p>\n'
    '<p class="p1">&nbsp; &nbsp; &nbsp; &nbsp; &nbsp; &nbsp; destination.push(source.pop())</p>\n'
    f'<p class="p2">{ZWSP}</p>\n'
    '<p class="p1">&nbsp; &nbsp; <span class="s1"><b>def</b></span> enqueue(self, data):</p>\n'
    '<p class="p1">&nbsp; &nbsp; &nbsp; &nbsp; self.shift_stacks(self.right_stack, '
    "self.left_stack)</p>\n"
    '<p class="p1">&nbsp; &nbsp; &nbsp; &nbsp; self.left_stack.push(data)</p>\n'
    f'<p class="p3">{ZWSP}Complexity: O(1) amortized, O(n) for one dequeue.</p>'
)
QUEUE_MARKDOWN = """**Code**

```python
class QueueFromStacks(object):

    def __init__(self):
        self.left_stack = Stack()
        self.right_stack = Stack()

    def shift_stacks(self, source, destination):
        while source.peek() is not None:
            destination.push(source.pop())

    def enqueue(self, data):
        self.shift_stacks(self.right_stack, self.left_stack)
        self.left_stack.push(data)
```

Complexity: O(1) amortized, O(n) for one dequeue."""

PRE_BACK = (
    '<pre><span class="kw">public</span> String reverse(String s) {\n'
    "&nbsp; &nbsp; <b>return new</b> StringBuilder(s).reverse().toString();\n}</pre>"
)
PRE_MARKDOWN = """```
public String reverse(String s) {
    return new StringBuilder(s).reverse().toString();
}
```"""

NESTED_BACK = (
    "<ul><li>Can we assume the string is ASCII?</li><ul><li>Yes</li>"
    "<li>Note: Unicode strings could require special handling</li></ul>"
    "<li>Can we use additional data structures?</li><ol><li>Yes<ul><li>a set</li></ul></li>"
    "</ol></ul>"
)
NESTED_MARKDOWN = """- Can we assume the string is ASCII?
  * Yes
  * Note: Unicode strings could require special handling
- Can we use additional data structures?
  1. Yes
     * a set"""

CAMO = "https://camo.githubusercontent.com/2b0e/68747470"
IMAGE_BACK = (
    f'<a href="{CAMO}" target="_blank"><img src="{CAMO}" alt="" style="max-width:100%;"></a>'
    '<br><i>Source: <a href="https://www.example.com/cdn">What is a CDN</a></i>'
    '<div><img src="cdn.png"> and <img src="missing.png"></div>'
)
IMAGE_MARKDOWN = (
    f"[image: {CAMO}]\\\n*Source: [What is a CDN](https://www.example.com/cdn)*\n\n"
    "[image: cdn.png] and [image: missing.png]"
)

PRIMER = "https://github.com/donnemartin/system-design-primer"
HEADING_BACK = (
    f'<h3><a id="user-content-push-cdns" class="anchor" aria-hidden="true" href="{PRIMER}'
    '#push-cdns"><svg class="octicon octicon-link" viewBox="0 0 16 16" width="16" height="16">'
    '<path d="M4 9h1v1H4c-1.5 0-3-1.69-3-3.5S2.55 3 4 3h4"></path></svg></a>Push CDNs</h3>'
    "<p>Push CDNs receive new content whenever changes occur on your server.</p>"
    f'<p>See <a href="{PRIMER}#content-delivery-network">Content delivery network</a> and '
    '<a href="https://en.wikipedia.org/wiki/Content_delivery_network">'
    "https://en.wikipedia.org/wiki/Content_delivery_network</a>.</p>"
)
HEADING_MARKDOWN = (
    "### Push CDNs\n\nPush CDNs receive new content whenever changes occur on your server.\n\n"
    f"See [Content delivery network]({PRIMER}#content-delivery-network) and "
    "https://en.wikipedia.org/wiki/Content_delivery_network."
)

NOTES = [
    ("Implement a queue using two stacks", QUEUE_BACK, QUEUE_MARKDOWN),
    ("Reverse a string in Java", PRE_BACK, PRE_MARKDOWN),
    ("Questions to ask first", NESTED_BACK, NESTED_MARKDOWN),
    ("What does a CDN look like?", IMAGE_BACK, IMAGE_MARKDOWN),
    ("Push or pull CDN?", HEADING_BACK, HEADING_MARKDOWN),
]


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> ImportSource:
    folder: Path = tmp_path_factory.mktemp("ankihtml")
    package = build_notes(
        folder, [(front, back) for front, back, _ in NOTES], media={"cdn.png": b"\x89PNG fake"}
    )
    return read_package(package)


@pytest.mark.parametrize(("front", "markdown"), [(front, md) for front, _, md in NOTES])
def test_each_note_reads_as_exact_markdown(
    imported: ImportSource, front: str, markdown: str
) -> None:
    backs = {card.front: card.back for deck in imported.decks for card in deck.cards}
    assert backs[front] == markdown


def test_the_warnings_tell_files_missing_from_remote_pictures(imported: ImportSource) -> None:
    assert imported.warnings == [
        f"notes.apkg: {warning}"
        for warning in (
            "1 media file cannot be shown in a terminal; the cards name it instead: cdn.png",
            "1 media file missing from the package: missing.png",
            f"1 remote image shown as a link: {CAMO}",
        )
    ]


def test_no_zero_width_character_survives(imported: ImportSource) -> None:
    for deck in imported.decks:
        for card in deck.cards:
            assert not any(c in card.front + card.back for c in "\u200b\u200c\u200d\ufeff")
