"""TOML and validation failures as one-line messages naming the file, the line and the field."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pydantic is slow to import: only the modules that validate import it
    from pydantic import ValidationError


class DataFileError(Exception):
    """A data file (deck, profile, state, log) that cannot be used as it is."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason


def table_lines(raw: bytes, name: str) -> list[int]:
    """Line numbers (1-based) of each `[[name]]` header, to point an error at one block."""
    pattern = re.compile(rb"^[ \t]*\[\[[ \t]*" + re.escape(name.encode()) + rb"[ \t]*\]\]", re.M)
    return [raw.count(b"\n", 0, m.start()) + 1 for m in pattern.finditer(raw)]


def loads_toml(raw: bytes, path: Path | str) -> dict[str, Any]:
    """Decode and parse TOML bytes; raise DataFileError naming the line on bad UTF-8 or syntax."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise DataFileError(path, f"line {line}: not valid UTF-8") from None
    import tomllib  # here, not at the top: start-up reads caches, not TOML

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataFileError(path, f"TOML syntax error: {exc}") from None


def read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataFileError(path, f"cannot read: {exc.strerror or exc}") from None
    return loads_toml(raw, path)


def describe_validation_error(
    raw: bytes, data: dict[str, Any], error: ValidationError, array: str = "", noun: str = "item"
) -> str:
    """The first pydantic error as one line: the line of the block, the item's id, and the field."""
    first = error.errors()[0]
    loc = list(first["loc"])
    message = first["msg"]
    if array and len(loc) > 1 and loc[0] == array and isinstance(loc[1], int):
        index = loc[1]
        items = data.get(array)
        item_id = None
        if isinstance(items, list) and index < len(items) and isinstance(items[index], dict):
            item_id = items[index].get("id")
        lines = table_lines(raw, array)
        where = f"line {lines[index]}: " if index < len(lines) else ""
        who = f"{noun} {item_id!r}" if isinstance(item_id, str) else f"{noun} #{index + 1}"
        field = ".".join(str(p) for p in loc[2:]) or noun
        return f"{where}{who}: field {field!r}: {message}"
    field = ".".join(str(p) for p in loc) or "file"
    return f"field {field!r}: {message}"
