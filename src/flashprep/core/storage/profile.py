"""A user's settings (profile.toml): limits, retention, the day's rollover hour, the fuzz seed.

The file is validated by the models of core.profilemodels (pydantic), which load with the first
use of one of them here (`profile.Profile`, `profile.Interview`, ...). A new user's profile needs
none of that: its values are the defaults and a new seed, and its file is written from them, so a
new user's first import or drill does not import pydantic (a tenth of a 5,000-note import).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flashprep.core.files.fileio import atomic_write
from flashprep.core.storage import usersettings
from flashprep.core.storage.usersettings import DEFAULT_SETTINGS, UserSettings

if TYPE_CHECKING:
    from flashprep.core.storage.profilemodels import DeckId as DeckId
    from flashprep.core.storage.profilemodels import Interview as Interview
    from flashprep.core.storage.profilemodels import Profile as Profile
    from flashprep.core.storage.profilemodels import Settings as Settings

PROFILE_FORMAT = 1
_MODELS = frozenset({"DeckId", "Interview", "Profile", "Settings"})


def __getattr__(name: str) -> Any:
    """The models, imported (with pydantic) when first asked for."""
    if name in _MODELS:
        from flashprep.core.storage import profilemodels

        return getattr(profilemodels, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class NewProfile:
    """A new user's profile: the default settings and a seed, as plain values.

    It gives its values and its file without pydantic; `model()` is the validated model of the
    same profile (for everything else: its settings, `model_copy`, ...).
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._model: Profile | None = None

    def values(self) -> UserSettings:
        """What `Profile(seed=seed).values()` gives."""
        return usersettings.from_dict({"seed": self.seed, **DEFAULT_SETTINGS, "interview": None})

    def data(self) -> dict[str, Any]:
        """What `Profile(seed=seed).model_dump(exclude_none=True)` gives."""
        settings = {
            k: list(v) if type(v) is tuple else dict(v) if k == "deck_limits" else v
            for k, v in DEFAULT_SETTINGS.items()
        }
        return {"format": PROFILE_FORMAT, "seed": self.seed, "settings": settings}

    def model(self) -> Profile:
        if self._model is None:
            from flashprep.core.storage.profilemodels import Profile

            self._model = Profile(seed=self.seed)
        return self._model


def new_profile() -> NewProfile:
    """A new user's profile, with a new seed."""
    return NewProfile(secrets.randbelow(2**31))


def load_profile(path: Path) -> Profile:
    """Read profile.toml; raise DataFileError naming the line and field when it is invalid."""
    from flashprep.core.storage.profilemodels import PROFILE_FILE

    return PROFILE_FILE.read(path)


def parse_profile(raw: bytes, path: Path | str = "profile.toml") -> Profile:
    """Validate profile.toml bytes; raise DataFileError naming the line and field."""
    from flashprep.core.storage.profilemodels import PROFILE_FILE

    return PROFILE_FILE.parse(raw, path)


def profile_to_toml(profile: Profile | NewProfile) -> bytes:
    """profile.toml's bytes; a new user's without pydantic (the same bytes as its model's)."""
    from flashprep.core.files.tomlmodel import toml_document

    if isinstance(profile, NewProfile):
        return toml_document(profile.data(), usersettings.PROFILE_HEADER)
    from flashprep.core.storage.profilemodels import PROFILE_FILE

    return PROFILE_FILE.dumps(profile)


def save_profile(path: Path, profile: Profile | NewProfile) -> None:
    atomic_write(path, profile_to_toml(profile))
