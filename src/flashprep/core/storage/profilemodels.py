"""profile.toml's validated models (pydantic); core.profile reads and writes the file with them.

A newcomer's settings are usersettings.DEFAULT_SETTINGS: the models' defaults come from there, so
that a new user's profile can be made without importing pydantic (see core.profile.NewProfile).
"""

from __future__ import annotations

import re
from datetime import date, timedelta, tzinfo
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from flashprep.core.clock import INSTANT_RANGE, is_valid_day
from flashprep.core.files.tomlmodel import TomlFile
from flashprep.core.keys import DECK_ID_PATTERN
from flashprep.core.scheduling.parameters import parameters_problem
from flashprep.core.scheduling.scheduler import SchedulerSettings
from flashprep.core.storage import usersettings
from flashprep.core.storage.settingkeys import (
    FILE_RETENTION_MAX,
    RANGES,
    STEP_MAX,
    THEME_PATTERN,
    SettingError,
    SettingKey,
    changed,
    settings_data,
)
from flashprep.core.storage.usersettings import DEFAULT_SETTINGS as _DEFAULT
from flashprep.core.storage.usersettings import LeechAction, NewCardOrder, UserSettings

Day = date
"""`date` under a name the Interview model's field of that name does not hide."""

DeckId = Annotated[str, StringConstraints(pattern=DECK_ID_PATTERN)]
"""core.deck's deck id, not imported from there: that would build the deck models too, which a
new user's import does not need."""


def _bounded(name: str) -> Any:
    """The Field bounding a number setting by settingkeys.RANGES."""
    low, high = RANGES[name]
    return Field(ge=low, le=high)


Step = Annotated[float, Field(gt=0, le=STEP_MAX)]


class DeckLimit(BaseModel):
    """`[settings.deck_limits.<deck id>]`: a deck's own daily limits, on top of the user's."""

    model_config = ConfigDict(extra="forbid")

    new_per_day: Annotated[int, _bounded("new_per_day")] | None = None
    reviews_per_day: Annotated[int, _bounded("reviews_per_day")] | None = None


class Settings(BaseModel):
    """What a user may tune; every field has the default a newcomer gets."""

    model_config = ConfigDict(extra="forbid")

    desired_retention: Annotated[
        float, Field(ge=RANGES["desired_retention"][0], le=FILE_RETENTION_MAX)
    ] = _DEFAULT["desired_retention"]
    """0.97 at most for a new value (settingkeys); up to 0.99 in a file written before."""
    new_per_day: Annotated[int, _bounded("new_per_day")] = _DEFAULT["new_per_day"]
    reviews_per_day: Annotated[int, _bounded("reviews_per_day")] = _DEFAULT["reviews_per_day"]
    rollover_hour: Annotated[int, _bounded("rollover_hour")] = _DEFAULT["rollover_hour"]
    learning_steps: list[Step] = Field(default_factory=lambda: list(_DEFAULT["learning_steps"]))
    relearning_steps: list[Step] = Field(default_factory=lambda: list(_DEFAULT["relearning_steps"]))
    maximum_interval: Annotated[int, _bounded("maximum_interval")] = _DEFAULT["maximum_interval"]
    fuzz: bool = _DEFAULT["fuzz"]
    timezone: str = _DEFAULT["timezone"]
    """IANA zone name for "today"; empty means the computer's local time zone."""
    new_card_order: NewCardOrder = _DEFAULT["new_card_order"]
    leech_lapses: Annotated[int, _bounded("leech_lapses")] = _DEFAULT["leech_lapses"]
    leech_action: LeechAction = _DEFAULT["leech_action"]
    theme: str = _DEFAULT["theme"]
    """A Textual theme name (checked against the App's themes where they are known); empty for
    the default theme."""
    answer_timer: bool = _DEFAULT["answer_timer"]
    daily_minutes: Annotated[int, _bounded("daily_minutes")] = _DEFAULT["daily_minutes"]
    """Minutes a day for study: the interview plan fits new cards and reviews in them."""
    deck_limits: dict[DeckId, DeckLimit] = Field(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError, OSError):
                raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("theme")
    @classmethod
    def _theme_name(cls, value: str) -> str:
        if value and not re.match(THEME_PATTERN, value):
            raise ValueError(f"{value!r} is not a theme name")
        return value


class Interview(BaseModel):
    """The `[interview]` table: an interview the schedule prepares for (interview/plan.py)."""

    model_config = ConfigDict(extra="forbid")

    date: date
    decks: list[DeckId] = Field(default_factory=list)
    """The decks the interview is about; empty means all decks."""
    target_recall: Annotated[float, Field(ge=0.5, le=0.99)] = 0.9
    """The predicted recall every card should reach on the date."""

    @field_validator("date")
    @classmethod
    def _date_in_range(cls, value: Day) -> Day:
        if not is_valid_day(value):
            raise ValueError(f"must be a date {INSTANT_RANGE}")
        return value


class Fsrs(BaseModel):
    """The `[fsrs]` table: FSRS-6 parameters fitted to this user's history (`flashprep
    optimize` writes it; without it, the defaults). The review log is never changed by a fit:
    the schedule is replayed from it under these parameters."""

    model_config = ConfigDict(extra="forbid")

    parameters: list[float]
    """The 21 weights, each within FSRS's bounds (core.scheduling.parameters)."""
    fitted_on: date | None = None
    """The day of the fit."""
    reviews: Annotated[int, Field(ge=0)] | None = None
    """How many grades the history held then (to tell when a new fit is worth it)."""

    @field_validator("parameters")
    @classmethod
    def _usable(cls, value: list[float]) -> list[float]:
        problem = parameters_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value


PLAN_HORIZON = timedelta(days=3653)
"""How far ahead an interview date may be set: ten years (a later one is surely a typo)."""


def interview_date_problem(day: date, today: date) -> str | None:
    """Why `day` cannot be set as the interview date, or None: the one check behind `plan --date`
    and the plan form (a file's date is bounded by the Interview model)."""
    if day < today:
        return f"{day.isoformat()} is in the past (today is {today.isoformat()})"
    if day > today + PLAN_HORIZON:
        latest = (today + PLAN_HORIZON).isoformat()
        return f"{day.isoformat()} is more than ten years away (the latest is {latest})"
    return None


class Profile(BaseModel):
    """profile.toml: format version, the fuzz seed, the settings and an optional interview."""

    model_config = ConfigDict(extra="forbid")

    format: Literal[1] = 1
    seed: Annotated[int, Field(ge=0, lt=2**31)] = 0
    settings: Settings = Field(default_factory=Settings)
    interview: Interview | None = None
    fsrs: Fsrs | None = None

    def values(self) -> UserSettings:
        """The profile as plain values (what start-up reads from the settings cache)."""
        interview = self.interview.model_dump(mode="json") if self.interview else None
        parameters = self.fsrs.parameters if self.fsrs else None
        return usersettings.from_dict(
            {
                "seed": self.seed,
                **self.settings.model_dump(),
                "interview": interview,
                "parameters": parameters,
            }
        )

    def tz(self) -> tzinfo | None:
        return self.values().tz()

    def with_settings(self, data: dict[str, Any]) -> Profile:
        """This profile with its `[settings]` replaced by `data` (settingkeys.changed makes it);
        SettingError if the model refuses it (settingkeys checks every value first)."""
        try:
            settings = Settings.model_validate(data)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"])
            raise SettingError(f"{where}: {error['msg']}") from None
        return self.model_copy(update={"settings": settings})

    def with_setting(self, key: SettingKey, value: Any) -> Profile:
        """This profile with one setting changed (a deck limit of None: removed)."""
        return self.with_settings(changed(settings_data(self.values()), key, value))

    def scheduler_settings(self) -> SchedulerSettings:
        return self.values().scheduler_settings()


PROFILE_FILE = TomlFile(Profile, header=usersettings.PROFILE_HEADER)
"""users/<name>/profile.toml."""
