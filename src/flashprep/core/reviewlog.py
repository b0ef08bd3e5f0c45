"""The review log: append-only TOML files, one `[[review]]` block per action, a file per month.

The log is the truth about a user's history; `state.toml` is only a checkpoint of it. Appending a
block keeps the file valid TOML, costs the same however long the history is, and the bytes after
any block boundary are themselves a TOML document, so a reader can start from a saved offset.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from flashprep.core.tomlerrors import DataFileError, loads_toml, table_lines

LOG_FORMAT = 1
LOG_HEADER = (
    b"# flashprep review log: one [[review]] block per action, oldest first. "
    b"See docs/storage-format.md.\nformat = 1\n"
)

Action = Literal["grade", "bury", "suspend", "unsuspend", "forget"]
ACTIONS: tuple[str, ...] = ("grade", "bury", "suspend", "unsuspend", "forget")
MODES: tuple[str, ...] = ("drill", "mock", "import")
_KEY = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}/[A-Za-z0-9][A-Za-z0-9._-]{0,119}$")
_MONTH_FILE = re.compile(r"^\d{4}-\d{2}\.toml$")
_FIELDS = {"id", "at", "card", "rating", "action", "ms", "mode"}


@dataclass(frozen=True, slots=True)
class LogEntry:
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
        return self.card.split("/", 1)[0]

    @property
    def is_grade(self) -> bool:
        return self.action == "grade"


def new_entry_id(now: datetime) -> str:
    """Unique across machines: time in ms (base 36) plus random bits, so merged logs never clash."""
    import secrets  # here: only a grade needs it, start-up does not

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
    return at.astimezone(UTC).strftime("%Y-%m.toml")


def toml_instant(at: datetime) -> str:
    """A TOML offset date-time in UTC: 2026-11-26T10:00:00.123456Z (fraction only when non-zero)."""
    utc = at.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}"
    return text + "Z"


def entry_to_toml(entry: LogEntry) -> bytes:
    """One `[[review]]` block, written by hand: a table array must never become an inline array."""
    lines = [
        "",
        "[[review]]",
        f"id = {json.dumps(entry.id)}",
        f"at = {toml_instant(entry.at)}",
        f"card = {json.dumps(entry.card)}",
    ]
    if entry.rating is not None:
        lines.append(f"rating = {entry.rating}")
    if entry.action != "grade":
        lines.append(f'action = "{entry.action}"')
    if entry.ms:
        lines.append(f"ms = {entry.ms}")
    if entry.mode != "drill":
        lines.append(f'mode = "{entry.mode}"')
    return ("\n".join(lines) + "\n").encode()


def _entry_from_dict(item: Any) -> LogEntry:
    """Validate one block; raise ValueError naming the field."""
    if not isinstance(item, dict):
        raise ValueError("field 'review': not a table")
    unknown = set(item) - _FIELDS
    if unknown:
        raise ValueError(f"field {sorted(unknown)[0]!r}: unknown key")
    entry_id = item.get("id")
    if not isinstance(entry_id, str) or not entry_id or len(entry_id) > 64:
        raise ValueError("field 'id': must be a non-empty string")
    at = item.get("at")
    if not isinstance(at, datetime) or at.tzinfo is None:
        raise ValueError("field 'at': must be a date-time with a time zone (e.g. ...Z)")
    card = item.get("card")
    if not isinstance(card, str) or not _KEY.match(card):
        raise ValueError("field 'card': must be 'deck-id/card-id'")
    action = item.get("action", "grade")
    if action not in ACTIONS:
        raise ValueError(f"field 'action': must be one of {', '.join(ACTIONS)}")
    rating = item.get("rating")
    if action == "grade":
        if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 4:
            raise ValueError("field 'rating': must be 1 (Again) to 4 (Easy)")
    elif rating is not None:
        raise ValueError("field 'rating': only a grade has a rating")
    ms = item.get("ms", 0)
    if not isinstance(ms, int) or isinstance(ms, bool) or not 0 <= ms < 10**9:
        raise ValueError("field 'ms': must be a whole number of milliseconds")
    mode = item.get("mode", "drill")
    if mode not in MODES:
        raise ValueError(f"field 'mode': must be one of {', '.join(MODES)}")
    return LogEntry(entry_id, at.astimezone(UTC), card, rating, action, ms, mode)


def parse_log(raw: bytes, path: Path | str, first_line: int = 1) -> list[LogEntry]:
    """Entries of a log file (or of its tail from a block boundary), validated."""
    data = loads_toml(raw, path)
    unknown = set(data) - {"format", "review"}
    if unknown:
        raise DataFileError(path, f"field {sorted(unknown)[0]!r}: unknown key")
    fmt = data.get("format", LOG_FORMAT)
    if fmt != LOG_FORMAT:
        raise DataFileError(path, f"field 'format': version {fmt!r} is not supported")
    items = data.get("review", [])
    if not isinstance(items, list):
        raise DataFileError(path, "field 'review': must be [[review]] blocks")
    entries: list[LogEntry] = []
    for index, item in enumerate(items):
        try:
            entries.append(_entry_from_dict(item))
        except ValueError as exc:
            lines = table_lines(raw, "review")
            line = lines[index] + first_line - 1 if index < len(lines) else None
            where = f"line {line}: " if line else ""
            raise DataFileError(path, f"{where}review #{index + 1}: {exc}") from None
    return entries


def read_log_file(path: Path, offset: int = 0) -> list[LogEntry]:
    """Read a month file from `offset` (a block boundary) to its end.

    Only the bytes after `offset` are read; those before it are counted only to name the line
    of an error.
    """
    try:
        with path.open("rb") as handle:
            handle.seek(offset)
            raw = handle.read()
            if not raw.strip():  # nothing after the checkpoint: the usual start
                return []
            try:
                return parse_log(raw, path)
            except DataFileError:
                if not offset:
                    raise
                handle.seek(0)
                first_line = handle.read(offset).count(b"\n") + 1
    except OSError as exc:
        raise DataFileError(path, f"cannot read: {exc.strerror or exc}") from None
    return parse_log(raw, path, first_line=first_line)


def log_files(folder: Path) -> list[Path]:
    """The month files of a user's log, oldest first."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if _MONTH_FILE.match(p.name))


def read_all(folder: Path) -> Iterator[LogEntry]:
    """Every entry of a user's log, oldest file first (for rebuilds and statistics)."""
    for path in log_files(folder):
        yield from read_log_file(path)
