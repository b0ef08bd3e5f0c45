"""Importing decks from other tools: one reader per format, one step that applies the result.

Each reader turns a file into an `ImportSource` (decks of flashprep cards, review history,
warnings) without writing anything; `apply` then writes the decks and the history. Reading every
file before writing anything makes an import all-or-nothing: a file that cannot be read stops
the whole import with one line naming it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from flashprep.core.files.tomlerrors import DataFileError, cannot_read

if TYPE_CHECKING:  # the readers and their models load with the format that needs them
    from flashprep.core.importers.source import ImportSource

FORMATS = ("auto", "apkg", "colpkg", "csv", "tsv", "txt", "md", "toml")
EXTENSIONS = {
    ".apkg": "apkg",
    ".colpkg": "colpkg",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".toml": "toml",
}


def detect_format(path: Path) -> str:
    """The format by file name, else a zip is taken for an Anki package."""
    kind = EXTENSIONS.get(path.suffix.lower())
    if kind is not None:
        return kind
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        raise cannot_read(path, exc) from None
    if magic == b"PK\x03\x04":
        return "apkg"
    raise DataFileError(
        path, f"cannot tell the format from the name; use --format {'|'.join(FORMATS[1:])}"
    )


def read_source(
    path: Path,
    fmt: str = "auto",
    staging: Path | None = None,
    progress: Callable[[float], None] | None = None,
) -> ImportSource:
    """Read one file in the given format (or the detected one); nothing is written except
    scratch files in `staging` (see core.staging), removed before it returns. `progress`
    hears the share read of an Anki package's review log (the part that can take seconds)."""
    if not path.exists():
        raise DataFileError(path, "no such file")
    if path.is_dir():
        raise DataFileError(path, "is a folder; name the files to import")
    kind = detect_format(path) if fmt == "auto" else fmt
    if kind in ("apkg", "colpkg"):
        from flashprep.core.importers.ankipackage import read_package

        return read_package(path, staging, progress)
    if kind in ("csv", "tsv", "txt"):
        from flashprep.core.importers.delimited import read_delimited

        return read_delimited(path, kind)
    if kind == "md":
        from flashprep.core.importers.markdown import read_markdown

        return read_markdown(path)
    if kind == "toml":
        from flashprep.core.importers.tomldeck import read_toml_deck

        return read_toml_deck(path)
    raise ValueError(f"unknown format {fmt!r}")
