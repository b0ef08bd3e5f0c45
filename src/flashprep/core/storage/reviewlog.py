"""The review log: append-only TOML files, one `[[review]]` block per action, a file per month.

The log is the truth about a user's history; `state.toml` is only a checkpoint of it. Appending a
block keeps the file valid TOML, costs the same however long the history is, and the bytes after
any block boundary are themselves a TOML document, so a reader can start from a saved offset.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, NamedTuple

from flashprep.core.clock import INSTANT_RANGE, is_valid_instant, toml_instant
from flashprep.core.files.fileio import append_durable, truncate_durable
from flashprep.core.files.tomlerrors import (
    DataFileError,
    cannot_read,
    key_line,
    loads_toml,
    table_lines,
)
from flashprep.core.keys import CARD_KEY, deck_of

LOG_FORMAT = 1
LOG_HEADER = (
    b"# flashprep review log: one [[review]] block per action, oldest first. "
    b"See docs/storage-format.md.\nformat = 1\n"
)

Action = Literal["grade", "bury", "suspend", "unsuspend", "forget"]
ACTIONS: tuple[str, ...] = ("grade", "bury", "suspend", "unsuspend", "forget")
MODES: tuple[str, ...] = ("drill", "mock", "import")
_KEY = CARD_KEY
MONTH_FILE = re.compile(r"^\d{4}-\d{2}\.toml$")
_FIELDS = {"id", "at", "card", "rating", "action", "ms", "mode"}


class LogEntry(NamedTuple):
    """One action in the log. A grade has a rating 1-4; other actions have none."""

    id: str
    at: datetime
    card: str
    rating: int | None = None
    action: str = "grade"
    ms: int = 0
    mode: str = "drill"

    @property
    def deck_id(self) -> str:
        return deck_of(self.card)

    @property
    def is_grade(self) -> bool:
        return self.action == "grade"


def new_entry_id(now: datetime) -> str:
    """Unique across machines: time in ms (base 36) plus random bits, so merged logs never clash."""

    millis = int(now.timestamp() * 1000)
    return f"{_base36(millis)}-{secrets.token_hex(3)}"


def _base36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
        if not value:
            return out


def month_file(at: datetime) -> str:
    utc = at.astimezone(UTC)  # formatted by hand: strftime costs several times more
    return f"{utc.year:04d}-{utc.month:02d}.toml"


def _quoted(text: str) -> str:
    """`json.dumps(text)` (a TOML basic string too); printable ASCII without a quote or a
    backslash, as ids and card keys are, needs no escape and no call into json."""
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    return json.dumps(text)


def entry_to_toml(entry: LogEntry) -> bytes:
    """One `[[review]]` block, written by hand: a table array must never become an inline array."""
    lines = [
        "",
        "[[review]]",
        f"id = {_quoted(entry.id)}",
        f"at = {toml_instant(entry.at)}",
        f"card = {_quoted(entry.card)}",
    ]
    # `action` and `mode` come before `rating`: a block cut off by a crash that still has every
    # key a block needs (see `log_end`) has them whole, so a cut can only shorten `ms`.
    if entry.action != "grade":
        lines.append(f'action = "{entry.action}"')
    if entry.mode != "drill":
        lines.append(f'mode = "{entry.mode}"')
    if entry.rating is not None:
        lines.append(f"rating = {entry.rating}")
    if entry.ms:
        lines.append(f"ms = {entry.ms}")
    return ("\n".join(lines) + "\n").encode()


class _FieldError(ValueError):
    """One field of a block is wrong: names the field, for the error's line number."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"field {field!r}: {message}")
        self.field = field


def _entry_from_dict(item: Any) -> LogEntry:
    """Validate one block; raise _FieldError naming the field."""
    if not isinstance(item, dict):
        raise _FieldError("review", "not a table")
    unknown = set(item) - _FIELDS
    if unknown:
        raise _FieldError(sorted(unknown)[0], "unknown key")
    entry_id = item.get("id")
    if not isinstance(entry_id, str) or not entry_id or len(entry_id) > 64:
        raise _FieldError("id", "must be a non-empty string")
    at = item.get("at")
    if not isinstance(at, datetime) or not is_valid_instant(at):
        raise _FieldError("at", f"must be a date-time with a time zone (...Z) {INSTANT_RANGE}")
    card = item.get("card")
    if not isinstance(card, str) or not _KEY.match(card):
        raise _FieldError("card", "must be 'deck-id/card-id'")
    action = item.get("action", "grade")
    if action not in ACTIONS:
        raise _FieldError("action", f"must be one of {', '.join(ACTIONS)}")
    rating = item.get("rating")
    if action == "grade":
        if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 4:
            raise _FieldError("rating", "must be 1 (Again) to 4 (Easy)")
    elif rating is not None:
        raise _FieldError("rating", "only a grade has a rating")
    ms = item.get("ms", 0)
    if not isinstance(ms, int) or isinstance(ms, bool) or not 0 <= ms < 10**9:
        raise _FieldError("ms", "must be a whole number of milliseconds")
    mode = item.get("mode", "drill")
    if mode not in MODES:
        raise _FieldError("mode", f"must be one of {', '.join(MODES)}")
    return LogEntry(entry_id, at.astimezone(UTC), card, rating, action, ms, mode)


def check_entry(entry: LogEntry) -> None:
    """Raise ValueError naming the field when the log's reader would refuse `entry`.

    Importers call it before writing anything, so that what they write is exactly what the
    reader accepts (one definition of a valid entry)."""
    _entry_from_dict({k: v for k, v in entry._asdict().items() if v is not None})


def parse_log(
    raw: bytes, path: Path | str, first_line: int = 1, first_index: int = 0
) -> list[LogEntry]:
    """Entries of a log file (or of its tail from a block boundary), validated.

    For a tail, `first_line` and `first_index` say where it starts, so errors count from the
    start of the file.
    """
    data = loads_toml(raw, path, first_line)
    unknown = set(data) - {"format", "review"}
    if unknown:
        field = sorted(unknown)[0]
        where = _where(key_line(raw, [field]), first_line)
        raise DataFileError(path, f"{where}field {field!r}: unknown key")
    fmt = data.get("format", LOG_FORMAT)
    if fmt != LOG_FORMAT:
        where = _where(key_line(raw, ["format"]), first_line)
        raise DataFileError(path, f"{where}field 'format': version {fmt!r} is not supported")
    items = data.get("review", [])
    if not isinstance(items, list):
        where = _where(key_line(raw, ["review"]), first_line)
        raise DataFileError(path, f"{where}field 'review': must be [[review]] blocks")
    entries: list[LogEntry] = []
    for index, item in enumerate(items):
        try:
            entries.append(_entry_from_dict(item))
        except _FieldError as exc:
            line = key_line(raw, ["review", index, exc.field])
            if line is None:
                lines = table_lines(raw, "review")
                line = lines[index] if index < len(lines) else None
            where = _where(line, first_line)
            number = first_index + index + 1
            raise DataFileError(path, f"{where}review #{number}: {exc}") from None
    return entries


def _where(line: int | None, first_line: int) -> str:
    return f"line {line + first_line - 1}: " if line else ""


# --- a crash in the middle of an append ----------------------------------------------------------

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
    starts = [m.start() for m in _LINE_STARTING_A_TABLE.finditer(content)]
    if not starts:
        header = LOG_HEADER.rstrip(b"\n")
        if content == header or not content:
            return len(content), True
        return (0, False) if header.startswith(content) else None
    start = starts[-1]
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


def log_files(folder: Path) -> list[Path]:
    """The month files of a user's log, oldest first."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if MONTH_FILE.match(p.name))


def append_file(folder: Path, at: datetime) -> Path:
    """The month file a new entry goes to: its own month, or the newest file if that is later.

    Appending only ever to the newest file keeps the files' order the order of the actions even
    when the clock moves backwards, so a replay (oldest file first) applies them in that order.
    """
    own = folder / month_file(at)
    files = log_files(folder)
    return files[-1] if files and files[-1].name > own.name else own


def ids_in_log(folder: Path, ids: set[str]) -> set[str]:
    """Which of `ids` a user's log holds (as flashprep writes them: `id = "..."` on its line).

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
    for path in log_files(folder):
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise cannot_read(path, exc) from None
        found.update(m.group(1).decode() for m in pattern.finditer(raw))
    return {i for i in ids if _quoted(i)[1:-1] in found}


def read_all(folder: Path) -> Iterator[LogEntry]:
    """Every entry of a user's log, oldest file first (for rebuilds and statistics)."""
    for path in log_files(folder):
        yield from read_log_file(path)
