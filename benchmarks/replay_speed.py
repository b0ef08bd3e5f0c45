"""How fast a user's whole review log replays: through the fsrs library (as before) and as now.

    python benchmarks/replay_speed.py --home DIR [--user bench] [--runs 3] [--profile]

`DIR` is a data folder made by `benchmarks/make_home.py` (e.g. `--cards 10000 --reviews 100000`);
it is copied to a scratch folder first and never touched. The log is parsed once, then replayed
(`stats.history.replay`, the path the statistics and the checkpoint rebuild take) with:

- `fsrs`: each grade through the fsrs library, the global `random` saved, seeded and restored
  around it (`scheduling.fsrsreference`: how every grade was made before `fastreview`);
- `fast`: the scheduler as it is (`scheduling.fastreview`);
- `nofuzz`: the same with fuzz off (another schedule, so not compared): what seeding the fuzz's
  generator per review costs is the difference.

Prints the best CPU time of `--runs` in ms, per 100,000 entries too, and whether the two gave
the same grades and card states (they must). `--profile` adds the top of a cProfile of one fast
replay. Timings are printed, never asserted: tests do not time things.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

from flashprep.core.paths import Home
from flashprep.core.scheduling.fsrsreference import FsrsScheduler
from flashprep.core.scheduling.scheduler import Scheduler
from flashprep.core.stats.history import History, replay
from flashprep.core.storage.logread import read_all
from flashprep.core.storage.replay import Schedule
from flashprep.core.storage.reviewlog import LogEntry
from flashprep.core.storage.userstore import UserStore


def run(
    entries: list[LogEntry], store: UserStore, scheduler: Scheduler
) -> tuple[float, History, Schedule]:
    """Replay `entries` from nothing; the CPU time it took (the machine is shared: CPU time
    varies less than the wall clock under load)."""
    replayed = Schedule()
    started = time.process_time()
    history = History.of(replay(entries, scheduler, replayed, store.rollover, store.tz))
    return time.process_time() - started, history, replayed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--user", default="bench")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--skip-fsrs", action="store_true", help="time only the fast path")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "home"
        shutil.copytree(args.home, root, symlinks=True)
        store = UserStore(Home(root), args.user)
        entries = list(read_all(store.paths.reviews))
        per = 100_000 / max(1, len(entries))
        load = os.getloadavg()[0]
        print(f"{len(entries):,} entries; load average {load:.2f}; Python {sys.version.split()[0]}")
        fast = Scheduler(store.scheduler.settings)
        nofuzz = Scheduler(store.scheduler.settings._replace(fuzz=False))
        paths: dict[str, Scheduler] = {"fast": fast, "nofuzz": nofuzz}
        if not args.skip_fsrs:
            paths = {"fsrs": FsrsScheduler(store.scheduler.settings), **paths}
        results: dict[str, tuple[History, Schedule]] = {}
        for name, scheduler in paths.items():
            best = float("inf")
            for _ in range(args.runs):
                took, history, replayed = run(entries, store, scheduler)
                best = min(best, took)
            results[name] = (history, replayed)
            ms, scaled = best * 1000, best * 1000 * per
            print(f"{name:6} {ms:9.0f} ms CPU   {scaled:8.0f} ms per 100k entries")
        if "fsrs" in results:
            (h1, s1), (h2, s2) = results["fsrs"], results["fast"]
            same = h1 == h2 and s1.states == s2.states and s1.counts == s2.counts
            print("same grades and states:", "yes" if same else "NO")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            run(entries, store, fast)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
