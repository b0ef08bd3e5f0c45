"""This computer in a data folder that git or a file-sync tool carries between computers.

Each computer appends its actions only to its own log folder, `reviews/<device-id>/`, so no file
is ever written on two computers and a merge never conflicts. The id is made once per computer
and data folder and kept in `local/device-<host>.toml`, which is never synced (the ignore files
below leave `local/` out, and its name holds the host, so even a tool that syncs everything
gives each computer its own file). It also records the folder it was made for: a copy of the
data folder (a plain `cp -r`, a restored backup) opened elsewhere gets an id of its own.
"""

from __future__ import annotations

import re
import secrets
import socket
import tomllib
from pathlib import Path

from flashprep.core.files.fileio import atomic_write, ensure_dir
from flashprep.core.files.tomlerrors import DataFileError, cannot_read
from flashprep.core.paths import Home

DEVICE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")
"""A device id: a folder name that can never be taken for a month file (no dot)."""
_SUFFIX = re.compile(r"-[0-9a-f]{6}$")

IGNORED = (
    "local/",
    "cache/",
    "users/*/cache/",
    "users/*/backups/",
    "users/*/state.toml",
    "users/*/lock",
    "users/*/lock.info",
    "decks/lock",
    "decks/lock.info",
    "decks/.lock",
)
"""What stays on each computer, relative to the data folder: derived files (caches, the
checkpoint), backups and locks. Every pattern is also written relative to a user's folder, for
a user folder synced on its own."""
_USER_LEVEL = ("cache/", "backups/", "state.toml", "lock", "lock.info")
_ANYWHERE = ("*.partial", ".*.tmp")
_TOP = "# flashprep: each computer's own files, never synced (see docs/storage-format.md)\n"


def host_label() -> str:
    """This computer's name, reduced to what a device id may hold ("device" if it has none)."""
    try:
        name = socket.gethostname().split(".")[0].lower()
    except OSError:
        name = ""
    label = re.sub(r"[^a-z0-9-]+", "-", name).strip("-")[:24].strip("-")
    return label or "device"


def device_name(device: str) -> str:
    """How the user is told of a device: its host part ("desk-pc" for "desk-pc-9f3e21")."""
    return _SUFFIX.sub("", device) or "an older flashprep"


def device_file(home: Home) -> Path:
    return home.local / f"device-{host_label()}.toml"


def this_device(home: Home, create: bool = True) -> str | None:
    """This computer's device id in `home`; made (and the ignore files written) when it has
    none yet and `create` is true, else None. A file that is not flashprep's is an error."""
    path = device_file(home)
    folder = str(home.root.resolve())
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raw = None
    except OSError as exc:
        raise cannot_read(path, exc) from None
    if raw is not None:
        try:
            data = tomllib.loads(raw.decode())
        except (UnicodeDecodeError, tomllib.TOMLDecodeError):
            data = {}
        device, made_for = data.get("id"), data.get("folder")
        if not (isinstance(device, str) and DEVICE_ID.match(device) and isinstance(made_for, str)):
            raise DataFileError(
                path, "not a device file: delete it and flashprep makes a new device id"
            )
        if made_for == folder:
            return device
    if not create:
        return None
    device = f"{host_label()}-{secrets.token_hex(3)}"
    ensure_dir(path.parent)
    text = (
        "# this computer's id in this data folder: its actions go to reviews/<id>/.\n"
        "# Never synced; a copy of the folder opened elsewhere makes an id of its own.\n"
        f'id = "{device}"\nfolder = {_toml_string(folder)}\n'
    )
    atomic_write(path, text.encode())
    write_ignore_files(home.root)
    return device


def _toml_string(text: str) -> str:
    import json

    return json.dumps(text)  # a JSON string is a TOML basic string


def ignore_lines(syncthing: bool) -> list[str]:
    """The ignore patterns for git (`.gitignore`) or Syncthing (`.stignore`)."""
    patterns = [*IGNORED, *_USER_LEVEL, *_ANYWHERE]
    out: list[str] = []
    for pattern in patterns:
        anchored = pattern if pattern in _ANYWHERE else "/" + pattern
        out.append(anchored.rstrip("/") if syncthing else anchored)
    return list(dict.fromkeys(out))


def write_ignore_files(root: Path) -> list[Path]:
    """Write `.gitignore` and `.stignore` into a synced folder's root unless it has them (a
    user's own rules are never replaced); return those written."""
    written: list[Path] = []
    for name, syncthing in ((".gitignore", False), (".stignore", True)):
        path = root / name
        if path.exists():
            continue
        comment = "// " if syncthing else "# "
        text = comment + _TOP.removeprefix("# ") + "\n".join(ignore_lines(syncthing)) + "\n"
        ensure_dir(root, private=False)
        atomic_write(path, text.encode(), private=False)
        written.append(path)
    return written
