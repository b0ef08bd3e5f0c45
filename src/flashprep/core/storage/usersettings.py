"""A user's settings as plain values, read at start-up without pydantic from a derived cache.

profile.toml is validated by core.profile (pydantic), but importing pydantic costs about half of a
bare Textual app's start, and start-up only needs the values. So the validated values are kept in
`users/<name>/cache/profile.json`, keyed by profile.toml's size and modification time (ns): while
they match, start-up reads the JSON; otherwise the profile is validated again and the cache
rewritten. The cache is never trusted over profile.toml, and deleting it is always safe.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, tzinfo
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

from flashprep.core.files.fileio import atomic_write
from flashprep.core.scheduling.scheduler import SchedulerSettings

CACHE_FORMAT = 5

PROFILE_HEADER = "# flashprep profile: your settings. See docs/storage-format.md.\n"
"""The comment at the top of profile.toml (here, not with the models: a new user's file is
written without them)."""

DEFAULT_SETTINGS: dict[str, Any] = {
    "desired_retention": 0.9,
    "new_per_day": 20,
    "reviews_per_day": 200,
    "rollover_hour": 4,
    "learning_steps": (1.0, 10.0),
    "relearning_steps": (10.0,),
    "maximum_interval": 36500,
    "fuzz": True,
    "timezone": "",
    "new_card_order": "round-robin",
    "leech_lapses": 8,
    "leech_action": "tag",
    "theme": "",
    "answer_timer": True,
    "daily_minutes": 30,
    "deck_limits": MappingProxyType({}),
}
"""A newcomer's settings, in the order of profile.toml's `[settings]` (core.profilemodels
.Settings takes its defaults from here); lists as tuples and the table read-only, so that nothing
can change them."""

NewCardOrder = Literal["round-robin", "deck", "random"]
NEW_CARD_ORDERS: tuple[NewCardOrder, ...] = ("round-robin", "deck", "random")
"""How a drill of several decks takes their new cards: in turn, deck after deck, or shuffled."""

LeechAction = Literal["tag", "suspend"]
LEECH_ACTIONS: tuple[LeechAction, ...] = ("tag", "suspend")
"""What happens to a card that lapsed `leech_lapses` times: only marked, or also suspended."""


class DeckLimit(NamedTuple):
    """One deck's own daily limits, on top of the user's (None: only the user's apply)."""

    new_per_day: int | None = None
    reviews_per_day: int | None = None


class InterviewPlan(NamedTuple):
    """The profile's `[interview]` table as plain values (core.profile.Interview validates it)."""

    date: date
    decks: tuple[str, ...]
    target_recall: float


class UserSettings(NamedTuple):
    """The values of a validated profile (core.profile.Profile: its seed and its settings)."""

    seed: int
    desired_retention: float
    new_per_day: int
    reviews_per_day: int
    rollover_hour: int
    learning_steps: tuple[float, ...]
    relearning_steps: tuple[float, ...]
    maximum_interval: int
    fuzz: bool
    timezone: str
    new_card_order: NewCardOrder
    leech_lapses: int
    leech_action: LeechAction
    theme: str
    """A Textual theme name; empty for the App's default."""
    answer_timer: bool
    """Whether the drill shows the answer timer (the time is logged either way)."""
    deck_limits: Mapping[str, DeckLimit]
    """Deck id → its own limits; a deck's cards count against both its and the user's."""
    interview: InterviewPlan | None = None
    daily_minutes: int = DEFAULT_SETTINGS["daily_minutes"]
    """The minutes a day the user means to study: the interview plan fits its drills in them."""
    parameters: tuple[float, ...] | None = None
    """FSRS-6 parameters fitted to the user (profile.toml's `[fsrs]`); None: the defaults."""

    def tz(self) -> tzinfo | None:
        """The user's time zone for "today"; None means this computer's."""
        if not self.timezone:
            return None
        from zoneinfo import ZoneInfo  # here: most users keep the computer's time zone

        return ZoneInfo(self.timezone)

    def scheduler_settings(self) -> SchedulerSettings:
        return SchedulerSettings(
            desired_retention=self.desired_retention,
            learning_steps_minutes=self.learning_steps,
            relearning_steps_minutes=self.relearning_steps,
            maximum_interval_days=self.maximum_interval,
            fuzz=self.fuzz,
            seed=self.seed,
            parameters=self.parameters,
        )


def from_dict(values: dict[str, Any]) -> UserSettings:
    """Build from a profile's dump: `{"seed": ..., "settings": {...}}` flattened by the caller."""
    interview = values.get("interview")
    parameters = values.get("parameters")
    return UserSettings(
        **{
            **values,
            "learning_steps": tuple(values["learning_steps"]),
            "relearning_steps": tuple(values["relearning_steps"]),
            "deck_limits": {
                deck: DeckLimit(limit.get("new_per_day"), limit.get("reviews_per_day"))
                for deck, limit in values["deck_limits"].items()
            },
            "interview": InterviewPlan(
                date.fromisoformat(str(interview["date"])),
                tuple(interview["decks"]),
                float(interview["target_recall"]),
            )
            if interview
            else None,
            "parameters": tuple(float(v) for v in parameters) if parameters else None,
        }
    )


def read_cache(cache: Path, stamp: list[int]) -> UserSettings | None:
    """The cached settings if they were written for profile.toml as it is now; else None."""
    try:
        doc = json.loads(cache.read_bytes())
        if doc["v"] != CACHE_FORMAT or doc["stamp"] != stamp:
            return None
        return from_dict(doc["settings"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_cache(cache: Path, stamp: list[int], settings: UserSettings) -> None:
    values = settings._asdict()
    values["deck_limits"] = {deck: lim._asdict() for deck, lim in settings.deck_limits.items()}
    if settings.interview is not None:
        values["interview"] = settings.interview._asdict()
    doc = {"v": CACHE_FORMAT, "stamp": stamp, "settings": values}
    doc_bytes = json.dumps(doc, default=str).encode()  # default=str: the date
    atomic_write(cache, doc_bytes, durable=False)  # checked when read
