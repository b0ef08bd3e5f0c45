"""The Anki package as a zip: which layout it is, its media list, its collection unpacked.

A package is a zip. Its `meta` entry (when present) gives the layout: 1 = `collection.anki2`,
2 = `collection.anki21` (both SQLite, schema 11, note types and decks as JSON in `col`), 3 =
`collection.anki21b` (zstd-compressed SQLite, schema 18, note types and decks in their own tables).
Layout 3 also carries a dummy `collection.anki2` for old Anki versions, which must be ignored.

Separate from reading the collection (`ankicollection`): everything here is about the container
and its limits (encrypted entries, compression methods, zip bombs, unsafe media names); what
comes out is one SQLite file in a staging folder.
"""

from __future__ import annotations

import json
import lzma
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import zstandard

from flashprep.core.files.staging import staged
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.importers import protowire

MAX_COLLECTION_BYTES = 1 << 30
"""Refuse a collection that unpacks to more than this (1 GiB): a zip bomb, or not a deck."""
MAX_SMALL_ENTRY_BYTES = 64 << 20
"""Cap for the `meta` and `media` entries."""
LAYOUTS = {1: "collection.anki2", 2: "collection.anki21", 3: "collection.anki21b"}
ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)


class PackageError(DataFileError):
    """A package that cannot be imported; the message names the file and the entry."""


def _entry(path: Path, archive: zipfile.ZipFile, name: str) -> zipfile.ZipInfo:
    """A zip entry the zipfile module can open: not encrypted, a compression method it has."""
    info = archive.getinfo(name)
    if info.flag_bits & 0x1:
        raise PackageError(path, f"entry {name!r} is encrypted")
    if info.compress_type not in ZIP_METHODS:
        raise PackageError(path, f"entry {name!r}: unknown compression method {info.compress_type}")
    return info


def _read_small(path: Path, archive: zipfile.ZipFile, name: str, zstd: bool) -> bytes:
    info = _entry(path, archive, name)
    if info.file_size > MAX_SMALL_ENTRY_BYTES:
        raise PackageError(path, f"entry {name!r} is too large ({info.file_size} bytes)")
    with archive.open(info) as handle:
        data = handle.read()
    if not zstd:
        return data
    reader = zstandard.ZstdDecompressor().stream_reader(data)
    out = reader.read(MAX_SMALL_ENTRY_BYTES + 1)
    if len(out) > MAX_SMALL_ENTRY_BYTES:
        raise PackageError(path, f"entry {name!r} unpacks to more than {MAX_SMALL_ENTRY_BYTES}")
    return bytes(out)


def _layout(path: Path, archive: zipfile.ZipFile) -> int:
    names = set(archive.namelist())
    if "meta" in names:
        try:
            version = protowire.first_int(
                protowire.parse(_read_small(path, archive, "meta", False)), 1
            )
        except protowire.WireError as exc:
            raise PackageError(path, f"entry 'meta' is damaged ({exc})") from None
        if version not in LAYOUTS:
            raise PackageError(
                path,
                f"made by a newer Anki (package version {version}); export it again with "
                "'Support older Anki versions' ticked",
            )
    elif "collection.anki21" in names:
        version = 2
    elif "collection.anki2" in names:
        version = 1
    else:
        raise PackageError(path, "no Anki collection inside (collection.anki21b/anki21/anki2)")
    if LAYOUTS[version] not in names:
        raise PackageError(path, f"no {LAYOUTS[version]} inside, although 'meta' names it")
    return version


def _copy_capped(path: Path, name: str, source: IO[bytes], target: IO[bytes]) -> None:
    total = 0
    while chunk := source.read(1 << 20):
        total += len(chunk)
        if total > MAX_COLLECTION_BYTES:
            raise PackageError(
                path, f"entry {name!r} unpacks to more than {MAX_COLLECTION_BYTES >> 20} MiB"
            )
        target.write(chunk)


def _extract_collection(path: Path, archive: zipfile.ZipFile, version: int, target: Path) -> None:
    name = LAYOUTS[version]
    info = _entry(path, archive, name)
    if version != 3 and info.file_size > MAX_COLLECTION_BYTES:
        raise PackageError(path, f"entry {name!r} is larger than {MAX_COLLECTION_BYTES >> 20} MiB")
    with archive.open(info) as raw, target.open("wb") as out:
        if version == 3:
            with zstandard.ZstdDecompressor().stream_reader(raw) as unpacked:
                _copy_capped(path, name, unpacked, out)
        else:
            _copy_capped(path, name, raw, out)


def _check_media_name(path: Path, key: str, name: str) -> None:
    parts = name.replace("\\", "/").split("/")
    if not name or "/" in name or "\\" in name or ".." in parts or "\x00" in name:
        raise PackageError(path, f"media entry {key!r}: unsafe file name {name!r}")


def _media_names(path: Path, archive: zipfile.ZipFile, version: int) -> list[str]:
    """File names of the package's media, checked: no folders, no `..`."""
    if "media" not in archive.namelist():
        return []
    raw = _read_small(path, archive, "media", version == 3)
    names: list[str] = []
    if version == 3:
        try:
            entries = protowire.messages(protowire.parse(raw), 1)
        except (protowire.WireError, UnicodeDecodeError) as exc:
            raise PackageError(path, f"entry 'media' is damaged ({exc})") from None
        for index, entry in enumerate(entries):
            name = protowire.first_text(entry, 1)
            _check_media_name(path, str(index), name)
            names.append(name)
        return names
    try:
        mapping = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise PackageError(path, f"entry 'media' is not valid JSON ({exc})") from None
    if not isinstance(mapping, dict):
        raise PackageError(path, "entry 'media' is not a JSON object")
    for key, name in mapping.items():
        if not isinstance(name, str):
            raise PackageError(path, f"media entry {key!r}: the name is not text")
        _check_media_name(path, str(key), name)
        names.append(name)
    return names


@contextmanager
def unpacked(path: Path, staging: Path | None) -> Iterator[tuple[Path, int, list[str]]]:
    """The package's collection unpacked into a staging folder of the data folder (`staging`;
    the system's temp folder when None), with its layout and its media names; removed after."""
    with staged(staging, "import-") as workdir:
        db = workdir / "collection.db"
        try:
            with zipfile.ZipFile(path) as archive:
                version = _layout(path, archive)
                media = _media_names(path, archive, version)
                _extract_collection(path, archive, version, db)
        except zipfile.BadZipFile as exc:
            reason = str(exc) if "CRC" in str(exc) else "not a zip file, or a damaged one"
            raise PackageError(path, f"not an Anki package: {reason}") from None
        except (EOFError, zlib.error, lzma.LZMAError, zstandard.ZstdError) as exc:
            raise PackageError(path, f"damaged package: {exc}") from None
        yield db, version, media
