"""One user's data folder: profile, schedule checkpoint, review log; grades, undo, buries, suspends.

Every action is appended to the log and fsynced before it changes anything in memory, so it is on
disk before the next card is shown. `state.toml` is a checkpoint of the replayed log: on opening,
only the log written after it is replayed, so start-up does not grow with the history; it is
rewritten atomically at the end of a drill and when the tail grows long. A derived binary copy of
the checkpoint (cache/state.bin, storage/statecache.py) spares parsing it when nothing changed.

In a synced data folder each computer appends to its own log (`reviews/<device-id>/`) and the
schedule is the replay of their union (logread.merge_devices). Entries of another computer that
sort after everything replayed are replayed on top; ones that sort before (it drilled earlier
than this one, then synced) change the order, so the union is replayed again (`_load`).
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Callable
from datetime import date, datetime
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from flashprep.core.clock import Clock, day_end, study_day, system_clock
from flashprep.core.files.fileio import (
    PendingTemps,
    StagedFiles,
    atomic_write,
    ensure_dir,
    fsync_dir,
    truncate_durable,
)
from flashprep.core.files.gcpause import gc_paused
from flashprep.core.files.lock import UserLock
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.paths import Home
from flashprep.core.scheduling.scheduler import CardState, Rating, Scheduler
from flashprep.core.storage.backup import backup_due, make_backup
from flashprep.core.storage.cardlog import cards_entries
from flashprep.core.storage.checkpoint import (
    bytes_before,
    cache_dump,
    cache_load,
    checkpoint_stamp,
    checkpoint_to_toml,
    parse_checkpoint,
    valid_position,
    write_cache,
)
from flashprep.core.storage.conflicts import Copy, find_copies, is_log, keep_aside, settle_edit
from flashprep.core.storage.device import device_name, this_device
from flashprep.core.storage.logimport import (
    HistoryImport,
    plan_history_import,
    stage_history_import,
)
from flashprep.core.storage.logread import (
    device_logs,
    entry_key,
    merge_devices,
    read_all,
    read_log,
    read_log_file,
)
from flashprep.core.storage.logwrite import append_entries, append_file, entry_to_toml, ids_in_log
from flashprep.core.storage.migrate import migrate_flat_log
from flashprep.core.storage.profilestore import ProfileStore
from flashprep.core.storage.queuecache import FirstQueues, Kept, Queue
from flashprep.core.storage.recovery import recovery_advice, tidy_after_crash
from flashprep.core.storage.replay import (
    DayCounts,
    LogPosition,
    Schedule,
    Top,
    apply_entry,
    same_end,
)
from flashprep.core.storage.reviewlog import LogEntry, check_entry, new_entry_id
from flashprep.core.storage.usersettings import UserSettings

if TYPE_CHECKING:
    from flashprep.core.storage.profile import Profile

Progress = Callable[[float], None]
"""Told the share done (0.0 - 1.0) of a long step."""
CHECKPOINT_EVERY = 200
"""Rewrite the checkpoint once this many log entries are not yet in it."""
MERGE_CARDS = 300
"""At most this many cards are replayed one by one after a sync (else the whole union)."""
FullReplay = Callable[["UserStore", list[tuple[Path, list[LogEntry], int]]], "Schedule | None"]
"""Replays one device's whole log, read as (file, entries, end of complete data) oldest first,
into a new Schedule's states, counts and total, or returns None to leave it to the store. The
statistics pass one that keeps the grades it replays (stats.historycache.SharedReplay): with
no checkpoint and no history cache, one replay then serves both."""

_OWN_ID = re.compile(r"^[0-9a-z]{1,13}-[0-9a-f]{6}$")
"""An id `new_entry_id` made: unique by its random part. Others (`anki-...`, `apply-...`) are
derived, so the same one may be in two computers' logs, and only a full replay drops it."""


def _read_stamped(path: Path) -> tuple[bytes, list[int]]:
    """A file's bytes and the size and mtime (ns) of the file they were read from."""
    with path.open("rb") as handle:
        status = os.fstat(handle.fileno())
        return handle.read(), [status.st_size, status.st_mtime_ns]


class _Undo(NamedTuple):
    """One entry this session can take back; entries of one `record_many` share a `batch`."""

    key: str
    before: CardState | None
    counts: DayCounts
    position: LogPosition | None
    total: int
    path: Path
    start: int
    end: int
    entry: LogEntry
    batch: int = 0
    """0 for an entry undone alone; else the number shared by every entry of one batch."""


class UserStore:
    """A user's schedule in memory, backed by their files.

    One writer at a time: a process that changes a user's files holds their `UserLock` and
    passes it here. Only then does opening also tidy up after a crash (an incomplete last log
    entry set aside to a .partial file, temporary files removed); without the lock the store
    only reads, and skips an incomplete last entry, which may be another process's append in
    flight.
    """

    def __init__(
        self,
        home: Home,
        user: str,
        clock: Clock = system_clock,
        lock: UserLock | None = None,
        full_replay: FullReplay | None = None,
    ) -> None:
        self.home = home
        self.full_replay = full_replay
        """Asked first to replay the whole log when it has one device (see FullReplay)."""
        self.user = user
        self.clock = clock
        self.lock = lock
        self.paths = home.user(user)
        self.folder = self.paths.folder
        self.profile_path = self.paths.profile
        self.state_path = self.paths.state
        self.notes: list[str] = []
        """Things worth telling the user that are not errors (e.g. a checkpoint rebuilt)."""
        self.device = this_device(home, create=self.writer) or ""
        """This computer's device id ("" for a reader on a computer that never wrote here)."""
        copies = find_copies(home, self.paths) if self.writer else []
        if self.writer:
            self.notes += migrate_flat_log(self.paths, self.device, clock())
            for copy in copies:  # before the files are read: the later edit is what is read
                if not is_log(copy):
                    self.notes.append(settle_edit(copy, self._conflicts_of(copy), clock()))
        self.log_dir = self.paths.device_log(self.device)
        """This computer's own log: the only one it appends to."""
        self.came_in: dict[str, int] = {}
        """Entries of other computers replayed at opening that the checkpoint lacked."""
        self._merged_union = False
        """Whether opening replayed other computers' logs from the start."""
        self.replayed_cards = 0
        """How many cards opening replayed again for entries of other computers that went
        before replayed ones (see `_merge_cards`; 0 when none, or the union was replayed)."""
        self._unordered = False
        """Whether an entry was recorded that sorts before another computer's replayed entries
        (this clock is behind theirs): the live schedule then differs from the union's replay,
        so no checkpoint is written from it; the next start replays the union."""
        self.cache_path = self.paths.cache_state
        self.profile_store = ProfileStore(self.paths)
        self.profile_path = self.profile_store.path
        self.settings_cache_path = self.profile_store.cache_path
        self._use_settings(self.profile_store.load_settings())
        self.data = Schedule()
        self._checkpointed: LogPosition | None = None
        self._tail = 0
        self._undo: list[_Undo] = []
        self._batches = 0
        self._write_lock = threading.Lock()
        self._first_queues: FirstQueues | None = None
        with gc_paused():
            uncached = self._load()
        # Only once everything loaded: a failed open changes nothing.
        if self.profile_store.stale:
            self.profile_store.cache_settings(self.settings)
        if uncached is not None:
            write_cache(self.cache_path, uncached)
        if self.writer:
            self._tidy_after_crash()
            if self.came_in or self._merged_union:
                self._checkpoint_merged()
            self._merge_log_copies([copy for copy in copies if is_log(copy)])

    # loading

    @property
    def profile(self) -> Profile:
        """The validated profile (pydantic, imported only now); start-up reads `settings`."""
        return self.profile_store.profile

    def _use_settings(self, settings: UserSettings) -> None:
        self.settings = settings
        self.tz = settings.tz()
        self.rollover = settings.rollover_hour
        self.scheduler = Scheduler(settings.scheduler_settings())

    @property
    def writer(self) -> bool:
        """Whether this store holds the user's lock (and so may repair and back up files)."""
        return self.lock is not None and self.lock.held

    def pending_temps(self) -> PendingTemps:
        """Where writes outside the data folder (`export -o`) record their temporary files."""
        return PendingTemps(self.cache_path.parent / "pending")

    # opening

    def _conflicts_of(self, copy: Copy) -> Path:
        """Where the losing side of a file goes: the user's `conflicts/`, or the data folder's
        for a deck file."""
        inside = copy.path.is_relative_to(self.folder)
        return self.paths.conflicts if inside else self.home.conflicts

    def _merge_log_copies(self, copies: list[Copy]) -> None:
        """A conflict copy of this computer's log: merge in the entries the log lacks, then keep
        it in `conflicts/`. One of another computer's log is that computer's to merge."""
        for copy in copies:
            if copy.path.parent != self.log_dir or not copy.path.exists():
                self.notes.append(
                    f"{copy.path}: a conflict copy of another computer's review log; "
                    "that computer merges it when flashprep starts there"
                )
                continue
            try:
                entries = read_log_file(copy.path)
            except DataFileError as exc:
                self.notes.append(f"{exc}: the conflict copy is left as it is")
                continue
            added = self.import_entries(entries)
            kept = keep_aside(copy.path, self.paths.conflicts, self.clock())
            self.notes.append(
                f"{copy.original}: a sync tool made a conflict copy of it; {added} entries "
                f"it lacked were merged in, the copy is in {kept}"
            )

    def _tidy_after_crash(self) -> None:
        self.notes += tidy_after_crash(self.paths, self.device)

    def _recovery(self, rel: str) -> str:
        return recovery_advice(self.folder, rel)

    def _load(self) -> bytes | None:
        """Load the checkpoint and replay the log after it. Returns cache/state.bin's new
        contents when the cache did not match a checkpoint still in use (the caller writes them
        once every file has loaded), else None."""
        data: Schedule | None = None
        uncached: bytes | None = None
        if self.state_path.exists():
            stamp = checkpoint_stamp(self.state_path)
            with contextlib.suppress(OSError):
                raw, own = _read_stamped(self.cache_path)
                source = [*stamp, *own]
                kept = FirstQueues(self.paths.cache_queue, source)
                # a kept file of this very state cache: it loaded whole before (see queuecache)
                data = cache_load(raw, stamp, kept.rows if kept.decks else None)
                if data is not None and data.columns is not None:
                    data.columns.stamp = source
                    self._first_queues = kept
            if data is None:
                try:
                    data = parse_checkpoint(self.state_path.read_bytes(), self.state_path)
                except DataFileError as exc:
                    raise exc.with_recovery(self._recovery("state.toml")) from None
                uncached = cache_dump(data, stamp)  # now: the replay changes `data`
        try:
            logs = device_logs(self.paths.reviews)
            if data is not None:
                self._own_ends(data)
            if data is not None and self._valid_ends(data):
                if self._replay_tails(data, logs):
                    return uncached
                uncached = None  # other devices' entries go before it: replayed again
            elif data is not None:
                self.notes.append("schedule checkpoint did not match the review log: rebuilt")
                uncached = None  # a checkpoint that does not match is not worth caching
            self._rebuild(logs)
        except DataFileError as exc:
            path = exc.path
            inside = path.is_relative_to(self.folder)
            rel = str(path.relative_to(self.folder)) if inside else path.name
            raise exc.with_recovery(self._recovery(rel)) from None
        return uncached

    def _own_ends(self, data: Schedule) -> None:
        """Make `data.position` this computer's: a checkpoint written by another computer (a
        copied folder) has that computer's end there."""
        if data.device == self.device:
            return
        ends = dict(data.ends)
        if data.position is not None:
            ends[data.device] = data.position
        data.position = ends.pop(self.device, None)
        data.ends, data.device = ends, self.device

    def _valid_ends(self, data: Schedule) -> bool:
        """Whether every device's end in the checkpoint is still the end of the same entry."""
        if data.position is not None and not valid_position(self.log_dir, data.position):
            return False
        return all(
            valid_position(self.paths.device_log(device), end) for device, end in data.ends.items()
        )

    def _read_tails(
        self, data: Schedule, logs: dict[str, list[Path]]
    ) -> dict[str, list[tuple[Path, list[LogEntry], int]]]:
        """Each device's files read from its end in `data` (whole when it has none)."""
        tails: dict[str, list[tuple[Path, list[LogEntry], int]]] = {}
        for device, files in logs.items():
            end = data.position if device == self.device else data.ends.get(device)
            read: list[tuple[Path, list[LogEntry], int]] = []
            for path in files:
                offset = 0
                if end is not None:
                    if path.name < end.file:
                        continue
                    if path.name == end.file:
                        offset = end.offset
                entries, stop = read_log(path, offset)
                read.append((path, entries, stop))
            tails[device] = read
        return tails

    def _replay_tails(self, data: Schedule, logs: dict[str, list[Path]]) -> bool:
        """Replay the entries after the checkpoint onto it, if that gives what replaying the
        union gives; False (nothing changed) when they must go before something replayed."""
        tails = self._read_tails(data, logs)
        applied = {d for d in data.ends if d != self.device}
        if data.position is not None:
            applied.add(self.device)
        firsts: dict[str, list[LogEntry]] = {}
        for device, read in tails.items():
            entries = [e for _, part, _ in read for e in part]
            if not entries:
                continue
            firsts[device] = entries
            if device != self.device:
                self.came_in[device] = len(entries)
        in_order = True
        for device, entries in firsts.items():
            if device != self.device and not all(_OWN_ID.match(e.id) for e in entries):
                return False  # a derived id may be there twice: only a full replay drops it
            head = entries[0].at
            for other in applied - {device}:
                top = data.tops.get(other)
                if top is None or not head > top[0]:  # no top: a checkpoint before syncing
                    in_order = False
        if not in_order:
            return self._merge_cards(data, tails, firsts, applied)
        self.data = data
        self._checkpointed = data.position
        self._apply_tails(tails, firsts)
        return True

    def _merge_cards(
        self,
        data: Schedule,
        tails: dict[str, list[tuple[Path, list[LogEntry], int]]],
        firsts: dict[str, list[LogEntry]],
        applied: set[str],
    ) -> bool:
        """New entries that go before replayed ones: replay again only the cards they touch.

        A card's state depends only on its own entries, so when every device's entries are in
        (time, id) order (the union is then simply sorted) the cards the new entries touch are
        replayed from their entries alone, and today's counts and the total are corrected by
        the difference those cards make. False (nothing changed) when that does not hold or
        too many cards are touched: the caller replays the union."""
        if data.unsorted or any(d not in data.tops for d in applied):
            return False
        reach = dict(data.ends)
        if data.position is not None:
            reach[self.device] = data.position
        for device, entries in firsts.items():
            if not _in_time_order(data.tops.get(device), entries):
                return False
            path, part, stop = next(r for r in reversed(tails[device]) if r[1])
            reach[device] = LogPosition(path.name, stop, part[-1].id)
        new = list(merge_devices(firsts))
        cards = {e.card for e in new}
        if len(cards) > MERGE_CARDS:
            return False
        union = list(merge_devices(cards_entries(self.paths.reviews, cards, reach)))
        fresh = {e.id for e in new}
        if sum(e.id in fresh for e in union) != len(fresh):
            return False  # not all found again (a file changed meanwhile): replay the union
        after, before = Schedule(), Schedule()
        for entry in union:
            apply_entry(self.scheduler, after, entry, self.rollover, self.tz)
            if entry.id not in fresh:
                apply_entry(self.scheduler, before, entry, self.rollover, self.tz)
        for key in cards:
            state = after.states.get(key)
            if state is None:
                data.states.pop(key, None)
            else:
                data.states[key] = state
        data.counts = _counts_with(data.counts, before.counts, after.counts)
        data.total += after.total - before.total
        self.data = data
        self._checkpointed = data.position
        self._advance(tails, firsts)
        self.replayed_cards = len(cards)
        return True

    def _apply_tails(
        self,
        tails: dict[str, list[tuple[Path, list[LogEntry], int]]],
        entries: dict[str, list[LogEntry]],
    ) -> None:
        """Replay every device's new entries as one history, and move each device's end."""
        data = self.data
        for entry in merge_devices(entries):
            apply_entry(self.scheduler, data, entry, self.rollover, self.tz)
        self._advance(tails, entries)

    def _advance(
        self,
        tails: dict[str, list[tuple[Path, list[LogEntry], int]]],
        entries: dict[str, list[LogEntry]],
    ) -> None:
        """Move each device's end, latest entry and order flag past the entries replayed."""
        data = self.data
        for device, read in tails.items():
            for path, part, stop in read:
                if not part:
                    continue
                end = LogPosition(path.name, stop, part[-1].id)
                if device == self.device:
                    data.position = end
                else:
                    data.ends[device] = end
            own = entries.get(device)
            if own:
                self._note_order(device, own)
                top = max(map(entry_key, own))
                data.tops[device] = max(top, data.tops.get(device, top))
                self._tail += len(own)

    def _rebuild(self, logs: dict[str, list[Path]]) -> None:
        """Replay the union of every device's log from the start."""
        self.data = Schedule()
        self.data.device = self.device
        self._checkpointed = None
        self._tail = 0
        tails = self._read_tails(self.data, logs)
        entries = {d: [e for _, part, _ in read for e in part] for d, read in tails.items()}
        entries = {d: e for d, e in entries.items() if e}
        if not self._replayed_by_hook(tails, entries):
            self._apply_tails(tails, entries)
        self._merged_union = any(d != self.device and e for d, e in entries.items())
        self._unordered = False

    def _replayed_by_hook(
        self,
        tails: dict[str, list[tuple[Path, list[LogEntry], int]]],
        entries: dict[str, list[LogEntry]],
    ) -> bool:
        """Let `full_replay` replay a one-device log whose ids are all distinct (what
        merge_devices then yields is the log as written); False when it is not used."""
        if self.full_replay is None or len(entries) != 1:
            return False
        ((device, own),) = entries.items()
        if len({e.id for e in own}) != len(own):
            return False
        replayed = self.full_replay(self, tails[device])
        if replayed is None:
            return False
        self.data = Schedule(replayed.states, replayed.counts, replayed.total)
        self.data.device = self.device
        self._advance(tails, entries)
        return True

    def _checkpoint_merged(self) -> None:
        """Write the checkpoint after other computers' entries came in (so that the next start
        does not replay them again); a failure is only noted."""
        came = ", ".join(f"{n} from {device_name(d)}" for d, n in sorted(self.came_in.items()))
        if came:
            self.notes.append(f"entries from other computers merged: {came}")
        try:
            self.checkpoint()
        except OSError as exc:
            self.notes.append(f"schedule checkpoint not written: {exc}")

    def _apply_file(
        self, path: Path, entries: list[LogEntry], end: int | None = None, replay: bool = True
    ) -> None:
        """Replay entries read from (or just written to) the end of this computer's month file
        (`replay` false: they are in the schedule already; only where the log ends moves)."""
        if replay:
            for entry in entries:
                apply_entry(self.scheduler, self.data, entry, self.rollover, self.tz)
        self._tail += len(entries)
        if entries:
            size = path.stat().st_size if end is None else end
            self.data.position = LogPosition(path.name, size, entries[-1].id)
            self._raise_top(entries)

    def _note_order(self, device: str, entries: list[LogEntry]) -> None:
        """Mark `device` unsorted when `entries` (its next ones) go back in time."""
        if not _in_time_order(self.data.tops.get(device), entries):
            self.data.unsorted.add(device)

    def _raise_top(self, entries: list[LogEntry]) -> None:
        """Note this computer's latest entry, and whether a new one sorts before another
        computer's latest (see `_unordered`). In one look at the times when they are in order
        (the usual: an import's months of a million entries, each grade)."""
        ats = list(map(_AT, entries))
        old = self.data.tops.get(self.device)
        if ats == sorted(ats):  # in time order: the first is the earliest, the latest are last
            first, start = ats[0], len(ats) - 1
            while start and ats[start - 1] == ats[-1]:
                start -= 1
            top = max(map(entry_key, entries[start:]))
            if old is not None and first < old[0]:
                self.data.unsorted.add(self.device)
        else:
            first, top = min(ats), max(map(entry_key, entries))
            self.data.unsorted.add(self.device)
        if any(t[0] >= first for d, t in self.data.tops.items() if d != self.device):
            self._unordered = True
        self.data.tops[self.device] = top if old is None or top > old else old

    # reading

    def now(self) -> datetime:
        return self.clock()

    def today(self, now: datetime | None = None) -> date:
        return study_day(now or self.clock(), self.rollover, self.tz)

    def state(self, key: str) -> CardState:
        return self.data.state(key)

    @property
    def states(self) -> dict[str, CardState]:
        return self.data.states

    def decode_states(self) -> None:
        """Decode the card states now, if they are still the cache's columns (see Schedule):
        the drill screen calls this while the first question is read, so that the first grade
        does not wait for it."""
        _ = self.data.states

    def first_queue(
        self,
        deck: str,
        deck_key: Any,
        keys: Callable[[], list[str]],
        today_ord: int,
        end: float,
        new_limit: int,
        review_limit: int,
    ) -> Kept | None:
        """A deck's first drill queue read from the state cache's columns (StateColumns
        .drill_queue of `keys()`, the deck's cards), from cache/queue.json when it holds the
        answer for `deck_key` (what the deck's cards depend on; see core/storage/queuecache.py);
        None once the states are decoded (the caller reads them). The reviews due: at least the
        first `review_limit` by (due time, key), and their number (queuecache.Kept)."""
        columns = self.data.columns
        if columns is None:
            return None
        if columns.stamp is None:
            new, due, learning = columns.drill_queue(keys(), today_ord, end, new_limit)
            return new, due, learning, len(due)
        kept = self._first_queues
        if kept is None or kept.source != columns.stamp:
            kept = self._first_queues = FirstQueues(self.paths.cache_queue, columns.stamp)

        def find(limit: int) -> Queue:
            return columns.drill_queue(keys(), today_ord, end, limit)

        return kept.queue(
            deck, deck_key, today_ord, end, new_limit, review_limit, find, columns.row_of
        )

    def refresh_first_queues(
        self,
        deck_of: Callable[[str], tuple[Any, Callable[[], list[str]]] | None],
        decks: list[str],
    ) -> None:
        """After a checkpoint (a writer's, at exit): the first queues kept at start found again
        from the state cache the checkpoint wrote, for today, and kept for the next start,
        which would otherwise find them with a pass over every card after every grade.
        `deck_of(deck)`: the deck's key and its cards (as for `first_queue`), None if gone;
        `decks`: the decks to find them for when none was kept at start (up to the day's
        new-card limit)."""
        if not self.writer:
            return
        before = self._first_queues
        reviews = self.settings.reviews_per_day
        limits: dict[str, Any] = {deck: (self.settings.new_per_day, reviews) for deck in decks}
        if before is not None and before.decks:
            limits = {
                d: (e.get("limit"), e.get("review_limit", reviews)) if isinstance(e, dict) else None
                for d, e in before.decks.items()
            }
        stamp = checkpoint_stamp(self.state_path)
        try:
            raw, own = _read_stamped(self.cache_path)
        except OSError:
            return
        data = cache_load(raw, stamp)  # checked whole: the file is new
        columns = data.columns if data is not None else None
        if columns is None:
            return
        today = self.today()
        day, end = today.toordinal(), day_end(today, self.rollover, self.tz).timestamp()
        kept = FirstQueues(self.paths.cache_queue, [*stamp, *own])
        for deck, both in limits.items():
            found = deck_of(deck)
            limit, review_limit = both if both is not None else (None, None)
            if found is None or type(limit) is not int or type(review_limit) is not int:
                continue
            deck_key, keys = found

            def find(n: int, keys: Callable[[], list[str]] = keys) -> Queue:
                return columns.drill_queue(keys(), day, end, n)

            kept.queue(deck, deck_key, day, end, limit, review_limit, find, columns.row_of)
        self._first_queues = kept
        kept.save()

    def save_first_queues(self) -> None:
        """Keep the first queues found this session for the next start (a writer only: it
        holds the user's lock)."""
        if self._first_queues is not None and self.writer:
            self._first_queues.save()

    def counts_today(self) -> DayCounts:
        today = self.today()
        counts = self.data.counts
        return counts if counts.day == today else DayCounts(today)

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    # writing

    def ensure_profile(self) -> None:
        """Write a default profile the first time this user is used (never over an existing one)."""
        self.profile_store.ensure(self.settings)

    def record(
        self,
        key: str,
        action: str = "grade",
        rating: Rating | None = None,
        ms: int = 0,
        mode: str = "drill",
    ) -> LogEntry:
        """Append one action to the log (durably), then apply it. Returns the entry.

        A `mode="mock"` grade is logged but leaves the schedule alone (see apply_entry).
        """
        self.ensure_profile()
        now = self.clock()
        entry = LogEntry(new_entry_id(now), now, key, rating, action, max(0, ms), mode)
        path = append_file(self._own_log(), now)
        before = self.data.states.get(key)
        counts = self.data.counts
        position, total = self.data.position, self.data.total
        start, end = append_entries(path, entry_to_toml(entry))
        apply_entry(self.scheduler, self.data, entry, self.rollover, self.tz)
        self.data.position = LogPosition(path.name, end, entry.id)
        self._raise_top([entry])
        self._tail += 1
        self._undo.append(_Undo(key, before, counts, position, total, path, start, end, entry))
        return entry

    def _own_log(self) -> Path:
        """This computer's log folder, its device id made first if it has none yet (a store
        opened without the lock that writes, as tests and scripts do)."""
        if not self.device:
            device = this_device(self.home, create=True) or ""
            data = self.data
            if data.position is not None:  # until now the "" log was this store's own
                data.ends[""] = data.position
            data.position, data.device = None, device
            self.device, self.log_dir = device, self.paths.device_log(device)
            self._checkpointed = None
            self._undo.clear()
        return self.log_dir

    def grade(self, key: str, rating: Rating, ms: int = 0) -> LogEntry:
        return self.record(key, "grade", rating, ms)

    def grade_once(self, grades: list[tuple[str, str, Rating]]) -> int:
        """Grade cards as (entry id, card key, rating), each at most once; return how many now.

        Grades whose id is already in the log are skipped, and the rest are appended as one
        block of entries that lands whole or not at all (a full disk): so a retry after any
        failure, even one after the append, never grades a card twice. Each can be undone.
        """
        known = ids_in_log(self.paths.reviews, {entry_id for entry_id, _, _ in grades})
        fresh = [g for g in grades if g[0] not in known]
        if not fresh:
            return 0
        self.ensure_profile()
        now = self.clock()
        entries = [LogEntry(entry_id, now, key, rating) for entry_id, key, rating in fresh]
        self._append_and_apply(entries, batch=0)
        return len(entries)

    def record_many(self, keys: list[str], action: str, mode: str = "drill") -> list[LogEntry]:
        """Append one action (not a grade) for each card as one durable append, then apply them.

        The blocks land whole or not at all (a failed write or fsync cuts them off again), and
        nothing changes in memory before they are on disk. `undo` takes them back as one step.
        """
        if action == "grade":
            raise ValueError("record_many logs actions, not grades (a grade needs a rating)")
        if not keys:
            return []
        self.ensure_profile()
        now = self.clock()
        entries = [LogEntry(new_entry_id(now), now, key, None, action, 0, mode) for key in keys]
        for entry in entries:
            check_entry(entry)  # a bad key or action is refused before anything is written
        self._batches += 1
        self._append_and_apply(entries, batch=self._batches)
        return entries

    def _append_and_apply(self, entries: list[LogEntry], batch: int) -> None:
        """Append `entries` as one durable write (whole or not at all), then apply each and
        keep what undoing it needs; `batch` 0 lets each be undone alone (see `_Undo`)."""
        blocks = [entry_to_toml(entry) for entry in entries]
        path = append_file(self._own_log(), entries[0].at)
        start, _ = append_entries(path, b"".join(blocks))
        for entry, block in zip(entries, blocks, strict=True):
            before, counts = self.data.states.get(entry.card), self.data.counts
            position, total = self.data.position, self.data.total
            apply_entry(self.scheduler, self.data, entry, self.rollover, self.tz)
            end = start + len(block)
            self.data.position = LogPosition(path.name, end, entry.id)
            self._tail += 1
            self._undo.append(
                _Undo(entry.card, before, counts, position, total, path, start, end, entry, batch)
            )
            start = end
        self._raise_top(entries)

    def _undo_step(self) -> list[_Undo]:
        """The records the next undo takes back: the last entry, or its whole batch."""
        if not self._undo:
            return []
        last = self._undo[-1]
        count = 1
        if last.batch:
            while count < len(self._undo) and self._undo[-count - 1].batch == last.batch:
                count += 1
        return self._undo[-count:]

    @property
    def next_undo(self) -> list[LogEntry]:
        """The entries `undo` would take back (oldest first): one, or a whole batch."""
        return [rec.entry for rec in self._undo_step()]

    def undo(self) -> LogEntry | None:
        """Take back this session's last action: its log block is cut off, its state restored.

        A batch (`record_many`) is taken back whole; its first entry is returned (`next_undo`,
        read before, lists them all)."""
        step = self._undo_step()
        if not step:
            return None
        first, last = step[0], step[-1]
        if last.path.stat().st_size != last.end:
            self._undo.clear()
            raise DataFileError(last.path, "changed by another process; cannot undo")
        truncate_durable(last.path, first.start)
        del self._undo[-len(step) :]
        for rec in reversed(step):
            if rec.before is None:
                self.data.states.pop(rec.key, None)
            else:
                self.data.states[rec.key] = rec.before
        self.data.counts = first.counts
        self.data.position = first.position
        self.data.total = first.total
        self._tail = max(0, self._tail - len(step))
        cp = self._checkpointed
        if cp is not None and cp.file == first.path.name and cp.offset > first.start:
            self.checkpoint()
        return first.entry

    def import_entries(self, entries: list[LogEntry], dry_run: bool = False) -> int:
        """Add history from another tool (mode "import") to the log; return how many were new.

        All or nothing: see `plan_import`, `stage_import` and `finish_import`, which an import
        of decks and history together calls itself, to replace every file in one go.
        """
        plan = self.plan_import(entries)
        if dry_run or not plan.fresh:
            return plan.fresh
        staged = StagedFiles()
        try:
            self.stage_import(plan, staged)
            self.drop_checkpoint()
            staged.commit()
        finally:
            staged.discard()
        self.finish_import(plan)
        return plan.fresh

    def plan_import(self, entries: list[LogEntry]) -> HistoryImport:
        """What importing `entries` changes in the log; nothing is written (see logimport)."""
        self._own_log()
        others = {d: f for d, f in device_logs(self.paths.reviews).items() if d != self.device}
        if others:  # what another computer already has (imported there, then synced) is known
            known = {e.id for e in read_all(self.paths.reviews) if e.id}
            entries = [e for e in entries if e.id not in known]
        return plan_history_import(self.log_dir, entries)

    def stage_import(
        self, plan: HistoryImport, staged: StagedFiles, progress: Progress | None = None
    ) -> None:
        """Write the month files an import changes to temporary files (see logimport)."""
        stage_history_import(self.log_dir, plan, staged, self.notes, progress)

    def drop_checkpoint(self) -> None:
        """Remove the checkpoint (and its cache) before the log changes under it: an import
        interrupted after this leaves a log that a full replay reads correctly."""
        for stale in (self.cache_path, self.state_path):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
        fsync_dir(self.folder)

    def finish_import(
        self,
        plan: HistoryImport,
        progress: Progress | None = None,
        replayed: Schedule | None = None,
    ) -> None:
        """Replay the log as the import wrote it, and write the checkpoint; `progress` hears
        the share of the entries replayed, month by month. `replayed`: the schedule a replay
        of this log as written has already built (the statistics' cache replays it too, see
        stats.historycache.cache_history), taken instead of replaying again when the log is
        this computer's alone.

        The import is done by then: a checkpoint that cannot be written (a full disk) is only
        noted; the next start replays the log."""
        self._undo.clear()
        logs = device_logs(self.paths.reviews)
        if set(logs) - {self.device}:
            self._rebuild(logs)  # the union, with other computers' logs
        else:
            self.data = (
                Schedule()
                if replayed is None
                else Schedule(replayed.states, replayed.counts, replayed.total)
            )
            self.data.device = self.device
            self._tail = 0
            self._checkpointed = None
            total, done = sum(map(len, plan.months.values())), 0
            for name in sorted(plan.months):  # the log as written: no need to parse it again
                self._apply_file(self.log_dir / name, plan.months[name], replay=replayed is None)
                done += len(plan.months[name])
                if progress is not None:
                    progress(done / max(total, 1))
        try:
            self.checkpoint()
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            self.notes.append(
                f"schedule checkpoint not written ({where}{exc.strerror or exc}); "
                "it is rebuilt from the log at the next start"
            )

    def replay_log(self) -> None:
        """Replay the whole log under the current settings and rewrite the checkpoint (new FSRS
        parameters change every state the log built; storage/fittedparams.py)."""
        self._undo.clear()
        self._rebuild(device_logs(self.paths.reviews))  # every computer's log, in order
        self.checkpoint()

    def others_changed(self) -> bool:
        """Whether another computer's log has entries this store has not replayed (a sync
        delivered them while flashprep ran): a new month file, or a longer one. Cheap: a
        listing and a stat per computer; nothing is read."""
        for device, files in device_logs(self.paths.reviews).items():
            if device in ("", self.device) or not files:
                continue
            end = self.data.ends.get(device)
            newest = files[-1]
            if end is None or newest.name > end.file:
                return True
            if newest.name == end.file:
                try:
                    if newest.stat().st_size > end.offset:
                        return True
                except OSError:
                    continue
        return False

    def needs_checkpoint(self) -> bool:
        return self._tail >= CHECKPOINT_EVERY

    def snapshot(self) -> Schedule:
        """A copy of the replayed state that a worker thread may serialise."""
        d = self.data
        snap = Schedule(dict(d.states), d.counts, d.total, d.position)
        snap.copy_sync(d)
        return snap

    def checkpoint(self, snapshot: Schedule | None = None) -> None:
        """Rewrite state.toml atomically (and its cache) from the replayed log; back up when due.

        The backup copies the files as they are now; a failure to make it does not stop the
        checkpoint (it is noted in `notes`).
        """
        if self._unordered:
            return  # not the union's order: the next start replays the union (see _unordered)
        snap = snapshot or self.snapshot()
        with self._write_lock:
            position = snap.position
            if position is not None:
                position = position._replace(before=bytes_before(self.log_dir, position.file))
            ends = {
                device: end._replace(before=bytes_before(self.paths.device_log(device), end.file))
                for device, end in snap.ends.items()
            }
            sync = snap
            snap = Schedule(snap.states, snap.counts, snap.total, position)
            snap.copy_sync(sync)
            snap.ends = ends
            now = self.clock()
            data = checkpoint_to_toml(snap, now)
            ensure_dir(self.folder)
            self.ensure_profile()
            atomic_write(self.state_path, data)
            write_cache(self.cache_path, cache_dump(snap, checkpoint_stamp(self.state_path)))
            self._checkpointed = snap.position
            if same_end(snap.position, self.data.position):
                self._tail = 0
            if backup_due(self.folder, now):
                try:
                    make_backup(self.folder, now)
                except OSError as exc:
                    self.notes.append(f"backup not made: {exc}")

    def save_profile(self, profile: Profile) -> None:
        """Write new settings; they take effect at once."""
        self.profile_store.save(profile)
        self._use_settings(profile.values())
        self.profile_store.cache_settings(self.settings)


def _in_time_order(top: Top | None, entries: list[LogEntry]) -> bool:
    """Whether `entries` never go back in time, nor before `top` (a device's latest so far)."""
    if top is not None and entries[0].at < top[0]:
        return False
    ats = list(map(_AT, entries))
    return ats == sorted(ats)  # sorting times in order is one pass, in C


_AT = attrgetter("at")


def _counts_with(counts: DayCounts, before: DayCounts, after: DayCounts) -> DayCounts:
    """Today's counts once some cards' grades were replayed again: what they counted on the
    counts' day (`before`) replaced by what they count now (`after`), or `after` alone when
    it is of a later day (no other card has a grade that late)."""
    if after.day > counts.day:
        return after
    fields = ("new", "reviews", "graded", "ms")
    out = dict(zip(fields, counts[1:], strict=True))
    if before.day == counts.day:
        out = {f: out[f] - getattr(before, f) for f in fields}
    if after.day == counts.day:
        out = {f: out[f] + getattr(after, f) for f in fields}
    return DayCounts(counts.day, **out)
