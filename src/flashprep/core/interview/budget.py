"""The user's study time, as the interview plan counts it: minutes a day (the `daily_minutes`
setting), how long one grade takes this user (measured from the review log), and what is left
of today's minutes.

The plan fits its drills in this time: it would rather show fewer new cards than leave due
reviews undone when the day's minutes run out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.interview.timing import card_target
from flashprep.core.storage.logread import log_files, read_log
from flashprep.core.storage.userstore import UserStore

TAIL_BYTES = 64 * 1024
"""How much of the newest month file is read for the recent answer times (some 500 grades)."""
PRIOR_GRADES = 20
"""Before the log has many grades, the estimate leans on the cards' targets as if it had this
many grades at the prior."""
TARGET_SHARE = 0.5
"""The prior: a grade takes this share of the card's target time (the target is for answering
aloud in an interview; a drill answer is shorter, and reading the card adds little)."""
MIN_SECONDS, MAX_SECONDS = 2.0, 600.0

_BLOCK = re.compile(rb"\n[ \t]*\[\[[ \t]*review[ \t]*\]\]")


class TimeBudget(NamedTuple):
    """Today's study time and what a grade costs of it."""

    daily_s: float
    """The user's minutes a day, in seconds."""
    left_s: float
    """What is left of it today (the day's graded answers are taken off)."""
    per_grade_s: float
    """The seconds one grade takes this user, as measured (or from the cards' targets)."""

    @property
    def grades_left(self) -> float:
        return self.left_s / self.per_grade_s

    @property
    def grades_a_day(self) -> float:
        return self.daily_s / self.per_grade_s


def recent_answer_ms(folder: Path) -> list[int]:
    """The answer times (ms) of the newest graded answers in the log (its last month file's
    tail, some hundreds); none when the log is empty or cannot be read."""
    files = log_files(folder)
    if not files:
        return []
    path = files[-1]
    try:
        size = path.stat().st_size
        offset = 0
        if size > TAIL_BYTES:
            with path.open("rb") as handle:
                handle.seek(size - TAIL_BYTES)
                match = _BLOCK.search(handle.read())
            if match is None:
                return []
            offset = size - TAIL_BYTES + match.start()
        entries, _ = read_log(path, offset)
    except (OSError, DataFileError):
        return []  # the time estimate falls back to the cards' targets; the drill reports it
    return [e.ms for e in entries if e.is_grade and e.mode == "drill" and e.ms > 0]


def prior_seconds(library: DeckLibrary, keys: Iterable[str], sample: int = 200) -> float:
    """A grade's time before the log says: a share of the cards' mean target time."""
    targets = []
    for key in keys:
        target = card_target(library, key)
        if target is not None:
            targets.append(target)
        if len(targets) >= sample:
            break
    mean = sum(targets) / len(targets) if targets else 60.0
    return mean * TARGET_SHARE


def seconds_per_grade(ms: list[int], prior_s: float) -> float:
    """The mean answer time of `ms`, pulled toward `prior_s` while there are few."""
    total = sum(ms) / 1000 + prior_s * PRIOR_GRADES
    return min(MAX_SECONDS, max(MIN_SECONDS, total / (len(ms) + PRIOR_GRADES)))


def time_budget(library: DeckLibrary, store: UserStore, keys: Iterable[str]) -> TimeBudget:
    """The user's study time today, for a plan of the cards `keys`."""
    per_grade = seconds_per_grade(recent_answer_ms(store.log_dir), prior_seconds(library, keys))
    daily = store.settings.daily_minutes * 60.0
    return TimeBudget(daily, max(0.0, daily - store.counts_today().ms / 1000), per_grade)


def minutes_a_day(folder: Path, now: datetime, days: int = 7) -> float | None:
    """The minutes a day the user studied over the last `days` days (drill answers' times, from
    the last two month files of the log); None when the log holds nothing in that time."""
    since = now - timedelta(days=days)
    total_ms = 0
    seen = False
    for path in log_files(folder)[-2:]:
        try:
            entries, _ = read_log(path)
        except (OSError, DataFileError):
            return None
        for entry in entries:
            if entry.is_grade and entry.mode == "drill" and since <= entry.at <= now:
                total_ms += entry.ms
                seen = True
    return total_ms / 60_000 / days if seen else None
