"""Reading a user's review log: its month files, from a saved offset, without cut-off entries.

Separate from the entries' validation (`reviewlog`) because reading has to know where complete
data ends (`logtail`), and from writing (`logwrite`), which only a lock holder does.

A synced data folder holds one log per computer (`reviews/<device-id>/`, storage/device.py).
Their union is one history: each device's entries in the order written, merged by time (entries
of the same instant by device id) and each id once (`merge_devices`), so every computer replays
the same files the same way.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from flashprep.core.files.tomlerrors import DataFileError, cannot_read, table_lines
from flashprep.core.storage.device import DEVICE_ID
from flashprep.core.storage.logtail import log_end
from flashprep.core.storage.reviewlog import MONTH_FILE, LogEntry, parse_log


def read_log(path: Path, offset: int = 0) -> tuple[list[LogEntry], int]:
    """Entries of a month file from `offset` (a block boundary), and where complete data ends.

    An incomplete last block (a crash mid-append, or another process's append in flight) and
    trailing NULs are left out: they are not entries. A writer sets them aside (`repair_tail`).
    Only the bytes after `offset` are read, unless an error needs the line numbers before it.
    """
    entries, raw = _read(path, offset)
    return entries, offset + len(raw)


def _read(path: Path, offset: int) -> tuple[list[LogEntry], bytes]:
    """`read_log`'s entries, and the bytes of complete data they were read from."""
    try:
        with path.open("rb") as handle:
            handle.seek(offset)
            raw = handle.read()
    except OSError as exc:
        raise cannot_read(path, exc) from None
    if not raw.strip():  # nothing after the checkpoint: the usual start
        return [], raw
    raw = raw[: log_end(raw).end]  # a cut-off entry and trailing padding are not entries
    try:
        entries = parse_log(raw, path)
    except DataFileError:
        if not offset:
            raise
        head = path.read_bytes()[:offset]  # only now: to count lines and entries from the top
        parse_log(raw, path, head.count(b"\n") + 1, len(table_lines(head, "review")))
        raise
    return entries, raw


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
    entries, raw = _read(path, offset)
    starts = [offset + m.start() for m in _BLOCK.finditer(raw)]
    return LogBlocks(entries, starts if len(starts) == len(entries) else [], offset + len(raw))


def log_files(folder: Path) -> list[Path]:
    """The month files of a user's log, oldest first."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if MONTH_FILE.match(p.name))


def device_logs(reviews: Path) -> dict[str, list[Path]]:
    """Each device's month files (oldest first) by device id, devices in id order; "" for
    month files directly in `reviews/` (a folder of a release before syncing). A device
    folder without a month file is left out."""
    out: dict[str, list[Path]] = {}
    flat = log_files(reviews)
    if flat:
        out[""] = flat
    try:
        subs = sorted(p for p in reviews.iterdir() if DEVICE_ID.match(p.name) and p.is_dir())
    except OSError:
        return out
    for sub in subs:
        files = log_files(sub)
        if files:
            out[sub.name] = files
    return out


def entry_key(entry: LogEntry) -> tuple[datetime, str]:
    """An entry's time and id: a device's latest entry is the one with the greatest key."""
    return entry.at, entry.id


def merge_devices(logs: Mapping[str, Iterable[LogEntry]]) -> Iterator[LogEntry]:
    """One history from each device's entries (each in its own order): a merge by time;
    entries of the same instant go in device id order, and a device's own in the order
    written (not by entry id: several cards changed at once share an instant, and must keep
    their order). An id seen before (the same history imported on two computers, a round
    applied on both) is left out. A device's own order is never changed, even where its clock
    went back, so one device's log replays exactly as it was written. When every device's
    entries are in time order, this is a sort by (time, device id, order written)."""
    seen: set[str] = set()
    merged = heapq.merge(*(logs[d] for d in sorted(logs)), key=_at)
    for entry in merged:
        if entry.id not in seen:
            seen.add(entry.id)
            yield entry


def _at(entry: LogEntry) -> datetime:
    return entry.at


def _device_entries(files: list[Path]) -> Iterator[LogEntry]:
    for path in files:
        yield from read_log_file(path)


def read_all(folder: Path) -> Iterator[LogEntry]:
    """Every entry of a user's log, as one history (for rebuilds and statistics): `folder` is
    the user's `reviews/` (every device) or one device's folder."""
    logs = device_logs(folder)
    if len(logs) == 1:  # one device: its files in order, nothing to merge
        yield from _device_entries(next(iter(logs.values())))
        return
    yield from merge_devices({d: list(_device_entries(f)) for d, f in logs.items()})
