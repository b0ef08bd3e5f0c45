"""Replaying a long log on every core: cards split between processes, the result as one replay.

A card's state depends only on its own entries, so the cards can be split in groups (by a
stable hash of the key) and each group's entries replayed apart: this process replays one
group, a child forked from it each other group (it has the entries already: nothing is sent to
it), and sends back its grades' columns, its cards' states and where each card got its first
one. They are put back in log order, so the history, the states (in the same dict order), the
day's counts and the total are what one replay in one process gives (tests/core/stats/
test_split_replay.py compares the bytes). At a million grades a replay takes seconds of Python
per entry; sending a grade back costs a tenth of replaying it.

Below PARALLEL_FROM entries, on one core, where processes cannot be forked (only Linux is
asked to), or when a child fails, stops reporting or cannot start, the replay runs here alone
(a child's part again, here): a failure costs time, never a different result or a hang.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
import time
import warnings
import zlib
from array import array
from collections.abc import Callable, Iterator, Sequence
from datetime import date, tzinfo
from itertools import compress
from multiprocessing.connection import Connection, wait
from operator import attrgetter
from typing import Any, NamedTuple, TypeVar

from flashprep.core.files.forkchild import cores_here, end_child
from flashprep.core.files.forkchild import quiet_child as _quiet_child
from flashprep.core.files.gcpause import gc_paused
from flashprep.core.scheduling.scheduler import CardState, Scheduler
from flashprep.core.stats.history import (
    KINDS,
    Cancelled,
    History,
    Kind,
    Step,
    is_graded,
    replay,
)
from flashprep.core.storage.replay import DayCounts, Schedule
from flashprep.core.storage.reviewlog import LogEntry

_CODES: list[tuple[Kind, bool]] = [(kind, new) for kind in KINDS for new in (False, True)]
"""(kind, new) of a grade by the byte a child sends for it."""
_CODE_OF = {combo: code for code, combo in enumerate(_CODES)}
_KIND_BY_CODE, _NEW_BY_CODE = (tuple(column) for column in zip(*_CODES, strict=True))

_T = TypeVar("_T")

PARALLEL_FROM = 150_000
"""Fewer entries than this are replayed in one process. Forking and merging pay from about
50,000, but a child's memory is counted with its parent's: at 100,000 entries the statistics
screen's peak RSS went from 143 to 171 MiB (a target of 150) to save about 0.3 s."""
MAX_PROCESSES = 2
"""Processes a replay uses at most (this one included)."""
STALL_SECONDS = 120.0
"""A child silent this long (it reports every few thousand entries) is taken as stuck."""
_TICK = 500
"""history.replay asks `cancelled` once per this many entries: a child reports on it."""
_REPORT_EVERY = 10
"""A child reports every this many ticks (5,000 entries)."""
BUSY_SHARE = 0.4
"""The share of the cards this process replays when it has other work to do meanwhile (the
next batch of the log to read: see replay_split's `meanwhile`); the child replays the rest.
Reading a batch costs about a fifth of replaying it (measured at a million entries)."""
_SHARE_STEPS = 1000


class _Part(NamedTuple):
    """What one group's replay gives: of its grades what only the replay knows (the time, as
    the history has it, the scheduled days, the kind and whether new as one _CODES byte: the
    card, rating and answer time are the entry's), its cards' states with the index (in the
    whole list) of the entry that gave each its first state, its day counts and total, and
    (before, graded) of its entries from `steps_from` on."""

    ts: array[float]
    interval: array[float]
    codes: bytes
    states: dict[str, CardState]
    added: list[int]
    counts: DayCounts
    total: int
    steps: list[tuple[CardState | None, bool]]


def processes_here() -> int:
    """How many processes a long replay may use here (1: it runs in this one)."""
    return max(1, min(MAX_PROCESSES, cores_here()))


def splits(entries: int, least: int | None = None) -> bool:
    """Whether a replay of this many entries would be split between processes here (a caller
    that reads the log holds a batch of entries this long at once only then); `least` as
    replay_split takes it."""
    return processes_here() > 1 and entries >= (PARALLEL_FROM if least is None else least)


def group_of(key: str, groups: int, share: float | None = None) -> int:
    """A card's group: the same in every process and every run (str hashes are salted).
    With `share`, group 0 gets about that share of the cards and the other groups the rest
    (else each group an equal share)."""
    code = zlib.crc32(key.encode())
    if share is None or groups < 2:
        return code % groups
    step = code % _SHARE_STEPS
    if step < share * _SHARE_STEPS:
        return 0
    return 1 + step % (groups - 1)


def replay_split(
    parts: Sequence[Sequence[LogEntry]],
    scheduler: Scheduler,
    replayed: Schedule,
    rollover: int,
    tz: tzinfo | None,
    steps: list[Step] | None = None,
    steps_from: int = 0,
    cancelled: Callable[[], bool] | None = None,
    progress: Callable[[float], None] | None = None,
    processes: int | None = None,
    least: int | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> list[History]:
    """Replay `parts` (e.g. month files' entries, in log order) onto `replayed`, as
    history.replay does, and return each part's grades. `steps` gets the Step of every entry
    from index `steps_from` (counted across the parts) on; `progress` the share done.

    `meanwhile`, if given, is called once in this process (whether the replay is split or
    not): while a child replays, when it is (e.g. to read the next part of the log; this
    process then replays only BUSY_SHARE of the cards, the child the rest).

    `processes` (default: processes_here()) and `least` (default PARALLEL_FROM) say when the
    work is split; tests set them to split small logs."""
    once = CallOnce(meanwhile)
    with gc_paused():  # a replay builds no cycles: the collector would only walk (and, in a
        # forked process, copy) every page for nothing
        out = _replay_split(
            parts,
            scheduler,
            replayed,
            rollover,
            tz,
            steps,
            steps_from,
            cancelled,
            progress,
            processes,
            least,
            once,
        )
    once()  # not called yet: the replay ran here alone
    return out


class CallOnce:
    """A callable that calls `call` the first time only (and nothing without one): work to do
    `meanwhile`, done exactly once whichever way the work was split or not."""

    def __init__(self, call: Callable[[], None] | None) -> None:
        self.call = call

    @property
    def busy(self) -> bool:
        """Whether there is a call still to make."""
        return self.call is not None

    def __call__(self) -> None:
        call, self.call = self.call, None
        if call is not None:
            call()


def _replay_split(
    parts: Sequence[Sequence[LogEntry]],
    scheduler: Scheduler,
    replayed: Schedule,
    rollover: int,
    tz: tzinfo | None,
    steps: list[Step] | None,
    steps_from: int,
    cancelled: Callable[[], bool] | None,
    progress: Callable[[float], None] | None,
    processes: int | None,
    least: int | None,
    meanwhile: CallOnce,
) -> list[History]:
    entries: list[LogEntry] = [entry for part in parts for entry in part]
    groups = processes_here() if processes is None else processes
    least = PARALLEL_FROM if least is None else least
    if groups > 1 and len(entries) >= least:
        merged = _split(
            entries,
            scheduler,
            replayed,
            rollover,
            tz,
            groups,
            steps_from,
            cancelled,
            progress,
            meanwhile,
        )
        if merged is not None:
            history, merged_steps, graded = merged
            if steps is not None:
                steps += merged_steps
            _report(progress, 1.0)
            return _cut(history, parts, graded)
    return _alone(parts, scheduler, replayed, rollover, tz, steps, steps_from, cancelled, progress)


def _alone(
    parts: Sequence[Sequence[LogEntry]],
    scheduler: Scheduler,
    replayed: Schedule,
    rollover: int,
    tz: tzinfo | None,
    steps: list[Step] | None,
    steps_from: int,
    cancelled: Callable[[], bool] | None,
    progress: Callable[[float], None] | None,
) -> list[History]:
    """The replay in this process, part by part."""
    out: list[History] = []
    total, done = max(1, sum(map(len, parts))), 0
    for part in parts:
        _report(progress, done / total)
        cut = min(len(part), max(0, steps_from - done))
        history = replay(part[:cut], scheduler, replayed, rollover, tz, None, cancelled)
        if cut < len(part):
            rest = replay(part[cut:], scheduler, replayed, rollover, tz, steps, cancelled)
            history.extend(rest)
        out.append(history)
        done += len(part)
    _report(progress, 1.0)
    return out


def _report(progress: Callable[[float], None] | None, done: float) -> None:
    if progress is not None:
        progress(done)


def _cut(history: History, parts: Sequence[Sequence[LogEntry]], graded: bytes) -> list[History]:
    """The grades of each part, from the grades of all of them (`graded`: 1 for each grade)."""
    if len(parts) == 1:
        return [history]
    out: list[History] = []
    at = start = 0
    for part in parts:
        count = graded.count(1, start, start + len(part))
        out.append(history[at : at + count])
        at += count
        start += len(part)
    return out


def _split(
    entries: list[LogEntry],
    scheduler: Scheduler,
    replayed: Schedule,
    rollover: int,
    tz: tzinfo | None,
    groups: int,
    steps_from: int,
    cancelled: Callable[[], bool] | None,
    progress: Callable[[float], None] | None,
    meanwhile: CallOnce,
) -> tuple[History, list[Step], bytes] | None:
    """Replay the groups in `groups` processes: the history, the Steps from `steps_from`, and
    which entries are grades; None (nothing changed) if the caller must replay alone. With
    work to do `meanwhile` this process keeps a smaller group (BUSY_SHARE)."""
    share = BUSY_SHARE if meanwhile.busy else None
    cards = list(map(_CARD, entries))
    group = {key: group_of(key, groups, share) for key in set(cards)}
    sides = bytes(map(group.__getitem__, cards))
    del cards
    start = replayed.states  # decoded here, before any fork
    shown = _Shown(progress, len(entries), groups)

    def work(side: int, report: Callable[[], None] | None) -> _Part:
        mine = sides.translate(MINE[side])
        where = list(compress(range(len(entries)), mine))
        own = list(compress(entries, mine))
        # Only the states of the cards it replays: the others need not be sent back (their
        # order in `replayed` stays; see _merge).
        cards = set(map(_CARD, own))
        schedule = Schedule(
            states={key: start[key] for key in cards if key in start}, counts=DayCounts(date.min)
        )
        cut = sum(1 for i in where if i < steps_from)
        added: list[int] = []
        kept: list[Step] = []
        if report is None:  # here: reported with the children's reports (see _Shown)
            check = _ticker(lambda done: shown(side, done * _TICK), cancelled)
        else:
            check = _ticker(lambda done: report(), None)
        history = replay(own[:cut], scheduler, schedule, rollover, tz, None, check, added)
        later: list[int] = []
        history.extend(replay(own[cut:], scheduler, schedule, rollover, tz, kept, check, later))
        added += [index + cut for index in later]
        codes = bytes(map(_CODE_OF.__getitem__, zip(history.kind, history.new, strict=True)))
        return _Part(
            _array("d", history.ts),
            _array("d", history.interval),
            codes,
            schedule.states,
            [where[index] for index in added],
            schedule.counts,
            schedule.total,
            [(step.before, step.graded) for step in kept],
        )

    def heard(side: int, ticks: int) -> None:
        shown(side, ticks * _TICK * _REPORT_EVERY)

    results = _run(work, groups, cancelled, heard, meanwhile)
    if results is None:
        return None
    return _merge(entries, sides, results, replayed, steps_from)


class _Shown:
    """The progress shown: the entries each group's replay has reported done, of them all
    (never backwards, though a group replayed here again after its child failed starts over)."""

    def __init__(self, progress: Callable[[float], None] | None, total: int, groups: int) -> None:
        self.progress = progress
        self.total = max(1, total)
        self.counts = [0] * groups
        self.done = 0.0

    def __call__(self, side: int, count: int) -> None:
        self.counts[side] = max(self.counts[side], count)
        done = min(sum(self.counts) / self.total, 0.99)
        if self.progress is not None and done > self.done + 0.005:
            self.done = done
            self.progress(done)


def _ticker(
    report: Callable[[int], None], cancelled: Callable[[], bool] | None
) -> Callable[[], bool]:
    """The `cancelled` a group's replay asks every _TICK entries: it reports how many times it
    was asked, and asks the caller's own `cancelled` (only in this process)."""
    calls = 0

    def tick() -> bool:
        nonlocal calls
        calls += 1
        if calls % _REPORT_EVERY == 0:
            report(calls)
        return cancelled() if cancelled is not None else False

    return tick


def run_groups(
    work: Callable[[int, Callable[[], None] | None], _T],
    groups: int,
    cancelled: Callable[[], bool] | None = None,
    heard: Callable[[int, int], None] | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> list[_T] | None:
    """`work(group, report)` for each group: group 0 here (then `meanwhile`), the others in
    forked children (`report`, not None there, tells this process, which tells `heard` the
    group and how many reports so far); each child's result comes back pickled. A group whose
    child fails or goes silent is worked here; None when a child could not start. Any work
    that is split by card the same way (the calibration too) runs through here."""
    return _run(work, groups, cancelled, heard or _ignore, meanwhile or _nothing)


def _ignore(side: int, reports: int) -> None:
    pass


def _nothing() -> None:
    pass


def _run(
    work: Callable[[int, Callable[[], None] | None], _T],
    groups: int,
    cancelled: Callable[[], bool] | None,
    heard: Callable[[int, int], None],
    meanwhile: Callable[[], None],
) -> list[_T] | None:
    """Group 0 here (then `meanwhile`), the others in forked children; None when a child
    could not start."""
    children: dict[int, tuple[int, Connection]] = {}  # group -> (pid, its pipe's read end)
    try:
        for side in range(1, groups):
            child = _fork(work, side)
            if child is None:
                return None
            children[side] = child
        mine = work(0, None)
        meanwhile()
        results = _collect(children, cancelled, heard)
        if results is None:  # a child failed or stalled: its groups replayed here
            results = {}
        for side in range(1, groups):
            if side not in results:
                results[side] = work(side, None)
        return [mine, *(results[side] for side in range(1, groups))]
    finally:
        _reap(children)


def _fork(
    work: Callable[[int, Callable[[], None] | None], Any], side: int
) -> tuple[int, Connection] | None:
    """Start the child that replays group `side`: (its pid, the pipe it answers on)."""
    with contextlib.suppress(AttributeError, ValueError):  # stdio buffers are the parent's
        sys.stdout.flush()
        sys.stderr.flush()
    try:
        read, write = os.pipe()
    except OSError:
        return None
    try:
        with warnings.catch_warnings():  # 3.12+ warns of forking with threads: see _quiet_child
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return None
    if pid == 0:  # the child: never returns
        code = 1
        try:
            os.close(read)
            _quiet_child()
            pipe = Connection(write, readable=False)
            try:
                part = work(side, lambda: pipe.send_bytes(b"p"))
                pipe.send_bytes(b"r" + pickle.dumps(part, pickle.HIGHEST_PROTOCOL))
                code = 0
            except BaseException as exc:  # told to the parent, which replays the group itself
                with contextlib.suppress(BaseException):
                    pipe.send_bytes(b"e" + repr(exc).encode())
        finally:
            os._exit(code)
    os.close(write)
    return pid, Connection(read, writable=False)


def _collect(
    children: dict[int, tuple[int, Connection]],
    cancelled: Callable[[], bool] | None,
    heard: Callable[[int, int], None],
) -> dict[int, Any] | None:
    """Each child's part, as they finish; None when one fails or goes silent. `heard` is told
    a child's reports so far (its group, how many)."""
    results: dict[int, Any] = {}
    reports = dict.fromkeys(children, 0)
    waiting = {conn: side for side, (_, conn) in children.items()}
    last = time.monotonic()
    while waiting:
        if cancelled is not None and cancelled():
            raise Cancelled
        ready = wait(list(waiting), timeout=0.1)
        if not ready:
            if time.monotonic() - last > STALL_SECONDS:
                return None
            continue
        last = time.monotonic()
        for conn in ready:
            assert isinstance(conn, Connection)
            try:
                message = conn.recv_bytes()
            except (EOFError, OSError):
                return None  # it died without a word
            if message[:1] == b"r":
                try:
                    part = pickle.loads(message[1:])
                except (pickle.UnpicklingError, EOFError, ValueError, TypeError):
                    return None
                results[waiting.pop(conn)] = part
            elif message[:1] == b"p":
                side = waiting[conn]
                reports[side] += 1
                heard(side, reports[side])
            else:
                return None  # "e": it failed (the same failure shows when replayed here)
    return results


def _reap(children: dict[int, tuple[int, Connection]]) -> None:
    """End and wait for every child still there (after its answer, or on any failure)."""
    for pid, conn in children.values():
        conn.close()
        end_child(pid)


def _merge(
    entries: list[LogEntry],
    sides: bytes,
    results: list[_Part],
    replayed: Schedule,
    steps_from: int,
) -> tuple[History, list[Step], bytes]:
    """Put the groups' parts back in log order onto `replayed`, as one replay leaves it."""
    graded = bytes(map(is_graded, entries))
    order = bytes(compress(sides, graded))  # the group of each grade, in log order
    grades = list(compress(entries, graded))
    codes = bytes(_interleave(order, [part.codes for part in results]))
    history = History(
        array("d", _interleave(order, [part.ts for part in results])),
        [entry.card for entry in grades],
        [entry.rating for entry in grades],  # type: ignore[misc]  # a grade has one
        array("q", [entry.ms for entry in grades]),
        list(map(_KIND_BY_CODE.__getitem__, codes)),
        array("d", _interleave(order, [part.interval for part in results])),
        list(map(_NEW_BY_CODE.__getitem__, codes)),
    )
    states = replayed.states
    fresh: list[tuple[int, str]] = []
    for part in results:
        keys = list(part.states)
        fresh += zip(part.added, keys[len(keys) - len(part.added) :], strict=True)
        states.update(part.states)  # a card it had before: updated where it is
    for _, key in sorted(fresh):  # new cards: in the order their first entries came
        states[key] = states.pop(key)
    replayed.total += sum(part.total for part in results)
    days = [replayed.counts, *(part.counts for part in results)]
    day = max(counts.day for counts in days)
    same_day = [counts[1:] for counts in days if counts.day == day]
    replayed.counts = DayCounts(day, *map(sum, zip(*same_day, strict=True)))
    steps: list[Step] = []
    if steps_from < len(entries):
        later = _interleave(sides[steps_from:], [part.steps for part in results])
        for entry, (before, was_graded) in zip(entries[steps_from:], later, strict=True):
            steps.append(Step(entry.card, before, was_graded))
    return history, steps, graded


MINE = [bytes(int(group == side) for group in range(256)) for side in range(256)]
"""sides.translate(MINE[side]): 1 for each item of that group, else 0 (a mask for compress)."""
_CARD = attrgetter("card")


def _array(code: str, column: Any) -> array[Any]:
    return column if isinstance(column, array) else array(code, column)


def _interleave(order: bytes, columns: list[Any]) -> list[Any]:
    """One column in log order from the groups' columns (`order`: the group of each item)."""
    sources: list[Iterator[Any]] = [iter(column) for column in columns]
    return list(map(next, map(sources.__getitem__, order)))
