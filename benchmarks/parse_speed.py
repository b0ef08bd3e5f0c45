"""How fast the review log is read: the TOML parser against the reader of flashprep's own blocks.

    python benchmarks/parse_speed.py --home DIR [--user NAME] [--runs 3] [--workers 2]

Copies the user's `reviews/` folder out of the data folder DIR (which is never touched), then
reads every month file of every device, best of `--runs`, and prints milliseconds per 100,000
entries for:

- the TOML path (`tomllib` and the entries' validation: how every log was read before);
- `parse_log` (the fast reader, falling back to the TOML path for a file it does not take);
- `read_log`, the whole read of a month file (its bytes, where complete entries end, parsing);
- `read_all` (every device merged, as a rebuild or the statistics read it);
- the month files read by `--workers` processes in parallel, entries sent back to this one
  (whether reading months in parallel would pay off on this machine).

Timings are printed, never asserted: tests do not time things.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from flashprep.core.storage.logread import device_logs, read_all, read_log
from flashprep.core.storage.reviewlog import LogEntry, _toml_entries, _written_entries, parse_log


def best(runs: int, work: Callable[[], int]) -> tuple[float, int]:
    """The fastest of `runs` runs, in seconds, and the entries it read."""
    times, count = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        count = work()
        times.append(time.perf_counter() - start)
    return min(times), count


def _read_one(path: str) -> list[LogEntry]:
    return read_log(Path(path))[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, required=True, help="a data folder (only read)")
    parser.add_argument("--user", default="bench")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    source = args.home / "users" / args.user / "reviews"
    if not source.is_dir():
        sys.exit(f"{source}: no review log there")
    with tempfile.TemporaryDirectory(prefix="parse-speed-") as tmp:
        reviews = Path(tmp) / "reviews"
        shutil.copytree(source, reviews)
        files = [p for paths in device_logs(reviews).values() for p in paths]
        raws = [p.read_bytes() for p in files]
        size = sum(len(r) for r in raws)
        taken = sum(_written_entries(r) is not None for r in raws)
        print(f"{len(files)} month files, {size / 2**20:.1f} MiB; the fast reader takes {taken}")

        rows = [
            ("TOML path", lambda: sum(len(_toml_entries(r, "log", 1, 0)) for r in raws)),
            ("parse_log", lambda: sum(len(parse_log(r, "log")) for r in raws)),
            ("read_log", lambda: sum(len(read_log(p)[0]) for p in files)),
            ("read_all", lambda: sum(1 for _ in read_all(reviews))),
        ]
        if args.workers > 1:

            def parallel() -> int:
                with ProcessPoolExecutor(args.workers) as pool:
                    return sum(len(e) for e in pool.map(_read_one, map(str, files)))

            rows.append((f"read_log, {args.workers} processes", parallel))
        figures: dict[str, float] = {}
        for name, work in rows:
            seconds, count = best(args.runs, work)
            figures[name] = seconds
            per = seconds / max(count, 1) * 100_000 * 1000
            print(f"{name:<24} {seconds * 1000:9.0f} ms  {count:>9} entries  {per:7.0f} ms/100k")
        print(f"parse_log is {figures['TOML path'] / figures['parse_log']:.1f}x the TOML path")
        load = os.getloadavg()
        print(f"load average while measuring: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
