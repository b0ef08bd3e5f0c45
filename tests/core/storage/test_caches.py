"""The derived caches behind a fast start: same result as without them; stale or broken ones are
ignored and rebuilt from the TOML, which stays the truth; and start-up imports no pydantic."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from flashprep.core.decks import index as deckindex
from flashprep.core.decks.deck import Card, load_deck
from flashprep.core.decks.index import CARD_FIELDS, CardRecord
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.paths import Home
from flashprep.core.storage import checkpoint, userstore
from flashprep.core.storage.profile import Settings
from flashprep.core.storage.usersettings import UserSettings
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.drill import Drill

from helpers import FakeClock

Make = Callable[..., UserStore]


def deck_caches(home: Home) -> list[Path]:
    return sorted((home.cache / "decks").glob("*.jsonl"))


def shown(library: DeckLibrary) -> list[tuple[object, ...]]:
    """Everything the drill reads from the library, for every card."""
    out: list[tuple[object, ...]] = []
    for loaded in library:
        out.append((loaded.id, loaded.name, loaded.category, loaded.edited, loaded.source))
        for key in library.card_keys([loaded.id]):
            out.append((key, library.text(key)))
    return out


def expected_from_toml(decks_dir: Path) -> dict[str, Card]:
    return {
        f"{deck.id}/{card.id}": card
        for deck in (load_deck(p) for p in sorted(decks_dir.glob("*.toml")))
        for card in deck.cards
    }


def test_card_record_fields_follow_the_card_model() -> None:
    assert tuple(Card.model_fields) == deckindex.CARD_FIELDS
    assert deckindex.CardRecord._fields == deckindex.CARD_FIELDS


def test_deck_cache_gives_what_the_toml_gives(home: Home, decks_dir: Path) -> None:
    first = DeckLibrary.load(home, decks_dir)  # parses the TOML, writes the caches
    assert len(deck_caches(home)) == 2
    second = DeckLibrary.load(home, decks_dir)  # reads the caches only
    assert shown(second) == shown(first)
    for key, card in expected_from_toml(decks_dir).items():
        record = second.text(key)
        assert record is not None
        assert record._asdict() == card.model_dump()
        assert second.card(key) == card
    assert second.decks["alpha"].deck == load_deck(decks_dir / "alpha.toml")


def test_a_changed_deck_file_is_read_again(home: Home, decks_dir: Path) -> None:
    DeckLibrary.load(home, decks_dir)
    path = decks_dir / "alpha.toml"
    stat = path.stat()
    path.write_bytes(path.read_bytes().replace(b"What is 2 + [2]?", b"What is 3 + [3]?"))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))  # same size, 1 ns later
    library = DeckLibrary.load(home, decks_dir)
    record = library.text("alpha/a1")
    assert record is not None and record.front == "What is 3 + [3]?"


def _parsing_fails(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Make every parse of a deck file fail the test; returns the files parsed (none, then)."""
    from flashprep.core.decks import library as library_module

    parsed: list[Path] = []

    def no_parse(path: Path, *args: object) -> object:
        parsed.append(path)
        raise AssertionError(f"{path} parsed again")

    monkeypatch.setattr(library_module, "_load_full", no_parse)
    return parsed


def _moved_copy(decks_dir: Path, target: Path) -> Path:
    """The deck files copied without their times (as `pip install` or a sync tool leaves them)."""
    target.mkdir()
    for path in decks_dir.glob("*.toml"):
        (target / path.name).write_bytes(path.read_bytes())
    return target


@pytest.mark.parametrize(
    "touch",
    [
        lambda path: os.utime(path, ns=(0, path.stat().st_mtime_ns + 10**9)),
        lambda path: os.utime(path, ns=(0, path.stat().st_mtime_ns - 10**12)),
        lambda path: os.utime(path, ns=(0, path.stat().st_mtime_ns + 1)),
        lambda path: path.write_bytes(path.read_bytes()),
    ],
    ids=["later", "earlier", "1ns", "rewritten"],
)
def test_a_deck_file_with_a_new_time_and_the_same_bytes_keeps_its_cache(
    home: Home,
    decks_dir: Path,
    touch: Callable[[Path], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = shown(DeckLibrary.load(home, decks_dir))
    for path in decks_dir.glob("*.toml"):
        touch(path)
    parsed = _parsing_fails(monkeypatch)
    library = DeckLibrary.load(home, decks_dir)
    assert parsed == [] and library.errors == []
    assert shown(library) == expected
    for path in decks_dir.glob("*.toml"):  # stamped anew: the next start reads it directly
        cache = home.cache / "decks" / f"bundled-{path.name}.jsonl"
        assert deckindex.read(cache, deckindex_stamp(path), lambda _: None) is not None


def deckindex_stamp(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


def test_bundled_decks_installed_anew_keep_their_caches(
    home: Home, decks_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new install (or a data folder synced from elsewhere): the same files, other times."""
    expected = shown(DeckLibrary.load(home, decks_dir))
    installed = _moved_copy(decks_dir, tmp_path / "installed")
    parsed = _parsing_fails(monkeypatch)
    assert shown(DeckLibrary.load(home, installed)) == expected
    assert parsed == []


@pytest.mark.parametrize(
    "change",
    [
        lambda raw: raw.replace(b"What is 2 + [2]?", b"What is 3 + [3]?"),  # same size
        lambda raw: raw.replace(b"What is 2 + [2]?", b"What is 22 + [2]?"),
        lambda raw: raw + b"\n",
        lambda raw: raw.replace(b"\n", b"\r\n"),
    ],
    ids=["same-size", "longer", "newline", "crlf"],
)
def test_a_deck_file_with_other_bytes_is_read_again_whatever_its_time(
    home: Home, decks_dir: Path, change: Callable[[bytes], bytes]
) -> None:
    DeckLibrary.load(home, decks_dir)
    path = decks_dir / "alpha.toml"
    stat = path.stat()
    path.write_bytes(change(path.read_bytes()))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    expected = shown(DeckLibrary.load(Home(home.root.parent / "fresh"), decks_dir))
    assert shown(DeckLibrary.load(home, decks_dir)) == expected


def test_same_bytes_with_changed_overrides_are_read_again(home: Home, decks_dir: Path) -> None:
    library = DeckLibrary.load(home, decks_dir)
    card = library.card("alpha/a1")
    assert card is not None
    library.save_card("alpha", card.model_copy(update={"front": "Edited?"}))
    DeckLibrary.load(home, decks_dir)
    (home.overrides / "alpha.toml").unlink()
    path = decks_dir / "alpha.toml"
    os.utime(path, ns=(0, path.stat().st_mtime_ns + 10**9))
    record = DeckLibrary.load(home, decks_dir).text("alpha/a1")
    assert record is not None and record.front == "What is 2 + [2]?"


def test_a_cache_without_a_digest_is_rebuilt_when_the_time_changes(
    home: Home, decks_dir: Path
) -> None:
    """A cache written before the digest (or by an import) is never taken on trust."""
    DeckLibrary.load(home, decks_dir)
    cache = home.cache / "decks" / "bundled-alpha.toml.jsonl"
    header, newline, body = cache.read_bytes().partition(b"\n")
    stripped = re.sub(rb',"digest":"[0-9a-f]+"', b"", header)
    assert stripped != header
    assert b"What is 2 + [2]?" in body
    cache.write_bytes(stripped + newline + body.replace(b"What is 2", b"What is 9"))
    path = decks_dir / "alpha.toml"
    os.utime(path, ns=(0, path.stat().st_mtime_ns + 10**9))
    record = DeckLibrary.load(home, decks_dir).text("alpha/a1")
    assert record is not None and record.front == "What is 2 + [2]?"
    assert b'"digest":"' in cache.read_bytes()


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: b"",
        lambda raw: b"not json\n" + raw,
        lambda raw: raw[: len(raw) // 2],
        lambda raw: raw.replace(b'"starts":[0,', b'"starts":[7,'),
        lambda raw: raw.replace(b'"cards":["a1",', b'"cards":['),
        lambda raw: raw.replace(b'"category":"technical"', b'"category":7'),
    ],
    ids=["empty", "garbage", "truncated", "offsets", "ids", "types"],
)
def test_a_damaged_deck_cache_is_ignored_and_rebuilt(
    home: Home, decks_dir: Path, damage: Callable[[bytes], bytes]
) -> None:
    expected = shown(DeckLibrary.load(home, decks_dir))
    cache = home.cache / "decks" / "bundled-alpha.toml.jsonl"
    good = cache.read_bytes()
    cache.write_bytes(damage(good))
    library = DeckLibrary.load(home, decks_dir)
    assert library.errors == []
    assert shown(library) == expected
    assert cache.read_bytes() == good  # rebuilt


def test_a_damaged_card_line_falls_back_to_the_toml(home: Home, decks_dir: Path) -> None:
    DeckLibrary.load(home, decks_dir)
    cache = home.cache / "decks" / "bundled-alpha.toml.jsonl"
    header, _, body = cache.read_bytes().partition(b"\n")
    cache.write_bytes(header + b"\n" + body.replace(b'["a1",', b'["zz",', 1))
    library = DeckLibrary.load(home, decks_dir)
    record = library.text("alpha/a1")
    assert record is not None and record.id == "a1" and record.front == "What is 2 + [2]?"


def test_all_records_at_once_are_the_records_one_by_one(home: Home, decks_dir: Path) -> None:
    DeckLibrary.load(home, decks_dir)
    library = DeckLibrary.load(home, decks_dir)  # from the caches
    for loaded in library:
        one_by_one = [loaded.index.record(i) for i in range(len(loaded.card_ids))]
        assert loaded.index.records() == one_by_one == loaded.records()
        assert [CardRecord(*(getattr(c, f) for f in CARD_FIELDS)) for c in loaded.deck.cards] == (
            one_by_one
        )


def test_damaged_records_are_read_from_the_toml(home: Home, decks_dir: Path) -> None:
    expected = DeckLibrary.load(home, decks_dir).decks["alpha"].records()
    cache = home.cache / "decks" / "bundled-alpha.toml.jsonl"
    header, _, body = cache.read_bytes().partition(b"\n")
    for damaged in (body.replace(b'["a1",', b'["zz",', 1), body.replace(b"]\n", b"\n", 1)):
        cache.write_bytes(header + b"\n" + damaged)
        loaded = DeckLibrary.load(home, decks_dir).decks["alpha"]
        assert loaded.records() == expected


def test_an_edit_of_a_bundled_card_is_seen_through_the_cache(home: Home, decks_dir: Path) -> None:
    library = DeckLibrary.load(home, decks_dir)
    card = library.card("alpha/a1")
    assert card is not None
    library.save_card("alpha", card.model_copy(update={"front": "Edited?"}))
    for again in (library, DeckLibrary.load(home, decks_dir), DeckLibrary.load(home, decks_dir)):
        record = again.text("alpha/a1")
        assert record is not None and record.front == "Edited?"
        assert again.decks["alpha"].edited == frozenset({"a1"})
    (home.overrides / "alpha.toml").unlink()
    record = DeckLibrary.load(home, decks_dir).text("alpha/a1")
    assert record is not None and record.front == "What is 2 + [2]?"


def test_a_broken_overrides_file_is_reported_at_every_load(home: Home, decks_dir: Path) -> None:
    home.overrides.mkdir(parents=True)
    (home.overrides / "alpha.toml").write_text('deck = "alpha"\ncards = 5\n')
    for _ in range(2):
        library = DeckLibrary.load(home, decks_dir)
        assert len(library.errors) == 1 and "overrides" in str(library.errors[0])
        assert "alpha" in library.decks  # the deck itself still loads, unedited


def test_an_unwritable_cache_only_costs_speed(home: Home, decks_dir: Path) -> None:
    home.root.mkdir(parents=True)
    (home.root / "cache").write_text("not a folder")
    library = DeckLibrary.load(home, decks_dir)
    assert library.errors == []
    assert [r[1] for r in shown(library) if len(r) == 2] == [
        deckindex.CardRecord(*c.model_dump().values())
        for c in expected_from_toml(decks_dir).values()
    ]


def test_settings_fields_follow_the_profile_model() -> None:
    assert set(UserSettings._fields) == {"seed", "interview", "parameters", *Settings.model_fields}


def test_settings_cache_follows_the_profile_file(make_store: Make) -> None:
    store = make_store(new_per_day=7)
    assert store.settings_cache_path.is_file()
    assert make_store().settings == store.settings == store.profile.values()
    profile = store.profile.model_copy(
        update={"settings": store.profile.settings.model_copy(update={"new_per_day": 3})}
    )
    store.save_profile(profile)
    assert store.settings.new_per_day == 3  # takes effect at once
    assert make_store().settings.new_per_day == 3  # the cache of the old file is not used
    store.settings_cache_path.write_text("{broken")
    assert make_store().settings.new_per_day == 3


def _must_not_parse(raw: bytes, path: Path) -> None:
    raise AssertionError(f"{path} parsed although its cache matches")


def test_state_cache_gives_what_the_checkpoint_gives(
    make_store: Make, clock: FakeClock, library: DeckLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = make_store()
    drill = Drill(library, store)
    for rating in (3, 1, 4, 2, 3, 3):
        drill.grade(rating, ms=4000)
        clock.advance(minutes=3)
    store.record("beta/b1", "bury")
    store.record("alpha/a3", "suspend")
    store.checkpoint()
    with monkeypatch.context() as patch:  # the cache alone is read: the TOML is not parsed
        patch.setattr(userstore, "parse_checkpoint", _must_not_parse)
        cached = make_store()
    assert cached.data.columns is not None  # the states are decoded when first used
    assert cached.state("beta/b1") == store.state("beta/b1")  # one card, from the columns
    assert cached.data.columns is not None
    cached.decode_states()
    assert cached.data.columns is None
    store.cache_path.unlink()
    parsed = make_store()  # from state.toml, which also writes the cache again
    assert store.cache_path.is_file()
    with monkeypatch.context() as patch:
        patch.setattr(userstore, "parse_checkpoint", _must_not_parse)
        assert make_store().states == store.states
    assert cached.states == parsed.states == store.states
    assert cached.data.counts == parsed.data.counts
    assert cached.data.position == parsed.data.position
    store.cache_path.write_bytes(store.cache_path.read_bytes()[:-1])  # damaged
    assert make_store().states == store.states  # stale: state.toml is read again


def test_a_rebuilt_state_cache_holds_the_checkpoint_not_the_log_after_it(
    make_store: Make, clock: FakeClock
) -> None:
    store = make_store()
    store.grade("alpha/a1", 3)
    store.checkpoint()
    clock.advance(minutes=5)
    store.grade("alpha/a2", 1)  # in the log, after the checkpoint
    store.cache_path.unlink()
    reopened = make_store()
    assert reopened.state("alpha/a2").reps == 1
    stamp = checkpoint.checkpoint_stamp(store.state_path)
    from_cache = checkpoint.cache_load(store.cache_path.read_bytes(), stamp)
    from_toml = checkpoint.parse_checkpoint(store.state_path.read_bytes(), store.state_path)
    assert from_cache is not None and "alpha/a2" not in from_cache.states
    assert from_cache.states == from_toml.states
    assert from_cache.position == from_toml.position


def test_start_up_imports_no_pydantic(tmp_path: Path, decks_dir: Path) -> None:
    """The path to the first card reads caches only; pydantic is for validating changed files.
    The CLI and the modules of the drill, home and statistics screens do not import it either."""
    code = f"""
import sys
from pathlib import Path
import flashprep.cli
flashprep.cli.build_parser().parse_args(["drill"])
import flashprep.tui.app, flashprep.tui.screens.drill, flashprep.tui.screens.home
import flashprep.tui.screens.stats
from flashprep.core.paths import Home
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.drill import Drill
home = Home(Path({str(tmp_path / "home")!r}))
library = DeckLibrary.load(home, Path({str(decks_dir)!r}))
store = UserStore(home, "tester")
drill = Drill(library, store)
assert library.text(drill.current) is not None
drill.grade(3)
store.checkpoint()
print(sorted(m for m in sys.modules if m.split(".")[0] in ("pydantic", "tomli_w")))
"""
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "pydantic" in first.stdout  # a new user and new decks are validated and cached
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "[]"


def test_an_error_after_the_checkpoint_names_its_line_in_the_whole_file(
    make_store: Make, clock: FakeClock
) -> None:
    store = make_store()
    for key in ("alpha/a1", "alpha/a2"):
        store.grade(key, 3)
        clock.advance(minutes=1)
    store.checkpoint()
    path = store.log_dir / "2026-11.toml"
    lines = path.read_bytes().count(b"\n")
    with path.open("ab") as handle:
        handle.write(b'\n[[review]]\nid = "x1"\nat = 2026-11-26T16:00:00Z\ncard = "alpha/a3"\n')
        handle.write(b"rating = 9\n")
    with pytest.raises(DataFileError, match=rf"line {lines + 6}: review #3: field 'rating'"):
        make_store()


def test_a_new_user_gets_a_profile_when_the_tui_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening flashprep writes the default profile (and its cache) at once, so that the next
    start reads the cache instead of building the defaults again (with pydantic)."""
    from flashprep.cli import main
    from flashprep.core.storage import profile
    from flashprep.tui.app import FlashprepApp

    monkeypatch.setattr(FlashprepApp, "run", lambda self: None)  # no terminal here
    home = Home(tmp_path / "home")
    assert main(["--home", str(home.root), "--user", "newbie", "drill"]) == 0
    store = UserStore(home, "newbie")
    assert store.profile_path.is_file() and store.settings_cache_path.is_file()

    def no_profile(*args: object) -> None:
        raise AssertionError("the profile was built again")

    monkeypatch.setattr(profile, "load_profile", no_profile)
    monkeypatch.setattr(profile, "new_profile", no_profile)
    assert UserStore(home, "newbie").settings == store.settings


def test_tags_from_the_deck_index_are_the_cards_tags(home: Home, decks_dir: Path) -> None:
    """Statistics by tag read the index's tag table; a damaged one falls back to the cards."""
    library = DeckLibrary.load(home, decks_dir)
    expected: dict[str, dict[str, list[str]]] = {}
    for loaded in library:
        tags: dict[str, list[str]] = expected.setdefault(loaded.id, {})
        for key, record in zip(loaded.card_keys, loaded.records(), strict=True):
            for tag in record.tags:
                tags.setdefault(tag, []).append(key)
        assert loaded.tagged() == tags
    alpha = library.get("alpha")
    assert alpha is not None and expected["alpha"]["math"] == ["alpha/a1"]
    alpha.index.tags["math"] = [999]  # a place past the deck's end: not trusted
    assert alpha.tagged() == expected["alpha"]


@pytest.mark.parametrize("seed", [0, 7, 2**31 - 1])
def test_a_new_profile_is_the_model_of_its_seed(seed: int) -> None:
    """A new user's profile is written and read without pydantic; file and values are what the
    validated model of the same seed gives, and anything else comes from that model."""
    from flashprep.core.storage.profile import NewProfile, Profile, profile_to_toml

    new, model = NewProfile(seed), Profile(seed=seed)
    assert new.data() == model.model_dump(exclude_none=True)
    assert profile_to_toml(new) == profile_to_toml(model)
    assert new.values() == model.values()
    assert new.model() == model


def test_an_anki_import_imports_no_pydantic(tmp_path: Path) -> None:
    """A new user's import of an Anki package (cards checked as plain records, a new profile)
    needs no pydantic; an update of a deck already there validates that deck file with it."""
    package = Path(__file__).parents[2] / "data" / "anki" / "small-modern.apkg"
    args = ["--home", str(tmp_path / "home"), "--user", "new", "import", str(package)]
    code = f"""
import sys
from flashprep.cli import main
assert main({args!r}) == 0
print(sorted(m for m in sys.modules if m.split(".")[0] == "pydantic"))
"""
    env = {k: v for k, v in os.environ.items() if k not in ("FLASHPREP_HOME", "FLASHPREP_USER")}
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().endswith("[]")
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert again.returncode == 0, again.stderr
    assert "'pydantic'" in again.stdout
