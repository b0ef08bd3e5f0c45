"""Light widgets for the drill, where every grade redraws the screen.

A grade must show the next card within two frames. Textual's Markdown widget parses in a thread
and mounts one widget per block, and its Footer mounts one widget per key whenever the keys change
(twice a card: question, then answer); on a 2-core machine those cost tens of milliseconds per
card, most of it styling and laying out the new widgets. These draw the same things as one widget
each: card text as Rich Markdown, the keys as one line of text, and the drill's status line (every
widget on the first screen also delays the first question at start-up).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.binding import ActiveBinding, Binding
from textual.geometry import Size
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static


class RenderedOnce:
    """A Rich renderable drawn once per width: Textual measures and redraws a widget many times
    (each layout, each partial update), and rendering Markdown is the costly part."""

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable
        self._lines: dict[int, list[list[Segment]]] = {}

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines = self._lines.get(options.max_width)
        if lines is None:
            lines = console.render_lines(self.renderable, options.update(height=None), pad=False)
            self._lines[options.max_width] = lines
        new_line = Segment.line()
        for line in lines:
            yield from line
            yield new_line


_MARKDOWN_SYNTAX = re.compile(r"[\\`*_\[\]<>#!|~&]|\n|^\s|^[-+>=]|^\d+[.)]|https?://|www\.")
"""Anything Markdown could read as more than words: without it, text draws as it is."""


class CardMarkdown(Static):
    """A card's question or answer (Markdown, user data): drawn by Rich, never read as markup.

    Text with no Markdown syntax at all (many questions) is drawn as it is, exactly as Markdown
    would draw it, without loading the Markdown parser (a sizeable part of start-up).
    """

    DEFAULT_CSS = """
    CardMarkdown {
        height: auto;
    }
    """

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id, markup=False)
        self.source = ""
        """The Markdown shown (after core.text.clean)."""

    def show(self, markdown: str) -> None:
        self.source = markdown
        text = markdown.strip()
        if not _MARKDOWN_SYNTAX.search(text):
            self.update(Text(text))
            return
        from rich.markdown import Markdown as RichMarkdown

        code_theme = "monokai" if self.app.current_theme.dark else "default"
        self.update(RenderedOnce(RichMarkdown(markdown, code_theme=code_theme, hyperlinks=False)))


class StatusLine(Widget):
    """Progress on the left, the answer timer on the right (bold, in the error colour, once the
    answer runs over its target). A short notice ("Undone.") takes the progress's place for a
    few seconds: a toast would cover the question or the grade buttons."""

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        padding: 0 1;
        background: $boost;
    }
    StatusLine > .statusline--over {
        color: $error;
        text-style: bold;
    }
    StatusLine > .statusline--notice {
        color: $text-success;
        text-style: bold;
    }
    """
    COMPONENT_CLASSES = {"statusline--over", "statusline--notice"}

    progress: reactive[str] = reactive("")
    timer: reactive[str] = reactive("")
    over: reactive[bool] = reactive(False)
    notice: reactive[str] = reactive("")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._notice_timer: Timer | None = None

    def show_notice(self, text: str, seconds: float) -> None:
        """Show `text` (plain, one line) instead of the progress for `seconds`."""
        if self._notice_timer is not None:
            self._notice_timer.stop()
        self.notice = text
        self._notice_timer = self.set_timer(seconds, self._clear_notice)

    def _clear_notice(self) -> None:
        self.notice = ""
        self._notice_timer = None

    def render(self) -> Text:
        timer = cell_len(self.timer)
        room = max(1, self.content_size.width - timer - 1)
        if self.notice:
            text = Text(self.notice, self.get_component_rich_style("statusline--notice"))
        else:
            text = Text(self.progress)
        text.truncate(room, overflow="ellipsis")
        text.no_wrap = True
        text.append(" " * max(1, self.content_size.width - text.cell_len - timer))
        text.append(
            self.timer, self.get_component_rich_style("statusline--over") if self.over else ""
        )
        return text


HELP_KEYS = [
    Binding("question_mark", "app.help", "Help", id="help"),
    Binding("f1", "app.help", "Help", id="help_f1"),
]
"""The keys that open the help of the screen shown, for the App and for every modal screen (a
modal one hides the App's keys). `?` types into a focused text field, so F1 opens it there: the
key bar shows whichever of the two works at that moment, and only one of them."""


class KeyBar(Widget):
    """The keys of its screen on one line, like Textual's Footer; a click on one presses it.

    A screen may name a key for where it leads now (the drill's Escape: `esc Plan` when it came
    from the plan) with a method `key_label(binding) -> str | None`."""

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    KeyBar > .keybar--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    KeyBar > .keybar--description {
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    """
    COMPONENT_CLASSES = {"keybar--key", "keybar--description"}

    def __init__(self, *, rows: int = 1, id: str | None = None) -> None:
        """`rows` > 1: when the keys do not fit on one line they go on to the next ones (the
        home screen's many keys at 80 columns), up to `rows` lines."""
        super().__init__(id=id)
        self.rows = max(1, rows)
        if self.rows > 1:
            self.styles.height = "auto"
        self._spans: list[tuple[int, int, int, str]] = []
        """(line, start, end, key) of each key drawn, for clicks."""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: Screen[Any]) -> None:
        self.refresh(layout=self.rows > 1)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(self.screen.active_bindings.values(), width))

    def render(self) -> Text:
        key_style = self.get_component_rich_style("keybar--key")
        description_style = self.get_component_rich_style("keybar--description")
        spans: list[tuple[int, int, int, str]] = []
        active = self.screen.active_bindings
        room = self.size.width or 10_000  # before the first layout: everything
        lines: list[Text] = []
        for row, keys in enumerate(self._lines(active.values(), room)):
            text = Text(no_wrap=True, overflow="crop")
            for binding, enabled in keys:
                start = len(text)
                text.append(f" {self.app.get_key_display(binding)} ", key_style)
                text.append(f"{self._description(binding)} ", description_style)
                if not enabled:
                    text.stylize("dim", start)
                spans.append((row, start, len(text), binding.key))
            lines.append(text)
        text = lines[-1]
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        if palette is not None and self.app.ENABLE_COMMAND_PALETTE:
            label = f" {self.app.get_key_display(palette.binding)} palette "
            gap = self.size.width - len(text) - len(label) - 1
            if gap > 0:
                text.append(" " * gap + "▏")
                spans.append(
                    (len(lines) - 1, len(text), len(text) + len(label), palette.binding.key)
                )
                text.append(label, description_style)
        self._spans = spans
        return Text("\n", no_wrap=True, overflow="crop").join(lines)

    def _description(self, binding: Binding) -> str:
        key_label = getattr(self.screen, "key_label", None)
        label = key_label(binding) if callable(key_label) else None
        return label if isinstance(label, str) else binding.description

    def _width(self, binding: Binding) -> int:
        key = self.app.get_key_display(binding)
        return cell_len(key) + cell_len(self._description(binding)) + 3

    def _lines(
        self, active: Iterable[ActiveBinding], room: int
    ) -> list[list[tuple[Binding, bool]]]:
        """The keys to show, line by line, in order: a line is filled before the next one
        starts (up to `rows`); when they still do not all fit, the last ones are left out
        first, but never Help (`?`), which lists every key of the screen."""
        shown: list[tuple[Binding, bool]] = []
        actions: set[str] = set()
        for _node, binding, enabled, _tooltip in active:
            action = binding.action.removeprefix("app.")
            if binding.show and action not in actions:
                actions.add(action)
                shown.append((binding, enabled))
        lines: list[list[tuple[Binding, bool]]] = []
        while len(lines) < self.rows - 1:
            widths = [self._width(binding) for binding, _ in shown]
            if sum(widths) <= room:
                break  # the rest fits on this line
            used = count = 0
            while used + widths[count] <= room:
                used += widths[count]
                count += 1
            lines.append(shown[: max(1, count)])
            shown = shown[max(1, count) :]
        lines.append(self._fitting(shown, room))
        return lines

    def _fitting(self, shown: list[tuple[Binding, bool]], room: int) -> list[tuple[Binding, bool]]:
        """`shown` without its last keys (but Help) until what is left fits in `room`."""
        shown = list(shown)
        total = sum(self._width(b) for b, _ in shown)
        for index in range(len(shown) - 1, -1, -1):
            if total <= room:
                break
            binding = shown[index][0]
            if binding.action.removeprefix("app.") != "help":
                total -= self._width(binding)
                del shown[index]
        return shown

    def on_click(self, event: events.Click) -> None:
        for line, start, end, key in self._spans:
            if line == event.y and start <= event.x < end:
                self.app.simulate_key(key)
                return
