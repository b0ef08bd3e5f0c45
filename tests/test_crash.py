"""SIGKILL at random moments, 100 times, through real `flashprep drill` processes in a pty.

See tests/support/crash_harness.py for what is done and checked after each kill. The randomness is
seeded: FLASHPREP_CRASH_SEED and FLASHPREP_CRASH_KILLS change it (e.g. more kills locally).
"""

from __future__ import annotations

import os
from pathlib import Path

import crash_harness

KILLS = int(os.environ.get("FLASHPREP_CRASH_KILLS", "100"))
SEED = int(os.environ.get("FLASHPREP_CRASH_SEED", "20261126"))


def test_sigkill_at_random_moments_loses_and_breaks_nothing(tmp_path: Path) -> None:
    report = crash_harness.run(tmp_path / "home", kills=KILLS, seed=SEED, lanes=2)
    print("\n".join(report.lines()))  # shown with -s, or when the test fails
    stats = report.stats
    assert sum(stats[f"mode {m}"] for m in crash_harness.MODES) == KILLS
    assert stats["grades confirmed"] >= KILLS // 2
    if KILLS >= 50:  # enough kills that every kind has come up (fewer: a quick local run)
        assert all(stats[f"mode {m}"] for m in crash_harness.MODES)
        assert stats["killed in the middle of a checkpoint write"] >= 1
