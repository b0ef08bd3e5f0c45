"""Where things live: the data folder, a user's folder, the bundled decks; name validation."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NamedTuple

APP_NAME = "flashprep"
HOME_ENV = "FLASHPREP_HOME"
USER_ENV = "FLASHPREP_USER"

_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")


class NameError_(ValueError):
    """A user name or id that could escape the data folder or is otherwise unusable."""


def validate_user_name(name: str) -> str:
    """Return the name if it is safe as a folder name; raise NameError_ with a clear reason."""
    if not name:
        raise NameError_("user name is empty")
    if ".." in name or "/" in name or "\\" in name or not _NAME.match(name):
        raise NameError_(
            f"invalid user name {name!r}: use letters, digits, '-', '_' and '.', "
            "start with a letter, digit or '_', no '..', at most 64 characters"
        )
    return name


def default_user() -> str:
    """The login name, reduced to the characters a user name may hold."""
    import getpass

    try:
        login = getpass.getuser()
    except (OSError, KeyError):
        login = "default"
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", login).strip(".") or "default"
    return cleaned[:64]


def default_home() -> Path:
    """The platform's user data folder (e.g. ~/.local/share/flashprep)."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def bundled_decks_dir() -> Path:
    """The decks shipped with flashprep: inside the wheel, or the repository's `decks/`."""
    package = Path(__file__).resolve().parent.parent
    inside = package / "decks"
    if inside.is_dir():
        return inside
    return package.parent.parent / "decks"


PROFILE = "profile.toml"
STATE = "state.toml"
STORIES = "stories.toml"
REVIEWS = "reviews"
MOCK = "mock"
BACKUPS = "backups"
CACHE = "cache"
CONFLICTS = "conflicts"
"""A user's files and folders by their names inside the user's folder (backups list them so)."""
LOCAL = "local"
"""The data folder's files of this computer only, never synced (its device id)."""


class UserPaths(NamedTuple):
    """One user's folder, every file and folder in it named once (see docs/storage-format.md)."""

    folder: Path

    @property
    def profile(self) -> Path:
        return self.folder / PROFILE

    @property
    def state(self) -> Path:
        """The checkpoint: each card's state as of a position in the review log."""
        return self.folder / STATE

    @property
    def stories(self) -> Path:
        return self.folder / STORIES

    @property
    def reviews(self) -> Path:
        """The review log, one TOML file per month."""
        return self.folder / REVIEWS

    def device_log(self, device: str) -> Path:
        """One device's review log folder (`reviews/<device-id>/`); "" names the layout of
        releases before syncing, the month files directly in `reviews/`."""
        return self.folder / REVIEWS / device if device else self.folder / REVIEWS

    @property
    def conflicts(self) -> Path:
        """The losing side of an edit made on two computers at once, kept for the user."""
        return self.folder / CONFLICTS

    @property
    def mock(self) -> Path:
        """One TOML file per mock interview round."""
        return self.folder / MOCK

    @property
    def backups(self) -> Path:
        return self.folder / BACKUPS

    @property
    def cache(self) -> Path:
        """Derived files only (safe to delete), and $EDITOR's scratch files."""
        return self.folder / CACHE

    @property
    def cache_state(self) -> Path:
        """The checkpoint's state columns, read at start instead of state.toml."""
        return self.folder / CACHE / "state.bin"

    @property
    def cache_queue(self) -> Path:
        """Each deck's first drill queue, read at start (core/storage/queuecache.py)."""
        return self.folder / CACHE / "queue.json"

    @property
    def cache_profile(self) -> Path:
        """profile.toml's values, read at start without pydantic."""
        return self.folder / CACHE / "profile.json"

    @property
    def cache_history(self) -> Path:
        """The statistics' decoded review log, one file per month."""
        return self.folder / CACHE / "history"


class Home(NamedTuple):
    """The data folder: imported decks, overrides and one folder per user."""

    root: Path

    @property
    def decks(self) -> Path:
        return self.root / "decks"

    @property
    def overrides(self) -> Path:
        return self.root / "decks" / "overrides"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def local(self) -> Path:
        """This computer's own files (its device id), left out of syncing."""
        return self.root / LOCAL

    @property
    def conflicts(self) -> Path:
        """The losing side of a deck file edited on two computers at once."""
        return self.root / CONFLICTS

    @property
    def staging(self) -> Path:
        """Scratch folders of imports (core.staging), removed when they end or at next start."""
        return self.root / "cache" / "staging"

    def user_dir(self, user: str) -> Path:
        return self.root / "users" / validate_user_name(user)

    def user(self, user: str) -> UserPaths:
        """The files and folders of one user."""
        return UserPaths(self.user_dir(user))

    def users(self) -> list[str]:
        folder = self.root / "users"
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if p.is_dir() and _NAME.match(p.name))


class HomeError(ValueError):
    """A data folder that cannot even be named (`~someone` for a user who does not exist)."""


def resolve_home(option: str | None) -> Home:
    """--home beats FLASHPREP_HOME beats the platform default."""
    chosen = option if option is not None else os.environ.get(HOME_ENV)
    try:
        return Home(Path(chosen).expanduser() if chosen else default_home())
    except RuntimeError:  # what expanduser raises for an unknown user or no home at all
        shown = repr(chosen) if chosen else "the default data folder"
        raise HomeError(f"{shown}: cannot find the home folder that '~' names") from None


def resolve_user(option: str | None) -> str:
    """--user beats FLASHPREP_USER beats the login name; always validated."""
    if option is not None:
        return validate_user_name(option)
    env = os.environ.get(USER_ENV)
    return validate_user_name(env if env is not None else default_user())
