"""A progress bar on stderr for the commands that can take seconds (optimize, a first stats)."""

from __future__ import annotations

import time
from typing import TextIO


class ProgressBar:
    """A one-line bar on a terminal, redrawn at most ten times a second; nothing elsewhere."""

    WIDTH = 30

    def __init__(self, stream: TextIO, label: str, hint: str = "") -> None:
        self.stream = stream
        self.label = label
        self.hint = f" {hint}" if hint else ""
        self.on = stream.isatty()
        self._drawn = 0.0

    def __call__(self, done: float) -> None:
        now = time.monotonic()
        if not self.on or (now - self._drawn < 0.1 and done < 1):
            return
        self._drawn = now
        filled = round(self.WIDTH * min(max(done, 0.0), 1.0))
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done:4.0%}{self.hint}")
        self.stream.flush()

    def say(self, text: str) -> None:
        """A line in place of the bar (a step before or after the one it measures)."""
        if self.on:
            self.stream.write(f"\r\033[K{text}")
            self.stream.flush()

    def clear(self) -> None:
        if self.on:
            self.stream.write("\r\033[K")
            self.stream.flush()
