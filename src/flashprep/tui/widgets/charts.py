"""Small terminal charts for the statistics screen: a calendar heatmap, stacked bars, a share bar.

Drawn with block characters in the theme's colours, and redrawn at whatever width they are given
(so 52 weeks of calendar fit in 80 columns, and grow to two columns a day when there is room).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.geometry import Size
from textual.widget import Widget

from flashprep.format import clip

EIGHTHS = " ▁▂▃▄▅▆▇█"
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def theme_colors(widget: Widget, *names: str) -> list[Color]:
    """Colours of the current theme, by CSS variable name (e.g. "success", "panel"); a
    translucent one is blended onto the background."""
    variables = widget.app.get_css_variables()
    background = Color.parse(variables.get("background", "#000000"))
    out = []
    for name in names:
        color = Color.parse(variables.get(name, "#808080"))
        out.append(background.blend(color.with_alpha(1.0), color.a) if color.a < 1 else color)
    return out


class Runs:
    """A line of text built cell by cell, with neighbouring cells of one style kept as one
    span: far fewer spans for Textual to draw than one per cell."""

    def __init__(self) -> None:
        self.text = Text()
        self._parts: list[str] = []
        self._style: Style | None = None

    def add(self, chars: str, style: Style | None = None) -> None:
        if style is not self._style:
            self._flush()
            self._style = style
        self._parts.append(chars)

    def _flush(self) -> None:
        if self._parts:
            self.text.append("".join(self._parts), style=self._style)
            self._parts = []

    def done(self) -> Text:
        self._flush()
        return self.text


def short_number(value: float) -> str:
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    if value >= 1000:
        return f"{value / 1000:.1f}k"
    return f"{value:g}" if value != int(value) else str(int(value))


class Heatmap(Widget):
    """Reviews per day as a calendar: one column per week (Monday on top), darker = more."""

    DEFAULT_CSS = """
    Heatmap {
        height: 10;
        width: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.days: list[tuple[date, int]] = []

    def update(self, days: Sequence[tuple[date, int]]) -> None:
        """Days in order from a Monday to today."""
        self.days = list(days)
        self.refresh()

    def levels(self) -> list[int]:
        """Thresholds for the four shades: quarters of the busiest day."""
        top = max((n for _, n in self.days), default=0)
        return [max(1, round(top * q)) for q in (0.25, 0.5, 0.75)]

    def render(self) -> Text:
        empty, full, muted = theme_colors(self, "panel", "success", "foreground-muted")
        shades = [empty] + [empty.blend(full, t) for t in (0.35, 0.6, 0.8, 1.0)]
        styles = [Style(color=c.hex6) for c in shades]
        muted_style = Style(color=muted.hex6)
        label_width = 4
        weeks = (len(self.days) + 6) // 7
        width = max(1, self.size.width - label_width)
        cell = 2 if weeks * 2 <= width else 1
        shown = min(weeks, width // cell)
        first = (weeks - shown) * 7
        days = self.days[first:]
        cuts = self.levels()
        lines = [Text(" " * label_width)]
        last_month = None
        month_row = [" "] * (shown * cell + 4)
        for week in range(shown):
            day = days[week * 7][0] if week * 7 < len(days) else None
            if day is None:
                continue
            if day.month != last_month and week * cell + 3 <= len(month_row):
                label = MONTHS[day.month - 1]
                if last_month is not None or day.day <= 7:
                    month_row[week * cell : week * cell + 3] = label
                last_month = day.month
        lines[0].append("".join(month_row[: shown * cell]).rstrip(), style=Style(color=muted.hex6))
        for weekday in range(7):
            name = ("Mon", "", "Wed", "", "Fri", "", "Sun")[weekday]
            line = Runs()
            line.add(f"{name:<{label_width}}", muted_style)
            for week in range(shown):
                index = week * 7 + weekday
                if index >= len(days):
                    break
                count = days[index][1]
                level = 0 if not count else 1 + sum(count > c for c in cuts)
                line.add("■" + " " * (cell - 1), styles[level])
            lines.append(line.done())
        legend = Text(" " * label_width + "less ", style=Style(color=muted.hex6))
        for style in styles:
            legend.append("■ ", style=style)
        legend.append("more", style=Style(color=muted.hex6))
        lines.append(Text())
        lines.append(legend)
        return Text("\n").join(lines)


@dataclass(frozen=True)
class Series:
    """One stacked part of the bars: its name and its theme colour variable."""

    name: str
    color: str


class BarChart(Widget):
    """Vertical stacked bars, one per label, bucketed when there are more labels than columns."""

    DEFAULT_CSS = """
    BarChart {
        height: 10;
        width: 1fr;
    }
    """

    def __init__(
        self, series: Sequence[Series], *, unit: str = "days", id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.series = list(series)
        self.unit = unit
        """What one label stands for, in the plural (for "each bar sums 7 days")."""
        self.labels: list[str] = []
        self.values: list[list[float]] = []

    def update(self, labels: Sequence[str], values: Sequence[Sequence[float]]) -> None:
        """`values[i]` holds one number per series for label i (bottom series first)."""
        self.labels = list(labels)
        self.values = [list(v) for v in values]
        self.refresh()

    def _buckets(self, columns: int) -> tuple[list[str], list[list[float]], int]:
        """Labels and values with consecutive bars summed so that they fit; and how many."""
        n = len(self.values)
        size = max(1, -(-n // max(1, columns)))
        labels, values = [], []
        for start in range(0, n, size):
            chunk = self.values[start : start + size]
            labels.append(self.labels[start])
            values.append([sum(v[i] for v in chunk) for i in range(len(self.series))])
        return labels, values, size

    def render(self) -> Text:
        colors = theme_colors(self, *(s.color for s in self.series), "foreground-muted")
        muted = Style(color=colors[-1].hex6)
        height = max(1, self.size.height - 2)
        axis = 5
        columns = max(1, self.size.width - axis)
        labels, values, size = self._buckets(columns)
        if not values:
            return Text("nothing to show", style=muted)
        bar = max(1, min(3, columns // len(values)))
        gap = 1 if bar >= 2 else 0
        top = max((sum(v) for v in values), default=0) or 1
        scale = height * 8 / top
        rows = [Runs() for _ in range(height)]
        for row_index, row in enumerate(rows):
            label = short_number(top) if row_index == 0 else ""
            row.add(f"{label:>{axis - 1}} ", muted)
        styles: dict[tuple[int, int], Style] = {}
        for v in values:
            bounds = []
            level = 0.0
            for amount in v:
                level += amount * scale
                bounds.append(round(level))
            for row_index, row in enumerate(rows):
                low = (height - 1 - row_index) * 8
                char, colour = self._cell(low, bounds)
                style = styles.get(colour)
                if style is None:
                    fg, bg = colour
                    style = styles[colour] = Style(
                        color=colors[fg].hex6 if fg >= 0 else None,
                        bgcolor=colors[bg].hex6 if bg >= 0 else None,
                    )
                row.add(char * (bar - gap), style)
                if gap:
                    row.add(" " * gap, styles.setdefault((-1, -1), Style()))
        axis_line = Text(" " * axis)
        axis_line.append(self._x_labels(labels, bar, columns), style=muted)
        legend = Text(" " * axis)
        for s, color in zip(self.series, colors, strict=False):
            if len(self.series) > 1:
                legend.append("■ ", style=Style(color=color.hex6))
                legend.append(f"{s.name}  ", style=muted)
        if size > 1:
            legend.append(f"(each bar sums {size} {self.unit})", style=muted)
        return Text("\n").join([*(row.done() for row in rows), axis_line, legend])

    @staticmethod
    def _cell(low: int, bounds: list[int]) -> tuple[str, tuple[int, int]]:
        """The character for the cell covering eighths [low, low + 8) of a stacked bar whose
        series end at the cumulative `bounds`, and its (foreground, background) series (-1 for
        none): the series at the cell's bottom fills it from below; a series above it that
        fills most of the rest shows as the background."""
        for index, bound in enumerate(bounds):
            if bound <= low:
                continue
            filled = min(8, bound - low)
            if filled < 8:
                above = [j for j in range(index + 1, len(bounds)) if bounds[j] > bound]
                if above and bounds[above[-1]] >= low + 4:
                    return EIGHTHS[filled], (index, above[0])
            return EIGHTHS[filled], (index, -1)
        return " ", (-1, -1)

    @staticmethod
    def _x_labels(labels: list[str], bar: int, columns: int) -> str:
        """The first, middle and last labels under their bars."""
        width = len(labels) * bar
        out = [" "] * max(width, columns)
        for index in (0, len(labels) // 2, len(labels) - 1):
            text = labels[index]
            at = min(index * bar, max(0, width - len(text)))
            if all(c == " " for c in out[max(0, at - 1) : at + len(text) + 1]):
                out[at : at + len(text)] = text
        return "".join(out).rstrip()


class ShareBar(Widget):
    """One line split in proportion to some counts, with a legend below."""

    DEFAULT_CSS = """
    ShareBar {
        height: auto;
        width: 1fr;
    }
    """

    def __init__(self, parts: Sequence[Series], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.parts = list(parts)
        self.counts: list[int] = [0] * len(self.parts)

    def update(self, counts: Sequence[int]) -> None:
        self.counts = list(counts)
        self.refresh(layout=True)

    def render(self) -> Text:
        colors = theme_colors(self, *(p.color for p in self.parts), "foreground-muted", "panel")
        muted = Style(color=colors[-2].hex6)
        width = max(1, self.size.width)
        total = sum(self.counts)
        line = Text()
        if total:
            used = 0
            acc = 0
            for count, color in zip(self.counts, colors, strict=False):
                acc += count
                end = round(acc * width / total)
                if count and end == used and used < width:
                    end = used + 1  # every non-empty part gets at least one cell
                line.append("█" * (end - used), style=Style(color=color.hex6))
                used = max(used, end)
        else:
            line.append("█" * width, style=Style(color=colors[-1].hex6))
        lines = [line, Text()]
        for part, count, color in zip(self.parts, self.counts, colors, strict=False):
            item = f"{part.name} {count}"
            if lines[-1].cell_len and lines[-1].cell_len + len(item) + 2 > width:
                lines.append(Text())
            lines[-1].append("■ ", style=Style(color=color.hex6))
            lines[-1].append(item + "   ", style=muted)
        for legend in lines[1:]:
            legend.rstrip()
        return Text("\n").join(lines)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """The bar, and its legend over as many lines as the width needs."""
        lines, used = 1, 0
        for part, count in zip(self.parts, self.counts, strict=False):
            item = len(f"{part.name} {count}") + 2
            if used and used + item > width:
                lines += 1
                used = 0
            used += item + 3
        return 1 + lines


def text_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    left: Sequence[int] = (0,),
    first_width: int = 28,
) -> Text:
    """A plain table as text: a bold header, a rule, and columns padded to their widest cell
    (columns in `left` aligned left, the others right; the first cut to `first_width`). Cheap
    to draw, unlike a Rich Table; cells are plain text, never markup."""
    rows = [[clip(r[0], first_width), *r[1:]] for r in rows]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        out = []
        for index, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            last = index == len(widths) - 1
            if index in left:
                out.append(cell if last else cell.ljust(width))
            else:
                out.append(cell.rjust(width))
        return "  ".join(out).rstrip()

    text = Text()
    text.append(line(header), style="bold")
    text.append("\n" + "─" * len(line(header)) + "\n")
    text.append("\n".join(line(r) for r in rows))
    return text
