"""Reading the whole review log fast: a derived, disposable cache of it for the statistics.

Parsing 100,000 `[[review]]` blocks of TOML takes over a second and replaying them through the
scheduler far longer, while the statistics need a few numbers per grade. So each month file gets a
JSON copy of those numbers in `cache/history/<month>.json`, keyed by the file's size and mtime, the
profile (the replay depends on it) and the months before it (a change there changes every later
month). `cache/history/tail.json` holds the replayed schedule at the end of the newest month and,
for each of that month's entries, the card's state before it: blocks appended since are replayed
from there, and blocks an undo cut off are rolled back. The TOML log stays the truth: whatever is
missing, stale or unreadable here is rebuilt from it, and the cache can be deleted at any time.

A synced folder with several computers' logs (storage/device.py) is one history merged from
them, which months of one file cannot follow: its grades are kept whole in `union.bin`, and
`union-tail.json` says where each device's log ends in it (with the replayed schedule there) and
records the union's latest entries with each card's state before them: entries synced in among
them or cut off by an undo are handled by rolling back to where the change goes and replaying
from there; a change further back is replayed in full.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import struct
import sys
from array import array
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

from flashprep.core.files.fileio import atomic_write, stat_stamp
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.scheduling.codecs import from_list, to_list
from flashprep.core.scheduling.scheduler import CardState
from flashprep.core.stats.history import (
    KINDS,
    Cancelled,
    History,
    JoinedHistory,
    LazyHistory,
    Step,
    replay,
)
from flashprep.core.stats.splitreplay import replay_split, splits
from flashprep.core.storage.logread import (
    LogBlocks,
    device_logs,
    merge_devices,
    read_log_blocks,
)
from flashprep.core.storage.logtail import entry_ends_at
from flashprep.core.storage.replay import Schedule
from flashprep.core.storage.reviewlog import LOG_FORMAT, LogEntry
from flashprep.core.storage.userstore import UserStore

HISTORY_FORMAT = 2
MAGIC = b"flashprep-history\n"
MAX_UNDO_SEARCH = 1000
"""How many entries back a cut-off (undone) tail is looked for before rebuilding instead."""
_BAD_CACHE = (ValueError, KeyError, TypeError, IndexError, OverflowError, AttributeError)
_COLUMNS = (("ts", "d"), ("card", "i"), ("ms", "i"), ("interval", "d"), ("code", "B"))
"""The month file's columns after its JSON header: name and array type code."""
_UNION = "union"
"""The name of the cache of several devices' merged history (no month file is named so)."""
_UNION_TAIL = "union-tail.json"
UNION_WINDOW = 20_000
"""How many of the union's latest entries can be rolled back without a full replay (an undo;
another computer's entries synced in among them)."""
BATCH = 200_000
"""A whole replay split between processes reads and replays at least this many entries at a
time (each batch forks anew: fewer cost more; more hold more entries at once)."""
LOG_BYTES_PER_ENTRY = 120
"""About the size of a block of the log (an estimate of how many entries it holds)."""
_RANDOM_ID = re.compile(r"^[0-9a-z]{1,13}-[0-9a-f]{6}$")
"""An id `new_entry_id` made (see UserStore: derived ids may be in two devices' logs)."""
_CODES = [(rating, kind, new) for new in (False, True) for kind in KINDS for rating in (1, 2, 3, 4)]
"""(rating, kind, new) by the one-byte code stored for each grade."""
_CODE_OF = {combo: code for code, combo in enumerate(_CODES)}
_RATING_OF, _KIND_OF, _NEW_OF = (tuple(column) for column in zip(*_CODES, strict=True))
_VALID_CODES = bytes(range(len(_CODES)))


@dataclass
class _Month:
    """The grades of one month file, read up to byte `end` (the last entry's id is `last`)."""

    name: str
    prev: str
    stamp: list[int]
    end: int
    last: str
    history: History
    encoded: bytes | None = None
    """Its cache file's bytes, once made (a month replayed whole is kept packed in them)."""

    @property
    def key(self) -> str:
        """Identifies this month's content and every month before it."""
        text = f"{self.prev}|{self.name}:{self.end}:{self.last}"
        return hashlib.sha1(text.encode()).hexdigest()


@dataclass
class _Tail:
    """The replayed schedule at the end of the newest month, kept encoded (to_list lists)
    and decoded only for the cards that new entries touch."""

    name: str
    prev: str
    end: int
    last: str
    cards: dict[str, list[Any]]
    records: list[list[Any]] | None
    """Per entry of the month: [block start, id, card, state before (encoded) or None, graded];
    None when the month's blocks could not be told apart (then an undo means a rebuild)."""

    def matches(self, month: _Month) -> bool:
        return (self.name, self.prev, self.end, self.last) == (
            month.name,
            month.prev,
            month.end,
            month.last,
        )


class _UnionTail(NamedTuple):
    """Where the cached union of several devices' logs ends: each device's end [file, offset,
    last id], every month file's stamp, the replayed schedule (to_list), and the records of
    the union's latest entries (at most UNION_WINDOW), oldest first: [time, device, file,
    start, end, id, card, state before (to_list) or None, graded] (what a roll back needs)."""

    key: str
    ends: dict[str, list[Any]]
    stamps: dict[str, dict[str, list[int]]]
    cards: dict[str, list[Any]]
    records: list[list[Any]]
    before: float
    """The latest time of any entry before the records (a new entry must come after it)."""
    whole: bool
    """Whether the records go back to the union's first entry."""


@dataclass
class _Pending:
    months: list[_Month] = field(default_factory=list)
    tail: _Tail | None = None
    union: _UnionTail | None = None


class HistoryReader:
    """Reads every grade of a user's log, through the cache, for the statistics.

    `load()` reads; `save()` then writes what the cache lacked (after the caller has shown the
    result: the cache is only there to make the next read fast)."""

    def __init__(
        self,
        store: UserStore,
        cancelled: Callable[[], bool] | None = None,
        progress: Callable[[float], None] | None = None,
        shared: SharedReplay | None = None,
    ) -> None:
        self.store = store
        self.cancelled = cancelled
        self.progress = progress
        """Told the share done (0 to 1) while the whole log is read and replayed: only then is
        a read slow enough to show (seconds for a million grades)."""
        self.folder = store.paths.cache_history
        self.profile = replay_key(store)
        self.rebuilt = False
        """Whether the last load had to replay the whole log (for benchmarks and tests)."""
        self.marks: dict[str, int] = {}
        """Marks of what the last load read: each names a beginning of the history (its content,
        as the cache knows it: month keys and file stamps), with how many grades it holds. A
        figure of the grades kept by such a mark (stats.modelfit's calibration) is still true
        when a later load gives the same mark, and needs only the grades after it."""
        self.stable: tuple[str, int] | None = None
        """The latest of `marks` that a next load will give again unless the log changed there
        (the newest month grows with each grade: the mark before it)."""
        self._pending = _Pending()
        self._kept_whole = True
        self.filled = False
        """Whether the last load_written replayed the log onto the schedule it was given."""
        self.shared = shared
        """The replay the store's opening shared with this reader (see SharedReplay)."""

    # the public entry points

    def load(self) -> History:
        """Every grade in the log, oldest first (mock-interview grades left out)."""
        self.rebuilt = False
        self.marks, self.stable = {}, None
        self._pending = _Pending()
        logs = device_logs(self.store.paths.reviews)
        taken = self.shared.take(self, logs) if self.shared is not None else None
        if taken is not None:
            return taken
        if len(logs) > 1:
            return self._load_union(logs)
        files = next(iter(logs.values()), [])
        months: list[_Month] = []
        prev = ""
        for index, path in enumerate(files):
            self._check()
            cached = self._read_month(path.name, prev)
            stamp = stat_stamp(path.stat())
            if cached is not None and cached.stamp == stamp:
                months.append(cached)
                prev = cached.key
                continue
            month = None
            if index == len(files) - 1:
                month = self._catch_up(path, prev, cached, months[-1] if months else None)
            if month is None:
                return self._rebuild(files)
            months.append(month)
        self._mark_months(months)
        return JoinedHistory(month.history for month in months)  # columns made when asked

    def _mark_months(self, months: list[_Month]) -> None:
        """Mark the end of each month read (see `marks`): its key and every stamp up to it."""
        mark, count = "", 0
        marked: list[tuple[str, int]] = []
        for month in months:
            count += len(month.history)
            text = f"{mark}|{month.key}|{month.stamp}"
            mark = hashlib.sha1(text.encode()).hexdigest()
            marked.append((mark, count))
        self.marks = dict(marked)
        self.stable = marked[-2] if len(marked) > 1 else None

    def _load_union(self, logs: dict[str, list[Path]]) -> History:
        """Every grade of several devices' logs as one history: `union.bin` brought up to date
        (its latest entries rolled back as far as an undo or entries synced in among them
        need, and replayed from there with the new ones), else replayed in full."""
        tail = self._read_union_tail()
        if tail is not None:
            cached = self._read_month(_UNION, tail.key)
            if cached is not None:
                size = len(cached.history)
                history = self._update_union(logs, tail, cached.history)
                if history is not None:
                    if len(history) >= size and self._kept_whole:
                        self.marks[_union_mark(tail.key, tail.stamps)] = size
                    return history
        self.marks, self.stable = {}, None
        self.rebuilt = True
        start = _UnionTail("", {}, {}, {}, [], 0.0, True)
        return self._replay_union(logs, dict.fromkeys(logs), start, History(), Schedule())

    def _read_from(self, files: list[Path], end: list[Any] | None) -> list[tuple[Path, LogBlocks]]:
        """A device's files read from [file, offset] (whole without one)."""
        out: list[tuple[Path, LogBlocks]] = []
        for path in files:
            self._check()
            offset = 0
            if end is not None:
                if path.name < end[0]:
                    continue
                if path.name == end[0]:
                    offset = end[1]
            out.append((path, read_log_blocks(path, offset)))
        return out

    def _update_union(
        self, logs: dict[str, list[Path]], tail: _UnionTail, history: History
    ) -> History | None:
        """The cached union brought up to date, or None when only a full replay can: a device
        gone, an earlier month changed, a cut or new entries that go before the records kept,
        a derived id (it may be in two devices' logs: only a full replay drops the second)."""
        self._kept_whole = True
        records = tail.records
        if set(tail.ends) - set(logs):
            return None
        cut = len(records)
        start_at: dict[str, list[Any] | None] = {}  # where each device's new entries start
        for device, files in logs.items():
            end = tail.ends.get(device)
            start_at[device] = end
            if end is None:
                continue  # a device new to the cache: its whole log is read
            earlier = {p.name: stat_stamp(p.stat()) for p in files if p.name < end[0]}
            recorded = tail.stamps.get(device, {})
            if earlier != {n: stamp for n, stamp in recorded.items() if n < end[0]}:
                return None  # an earlier month changed (an import, a restored copy)
            folder = files[0].parent
            if entry_ends_at(folder / end[0], end[1], end[2]):
                continue
            mine = [i for i, r in enumerate(records) if r[1] == device]
            kept = next(
                (
                    i
                    for i in reversed(mine)
                    if entry_ends_at(folder / records[i][2], *records[i][4:6])
                ),
                None,
            )
            removed = [i for i in mine if kept is None or i > kept]
            if not removed or (kept is None and not tail.whole):
                return None  # cut back further than the records kept, or replaced
            cut = min(cut, removed[0])
            first = records[removed[0]]
            start_at[device] = [first[2], first[3]]
        new = {d: self._read_from(files, start_at[d]) for d, files in logs.items()}
        fresh = [e for parts in new.values() for _, blocks in parts for e in blocks.entries]
        if fresh:
            t0 = min(e.at.timestamp() for e in fresh)
            if not t0 > tail.before:
                return None  # goes before the records kept
            cut = min(cut, next((i for i, r in enumerate(records) if r[0] >= t0), cut))
        again = records[cut:]
        if not all(_RANDOM_ID.match(e.id) for e in fresh) or not all(
            _RANDOM_ID.match(r[5]) for r in again
        ):
            return None
        cards = dict(tail.cards)
        for r in reversed(again):
            if r[7] is None:
                cards.pop(r[6], None)
            else:
                cards[r[6]] = r[7]
        if again:  # rolled back: their grades go (a history left as it is stays packed)
            history.truncate(len(history) - sum(r[8] for r in again))
        self._kept_whole = not again
        pointers: dict[str, list[Any] | None] = {}
        for device in logs:
            first_again = next((r for r in again if r[1] == device), None)
            pointers[device] = start_at[device] if first_again is None else first_again[2:4]
        rolled = _UnionTail(
            tail.key, tail.ends, tail.stamps, cards, records[:cut], tail.before, tail.whole
        )
        ends = {d: e for d, e in tail.ends.items() if not any(r[1] == d for r in again)}
        for device in {r[1] for r in again}:  # its last entry kept, if it is among the records
            last = next((r for r in reversed(rolled.records) if r[1] == device), None)
            if last is not None:
                ends[device] = [last[2], last[4], last[5]]
            elif not tail.whole:
                return None
        read = {d: self._read_from(files, pointers[d]) for d, files in logs.items()}
        touched = {e.card for parts in read.values() for _, blocks in parts for e in blocks.entries}
        replayed = Schedule(states={k: from_list(cards[k]) for k in touched if k in cards})
        return self._replay_union(logs, read, rolled._replace(ends=ends), history, replayed)

    def _replay_union(
        self,
        logs: dict[str, list[Path]],
        read: Mapping[str, list[tuple[Path, LogBlocks]] | None],
        tail: _UnionTail,
        history: History,
        replayed: Schedule,
    ) -> History:
        """Replay the entries read (whole logs for None: reported as progress) onto
        `replayed`, add their grades to `history`, and keep both, the records of the latest
        entries and each device's end for the next load."""
        parts: dict[str, list[tuple[Path, LogBlocks]]] = {}
        sizes = {d: sum(_size(p) for p in files) for d, files in logs.items()}
        total, done = max(1, sum(sizes.values())), 0
        for device, files in logs.items():
            given = read.get(device)
            parts[device] = given if given is not None else self._read_from(files, None)
            done += sizes[device]
            if given is None:
                self._report(done / total / 2)  # reading is about half the work
        blocks_known = all(
            len(blocks.starts) == len(blocks.entries)
            for device_parts in parts.values()
            for _, blocks in device_parts
        )
        entries = {d: [e for _, b in p for e in b.entries] for d, p in parts.items()}
        merged = list(merge_devices(entries))
        skip = max(0, len(merged) - UNION_WINDOW) if blocks_known else len(merged)
        recorded = {id(entry) for entry in merged[skip:]}
        where: dict[int, tuple[str, str, int, int]] = {}  # the block of each entry recorded
        for device, device_parts in parts.items():
            for path, blocks in device_parts if recorded else ():
                stops = [*blocks.starts[1:], blocks.end] if blocks.starts else []
                for entry, begin, stop in zip(blocks.entries, blocks.starts, stops, strict=True):
                    if id(entry) in recorded:
                        where[id(entry)] = (device, path.name, begin, stop)
        steps: list[Step] = []  # only for the entries that stay in the records
        store = self.store
        (replayed_history,) = replay_split(
            [merged],
            store.scheduler,
            replayed,
            store.rollover,
            store.tz,
            steps,
            skip,
            self.cancelled,
            partial(self._report_within, 0.5, 1.0) if self.rebuilt else None,
        )
        if len(replayed_history):  # nothing new: a cached history stays packed
            history.extend(replayed_history)
        cards = dict(tail.cards)
        cards.update({k: to_list(v) for k, v in replayed.states.items()})
        records = list(tail.records) if blocks_known else []
        dropped = [max((e.at.timestamp() for e in merged[:skip]), default=tail.before)]
        if not blocks_known:
            dropped += [r[0] for r in tail.records]
        for entry, s in zip(merged[skip:], steps, strict=True):
            device, name, begin, end = where[id(entry)]
            at = entry.at.timestamp()
            records.append(
                [at, device, name, begin, end, entry.id, s.card, _encode(s.before), int(s.graded)]
            )
        overflow = len(records) - UNION_WINDOW
        if overflow > 0:
            dropped += [r[0] for r in records[:overflow]]
            records = records[overflow:]
        whole = tail.whole and not skip and overflow <= 0 and (blocks_known or not tail.records)
        before_top = max(tail.before, *dropped)
        ends = dict(tail.ends)
        for device, device_parts in parts.items():
            for path, blocks in device_parts:
                if blocks.entries:
                    ends[device] = [path.name, blocks.end, blocks.entries[-1].id]
        stamps = {d: {p.name: stat_stamp(p.stat()) for p in files} for d, files in logs.items()}
        key = hashlib.sha1(json.dumps([self.profile, ends, len(history)]).encode()).hexdigest()
        self.stable = (_union_mark(key, stamps), len(history))
        if merged or key != tail.key:
            self._pending.months.append(_Month(_UNION, key, [0, 0], 0, "", history))
            self._pending.union = _UnionTail(key, ends, stamps, cards, records, before_top, whole)
        return history

    def _read_union_tail(self) -> _UnionTail | None:
        try:
            doc = json.loads((self.folder / _UNION_TAIL).read_bytes())
            if doc["v"] != HISTORY_FORMAT or doc["profile"] != self.profile:
                return None
            tail = _UnionTail(
                doc["key"],
                doc["ends"],
                doc["stamps"],
                doc["cards"],
                doc["records"],
                float(doc["before"]),
                bool(doc["whole"]),
            )
            if not all(isinstance(part, dict) for part in tail[1:4]):
                return None
            if not isinstance(tail.records, list) or not all(
                isinstance(r, list) and len(r) == 9 for r in tail.records
            ):
                return None
            return tail
        except (OSError, *_BAD_CACHE):
            return None

    def load_written(
        self,
        months: Mapping[str, list[LogEntry]],
        replayed: Schedule | None = None,
        split_from: int | None = None,
    ) -> History:
        """Every grade, as `load` gives it, from the entries of each month file of a log that
        was just written whole (an import): no month but the newest is parsed again, so that
        the history is cached without a second read of the log (`save()` writes it).

        `replayed`, a new Schedule, is filled by the replay when the log is this computer's
        alone (True is returned then in `self.filled`): the store takes its schedule from it
        instead of replaying the log a second time (UserStore.finish_import). `split_from`:
        the replay is split between processes from this many entries (see replay_split's
        `least`)."""
        self.marks, self.stable = {}, None
        self._pending = _Pending()
        self.filled = False
        logs = device_logs(self.store.paths.reviews)
        files = next(iter(logs.values()), [])
        if len(logs) != 1 or sorted(p.name for p in files) != sorted(months):
            return self.load()  # another computer's log too: the union, as a load reads it
        history = self._rebuild(files, months, replayed, split_from)
        self.filled = replayed is not None
        return history

    def save(self) -> None:
        """Write the month files (and tail) the last load built; failing to is no error."""
        pending, self._pending = self._pending, _Pending()
        with contextlib.suppress(OSError):
            for month in pending.months:
                data = month.encoded or self._encode_month(month)
                atomic_write(self._month_path(month.name), data, durable=False)
            if pending.tail is not None:
                atomic_write(
                    self.folder / "tail.json", self._encode_tail(pending.tail), durable=False
                )
            if pending.union is not None:
                doc = {"v": HISTORY_FORMAT, "profile": self.profile, **pending.union._asdict()}
                data = json.dumps(doc, separators=(",", ":")).encode()
                atomic_write(self.folder / _UNION_TAIL, data, durable=False)

    def _check(self) -> None:
        if self.cancelled is not None and self.cancelled():
            raise Cancelled

    def _report(self, done: float) -> None:
        if self.progress is not None:
            self.progress(done)

    def _report_within(self, start: float, end: float, done: float) -> None:
        """Report `done` of a step that goes from `start` to `end` of the whole."""
        self._report(min(end, start + done * (end - start)))

    # bringing the newest month up to date from the tail

    def _catch_up(
        self, path: Path, prev: str, cached: _Month | None, before: _Month | None
    ) -> _Month | None:
        """The newest month, from the tail: extended, cut back, or started; None if it can't."""
        tail = self._read_tail()
        if tail is None:
            return None
        if cached is not None and tail.matches(cached):
            history = cached.history
            records = tail.records
            boundary = self._common_end(path, cached, records)
            if boundary is None:
                return None
            keep, offset, last = boundary
            if records is not None and keep < len(records):
                cut = records[keep:]
                for _start, _id, card, state, _graded in reversed(cut):
                    if state is None:
                        tail.cards.pop(card, None)
                    else:
                        tail.cards[card] = state
                graded = sum(1 for r in cut if r[4])
                history.truncate(len(history) - graded)
                records = records[:keep]
        elif cached is None and before is not None and tail.matches(before):
            history, records, offset, last = History(), [], 0, ""
        else:
            return None
        blocks = read_log_blocks(path, offset)
        touched = {e.card for e in blocks.entries}
        replayed = Schedule(
            states={k: from_list(tail.cards[k]) for k in touched if k in tail.cards}
        )
        steps: list[Step] = []
        history.extend(self._replay(blocks.entries, replayed, steps))
        for key in touched:
            if key in replayed.states:
                tail.cards[key] = to_list(replayed.states[key])
        if records is not None and blocks.starts:
            records += _records(blocks.starts, blocks.entries, steps)
        elif blocks.entries:
            records = None
        if blocks.entries:
            last = blocks.entries[-1].id
        stamp = self._stamp_for(path, blocks.end)
        month = _Month(path.name, prev, stamp, blocks.end, last, history)
        self._pending.months.append(month)
        self._pending.tail = _Tail(path.name, prev, blocks.end, last, tail.cards, records)
        return month

    def _replay(
        self, entries: list[LogEntry], replayed: Schedule, steps: list[Step] | None
    ) -> History:
        """Replay entries onto `replayed` (the schedule's own path), as history columns."""
        store = self.store
        return History.of(
            replay(
                entries, store.scheduler, replayed, store.rollover, store.tz, steps, self.cancelled
            )
        )

    def _common_end(
        self, path: Path, cached: _Month, records: list[list[Any]] | None
    ) -> tuple[int, int, str] | None:
        """How much of the cached month is still in the file (an undo may have cut its end):
        (entries kept, byte offset after them, id of the last one kept), or None."""
        size = path.stat().st_size
        if cached.end <= size and (not cached.last or entry_ends_at(path, cached.end, cached.last)):
            return (len(records) if records is not None else 0), cached.end, cached.last
        if not records:
            return None
        for keep in range(len(records) - 1, max(-1, len(records) - MAX_UNDO_SEARCH - 1), -1):
            start = records[keep][0]
            last = records[keep - 1][1] if keep else ""
            if start <= size and (not last or entry_ends_at(path, start, last)):
                return keep, start, last
        return None

    # replaying everything

    def _rebuild(
        self,
        files: list[Path],
        given: Mapping[str, list[LogEntry]] | None = None,
        replayed: Schedule | None = None,
        split_from: int | None = None,
    ) -> History:
        """Parse and replay the whole log; the whole cache is written afresh by save().

        `given`: each month file's entries, already in hand (an import has just written them
        so): only the newest month is read, for where each of its blocks starts. `replayed`:
        the schedule to replay onto (a new one without it); `split_from`: see load_written."""
        self.rebuilt = True
        self._pending = _Pending()
        months: list[_Month] = []
        replayed = Schedule() if replayed is None else replayed
        sizes = [_size(path) for path in files]
        total, done = max(1, sum(sizes)), 0
        store = self.store
        prev = ""
        # Months are replayed a batch at a time when the replay is split, else one by one
        # (only one month's entries held at once).
        count = total // LOG_BYTES_PER_ENTRY if given is None else sum(map(len, given.values()))
        least = BATCH if splits(count, split_from) else 1
        batches = self._batches(files, given, least)
        upcoming: list[tuple[int, list[tuple[Path, LogBlocks]]] | None] = []
        unpacked: list[_Month] = []  # a long log's months replayed, not yet packed (_pack)

        def read_on() -> None:
            upcoming.append(next(batches, None))
            while unpacked:
                self._pack(unpacked.pop())

        ahead = next(batches, None)
        while ahead is not None:
            index, batch = ahead
            newest = index == len(files) - 1
            # A batch of months replayed (split between processes when long): not the whole
            # log at once, whose million entries would all be held together. While a child
            # replays most of it, this process reads the next batch.
            upcoming.clear()
            after = done + sum(sizes[index + 1 - len(batch) : index + 1])
            steps: list[Step] = []
            histories = replay_split(
                [blocks.entries for _, blocks in batch],
                store.scheduler,
                replayed,
                store.rollover,
                store.tz,
                steps if newest else None,
                sum(len(blocks.entries) for _, blocks in batch[:-1]),  # the newest month's
                self.cancelled,
                partial(self._report_within, done / total, after / total),
                # from `split_from` entries, or as long as the first batch (also split)
                least=split_from if split_from is not None or least == 1 else least // 4,
                meanwhile=None if newest or least == 1 else read_on,
            )
            ahead = upcoming[0] if upcoming else next(batches, None)
            done = after
            for (month_path, blocks), history in zip(batch, histories, strict=True):
                last = blocks.entries[-1].id if blocks.entries else ""
                stamp = self._stamp_for(month_path, blocks.end)
                month = _Month(month_path.name, prev, stamp, blocks.end, last, history)
                self._pending.months.append(month)
                months.append(month)
                if least > 1:  # a long log: packed while the next batch is replayed
                    unpacked.append(month)
                prev = month.key
            if newest:
                path, blocks = batch[-1]
                records = None
                if blocks.starts or not blocks.entries:
                    records = _records(blocks.starts, blocks.entries, steps)
                cards = {k: to_list(v) for k, v in replayed.states.items()}
                month = months[-1]
                tail = _Tail(path.name, month.prev, blocks.end, month.last, cards, records)
                self._pending.tail = tail
        while unpacked:
            self._pack(unpacked.pop())
        self._report(1.0)
        self._mark_months(months)
        return JoinedHistory(month.history for month in months)  # as a load from the cache

    def _batches(
        self, files: list[Path], given: Mapping[str, list[LogEntry]] | None, least: int
    ) -> Iterator[tuple[int, list[tuple[Path, LogBlocks]]]]:
        """The months read, in batches of at least `least` entries (the newest month ends the
        last one): each with the index of its last file. `given`: see _rebuild. The first
        batch is a quarter as long: nothing else runs while it is read (the next ones are read
        while a child replays; see _rebuild)."""
        batch: list[tuple[Path, LogBlocks]] = []
        least, most = max(1, least // 4), least
        for index, path in enumerate(files):
            self._check()
            newest = index == len(files) - 1
            if given is not None and not newest:
                batch.append((path, LogBlocks(given[path.name], [], _size(path))))
            else:
                batch.append((path, read_log_blocks(path)))
            if newest or sum(len(b.entries) for _, b in batch) >= least:
                yield index, batch
                batch = []
                least = most

    @staticmethod
    def _stamp_for(path: Path, end: int) -> list[int]:
        """The file's stamp, if it still ends where we stopped reading (else one that never
        matches, so the next load reads on from `end`)."""
        stamp = stat_stamp(path.stat())
        return stamp if stamp[0] == end else [end, -1]

    # the cache files

    def _month_path(self, name: str) -> Path:
        return self.folder / (name.removesuffix(".toml") + ".bin")

    def _encode_month(self, month: _Month) -> bytes:
        """A JSON header line, then the month's grades as binary columns (quick to load)."""
        index: dict[str, int] = {}
        h = month.history
        combos = zip(h.rating, h.kind, map(bool, h.new), strict=True)
        columns: dict[str, array[Any]] = {
            "ts": array("d", h.ts),
            "card": array("i", [index.setdefault(card, len(index)) for card in h.card]),
            "ms": array("i", h.ms),
            "interval": array("d", h.interval),
            "code": array("B", map(_CODE_OF.__getitem__, combos)),
        }
        header = {
            "v": HISTORY_FORMAT,
            "profile": self.profile,
            "order": sys.byteorder,
            "sizes": [array(t).itemsize for _, t in _COLUMNS],
            "name": month.name,
            "prev": month.prev,
            "stamp": month.stamp,
            "end": month.end,
            "last": month.last,
            "n": len(h),
            "cards": list(index),
        }
        head = json.dumps(header, separators=(",", ":")).encode()
        body = b"".join(columns[name].tobytes() for name, _ in _COLUMNS)
        return MAGIC + struct.pack("<I", len(head)) + head + body

    def _read_month(self, name: str, prev: str) -> _Month | None:
        try:
            raw = self._month_path(name).read_bytes()
            if not raw.startswith(MAGIC):
                return None
            header, head, body = _unpack(raw)
            if (header["v"], header["profile"], header["order"]) != (
                HISTORY_FORMAT,
                self.profile,
                sys.byteorder,
            ):
                return None
            if header["sizes"] != [array(t).itemsize for _, t in _COLUMNS]:
                return None
            if header["name"] != name or header["prev"] != prev:
                return None
            return _decode_month(header, head, body)
        except (OSError, struct.error, *_BAD_CACHE):
            return None

    def _pack(self, month: _Month) -> None:
        """Encode a month just replayed (save() writes these bytes) and keep its grades packed
        in them, as a load from the cache keeps them: a third of the memory of its columns."""
        raw = self._encode_month(month)
        month.encoded = raw
        month.history = _decode_month(*_unpack(raw)).history

    def _encode_tail(self, tail: _Tail) -> bytes:
        doc = {
            "v": HISTORY_FORMAT,
            "profile": self.profile,
            "month": [tail.name, tail.prev, tail.end, tail.last],
            "cards": tail.cards,
            "records": tail.records,
        }
        return json.dumps(doc, separators=(",", ":")).encode()

    def _read_tail(self) -> _Tail | None:
        try:
            doc = json.loads((self.folder / "tail.json").read_bytes())
            if doc["v"] != HISTORY_FORMAT or doc["profile"] != self.profile:
                return None
            name, prev, end, last = doc["month"]
            cards, records = doc["cards"], doc["records"]
            if not isinstance(cards, dict) or not isinstance(records, list | None):
                return None
            return _Tail(name, prev, end, last, cards, records)
        except (OSError, *_BAD_CACHE):
            return None


class SharedReplay:
    """One replay of the whole log for both the schedule and the statistics.

    Without a checkpoint (`state.toml`) and without a history cache, opening the store and
    reading the history each replayed the whole log: seconds for a million grades. Given to
    the store as its `full_replay`, this replays the log the history's way while the store
    opens (the grades kept, each with the card's state before it), and a HistoryReader given it
    then takes those grades instead of replaying again. When the cache of the oldest month is
    there (a cache to read on from) it leaves the replay to the store."""

    def __init__(self, progress: Callable[[float], None] | None = None) -> None:
        self.progress = progress
        self._done: tuple[HistoryReader, History] | None = None

    def __call__(
        self, store: UserStore, read: list[tuple[Path, list[LogEntry], int]]
    ) -> Schedule | None:
        files = [path for path, _, _ in read]
        reader = HistoryReader(store, progress=self.progress)
        oldest = reader._read_month(files[0].name, "") if files else None
        if oldest is not None and oldest.stamp == stat_stamp(files[0].stat()):
            return None  # the cache is there: the reader reads on from it (or replays alone)
        if any(stop != _size(path) for path, _, stop in read):
            return None  # an incomplete last block: the store's own reading decides
        replayed = Schedule()
        history = reader._rebuild(files, {path.name: part for path, part, _ in read}, replayed)
        tail = reader._pending.tail
        _, entries, end = read[-1]
        if tail is None or tail.end != end or tail.last != (entries[-1].id if entries else ""):
            return None  # the newest month changed since the store read it
        self._done = (reader, history)
        return replayed

    def save_history(self, store: UserStore) -> bool:
        """Write the history cache from the replay done while `store` opened, if there was
        one (the statistics screen then reads it instead of replaying the log again), and let
        it go; whether it was written."""
        reader = HistoryReader(store)
        if self.take(reader, device_logs(store.paths.reviews)) is None:
            return False
        reader.save()
        return True

    def take(self, reader: HistoryReader, logs: dict[str, list[Path]]) -> History | None:
        """The history replayed while the store opened, once, if the log is still as it was
        read then and `reader` is the same kind of reader (its profile); else None."""
        done, self._done = self._done, None
        if done is None:
            return None
        mine, history = done
        files = next(iter(logs.values()), [])
        months = mine._pending.months
        if (
            len(logs) != 1
            or mine.profile != reader.profile
            or [path.name for path in files] != [month.name for month in months]
            or any(stat_stamp(p.stat()) != m.stamp for p, m in zip(files, months, strict=True))
        ):
            return None
        reader.rebuilt = True
        reader._pending, reader.marks, reader.stable = mine._pending, mine.marks, mine.stable
        return history


def replay_key(store: UserStore) -> str:
    """Identifies what the replay depends on: these formats, the scheduler's settings, the
    rollover hour and the time zone (from the plain settings: no profile validation)."""
    s = store.settings
    what = [
        HISTORY_FORMAT,
        LOG_FORMAT,
        s.scheduler_settings()._asdict(),
        s.rollover_hour,
        s.timezone,
    ]
    return hashlib.sha1(json.dumps(what).encode()).hexdigest()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _union_mark(key: str, stamps: dict[str, dict[str, list[int]]]) -> str:
    """The mark of a union of several devices' logs (see HistoryReader.marks): the union's key
    says where each log ends, the stamps that nothing before was changed."""
    return hashlib.sha1(json.dumps([key, stamps], sort_keys=True).encode()).hexdigest()


def _encode(state: CardState | None) -> list[Any] | None:
    return to_list(state) if state is not None else None


def _records(starts: list[int], entries: list[LogEntry], steps: list[Step]) -> list[list[Any]]:
    """The tail's rollback records for entries just replayed."""
    return [
        [start, e.id, s.card, _encode(s.before), int(s.graded)]
        for start, e, s in zip(starts, entries, steps, strict=True)
    ]


def _unpack(raw: bytes) -> tuple[dict[str, Any], memoryview, memoryview]:
    """A month's cache file (after MAGIC) as its header, the header's JSON and the columns."""
    at = len(MAGIC)
    (length,) = struct.unpack_from("<I", raw, at)
    head = memoryview(raw)[at + 4 : at + 4 + length]
    header = json.loads(bytes(head))
    if not isinstance(header, dict):
        raise TypeError("bad header")
    return header, head, memoryview(raw)[at + 4 + length :]


def _decode_month(header: dict[str, Any], head: memoryview, body: memoryview) -> _Month:
    """A month's cache file checked whole (anything amiss: an error, and the log is read
    again), its grades left in the bytes read, as typed views of its columns: decoded only
    if asked for (`head`, the JSON header, is read again for the card keys then: a million
    grades' months would otherwise hold 400,000 strings)."""
    n = header["n"]
    keys = header["cards"]
    if not isinstance(keys, list):
        raise TypeError("bad cards")
    "".join(keys)  # TypeError unless every one is a string
    columns: dict[str, memoryview] = {}
    at = 0
    for name, code in _COLUMNS:
        size = n * array(code).itemsize
        if at + size > len(body):
            raise ValueError("short column")
        columns[name] = body[at : at + size].cast(code)  # type: ignore[call-overload]
        at += size
    if at != len(body):
        raise ValueError("extra bytes")
    cards, codes = columns["card"], columns["code"]
    if n and (min(cards) < 0 or max(cards) >= len(keys)):
        raise ValueError("bad card index")
    if codes.tobytes().translate(None, _VALID_CODES):
        raise ValueError("bad code")
    history = _PackedMonth(head, columns, n)
    stamp = header["stamp"]
    if not (isinstance(stamp, list) and len(stamp) == 2 and isinstance(header["end"], int)):
        raise ValueError("bad stamp")
    return _Month(header["name"], header["prev"], stamp, header["end"], header["last"], history)


class _PackedMonth(LazyHistory):
    """A month's grades as the cache holds them (a card index and a one-byte code per grade),
    in the bytes read: its columns are made only if asked for, a slice decodes only its grades.
    Once every column is made (or joined elsewhere, `_forget`), the bytes are let go of."""

    def __init__(self, head: memoryview, columns: dict[str, memoryview], size: int) -> None:
        self._head = head
        self._keys: list[str] | None = None
        self._packed = columns
        self._gone: set[str] = set()
        super().__init__(size)

    def _values(self, name: str, start: int, stop: int) -> Any:
        packed = self._packed
        if name in ("ts", "interval"):
            floats = array("d")
            floats.frombytes(packed[name][start:stop].cast("B"))
            return floats
        if name == "ms":
            return array("q", packed["ms"][start:stop])
        if name == "card":
            if self._keys is None:  # checked when read; one string per card, not per month
                self._keys = list(map(sys.intern, json.loads(bytes(self._head))["cards"]))
            return list(map(self._keys.__getitem__, packed["card"][start:stop]))
        table = {"rating": _RATING_OF, "kind": _KIND_OF, "new": _NEW_OF}[name]
        return list(map(table.__getitem__, packed["code"][start:stop]))

    def _forget(self, name: str) -> None:
        """Let go of a packed column once no column is decoded from it again (the codes hold
        three: rating, kind and new)."""
        self._gone.add(name)
        if name == "card":
            self._head, self._keys = memoryview(b""), []
        if name in ("rating", "kind", "new"):
            if not {"rating", "kind", "new"} <= self._gone:
                return
            name = "code"
        self._packed.pop(name, None)


def load_history(store: UserStore, cancelled: Callable[[], bool] | None = None) -> History:
    """Every grade of the user's log, oldest first, read through the cache (and the cache
    brought up to date)."""
    reader = HistoryReader(store, cancelled)
    history = reader.load()
    reader.save()
    return history


def cache_history(
    store: UserStore,
    months: Mapping[str, list[LogEntry]],
    progress: Callable[[float], None] | None = None,
    split_from: int | None = None,
) -> Schedule | None:
    """After an import wrote the log (`months`: each file's entries, as written): cache the
    history now, from the entries in hand, so that the next statistics are not a whole read.
    The import is done by then: a cache that cannot be written is no error.

    Returns the schedule this replay of the log built, for UserStore.finish_import to take
    (one replay, not two), or None when the store must replay the log itself (another
    computer's log is there too; the log could not be read); `progress` hears the share done;
    `split_from`: the replay is split between processes from this many entries (see
    replay_split's `least`)."""
    reader = HistoryReader(store, progress=progress)
    replayed = Schedule()
    try:
        reader.load_written(months, replayed, split_from)
    except (OSError, DataFileError):
        return None
    with contextlib.suppress(OSError):
        reader.save()
    return replayed if reader.filled else None
