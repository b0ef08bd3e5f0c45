"""Settings as keys a person types (core.storage.settingkeys) and as profile.toml holds them: every
setting's range and message, the file's own bounds, per-deck limits, the plain values and cache."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.storage import settingkeys, usersettings
from flashprep.core.storage.profile import NewProfile, Profile, parse_profile, profile_to_toml
from flashprep.core.storage.settingkeys import (
    SettingError,
    SettingKey,
    changed,
    parse_key,
    parse_value,
    setting_items,
    settings_data,
    value_text,
)
from flashprep.core.storage.usersettings import DeckLimit
from flashprep.core.storage.userstore import UserStore


def refused(key: str, text: str, current: Any = None) -> str:
    with pytest.raises(SettingError) as info:
        parse_value(parse_key(key), text, current)
    message = str(info.value)
    assert "\n" not in message and key in message
    return message


# the ranges the issue asks for, written out (not read from the module under test)
NUMBER_RANGES = [
    ("desired_retention", "0.70", "0.97", ["0.69", "0.98", "1.5", "0", "-0.9", "nan", "inf"]),
    ("new_per_day", "0", "9999", ["-1", "10000", "99999999999"]),
    ("reviews_per_day", "0", "99999", ["-1", "100000"]),
    ("rollover_hour", "0", "23", ["-1", "24", "100"]),
    ("maximum_interval", "1", "36500", ["0", "36501"]),
    ("leech_lapses", "3", "99", ["2", "0", "100", "-8"]),
    ("daily_minutes", "5", "600", ["4", "0", "601", "-30"]),
    ("deck.python.new_per_day", "0", "9999", ["-1", "10000"]),
    ("deck.py.thon.reviews_per_day", "0", "99999", ["-5", "100000"]),
]


@pytest.mark.parametrize(("key", "low", "high", "bad"), NUMBER_RANGES)
def test_a_number_out_of_range_is_refused_with_its_range(
    key: str, low: str, high: str, bad: list[str]
) -> None:
    for text in bad:
        message = refused(key, text)
        assert f"between {low} and {high}" in message, message
        assert message.endswith(f"(got {text})"), message
    parsed = parse_key(key)
    assert parse_value(parsed, low) == float(low)
    assert parse_value(parsed, high) == float(high)
    assert parse_value(parsed, f" {high} ") == float(high)


def test_the_message_the_issue_gives() -> None:
    assert refused("desired_retention", "1.5") == (
        "desired_retention must be between 0.70 and 0.97 (got 1.5)"
    )


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("new_per_day", "twenty"),
        ("new_per_day", "2.5"),
        ("new_per_day", ""),
        ("leech_lapses", "8x"),
        ("rollover_hour", "4am"),
        ("desired_retention", "90%"),
        ("desired_retention", ""),
        ("deck.alpha.new_per_day", "lots"),
    ],
)
def test_a_number_that_is_not_one_is_refused_with_its_range(key: str, text: str) -> None:
    message = refused(key, text)
    assert "between" in message and repr(text) in message


def test_a_retention_a_file_already_holds_is_kept_but_not_newly_set() -> None:
    """A profile written when 0.99 was allowed still loads; only a new value is bounded by 0.97."""
    key = parse_key("desired_retention")
    assert parse_value(key, "0.99", current=0.99) == 0.99
    refused("desired_retention", "0.99", current=0.9)
    profile = parse_profile(profile_to_toml(Profile(seed=1)).replace(b"= 0.9\n", b"= 0.99\n"))
    assert profile.values().desired_retention == 0.99
    with pytest.raises(DataFileError, match=r"settings\.desired_retention"):
        parse_profile(profile_to_toml(Profile(seed=1)).replace(b"= 0.9\n", b"= 0.995\n"))


@pytest.mark.parametrize("name", ["learning_steps", "relearning_steps"])
def test_steps_are_minutes_separated_by_commas(name: str) -> None:
    key = parse_key(name)
    assert parse_value(key, "1,10") == (1.0, 10.0)
    assert parse_value(key, " 0.5 , 30, 1440") == (0.5, 30.0, 1440.0)
    assert parse_value(key, "") == ()
    for text in ["0", "-1", "1441", "1,0", "a", "1,,2", "1;10", "nan", "inf", "10 min"]:
        message = refused(name, text)
        assert "more than 0 and at most 1440" in message, message
    assert value_text(parse_value(key, "1,10")) == "1,10"


@pytest.mark.parametrize(
    ("name", "good", "bad"),
    [
        ("new_card_order", ["round-robin", "deck", "random"], ["Deck", "alpha", "", "round robin"]),
        ("leech_action", ["tag", "suspend"], ["delete", "Suspend", ""]),
    ],
)
def test_a_choice_names_the_choices(name: str, good: list[str], bad: list[str]) -> None:
    for text in good:
        assert parse_value(parse_key(name), text) == text
    for text in bad:
        message = refused(name, text)
        assert ", ".join(good) in message


@pytest.mark.parametrize("name", ["answer_timer", "fuzz"])
def test_a_switch_is_true_or_false(name: str) -> None:
    key = parse_key(name)
    assert parse_value(key, "true") is True and parse_value(key, "False") is False
    for text in ["yes", "1", "on", ""]:
        assert "true or false" in refused(name, text)


def test_a_time_zone_must_be_known() -> None:
    key = parse_key("timezone")
    assert parse_value(key, "Europe/Paris") == "Europe/Paris"
    assert parse_value(key, "") == ""
    for text in ["Mars/Olympus", "../etc/passwd", "Europe/Paris\x00"]:
        assert "IANA name" in refused("timezone", text)


def test_a_theme_name_is_checked_for_its_shape_only() -> None:
    key = parse_key("theme")
    assert parse_value(key, "nord") == "nord"
    assert parse_value(key, "") == ""
    for text in ["[b]nord[/b]", "a b", "\x1b[31mred", "x" * 65, "-dark", "nörd"]:
        refused("theme", text)


@pytest.mark.parametrize(
    "text",
    [
        "retention",
        "desired-retention",
        "DESIRED_RETENTION",
        "deck_limits",
        "seed",
        "deck.python",
        "deck.python.theme",
        "deck..new_per_day",
        "deck.Python!.new_per_day",
        "",
    ],
)
def test_an_unknown_key_is_refused(text: str) -> None:
    with pytest.raises(SettingError, match=r"setting|deck id"):
        parse_key(text)


def test_a_deck_key_keeps_a_deck_id_with_dots() -> None:
    key = parse_key("deck.py.thon.new_per_day")
    assert key == SettingKey("new_per_day", "py.thon")
    assert str(key) == "deck.py.thon.new_per_day"


def test_deck_limits_are_set_and_removed_and_saved(tmp_path: Path) -> None:
    profile = Profile(seed=3)
    data = settings_data(profile.values())
    data = changed(data, parse_key("deck.alpha.new_per_day"), 5)
    data = changed(data, parse_key("deck.alpha.reviews_per_day"), 50)
    data = changed(data, parse_key("deck.beta.reviews_per_day"), 0)
    saved = parse_profile(profile_to_toml(profile.with_settings(data)))
    values = saved.values()
    assert values.deck_limits == {"alpha": DeckLimit(5, 50), "beta": DeckLimit(None, 0)}
    assert values.new_per_day == 20  # the user's own limits stay
    items = [(str(k), v) for k, v in setting_items(values) if k.deck is not None]
    assert items == [
        ("deck.alpha.new_per_day", 5),
        ("deck.alpha.reviews_per_day", 50),
        ("deck.beta.reviews_per_day", 0),
    ]
    data = changed(settings_data(values), parse_key("deck.beta.reviews_per_day"), None)
    data = changed(data, parse_key("deck.alpha.new_per_day"), None)
    again = parse_profile(profile_to_toml(saved.with_settings(data))).values()
    assert again.deck_limits == {"alpha": DeckLimit(None, 50)}  # beta's last limit gone: no entry


def test_the_model_refuses_what_the_keys_would() -> None:
    """with_settings is the last check: a value the keys let through by mistake is refused."""
    data = settings_data(Profile(seed=1).values())
    for name, value in [("leech_lapses", 2), ("new_card_order", "x"), ("theme", "a b")]:
        with pytest.raises(SettingError, match=name):
            Profile(seed=1).with_settings({**data, name: value})
    with pytest.raises(SettingError, match="deck_limits"):
        Profile(seed=1).with_settings({**data, "deck_limits": {"Bad Id": {"new_per_day": 1}}})


def test_every_setting_has_a_text_that_sets_it_again() -> None:
    values = Profile(seed=1).values()
    for key, value in setting_items(values):
        again = parse_value(key, value_text(value), current=None)
        assert again == value or (isinstance(value, float) and math.isclose(again, value))


def test_a_new_profile_has_the_new_settings_defaults() -> None:
    values = NewProfile(5).values()
    assert values.new_card_order == "round-robin"
    assert values.leech_lapses == 8 and values.leech_action == "tag"
    assert values.theme == "" and values.answer_timer is True and values.deck_limits == {}
    assert values == Profile(seed=5).values()


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (b'new_card_order = "round-robin"', b'new_card_order = "alphabetical"', "new_card_order"),
        (b"leech_lapses = 8", b"leech_lapses = 2", "leech_lapses"),
        (b"leech_lapses = 8", b'leech_lapses = "8"', "leech_lapses"),
        (b'leech_action = "tag"', b'leech_action = "delete"', "leech_action"),
        (b'theme = ""', b'theme = "[b]x"', "theme"),
        (b"answer_timer = true", b'answer_timer = "yes"', "answer_timer"),
        (b"[settings.deck_limits]", b"[settings.deck_limits.alpha]\nnew_per_day = -1", "alpha"),
        (b"[settings.deck_limits]", b"[settings.deck_limits.alpha]\nnew = 1", "alpha.new"),
        (b"[settings.deck_limits]", b'[settings.deck_limits."Bad Id"]', "deck_limits"),
    ],
)
def test_a_hand_edited_bad_setting_names_its_line_and_field(
    old: bytes, new: bytes, field: str, make_store: Callable[..., UserStore]
) -> None:
    store = make_store()
    raw = store.profile_path.read_bytes()
    assert old in raw
    broken = raw.replace(old, new, 1)
    store.profile_path.write_bytes(broken)
    with pytest.raises(DataFileError) as info:
        UserStore(store.home, store.user, store.clock)
    message = str(info.value).splitlines()[0]
    last = new.rsplit(b"\n", 1)[-1]  # the line of the bad value
    line = broken[: broken.index(new) + new.rindex(last)].count(b"\n") + 1
    where = rf"line {line}(, column \d+)?: field 'settings\.[^']*{re.escape(field)}"
    assert re.search(where, message), message
    assert store.profile_path.read_bytes() == broken  # never overwritten


def test_the_settings_cache_keeps_the_new_settings(make_store: Callable[..., UserStore]) -> None:
    store = make_store(
        theme="nord",
        answer_timer=False,
        new_card_order="random",
        deck_limits={"alpha": {"reviews_per_day": 7}},
    )
    assert store.settings.deck_limits == {"alpha": DeckLimit(None, 7)}
    cached = usersettings.read_cache(store.settings_cache_path, _stamp(store))
    assert cached == store.settings
    reopened = UserStore(store.home, store.user, store.clock)
    assert reopened.settings == store.settings


def test_a_cache_of_an_older_format_is_not_read(make_store: Callable[..., UserStore]) -> None:
    store = make_store()
    path = store.settings_cache_path
    assert usersettings.read_cache(path, _stamp(store)) is not None
    old = path.read_text().replace(
        f'"v": {usersettings.CACHE_FORMAT}', f'"v": {usersettings.CACHE_FORMAT - 1}'
    )
    path.write_text(old)
    assert usersettings.read_cache(path, _stamp(store)) is None


def _stamp(store: UserStore) -> list[int]:
    from flashprep.core.files.fileio import file_stamp

    stamp = file_stamp(store.profile_path)
    assert stamp is not None
    return stamp


def test_ranges_are_the_models_bounds() -> None:
    """One home for the ranges: the model refuses just past each one (retention: past 0.99)."""
    data = settings_data(Profile(seed=1).values())
    for name, (low, high) in settingkeys.RANGES.items():
        if name == "desired_retention":
            high = settingkeys.FILE_RETENTION_MAX
        for bad in (low - 1 if isinstance(low, int) else low - 0.01, high + 1):
            with pytest.raises(SettingError, match=name):
                Profile(seed=1).with_settings({**data, name: bad})
