"""One card's history from the review log, without parsing the whole log.

The card details show every action on one card. Parsing 100,000 entries of TOML takes seconds,
so the month files' bytes are searched for the card's `card = "..."` line (as `entry_to_toml`
writes it; a hand edit's spacing and quotes are allowed too) and only the blocks that hold it
are parsed and validated. The closing quote is part of the search, so `deck/a` never finds
`deck/ab`. A cut-off last block (a crash mid-append, another process's append in flight) is
left out, as `read_log` leaves it out.
"""

from __future__ import annotations

import re
from pathlib import Path

from flashprep.core.files.tomlerrors import DataFileError, cannot_read, table_lines
from flashprep.core.storage.logread import device_logs, merge_devices
from flashprep.core.storage.logtail import log_end
from flashprep.core.storage.replay import LogPosition
from flashprep.core.storage.reviewlog import LogEntry, parse_log

_HEADER = re.compile(rb"[ \t]*\[\[[ \t]*review[ \t]*\]\]")
"""A block's header line, as `logread` splits blocks."""
_NEXT = re.compile(rb"\n" + _HEADER.pattern)
_CARD_LINE = re.compile(rb"[ \t]*card[ \t]*=[ \t]*")
"""What comes before the quoted key on its line."""
_LINE_REST = re.compile(rb"[ \t]*(?:#|\r?\n|\r?$)")
"""What may follow it: spaces, then a comment or the line's end."""


def _card_lines(raw: bytes, key: str) -> list[int]:
    """Where the lines `card = "<key>"` (or `'<key>'`) start, in order.

    The quoted key is looked for first (a plain bytes search, many times faster than a regular
    expression over every line), then its line is checked. A key needs no escapes
    (keys.CARD_KEY), and the closing quote keeps `deck/a` from finding `deck/ab`.
    """
    name = key.encode()
    found: list[int] = []
    for quote in (b'"', b"'"):
        needle = quote + name + quote
        at = raw.find(needle)
        while at >= 0:
            line = raw.rfind(b"\n", 0, at) + 1
            if _CARD_LINE.fullmatch(raw, line, at) and _LINE_REST.match(raw, at + len(needle)):
                found.append(line)
            at = raw.find(needle, at + len(needle))
    return sorted(found)


def _block_start(raw: bytes, pos: int) -> int:
    """Where the block holding byte `pos` begins (its header line), or -1 (before any block)."""
    at = pos
    while (at := raw.rfind(b"[[", 0, at)) >= 0:
        line = raw.rfind(b"\n", 0, at) + 1
        header = _HEADER.match(raw, line)
        if header is not None and header.end() > at:
            return line
    return -1


def _complete_end(raw: bytes) -> int:
    """Where complete entries end: only the last block can be cut off, so only it is judged."""
    last = _block_start(raw, len(raw))
    begin = max(0, last)
    return begin + log_end(raw[begin:]).end


def _file_entries(path: Path, *keys: str, end: int | None = None) -> list[LogEntry]:
    try:
        with path.open("rb") as handle:
            raw = handle.read() if end is None else handle.read(end)
    except OSError as exc:
        raise cannot_read(path, exc) from None
    hits = sorted({hit for key in keys for hit in _card_lines(raw, key)})
    if not hits:
        return []
    end = _complete_end(raw)
    spans: list[tuple[int, int]] = []
    for hit in hits:
        if hit >= end:
            break
        start = _block_start(raw, hit)
        if start < 0 or (spans and start < spans[-1][1]):
            continue  # before any block (the full parse reports it), or a block already taken
        after = _NEXT.search(raw, hit)
        spans.append((start, min(after.start() + 1, end) if after else end))
    if not spans:
        return []
    try:
        entries = parse_log(b"\n".join(raw[a:b] for a, b in spans), path)
    except DataFileError:
        # Only now: parse block by block, counting lines and entries from the top of the file,
        # so the error names the line and entry a full parse would name.
        for a, b in spans:
            head = raw[:a]
            parse_log(raw[a:b], path, head.count(b"\n") + 1, len(table_lines(head, "review")))
        raise
    return entries


def card_entries(log_dir: Path, key: str) -> list[LogEntry]:
    """Every log entry of card `key` (any mode, any action), oldest first: `log_dir` is the
    user's `reviews/` (every device's log, merged) or one device's folder.

    Raises DataFileError (file, line, field) if one of the card's own blocks is not valid; damage
    elsewhere in the log is not this reader's to find (opening the store reports it).
    """
    logs: dict[str, list[LogEntry]] = {}
    for device, files in device_logs(log_dir).items():
        logs[device] = [e for path in files for e in _file_entries(path, key) if e.card == key]
    if len(logs) == 1:
        return next(iter(logs.values()))
    return list(merge_devices(logs))


def cards_entries(
    log_dir: Path, keys: set[str], ends: dict[str, LogPosition]
) -> dict[str, list[LogEntry]]:
    """Every entry of the cards `keys` in each device's log up to its end in `ends` (by device
    id, each device's in its order; a device not in `ends` is left out), for replaying a few
    cards again after a sync (UserStore)."""
    ordered = sorted(keys)
    out: dict[str, list[LogEntry]] = {}
    for device, files in device_logs(log_dir).items():
        end = ends.get(device)
        if end is None:
            continue
        entries: list[LogEntry] = []
        for path in files:
            if path.name > end.file:
                break
            cut = end.offset if path.name == end.file else None
            entries += [e for e in _file_entries(path, *ordered, end=cut) if e.card in keys]
        if entries:
            out[device] = entries
    return out
