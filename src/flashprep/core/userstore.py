"""One user's data folder: profile, schedule checkpoint, review log; grades, undo, buries, suspends.

Every action is appended to the log and fsynced before it changes anything in memory, so it is on
disk before the next card is shown. `state.toml` is a checkpoint of the replayed log: on opening,
only the log written after it is replayed, so start-up does not grow with the history; it is
rewritten atomically at the end of a drill and when the tail grows long. A derived JSON copy of the
checkpoint (cache/state.json, keyed by the checkpoint's size and mtime) spares parsing it when
nothing changed.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flashprep.core import usersettings
from flashprep.core.bulkload import gc_paused
from flashprep.core.clock import Clock, study_day, system_clock
from flashprep.core.fileio import (
    append_durable,
    atomic_write,
    ensure_dir,
    file_stamp,
    truncate_durable,
)
from flashprep.core.paths import Home
from flashprep.core.reviewlog import (
    LOG_HEADER,
    LogEntry,
    entry_to_toml,
    log_files,
    month_file,
    new_entry_id,
    read_log_file,
    toml_instant,
)
from flashprep.core.scheduler import NEW, CardState, Scheduler
from flashprep.core.tomlerrors import DataFileError, loads_toml
from flashprep.core.usersettings import UserSettings

if TYPE_CHECKING:
    from flashprep.core.profile import Profile

STATE_FORMAT = 1
NEWLINE = b"\n"
CHECKPOINT_EVERY = 200
"""Rewrite the checkpoint once this many log entries are not yet in it."""


@dataclass
class DayCounts:
    """What the user did on one study day (for the daily limits and `stats`)."""

    day: date
    new: int = 0
    reviews: int = 0
    graded: int = 0
    ms: int = 0


@dataclass(frozen=True)
class LogPosition:
    """Where the checkpoint ends in the log: file name, byte offset, id of the last entry."""

    file: str
    offset: int
    last: str


@dataclass
class _Undo:
    key: str
    before: CardState | None
    counts: DayCounts
    position: LogPosition | None
    total: int
    path: Path
    start: int
    end: int
    entry: LogEntry


@dataclass
class Replayed:
    """The replayed schedule: card states, today's counts, total grades, where the log ends."""

    states: dict[str, CardState] = field(default_factory=dict)
    counts: DayCounts = field(default_factory=lambda: DayCounts(date.min))
    total: int = 0
    position: LogPosition | None = None


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
            counts = replayed.counts = DayCounts(day)
        if day == counts.day:
            counts.graded += 1
            counts.ms += entry.ms
            if before.is_new:
                counts.new += 1
            elif before.state == "review":
                counts.reviews += 1
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
        if v is not None and not (isinstance(v, datetime) and v.tzinfo is not None):
            raise ValueError(f"field {name!r}: must be a date-time with a time zone")
    for name in ("stability", "difficulty"):
        v = value.get(name)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float) or v <= 0):
            raise ValueError(f"field {name!r}: must be a positive number")
    for name in ("step", "reps", "lapses"):
        v = value.get(name)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
            raise ValueError(f"field {name!r}: must be a whole number >= 0")
    buried = value.get("buried_until")
    if buried is not None and (not isinstance(buried, date) or isinstance(buried, datetime)):
        raise ValueError("field 'buried_until': must be a date")
    suspended = value.get("suspended", False)
    if not isinstance(suspended, bool):
        raise ValueError("field 'suspended': must be true or false")
    if state != "new" and (value.get("due") is None or value.get("stability") is None):
        raise ValueError("field 'due': a card that was reviewed needs due and stability")
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


def _line_of(raw: bytes, key: str) -> str:
    at = raw.find(f'"{key}"'.encode())
    return f"line {raw.count(NEWLINE, 0, at) + 1}: " if at >= 0 else ""


def parse_checkpoint(raw: bytes, path: Path) -> Replayed:
    """Validate state.toml; raise DataFileError naming the line, card and field."""
    data = loads_toml(raw, path)
    unknown = set(data) - {"format", "updated", "reviews_total", "log", "today", "cards"}
    if unknown:
        raise DataFileError(path, f"field {sorted(unknown)[0]!r}: unknown key")
    if data.get("format") != STATE_FORMAT:
        raise DataFileError(path, f"field 'format': expected {STATE_FORMAT}")
    replayed = Replayed()
    total = data.get("reviews_total", 0)
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise DataFileError(path, "field 'reviews_total': must be a whole number >= 0")
    replayed.total = total
    log = data.get("log")
    if log is not None:
        try:
            file, offset, last = log["file"], log["offset"], log["last"]
            if not (isinstance(file, str) and isinstance(last, str) and isinstance(offset, int)):
                raise TypeError
        except (KeyError, TypeError):
            raise DataFileError(path, "field 'log': needs file, offset and last") from None
        replayed.position = LogPosition(file, offset, last)
    today = data.get("today")
    if today is not None:
        try:
            day = today["day"]
            if not isinstance(day, date) or isinstance(day, datetime):
                raise TypeError
            counts = {k: today.get(k, 0) for k in ("new", "reviews", "graded", "ms")}
            if any(not isinstance(v, int) or v < 0 for v in counts.values()):
                raise TypeError
        except (KeyError, TypeError):
            raise DataFileError(path, "field 'today': needs day and whole-number counts") from None
        replayed.counts = DayCounts(day, **counts)
    cards = data.get("cards", {})
    if not isinstance(cards, dict):
        raise DataFileError(path, "field 'cards': must be a table")
    for key, value in cards.items():
        try:
            replayed.states[key] = _state_from_toml(value)
        except ValueError as exc:
            raise DataFileError(path, f"{_line_of(raw, key)}card {key!r}: {exc}") from None
    return replayed


# --- the derived JSON cache of the checkpoint ---------------------------------------------------

CACHE_FORMAT = 2
"""Version of cache/state.json: one list per field ("columns"), which JSON decodes fastest."""


def _cache_dump(replayed: Replayed, stamp: list[int]) -> bytes:
    states = list(replayed.states.values())

    def instants(values: list[datetime | None]) -> list[str | None]:
        return [v.isoformat() if v is not None else None for v in values]

    p = replayed.position
    c = replayed.counts
    doc = {
        "v": CACHE_FORMAT,
        "stamp": stamp,
        "total": replayed.total,
        "pos": [p.file, p.offset, p.last] if p else None,
        "counts": [c.day.toordinal(), c.new, c.reviews, c.graded, c.ms],
        "keys": list(replayed.states),
        "state": [s.state for s in states],
        "step": [s.step for s in states],
        "stability": [s.stability for s in states],
        "difficulty": [s.difficulty for s in states],
        "due": instants([s.due for s in states]),
        "last_review": instants([s.last_review for s in states]),
        "reps": [s.reps for s in states],
        "lapses": [s.lapses for s in states],
        "suspended": [s.suspended for s in states],
        "buried_until": [s.buried_until.toordinal() if s.buried_until else None for s in states],
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def _cache_load(raw: bytes, stamp: list[int]) -> Replayed | None:
    try:
        doc = json.loads(raw)
        if doc.get("v") != CACHE_FORMAT or doc.get("stamp") != stamp:
            return None
        instant = datetime.fromisoformat
        keys = doc["keys"]
        columns = [
            doc["state"],
            doc["step"],
            doc["stability"],
            doc["difficulty"],
            [instant(v) if v is not None else None for v in doc["due"]],
            [instant(v) if v is not None else None for v in doc["last_review"]],
            doc["reps"],
            doc["lapses"],
            doc["suspended"],
            [date.fromordinal(v) if v is not None else None for v in doc["buried_until"]],
        ]
        if any(len(column) != len(keys) for column in columns):
            return None
        make = functools.partial(tuple.__new__, CardState)  # _make, without its length check
        states = dict(zip(keys, map(make, zip(*columns, strict=True)), strict=True))
        pos = doc["pos"]
        c = doc["counts"]
        return Replayed(
            states=states,
            counts=DayCounts(date.fromordinal(c[0]), c[1], c[2], c[3], c[4]),
            total=doc["total"],
            position=LogPosition(pos[0], pos[1], pos[2]) if pos else None,
        )
    except (ValueError, KeyError, TypeError, IndexError, OverflowError):
        return None


def _stamp(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


# --- the store -----------------------------------------------------------------------------------


class UserStore:
    """A user's schedule in memory, backed by their files. One writer at a time (see locking)."""

    def __init__(self, home: Home, user: str, clock: Clock = system_clock) -> None:
        self.home = home
        self.user = user
        self.clock = clock
        self.folder = home.user_dir(user)
        self.profile_path = self.folder / "profile.toml"
        self.state_path = self.folder / "state.toml"
        self.log_dir = self.folder / "reviews"
        self.cache_path = self.folder / "cache" / "state.json"
        self.settings_cache_path = self.folder / "cache" / "profile.json"
        self._profile: Profile | None = None
        self._use_settings(self._load_settings())
        self.data = Replayed()
        self._checkpointed: LogPosition | None = None
        self._tail = 0
        self._undo: list[_Undo] = []
        self._write_lock = threading.Lock()
        self.notes: list[str] = []
        """Things worth telling the user that are not errors (e.g. a checkpoint rebuilt)."""
        with gc_paused():
            self._load()

    # loading

    @property
    def profile(self) -> Profile:
        """The validated profile (pydantic, imported only now); start-up reads `settings`."""
        if self._profile is None:
            from flashprep.core.profile import load_profile, new_profile

            exists = self.profile_path.exists()
            self._profile = load_profile(self.profile_path) if exists else new_profile()
        return self._profile

    def _load_settings(self) -> UserSettings:
        """The profile's values: from the settings cache while it matches profile.toml."""
        stamp = file_stamp(self.profile_path)
        if stamp is not None:
            cached = usersettings.read_cache(self.settings_cache_path, stamp)
            if cached is not None:
                return cached
        settings = self.profile.values()
        if stamp is not None:
            self._cache_settings(settings)
        return settings

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

    def _load(self) -> None:
        data: Replayed | None = None
        if self.state_path.exists():
            stamp = _stamp(self.state_path)
            with contextlib.suppress(OSError):
                data = _cache_load(self.cache_path.read_bytes(), stamp)
            if data is None:
                data = parse_checkpoint(self.state_path.read_bytes(), self.state_path)
        if data is not None and self._valid_position(data.position):
            self.data = data
            self._checkpointed = data.position
            self._replay_tail(data.position)
        else:
            if data is not None:
                self.notes.append("schedule checkpoint did not match the review log: rebuilt")
            self.data = Replayed()
            self._checkpointed = None
            self._replay_tail(None)

    def _valid_position(self, position: LogPosition | None) -> bool:
        """The checkpoint's end must still be in the log: file there, long enough, same entry."""
        if position is None:
            return not log_files(self.log_dir)
        path = self.log_dir / position.file
        try:
            with path.open("rb") as handle:
                size = handle.seek(0, os.SEEK_END)
                if position.offset > size:
                    return False
                handle.seek(max(0, position.offset - 1024))
                before = handle.read(position.offset - max(0, position.offset - 1024))
        except OSError:
            return False
        marker = f'id = "{position.last}"'.encode()
        return before.rfind(marker) > before.rfind(b"[[review]]")

    def _replay_tail(self, position: LogPosition | None) -> None:
        for path in log_files(self.log_dir):
            offset = 0
            if position is not None:
                if path.name < position.file:
                    continue
                if path.name == position.file:
                    offset = position.offset
            entries = read_log_file(path, offset)
            for entry in entries:
                apply_entry(self.scheduler, self.data, entry, self.rollover, self.tz)
            self._tail += len(entries)
            if entries:
                size = path.stat().st_size
                self.data.position = LogPosition(path.name, size, entries[-1].id)

    # reading

    def now(self) -> datetime:
        return self.clock()

    def today(self, now: datetime | None = None) -> date:
        return study_day(now or self.clock(), self.rollover, self.tz)

    def state(self, key: str) -> CardState:
        return self.data.states.get(key, NEW)

    @property
    def states(self) -> dict[str, CardState]:
        return self.data.states

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
            from flashprep.core.profile import save_profile

            ensure_dir(self.folder)
            save_profile(self.profile_path, self.profile)
            self._cache_settings(self.settings)

    def record(
        self, key: str, action: str = "grade", rating: int | None = None, ms: int = 0
    ) -> LogEntry:
        """Append one action to the log (durably), then apply it. Returns the entry."""
        self.ensure_profile()
        now = self.clock()
        entry = LogEntry(new_entry_id(now), now, key, rating, action, max(0, ms))
        path = self.log_dir / month_file(now)
        before = self.data.states.get(key)
        counts = replace(self.data.counts)
        position, total = self.data.position, self.data.total
        start, end = append_durable(path, entry_to_toml(entry), LOG_HEADER)
        apply_entry(self.scheduler, self.data, entry, self.rollover, self.tz)
        self.data.position = LogPosition(path.name, end, entry.id)
        self._tail += 1
        self._undo.append(_Undo(key, before, counts, position, total, path, start, end, entry))
        return entry

    def grade(self, key: str, rating: int, ms: int = 0) -> LogEntry:
        return self.record(key, "grade", rating, ms)

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

    def needs_checkpoint(self) -> bool:
        return self._tail >= CHECKPOINT_EVERY

    def snapshot(self) -> Replayed:
        """A copy of the replayed state that a worker thread may serialise."""
        d = self.data
        return Replayed(dict(d.states), replace(d.counts), d.total, d.position)

    def checkpoint(self, snapshot: Replayed | None = None) -> None:
        """Rewrite state.toml atomically (and its cache) from the replayed log."""
        snap = snapshot or self.snapshot()
        data = checkpoint_to_toml(snap, self.clock())
        with self._write_lock:
            ensure_dir(self.folder)
            self.ensure_profile()
            atomic_write(self.state_path, data)
            with contextlib.suppress(OSError):
                atomic_write(self.cache_path, _cache_dump(snap, _stamp(self.state_path)))
            self._checkpointed = snap.position
            if snap.position == self.data.position:
                self._tail = 0

    def save_profile(self, profile: Profile) -> None:
        """Write new settings; they take effect at once."""
        from flashprep.core.profile import save_profile

        ensure_dir(self.folder)
        save_profile(self.profile_path, profile)
        self._profile = profile
        self._use_settings(profile.values())
        self._cache_settings(self.settings)
