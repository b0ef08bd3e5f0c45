"""Where the complete entries of a review log end: a crash in the middle of an append.

Blocks are appended whole, so only a crash or a power cut can leave a cut-off last block (and
NULs the disk never got). Telling such a cut from damage, setting it aside (`repair_tail`) and
checking that a checkpoint's offset is still the end of its last entry (`entry_ends_at`) are one
question about the end of a file's bytes, kept apart from reading and writing entries.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import NamedTuple

from flashprep.core.files.fileio import append_durable, truncate_durable
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.storage.reviewlog import LOG_HEADER, parse_log

_LINE_STARTING_A_TABLE = re.compile(rb"^[ \t]*\[", re.M)
_LINE_END = re.compile(rb"[ \t]*\r?\n")
_REQUIRED = ("id", "at", "card")
PADDING = b"\x00 \t\r\n"
"""Bytes a log may end with that are no entry: whitespace, and NULs (a power cut during an
append can leave the file's new size without its data: XFS, ext4 with data=writeback)."""


class LogEnd(NamedTuple):
    """How a log's bytes end. `end` is just after the last complete entry (and its line end,
    when it has one); `cut` says whether the bytes after it hold a cut-off entry (to set aside)
    rather than only padding."""

    end: int
    cut: bool


def log_end(raw: bytes) -> LogEnd:
    """Where the complete entries of a log (or of its tail from a block boundary) end.

    Blocks are appended whole (one write, then fsync), so only a crash or a power cut during an
    append leaves a cut-off last block: a prefix of a block, maybe followed or interrupted by
    NULs (data the disk never got). Trailing NULs and whitespace are not an entry. Only a last
    block that is not a complete entry is cut off: it lacks a key every block has, or it does
    not parse while its last line is unfinished (no newline, or NULs after it). The first NUL
    marks where unwritten data begins: nothing after it is an entry. Anything else wrong (whole
    lines that are not TOML, a wrong value) is not a crash: `end` is then the end of the bytes,
    for the parser to report, and nothing is set aside.
    """
    nul = raw.find(b"\x00")
    body = raw if nul < 0 else raw[:nul]
    content = body.rstrip(PADDING)
    after = raw[len(content) :]
    ragged = nul >= 0 or b"\n" not in after  # the last line may be unfinished
    judged = _judge(content, ragged)
    if judged is None:
        return LogEnd(len(raw), False)  # damage, not a cut: the parser reports it
    end, whole = judged
    if whole and end:
        line_end = _LINE_END.match(raw, end)
        end = line_end.end() if line_end else end
    return LogEnd(end, bool(raw[end:].strip(PADDING)))


def _judge(content: bytes, ragged: bool) -> tuple[int, bool] | None:
    """(where the complete entries end, whether the last block is whole), or None (damage).

    `content` has no trailing padding; `ragged` says its last line may have been cut."""
    start = _last_table_line(content)
    if start < 0:
        header = LOG_HEADER.rstrip(b"\n")
        if content == header or not content:
            return len(content), True
        return (0, False) if header.startswith(content) else None
    for blank in (b"\n\n", b"\r\n\r\n"):  # the blank line that opens every block belongs to it
        if content[max(0, start - len(blank)) : start] == blank:
            start -= len(blank) // 2
            break
    try:
        data = tomllib.loads(content[start:].decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return (start, False) if ragged else None  # whole lines that are not TOML: damage
    items = data.get("review")
    if set(data) != {"review"} or not isinstance(items, list) or len(items) != 1:
        return None
    block = items[0]
    if not isinstance(block, dict) or any(key not in block for key in _REQUIRED):
        return start, False
    if block.get("action", "grade") == "grade" and "rating" not in block:
        return start, False
    return len(content), True


def _last_table_line(content: bytes) -> int:
    """Where the last line that starts a table begins, or -1: looked for from the end, line by
    line, since only the last block is judged (a month file holds thousands)."""
    end = len(content)
    while end >= 0:
        start = content.rfind(b"\n", 0, end) + 1
        if _LINE_STARTING_A_TABLE.match(content, start):
            return start
        end = start - 1
    return -1


def incomplete_tail(raw: bytes) -> int | None:
    """Where a cut-off last entry starts (the file was cut while appending it), else None."""
    end, cut = log_end(raw)
    return end if cut else None


def last_block_id(raw: bytes) -> str | None:
    """The id of the complete block `raw` ends with, or None (the end is not a block boundary).

    A checkpoint is trusted only if its offset is still exactly the end of its last entry.
    """
    starts = [m.start() for m in _LINE_STARTING_A_TABLE.finditer(raw)]
    if not starts or log_end(raw) != (len(raw), False):
        return None
    try:
        block = tomllib.loads(raw[starts[-1] :].decode("utf-8"))["review"][0]
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, IndexError, TypeError):
        return None
    entry_id = block.get("id") if isinstance(block, dict) else None
    return entry_id if isinstance(entry_id, str) else None


def partial_path(path: Path) -> Path:
    """Where the cut-off last block of a month file is set aside: `<month>.toml.partial`."""
    return path.with_name(path.name + ".partial")


_TAIL_WINDOW = 4096
"""How much of a month file's end is read to look for a cut-off last block (blocks are small)."""


def repair_tail(path: Path) -> Path | None:
    """Make a month file end cleanly, so that the next block is not appended after garbage.

    A cut-off last block is moved to `<month>.toml.partial` (appended, nothing lost; trailing
    NULs dropped), trailing padding is cut off, and a missing final newline is added. Only a
    process holding the user's lock may call this: without it, the "cut-off" block might be
    another process's append in flight. Nothing is touched unless the rest of the file is
    valid. Only the end of the file is read unless something is found. Returns the .partial
    file when something was set aside, else None.
    """
    with path.open("rb") as handle:
        size = handle.seek(0, 2)
        begin = max(0, size - _TAIL_WINDOW)
        handle.seek(begin)
        window = handle.read()
    if begin and _LINE_STARTING_A_TABLE.search(window) is None:
        begin, window = 0, path.read_bytes()  # an unusually long last block: look at it all
    end, cut = log_end(window)
    if end == len(window) and (not window or window.endswith(b"\n")):
        return None  # the usual case: the file ends cleanly
    if begin and end == 0:
        begin, window = 0, path.read_bytes()  # the window began inside the block: read it all
        end, cut = log_end(window)
    start = begin + end
    raw = path.read_bytes()
    try:
        parse_log(raw[:start], path)
    except DataFileError:
        return None  # something else is wrong too: report that, and touch nothing
    target = None
    if cut:
        target = partial_path(path)
        append_durable(target, raw[start:].rstrip(b"\x00"))
    if start < len(raw):
        truncate_durable(path, start)
    if start and not raw[:start].endswith(b"\n"):
        append_durable(path, b"\n")  # a hand edit without a final newline, or padding cut off
    return target


def entry_ends_at(path: Path, offset: int, last: str) -> bool:
    """Whether the log block with id `last` ends exactly at byte `offset` of `path`."""
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            if offset > size:
                return False
            start = max(0, offset - _TAIL_WINDOW)
            handle.seek(start)
            window = handle.read(offset - start + 1)
    except OSError:
        return False
    cut = offset - start
    block, after = window[:cut], window[cut:]
    return after in PADDING and last_block_id(block) == last  # after: at most one byte
