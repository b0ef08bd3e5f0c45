"""Text that may come from a file, on screen: cleaned of escapes and controls (core.text), never
markup. Screens show deck, story and file text through these, so a sink cannot forget to clean."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.content import Content
from textual.visual import VisualType
from textual.widgets import Static

from flashprep.core.text import clean, one_line


def cleaned(content: VisualType) -> VisualType:
    """`content` with nothing a terminal would act on: a string cleaned; styled text kept as it
    is when it is clean already, else replaced by its cleaned plain text (styles dropped)."""
    if isinstance(content, str):
        return clean(content)
    if isinstance(content, Text | Content):
        plain = content.plain
        shown = clean(plain)
        if shown != plain:
            return Text(shown)
    return content


def plain(text: str, style: str = "") -> Text:
    """A one-line cell or label of file text (a table cell, a list entry): cleaned, never markup."""
    return Text(one_line(text), style=style)


def plain_content(text: str) -> Content:
    """The same as Textual content (a list entry, a palette hit): cleaned, one line, not markup."""
    return Content(one_line(text))


class PlainStatic(Static):
    """A Static that never reads markup and cleans what it is given, at creation and update."""

    def __init__(
        self,
        content: VisualType = "",
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(cleaned(content), markup=False, id=id, classes=classes)

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        super().update(cleaned(content), layout=layout)


def flex_width(total: int, others: list[int], least: int = 12) -> int:
    """The cells left for a table's one flexible column (a question, a title) in `total` cells:
    less the other columns (each padded by one cell either side), its own padding and a
    vertical scroll bar. Text wider than this is cut with an ellipsis (format.clip), so a table
    never scrolls sideways and no cut goes unmarked."""
    return max(least, total - sum(width + 2 for width in others) - 4)


def fit_columns(
    widths: dict[str, int], flex: str, dropped_first: Sequence[str], room: int, wants: int = 48
) -> tuple[list[str], int]:
    """The columns of a table to show in `room` cells, given each column's natural width (its
    longest cell or label; each is padded by one cell either side), and the width left for the
    one flexible column `flex` (a name, at most its own width). The columns in `dropped_first`
    are left out in that order until `flex` gets the width it needs, up to `wants` (a longer
    name is cut with an ellipsis rather than hide a column); the others always stay."""
    keys = list(widths)
    flex_wants = min(widths[flex], wants)

    def left_for_flex() -> int:
        return room - sum(widths[k] + 2 for k in keys if k != flex) - 2

    for key in dropped_first:
        if left_for_flex() >= flex_wants:
            break
        keys.remove(key)
    return keys, max(8, min(widths[flex], left_for_flex()))
