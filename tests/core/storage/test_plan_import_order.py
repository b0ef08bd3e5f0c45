"""Which of an import's entries are new, and in which order (logimport.plan_history_import):
the first import's quick way (ids told apart in one dict, no filter) takes the entry the
comprehension it replaced took for an id given twice, at the same place, and sorts alike."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flashprep.core.storage.logimport import plan_history_import
from flashprep.core.storage.logwrite import entries_to_toml
from flashprep.core.storage.reviewlog import LOG_HEADER, LogEntry


def reference_unseen(entries: list[LogEntry], known: set[str]) -> list[LogEntry]:
    """The entries that are new, as first written: the last entry of an id, where its first
    was, less the ids the log has, sorted by time (stable)."""
    return sorted({e.id: e for e in entries if e.id not in known}.values(), key=lambda e: e.at)


def some_entries(rng: random.Random, count: int) -> list[LogEntry]:
    start = datetime(2025, 1, 30, tzinfo=UTC)
    out = []
    for n in range(count):
        at = start + timedelta(minutes=rng.choice([0, 1, 60, 3000]) * rng.randint(0, 40))
        card = rng.choice(["alpha/a1", "alpha/a2", "beta/b1"])
        rating = rng.randint(1, 4)
        out.append(
            LogEntry(f"anki-{rng.randint(0, count // 2)}", at, card, rating, "grade", n, "import")
        )
    return out


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("logged", [0, 5])
def test_ids_given_twice_and_logged_ones_are_told_apart_as_before(
    tmp_path: Path, seed: int, logged: int
) -> None:
    rng = random.Random(seed)
    entries = some_entries(rng, 60)  # ids given twice and more, times out of order and tied
    log = [e._replace(mode="drill") for e in rng.sample(entries, logged)]
    log.sort(key=lambda e: e.at)
    folder = tmp_path / "log"
    folder.mkdir()
    if log:
        (folder / "2025-01.toml").write_bytes(LOG_HEADER + entries_to_toml(log))
    known = {e.id for e in log}
    assert len({e.id for e in entries}) < len(entries)
    plan = plan_history_import(folder, entries)
    again = plan_history_import(folder, reference_unseen(entries, known))
    assert plan == again
    assert plan.fresh > 0
