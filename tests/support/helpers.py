"""Test helpers shared by the core and UI tests: hand-moved clocks, reading what a widget shows."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownBlock

from flashprep.core.scheduling.scheduler import CardState
from flashprep.tui.widgets.card import CardMarkdown

START = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def review_state(stability: float, days_ago: float = 0.0, due_in: float = 60.0) -> CardState:
    """A card in review, last reviewed `days_ago` before START and due `due_in` after it."""
    return CardState(
        state="review",
        stability=stability,
        difficulty=5.0,
        due=START + timedelta(days=due_in),
        last_review=START - timedelta(days=days_ago),
        reps=3,
    )


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


class Timer:
    """A monotonic clock the test moves by hand (answer timers)."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


def markdown_text(md: Markdown | CardMarkdown) -> str:
    """What a Markdown widget (Textual's, or a card's) shows, as plain text."""
    if isinstance(md, CardMarkdown):
        console = Console(width=100, record=True, color_system=None, file=io.StringIO())
        console.print(md.content)  # a RenderedOnce of the card's Rich Markdown
        return console.export_text()
    return "\n".join(str(block.content) for block in md.query(MarkdownBlock))


HOLD = """
import sys, time
from pathlib import Path
from flashprep.core.files.lock import UserLock
lock = UserLock(Path(sys.argv[1]), name=sys.argv[2])
lock.acquire()
print("holding", flush=True)
time.sleep(120)
"""


@contextmanager
def held_elsewhere(folder: Path, name: str = "lock") -> Iterator[subprocess.Popen[str]]:
    """Another process holding the lock on `folder` until the block ends (then killed)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(folder), name],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "holding"
        yield proc
    finally:
        proc.kill()
        proc.wait()
