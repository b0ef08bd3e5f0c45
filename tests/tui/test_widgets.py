"""The drill's light widgets: card text drawn as Markdown draws it; keys that follow the screen."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from rich.console import Console
from rich.markdown import Markdown as RichMarkdown
from rich.text import Text

from flashprep.tui.app import FlashprepApp
from flashprep.tui.screens.drill import DrillScreen
from flashprep.tui.widgets.card import _MARKDOWN_SYNTAX, KeyBar, RenderedOnce

MakeApp = Callable[..., FlashprepApp]


def drawn(renderable: object, width: int = 40) -> str:
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


@pytest.mark.parametrize(
    "text",
    [
        "Q4757. What is HTTP/2 stream, and when does it matter across two data centres?",
        "Tell me about a time you disagreed with your manager. What did you do?",
        "Why is 0.1 + 0.2 not equal to 0.3 in most languages?",
    ],
)
def test_plain_text_is_drawn_as_markdown_would_draw_it(text: str) -> None:
    assert not _MARKDOWN_SYNTAX.search(text)

    def lines(rendered: str) -> list[str]:  # Markdown pads lines with spaces; the screen too
        return [line.rstrip() for line in rendered.splitlines()]

    assert lines(drawn(Text(text))) == lines(drawn(RichMarkdown(text)))


@pytest.mark.parametrize(
    "text",
    [
        "What does `is` do?",
        "Why **bold**?",
        "- a list item",
        "1. first",
        "# A heading",
        "What is 2 + [2]?",
        "line one\nline two",
        "See https://example.com",
        "a < b and c & d",
        "snake_case names",
    ],
)
def test_text_with_markdown_syntax_goes_through_the_parser(text: str) -> None:
    assert _MARKDOWN_SYNTAX.search(text)


def test_rendered_once_draws_the_same_and_renders_once_per_width() -> None:
    markdown = RichMarkdown("- **one** thing\n- `two`\n\n```python\nx = 1\n```\n")
    calls = 0
    original = RichMarkdown.__rich_console__

    def counting(self: RichMarkdown, console: Console, options: object) -> object:
        nonlocal calls
        calls += 1
        return original(self, console, options)  # type: ignore[arg-type]

    cached = RenderedOnce(markdown)
    RichMarkdown.__rich_console__ = counting  # type: ignore[method-assign]
    try:
        first = drawn(cached)
        assert drawn(cached) == first
        assert calls == 1
        assert drawn(cached, width=20) != first  # another width: drawn again
        assert calls == 2
    finally:
        RichMarkdown.__rich_console__ = original  # type: ignore[method-assign]
    assert first == drawn(markdown)


async def test_the_key_bar_follows_the_drill_and_a_click_presses_a_key(make_app: MakeApp) -> None:
    app = make_app("drill", ["alpha"])
    async with app.run_test(size=(100, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, DrillScreen)
        bar = screen.query_one(KeyBar)
        before = str(bar.render())
        assert "Show answer" in before and "Good" not in before and "palette" in before
        start = before.index("space")  # the key label of "space Show answer"
        await pilot.click(KeyBar, offset=(start + 1, 0))
        assert screen.revealed
        after = str(bar.render())
        assert "Good" in after and "Show answer" not in after


@pytest.mark.parametrize("count", [0, 1, 2])
def test_story_text_names_the_story_keys_only_where_they_exist(count: int) -> None:
    from flashprep.core.interview.stories import Story
    from flashprep.tui.widgets.story_panel import story_text

    stories = [Story(id=f"s{i}", title=f"Story {i}", situation="S.") for i in range(count)]
    with_keys = story_text(stories).plain
    without = story_text(stories, keys=False).plain
    assert "t hides" in with_keys and "l link" in with_keys
    assert "hides" not in without and "l link" not in without
    assert all(f"Story {i}" in without for i in range(count))
    assert without.startswith("Your stories" if count else "No story linked")


@pytest.mark.parametrize("room", [30, 45, 60, 75, 90, 200])
@pytest.mark.parametrize("name", [4, 40, 90])
def test_fit_columns_drops_the_least_needed_first_and_never_overflows(room: int, name: int) -> None:
    from flashprep.tui.widgets.plain import fit_columns

    widths = {"name": name, "cards": 5, "studied": 7, "due": 3, "recall": 6, "ready": 5}
    dropped_first = ("studied", "cards", "due")
    keys, flex = fit_columns(widths, "name", dropped_first, room, wants=40)
    assert {"name", "recall", "ready"} <= set(keys)  # the meaning always stays
    assert [k for k in widths if k in keys] == keys  # in their order
    gone = [k for k in dropped_first if k not in keys]
    assert gone == list(dropped_first[: len(gone)])  # dropped in the order given
    assert 8 <= flex <= name or name < 8
    used = sum(widths[k] + 2 for k in keys if k != "name") + flex + 2
    if flex > 8:  # the name was not held at its least width: all fits
        assert used <= room
    if gone:  # a column was dropped only while the name lacked its width
        kept = {**{k: widths[k] for k in keys}, gone[-1]: widths[gone[-1]]}
        assert room - sum(w + 2 for k, w in kept.items() if k != "name") - 2 < min(name, 40)
    if flex < min(name, 40):
        assert gone == list(dropped_first)  # everything droppable went first
