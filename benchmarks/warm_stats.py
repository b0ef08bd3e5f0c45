"""Warm statistics at several history lengths, side by side: does their cost grow with the log?

    python benchmarks/warm_stats.py HOME [HOME ...] [--user NAME] [--repeat N]

Each HOME (e.g. one made by make_home.py with 100,000 and one with 1,000,000 reviews) is copied
to a temporary folder first (the original is never touched), warmed by one `stats --json`, then
timed: the whole `flashprep stats --json` process (best wall-clock and CPU, and its peak RSS),
and its stages in this process (best of N): opening the user, loading the history through its
cache, computing the statistics, the interview readiness, the calibration, writing the JSON.

Timings are printed, never asserted: tests do not time things.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from flashprep.commands.common import open_user
from flashprep.core.interview.plan import interview_stats
from flashprep.core.stats.historycache import HistoryReader
from flashprep.core.stats.optimize import calibration_report
from flashprep.core.stats.report import StatsQuery, compute_stats
from flashprep.core.stats.retentioncache import RetentionCache
from flashprep.core.text import dumps_json


def whole_process(home: Path, user: str) -> tuple[float, float, float]:
    """Wall-clock seconds, CPU seconds and peak RSS (MiB) of one `stats --json` process."""
    env = {**os.environ, "FLASHPREP_HOME": str(home), "FLASHPREP_USER": user}
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "flashprep", "stats", "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"stats --json failed in {home} ({child.returncode})")
    wall = time.perf_counter() - start
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def stages(home: Path, user: str) -> dict[str, tuple[float, float]]:
    """Seconds of each stage of a warm `stats --json`, run in this process: wall-clock and CPU
    (on a loaded machine the CPU seconds are the steadier figure)."""
    args = argparse.Namespace(home=str(home), user=user, deck=None)
    marks = [(time.perf_counter(), time.process_time())]
    opened = open_user(args)
    store = opened.store
    marks.append((time.perf_counter(), time.process_time()))
    reader = HistoryReader(store)
    history = reader.load()
    _ = store.states  # decoded here, not in whichever stage asks first
    marks.append((time.perf_counter(), time.process_time()))
    retention = RetentionCache(reader.folder, reader.marks, reader.stable)
    stats = compute_stats(
        history,
        store.states,
        opened.library,
        store.scheduler,
        StatsQuery.of(store),
        user,
        retention,
    )
    marks.append((time.perf_counter(), time.process_time()))
    stats.update(interview_stats(opened.library, store))
    marks.append((time.perf_counter(), time.process_time()))
    stats["calibration"] = calibration_report(history, store, None, reader, None)
    marks.append((time.perf_counter(), time.process_time()))
    dumps_json(stats)
    marks.append((time.perf_counter(), time.process_time()))
    names = ("open", "load", "compute", "interview", "calibration", "json")
    return {
        name: (marks[i + 1][0] - marks[i][0], marks[i + 1][1] - marks[i][1])
        for i, name in enumerate(names)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("homes", nargs="+", type=Path, help="data folders (copied first)")
    parser.add_argument("--user", default="bench")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for source in args.homes:
        with tempfile.TemporaryDirectory(prefix="flashprep-warm-") as folder:
            home = Path(folder) / "home"
            shutil.copytree(source, home, symlinks=True)
            whole_process(home, args.user)  # warms the caches
            runs = [whole_process(home, args.user) for _ in range(args.repeat)]
            best: dict[str, tuple[float, float]] = {}
            for _ in range(args.repeat):
                for name, (wall, cpu) in stages(home, args.user).items():
                    low = best.get(name, (float("inf"), float("inf")))
                    best[name] = (min(low[0], wall), min(low[1], cpu))
            wall = min(r[0] for r in runs)
            cpu = min(r[1] for r in runs)
            rss = max(r[2] for r in runs)
            print(f"{source.name}: stats --json warm {wall:.2f} s ({cpu:.2f} s cpu), {rss:.0f} MiB")
            print(
                "  stages (best wall, best cpu): "
                + ", ".join(f"{n} {w:.3f} s ({c:.3f} cpu)" for n, (w, c) in best.items())
            )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
