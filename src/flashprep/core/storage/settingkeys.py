"""Each setting as a key a person types (`flashprep config`, the settings screen): its text, the
range a new value must be in, and the one-line message that refuses a bad one.

The ranges live here, once: the profile model (core.profilemodels) bounds a file's values with
them, except `desired_retention`, which a file may hold up to 0.99 (written before the 0.97 bound
for new values) and which a new value may not. Plain Python, no pydantic: the screen checks a
field on every key press.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from flashprep.core.keys import DECK_ID_PATTERN
from flashprep.core.storage.usersettings import (
    DEFAULT_SETTINGS,
    LEECH_ACTIONS,
    NEW_CARD_ORDERS,
    DeckLimit,
    UserSettings,
)

RANGES: dict[str, tuple[float, float]] = {
    "desired_retention": (0.70, 0.97),
    "new_per_day": (0, 9999),
    "reviews_per_day": (0, 99999),
    "rollover_hour": (0, 23),
    "maximum_interval": (1, 36500),
    "leech_lapses": (3, 99),
    "daily_minutes": (5, 600),
}
"""The bounds of each number setting, both included (a new value's; see the module docstring)."""

FILE_RETENTION_MAX = 0.99
"""The highest desired_retention a profile.toml may hold (older files were allowed it)."""

STEP_MAX = 1440.0
"""The longest learning or relearning step, in minutes (a day); a step is more than 0."""

CHOICES: dict[str, tuple[str, ...]] = {
    "new_card_order": NEW_CARD_ORDERS,
    "leech_action": LEECH_ACTIONS,
}

DECK_FIELDS = ("new_per_day", "reviews_per_day")
"""What a deck's own limits may set (`deck.<id>.new_per_day`)."""

NAMES: tuple[str, ...] = tuple(k for k in DEFAULT_SETTINGS if k != "deck_limits")
"""The keys of the plain settings, in profile.toml's order."""

THEME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
"""The shape of a theme name (the core knows no themes: the App and the CLI check the name)."""

_DECK_ID = re.compile(DECK_ID_PATTERN)


class SettingError(ValueError):
    """A key or value refused; the message is one line naming the key and what is allowed."""


class SettingKey(NamedTuple):
    """A setting (`name`) of the user, or of one deck's limits when `deck` is given."""

    name: str
    deck: str | None = None

    def __str__(self) -> str:
        return self.name if self.deck is None else f"deck.{self.deck}.{self.name}"


def parse_key(text: str) -> SettingKey:
    """`desired_retention`, `deck.python.new_per_day`, ... ; SettingError for any other."""
    if text.startswith("deck."):
        deck, _, name = text[len("deck.") :].rpartition(".")
        if name not in DECK_FIELDS:
            raise SettingError(
                f"unknown setting {text!r} (a deck's limits are deck.<id>.new_per_day "
                "and deck.<id>.reviews_per_day)"
            )
        if not _DECK_ID.match(deck):
            raise SettingError(f"{text}: {deck!r} is not a deck id")
        return SettingKey(name, deck)
    if text not in NAMES:
        known = ", ".join(NAMES)
        raise SettingError(
            f"unknown setting {text!r} (known: {known}, deck.<id>.new_per_day, "
            "deck.<id>.reviews_per_day)"
        )
    return SettingKey(text)


def _number_text(value: float) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def range_text(name: str) -> str:
    """`between 0.70 and 0.97`: the range a new value of a number setting must be in."""
    low, high = RANGES[name]
    return f"between {_number_text(low)} and {_number_text(high)}"


def value_text(value: Any) -> str:
    """A value as `config set` takes it: lists as `1,10`, booleans `true`/`false`, no value
    (a deck limit not set) as the empty text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list):
        return ",".join(f"{v:g}" for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def current_value(settings: UserSettings, key: SettingKey) -> Any:
    """The key's value in `settings`; None for a deck limit not set."""
    if key.deck is None:
        return getattr(settings, key.name)
    limit = settings.deck_limits.get(key.deck, DeckLimit())
    return getattr(limit, key.name)


def default_value(key: SettingKey) -> Any:
    """What `config unset` puts back: a newcomer's value; no deck limit."""
    return None if key.deck is not None else DEFAULT_SETTINGS[key.name]


def parse_value(key: SettingKey, text: str, current: Any = None) -> Any:
    """The value `text` sets `key` to, or SettingError saying what is allowed. A value equal to
    `current` (what the file holds) is always accepted: a file may hold a value older bounds
    allowed (desired_retention 0.99)."""
    name, text = key.name, text.strip()
    if name in RANGES:
        whole = name != "desired_retention"
        try:
            value: Any = int(text) if whole else float(text)
        except ValueError:
            kind = "a whole number " if whole else ""
            raise SettingError(f"{key} must be {kind}{range_text(name)} (got {text!r})") from None
        low, high = RANGES[name]
        if value == current:
            return value
        if not low <= value <= high:
            raise SettingError(f"{key} must be {range_text(name)} (got {text})")
        return value
    if name in ("learning_steps", "relearning_steps"):
        return _parse_steps(name, text)
    if name in CHOICES:
        if text not in CHOICES[name]:
            raise SettingError(f"{name} must be one of {', '.join(CHOICES[name])} (got {text!r})")
        return text
    if name in ("fuzz", "answer_timer"):
        if text.lower() not in ("true", "false"):
            raise SettingError(f"{name} must be true or false (got {text!r})")
        return text.lower() == "true"
    if name == "timezone":
        return _parse_zone(text)
    if name == "theme":
        if text and not re.match(THEME_PATTERN, text):
            raise SettingError(f"theme must be a theme name such as nord (got {text!r})")
        return text
    raise SettingError(f"unknown setting {name!r}")  # pragma: no cover - NAMES lists them all


def _parse_steps(name: str, text: str) -> tuple[float, ...]:
    """`1,10` (minutes); the empty text for no steps."""
    allowed = f"{name} must be minutes more than 0 and at most {STEP_MAX:g}, separated by commas"
    steps: list[float] = []
    for part in text.split(",") if text else []:
        try:
            step = float(part)
        except ValueError:
            raise SettingError(f"{allowed} (got {text!r})") from None
        if not 0 < step <= STEP_MAX:  # also refuses nan
            raise SettingError(f"{allowed} (got {part.strip()})")
        steps.append(step)
    return tuple(steps)


def _parse_zone(text: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # here: only a new zone needs it

    if text:
        try:
            ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise SettingError(
                f"timezone must be an IANA name such as Europe/Paris, or empty for this "
                f"computer's (got {text!r})"
            ) from None
    return text


def setting_items(settings: UserSettings) -> list[tuple[SettingKey, Any]]:
    """Every setting and its value, in profile.toml's order; then each deck's limits set."""
    items = [(SettingKey(name), getattr(settings, name)) for name in NAMES]
    for deck, limit in sorted(settings.deck_limits.items()):
        for name in DECK_FIELDS:
            value = getattr(limit, name)
            if value is not None:
                items.append((SettingKey(name, deck), value))
    return items


def settings_data(settings: UserSettings) -> dict[str, Any]:
    """The settings as profile.toml's `[settings]` table holds them (for `config --json`)."""
    data: dict[str, Any] = {
        name: list(value) if isinstance(value, tuple) else value
        for name in NAMES
        for value in [getattr(settings, name)]
    }
    data["deck_limits"] = {
        deck: {k: v for k, v in limit._asdict().items() if v is not None}
        for deck, limit in sorted(settings.deck_limits.items())
    }
    return data


def changed(data: dict[str, Any], key: SettingKey, value: Any) -> dict[str, Any]:
    """A copy of a `[settings]` table (`settings_data`'s shape) with `key` set to `value`
    (None: a deck limit removed, and the deck's entry with its last limit)."""
    new = dict(data)
    if key.deck is None:
        new[key.name] = list(value) if isinstance(value, tuple) else value
        return new
    limits = {deck: dict(limit) for deck, limit in data.get("deck_limits", {}).items()}
    limit = limits.setdefault(key.deck, {})
    if value is None:
        limit.pop(key.name, None)
    else:
        limit[key.name] = value
    new["deck_limits"] = {deck: lim for deck, lim in limits.items() if lim}
    return new
