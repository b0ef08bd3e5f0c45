"""Adding history from another tool to the review log: which entries are new, and where they go.

Replay needs each card's entries in time order, and the log is replayed month file by month file:
so an imported entry goes into the file of its month, merged in by time. Nothing here changes the
store's schedule; UserStore.import_entries (or an import of decks and history together) stages the
files, commits them in one go and replays the log.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable
from datetime import UTC, timedelta
from operator import attrgetter
from pathlib import Path
from typing import NamedTuple

from flashprep.core.files.fileio import StagedFiles
from flashprep.core.storage.logread import log_files, read_log_file
from flashprep.core.storage.logtail import repair_tail
from flashprep.core.storage.logwrite import entries_to_toml
from flashprep.core.storage.reviewlog import LOG_HEADER, LogEntry, month_file


class HistoryImport(NamedTuple):
    """An import's changes to the log (see plan_history_import): how many entries are new,
    every month's entries afterwards (file name -> entries, in log order), the months whose new
    entries are appended, and the months rewritten with new entries among the old."""

    fresh: int
    months: dict[str, list[LogEntry]]
    appended: dict[str, list[LogEntry]]
    rewritten: set[str]


def plan_history_import(log_dir: Path, entries: list[LogEntry]) -> HistoryImport:
    """What importing `entries` changes in the log; nothing is written.

    Entries already in the log (same id) are skipped, so importing the same file twice adds
    nothing; so are entries that are one of the log's own actions come back with another id
    (see _without_echoes). Replay needs each card's entries in time order, and the log is
    replayed file by file (months, oldest first), entry by entry: so an entry goes into the
    file of its month.
    The log's order is the truth, even where the clock went back while the user graded: a
    month's own entries are never re-ordered; the new ones are merged in among them by time
    (a stable merge: each goes after every entry of the file that precedes it in time, as
    the file is read), and a month whose new entries all come after it is appended to.
    """
    existing: dict[str, list[LogEntry]] = {}
    known: set[str] = set()
    for path in log_files(log_dir):
        existing[path.name] = read_log_file(path)
        known.update(e.id for e in existing[path.name])
    # An id's last entry, where its first was (as a comprehension gives it), made in C.
    unique = dict(zip(map(_ID, entries), entries, strict=True))
    for logged in unique.keys() & known:
        del unique[logged]
    unseen = sorted(unique.values(), key=_AT)
    fresh = _without_echoes(unseen, [e for month in existing.values() for e in month])
    by_month = _by_month(fresh)
    months = dict(existing)
    appended: dict[str, list[LogEntry]] = {}
    rewritten: set[str] = set()
    for name, new in by_month.items():
        old = existing.get(name, [])
        merged = list(heapq.merge(old, new, key=lambda e: e.at)) if old else new
        months[name] = merged
        if merged[: len(old)] == old:
            appended[name] = new
        else:
            rewritten.add(name)
    return HistoryImport(len(fresh), months, appended, rewritten)


_ID = attrgetter("id")
_AT = attrgetter("at")


def _by_month(entries: list[LogEntry]) -> dict[str, list[LogEntry]]:
    """`entries` (in time order) by the month file each goes into: the name is worked out
    only where a month ends (an import of a million entries crosses a few hundred)."""
    out: dict[str, list[LogEntry]] = {}
    start = end = None
    part: list[LogEntry] = []
    for entry in entries:
        at = entry.at
        if start is None or end is None or not start <= at < end:
            utc = at.astimezone(UTC)
            start = utc.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
            end = (start + timedelta(days=32)).replace(day=1)
            part = out.setdefault(month_file(at), [])
        part.append(entry)
    return out


ECHO_MS = 1000
"""How far (ms) after a log entry the same action may come back from another tool: Anki's review
log counts time in whole ms, and an export moves an entry by a ms where two would share one."""


def _moment(entry: LogEntry) -> tuple[str, str, int | None]:
    return entry.card, entry.action, entry.rating


def _without_echoes(unseen: list[LogEntry], log: list[LogEntry]) -> list[LogEntry]:
    """`unseen` (in time order) less the entries that are an action already in the log (or
    earlier in `unseen`) come back under another id: the same card, action and rating, at most
    ECHO_MS after it. An export to Anki and that package (or Anki's own export of it) imported
    back give each review again with Anki's ids: each is recognised. Two real grades of one
    card with one rating within a second do not happen (a drill shows the answer between)."""
    if not unseen:
        return unseen
    cards = {e.card for e in unseen} if log else set()
    times: dict[tuple[str, str, int | None], list[int]] = {}
    for entry in log:
        if entry.card in cards and entry.mode not in ("mock", "practice"):
            times.setdefault(_moment(entry), []).append(int(entry.at.timestamp() * 1000))
    for found in times.values():
        found.sort()  # kept ones are added to these: all of a moment's times in one list
    fresh: list[LogEntry] = []
    append = fresh.append
    last_kept: dict[str, int] = {}
    """The time of each card's last kept entry: `unseen` is in time order, so an entry of a
    moment the log does not have is an echo only if its card has one kept at most ECHO_MS
    before (a history of its own, the usual import, needs no search: see _echo_of_kept)."""
    for entry in unseen:
        ms = int(entry.at.timestamp() * 1000)
        card = entry.card
        logged = times.get((card, entry.action, entry.rating)) if times else None
        if logged is None:
            last = last_kept.get(card)
            if last is not None and last >= ms - ECHO_MS and _echo_of_kept(entry, ms, fresh):
                continue
        else:
            place = bisect.bisect_left(logged, ms - ECHO_MS)
            if place < len(logged) and logged[place] <= ms:
                continue
            bisect.insort(logged, ms)
        last_kept[card] = ms
        append(entry)
    return fresh


def _echo_of_kept(entry: LogEntry, ms: int, kept: list[LogEntry]) -> bool:
    """Whether an entry of `entry`'s moment was kept at most ECHO_MS before `ms` (`kept` is in
    time order, and its latest entries are looked at back to ECHO_MS before)."""
    moment = _moment(entry)
    for other in reversed(kept):
        if int(other.at.timestamp() * 1000) < ms - ECHO_MS:
            return False
        if _moment(other) == moment:
            return True
    return False


def stage_history_import(
    log_dir: Path,
    plan: HistoryImport,
    staged: StagedFiles,
    notes: list[str],
    progress: Callable[[float], None] | None = None,
) -> None:
    """Write the month files an import changes to temporary files (see StagedFiles).

    A month that is appended to keeps its bytes as they are (comments, formatting) and
    gets the new blocks after them; a month the new entries go into the middle of is
    rewritten in the merged order. What the user should hear of is added to `notes` as it
    happens; `progress` the share of the months written.
    """
    total, done = len(plan.appended) + len(plan.rewritten), 0
    for name, new in sorted(plan.appended.items()):
        path = log_dir / name
        head = LOG_HEADER
        if path.exists():
            if repair_tail(path) is not None:  # a cut-off entry: set aside, as at a start
                notes.append(f"{path}: a cut-off last entry was moved to .partial")
            head = path.read_bytes() or LOG_HEADER
        staged.stage(path, head + entries_to_toml(new))
        done += 1
        if progress is not None:
            progress(done / total)
    for name in sorted(plan.rewritten):
        blocks = entries_to_toml(plan.months[name])
        staged.stage(log_dir / name, LOG_HEADER + blocks)
        done += 1
        if progress is not None:
            progress(done / total)
