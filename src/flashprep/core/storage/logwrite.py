"""Writing the review log: the hand-written `[[review]]` block, and appends to month files.

A block is written by hand (a table array must never become an inline array) and appended whole
and durably, always to the newest month file. `ids_in_log` looks for ids exactly as this writer
quotes them, so it lives beside it. Only a process holding the user's lock writes.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from flashprep.core.clock import toml_instant
from flashprep.core.files.fileio import append_durable
from flashprep.core.files.tomlerrors import cannot_read
from flashprep.core.storage.logread import device_logs, log_files
from flashprep.core.storage.logtail import repair_tail
from flashprep.core.storage.reviewlog import LOG_HEADER, LogEntry, month_file


def _quoted(text: str) -> str:
    """`json.dumps(text)` (a TOML basic string too); printable ASCII without a quote or a
    backslash, as ids and card keys are, needs no escape and no call into json."""
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    return json.dumps(text)


def entry_to_toml(entry: LogEntry) -> bytes:
    """One `[[review]]` block, written by hand: a table array must never become an inline array."""
    return _block(entry).encode()


def entries_to_toml(entries: Iterable[LogEntry]) -> bytes:
    """The blocks of `entries`, one after the other (an import writes a month of them at once)."""
    return "".join(map(_block, entries)).encode()


def _block(entry: LogEntry) -> str:
    """`entry_to_toml`'s text, made in one string (an import writes a million)."""
    entry_id, at, card, rating, action, ms, mode = entry
    # In UTC already (as every entry read or imported is): isoformat ends "+00:00".
    instant = at.isoformat()[:-6] + "Z" if at.tzinfo is UTC else toml_instant(at)
    block = f"\n[[review]]\nid = {_quoted(entry_id)}\nat = {instant}\ncard = {_quoted(card)}\n"
    # `action` and `mode` come before `rating`: a block cut off by a crash that still has every
    # key a block needs (see `log_end`) has them whole, so a cut can only shorten `ms`.
    if action != "grade":
        block += f'action = "{action}"\n'
    if mode != "drill":
        block += f'mode = "{mode}"\n'
    if rating is not None:
        block += f"rating = {rating}\n"
    if ms:
        block += f"ms = {ms}\n"
    return block


def append_entries(path: Path, data: bytes) -> tuple[int, int]:
    """Append whole blocks to a month file (durably); returns the (start, end) offsets.

    The file is first made to end cleanly (`repair_tail`) if it does not end with a newline,
    so that new blocks never merge with trailing NULs or an unfinished line.
    """
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            if size:
                handle.seek(size - 1)
                if handle.read(1) != b"\n":
                    repair_tail(path)
    except FileNotFoundError:
        pass
    return append_durable(path, data, LOG_HEADER)


def append_file(folder: Path, at: datetime) -> Path:
    """The month file a new entry goes to: its own month, or the newest file if that is later.

    Appending only ever to the newest file keeps the files' order the order of the actions even
    when the clock moves backwards, so a replay (oldest file first) applies them in that order.
    """
    own = folder / month_file(at)
    files = log_files(folder)
    return files[-1] if files and files[-1].name > own.name else own


def ids_in_log(folder: Path, ids: set[str]) -> set[str]:
    """Which of `ids` a user's log holds (as flashprep writes them: `id = "..."` on its line):
    `folder` is the user's `reviews/` (every device's log) or one device's folder.

    The files' bytes are searched, not parsed: parsing a long history takes seconds, and this
    only has to find entries flashprep itself appended (a mock round's applied grades).
    """
    if not ids:
        return set()
    pattern = re.compile(
        rb'^[ \t]*id[ \t]*=[ \t]*"('
        + b"|".join(re.escape(_quoted(i)[1:-1].encode()) for i in sorted(ids))
        + rb')"',
        re.M,
    )
    found: set[str] = set()
    for path in (path for files in device_logs(folder).values() for path in files):
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise cannot_read(path, exc) from None
        found.update(m.group(1).decode() for m in pattern.finditer(raw))
    return {i for i in ids if _quoted(i)[1:-1] in found}
