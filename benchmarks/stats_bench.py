"""How fast the statistics are with a long history: 10,000 cards and 100,000 reviews by default.

    python benchmarks/stats_bench.py [--home DIR] [--reviews N] [--cards N] [--keep]

Builds a data folder (an imported deck of N cards and a simulated learner's review log, written
as month files the way flashprep appends them), then prints how long these take:

- reading the history with no cache (the first time: parse all TOML, replay it), and again
  through the cache; after one more grade (the newest month is extended); after an undo;
- computing the statistics from the history, for each range;
- `flashprep stats --json` as a whole process (cold cache, then warm);
- the statistics screen, from its opening until it is fully drawn (warm cache).

Timings are printed, never asserted: tests do not time things.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flashprep.core.clock import day_start
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.paths import Home
from flashprep.core.stats.historycache import HistoryReader
from flashprep.core.stats.ranges import RANGES
from flashprep.core.stats.report import StatsQuery, compute_stats
from flashprep.core.storage.logwrite import entry_to_toml
from flashprep.core.storage.profile import Profile, save_profile
from flashprep.core.storage.replay import Schedule, apply_entry
from flashprep.core.storage.reviewlog import LOG_HEADER, LogEntry, month_file
from flashprep.core.storage.userstore import UserStore

USER = "bench"
TAGS = [f"topic-{i:02d}" for i in range(40)]


def write_deck(home: Home, cards: int) -> None:
    home.decks.mkdir(parents=True, exist_ok=True)
    lines = [
        'id = "bench"\nname = "Benchmark"\ncategory = "technical"\n',
        'description = "Generated cards."\n',
    ]
    for i in range(cards):
        lines.append(
            f'\n[[cards]]\nid = "c{i:05d}"\nfront = "Question {i}?"\nback = "Answer {i}."\n'
            f'tags = ["{TAGS[i % len(TAGS)]}", "{TAGS[(i * 7) % len(TAGS)]}"]\n'
        )
    (home.decks / "bench.toml").write_text("".join(lines))


def simulate(
    home: Home, cards: int, reviews: int, first: date = date(2024, 1, 1), seed: int = 1
) -> datetime:
    """A learner: 30 new cards a day, every due card reviewed, 1 in 10 forgotten. Returns now."""
    rng = random.Random(seed)
    profile = Profile.model_validate({"seed": 7, "settings": {"timezone": "Europe/Paris"}})
    folder = home.user_dir(USER)
    save_profile(folder / "profile.toml", profile)
    store = UserStore(home, USER)
    replayed = Schedule()
    tz, rollover = store.tz, store.rollover
    by_month: dict[str, list[bytes]] = defaultdict(list)
    day = first
    next_new = 0
    written = 0
    serial = 0
    while written < reviews:
        start = day_start(day, rollover, tz) + timedelta(hours=4 + rng.random() * 10)
        end = day_start(day + timedelta(days=1), rollover, tz)
        now = start
        due = [
            k
            for k, s in replayed.states.items()
            if s.due is not None and s.due < end and not s.suspended
        ]
        new = [f"bench/c{i:05d}" for i in range(next_new, min(cards, next_new + 30))]
        next_new += len(new)
        queue = sorted(due, key=lambda k: replayed.states[k].due or now) + new
        while queue and written < reviews:
            key = queue.pop(0)
            rating = rng.choices([1, 2, 3, 4], [10, 10, 70, 10])[0]
            serial += 1
            entry = LogEntry(f"b{serial:07d}", now, key, rating, ms=rng.randint(2000, 30000))
            apply_entry(store.scheduler, replayed, entry, rollover, tz)
            by_month[month_file(now)].append(entry_to_toml(entry))
            written += 1
            after = replayed.states[key]
            if after.state != "review" and after.due is not None and after.due < end:
                queue.append(key)
            now += timedelta(seconds=rng.randint(5, 40))
        day += timedelta(days=1)
    log_dir = folder / "reviews"
    log_dir.mkdir(parents=True, exist_ok=True)
    for name, blocks in by_month.items():
        (log_dir / name).write_bytes(LOG_HEADER + b"".join(blocks))
    return datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=9)


def timed(label: str, func, repeat: int = 1):  # type: ignore[no-untyped-def]
    """Run `func`, print the best wall-clock and CPU times of `repeat` runs; return its result."""
    wall = cpu = float("inf")
    result = None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = func()
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    print(f"  {label:<52} {wall * 1000:8.0f} ms {cpu * 1000:8.0f} ms cpu")
    return result


def run_cli(home: Path, *args: str) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one `flashprep` process."""
    env = {**os.environ, "FLASHPREP_HOME": str(home), "FLASHPREP_USER": USER}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "flashprep", *args], env=env, check=True, capture_output=True
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu


def report_cli(label: str, home: Path, *args: str, repeat: int = 1) -> None:
    runs = [run_cli(home, *args) for _ in range(repeat)]
    wall, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
    print(f"  {label:<52} {wall * 1000:8.0f} ms {cpu * 1000:8.0f} ms cpu")


async def screen_time(home: Home, now: datetime) -> tuple[float, float, float]:
    """Seconds from pushing the statistics screen until it is fully drawn (wall clock, and CPU
    of all threads); and, to compare, from pushing a screen of one line until it is drawn."""
    from textual.screen import Screen
    from textual.widgets import Static

    from flashprep.tui.app import FlashprepApp
    from flashprep.tui.messages import ShowStats
    from flashprep.tui.screens.stats import StatsScreen

    class Bare(Screen[None]):
        def compose(self):  # type: ignore[no-untyped-def]
            yield Static("one line")

    library = DeckLibrary.load(home)
    store = UserStore(home, USER, clock=lambda: now)
    app = FlashprepApp(library, store)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        start = time.perf_counter()
        await app.push_screen(Bare())
        await pilot.pause()
        bare = time.perf_counter() - start
        app.pop_screen()
        await pilot.pause()
        start, start_cpu = time.perf_counter(), time.process_time()
        app.post_message(ShowStats())
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        while screen.stats is None and screen.error is None:
            await asyncio.sleep(0.005)
        await pilot.pause()
        drawn = time.perf_counter() - start
        cpu = time.process_time() - start_cpu
    return drawn, cpu, bare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="data folder to build (default: a temporary one)")
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folder")
    parser.add_argument(
        "--start", type=date.fromisoformat, default=date(2024, 1, 1), help="first day studied"
    )
    parser.add_argument("--build-only", action="store_true", help="build the data folder, stop")
    args = parser.parse_args()
    root = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="flashprep-bench-"))
    home = Home(root)
    try:
        print(f"data folder: {root}")
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        start = time.perf_counter()
        if (home.decks / "bench.toml").exists():
            print("reusing the data folder (delete it to build anew)")
            last = max(HistoryReader(UserStore(home, USER)).load(), key=lambda r: r.ts)
            now = last.at + timedelta(hours=1)
        else:
            write_deck(home, args.cards)
            now = simulate(home, args.cards, args.reviews, args.start)
        size = sum(p.stat().st_size for p in (home.user_dir(USER) / "reviews").iterdir())
        print(
            f"built {args.reviews} reviews of {args.cards} cards "
            f"({size / 1e6:.1f} MB of TOML) in {time.perf_counter() - start:.1f} s"
        )
        if args.build_only:
            return
        library = DeckLibrary.load(home)
        store = UserStore(home, USER, clock=lambda: now)
        store.checkpoint()
        cache = store.folder / "cache" / "history"

        print("reading the history:")
        shutil.rmtree(cache, ignore_errors=True)
        reader = HistoryReader(store)
        history = timed("no cache (parse + replay everything)", reader.load)
        assert reader.rebuilt
        timed("  then writing the cache", reader.save)
        history = timed("through the cache", HistoryReader(store).load, repeat=3)
        store.clock = lambda: now + timedelta(minutes=1)
        store.grade(history[-1].card, 3, 5000)
        reader = HistoryReader(store)
        extended = timed("after one more grade (newest month extended)", reader.load)
        assert len(extended) == len(history) + 1 and not reader.rebuilt
        store.undo()
        reader = HistoryReader(store)
        undone = timed("after an undo (rolled back)", reader.load)
        assert len(undone) == len(history) and not reader.rebuilt
        timed("  then writing the newest month and tail", reader.save)
        store.checkpoint()

        print("computing the statistics:")
        for name in RANGES:
            query = StatsQuery(now, store.rollover, store.tz, None, name)
            timed(
                f"range {name}",
                lambda q=query: compute_stats(  # type: ignore[misc]
                    history, store.states, library, store.scheduler, q, USER
                ),
                repeat=3,
            )

        print("whole process, `flashprep stats --json`, and its parts:")
        shutil.rmtree(cache, ignore_errors=True)
        report_cli("no cache", root, "stats", "--json")
        report_cli("through the cache (best of 5)", root, "stats", "--json", repeat=5)
        report_cli("flashprep --version: interpreter and imports", root, "--version", repeat=5)
        library = timed("loading the decks", lambda: DeckLibrary.load(home), repeat=3)
        store = timed("opening the user (checkpoint cache)", lambda: UserStore(home, USER), 3)
        history = timed("reading the history (cache)", HistoryReader(store).load, repeat=3)
        query = StatsQuery(now, store.rollover, store.tz, None, "month")
        stats = timed(
            "computing (range month)",
            lambda: compute_stats(history, store.states, library, store.scheduler, query, USER),
            repeat=3,
        )
        timed("JSON", lambda: json.dumps(stats, indent=2, ensure_ascii=False), repeat=3)

        print("statistics screen:")
        drawn, cpu, bare = asyncio.run(screen_time(home, now))
        label = "opened until fully drawn (cache)"
        print(f"  {label:<52} {drawn * 1000:8.0f} ms {cpu * 1000:8.0f} ms cpu")
        print(f"  {'(a screen of one line, to compare)':<52} {bare * 1000:8.0f} ms")
        print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    finally:
        if not args.home and not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
