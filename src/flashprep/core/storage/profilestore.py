"""One user's profile.toml as the store uses it: the plain settings read at start-up, the
validated profile only when asked for, and a new user's profile until its file is written.

Separate from `UserStore` (the schedule and its review log) because the profile has its own
file, its own derived cache (`cache/profile.json`, see usersettings) and its own start-up rule:
pydantic is imported only when the validated profile is needed (storage/profile.py), never to
read the settings.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from flashprep.core.files.fileio import ensure_dir, file_stamp
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.paths import UserPaths
from flashprep.core.storage import usersettings
from flashprep.core.storage.recovery import recovery_advice
from flashprep.core.storage.usersettings import UserSettings

if TYPE_CHECKING:
    from flashprep.core.storage.profile import NewProfile, Profile


class ProfileStore:
    """A user's profile file and its settings cache; `UserStore` holds one."""

    def __init__(self, paths: UserPaths) -> None:
        self.folder = paths.folder
        self.path = paths.profile
        self.cache_path = paths.cache_profile
        self._profile: Profile | None = None
        self._new: NewProfile | None = None
        """A new user's profile, until its file is written (see ensure)."""
        self.stale = False
        """Whether the settings cache is to be rewritten (set by load_settings)."""

    @property
    def profile(self) -> Profile:
        """The validated profile (pydantic, imported only now); start-up reads the settings."""
        if self._profile is None:
            from flashprep.core.storage.profile import load_profile

            if not self.path.exists():
                self._profile = self._new_profile().model()
            else:
                try:
                    self._profile = load_profile(self.path)
                except DataFileError as exc:
                    raise exc.with_recovery(recovery_advice(self.folder, "profile.toml")) from None
        return self._profile

    def _new_profile(self) -> NewProfile:
        """A new user's profile, as plain values (its seed chosen once)."""
        if self._new is None:
            from flashprep.core.storage.profile import new_profile

            self._new = new_profile()
        return self._new

    def load_settings(self) -> UserSettings:
        """The profile's values: from the settings cache while it matches profile.toml."""
        stamp = file_stamp(self.path)
        self.stale = stamp is not None
        if stamp is not None:
            cached = usersettings.read_cache(self.cache_path, stamp)
            if cached is not None:
                self.stale = False
                return cached
        if stamp is None:
            return self._new_profile().values()  # without pydantic
        return self.profile.values()

    def cache_settings(self, settings: UserSettings) -> None:
        stamp = file_stamp(self.path)
        if stamp is not None:
            with contextlib.suppress(OSError):
                usersettings.write_cache(self.cache_path, stamp, settings)

    def ensure(self, settings: UserSettings) -> None:
        """Write a default profile the first time this user is used (never over an existing one)."""
        if not self.path.exists():
            from flashprep.core.storage.profile import save_profile

            ensure_dir(self.folder)
            new = self._profile if self._profile is not None else self._new_profile()
            save_profile(self.path, new)
            self.cache_settings(settings)

    def save(self, profile: Profile) -> None:
        """Write a new profile; the caller applies its settings and caches them."""
        from flashprep.core.storage.profile import save_profile

        ensure_dir(self.folder)
        save_profile(self.path, profile)
        self._profile = profile
