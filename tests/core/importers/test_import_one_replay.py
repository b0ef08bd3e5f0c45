"""An import with history replays the log once: the statistics' cache and the schedule's
checkpoint come from the same replay (stats.historycache.cache_history hands its schedule to
UserStore.finish_import). What it leaves must be what a replay of the log from scratch leaves:
the same checkpoint, the same history cache, the same `stats --json`."""

from __future__ import annotations

import random
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from flashprep.cli import main
from flashprep.core.decks.index import CardRecord
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.importers import apply
from flashprep.core.importers.apply import apply_sources
from flashprep.core.importers.source import ImportSource, SourceDeck, source_review
from flashprep.core.paths import Home
from flashprep.core.scheduling.scheduler import Scheduler
from flashprep.core.stats.historycache import HistoryReader
from flashprep.core.storage.logread import read_all
from flashprep.core.storage.userstore import UserStore

from helpers import FakeClock

USER = "tester"
STAMP = re.compile(rb'"stamp":\[\d+,\d+\],')
"""The checkpoint's cache names the checkpoint file's size and time: left out."""
ACTIONS = ("grade",) * 12 + ("bury", "unbury", "suspend", "unsuspend", "forget", "due")


def history(seed: int, cards: int, reviews: int, start: datetime) -> ImportSource:
    """A package's history: grades of every rating and the other actions, over many months,
    several on one card in a day."""
    rng = random.Random(seed)
    deck = SourceDeck("mine", "Mine")
    deck.cards = [
        CardRecord(f"c{n}", f"front {n}", f"back {n}", [], None, None, None, None)
        for n in range(cards)
    ]
    source = ImportSource(Path(f"history-{seed}.apkg"), "test package", [deck])
    at = start
    for n in range(reviews):
        at += timedelta(minutes=rng.choice((1, 7, 90, 600, 1440, 4000)))
        action = rng.choice(ACTIONS)
        rating = rng.randint(1, 4) if action == "grade" else None
        source.reviews.append(
            source_review(
                f"test-{seed}-{n}", "mine", f"c{rng.randrange(cards)}", at, action, rating
            )
        )
    return source


def own_grades(home: Home, clock: FakeClock, days: int) -> None:
    """The user's own drills, on bundled cards, before the import."""
    keys = DeckLibrary.load(home).card_keys()[:5]
    store = UserStore(home, USER, clock)
    for day in range(days):
        store.grade(keys[day % 5], 1 + day % 4, 3000)
        clock.advance(days=2, minutes=13)


STATISTICS_OWN = ("cache/history/calibration", "cache/history/retention")
"""Files `stats --json` writes from the history (modelfit, retentioncache), not the replay."""


def derived(home: Home) -> dict[str, bytes]:
    """Every file the replay writes: the checkpoint, its cache, the history cache."""
    folder = home.user_dir(USER)
    out = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and relative.parts[0] in ("cache", "state.toml"):
            out[str(relative)] = STAMP.sub(b"", path.read_bytes())
    for name in [n for n in out if n.startswith(STATISTICS_OWN)]:
        del out[name]  # the statistics' own caches (scores and counts), not the replay's
    assert "state.toml" in out and any(n.startswith("cache/history/") for n in out), list(out)
    return out


def stats_json(capsys: pytest.CaptureFixture[str], home: Home) -> str:
    capsys.readouterr()
    args = ["--home", str(home.root), "--user", USER, "stats", "--json", "--range", "all"]
    assert main(args) == 0
    return capsys.readouterr().out


def from_scratch(home: Home, clock: FakeClock) -> None:
    """Every derived file deleted, then written again by a replay of the whole log."""
    folder = home.user_dir(USER)
    shutil.rmtree(folder / "cache", ignore_errors=True)
    store = UserStore(home, USER, clock)
    store.drop_checkpoint()
    store = UserStore(home, USER, clock)
    store.checkpoint()
    reader = HistoryReader(store)
    reader.load()
    reader.save()


@pytest.mark.parametrize(
    ("seed", "cards", "reviews", "own_days", "start"),
    [
        (1, 40, 600, 0, datetime(2023, 1, 5, 8, tzinfo=UTC)),  # a new user: the log is the import
        (2, 15, 900, 30, datetime(2024, 2, 1, 23, 30, tzinfo=UTC)),  # among the user's months
        (3, 300, 1500, 12, datetime(2021, 6, 30, 4, tzinfo=UTC)),  # years before the user's own
        (4, 3, 200, 40, datetime(2025, 11, 1, tzinfo=UTC)),  # after them, into today
    ],
)
def test_one_replay_leaves_what_a_replay_from_scratch_leaves(
    tmp_path: Path,
    library: DeckLibrary,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    seed: int,
    cards: int,
    reviews: int,
    own_days: int,
    start: datetime,
) -> None:
    home = library.home
    clock = FakeClock()
    clock.advance(days=-own_days * 2)
    own_grades(home, clock, own_days)
    store = UserStore(home, USER, clock)
    counted: list[str] = []
    review = Scheduler.review

    def spy(self: Scheduler, key: str, *args: object) -> object:
        counted.append(key)
        return review(self, key, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Scheduler, "review", spy)
    summary = apply_sources([history(seed, cards, reviews, start)], library, store)
    monkeypatch.undo()
    assert summary.reviews_added == reviews
    assert store.data.states  # the schedule taken over from the statistics' replay
    logged = [e for e in read_all(store.paths.reviews) if e.action == "grade"]
    assert len(counted) == len(logged)  # each grade of the log replayed once, not twice
    imported = derived(home)
    warm = stats_json(capsys, home)
    assert derived(home) == imported  # the statistics found their cache as the import left it
    from_scratch(home, clock)
    assert derived(home) == imported
    assert stats_json(capsys, home) == warm


def test_with_another_computers_log_the_store_replays_the_union_itself(
    library: DeckLibrary, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The statistics' replay of one log cannot give the union's schedule: the store replays."""
    home = library.home
    clock = FakeClock()
    clock.advance(days=-60)
    own_grades(home, clock, 20)
    store = UserStore(home, USER, clock)
    other = store.paths.reviews / "other-computer"
    other.mkdir(parents=True)
    mine = sorted(store.log_dir.glob("*.toml"))
    shutil.copy(mine[0], other / mine[0].name)  # the same month, synced from elsewhere
    for path in other.glob("*.toml"):
        text = path.read_text().replace('id = "', 'id = "o')
        path.write_text(text)
    taken: list[object] = []
    finish = UserStore.finish_import

    def spy(self: UserStore, plan: object, progress: object, replayed: object) -> None:
        taken.append(replayed)
        finish(self, plan, progress, replayed)  # type: ignore[arg-type]

    monkeypatch.setattr(UserStore, "finish_import", spy)
    apply_sources([history(5, 20, 300, datetime(2024, 3, 1, tzinfo=UTC))], library, store)
    monkeypatch.undo()
    assert taken == [None]
    imported = derived(home)
    warm = stats_json(capsys, home)
    from_scratch(home, clock)
    assert derived(home) == imported
    assert stats_json(capsys, home) == warm


def test_without_the_statistics_schedule_the_store_replays_as_before(
    library: DeckLibrary, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The old path (the store's own replay, then the statistics' cache) leaves the same files."""
    home = library.home
    clock = FakeClock()
    clock.advance(days=-50)
    own_grades(home, clock, 25)
    store = UserStore(home, USER, clock)
    real = apply.cache_history

    def cached_only(*args: Any) -> None:
        real(*args)  # the cache is written; the store is not handed the schedule

    monkeypatch.setattr(apply, "cache_history", cached_only)
    apply_sources([history(6, 25, 700, datetime(2024, 5, 1, tzinfo=UTC))], library, store)
    monkeypatch.undo()
    imported = derived(home)
    warm = stats_json(capsys, home)
    from_scratch(home, clock)
    assert derived(home) == imported
    assert stats_json(capsys, home) == warm
