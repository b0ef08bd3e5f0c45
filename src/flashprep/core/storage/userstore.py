"""One user's data folder: profile, schedule checkpoint, review log; grades, undo, buries, suspends.

Every action is appended to the log and fsynced before it changes anything in memory, so it is on
disk before the next card is shown. `state.toml` is a checkpoint of the replayed log: on opening,
only the log written after it is replayed, so start-up does not grow with the history; it is
rewritten atomically at the end of a drill and when the tail grows long. A derived binary copy of
the checkpoint (cache/state.bin, storage/statecache.py) spares parsing it when nothing changed.
"""

from __future__ import annotations

import contextlib
import heapq
import threading
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from flashprep.core.clock import INSTANT_RANGE, Clock, is_valid_instant, study_day, system_clock
from flashprep.core.files.fileio import (
    PendingTemps,
    StagedFiles,
    atomic_write,
    ensure_dir,
    file_stamp,
    fsync_dir,
    remove_stale_temps,
    stat_stamp,
    truncate_durable,
)
from flashprep.core.files.gcpause import gc_paused
from flashprep.core.files.lock import UserLock
from flashprep.core.files.tomlerrors import DataFileError, key_line, loads_toml
from flashprep.core.keys import CARD_KEY
from flashprep.core.paths import Home
from flashprep.core.scheduling.scheduler import NEW, CardState, Scheduler
from flashprep.core.storage import statecache, usersettings
from flashprep.core.storage.backup import (
    backup_due,
    backup_time,
    make_backup,
    newest_backup,
    remove_unfinished_backups,
)
from flashprep.core.storage.reviewlog import (
    LOG_HEADER,
    MONTH_FILE,
    LogEntry,
    append_entries,
    append_file,
    entry_ends_at,
    entry_to_toml,
    ids_in_log,
    log_files,
    month_file,
    new_entry_id,
    read_log,
    read_log_file,
    repair_tail,
    toml_instant,
)
from flashprep.core.storage.usersettings import UserSettings

if TYPE_CHECKING:
    from flashprep.core.storage.profile import NewProfile, Profile

STATE_FORMAT = 1
NEWLINE = b"\n"
CHECKPOINT_EVERY = 200
"""Rewrite the checkpoint once this many log entries are not yet in it."""


class DayCounts(NamedTuple):
    """What the user did on one study day (for the daily limits and `stats`)."""

    day: date
    new: int = 0
    reviews: int = 0
    graded: int = 0
    ms: int = 0


class LogPosition(NamedTuple):
    """Where the checkpoint ends in the log: file name, byte offset, id of the last entry.

    `before` is the size of all earlier month files when the checkpoint was written (-1 when
    unknown): if an earlier file changed since (an import of old history, a restored copy), the
    checkpoint no longer matches the log and is rebuilt. It says nothing about where the log
    ends: see `same_end`.
    """

    file: str
    offset: int
    last: str
    before: int = -1


def same_end(a: LogPosition | None, b: LogPosition | None) -> bool:
    """Whether two positions are the same end of the log (whatever their `before`)."""
    return a == b if a is None or b is None else a[:3] == b[:3]


class HistoryImport(NamedTuple):
    """An import's changes to the log (see UserStore.plan_import): how many entries are new,
    every month's entries afterwards (file name -> entries, in log order), the months whose new
    entries are appended, and the months rewritten with new entries among the old."""

    fresh: int
    months: dict[str, list[LogEntry]]
    appended: dict[str, list[LogEntry]]
    rewritten: set[str]


class _Undo(NamedTuple):
    key: str
    before: CardState | None
    counts: DayCounts
    position: LogPosition | None
    total: int
    path: Path
    start: int
    end: int
    entry: LogEntry


_DECODING = threading.Lock()


class Replayed:
    """The replayed schedule: card states, today's counts, total grades, where the log ends.

    Loaded from the state cache, the card states stay in the cache's columns until first used
    (`columns`; see statecache.StateColumns): a drill's first card needs only its queue.
    """

    __slots__ = ("_states", "columns", "counts", "position", "total")

    def __init__(
        self,
        states: dict[str, CardState] | None = None,
        counts: DayCounts | None = None,
        total: int = 0,
        position: LogPosition | None = None,
        columns: statecache.StateColumns | None = None,
    ) -> None:
        self._states = states
        self.columns = columns if states is None else None
        """The states not yet decoded (None once `states` is used)."""
        self.counts = counts if counts is not None else DayCounts(date.min)
        self.total = total
        self.position = position

    @property
    def states(self) -> dict[str, CardState]:
        if self._states is None:
            with _DECODING:  # one dict, even if a worker thread is the first to ask
                if self._states is None:
                    self._states = self.columns.decode() if self.columns is not None else {}
                    self.columns = None
        return self._states

    def state(self, key: str) -> CardState:
        """One card's state, without decoding the others' (NEW when it has none)."""
        columns = self.columns
        if columns is not None:
            return columns.get(key) or NEW
        return self.states.get(key, NEW)


def apply_entry(
    scheduler: Scheduler, replayed: Replayed, entry: LogEntry, rollover: int, tz: tzinfo | None
) -> None:
    """Apply one log entry to the replayed state. The single path for live actions and replays."""
    if entry.mode == "mock":
        return
    key = entry.card
    before = replayed.states.get(key, NEW)
    day = study_day(entry.at, rollover, tz)
    if entry.action == "grade":
        assert entry.rating is not None
        replayed.states[key] = scheduler.review(key, before, entry.rating, entry.at)
        replayed.total += 1
        counts = replayed.counts
        if day > counts.day:
            counts = DayCounts(day)
        if day == counts.day:
            new, review = before.is_new, before.state == "review"
            replayed.counts = DayCounts(
                day,
                counts.new + 1 if new else counts.new,
                counts.reviews + 1 if review else counts.reviews,
                counts.graded + 1,
                counts.ms + entry.ms,
            )
    elif entry.action == "bury":
        replayed.states[key] = before._replace(buried_until=day + timedelta(days=1))
    elif entry.action == "suspend":
        replayed.states[key] = before._replace(suspended=True)
    elif entry.action == "unsuspend":
        replayed.states[key] = before._replace(suspended=False)
    elif entry.action == "forget":
        replayed.states[key] = NEW._replace(suspended=before.suspended)


# --- the checkpoint file -------------------------------------------------------------------------


def _state_line(key: str, s: CardState) -> str:
    parts = [f'state = "{s.state}"']
    if s.step is not None:
        parts.append(f"step = {s.step}")
    if s.stability is not None:
        parts.append(f"stability = {s.stability!r}")
    if s.difficulty is not None:
        parts.append(f"difficulty = {s.difficulty!r}")
    if s.due is not None:
        parts.append(f"due = {toml_instant(s.due)}")
    if s.last_review is not None:
        parts.append(f"last_review = {toml_instant(s.last_review)}")
    if s.reps:
        parts.append(f"reps = {s.reps}")
    if s.lapses:
        parts.append(f"lapses = {s.lapses}")
    if s.suspended:
        parts.append("suspended = true")
    if s.buried_until is not None:
        parts.append(f"buried_until = {s.buried_until.isoformat()}")
    return f'"{key}" = {{ {", ".join(parts)} }}\n'


def checkpoint_to_toml(replayed: Replayed, updated: datetime) -> bytes:
    c = replayed.counts
    out = [
        "# flashprep schedule checkpoint: one line per card you have seen. It is rebuilt from\n",
        "# reviews/ whenever needed; see docs/storage-format.md before editing it by hand.\n",
        f"format = {STATE_FORMAT}\n",
        f"updated = {toml_instant(updated)}\n",
        f"reviews_total = {replayed.total}\n",
    ]
    if replayed.position is not None:
        p = replayed.position
        out.append(f'\n[log]\nfile = "{p.file}"\noffset = {p.offset}\nlast = "{p.last}"\n')
        if p.before >= 0:
            out.append(f"before = {p.before}\n")
    if c.day != date.min:
        out.append(
            f"\n[today]\nday = {c.day.isoformat()}\nnew = {c.new}\nreviews = {c.reviews}\n"
            f"graded = {c.graded}\nms = {c.ms}\n"
        )
    out.append("\n[cards]\n")
    out.extend(_state_line(k, s) for k, s in sorted(replayed.states.items()))
    return "".join(out).encode()


_STATE_KEYS = {
    "state",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "reps",
    "lapses",
    "suspended",
    "buried_until",
}


def _state_from_toml(value: Any) -> CardState:
    """Validate one card's line of state.toml; raise ValueError naming the field."""
    if not isinstance(value, dict):
        raise ValueError("must be an inline table")
    unknown = set(value) - _STATE_KEYS
    if unknown:
        raise ValueError(f"field {sorted(unknown)[0]!r}: unknown key")
    state = value.get("state", "new")
    if state not in ("new", "learning", "review", "relearning"):
        raise ValueError("field 'state': must be new, learning, review or relearning")
    for name in ("due", "last_review"):
        v = value.get(name)
        if v is not None and not is_valid_instant(v):
            raise ValueError(f"field {name!r}: must be a date-time with a zone {INSTANT_RANGE}")
    for name, low, high in (("stability", 0.0, 1e9), ("difficulty", 1.0, 10.0)):
        v = value.get(name)
        if v is not None and (
            isinstance(v, bool) or not isinstance(v, int | float) or not low <= v <= high
        ):
            raise ValueError(f"field {name!r}: must be a number from {low:g} to {high:g}")
    for name in ("step", "reps", "lapses"):
        v = value.get(name)
        if v is not None and not (_whole(v) and v < 1_000_000):
            raise ValueError(f"field {name!r}: must be a whole number >= 0")
    buried = value.get("buried_until")
    if buried is not None and (not isinstance(buried, date) or isinstance(buried, datetime)):
        raise ValueError("field 'buried_until': must be a date")
    suspended = value.get("suspended", False)
    if not isinstance(suspended, bool):
        raise ValueError("field 'suspended': must be true or false")
    if state != "new":
        for name in ("due", "stability", "difficulty"):
            if value.get(name) is None or (name == "stability" and value[name] <= 0):
                raise ValueError(f"field {name!r}: a card that was reviewed needs it")
    if state in ("learning", "relearning") and value.get("step") is None:
        raise ValueError("field 'step': a card in (re)learning needs its step")
    due, last = value.get("due"), value.get("last_review")
    return CardState(
        state=state,
        step=value.get("step"),
        stability=float(value["stability"]) if value.get("stability") is not None else None,
        difficulty=float(value["difficulty"]) if value.get("difficulty") is not None else None,
        due=due.astimezone(UTC) if due else None,
        last_review=last.astimezone(UTC) if last else None,
        reps=value.get("reps", 0),
        lapses=value.get("lapses", 0),
        suspended=suspended,
        buried_until=buried,
    )


_LOG_KEYS = {"file", "offset", "last", "before"}
_TODAY_KEYS = {"day", "new", "reviews", "graded", "ms"}
_CARD_KEY = CARD_KEY


def _whole(value: object) -> bool:
    """A whole number >= 0 (TOML booleans are not numbers here)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _line(raw: bytes, loc: list[str | int]) -> str:
    line = key_line(raw, loc)
    return f"line {line}: " if line else ""


def parse_checkpoint(raw: bytes, path: Path) -> Replayed:
    """Validate state.toml; raise DataFileError naming the line, card and field."""
    data = loads_toml(raw, path)
    unknown = set(data) - {"format", "updated", "reviews_total", "log", "today", "cards"}
    if unknown:
        field = sorted(unknown)[0]
        raise DataFileError(path, f"{_line(raw, [field])}field {field!r}: unknown key")
    if data.get("format") != STATE_FORMAT:
        raise DataFileError(
            path, f"{_line(raw, ['format'])}field 'format': expected {STATE_FORMAT}"
        )
    updated = data.get("updated")
    if updated is not None and not isinstance(updated, datetime):
        raise DataFileError(path, f"{_line(raw, ['updated'])}field 'updated': must be a date-time")
    replayed = Replayed()
    total = data.get("reviews_total", 0)
    if not _whole(total):
        raise DataFileError(
            path,
            f"{_line(raw, ['reviews_total'])}field 'reviews_total': must be a whole number >= 0",
        )
    replayed.total = total
    log = data.get("log")
    if log is not None:
        try:
            file, offset, last = log["file"], log["offset"], log["last"]
            before = log.get("before", -1)
            if not (isinstance(file, str) and isinstance(last, str) and MONTH_FILE.match(file)):
                raise TypeError
            if any(not _whole(v) for v in (offset, before)) or set(log) - _LOG_KEYS:
                raise TypeError
        except (KeyError, TypeError, AttributeError):
            raise DataFileError(
                path, f"{_line(raw, ['log'])}field 'log': needs file, offset and last"
            ) from None
        replayed.position = LogPosition(file, offset, last, before)
    today = data.get("today")
    if today is not None:
        try:
            day = today["day"]
            if not isinstance(day, date) or isinstance(day, datetime):
                raise TypeError
            counts = {k: today.get(k, 0) for k in ("new", "reviews", "graded", "ms")}
            if any(not _whole(v) for v in counts.values()) or set(today) - _TODAY_KEYS:
                raise TypeError
        except (KeyError, TypeError, AttributeError):
            raise DataFileError(
                path, f"{_line(raw, ['today'])}field 'today': needs day and whole-number counts"
            ) from None
        replayed.counts = DayCounts(day, **counts)
    cards = data.get("cards", {})
    if not isinstance(cards, dict):
        raise DataFileError(path, f"{_line(raw, ['cards'])}field 'cards': must be a table")
    for key, value in cards.items():
        try:
            if not _CARD_KEY.match(key):
                raise ValueError("not a card key ('deck-id/card-id')")
            replayed.states[key] = _state_from_toml(value)
        except ValueError as exc:
            raise DataFileError(path, f"{_line(raw, ['cards', key])}card {key!r}: {exc}") from None
    return replayed


def encode_state(s: CardState) -> list[Any]:
    """A card state as a compact JSON list (for the history cache; the TOML stays the record)."""
    return [
        s.state,
        s.step,
        s.stability,
        s.difficulty,
        s.due.timestamp() if s.due else None,
        s.last_review.timestamp() if s.last_review else None,
        s.reps,
        s.lapses,
        s.suspended,
        s.buried_until.toordinal() if s.buried_until else None,
    ]


def decode_state(v: list[Any]) -> CardState:
    """The inverse of encode_state; raises ValueError, TypeError or IndexError on a bad list."""
    ts = datetime.fromtimestamp
    if len(v) != 10:
        raise ValueError("not a card state")
    return CardState(
        v[0],
        v[1],
        v[2],
        v[3],
        ts(v[4], UTC) if v[4] is not None else None,
        ts(v[5], UTC) if v[5] is not None else None,
        v[6],
        v[7],
        v[8],
        date.fromordinal(v[9]) if v[9] is not None else None,
    )


# --- the derived copy of the checkpoint (storage/statecache.py) ------------------------------


def _cache_dump(replayed: Replayed, stamp: list[int]) -> bytes:
    p, c = replayed.position, replayed.counts
    return statecache.dump(
        replayed.states,
        replayed.total,
        [p.file, p.offset, p.last, p.before] if p else None,
        [c.day.toordinal(), c.new, c.reviews, c.graded, c.ms],
        stamp,
    )


def _cache_load(raw: bytes, stamp: list[int]) -> Replayed | None:
    cached = statecache.load(raw, stamp)
    if cached is None:
        return None
    try:
        pos, c = cached.position, cached.counts
        return Replayed(
            columns=cached.columns,
            counts=DayCounts(date.fromordinal(c[0]), c[1], c[2], c[3], c[4]),
            total=cached.total,
            position=LogPosition(pos[0], pos[1], pos[2], pos[3]) if pos else None,
        )
    except (ValueError, TypeError, IndexError, OverflowError):
        return None


# --- the store -----------------------------------------------------------------------------------


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
        self.settings_cache_path = self.paths.cache_profile
        self._profile: Profile | None = None
        self._new: NewProfile | None = None
        """A new user's profile, until its file is written (see ensure_profile)."""
        self._use_settings(self._load_settings())
        self.data = Replayed()
        self._checkpointed: LogPosition | None = None
        self._tail = 0
        self._undo: list[_Undo] = []
        self._write_lock = threading.Lock()
        self.notes: list[str] = []
        """Things worth telling the user that are not errors (e.g. a checkpoint rebuilt)."""
        with gc_paused():
            uncached = self._load()
        # Only once everything loaded: a failed open changes nothing.
        if self._settings_stale:
            self._cache_settings(self.settings)
        if uncached is not None:
            self._write_cache(uncached)
        if self.writer:
            self._tidy_after_crash()

    # loading

    @property
    def profile(self) -> Profile:
        """The validated profile (pydantic, imported only now); start-up reads `settings`."""
        if self._profile is None:
            from flashprep.core.storage.profile import load_profile

            if not self.profile_path.exists():
                self._profile = self._new_profile().model()
            else:
                try:
                    self._profile = load_profile(self.profile_path)
                except DataFileError as exc:
                    raise exc.with_recovery(self._recovery("profile.toml")) from None
        return self._profile

    def _new_profile(self) -> NewProfile:
        """A new user's profile, as plain values (its seed chosen once)."""
        if self._new is None:
            from flashprep.core.storage.profile import new_profile

            self._new = new_profile()
        return self._new

    def _load_settings(self) -> UserSettings:
        """The profile's values: from the settings cache while it matches profile.toml."""
        stamp = file_stamp(self.profile_path)
        self._settings_stale = stamp is not None
        if stamp is not None:
            cached = usersettings.read_cache(self.settings_cache_path, stamp)
            if cached is not None:
                self._settings_stale = False
                return cached
        if stamp is None:
            return self._new_profile().values()  # without pydantic
        return self.profile.values()

    def _cache_settings(self, settings: UserSettings) -> None:
        stamp = file_stamp(self.profile_path)
        if stamp is not None:
            with contextlib.suppress(OSError):
                usersettings.write_cache(self.settings_cache_path, stamp, settings)

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

    # loading

    def _tidy_after_crash(self) -> None:
        """What a crash can leave behind: temporary files, a half-built backup, a cut-off entry.

        The loaded schedule already left a cut-off entry out; moving it aside only keeps the
        next append from landing after it.
        """
        p = self.paths
        for folder in (p.folder, p.cache, p.cache_history, p.reviews, p.mock):
            remove_stale_temps(folder)  # every folder of the user's that atomic_write writes
        self.pending_temps().tidy()
        for edit in self.cache_path.parent.glob("edit-card-*.toml"):  # an $EDITOR session's file
            with contextlib.suppress(OSError):
                edit.unlink()
        remove_unfinished_backups(self.folder)
        for path in log_files(self.log_dir):
            moved = repair_tail(path)
            if moved is not None:
                self.notes.append(
                    f"{path}: its last entry was cut off (flashprep stopped while saving it); "
                    f"its bytes were moved to {moved.name}"
                )

    def _recovery(self, rel: str) -> str:
        """How to get going again when one of the user's files is broken (for error messages)."""
        backup = newest_backup(self.folder)
        copy = backup / rel if backup is not None else None
        if rel == "state.toml":
            return "it is only a checkpoint: delete it and flashprep rebuilds it from reviews/"
        if copy is not None and copy.is_file():
            when = backup_time(copy.parent if rel == "profile.toml" else copy.parent.parent)
            since = f" (changes since {when:%Y-%m-%d %H:%M} UTC are lost)" if when else ""
            return f"fix it by hand, or copy back the newest backup {copy}{since}"
        if rel == "profile.toml":
            return "fix it by hand, or delete it to start again from default settings"
        return "fix it by hand (docs/storage-format.md describes every field)"

    def _load(self) -> bytes | None:
        """Load the checkpoint and replay the log after it. Returns cache/state.bin's new
        contents when the cache did not match a checkpoint still in use (the caller writes them
        once every file has loaded), else None."""
        data: Replayed | None = None
        uncached: bytes | None = None
        if self.state_path.exists():
            stamp = stat_stamp(self.state_path.stat())
            with contextlib.suppress(OSError):
                data = _cache_load(self.cache_path.read_bytes(), stamp)
            if data is None:
                try:
                    data = parse_checkpoint(self.state_path.read_bytes(), self.state_path)
                except DataFileError as exc:
                    raise exc.with_recovery(self._recovery("state.toml")) from None
                uncached = _cache_dump(data, stamp)  # now: the replay changes `data`
        try:
            if data is not None and self._valid_position(data.position):
                self.data = data
                self._checkpointed = data.position
                self._replay_tail(data.position)
            else:
                if data is not None:
                    self.notes.append("schedule checkpoint did not match the review log: rebuilt")
                uncached = None  # a checkpoint that does not match is not worth caching
                self.data = Replayed()
                self._checkpointed = None
                self._tail = 0
                self._replay_tail(None)
        except DataFileError as exc:
            rel = f"reviews/{exc.path.name}"
            raise exc.with_recovery(self._recovery(rel)) from None
        return uncached

    def _write_cache(self, data: bytes) -> None:
        """Refresh cache/state.bin, the derived copy of the checkpoint (any process may: it is
        keyed by the checkpoint's size and mtime and written atomically)."""
        with contextlib.suppress(OSError):
            ensure_dir(self.cache_path.parent)
            atomic_write(self.cache_path, data, durable=False)  # checked when read
        with contextlib.suppress(OSError):  # the JSON copy earlier versions wrote
            (self.cache_path.parent / "state.json").unlink(missing_ok=True)

    def _bytes_before(self, file: str) -> int:
        """The size of every month file before `file` (see LogPosition.before)."""
        total = 0
        for path in log_files(self.log_dir):
            if path.name < file:
                with contextlib.suppress(OSError):
                    total += path.stat().st_size
        return total

    def _valid_position(self, position: LogPosition | None) -> bool:
        """The checkpoint's end must still be in the log: file there, long enough, same entry,
        and the earlier month files unchanged."""
        if position is None:
            return not log_files(self.log_dir)
        if position.before >= 0 and self._bytes_before(position.file) != position.before:
            return False
        return entry_ends_at(self.log_dir / position.file, position.offset, position.last)

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
        """Decode the card states now, if they are still the cache's columns (see Replayed):
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
        if not self.profile_path.exists():
            from flashprep.core.storage.profile import save_profile

            ensure_dir(self.folder)
            new = self._profile if self._profile is not None else self._new_profile()
            save_profile(self.profile_path, new)
            self._cache_settings(self.settings)

    def record(
        self,
        key: str,
        action: str = "grade",
        rating: int | None = None,
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

    def grade(self, key: str, rating: int, ms: int = 0) -> LogEntry:
        return self.record(key, "grade", rating, ms)

    def grade_once(self, grades: list[tuple[str, str, int]]) -> int:
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
        blocks = [entry_to_toml(entry) for entry in entries]
        path = append_file(self.log_dir, now)
        start, _ = append_entries(path, b"".join(blocks))
        for entry, block in zip(entries, blocks, strict=True):
            before, counts = self.data.states.get(entry.card), self.data.counts
            position, total = self.data.position, self.data.total
            apply_entry(self.scheduler, self.data, entry, self.rollover, self.tz)
            end = start + len(block)
            self.data.position = LogPosition(path.name, end, entry.id)
            self._tail += 1
            self._undo.append(
                _Undo(entry.card, before, counts, position, total, path, start, end, entry)
            )
            start = end
        return len(entries)

    def undo(self) -> LogEntry | None:
        """Take back this session's last action: its log block is cut off, its state restored."""
        if not self._undo:
            return None
        rec = self._undo.pop()
        if rec.path.stat().st_size != rec.end:
            self._undo.clear()
            raise DataFileError(rec.path, "changed by another process; cannot undo")
        truncate_durable(rec.path, rec.start)
        if rec.before is None:
            self.data.states.pop(rec.key, None)
        else:
            self.data.states[rec.key] = rec.before
        self.data.counts = rec.counts
        self.data.position = rec.position
        self.data.total = rec.total
        self._tail = max(0, self._tail - 1)
        cp = self._checkpointed
        if cp is not None and cp.file == rec.path.name and cp.offset > rec.start:
            self.checkpoint()
        return rec.entry

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
        """What importing `entries` changes in the log; nothing is written.

        Entries already in the log (same id) are skipped, so importing the same file twice adds
        nothing. Replay needs each card's entries in time order, and the log is replayed file by
        file (months, oldest first), entry by entry: so an entry goes into the file of its month.
        The log's order is the truth, even where the clock went back while the user graded: a
        month's own entries are never re-ordered; the new ones are merged in among them by time
        (a stable merge: each goes after every entry of the file that precedes it in time, as
        the file is read), and a month whose new entries all come after it is appended to.
        """
        existing: dict[str, list[LogEntry]] = {}
        known: set[str] = set()
        for path in log_files(self.log_dir):
            existing[path.name] = read_log_file(path)
            known.update(e.id for e in existing[path.name])
        fresh = sorted({e.id: e for e in entries if e.id not in known}.values(), key=lambda e: e.at)
        by_month: dict[str, list[LogEntry]] = {}
        for entry in fresh:
            by_month.setdefault(month_file(entry.at), []).append(entry)
        months = dict(existing)
        appended: dict[str, list[LogEntry]] = {}
        rewritten: set[str] = set()
        for name, new in by_month.items():
            old = existing.get(name, [])
            merged = list(heapq.merge(old, new, key=lambda e: e.at))
            months[name] = merged
            if merged[: len(old)] == old:
                appended[name] = new
            else:
                rewritten.add(name)
        return HistoryImport(len(fresh), months, appended, rewritten)

    def stage_import(self, plan: HistoryImport, staged: StagedFiles) -> None:
        """Write the month files an import changes to temporary files (see StagedFiles).

        A month that is appended to keeps its bytes as they are (comments, formatting) and
        gets the new blocks after them; a month the new entries go into the middle of is
        rewritten in the merged order.
        """
        for name, new in sorted(plan.appended.items()):
            path = self.log_dir / name
            head = LOG_HEADER
            if path.exists():
                if repair_tail(path) is not None:  # a cut-off entry: set aside, as at a start
                    self.notes.append(f"{path}: a cut-off last entry was moved to .partial")
                head = path.read_bytes() or LOG_HEADER
            staged.stage(path, head + b"".join(entry_to_toml(e) for e in new))
        for name in sorted(plan.rewritten):
            blocks = b"".join(entry_to_toml(e) for e in plan.months[name])
            staged.stage(self.log_dir / name, LOG_HEADER + blocks)

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
        self.data = Replayed()
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

    def needs_checkpoint(self) -> bool:
        return self._tail >= CHECKPOINT_EVERY

    def snapshot(self) -> Replayed:
        """A copy of the replayed state that a worker thread may serialise."""
        d = self.data
        return Replayed(dict(d.states), d.counts, d.total, d.position)

    def checkpoint(self, snapshot: Replayed | None = None) -> None:
        """Rewrite state.toml atomically (and its cache) from the replayed log; back up when due.

        The backup copies the files as they are now; a failure to make it does not stop the
        checkpoint (it is noted in `notes`).
        """
        snap = snapshot or self.snapshot()
        with self._write_lock:
            if snap.position is not None:
                before = self._bytes_before(snap.position.file)
                position = snap.position._replace(before=before)
                snap = Replayed(snap.states, snap.counts, snap.total, position)
            now = self.clock()
            data = checkpoint_to_toml(snap, now)
            ensure_dir(self.folder)
            self.ensure_profile()
            atomic_write(self.state_path, data)
            self._write_cache(_cache_dump(snap, stat_stamp(self.state_path.stat())))
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
        from flashprep.core.storage.profile import save_profile

        ensure_dir(self.folder)
        save_profile(self.profile_path, profile)
        self._profile = profile
        self._use_settings(profile.values())
        self._cache_settings(self.settings)
