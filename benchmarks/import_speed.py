"""Import speed: a current-layout .apkg, flashprep vs the Anki library.

Target (issues 3 and 23): `flashprep import` (the whole process) takes at most 2x the time the
Anki library (PyPI `anki`, a test dependency) takes to import the same file into a new collection
(also the whole process); at most 3x for a power user's package (50,000 cards, a million
reviews). Both run as fresh processes with bytecode caches (as installed packages have them),
after a warm-up run; each is timed several times and the best and median runs are printed, with
their CPU times. The package holds Basic, reversed and cloze notes with HTML fields and a review
history: by default for a fifth of the cards (three reviews each); with `--reviews N`, N reviews
spread over every card and over a year per 100,000 reviews, as a long Anki history is.
`benchmarks/run.py` uses `compare` for its rows.

    python benchmarks/import_speed.py [--notes 5000] [--reviews N] [--runs 3] [--package P]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

WORDS = [
    "cache",
    "latency",
    "throughput",
    "queue",
    "shard",
    "replica",
    "consistency",
    "partition",
    "index",
    "btree",
    "hash",
    "leader",
    "follower",
    "quorum",
    "idempotent",
    "backpressure",
]

ANKI_IMPORT = """
import os, sys, tempfile
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
folder = tempfile.mkdtemp()
col = Collection(os.path.join(folder, "collection.anki2"))
request = ImportAnkiPackageRequest(
    package_path=sys.argv[1], options=ImportAnkiPackageOptions(with_scheduling=True)
)
log = col.import_anki_package(request).log
col.close()
print(len(log.new))
"""


def build(path: Path, notes: int, reviews: int | None = None) -> int:
    """Write the package; return its number of cards."""
    from anki.collection import AddNoteRequest, Collection, ExportAnkiPackageOptions

    rng = random.Random(1)
    folder = Path(tempfile.mkdtemp())
    col = Collection(str(folder / "bench.anki2"))
    basic = col.models.by_name("Basic")
    reversed_ = col.models.by_name("Basic (and reversed card)")
    cloze = col.models.by_name("Cloze")
    assert basic and reversed_ and cloze
    deck = col.decks.id("Interview::Bench")
    assert deck is not None
    requests = []
    for i in range(notes):
        kind = i % 10
        if kind < 7:
            note = col.new_note(basic)
            note["Front"] = f"Question {i}: what is <b>{rng.choice(WORDS)}</b>?"
            note["Back"] = (
                f"<ul><li>{rng.choice(WORDS)} &amp; {rng.choice(WORDS)}</li><li>point</li></ul>"
                f"Answer {i}<br>more <i>text</i> with <code>code_{i}</code>"
            )
        elif kind < 9:
            note = col.new_note(reversed_)
            note["Front"] = f"Term {i} {rng.choice(WORDS)}"
            note["Back"] = f"Definition {i}: {rng.choice(WORDS)}<br>{rng.choice(WORDS)}"
        else:
            note = col.new_note(cloze)
            note["Text"] = (
                f"The {{{{c1::{rng.choice(WORDS)}}}}} of {{{{c2::{rng.choice(WORDS)}}}}} #{i}"
            )
        note.tags = ["bench", rng.choice(WORDS)]
        requests.append(AddNoteRequest(note, deck))
    col.add_notes(requests)  # one transaction: a note at a time syncs the disk each time
    card_ids = list(col.find_cards(""))
    if reviews is None:
        start = int(time.time() * 1000) - 90 * 86_400_000
        review = 0
        for cid in rng.sample(card_ids, len(card_ids) // 5):
            for step, ease in enumerate((3, 3, rng.choice((1, 2, 3, 4)))):
                review += 1
                col.db.execute(
                    "INSERT INTO revlog VALUES (?, ?, -1, ?, 1, 0, 2500, 5000, ?)",
                    start + review * 1000 + step * 86_400_000,
                    cid,
                    ease,
                    0 if step < 2 else 1,
                )
    else:  # straight into the SQLite file: the library's executemany takes ms a row
        rows = long_history(card_ids, reviews, rng)
        col.close()
        with contextlib.closing(sqlite3.connect(folder / "bench.anki2")) as db, db:
            db.executemany("INSERT INTO revlog VALUES (?, ?, -1, ?, ?, ?, 2500, ?, ?)", rows)
        col = Collection(str(folder / "bench.anki2"))
    options = ExportAnkiPackageOptions(
        with_scheduling=True, with_deck_configs=False, with_media=False, legacy=False
    )
    col.export_anki_package(out_path=str(path), options=options, limit=None)
    cards = col.card_count()
    col.close()
    return cards


DAY_MS = 86_400_000


def long_history(card_ids: list[int], reviews: int, rng: random.Random) -> list[tuple[int, ...]]:
    """`reviews` revlog rows (id, cid, ease, ivl, lastIvl, time, type) over every card: each
    card's reviews spread over part of the history (a year per 100,000 reviews), first two
    learning steps, then reviews with a lapse now and then (relearning after it)."""
    days = 365 * max(1, -(-reviews // 100_000))
    end = int(time.time() * 1000) - DAY_MS
    begin = end - days * DAY_MS
    rows: list[list[int]] = []
    per_card, extra = divmod(reviews, len(card_ids))
    for n, cid in enumerate(card_ids):
        count = per_card + (n < extra)
        if not count:
            continue
        first = begin + rng.randrange((end - begin) // 2)
        gap = (end - first) // count
        last_ivl = 0
        lapsed = False
        for step in range(count):
            at = first + step * gap + rng.randrange(max(1, gap // 4))
            ease = 1 if step >= 2 and rng.random() < 0.1 else rng.choice((3, 3, 3, 2, 4))
            kind = 0 if step < 2 else (2 if lapsed else 1)
            ivl = 0 if ease == 1 or step < 1 else max(1, gap // DAY_MS)
            rows.append([at, cid, ease, ivl, last_ivl, rng.randint(2000, 30000), kind])
            last_ivl, lapsed = ivl, ease == 1
    rows.sort()
    for i in range(1, len(rows)):  # revlog ids are unique: a later one at least 1 ms after
        rows[i][0] = max(rows[i][0], rows[i - 1][0] + 1)
    return [tuple(row) for row in rows]


def kept_package(path: Path, notes: int, reviews: int | None) -> int:
    """The package at `path`, built there unless an earlier run left it (with its card count
    beside it, in `<name>.cards`); returns its number of cards."""
    count = path.with_suffix(".cards")
    if path.is_file() and count.is_file():
        return int(count.read_text())
    building = path.with_name(f".{path.name}.building")
    cards = build(building, notes, reviews)
    building.rename(path)
    count.write_text(f"{cards}\n")
    return cards


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall and CPU seconds of one run (CPU counts even when other processes share the cores;
    a process it forks and waits for counts too), and its peak RSS in KiB (as run.py measures
    it: the largest of the process and those it waited for)."""
    begin = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - begin
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command)
    rss = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
    return wall, usage.ru_utime + usage.ru_stime, rss


def anki_installed() -> bool:
    """The yardstick is the `anki` package (in flashprep's test extra)."""
    return importlib.util.find_spec("anki") is not None


@dataclass
class Comparison:
    """Timed imports of one package: (wall, CPU) seconds per run of each side."""

    notes: int
    cards: int
    package_kib: int
    anki: list[tuple[float, float]] = field(default_factory=list)
    ours: list[tuple[float, float]] = field(default_factory=list)
    rss_kib: dict[str, int] = field(default_factory=dict)
    """The peak RSS of each side ("anki", "ours") over its runs."""
    load: list[float] = field(default_factory=list)
    """The load average (1 minute) before each run."""

    def median(self, runs: list[tuple[float, float]], cpu: bool = False) -> float:
        return statistics.median(c if cpu else w for w, c in runs)

    def best(self, runs: list[tuple[float, float]], cpu: bool = False) -> float:
        return min(c if cpu else w for w, c in runs)


def compare(
    notes: int,
    runs: int,
    work: Path,
    flashprep: list[str] | None = None,
    reviews: int | None = None,
    warm_up: bool = True,
    package: Path | None = None,
) -> Comparison:
    """Build the package in `work` (or at `package`, once: kept there for the next time), then
    time both sides `runs` times, one right after the other (so that both see the same load),
    after an untimed warm-up of each (unless `warm_up` is false: for a package that takes
    minutes, a run on bytecode already compiled)."""
    if package is None:
        package = work / "bench.apkg"
        cards = build(package, notes, reviews)
    else:
        cards = kept_package(package, notes, reviews)
    result = Comparison(notes, cards, package.stat().st_size // 1024)
    command = flashprep or [sys.executable, "-m", "flashprep"]
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    # Run 0 warms up both (and writes bytecode caches, as an installed package has); not counted.
    for run in range(0 if warm_up else 1, runs + 1):
        env = dict(base, FLASHPREP_HOME=str(work / f"home-{run}"), FLASHPREP_USER="bench")
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
        *anki_time, anki_rss = timed([sys.executable, "-c", ANKI_IMPORT, str(package)], env)
        *our_time, our_rss = timed([*command, "import", str(package)], env)
        if run:
            result.anki.append((anki_time[0], anki_time[1]))
            result.ours.append((our_time[0], our_time[1]))
            result.load.append(load)
            for side, rss in (("anki", anki_rss), ("ours", our_rss)):
                result.rss_kib[side] = max(result.rss_kib.get(side, 0), rss)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=5000)
    parser.add_argument("--reviews", type=int, help="reviews over every card (a long history)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    parser.add_argument(
        "--package",
        type=Path,
        help="import this package, built there (and kept) when it is missing, as run.py keeps "
        "anki-<notes>-<reviews>.apkg beside its homes; no warm-up run when --reviews is given",
    )
    args = parser.parse_args()
    if not anki_installed():
        raise SystemExit("the `anki` package is not installed (pip install -e '.[test]')")
    work = args.keep or Path(tempfile.mkdtemp(prefix="flashprep-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    result = compare(
        args.notes,
        args.runs,
        work,
        reviews=args.reviews,
        warm_up=args.package is None or args.reviews is None,
        package=args.package,
    )
    print(
        f"package: {result.notes} notes, {result.cards} cards, {args.reviews or 'some'} "
        f"reviews, {result.package_kib} KiB"
    )
    for name, side, runs in (
        ("anki library", "anki", result.anki),
        ("flashprep", "ours", result.ours),
    ):
        print(
            f"{name:>13}: best {result.best(runs):.2f} s, median {result.median(runs):.2f} s, "
            f"CPU best {result.best(runs, True):.2f} s, median {result.median(runs, True):.2f} s, "
            f"peak RSS {result.rss_kib[side] / 1024:.0f} MiB"
        )
    print(f"load average before the runs: {', '.join(f'{x:.2f}' for x in result.load)}")
    for how in ("best", "median"):
        pick = result.best if how == "best" else result.median
        wall = pick(result.ours) / pick(result.anki)
        cpu = pick(result.ours, True) / pick(result.anki, True)
        print(f"ratio of the {how} runs (flashprep / anki): {wall:.2f} wall, {cpu:.2f} CPU")
    print("target: <= 2.0 (<= 3.0 for 50,000 cards and a million reviews)")


if __name__ == "__main__":
    main()
