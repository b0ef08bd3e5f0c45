"""The replay split between processes (stats.splitreplay) gives what one replay gives.

Forced on small logs (`processes`, `least`): the history, the states in the same dict order,
the day's counts, the total and the Steps must equal history.replay's over the same parts;
through the whole command, `stats --json`, `state.toml` and the history cache must be the same
bytes. A child that fails, dies, goes silent or cannot be forked costs a replay here instead,
never a different result or a hang; a real error in the log is the error one replay gives.
"""

from __future__ import annotations

import itertools
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from test_fast_replay import write_home
from test_shared_replay import MISSING, remove, run

from flashprep.core.paths import Home
from flashprep.core.scheduling.scheduler import Scheduler, SchedulerSettings
from flashprep.core.stats import historycache, splitreplay
from flashprep.core.stats.history import Cancelled, History, Step, replay
from flashprep.core.stats.historycache import HistoryReader, SharedReplay
from flashprep.core.stats.splitreplay import replay_split
from flashprep.core.storage.logread import device_logs
from flashprep.core.storage.replay import Schedule
from flashprep.core.storage.reviewlog import LogEntry
from flashprep.core.storage.userstore import UserStore

ACTIONS = ["grade"] * 25 + ["bury", "unbury", "due", "forget", "suspend", "unsuspend", "undo?"]
MODES = ["drill"] * 8 + ["mock", "practice", "import"]


def entries(seed: int, count: int, cards: int) -> list[LogEntry]:
    """Random actions of every kind and mode, same-second entries, a clock gone back, long
    breaks (an action the replay does not know, too: it changes nothing)."""
    rng = random.Random(seed)
    at = datetime(2024, 3, 1, 6, tzinfo=UTC)
    out = []
    for index in range(count):
        at += timedelta(seconds=rng.choice([0, 1, 40, 900, 5 * 3600, 86400, 9 * 86400]))
        if rng.random() < 0.01:
            at -= timedelta(hours=3)
        action = rng.choice(ACTIONS)
        out.append(
            LogEntry(
                f"{index:07x}-{seed:06x}",
                at,
                f"deck{rng.randrange(3)}/c{rng.randrange(cards)}",
                rng.randint(1, 4) if action == "grade" else None,
                action,
                rng.randint(0, 30000),
                rng.choice(MODES),
            )
        )
    return out


def parts_of(log: list[LogEntry], cuts: list[int]) -> list[list[LogEntry]]:
    bounds = [0, *cuts, len(log)]
    return [log[a:b] for a, b in itertools.pairwise(bounds)]


def scheduler(seed: int) -> Scheduler:
    return Scheduler(SchedulerSettings(seed=seed, learning_steps_minutes=(1.0, 10.0, 60.0)))


def one_process(
    parts: list[list[LogEntry]], start: Schedule, steps_from: int, seed: int
) -> tuple[list[History], Schedule, list[Step]]:
    """The reference: history.replay over each part in turn, Steps from `steps_from` on."""
    steps: list[Step] = []
    out, done = [], 0
    sched = scheduler(seed)
    for part in parts:
        cut = max(0, min(len(part), steps_from - done))
        history = replay(part[:cut], sched, start, 23, None)
        history.extend(replay(part[cut:], sched, start, 23, None, steps))
        out.append(history)
        done += len(part)
    return out, start, steps


def started(log: list[LogEntry], seed: int) -> Schedule:
    """A schedule some entries have been replayed onto already (what a replay goes on from)."""
    schedule = Schedule(states={})
    replay(log, scheduler(seed), schedule, 23, None)
    return schedule


def same(a: Schedule, b: Schedule) -> None:
    assert list(a.states.items()) == list(b.states.items())  # the dict order too
    assert (a.counts, a.total) == (b.counts, b.total)


@pytest.mark.parametrize("processes", [2, 3])
@pytest.mark.parametrize(
    ("seed", "count", "cards", "cuts", "steps_from", "before"),
    [
        (1, 3000, 60, [700, 1900], 1900, 0),  # months; Steps of the newest
        (2, 2500, 7, [], 0, 0),  # few cards, Steps of every entry
        (3, 2000, 400, [1, 2, 1500], 2000, 300),  # a start schedule; no Steps
        (4, 1200, 90, [600], 100, 900),  # Steps across parts
        (5, 40, 3, [10], 39, 0),  # tiny: some processes get nothing
    ],
)
def test_split_replay_gives_one_replays_result(
    processes: int,
    seed: int,
    count: int,
    cards: int,
    cuts: list[int],
    steps_from: int,
    before: int,
) -> None:
    head = entries(seed + 100, before, cards)
    log = entries(seed, count, cards)
    parts = parts_of(log, cuts)
    expected, reference, expected_steps = one_process(parts, started(head, seed), steps_from, seed)
    replayed = started(head, seed)
    steps: list[Step] = []
    shown: list[float] = []
    histories = replay_split(
        parts,
        scheduler(seed),
        replayed,
        23,
        None,
        steps,
        steps_from,
        progress=shown.append,
        processes=processes,
        least=0,
    )
    assert histories == expected
    same(replayed, reference)
    assert steps == expected_steps
    assert shown == sorted(shown) and shown[-1] == 1.0


def stats_and_files(capsys: pytest.CaptureFixture[str], home: Home) -> tuple[str, Any]:
    """`stats --json --range all`, then the checkpoint and history cache it leaves."""
    out, files, _ = run(capsys, home, [0])
    return out, files


def counting(fork: Any, forked: list[int]) -> Any:
    def counted(*args: Any) -> Any:
        forked.append(1)
        return fork(*args)

    return counted


@pytest.mark.parametrize(("seed", "batch"), [(3, 10**9), (11, 10**9), (3, 1), (11, 300)])
def test_stats_and_caches_are_the_same_bytes_split(
    seed: int,
    batch: int,
    home: Home,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whichever derived file is missing: the cold `stats --json`, the checkpoint and the
    history cache, split in two processes and not, the log replayed at once or `batch`
    entries at a time (a month at a time for 1)."""
    write_home(home, seed)
    folder = home.user_dir("tester")
    for missing in ("history", "both", "checkpoint"):
        remove(folder, MISSING["both"])
        expected = stats_and_files(capsys, home)
        forked: list[int] = []
        with monkeypatch.context() as patch:
            patch.setattr(splitreplay, "PARALLEL_FROM", 0)
            patch.setattr(splitreplay, "processes_here", lambda: 2)
            patch.setattr(splitreplay, "_fork", counting(splitreplay._fork, forked))
            patch.setattr(historycache, "BATCH", batch)
            remove(folder, MISSING[missing])
            assert stats_and_files(capsys, home) == expected, missing
        assert forked or missing == "checkpoint", missing  # the store's own replay: not split


def log_and_scheduler(seed: int = 7) -> tuple[list[list[LogEntry]], Scheduler]:
    log = entries(seed, 1500, 50)
    return parts_of(log, [500, 1000]), scheduler(seed)


def reference_of(parts: list[list[LogEntry]], seed: int = 7) -> tuple[list[History], Schedule]:
    histories, schedule, _ = one_process(parts, Schedule(states={}), 10**9, seed)
    return histories, schedule


def child_only(parent: int, action: Any) -> Any:
    """Scheduler.review that does `action` in a child process, and reviews in this one."""
    review = Scheduler.review

    def patched(self: Scheduler, *args: Any) -> Any:
        if os.getpid() != parent:
            action()
        return review(self, *args)

    return patched


def no_children_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def die() -> None:
    os._exit(3)


def fail() -> None:
    raise RuntimeError("a child's failure")


def stall() -> None:
    time.sleep(60)


@pytest.mark.parametrize("what", [die, fail, stall])
def test_a_failing_child_costs_a_replay_here_not_a_result(
    what: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts, sched = log_and_scheduler()
    expected, reference = reference_of(parts)
    monkeypatch.setattr(splitreplay, "STALL_SECONDS", 1.0)
    monkeypatch.setattr(Scheduler, "review", child_only(os.getpid(), what))
    replayed = Schedule(states={})
    began = time.monotonic()
    histories = replay_split(parts, sched, replayed, 23, None, processes=2, least=0)
    assert time.monotonic() - began < 30  # a silent child is given up on, not waited for
    assert histories == expected
    same(replayed, reference)
    assert no_children_left()


def test_no_fork_replays_here(monkeypatch: pytest.MonkeyPatch) -> None:
    parts, sched = log_and_scheduler()
    expected, reference = reference_of(parts)

    def refused() -> int:
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr(splitreplay.os, "fork", refused)
    replayed = Schedule(states={})
    assert replay_split(parts, sched, replayed, 23, None, processes=2, least=0) == expected
    same(replayed, reference)


def test_an_error_in_the_log_is_one_replays_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whichever process meets it, a grade the scheduler refuses raises its own error."""
    parts, sched = log_and_scheduler()
    review = Scheduler.review
    bad = {e.card for part in parts for e in part if e.action == "grade" and e.mode == "drill"}
    for card in sorted(bad)[:2]:  # one in each group, most likely
        monkeypatch.setattr(
            Scheduler,
            "review",
            lambda self, key, *a, card=card: (
                (_ for _ in ()).throw(ValueError(f"bad grade of {key}"))
                if key == card
                else review(self, key, *a)
            ),
        )
        with pytest.raises(ValueError, match=f"bad grade of {card}"):
            replay_split(parts, sched, Schedule(states={}), 23, None, processes=2, least=0)
        assert no_children_left()


def test_cancelled_ends_the_children(monkeypatch: pytest.MonkeyPatch) -> None:
    parts, sched = log_and_scheduler()
    asked = [0]

    def cancelled() -> bool:
        asked[0] += 1
        return asked[0] > 2

    with pytest.raises(Cancelled):
        replay_split(
            parts, sched, Schedule(states={}), 23, None, cancelled=cancelled, processes=2, least=0
        )
    assert no_children_left()


def test_short_logs_and_one_core_replay_here(monkeypatch: pytest.MonkeyPatch) -> None:
    parts, sched = log_and_scheduler()
    expected, _ = reference_of(parts)

    def forbidden() -> int:
        raise AssertionError("forked")

    monkeypatch.setattr(splitreplay.os, "fork", forbidden)
    assert replay_split(parts, sched, Schedule(states={}), 23, None, processes=2) == expected
    assert replay_split(parts, sched, Schedule(states={}), 23, None, processes=1, least=0) == (
        expected
    )


def test_groups_are_the_same_in_every_process() -> None:
    """A card's group does not depend on the process's str hash seed (children are forked
    today, but a group must not depend on how the process was started)."""
    keys = [f"deck{n % 3}/c{n}" for n in range(40)]
    here = [splitreplay.group_of(key, 2) for key in keys]
    assert set(here) == {0, 1}
    code = (
        "from flashprep.core.stats.splitreplay import group_of;"
        f"print([group_of(k, 2) for k in {keys!r}])"
    )
    for salt in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": salt, "PYTHONPATH": os.pathsep.join(sys.path)}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        assert out.stdout.strip() == str(here), out.stderr


def test_the_tui_caches_the_history_of_its_opening_replay(
    home: Home, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No checkpoint and no history cache: the TUI's opening replay writes the statistics'
    cache (the screen then reads it, not a second replay), the bytes a replay of its own gives."""
    from flashprep.cli import main
    from flashprep.tui.app import FlashprepApp

    write_home(home, 5)
    folder = home.user_dir("tester")
    monkeypatch.setattr(FlashprepApp, "run", lambda self: None)
    assert main(["drill"]) == 0  # a writing start: the log moves to this computer's folder
    remove(folder, MISSING["both"])
    expected_out, expected, _ = run(capsys, home, [0])
    for missing in ("both", "history", "checkpoint"):
        remove(folder, MISSING[missing])
        assert main(["drill"]) == 0
        store = UserStore(home, "tester")
        reader = HistoryReader(store)
        reader.load()
        # The cache is there for the statistics screen, unless the TUI did not replay the log
        # (the checkpoint was there): the screen replays it then.
        assert reader.rebuilt == (missing == "history"), missing
        out, files, _ = run(capsys, home, [0])
        assert (out, files) == (expected_out, expected), missing


def test_no_opening_replay_no_history_written(home: Home) -> None:
    write_home(home, 6)
    UserStore(home, "tester").checkpoint()
    remove(home.user_dir("tester"), MISSING["history"])
    shared = SharedReplay()
    store = UserStore(home, "tester", full_replay=shared)
    assert not shared.save_history(store)  # the checkpoint was there: nothing replayed
    assert not (home.user_dir("tester") / "cache" / "history").exists()


@pytest.mark.parametrize("seed", [2, 9])
def test_several_computers_logs_split_give_the_same_bytes(
    seed: int,
    tmp_path: Path,
    home: Home,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A synced folder (two computers' logs, their entries interleaved): the union's cold
    replay, split and not, leaves the same `stats --json`, checkpoint and history cache."""
    other = Home(tmp_path / "other")
    write_home(home, seed)
    write_home(other, seed + 50)
    reviews = home.user_dir("tester") / "reviews"
    for device, source in (
        ("laptop-aaaaaa", reviews),
        ("desk-bbbbbb", other.user_dir("tester") / "reviews"),
    ):
        target = reviews / device
        target.mkdir()
        for path in sorted(source.glob("*.toml")):
            text = path.read_text().replace('id = "', f'id = "{device[0]}')
            (target / path.name).write_text(text)
            if source == reviews:
                path.unlink()
    assert len(device_logs(reviews)) == 2
    folder = home.user_dir("tester")
    remove(folder, MISSING["both"])
    expected = run(capsys, home, [0])[:2]
    assert "union.bin" in expected[1]
    forked: list[int] = []
    with monkeypatch.context() as patch:
        patch.setattr(splitreplay, "PARALLEL_FROM", 0)
        patch.setattr(splitreplay, "processes_here", lambda: 2)
        patch.setattr(splitreplay, "_fork", counting(splitreplay._fork, forked))
        for missing in ("history", "both"):
            remove(folder, MISSING[missing])
            assert run(capsys, home, [0])[:2] == expected, missing
    assert forked


@pytest.mark.parametrize("processes", [1, 2, 3])
@pytest.mark.parametrize("how", ["split", "no fork", "child dies"])
def test_meanwhile_is_called_once_and_changes_nothing(
    processes: int, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Work given to do meanwhile (the next batch read) is done once, in this process, however
    the replay goes: split (this process then keeps a smaller group), alone, or after a child
    failed; the result is one replay's."""
    parts, sched = log_and_scheduler(13)
    expected, reference = reference_of(parts, 13)
    if how == "no fork":
        monkeypatch.setattr(splitreplay.os, "fork", lambda: (_ for _ in ()).throw(OSError()))
    elif how == "child dies":
        monkeypatch.setattr(Scheduler, "review", child_only(os.getpid(), die))
    called: list[int] = []
    shown: list[float] = []
    replayed = Schedule(states={})
    histories = replay_split(
        parts,
        sched,
        replayed,
        23,
        None,
        progress=shown.append,
        processes=processes,
        least=0,
        meanwhile=lambda: called.append(os.getpid()),
    )
    assert called == [os.getpid()]
    assert histories == expected
    same(replayed, reference)
    assert shown == sorted(shown) and shown[-1] == 1.0
    assert no_children_left()


def test_an_error_meanwhile_ends_the_children() -> None:
    """Reading the next batch fails (a bad month file): the error is raised, no child is left."""
    parts, sched = log_and_scheduler()

    def bad() -> None:
        raise ValueError("a bad month")

    with pytest.raises(ValueError, match="a bad month"):
        replay_split(
            parts, sched, Schedule(states={}), 23, None, processes=2, least=0, meanwhile=bad
        )
    assert no_children_left()


@pytest.mark.parametrize("share", [0.0, 0.3, 0.5, 0.9])
@pytest.mark.parametrize("groups", [2, 3])
def test_groups_by_share(share: float, groups: int) -> None:
    """Group 0 gets about `share` of the cards (the rest the other groups), by the same stable
    hash in every process."""
    keys = [f"deck{n % 7}/card-{n}" for n in range(4000)]
    sides = [splitreplay.group_of(key, groups, share) for key in keys]
    assert set(sides) <= set(range(groups))
    assert abs(sides.count(0) / len(keys) - share) < 0.04
    assert set(sides) == set(range(0 if share else 1, groups))
    code = (
        "from flashprep.core.stats.splitreplay import group_of;"
        f"print([group_of(k, {groups}, {share}) for k in {keys[:50]!r}])"
    )
    env = {**os.environ, "PYTHONHASHSEED": "7", "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == str(sides[:50]), out.stderr


@pytest.mark.parametrize("batch", [1, 200, 10**9])
def test_a_long_logs_months_are_kept_packed_as_a_warm_load_has_them(
    batch: int, home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A whole replay split in batches keeps each month packed in its cache file's bytes (the
    same bytes save() writes): the history equals one replay's and a warm load's."""
    write_home(home, 4)
    folder = home.user_dir("tester")
    remove(folder, MISSING["history"])
    store = UserStore(home, "tester")
    first = HistoryReader(store)
    expected = first.load()
    first.save()
    assert len(expected) > 100
    written = {p.name: p.read_bytes() for p in (folder / "cache" / "history").glob("*")}
    remove(folder, MISSING["history"])
    monkeypatch.setattr(splitreplay, "PARALLEL_FROM", 0)
    monkeypatch.setattr(splitreplay, "processes_here", lambda: 2)
    monkeypatch.setattr(historycache, "BATCH", batch)
    reader = HistoryReader(store)
    history = reader.load()
    assert reader.rebuilt
    months = reader._pending.months
    assert all(month.encoded is not None for month in months) == (batch > 1)
    reader.save()
    assert {p.name: p.read_bytes() for p in (folder / "cache" / "history").glob("*")} == written
    assert history == expected == HistoryReader(store).load()
    assert list(history) == list(expected)
