"""cache/queue.json (core/storage/queuecache.py): a start that reads the first queues kept by the
last one shows what a start without them shows, after every change that touches them."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.files.lock import UserLock
from flashprep.core.paths import Home
from flashprep.core.scheduling.scheduler import Rating
from flashprep.core.storage import statecache
from flashprep.core.storage.profile import Profile, save_profile
from flashprep.core.storage.queuecache import FORMAT, FirstQueues
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.drill import Drill, day_review_cap, keep_first_queues
from flashprep.core.study.today import today_keys

from helpers import FakeClock

USER = "tester"
GAMMA = """id = "gamma"
name = "Gamma"
category = "technical"
description = "An imported deck."
"""


def gamma_card(i: int) -> str:
    return f'\n[[cards]]\nid = "g{i}"\nfront = "Gamma question {i}?"\nback = "Answer {i}."\n'


def new_home(root: Path, new_per_day: int = 4) -> Home:
    home = Home(root)
    settings = {"timezone": "UTC", "new_per_day": new_per_day, "learning_steps": [1.0]}
    save_profile(
        home.user_dir(USER) / "profile.toml",
        Profile.model_validate({"seed": 7, "settings": settings}),
    )
    home.decks.mkdir(parents=True, exist_ok=True)
    (home.decks / "gamma.toml").write_text(GAMMA + "".join(gamma_card(i) for i in range(12)))
    return home


@contextmanager
def opened(
    home: Home, clock: FakeClock, decks_dir: Path
) -> Iterator[tuple[UserStore, DeckLibrary]]:
    """The user opened as `flashprep drill` opens them, and closed as it closes them: a
    checkpoint when something changed (and the first queues found again from it), else the
    first queues kept."""
    with UserLock(home.user_dir(USER)) as lock:
        store = UserStore(home, USER, clock, lock=lock)
        library = DeckLibrary.load(home, decks_dir)
        yield store, library
        if store.needs_checkpoint() or store.can_undo:
            store.checkpoint()
            keep_first_queues(library, store)
        else:
            store.save_first_queues()


Seen = tuple[Any, ...]


def first(home: Home, clock: FakeClock, decks_dir: Path, deck_ids: list[str] | None) -> Seen:
    with opened(home, clock, decks_dir) as (store, library):
        drill = Drill(library, store, deck_ids)
        return drill.current, drill.queue, drill.learning, drill.held_back, drill.remaining()


@pytest.fixture
def found(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The decks whose first queue was read from the file since last cleared."""
    served: list[str] = []
    real = FirstQueues._kept

    def counted(self: FirstQueues, deck: str, *args: Any) -> Any:
        kept = real(self, deck, *args)
        if kept is not None:
            served.append(deck)
        return kept

    monkeypatch.setattr(FirstQueues, "_kept", counted)
    return served


def check(
    home: Home, clock: FakeClock, decks_dir: Path, found: list[str]
) -> tuple[list[Seen], int]:
    """Each start (all decks, some decks) with the kept queues gives what one without gives; a
    second start, nothing changed, reads every deck's queue from the file. Returns what they
    showed, and how many deck queues the first starts did not read from the file."""
    seen = []
    missed = 0
    for deck_ids in (None, ["gamma"], ["beta", "alpha"]):
        wanted = len(deck_ids) if deck_ids else 2 + len(list(home.decks.glob("*.toml")))
        found.clear()
        kept = first(home, clock, decks_dir, deck_ids)
        missed += wanted - len(found)
        home.user(USER).cache_queue.unlink(missing_ok=True)
        scratch = first(home, clock, decks_dir, deck_ids)
        assert kept == scratch, deck_ids
        found.clear()
        again = first(home, clock, decks_dir, deck_ids)
        assert again == scratch
        assert len(found) == wanted, "a start with nothing changed did not read the file"
        seen.append(scratch)
        first(home, clock, decks_dir, None)  # the file holds every deck's queue again
    return seen, missed


def grade_some(home: Home, clock: FakeClock, decks_dir: Path, ratings: list[int]) -> None:
    with opened(home, clock, decks_dir) as (store, library):
        drill = Drill(library, store)
        for rating in ratings:
            if drill.current is None:
                break
            drill.grade(Rating(rating), 1000)
            clock.advance(seconds=20)


Change = Callable[[Home, FakeClock, Path], None]


def grade(home: Home, clock: FakeClock, decks_dir: Path) -> None:
    grade_some(home, clock, decks_dir, [3, 1, 4, 3])


def undo(home: Home, clock: FakeClock, decks_dir: Path) -> None:
    """A grade taken back: the log and the checkpoint are as they were."""
    with opened(home, clock, decks_dir) as (store, library):
        drill = Drill(library, store)
        drill.grade(Rating(3), 1000)
        drill.undo()


def suspend(home: Home, clock: FakeClock, decks_dir: Path) -> None:
    with opened(home, clock, decks_dir) as (store, library):
        drill = Drill(library, store)
        assert drill.current is not None
        store.record(drill.current, "suspend")


def next_day(home: Home, clock: FakeClock, decks_dir: Path) -> None:
    clock.advance(days=1)


def later_today(home: Home, clock: FakeClock, decks_dir: Path) -> None:
    clock.advance(minutes=30)


def deck_edit(home: Home, clock: FakeClock, decks_dir: Path) -> None:
    """A hand edit of an imported deck: a new card first, one gone."""
    path = home.decks / "gamma.toml"
    text = path.read_text().replace(gamma_card(3), "")
    path.write_text(text.replace(GAMMA, GAMMA + gamma_card(99)))


def bundled_edit(home: Home, clock: FakeClock, decks_dir: Path) -> None:
    """An edit saved over a bundled deck (its overrides file)."""
    with opened(home, clock, decks_dir) as (_, library):
        card = library.card("alpha/a2")
        assert card is not None
        library.save_card("alpha", card.model_copy(update={"front": "Edited?"}))


def import_deck(home: Home, clock: FakeClock, decks_dir: Path) -> None:
    """A deck file that appears (as an import writes one)."""
    text = GAMMA.replace('"gamma"', '"delta"') + "".join(gamma_card(i) for i in range(5))
    (home.decks / "delta.toml").write_text(text)


def state_edit(home: Home, clock: FakeClock, decks_dir: Path) -> None:
    """A hand edit of state.toml: a card's due date moved a year on."""
    path = home.user(USER).state
    text = path.read_text()
    lines = text.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if "due" in line and "20" in line)
    year = lines[at].split("20", 1)[1][:2]
    lines[at] = lines[at].replace(f"20{year}", f"20{int(year) + 1}", 1)
    path.write_text("".join(lines))


CHANGES: list[Change] = [
    grade,
    undo,
    suspend,
    later_today,
    next_day,
    deck_edit,
    bundled_edit,
    import_deck,
    state_edit,
]


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: c.__name__)
def test_a_start_after_a_change_shows_what_a_start_without_kept_queues_shows(
    tmp_path: Path, decks_dir: Path, found: list[str], change: Change
) -> None:
    clock = FakeClock()
    home = new_home(tmp_path / "home")
    grade_some(home, clock, decks_dir, [3, 3, 1, 4, 3, 3, 1])
    clock.advance(days=3)  # some cards due, some learning, new ones left
    before, _ = check(home, clock, decks_dir, found)
    change(home, clock, decks_dir)
    after, refound = check(home, clock, decks_dir, found)
    if change in (later_today, undo):  # nothing changed that the queues depend on
        assert after == before
    if change in (grade, suspend, undo, later_today):  # flashprep's own: found at its exit
        assert refound == 0
    elif change is not bundled_edit:  # from outside: what the change touched is found again
        assert refound > 0
    if change in (grade, suspend, deck_edit, import_deck, state_edit):
        assert after != before


def test_a_sync_merge_gives_the_queue_of_a_start_from_scratch(
    tmp_path: Path, decks_dir: Path, found: list[str]
) -> None:
    clock = FakeClock()
    home, other = new_home(tmp_path / "a"), new_home(tmp_path / "b")
    grade_some(home, clock, decks_dir, [3, 3, 4])
    clock.advance(days=2)
    before, _ = check(home, clock, decks_dir, found)
    grade_some(other, clock, decks_dir, [1, 1, 3, 4, 4, 3])  # another computer's grades
    own = []  # the other computer's log folder arrives, as a sync tool copies it
    for folder in other.user(USER).reviews.iterdir():
        shutil.copytree(folder, home.user(USER).reviews / folder.name)
        own.append(folder.name)
    assert own
    after, refound = check(home, clock, decks_dir, found)
    assert after != before and refound > 0


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"{",
        b"[]",
        b'{"v":1}',
        b"not json at all",
    ],
)
def test_a_damaged_or_foreign_file_is_not_used(
    tmp_path: Path, decks_dir: Path, found: list[str], damage: bytes
) -> None:
    clock = FakeClock()
    home = new_home(tmp_path / "home")
    grade_some(home, clock, decks_dir, [3, 1, 4])
    clock.advance(days=2)
    expected = first(home, clock, decks_dir, None)
    path = home.user(USER).cache_queue
    path.write_bytes(damage)
    assert first(home, clock, decks_dir, None) == expected
    assert json.loads(path.read_bytes())["v"] == FORMAT  # written again


def test_kept_queues_whose_keys_or_times_were_tampered_with_are_not_used(
    tmp_path: Path, decks_dir: Path, found: list[str]
) -> None:
    """The file's head is right but a deck's entry holds the wrong types: found again."""
    clock = FakeClock()
    home = new_home(tmp_path / "home")
    grade_some(home, clock, decks_dir, [3, 1, 4, 3, 3])
    clock.advance(days=2)
    expected = first(home, clock, decks_dir, None)
    path = home.user(USER).cache_queue
    good = json.loads(path.read_bytes())
    deck = next(d for d, e in good["decks"].items() if e["due"])
    bad_entries: list[dict[str, Any]] = [
        {"new": [1, 2]},
        {"due": [["1.5", "x/y"]]},
        {"due": [[1, "x/y"]]},
        {"due": "x"},
        {"learning": [None]},
        {"limit": "4"},
        {"limit": 0},
        {"index": None},
        {"reviews": "2"},
        {"reviews": None},
        {"reviews": 0},  # fewer than it lists
        {"review_limit": 0},  # more listed than its limit
        {"review_limit": 2.0},
        {"due": []},  # fewer listed than due, under the limit
    ]
    for bad in bad_entries:
        data = json.loads(json.dumps(good))
        data["decks"][deck] |= bad
        path.write_text(json.dumps(data))
        found.clear()
        assert first(home, clock, decks_dir, None) == expected, bad
        assert deck not in found, bad


def test_a_state_cache_written_again_is_checked_again(
    tmp_path: Path, decks_dir: Path, found: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kept rows belong to one state cache file (its own size and mtime): the same bytes
    written again are checked whole and their rows looked up, not taken from the kept file."""
    clock = FakeClock()
    home = new_home(tmp_path / "home")
    grade_some(home, clock, decks_dir, [3, 1, 4, 3, 3])
    clock.advance(days=2)
    expected = first(home, clock, decks_dir, None)
    checked: list[bool] = []
    real = statecache._decodable
    monkeypatch.setattr(statecache, "_decodable", lambda c: checked.append(True) or real(c))
    assert first(home, clock, decks_dir, None) == expected
    assert not checked and len(found) == 3  # trusted: read whole before
    path = home.user(USER).cache_state
    path.write_bytes(path.read_bytes())  # the same bytes, another file
    found.clear()
    assert first(home, clock, decks_dir, None) == expected
    assert checked and not found


@pytest.mark.parametrize("rows", [[], {"alpha/a1": "0"}, {"alpha/a1": 10**6}, {"a": -2}, "x"])
def test_kept_rows_of_the_wrong_shape_are_not_trusted(
    tmp_path: Path, decks_dir: Path, monkeypatch: pytest.MonkeyPatch, rows: Any
) -> None:
    clock = FakeClock()
    home = new_home(tmp_path / "home")
    grade_some(home, clock, decks_dir, [3, 1, 4, 3, 3])
    clock.advance(days=2)
    expected = first(home, clock, decks_dir, None)
    path = home.user(USER).cache_queue
    data = json.loads(path.read_bytes())
    data["rows"] = rows
    path.write_text(json.dumps(data))
    checked: list[bool] = []
    real = statecache._decodable
    monkeypatch.setattr(statecache, "_decodable", lambda c: checked.append(True) or real(c))
    assert first(home, clock, decks_dir, None) == expected
    assert checked


def test_a_first_start_that_grades_leaves_every_decks_queue_for_the_next_start(
    tmp_path: Path, decks_dir: Path, found: list[str]
) -> None:
    """The very first start has no state cache to find its queues in (nothing kept); its
    checkpoint at exit is followed by every deck's queue, read by the next start."""
    clock = FakeClock()
    home = new_home(tmp_path / "home")
    grade_some(home, clock, decks_dir, [3, 1, 3])
    found.clear()
    kept = first(home, clock, decks_dir, None)
    assert sorted(found) == ["alpha", "beta", "gamma"]
    home.user(USER).cache_queue.unlink()
    assert first(home, clock, decks_dir, None) == kept


def set_limits(home: Home, reviews_per_day: int, deck_limits: dict[str, Any]) -> None:
    settings = {
        "timezone": "UTC",
        "new_per_day": 6,
        "learning_steps": [1.0],
        "reviews_per_day": reviews_per_day,
        "deck_limits": deck_limits,
    }
    save_profile(
        home.user_dir(USER) / "profile.toml",
        Profile.model_validate({"seed": 7, "settings": settings}),
    )


def decoded_first(
    home: Home, clock: FakeClock, decks_dir: Path, deck_ids: list[str] | None
) -> Seen:
    """`first` from the decoded card states (no columns, no kept queues): the reference."""
    with opened(home, clock, decks_dir) as (store, library):
        store.decode_states()
        assert store.data.columns is None
        drill = Drill(library, store, deck_ids)
        return drill.current, drill.queue, drill.learning, drill.held_back, drill.remaining()


def today_of(home: Home, clock: FakeClock, decks_dir: Path, decoded: bool) -> Any:
    with opened(home, clock, decks_dir) as (store, library):
        if decoded:
            store.decode_states()
        return today_keys(library, store)


BACKLOG_LIMITS: list[tuple[int, dict[str, Any]]] = [
    (3, {}),
    (7, {"gamma": {"reviews_per_day": 2}}),
    (9, {"alpha": {"reviews_per_day": 0}, "gamma": {"reviews_per_day": 4, "new_per_day": 1}}),
    (0, {}),
    (1000, {"gamma": {"reviews_per_day": 5}}),
]


@pytest.mark.parametrize("limits", BACKLOG_LIMITS, ids=lambda x: f"{x[0]}-{sorted(x[1])}")
def test_a_backlog_past_the_review_limit_gives_the_queue_of_decoded_states(
    tmp_path: Path, decks_dir: Path, found: list[str], limits: tuple[int, dict[str, Any]]
) -> None:
    """More reviews due than the day's limit: the kept queues hold only the first ones, and
    the drill (queue, order, learning cards, held back, counts) and today's keys are those of
    a start from the decoded states; also after the limits change and after grades today."""
    clock = FakeClock()
    home = new_home(tmp_path / "home", new_per_day=200)
    (home.decks / "gamma.toml").write_text(GAMMA + "".join(gamma_card(i) for i in range(70)))
    grade_some(home, clock, decks_dir, [4, 4, 3, 1, 4, 3, 4] * 30)
    clock.advance(days=90)  # every review due: a backlog
    reviews_per_day, deck_limits = limits
    set_limits(home, 2, {})  # kept first with a smaller limit: found again with the larger
    check(home, clock, decks_dir, found)
    set_limits(home, reviews_per_day, deck_limits)
    for _ in range(2):
        seen, _ = check(home, clock, decks_dir, found)
        for deck_ids, kept in zip((None, ["gamma"], ["beta", "alpha"]), seen, strict=True):
            assert kept == decoded_first(home, clock, decks_dir, deck_ids), deck_ids
        assert today_of(home, clock, decks_dir, False) == today_of(home, clock, decks_dir, True)
        with opened(home, clock, decks_dir) as (store, library):
            Drill(library, store)
            settings = store.settings
        entries = json.loads(home.user(USER).cache_queue.read_bytes())["decks"]
        for deck, entry in entries.items():  # only a day's worth kept
            assert len(entry["due"]) <= day_review_cap(settings, deck)
        grade_some(home, clock, decks_dir, [3, 1, 3])  # some of today's limit used
    if reviews_per_day < 1000:
        assert seen[0][3] > 0  # reviews were held back: the backlog is past the limit
    assert any(e["reviews"] > len(e["due"]) for e in entries.values())
