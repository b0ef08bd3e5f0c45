"""Import speed: a 5,000-note current-layout .apkg, flashprep vs the Anki library.

Target (issue 3): `flashprep import` (the whole process) takes at most 2x the time the Anki library
(PyPI `anki`, a test dependency) takes to import the same file into a new collection (also the
whole process). Both run as fresh processes with bytecode caches (as installed packages have
them), after a warm-up run; each is timed several times and the best and median runs are printed,
with their CPU times. The package holds Basic, reversed and cloze notes with HTML fields and a
review history for a fifth of the cards. `benchmarks/run.py` uses `compare` for its row.

    python benchmarks/import_speed.py [--notes 5000] [--runs 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import resource
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


def build(path: Path, notes: int) -> int:
    """Write the package; return its number of cards."""
    from anki.collection import Collection, ExportAnkiPackageOptions

    rng = random.Random(1)
    folder = Path(tempfile.mkdtemp())
    col = Collection(str(folder / "bench.anki2"))
    basic = col.models.by_name("Basic")
    reversed_ = col.models.by_name("Basic (and reversed card)")
    cloze = col.models.by_name("Cloze")
    assert basic and reversed_ and cloze
    deck = col.decks.id("Interview::Bench")
    assert deck is not None
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
        col.add_note(note, deck)
    card_ids = list(col.find_cards(""))
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
    options = ExportAnkiPackageOptions(
        with_scheduling=True, with_deck_configs=False, with_media=False, legacy=False
    )
    col.export_anki_package(out_path=str(path), options=options, limit=None)
    cards = col.card_count()
    col.close()
    return cards


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run (CPU counts even when other processes share the cores)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    begin = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - begin
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


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

    def median(self, runs: list[tuple[float, float]], cpu: bool = False) -> float:
        return statistics.median(c if cpu else w for w, c in runs)

    def best(self, runs: list[tuple[float, float]], cpu: bool = False) -> float:
        return min(c if cpu else w for w, c in runs)


def compare(notes: int, runs: int, work: Path, flashprep: list[str] | None = None) -> Comparison:
    """Build the package in `work`, then time both sides `runs` times, one right after the
    other (so that both see the same load), after an untimed warm-up of each."""
    package = work / "bench.apkg"
    cards = build(package, notes)
    result = Comparison(notes, cards, package.stat().st_size // 1024)
    command = flashprep or [sys.executable, "-m", "flashprep"]
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    # Run 0 warms up both (and writes bytecode caches, as an installed package has); not counted.
    for run in range(runs + 1):
        env = dict(base, FLASHPREP_HOME=str(work / f"home-{run}"), FLASHPREP_USER="bench")
        anki_time = timed([sys.executable, "-c", ANKI_IMPORT, str(package)], env)
        our_time = timed([*command, "import", str(package)], env)
        if run:
            result.anki.append(anki_time)
            result.ours.append(our_time)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not anki_installed():
        raise SystemExit("the `anki` package is not installed (pip install -e '.[test]')")
    result = compare(args.notes, args.runs, Path(tempfile.mkdtemp(prefix="flashprep-bench-")))
    print(f"package: {result.notes} notes, {result.cards} cards, {result.package_kib} KiB")
    for name, runs in (("anki library", result.anki), ("flashprep", result.ours)):
        print(
            f"{name:>13}: best {result.best(runs):.2f} s, median {result.median(runs):.2f} s, "
            f"CPU best {result.best(runs, True):.2f} s, median {result.median(runs, True):.2f} s"
        )
    for how in ("best", "median"):
        pick = result.best if how == "best" else result.median
        wall = pick(result.ours) / pick(result.anki)
        cpu = pick(result.ours, True) / pick(result.anki, True)
        print(f"ratio of the {how} runs (flashprep / anki): {wall:.2f} wall, {cpu:.2f} CPU")
    print("target: <= 2.0")


if __name__ == "__main__":
    main()
