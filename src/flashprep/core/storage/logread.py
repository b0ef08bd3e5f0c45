"""Reading a user's review log: its month files, from a saved offset, without cut-off entries.

Separate from the entries' validation (`reviewlog`) because reading has to know where complete
data ends (`logtail`), and from writing (`logwrite`), which only a lock holder does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from flashprep.core.files.tomlerrors import DataFileError, cannot_read, table_lines
from flashprep.core.storage.logtail import log_end
from flashprep.core.storage.reviewlog import MONTH_FILE, LogEntry, parse_log


def read_log(path: Path, offset: int = 0) -> tuple[list[LogEntry], int]:
    """Entries of a month file from `offset` (a block boundary), and where complete data ends.

    An incomplete last block (a crash mid-append, or another process's append in flight) and
    trailing NULs are left out: they are not entries. A writer sets them aside (`repair_tail`).
    Only the bytes after `offset` are read, unless an error needs the line numbers before it.
    """
    try:
        with path.open("rb") as handle:
            handle.seek(offset)
            raw = handle.read()
    except OSError as exc:
        raise cannot_read(path, exc) from None
    if not raw.strip():  # nothing after the checkpoint: the usual start
        return [], offset + len(raw)
    raw = raw[: log_end(raw).end]  # a cut-off entry and trailing padding are not entries
    try:
        entries = parse_log(raw, path)
    except DataFileError:
        if not offset:
            raise
        head = path.read_bytes()[:offset]  # only now: to count lines and entries from the top
        parse_log(raw, path, head.count(b"\n") + 1, len(table_lines(head, "review")))
        raise
    return entries, offset + len(raw)


def read_log_file(path: Path, offset: int = 0) -> list[LogEntry]:
    """Read a month file from `offset` (a block boundary) to its end (see `read_log`)."""
    return read_log(path, offset)[0]


_BLOCK = re.compile(rb"\n[ \t]*\[\[[ \t]*review[ \t]*\]\]")


class LogBlocks(NamedTuple):
    """Entries read from a month file, with the byte offset at which each one's block starts
    (where an undo cuts the file back to; empty when blocks cannot be told apart, e.g. a
    hand-edited file) and the offset just after the last complete block read."""

    entries: list[LogEntry]
    starts: list[int]
    end: int


def read_log_blocks(path: Path, offset: int = 0) -> LogBlocks:
    """Like `read_log`, with the byte offset of each entry's block (for the history cache)."""
    entries, end = read_log(path, offset)
    try:
        with path.open("rb") as handle:
            handle.seek(offset)
            raw = handle.read(end - offset)
    except OSError as exc:
        raise cannot_read(path, exc) from None
    starts = [offset + m.start() for m in _BLOCK.finditer(raw)]
    return LogBlocks(entries, starts if len(starts) == len(entries) else [], end)


def log_files(folder: Path) -> list[Path]:
    """The month files of a user's log, oldest first."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if MONTH_FILE.match(p.name))


def read_all(folder: Path) -> Iterator[LogEntry]:
    """Every entry of a user's log, oldest file first (for rebuilds and statistics)."""
    for path in log_files(folder):
        yield from read_log_file(path)
