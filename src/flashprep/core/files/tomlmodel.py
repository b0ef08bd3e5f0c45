"""The one way a TOML file a user may edit is read and written: `TomlFile[M]` says, for one pydantic
model, where errors point (the item array and its noun), which error class they raise and what
comment heads the file; parsing, strict validation, the one-line error naming the line, the item
and the field, and writing (atomically) are done here once.

Strict everywhere, for every validated file (decks, overrides, an edited card, the profile, the
story bank and its edited stories, mock rounds): a value of the wrong type in a hand-edited file
(`minutes = "30"`) is an error the user sees, not something quietly converted.

Nothing here imports pydantic or a TOML writer until it is used: a spec is declared beside its
model (whose module imports pydantic anyway), and the start path never reads or writes one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from flashprep.core.files.fileio import atomic_write
from flashprep.core.files.tomlerrors import (
    DataFileError,
    cannot_read,
    describe_validation_error,
    loads_toml,
)

if TYPE_CHECKING:
    from pydantic import BaseModel

M = TypeVar("M", bound="BaseModel")


def toml_text(data: Mapping[str, Any], multiline: bool = False) -> str:
    """`data` as TOML, as tomli_w writes it; `multiline` writes text with newlines as `'''`/`\"\"\"`
    blocks (done by files.tomlwrite: the same bytes, several times faster)."""
    if multiline:
        from flashprep.core.files import tomlwrite

        return tomlwrite.dumps(data)
    import tomli_w

    return tomli_w.dumps(data)


def toml_document(data: Mapping[str, Any], header: str = "", multiline: bool = False) -> bytes:
    """A whole file: its header comment (ending in a newline, or empty), then `data`."""
    return (header + toml_text(data, multiline)).encode()


@dataclass(frozen=True)
class TomlFile(Generic[M]):
    """How one kind of validated TOML file is read, checked and written."""

    model: type[M]
    items: str = ""
    """The `[[table array]]` that errors point into ("cards"), if any."""
    noun: str = "item"
    """What one item is called in errors: "card", "story", "answer"."""
    error: type[DataFileError] = DataFileError
    header: str = ""
    """The comment line written at the top of the file (ending in a newline)."""
    multiline: bool = False
    """Whether text with newlines is written as multi-line strings."""

    def validate(self, data: dict[str, Any], raw: bytes, path: Path | str) -> M:
        """Validate parsed TOML `data` (from `raw`); raise `error` naming the spot."""
        from pydantic import ValidationError

        try:
            return self.model.model_validate(data, strict=True)
        except ValidationError as exc:
            reason = describe_validation_error(raw, data, exc, self.items, self.noun)
            raise self.error(path, reason) from None

    def parse(self, raw: bytes, path: Path | str) -> M:
        """Parse TOML bytes and validate them."""
        try:
            data = loads_toml(raw, path)
        except DataFileError as exc:
            if self.error is DataFileError:
                raise
            raise self.error(path, exc.reason) from None
        return self.validate(data, raw, path)

    def read(self, path: Path, missing: Callable[[], M] | None = None) -> M:
        """Read and validate the file; `missing()` is the value of a file that does not exist
        (without it, a missing file is an error like any unreadable one)."""
        try:
            raw = path.read_bytes()
        except FileNotFoundError as exc:
            if missing is not None:
                return missing()
            raise cannot_read(path, exc, self.error) from None
        except OSError as exc:
            raise cannot_read(path, exc, self.error) from None
        return self.parse(raw, path)

    def dumps(self, obj: M | Mapping[str, Any]) -> bytes:
        """The file's bytes: the header, then the model (unset optional fields left out) or,
        for a file whose data needs shaping first, the data as given."""
        data = obj if isinstance(obj, Mapping) else obj.model_dump(exclude_none=True)
        return toml_document(data, self.header, self.multiline)

    def write(self, path: Path, obj: M | Mapping[str, Any], private: bool = True) -> None:
        """Write the file atomically; `private`: a user's file, not a shared one (files.fileio)."""
        atomic_write(path, self.dumps(obj), private)

    def parse_edited(self, text: str, item_id: str, where: str) -> M:
        """An item (a card, a story) edited as its own TOML document: its id may not change,
        since schedules and links refer to it; a missing id is the item's own."""
        raw = text.encode()
        data = loads_toml(raw, where)
        if data.get("id", item_id) != item_id:
            reason = f"field 'id': cannot change the {self.noun} id (keep {item_id!r})"
            raise DataFileError(where, reason)
        data["id"] = item_id
        return self.validate(data, raw, where)
