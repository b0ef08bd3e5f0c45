"""Card Markdown rendered as the HTML Anki shows (CommonMark, tables, strikethrough).

Raw HTML in a card is escaped, as flashprep itself shows it as text.
"""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def markdown_to_html(text: str) -> str:
    """One side of a card as HTML; a lone paragraph loses its `<p>`, as in Anki's own fields."""
    html: str = _renderer().render(text).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html
