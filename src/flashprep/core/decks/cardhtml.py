"""Card Markdown rendered as the HTML Anki shows (CommonMark, tables, strikethrough).

Raw HTML in a card is escaped, as flashprep itself shows it as text. Here, below the importers and
the exporters, because both use it: exports write it, and an import of a package flashprep wrote
tells an edit made in Anki from the same text come back (Markdown that renders the same).
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


def same_card_text(before: str | None, after: str | None) -> bool:
    """Whether two versions of a card's side are the same text: equal, or rendering the same
    (an export to Anki and back gives Markdown written another way)."""
    if before is None or after is None:
        return before == after
    return before.strip() == after.strip() or markdown_to_html(before) == markdown_to_html(after)
