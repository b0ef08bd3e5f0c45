"""A program in a real pseudo-terminal, for timing what a user would see (Linux and macOS).

`Terminal` starts a command in a pty of a given size, reads everything it draws, and waits until
a pattern appears in the text on screen (escape sequences removed), returning the time since a
given moment. When the program exits, its peak memory (max RSS) comes from `os.wait4`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import struct
import sys
import termios
import time
from collections.abc import Sequence

_ESCAPES = re.compile(
    rb"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|.)"
)

CTRL_Q = b"\x11"
TERM_ENV = {"TERM": "xterm-256color", "COLORTERM": "truecolor"}
"""What the pty says it is: a terminal like most today (256 colours and 24-bit colour), so that
no app's output is converted down to fewer colours."""


class TimedOut(Exception):
    """The text did not appear in time; the message holds the end of what was drawn."""


class Terminal:
    """One program running in a pty of `size` (columns, rows)."""

    def __init__(
        self,
        argv: Sequence[str],
        env: dict[str, str] | None = None,
        size: tuple[int, int] = (100, 32),
    ) -> None:
        self.started = time.perf_counter()
        environment = dict(os.environ if env is None else env)
        environment.update(TERM_ENV)
        pid, fd = pty.fork()
        if pid == 0:  # the child: become the program
            try:
                os.execvpe(argv[0], list(argv), environment)
            finally:
                os._exit(127)
        self.pid = pid
        self.fd = fd
        columns, rows = size
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.screen = b""
        """Text drawn since the last `mark()`, escape sequences removed."""
        self._raw = b""
        self.max_rss_kib = 0
        self.status: int | None = None

    def mark(self) -> float:
        """Forget what was drawn so far; return now (the moment later waits are timed from)."""
        self._drain(0)
        self.screen = b""
        self._raw = b""
        return time.perf_counter()

    def send(self, keys: bytes) -> float:
        """Type `keys`; return the moment they were sent."""
        now = self.mark()
        os.write(self.fd, keys)
        return now

    def wait_for(self, pattern: bytes, since: float | None = None, timeout: float = 30.0) -> float:
        """Seconds from `since` (default: the start) until `pattern` is on screen.

        Returns the match through `self.match`.
        """
        start = self.started if since is None else since
        regex = re.compile(pattern)
        deadline = time.perf_counter() + timeout
        while True:
            found = regex.search(self.screen)
            if found:
                self.match = found
                return time.perf_counter() - start
            left = deadline - time.perf_counter()
            if left <= 0 or not self._drain(left):
                tail = self.screen[-400:].decode(errors="replace")
                raise TimedOut(f"{pattern!r} not on screen after {timeout:.0f} s; last: {tail!r}")

    def _drain(self, wait: float) -> bool:
        """Read what is available (waiting up to `wait` s for the first bytes); False at EOF."""
        got_any = False
        while True:
            ready, _, _ = select.select([self.fd], [], [], wait if not got_any else 0)
            if not ready:
                return got_any or wait == 0
            try:
                data = os.read(self.fd, 1 << 16)
            except OSError:
                return got_any
            if not data:
                return got_any
            got_any = True
            self._raw += data
            self.screen = _ESCAPES.sub(b"", self._raw)

    def close(self, keys: bytes = CTRL_Q, timeout: float = 15.0) -> int:
        """Type `keys` (quit), read until the program exits; return its peak RSS in KiB."""
        if self.status is None:
            with contextlib.suppress(OSError):
                os.write(self.fd, keys)
            deadline = time.perf_counter() + timeout
            closed = False
            while not closed and time.perf_counter() < deadline:
                ready, _, _ = select.select([self.fd], [], [], 0.2)
                if ready:
                    try:
                        closed = not os.read(self.fd, 1 << 16)
                    except OSError:
                        closed = True  # the program closed its terminal: it is exiting
            if not closed:
                os.kill(self.pid, 9)
            _, status, usage = os.wait4(self.pid, 0)
            self._ended(status, usage.ru_maxrss)
        os.close(self.fd)
        return self.max_rss_kib

    def _ended(self, status: int, max_rss: int) -> None:
        self.status = status
        # Linux reports KiB, macOS bytes.
        self.max_rss_kib = max_rss // 1024 if sys.platform == "darwin" else max_rss
