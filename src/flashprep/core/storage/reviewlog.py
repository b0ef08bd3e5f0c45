"""The review log: append-only TOML files, one `[[review]]` block per action, a file per month.

The log is the truth about a user's history; `state.toml` is only a checkpoint of it. Appending a
block keeps the file valid TOML, costs the same however long the history is, and the bytes after
any block boundary are themselves a TOML document, so a reader can start from a saved offset.

This module holds what an entry is and when one is valid (`LogEntry`, `parse_log`), which every
other part of the log builds on: reading month files (`logread`), writing and appending blocks
(`logwrite`), and finding where complete entries end after a crash (`logtail`).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, NamedTuple

from flashprep.core.clock import FIRST_YEAR, INSTANT_RANGE, LAST_YEAR, is_valid_instant
from flashprep.core.files.tomlerrors import (
    DataFileError,
    key_line,
    loads_toml,
    table_lines,
)
from flashprep.core.keys import CARD_ID_PATTERN, CARD_KEY, DECK_ID_PATTERN, deck_of

LOG_FORMAT = 1
LOG_HEADER = (
    b"# flashprep review log: one [[review]] block per action, oldest first. "
    b"See docs/storage-format.md.\nformat = 1\n"
)

Action = Literal["grade", "bury", "unbury", "suspend", "unsuspend", "forget", "due"]
ACTIONS: tuple[str, ...] = ("grade", "bury", "unbury", "suspend", "unsuspend", "forget", "due")
"""Every action the log may hold. A version of flashprep older than an action refuses a log that
holds it with a one-line error naming the file, line and field (never guesses)."""
MODES: tuple[str, ...] = ("drill", "mock", "import", "practice")
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
    get: Callable[..., Any] = item.get
    entry_id, at, card = get("id"), get("at"), get("card")
    action, rating = get("action", "grade"), get("rating")
    ms, mode = get("ms", 0), get("mode", "drill")
    _check_fields(entry_id, at, card, action, rating, ms, mode)
    return LogEntry(entry_id, at.astimezone(UTC), card, rating, action, ms, mode)


def _check_fields(
    entry_id: Any, at: Any, card: Any, action: Any, rating: Any, ms: Any, mode: Any
) -> None:
    """The checks of one entry's values (a missing key given as its default), in the order
    of the fields: raise _FieldError naming the first that is wrong."""
    if not isinstance(entry_id, str) or not entry_id or len(entry_id) > 64:
        raise _FieldError("id", "must be a non-empty string")
    if not isinstance(at, datetime) or not is_valid_instant(at):
        raise _FieldError("at", f"must be a date-time with a time zone (...Z) {INSTANT_RANGE}")
    if not isinstance(card, str) or not _KEY.match(card):
        raise _FieldError("card", "must be 'deck-id/card-id'")
    if action not in ACTIONS:
        raise _FieldError("action", f"must be one of {', '.join(ACTIONS)}")
    if action == "grade":
        if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 4:
            raise _FieldError("rating", "must be 1 (Again) to 4 (Easy)")
    elif rating is not None:
        raise _FieldError("rating", "only a grade has a rating")
    if not isinstance(ms, int) or isinstance(ms, bool) or not 0 <= ms < 10**9:
        raise _FieldError("ms", "must be a whole number of milliseconds")
    if mode not in MODES:
        raise _FieldError("mode", f"must be one of {', '.join(MODES)}")


def check_entry(entry: LogEntry) -> None:
    """Raise ValueError naming the field when the log's reader would refuse `entry`.

    Importers call it before writing anything, so that what they write is exactly what the
    reader accepts (one definition of a valid entry: the checks `_entry_from_dict` makes of a
    block, given the entry's values; a value of None is a key the writer leaves out)."""
    entry_id, at, card, rating, action, ms, mode = entry
    _check_fields(
        entry_id,
        at,
        card,
        "grade" if action is None else action,
        rating,
        0 if ms is None else ms,
        "drill" if mode is None else mode,
    )


def parse_log(
    raw: bytes, path: Path | str, first_line: int = 1, first_index: int = 0
) -> list[LogEntry]:
    """Entries of a log file (or of its tail from a block boundary), validated.

    For a tail, `first_line` and `first_index` say where it starts, so errors count from the
    start of the file. Blocks exactly as flashprep writes them are read by `_written_entries`;
    anything else (a hand edit, an error to report) by the TOML parser, as before.
    """
    written = _written_entries(raw)
    if written is not None:
        return written
    return _toml_entries(raw, path, first_line, first_index)


def _toml_entries(
    raw: bytes, path: Path | str, first_line: int, first_index: int
) -> list[LogEntry]:
    """`parse_log` through the TOML parser: any valid log, and the error naming file and line."""
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


_PLAIN = r'"([ !#-\[\]-~]{1,64})"'
"""A basic string of printable ASCII without a quote or a backslash: nothing to unescape."""
_WRITTEN_HEAD = r"(?:#[\t -~]*\n)*(?:format = 1\n)?"
_WRITTEN_BLOCK = (
    r"\n*\[\[review\]\]\n"
    rf"id = {_PLAIN}\n"
    r"at = (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{6})?Z)\n"
    rf'card = "({DECK_ID_PATTERN[1:-1]}/{CARD_ID_PATTERN[1:-1]})"\n'
    rf'(?:action = "({"|".join(a for a in ACTIONS if a != "grade")})"\n)?'
    rf'(?:mode = "({"|".join(m for m in MODES if m != "drill")})"\n)?'
    r"(?:rating = ([1-4])\n)?"
    r"(?:ms = ([1-9]\d{0,8})\n)?"
)
"""One block as `logwrite.entry_to_toml` writes it (keys in its order, defaults left out).
Compiled at its first use (by re's cache): start-up reads caches, not the log."""


def _written_entries(raw: bytes) -> list[LogEntry] | None:
    """The entries of a log written exactly as flashprep writes it, or None for anything else.

    Parsing TOML is most of the cost of a cold read of a long history; a log flashprep wrote
    itself has a fixed shape, which one regular expression per block reads about 15 times
    faster. It accepts only what the TOML parser and `_entry_from_dict` would read the same
    way without an error; whatever it does not recognise whole (a comment, an escape, other
    spacing or key order, a wrong value) is left to them, so errors are reported as before.
    """
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return None
    if text and (text.endswith("\n\n") or not text.endswith("\n")):
        text = text.rstrip("\n") + "\n"  # blank lines at the end, or none: the same TOML
    head = re.match(_WRITTEN_HEAD, text)
    pos = head.end() if head else 0
    entries: list[LogEntry] = []
    add = entries.append
    instant = datetime.fromisoformat
    make = tuple.__new__
    for match in re.compile(_WRITTEN_BLOCK).finditer(text, pos):
        if match.start() != pos:
            return None
        pos = match.end()
        entry_id, at_text, card, action, mode, rating, ms = match.groups()
        if (action is None) == (rating is None):  # a grade has a rating, nothing else has
            return None
        try:
            at = instant(at_text)
        except ValueError:
            return None
        if not FIRST_YEAR <= at.year <= LAST_YEAR:
            return None
        add(
            make(
                LogEntry,
                (
                    entry_id,
                    at,
                    card,
                    int(rating) if rating else None,
                    action or "grade",
                    int(ms) if ms else 0,
                    mode or "drill",
                ),
            )
        )
    return entries if pos == len(text) else None
