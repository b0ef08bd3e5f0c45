"""One user's data folder: profile, schedule checkpoint, review log; grades, undo, buries, suspends.

Every action is appended to the log and fsynced before it changes anything in memory, so it is on
disk before the next card is shown. `state.toml` is a checkpoint of the replayed log: on opening,
only the log written after it is replayed, so start-up does not grow with the history; it is
rewritten atomically at the end of a drill and when the tail grows long. A derived binary copy of
the checkpoint (cache/state.bin, storage/statecache.py) spares parsing it when nothing changed.
"""

from __future__ import annotations

import contextlib
import threading
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from flashprep.core.clock import Clock, study_day, system_clock
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
from flashprep.core.storage.logimport import (
    HistoryImport,
    plan_history_import,
    stage_history_import,
)
from flashprep.core.storage.logread import log_files, read_log
from flashprep.core.storage.logwrite import append_entries, append_file, entry_to_toml, ids_in_log
from flashprep.core.storage.profilestore import ProfileStore
from flashprep.core.storage.recovery import recovery_advice, tidy_after_crash
from flashprep.core.storage.replay import DayCounts, LogPosition, Schedule, apply_entry, same_end
from flashprep.core.storage.reviewlog import LogEntry, check_entry, new_entry_id
from flashprep.core.storage.usersettings import UserSettings

if TYPE_CHECKING:
    from flashprep.core.storage.profile import Profile

CHECKPOINT_EVERY = 200
"""Rewrite the checkpoint once this many log entries are not yet in it."""


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
    ) -> None:
        self.home = home
        self.user = user
        self.clock = clock
        self.lock = lock
        self.paths = home.user(user)
        self.folder = self.paths.folder
        self.profile_path = self.paths.profile
        self.state_path = self.paths.state
        self.log_dir = self.paths.reviews
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
        self.notes: list[str] = []
        """Things worth telling the user that are not errors (e.g. a checkpoint rebuilt)."""
        with gc_paused():
            uncached = self._load()
        # Only once everything loaded: a failed open changes nothing.
        if self.profile_store.stale:
            self.profile_store.cache_settings(self.settings)
        if uncached is not None:
            write_cache(self.cache_path, uncached)
        if self.writer:
            self._tidy_after_crash()

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

    def _tidy_after_crash(self) -> None:
        self.notes += tidy_after_crash(self.paths)

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
                data = cache_load(self.cache_path.read_bytes(), stamp)
            if data is None:
                try:
                    data = parse_checkpoint(self.state_path.read_bytes(), self.state_path)
                except DataFileError as exc:
                    raise exc.with_recovery(self._recovery("state.toml")) from None
                uncached = cache_dump(data, stamp)  # now: the replay changes `data`
        try:
            if data is not None and valid_position(self.log_dir, data.position):
                self.data = data
                self._checkpointed = data.position
                self._replay_tail(data.position)
            else:
                if data is not None:
                    self.notes.append("schedule checkpoint did not match the review log: rebuilt")
                uncached = None  # a checkpoint that does not match is not worth caching
                self.data = Schedule()
                self._checkpointed = None
                self._tail = 0
                self._replay_tail(None)
        except DataFileError as exc:
            rel = f"reviews/{exc.path.name}"
            raise exc.with_recovery(self._recovery(rel)) from None
        return uncached

    def _replay_tail(self, position: LogPosition | None) -> None:
        for path in log_files(self.log_dir):
            offset = 0
            if position is not None:
                if path.name < position.file:
                    continue
                if path.name == position.file:
                    offset = position.offset
            entries, end = read_log(path, offset)
            self._apply_file(path, entries, end)

    def _apply_file(self, path: Path, entries: list[LogEntry], end: int | None = None) -> None:
        """Replay entries read from (or just written to) the end of a month file."""
        with self.scheduler.batch():
            for entry in entries:
                apply_entry(self.scheduler, self.data, entry, self.rollover, self.tz)
        self._tail += len(entries)
        if entries:
            size = path.stat().st_size if end is None else end
            self.data.position = LogPosition(path.name, size, entries[-1].id)

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
        path = append_file(self.log_dir, now)
        before = self.data.states.get(key)
        counts = self.data.counts
        position, total = self.data.position, self.data.total
        start, end = append_entries(path, entry_to_toml(entry))
        apply_entry(self.scheduler, self.data, entry, self.rollover, self.tz)
        self.data.position = LogPosition(path.name, end, entry.id)
        self._tail += 1
        self._undo.append(_Undo(key, before, counts, position, total, path, start, end, entry))
        return entry

    def grade(self, key: str, rating: Rating, ms: int = 0) -> LogEntry:
        return self.record(key, "grade", rating, ms)

    def grade_once(self, grades: list[tuple[str, str, Rating]]) -> int:
        """Grade cards as (entry id, card key, rating), each at most once; return how many now.

        Grades whose id is already in the log are skipped, and the rest are appended as one
        block of entries that lands whole or not at all (a full disk): so a retry after any
        failure, even one after the append, never grades a card twice. Each can be undone.
        """
        known = ids_in_log(self.log_dir, {entry_id for entry_id, _, _ in grades})
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
        path = append_file(self.log_dir, entries[0].at)
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
        return plan_history_import(self.log_dir, entries)

    def stage_import(self, plan: HistoryImport, staged: StagedFiles) -> None:
        """Write the month files an import changes to temporary files (see logimport)."""
        stage_history_import(self.log_dir, plan, staged, self.notes)

    def drop_checkpoint(self) -> None:
        """Remove the checkpoint (and its cache) before the log changes under it: an import
        interrupted after this leaves a log that a full replay reads correctly."""
        for stale in (self.cache_path, self.state_path):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
        fsync_dir(self.folder)

    def finish_import(self, plan: HistoryImport) -> None:
        """Replay the log as the import wrote it, and write the checkpoint.

        The import is done by then: a checkpoint that cannot be written (a full disk) is only
        noted; the next start replays the log."""
        self._undo.clear()
        self.data = Schedule()
        self._tail = 0
        self._checkpointed = None
        for name in sorted(plan.months):  # the whole log, as written: no need to parse it again
            self._apply_file(self.log_dir / name, plan.months[name])
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
        self.data = Schedule()
        self._checkpointed = None
        self._tail = 0
        self._replay_tail(None)
        self.checkpoint()

    def needs_checkpoint(self) -> bool:
        return self._tail >= CHECKPOINT_EVERY

    def snapshot(self) -> Schedule:
        """A copy of the replayed state that a worker thread may serialise."""
        d = self.data
        return Schedule(dict(d.states), d.counts, d.total, d.position)

    def checkpoint(self, snapshot: Schedule | None = None) -> None:
        """Rewrite state.toml atomically (and its cache) from the replayed log; back up when due.

        The backup copies the files as they are now; a failure to make it does not stop the
        checkpoint (it is noted in `notes`).
        """
        snap = snapshot or self.snapshot()
        with self._write_lock:
            if snap.position is not None:
                before = bytes_before(self.log_dir, snap.position.file)
                position = snap.position._replace(before=before)
                snap = Schedule(snap.states, snap.counts, snap.total, position)
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
