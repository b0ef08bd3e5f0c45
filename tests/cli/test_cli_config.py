"""`flashprep config` against profile.toml: list, --json, get, set, unset; a refused key or value
is one line with exit code 2 and leaves the file byte for byte as it was."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any

import pytest

from flashprep.cli import main
from flashprep.core.files.lock import UserLock

Capture = pytest.CaptureFixture[str]
USER = Path("home") / "users" / "tester"


def run_cli(capsys: Capture, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def profile(tmp_path: Path) -> dict[str, Any]:
    with (tmp_path / USER / "profile.toml").open("rb") as f:
        return tomllib.load(f)


def settings(tmp_path: Path) -> dict[str, Any]:
    data: dict[str, Any] = profile(tmp_path)["settings"]
    return data


def test_config_lists_every_setting_and_json_matches_the_file(
    capsys: Capture, tmp_path: Path
) -> None:
    code, out, _ = run_cli(capsys, "config")
    assert code == 0
    lines = dict(
        line.split(" = ", 1) if " = " in line else (line[:-2], "") for line in out.splitlines()
    )
    assert lines["desired_retention"] == "0.9" and lines["learning_steps"] == "1,10"
    assert lines["new_card_order"] == "round-robin" and lines["answer_timer"] == "true"
    assert lines["theme"] == "" and lines["leech_lapses"] == "8"
    run_cli(capsys, "config", "set", "deck.python.new_per_day", "3")
    code, out, _ = run_cli(capsys, "config", "--json")
    assert code == 0
    data = json.loads(out)
    file = settings(tmp_path)
    assert data == file  # the same keys and values as profile.toml's [settings]
    assert data["deck_limits"] == {"python": {"new_per_day": 3}}
    _, out, _ = run_cli(capsys, "config")
    assert "deck.python.new_per_day = 3" in out.splitlines()


@pytest.mark.parametrize(
    ("key", "text", "stored", "shown"),
    [
        ("desired_retention", "0.85", 0.85, "0.85"),
        ("desired_retention", "0.7", 0.7, "0.7"),
        ("new_per_day", "35", 35, "35"),
        ("reviews_per_day", "0", 0, "0"),
        ("rollover_hour", "0", 0, "0"),
        ("learning_steps", "1,5,30", [1.0, 5.0, 30.0], "1,5,30"),
        ("relearning_steps", " 2 , 20", [2.0, 20.0], "2,20"),
        ("timezone", "Asia/Tokyo", "Asia/Tokyo", "Asia/Tokyo"),
        ("new_card_order", "random", "random", "random"),
        ("leech_lapses", "3", 3, "3"),
        ("leech_action", "suspend", "suspend", "suspend"),
        ("theme", "nord", "nord", "nord"),
        ("answer_timer", "false", False, "false"),
        ("fuzz", "FALSE", False, "false"),
    ],
)
def test_set_writes_the_file_get_reads_it_unset_puts_the_default_back(
    capsys: Capture, tmp_path: Path, key: str, text: str, stored: object, shown: str
) -> None:
    run_cli(capsys, "config")  # a new user: defaults, no file yet
    code, out, err = run_cli(capsys, "config", "set", key, text)
    assert (code, err) == (0, "")
    assert out.strip() == f"{key} = {shown}"
    assert settings(tmp_path)[key] == stored
    assert run_cli(capsys, "config", "get", key)[1] == f"{shown}\n"
    seed = profile(tmp_path)["seed"]
    code, out, _ = run_cli(capsys, "config", "unset", key)
    assert code == 0
    from flashprep.core.storage.profile import Profile

    default = Profile(seed=seed).model_dump()["settings"][key]
    assert settings(tmp_path)[key] == default != stored
    assert profile(tmp_path)["seed"] == seed  # nothing else changed


def test_a_decks_limits_are_set_got_and_unset(capsys: Capture, tmp_path: Path) -> None:
    assert run_cli(capsys, "config", "set", "deck.python.new_per_day", "4")[0] == 0
    assert run_cli(capsys, "config", "set", "deck.python.reviews_per_day", "40")[0] == 0
    assert settings(tmp_path)["deck_limits"] == {
        "python": {"new_per_day": 4, "reviews_per_day": 40}
    }
    assert settings(tmp_path)["new_per_day"] == 20  # the user's own limit is not touched
    assert run_cli(capsys, "config", "get", "deck.python.reviews_per_day")[1] == "40\n"
    assert run_cli(capsys, "config", "get", "deck.beta.reviews_per_day")[1] == "\n"  # not set
    run_cli(capsys, "config", "unset", "deck.python.new_per_day")
    assert settings(tmp_path)["deck_limits"] == {"python": {"reviews_per_day": 40}}
    run_cli(capsys, "config", "unset", "deck.python.reviews_per_day")
    assert settings(tmp_path)["deck_limits"] == {}


BAD = [
    (
        "set",
        "desired_retention",
        "1.5",
        "desired_retention must be between 0.70 and 0.97 (got 1.5)",
    ),
    ("set", "desired_retention", "0.99", "between 0.70 and 0.97"),
    ("set", "new_per_day", "-1", "new_per_day must be between 0 and 9999 (got -1)"),
    ("set", "new_per_day", "ten", "whole number between 0 and 9999"),
    ("set", "reviews_per_day", "100000", "between 0 and 99999"),
    ("set", "rollover_hour", "24", "between 0 and 23"),
    ("set", "leech_lapses", "1", "between 3 and 99"),
    ("set", "learning_steps", "1,0", "more than 0 and at most 1440"),
    ("set", "relearning_steps", "1;2", "more than 0 and at most 1440"),
    ("set", "timezone", "Mars/Olympus", "IANA name"),
    ("set", "new_card_order", "alphabetical", "round-robin, deck, random"),
    ("set", "leech_action", "delete", "tag, suspend"),
    ("set", "answer_timer", "yes", "true or false"),
    ("set", "theme", "no-such-theme", "unknown theme 'no-such-theme' (known: "),
    ("set", "theme", "[b]red", "theme name"),
    ("set", "deck.python.new_per_day", "-3", "deck.python.new_per_day must be between 0 and 9999"),
    ("set", "deck.no-such-deck.new_per_day", "3", "unknown deck 'no-such-deck'"),
    ("set", "deck.python.limit", "3", "unknown setting 'deck.python.limit'"),
    ("set", "seed", "3", "unknown setting 'seed'"),
    ("set", "\x1b[31mred", "3", "unknown setting"),
    ("unset", "retention", "", "unknown setting 'retention'"),
    ("get", "deck_limits", "", "unknown setting 'deck_limits'"),
]


@pytest.mark.parametrize(("action", "key", "value", "message"), BAD)
def test_a_bad_key_or_value_is_one_line_and_changes_nothing(
    capsys: Capture, tmp_path: Path, action: str, key: str, value: str, message: str
) -> None:
    run_cli(capsys, "config", "set", "new_per_day", "30")  # a file of this user's
    path = tmp_path / USER / "profile.toml"
    before = path.read_bytes()
    args = ["config", action, key] + ([value] if action == "set" else [])
    code, out, err = run_cli(capsys, *args)
    assert code == 2 and out == ""
    assert err.startswith("flashprep: error: config: ") and err.count("\n") == 1
    assert message in err, err
    assert "\x1b" not in err
    assert path.read_bytes() == before


def test_a_hand_edited_bad_profile_is_reported_not_overwritten(
    capsys: Capture, tmp_path: Path
) -> None:
    run_cli(capsys, "config", "set", "new_per_day", "30")
    path = tmp_path / USER / "profile.toml"
    broken = path.read_bytes().replace(b"leech_lapses = 8", b"leech_lapses = 1")
    path.write_bytes(broken)
    line = broken[: broken.index(b"leech_lapses")].count(b"\n") + 1
    for args in (["config"], ["config", "--json"], ["config", "set", "leech_lapses", "9"]):
        code, out, err = run_cli(capsys, *args)
        assert code == 2 and out == "" and err.count("\n") == 1
        assert f"profile.toml: line {line}: field 'settings.leech_lapses'" in err
    assert path.read_bytes() == broken


def test_set_waits_for_no_one_the_lock_holder_is_named(capsys: Capture, tmp_path: Path) -> None:
    run_cli(capsys, "config")
    path = tmp_path / USER / "profile.toml"
    run_cli(capsys, "config", "set", "new_per_day", "30")
    before = path.read_bytes()
    with UserLock(tmp_path / USER):
        code, _, err = run_cli(capsys, "config", "set", "new_per_day", "40")
        assert code == 2 and str(os.getpid()) in err
        assert run_cli(capsys, "config", "get", "new_per_day")[1] == "30\n"  # reading needs no lock
    assert path.read_bytes() == before


def test_a_setting_takes_effect_for_the_next_command(capsys: Capture, tmp_path: Path) -> None:
    """The settings cache is rewritten with the file: the next start reads the new value."""
    run_cli(capsys, "config", "set", "deck.python.reviews_per_day", "12")
    run_cli(capsys, "config", "set", "theme", "gruvbox")
    from flashprep.core.paths import Home
    from flashprep.core.storage.userstore import UserStore

    store = UserStore(Home(tmp_path / "home"), "tester")
    assert store.settings.theme == "gruvbox"
    assert store.settings.deck_limits["python"].reviews_per_day == 12
