"""One way to read a TOML file into a pydantic model: parse, validate strictly, and turn the first
problem into a one-line DataFileError naming the line, the item and the field.

Strict everywhere: a value of the wrong type in a hand-edited file (`minutes = "30"`) is an error
the user sees, not something quietly converted. pydantic is imported with the model that needs it,
so this module stays off the start-up path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from flashprep.core.files.tomlerrors import DataFileError, describe_validation_error, loads_toml

M = TypeVar("M", bound=BaseModel)


def validate_data(
    model: type[M],
    data: dict[str, Any],
    raw: bytes,
    path: Path | str,
    array: str = "",
    noun: str = "item",
    error: type[DataFileError] = DataFileError,
) -> M:
    """Validate parsed TOML `data` (from `raw`) as `model`. `array`/`noun` name the table array
    whose items errors should point at (e.g. "cards"/"card"); `error` is the exception raised."""
    try:
        return model.model_validate(data, strict=True)
    except ValidationError as exc:
        raise error(path, describe_validation_error(raw, data, exc, array, noun)) from None


def parse_model(
    model: type[M],
    raw: bytes,
    path: Path | str,
    array: str = "",
    noun: str = "item",
    error: type[DataFileError] = DataFileError,
) -> M:
    """Parse TOML bytes and validate them as `model` (see validate_data)."""
    try:
        data = loads_toml(raw, path)
    except DataFileError as exc:
        if error is DataFileError:
            raise
        raise error(path, exc.reason) from None
    return validate_data(model, data, raw, path, array, noun, error)


def read_model(
    model: type[M],
    path: Path,
    array: str = "",
    noun: str = "item",
    error: type[DataFileError] = DataFileError,
) -> M:
    """Read a file and validate it as `model` (see validate_data)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(path, f"cannot read: {exc.strerror or exc}") from None
    return parse_model(model, raw, path, array, noun, error)


def parse_edited(model: type[M], text: str, item_id: str, noun: str, where: str) -> M:
    """An item (a card, a story) edited as its own TOML document: its id may not change, since
    schedules and links refer to it; a missing id is the item's own."""
    raw = text.encode()
    data = loads_toml(raw, where)
    if data.get("id", item_id) != item_id:
        raise DataFileError(where, f"field 'id': cannot change the {noun} id (keep {item_id!r})")
    data["id"] = item_id
    return validate_data(model, data, raw, where)
