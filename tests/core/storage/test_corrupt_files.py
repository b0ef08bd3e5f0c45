"""Broken files: every kind of damage gives one line naming the file, the line and the field, a
way to recover, and leaves the file exactly as it was. Other decks keep working."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from flashprep.cli import main
from flashprep.core.decks.deck import DeckError, parse_deck
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.paths import Home
from flashprep.core.storage.userstore import UserStore

from helpers import FakeClock

DATA = Path(__file__).parents[2] / "data"
ALPHA = (DATA / "decks" / "alpha.toml").read_bytes()

Mutation = Callable[[bytes], bytes]


def sub(old: bytes, new: bytes) -> Mutation:
    def mutate(raw: bytes) -> bytes:
        assert old in raw, old
        return raw.replace(old, new, 1)

    return mutate


def resub(pattern: bytes, new: bytes) -> Mutation:
    def mutate(raw: bytes) -> bytes:
        changed, count = re.subn(pattern, new, raw, count=1)
        assert count == 1, pattern
        return changed

    return mutate


def cut_in_half(raw: bytes) -> bytes:
    return raw[: len(raw) // 2]


# --- decks ---------------------------------------------------------------------------------------

DECK_CASES: list[tuple[str, Mutation, str]] = [
    (
        "syntax",
        sub(b'name = "Alpha questions"', b'name = "Alpha questions'),
        r"line 2, column \d+: TOML syntax error",
    ),
    (
        "wrong type, deck",
        sub(b'name = "Alpha questions"', b"name = 5"),
        r"line 2: field 'name': Input should be a valid string",
    ),
    (
        "wrong type, card",
        sub(b"target_seconds = 30", b'target_seconds = "30s"'),
        r"line 12: card 'a1': field 'target_seconds'",
    ),
    (
        "unknown key, deck",
        sub(b'category = "technical"', b'category = "technical"\ncolour = "red"'),
        r"line 4: field 'colour': Extra inputs",
    ),
    (
        "unknown key, card",
        sub(b'level = "junior"', b'level = "junior"\nanswer = "x"'),
        r"line 12: card 'a1': field 'answer': Extra inputs",
    ),
    ("cut-off tail", cut_in_half, r"line \d+"),
    ("invalid UTF-8", sub(b"Four.", b"Four\xff."), r"line 9: not valid UTF-8"),
]


@pytest.mark.parametrize(("case", "mutate", "expected"), DECK_CASES, ids=[c[0] for c in DECK_CASES])
def test_a_broken_deck_names_file_line_and_field(
    case: str, mutate: Mutation, expected: str
) -> None:
    with pytest.raises(DeckError) as info:
        parse_deck(mutate(ALPHA), "decks/alpha.toml")
    message = str(info.value)
    assert message.startswith("decks/alpha.toml: ")
    assert re.search(expected, message), message
    assert "\n" not in message


@pytest.mark.parametrize(("case", "mutate", "expected"), DECK_CASES, ids=[c[0] for c in DECK_CASES])
def test_a_broken_imported_deck_is_skipped_and_the_others_load(
    case: str, mutate: Mutation, expected: str, home: Home, decks_dir: Path
) -> None:
    home.decks.mkdir(parents=True)
    path = home.decks / "alpha2.toml"
    broken = mutate(ALPHA.replace(b'id = "alpha"', b'id = "alpha2"'))
    path.write_bytes(broken)
    library = DeckLibrary.load(home, decks_dir)
    assert sorted(library.decks) == ["alpha", "beta"]
    assert len(library.errors) == 1 and library.errors[0].path == path
    assert path.read_bytes() == broken


# --- a user's files ------------------------------------------------------------------------------

PROFILE_CASES: list[tuple[str, Mutation, str]] = [
    (
        "syntax",
        sub(b"new_per_day = 20", b"new_per_day = 20 20"),
        r"line 7, column \d+: TOML syntax error",
    ),
    (
        "wrong type",
        sub(b"new_per_day = 20", b'new_per_day = "20"'),
        r"line 7: field 'settings\.new_per_day'",
    ),
    (
        "out of range",
        sub(b"rollover_hour = 4", b"rollover_hour = 25"),
        r"line 9: field 'settings\.rollover_hour'",
    ),
    (
        "list item",
        sub(b"    10.0,\n]\nrelearning", b"    -1.0,\n]\nrelearning"),
        r"line 10: field 'settings\.learning_steps\.1'",
    ),
    (
        "unknown key",
        sub(b"fuzz = true", b"fuzz = true\nfuzzy = true"),
        r"line 19: field 'settings\.fuzzy': Extra inputs",
    ),
    ("cut-off tail", cut_in_half, r"line \d+: TOML syntax error"),
    (
        "invalid UTF-8",
        sub(b'timezone = "UTC"', b'timezone = "UTC\xc3"'),
        r"line 19: not valid UTF-8",
    ),
    (
        "unknown time zone",
        sub(b'timezone = "UTC"', b'timezone = "Mars/Olympus"'),
        r"line 19: field 'settings\.timezone'",
    ),
]

STATE_CASES: list[tuple[str, Mutation, str]] = [
    (
        "syntax",
        sub(b"reviews_total = 2", b"reviews_total = = 2"),
        r"line 5, column \d+: TOML syntax error",
    ),
    (
        "wrong type",
        sub(b"reviews_total = 2", b'reviews_total = "2"'),
        r"line 5: field 'reviews_total'",
    ),
    (
        "unknown key",
        sub(b"reviews_total = 2", b"reviews_total = 2\ncolour = 1"),
        r"line 6: field 'colour': unknown key",
    ),
    (
        "card field",
        sub(b'state = "learning"', b'state = "lost"'),
        r"line \d+: card 'alpha/a1': field 'state'",
    ),
    (
        "card unknown key",
        sub(b'state = "learning"', b'state = "learning", colour = 1'),
        r"line \d+: card 'alpha/a1': field 'colour': unknown key",
    ),
    (
        "not a number",
        resub(rb"stability = [0-9.e-]+", b"stability = nan"),
        r"line \d+: card 'alpha/a1': field 'stability'",
    ),
    (
        "learning without its step",
        resub(rb"step = \d+, ", b""),
        r"line \d+: card 'alpha/a1': field 'step'",
    ),
    (
        "log file outside",
        sub(b'file = "2026-11.toml"', b'file = "../../x.toml"'),
        r"line 8: field 'log'",
    ),
    ("cut-off tail", lambda raw: raw[: raw.rindex(b"difficulty")], r"TOML syntax error"),
    ("invalid UTF-8", sub(b"[cards]", b"[cards]\n# \xfe"), r"line \d+: not valid UTF-8"),
]

A3 = b'card = "alpha/a3"\nrating = 2\n'
"""The third review: the first one after the checkpoint (lines 16-20 of the month file)."""

LOG_CASES: list[tuple[str, Mutation, str]] = [
    ("syntax", sub(A3, A3.replace(b"2\n", b"2 2\n")), r"line 20, column \d+: TOML syntax error"),
    ("wrong type", sub(A3, A3.replace(b"2\n", b'"2"\n')), r"line 20: review #3: field 'rating'"),
    ("out of range", sub(A3, A3.replace(b"2\n", b"9\n")), r"line 20: review #3: field 'rating'"),
    ("unknown key", sub(A3, A3 + b"mood = 1\n"), r"line 21: review #3: field 'mood': unknown key"),
    ("bad card key", sub(A3, A3.replace(b"alpha/", b"../")), r"line 19: review #3: field 'card'"),
    (
        "card key with a final newline",
        sub(A3, A3.replace(b'a3"', b'a3\\n"')),
        r"line 19: review #3: field 'card'",
    ),
    (
        "beyond range",
        resub(rb"at = 2026(?=[^\n]*\ncard = \"alpha/a3)", b"at = 9999"),
        r"line 18: review #3: field 'at'",
    ),
    ("invalid UTF-8", sub(A3, A3.replace(b"a3", b"a3\xff")), r"line 19: not valid UTF-8"),
]


def used_store(make_store: Callable[..., UserStore], clock: FakeClock) -> UserStore:
    store = make_store()
    store.grade("alpha/a1", 3)
    clock.advance(minutes=1)
    store.grade("alpha/a2", 3)
    store.checkpoint()
    clock.advance(minutes=1)
    store.grade("alpha/a3", 2)
    clock.advance(minutes=1)
    store.grade("beta/b1", 4)
    return store


def files_of(folder: Path) -> dict[str, bytes]:
    skip = {"lock", "lock.info"}
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in skip
    }


def user_file(store: UserStore, kind: str) -> Path:
    return {
        "profile": store.profile_path,
        "state": store.state_path,
        "log": store.log_dir / "2026-11.toml",
    }[kind]


USER_CASES = (
    [("profile", *c) for c in PROFILE_CASES]
    + [("state", *c) for c in STATE_CASES]
    + [("log", *c) for c in LOG_CASES]
)


@pytest.mark.parametrize(
    ("kind", "case", "mutate", "expected"), USER_CASES, ids=[f"{c[0]}-{c[1]}" for c in USER_CASES]
)
def test_a_broken_user_file_names_line_and_field_and_is_never_overwritten(
    kind: str,
    case: str,
    mutate: Mutation,
    expected: str,
    make_store: Callable[..., UserStore],
    clock: FakeClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store = used_store(make_store, clock)
    path = user_file(store, kind)
    path.write_bytes(mutate(path.read_bytes()))
    if kind == "state":
        store.cache_path.unlink()
    before = files_of(store.folder)
    with pytest.raises(DataFileError) as info:
        make_store()
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    assert re.search(expected, message), message
    assert "; " in message and ("backup" in message or "rebuilds it" in message)
    for argv in (["stats", "--json"], ["drill"]):  # a reader and a writer, through the CLI
        code = main(argv)
        out, err = capsys.readouterr()
        assert code == 2 and out == ""
        assert err.startswith(f"flashprep: error: {path}: ") and err.count("\n") == 1, err
        assert "Traceback" not in err
    assert files_of(store.folder) == before


def test_recovery_points_to_the_newest_backup_and_it_works(
    make_store: Callable[..., UserStore], clock: FakeClock
) -> None:
    store = used_store(make_store, clock)  # its checkpoint made a backup
    store.profile_path.write_text("format = 1\nseed = -1\n")
    with pytest.raises(DataFileError) as info:
        make_store()
    backup = info.value.recovery.split("newest backup ", 1)[1].split(" (", 1)[0]
    assert Path(backup).is_file() and Path(backup).name == "profile.toml"
    store.profile_path.write_bytes(Path(backup).read_bytes())  # what the message says to do
    assert make_store().states == store.states


def test_a_broken_checkpoint_can_be_deleted_and_is_rebuilt(
    make_store: Callable[..., UserStore], clock: FakeClock
) -> None:
    store = used_store(make_store, clock)
    store.state_path.write_text("format = 1\n[cards\n")
    with pytest.raises(DataFileError, match="delete it and flashprep rebuilds it from reviews/"):
        make_store()
    store.state_path.unlink()
    assert make_store().states == store.states
