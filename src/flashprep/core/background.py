"""A JSON result computed in a forked child process while this process goes on.

`flashprep stats` opens the statistics screen: the TUI spends most of its first second importing
Textual and drawing, on one core (the GIL), while reading 100,000 reviews and computing the
statistics would take as long again. Started in a child before the TUI, the computation runs on
another core; the screen takes the result when it needs it. The child shares nothing with the TUI
but a pipe: its terminal is /dev/null, and it never holds the user's lock (it forks before the
lock is taken, and only reads). Where there is no fork, or anything goes wrong, the caller
computes the result itself as it always could.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
from collections.abc import Callable, Hashable
from typing import Any


class Background:
    """A result on its way from a child process; `result()` waits for it (once)."""

    def __init__(self, key: Hashable, pid: int, fd: int) -> None:
        self.key = key
        self.pid = pid
        self._fd: int | None = fd

    def result(self) -> Any | None:
        """The child's result, or None if it failed (or was already taken)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return None
        try:
            with os.fdopen(fd, "rb") as pipe:
                data = pipe.read()  # until the child closes it: after sending all, or failing
            return json.loads(data) if data else None
        except (OSError, ValueError):
            return None

    def finish(self) -> None:
        """Wait for the child to end (stopping it first if its result was never read)."""
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            if fd is not None:
                os.close(fd)
                os.kill(self.pid, signal.SIGTERM)
            os.waitpid(self.pid, 0)


_started: Background | None = None
_children: list[Background] = []


def start(key: Hashable, work: Callable[[], Any], after: Callable[[], None] | None = None) -> None:
    """Run `work()` in a forked child; its JSON-ready result is kept for `take(key)`.

    `after()` runs in the child once the result is sent (e.g. saving a cache). Without
    os.fork (Windows) nothing is started and `take` finds nothing.
    """
    global _started
    if not hasattr(os, "fork"):
        return
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, leave without running the parent's clean-up
        code = 1
        try:
            os.close(read)
            quiet = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(quiet, fd)
            data = json.dumps(work(), ensure_ascii=False).encode()
            with os.fdopen(write, "wb") as pipe:
                pipe.write(data)
            code = 0
            if after is not None:
                after()
        except BaseException:
            pass
        finally:
            os._exit(code)
    os.close(write)
    _started = Background(key, pid, read)
    _children.append(_started)


def take(key: Hashable) -> Background | None:
    """The background result started for `key`, handed out once; None if there is none."""
    global _started
    found, _started = _started, None
    if found is not None and found.key != key:
        found.finish()
        return None
    return found


def finish() -> None:
    """Wait for every child started (stopping those whose result nobody read)."""
    global _started
    _started = None
    while _children:
        _children.pop().finish()
