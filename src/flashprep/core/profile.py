"""A user's settings (profile.toml): limits, retention, the day's rollover hour, the fuzz seed."""

from __future__ import annotations

import secrets
from datetime import date, tzinfo
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from flashprep.core import usersettings
from flashprep.core.deckrecord import ID_PATTERN
from flashprep.core.fileio import atomic_write
from flashprep.core.scheduler import SchedulerSettings
from flashprep.core.usersettings import UserSettings
from flashprep.core.validated import parse_model, read_model

PROFILE_FORMAT = 1

DeckId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
"""core.deck's deck id, not imported from there: that would build the deck models too, which a
new user's import does not need."""


class Settings(BaseModel):
    """What a user may tune; every field has the default a newcomer gets."""

    model_config = ConfigDict(extra="forbid")

    desired_retention: Annotated[float, Field(ge=0.7, le=0.99)] = 0.9
    new_per_day: Annotated[int, Field(ge=0, le=9999)] = 20
    reviews_per_day: Annotated[int, Field(ge=0, le=99999)] = 200
    rollover_hour: Annotated[int, Field(ge=0, le=23)] = 4
    learning_steps: list[Annotated[float, Field(gt=0, le=1440)]] = Field(
        default_factory=lambda: [1.0, 10.0]
    )
    relearning_steps: list[Annotated[float, Field(gt=0, le=1440)]] = Field(
        default_factory=lambda: [10.0]
    )
    maximum_interval: Annotated[int, Field(ge=1, le=36500)] = 36500
    fuzz: bool = True
    timezone: str = ""
    """IANA zone name for "today"; empty means the computer's local time zone."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError, OSError):
                raise ValueError(f"unknown time zone {value!r}") from None
        return value


class Interview(BaseModel):
    """The `[interview]` table: an interview the schedule prepares for (see core/plan.py)."""

    model_config = ConfigDict(extra="forbid")

    date: date
    decks: list[DeckId] = Field(default_factory=list)
    """The decks the interview is about; empty means all decks."""
    target_recall: Annotated[float, Field(ge=0.5, le=0.99)] = 0.9
    """The predicted recall every card should reach on the date."""


class Profile(BaseModel):
    """profile.toml: format version, the fuzz seed, the settings and an optional interview."""

    model_config = ConfigDict(extra="forbid")

    format: Literal[1] = 1
    seed: Annotated[int, Field(ge=0, lt=2**31)] = 0
    settings: Settings = Field(default_factory=Settings)
    interview: Interview | None = None

    def values(self) -> UserSettings:
        """The profile as plain values (what start-up reads from the settings cache)."""
        interview = self.interview.model_dump(mode="json") if self.interview else None
        return usersettings.from_dict(
            {"seed": self.seed, **self.settings.model_dump(), "interview": interview}
        )

    def tz(self) -> tzinfo | None:
        return self.values().tz()

    def scheduler_settings(self) -> SchedulerSettings:
        return self.values().scheduler_settings()


def new_profile() -> Profile:
    return Profile(seed=secrets.randbelow(2**31))


def load_profile(path: Path) -> Profile:
    """Read profile.toml; raise DataFileError naming the line and field when it is invalid."""
    return read_model(Profile, path)


def parse_profile(raw: bytes, path: Path | str = "profile.toml") -> Profile:
    """Validate profile.toml bytes; raise DataFileError naming the line and field."""
    return parse_model(Profile, raw, path)


def profile_to_toml(profile: Profile) -> bytes:
    data: dict[str, Any] = profile.model_dump(exclude_none=True)
    header = "# flashprep profile: your settings. See docs/storage-format.md.\n"
    return (header + tomli_w.dumps(data)).encode()


def save_profile(path: Path, profile: Profile) -> None:
    atomic_write(path, profile_to_toml(profile))
