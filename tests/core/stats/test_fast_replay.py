"""The replay as the statistics and the checkpoint rebuild run it, against the way it ran before.

Before: each grade through the fsrs library (`fsrsreference.FsrsScheduler`) and each Review built
one at a time (`review_as_before`, the code as it was). Now: `fastreview` and the history's
columns filled in the loop. Random logs (every action and mode, every rating, undo, long gaps,
same-instant entries, a clock going back, several rollover hours and time zones, fitted
parameters) must give the same grades and the same schedule, bit for bit; and `stats --json`
the same bytes, cold, whichever path built it.
"""

from __future__ import annotations

import json
import random
import shutil
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flashprep.cli import main
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.paths import Home
from flashprep.core.scheduling.fsrsreference import FsrsScheduler
from flashprep.core.scheduling.parameters import LOWER, UPPER
from flashprep.core.scheduling.scheduler import (
    NEW,
    CardState,
    Rating,
    Scheduler,
    SchedulerSettings,
)
from flashprep.core.stats.history import Review, Step, replay, roll_back
from flashprep.core.storage import userstore
from flashprep.core.storage.logwrite import entry_to_toml
from flashprep.core.storage.profile import Profile, save_profile
from flashprep.core.storage.replay import Schedule, apply_entry
from flashprep.core.storage.reviewlog import LOG_HEADER, LogEntry, month_file

SUSPENDS = ["suspend", "unsuspend"]
BOUNDS = list(zip(LOWER, UPPER, strict=True))
START = datetime(2025, 3, 29, 20, tzinfo=UTC)  # a DST change in Europe the next night
KEYS = ["alpha/one", "alpha/two", "beta/x", "beta/y"]
ZONES: list[tzinfo | None] = [
    UTC,
    ZoneInfo("Europe/Paris"),
    ZoneInfo("America/Santiago"),  # DST changes at midnight
    ZoneInfo("Asia/Kolkata"),
    ZoneInfo("Pacific/Chatham"),
    ZoneInfo("Australia/Lord_Howe"),  # a 30-minute DST
]


def review_as_before(entry: LogEntry, before: CardState) -> Review:
    """A grade as history.review_of made it before the replay filled columns (verbatim)."""
    assert entry.rating is not None
    interval = 0.0
    kind = "learn"
    if before.state == "review":
        kind = "review"
        if before.due is not None and before.last_review is not None:
            interval = max(0.0, (before.due - before.last_review).total_seconds() / 86400)
    elif before.state == "relearning":
        kind = "relearn"
    return Review(
        entry.at.timestamp(),
        entry.card,
        entry.rating,
        entry.ms,
        kind,  # type: ignore[arg-type]
        interval,
        before.is_new,
    )


def replay_as_before(
    entries: list[LogEntry], config: SchedulerSettings, rollover: int, tz: tzinfo | None
) -> tuple[list[Review], Schedule]:
    """The replay loop as it was, grading through the fsrs library."""
    scheduler = FsrsScheduler(config)
    replayed = Schedule()
    out: list[Review] = []
    for entry in entries:
        before = replayed.states.get(entry.card)
        if entry.is_grade and entry.mode not in ("mock", "practice"):
            out.append(review_as_before(entry, before or NEW))
        apply_entry(scheduler, replayed, entry, rollover, tz)
    return out, replayed


gaps = st.one_of(
    st.sampled_from([0, 1, 600, 86399, 86400, 4 * 86400, 30 * 86400]),
    st.integers(-2 * 86400, 400 * 86400),  # below 0: the clock went back
)
actions = st.sampled_from(
    ["grade"] * 8 + ["bury", "unbury", "due", "forget", "suspend", "unsuspend"]
)
modes = st.sampled_from(["drill"] * 6 + ["import", "mock", "practice"])
logs = st.lists(
    st.tuples(gaps, st.sampled_from(KEYS), actions, st.integers(1, 4), modes, st.integers(0, 9999)),
    max_size=80,
)
configs = st.builds(
    SchedulerSettings,
    desired_retention=st.sampled_from([0.8, 0.9, 0.95]),
    learning_steps_minutes=st.sampled_from([(), (1.0, 10.0), (5.0,)]),
    relearning_steps_minutes=st.sampled_from([(), (10.0,), (10.0, 60.0)]),
    maximum_interval_days=st.sampled_from([5, 365, 36500]),
    fuzz=st.booleans(),
    seed=st.integers(0, 10**6),
    parameters=st.one_of(
        st.none(),
        st.tuples(
            *(st.floats(min_value=lo, max_value=hi) for lo, hi in zip(LOWER, UPPER, strict=True))
        ),
    ),
)


def entries_of(rows: list[tuple[int, str, str, int, str, int]]) -> list[LogEntry]:
    out, at = [], START
    for index, (gap, key, action, rating, mode, ms) in enumerate(rows):
        at += timedelta(seconds=gap)
        grade = action == "grade"
        out.append(LogEntry(f"e{index}", at, key, rating if grade else None, action, ms, mode))
    return out


def same_schedule(a: Schedule, b: Schedule) -> bool:
    return (a.states, a.counts, a.total) == (b.states, b.counts, b.total) and repr(
        sorted(a.states.items())
    ) == repr(sorted(b.states.items()))


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=logs,
    config=configs,
    rollover=st.integers(0, 23),
    tz=st.sampled_from(ZONES),
    undo=st.integers(0, 5),
)
def test_a_replay_gives_the_grades_and_schedule_it_gave_before(
    rows: list[tuple[int, str, str, int, str, int]],
    config: SchedulerSettings,
    rollover: int,
    tz: tzinfo | None,
    undo: int,
) -> None:
    entries = entries_of(rows)
    expected, before = replay_as_before(entries, config, rollover, tz)
    replayed = Schedule()
    steps: list[Step] = []
    history = replay(entries, Scheduler(config), replayed, rollover, tz, steps)
    assert list(history) == expected and repr(list(history)) == repr(expected)
    assert same_schedule(replayed, before)
    # An undo cuts the newest entries off: rolled back, the schedule is the shorter log's.
    undo = min(undo, len(entries))
    if undo:
        graded = roll_back(replayed, steps[len(steps) - undo :])
        history.truncate(len(history) - graded)
        shorter, cut = replay_as_before(entries[: len(entries) - undo], config, rollover, tz)
        assert list(history) == shorter
        assert replayed.states == cut.states and replayed.total == cut.total


def write_home(home: Home, seed: int) -> None:
    """A user with fitted parameters, a time zone, a late rollover, and a year of random study
    (every action and mode, same-second entries, a clock that went back, long breaks), logged
    in month files as flashprep writes them."""
    rng = random.Random(seed)
    library = DeckLibrary.load(home)
    keys = [key for deck in library.decks.values() for key in deck.card_keys[:8]][:40]
    params = [round(rng.uniform(lo, hi), 4) for lo, hi in zip(LOWER, UPPER, strict=True)]
    profile = Profile.model_validate(
        {
            "seed": seed,
            "settings": {"timezone": "America/Santiago", "rollover_hour": 23},
            "fsrs": {"parameters": params, "fitted_on": date(2025, 1, 1), "reviews": 100},
        }
    )
    folder = home.user_dir("tester")
    save_profile(folder / "profile.toml", profile)
    at = datetime.now(UTC) - timedelta(days=400)
    months: dict[str, list[bytes]] = {}
    for index in range(1500):
        at += timedelta(seconds=rng.choice([0, 1, 30, 700, 3 * 3600, 86400, 5 * 86400]))
        if rng.random() < 0.01:
            at -= timedelta(hours=2)  # the clock went back
        action = rng.choice(
            ["grade"] * 30 + ["bury", "unbury", "due", "forget", "suspend", "unsuspend"]
        )
        mode = rng.choice(["drill"] * 8 + ["mock", "practice", "import"])
        entry = LogEntry(
            f"{index:06x}-abcdef",
            at.replace(microsecond=rng.choice([0, 123000])),
            rng.choice(keys),
            rng.randint(1, 4) if action == "grade" else None,
            action,
            rng.randint(500, 20000),
            mode,
        )
        months.setdefault(month_file(entry.at), []).append(entry_to_toml(entry))
    reviews = folder / "reviews"
    reviews.mkdir(parents=True, exist_ok=True)
    for name, blocks in months.items():
        (reviews / name).write_bytes(LOG_HEADER + b"".join(blocks))


def stats_cold(capsys: pytest.CaptureFixture[str], home: Home, *args: str) -> tuple[str, str]:
    """`stats --json` with every derived file deleted (history cache, checkpoint, state.bin),
    and the schedule a store rebuilds from the log then."""
    folder = home.user_dir("tester")
    for derived in ("cache", "state.toml"):
        shutil.rmtree(folder / derived, ignore_errors=True)
        (folder / derived).unlink(missing_ok=True)
    assert main(["stats", "--json", *args]) == 0
    out = capsys.readouterr().out
    json.loads(out)
    (folder / "state.toml").unlink(missing_ok=True)
    shutil.rmtree(folder / "cache", ignore_errors=True)
    rebuilt = userstore.UserStore(home, "tester").data.states
    return out, repr(sorted(rebuilt.items()))


@pytest.mark.parametrize("seed", [3, 17])
def test_stats_json_is_byte_identical_whichever_path_replays(
    seed: int, home: Home, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_home(home, seed)
    for args in ([], ["--range", "all"], ["--range", "year"]):
        fast = stats_cold(capsys, home, *args)
        with monkeypatch.context() as patch:
            patch.setattr(userstore, "Scheduler", FsrsScheduler)
            before = stats_cold(capsys, home, *args)
        assert fast == before
        assert main(["stats", "--json", *args]) == 0  # warm: through the caches just made
        assert capsys.readouterr().out == fast[0]
    stats = json.loads(fast[0])
    assert stats["reviews_total"] > 500 and stats["review"] + stats["learning"] > 5


def test_the_reference_is_the_fsrs_library(monkeypatch: pytest.MonkeyPatch) -> None:
    """The yardstick grades through fsrs itself: break fsrs and it breaks."""
    import fsrs

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("fsrs was asked")

    monkeypatch.setattr(fsrs.Scheduler, "review_card", broken)
    with pytest.raises(RuntimeError, match="fsrs was asked"):
        FsrsScheduler(SchedulerSettings(seed=99)).review("d/c", NEW, Rating.GOOD, START)
    assert Scheduler(SchedulerSettings(seed=99)).review("d/c", NEW, Rating.GOOD, START).reps == 1
