"""TOML and validation failures as one-line messages naming the file, the line and the field."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pydantic is slow to import: only the modules that validate import it
    from pydantic import ValidationError


class DataFileError(Exception):
    """A data file (deck, profile, state, log) that cannot be used as it is.

    `reason` says what is wrong and where (line, field); `recovery`, when set, says how to get
    going again (for a user's files: fix the line, or restore the newest backup).
    """

    def __init__(self, path: Path | str, reason: str, recovery: str = "") -> None:
        message = f"{path}: {reason}"
        if recovery:
            message += f"; {recovery}"
        super().__init__(message)
        self.path = Path(path)
        self.reason = reason
        self.recovery = recovery

    def with_recovery(self, recovery: str) -> DataFileError:
        """The same error, with advice on how to recover (keeps the subclass)."""
        return type(self)(self.path, self.reason, recovery)


def table_lines(raw: bytes, name: str) -> list[int]:
    """Line numbers (1-based) of each `[[name]]` header, to point an error at one block."""
    pattern = re.compile(rb"^[ \t]*\[\[[ \t]*" + re.escape(name.encode()) + rb"[ \t]*\]\]", re.M)
    lines, line, at = [], 1, 0
    for match in pattern.finditer(raw):
        line += raw.count(b"\n", at, match.start())
        at = match.start()
        lines.append(line)
    return lines


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]*?)\s*\]\]?\s*(#.*)?$")
_PIECE = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_KEY = re.compile(rf"^\s*({_PIECE}(?:\s*\.\s*{_PIECE})*)\s*=")
_PART = re.compile(_PIECE)


def _key_parts(text: str) -> list[str]:
    parts = []
    for match in _PART.finditer(text):
        part = match.group()
        if part.startswith('"'):
            try:
                part = tomllib.loads(f"k = {part}")["k"]
            except tomllib.TOMLDecodeError:
                part = part[1:-1]
        elif part.startswith("'"):
            part = part[1:-1]
        parts.append(part)
    return parts


def key_line(raw: bytes, loc: Sequence[str | int]) -> int | None:
    """The line (1-based) where the value at `loc` is written, or the closest enclosing line.

    `loc` is a path such as ("cards", 3, "level") or ("settings", "new_per_day"), as pydantic
    reports it; `[[name]]` blocks count as list items. A best-effort reading of the text for error
    messages: it never raises and returns None when nothing matches.
    """
    target = [str(p) for p in loc]
    text = raw.decode("utf-8", errors="replace")
    table: list[str] = []
    counts: dict[tuple[str, ...], int] = {}
    best: tuple[int, int] | None = None  # (matched length, line)
    in_string: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_string is not None:
            if line.count(in_string) % 2 == 1:
                in_string = None
            continue
        header = _HEADER.match(line)
        if header and not _KEY.match(line):
            parts = _key_parts(header.group(2))
            if header.group(1) == "[[":
                index = counts.get(tuple(parts), 0)
                counts[tuple(parts)] = index + 1
                table = [*parts, str(index)]
            else:
                table = parts
            path = table
        else:
            key = _KEY.match(line)
            if key is None:
                continue
            path = [*table, *_key_parts(key.group(1))]
            rest = line[key.end() :]
            for quote in ('"""', "'''"):
                if rest.count(quote) % 2 == 1:
                    in_string = quote
                    break
        matched = 0
        for mine, wanted in zip(path, target, strict=False):
            if mine != wanted:
                break
            matched += 1
        if matched == len(path) and matched and (best is None or matched > best[0]):
            best = (matched, number)
            if matched == len(target):
                return number
    return best[1] if best else None


_AT = re.compile(r"\s*\((?:at line (\d+), column (\d+)|at end of document)\)$")


def syntax_error_reason(text: str, error: tomllib.TOMLDecodeError, first_line: int = 1) -> str:
    """tomllib's message with the line first: 'line 3, column 7: TOML syntax error: ...'."""
    message = str(error)
    found = _AT.search(message)
    if found is None:
        return f"TOML syntax error: {message}"
    what = message[: found.start()]
    if found.group(1):
        line = int(found.group(1)) + first_line - 1
        return f"line {line}, column {found.group(2)}: TOML syntax error: {what}"
    last = text.rstrip().count("\n") + first_line
    return f"line {last}: TOML syntax error at the end of the file (cut off?): {what}"


def loads_toml(raw: bytes, path: Path | str, first_line: int = 1) -> dict[str, Any]:
    """Decode and parse TOML bytes; raise DataFileError naming the line on bad UTF-8 or syntax.

    `first_line`: the line `raw` starts at, when it is the tail of a file.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + first_line
        raise DataFileError(path, f"line {line}: not valid UTF-8") from None
    from flashprep.core.files.tomlread import loads_written  # start-up reads caches, not TOML

    written = loads_written(text)  # a file as flashprep writes it, read fast
    if written is not None:
        return written
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataFileError(path, syntax_error_reason(text, exc, first_line)) from None


def cannot_read(
    path: Path | str, exc: OSError, error: type[DataFileError] = DataFileError
) -> DataFileError:
    """The one message for a file the system will not give us: 'cannot read: <why>'."""
    return error(path, f"cannot read: {exc.strerror or exc}")


def read_bytes(path: Path, error: type[DataFileError] = DataFileError) -> bytes:
    """A file's bytes, or `error` saying 'cannot read: ...' (a FileNotFoundError included)."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise cannot_read(path, exc, error) from None


def describe_validation_error(
    raw: bytes, data: dict[str, Any], error: ValidationError, array: str = "", noun: str = "item"
) -> str:
    """The first pydantic error as one line: the line of the field, the item's id, and the field."""
    first = error.errors()[0]
    loc = list(first["loc"])
    message = first["msg"]
    line = key_line(raw, loc)
    if array and len(loc) > 1 and loc[0] == array and isinstance(loc[1], int):
        index = loc[1]
        items = data.get(array)
        item_id = None
        if isinstance(items, list) and index < len(items) and isinstance(items[index], dict):
            item_id = items[index].get("id")
        if line is None:
            lines = table_lines(raw, array)
            line = lines[index] if index < len(lines) else None
        who = f"{noun} {item_id!r}" if isinstance(item_id, str) else f"{noun} #{index + 1}"
        field = ".".join(str(p) for p in loc[2:]) or noun
        where = f"line {line}: " if line else ""
        return f"{where}{who}: field {field!r}: {message}"
    field = ".".join(str(p) for p in loc) or "file"
    where = f"line {line}: " if line else ""
    return f"{where}field {field!r}: {message}"
