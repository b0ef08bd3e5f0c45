"""Import speed: a 5,000-note current-layout .apkg, flashprep vs the Anki library.

Target (issue 3): `flashprep import` (the whole process) takes at most 2x the time the Anki library
(PyPI `anki`, a test dependency) takes to import the same file into a new collection (also the
whole process). Both run as fresh processes with bytecode caches (as installed packages have
them), after a warm-up run; each is timed several times and the best and median runs are printed,
with the CPU time of the best runs. The package holds Basic, reversed and cloze notes with HTML
fields and a review history for a fifth of the cards.

    python benchmarks/import_speed.py [--notes 5000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="flashprep-bench-"))
    package = work / "bench.apkg"
    cards = build(package, args.notes)
    print(f"package: {args.notes} notes, {cards} cards, {package.stat().st_size // 1024} KiB")
    anki: list[tuple[float, float]] = []
    ours: list[tuple[float, float]] = []
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    # Run 0 warms up both (and writes bytecode caches, as an installed package has); not counted.
    for run in range(args.runs + 1):
        env = dict(base, FLASHPREP_HOME=str(work / f"home-{run}"), FLASHPREP_USER="bench")
        anki_time = timed([sys.executable, "-c", ANKI_IMPORT, str(package)], env)
        our_time = timed([sys.executable, "-m", "flashprep", "import", str(package)], env)
        if run:
            anki.append(anki_time)
            ours.append(our_time)
    for name, runs in (("anki library", anki), ("flashprep", ours)):
        walls = [w for w, _ in runs]
        print(
            f"{name:>13}: best {min(walls):.2f} s, median {statistics.median(walls):.2f} s, "
            f"CPU {min(c for _, c in runs):.2f} s"
        )
    ratio = min(w for w, _ in ours) / min(w for w, _ in anki)
    cpu_ratio = min(c for _, c in ours) / min(c for _, c in anki)
    print(
        f"ratio (best flashprep / best anki): {ratio:.2f} wall, {cpu_ratio:.2f} CPU (target <= 2.0)"
    )


if __name__ == "__main__":
    main()
