"""The schedule checkpoint: state.toml (the record) and cache/state.bin (its derived copy).

state.toml is the replayed log up to a position (LogPosition), so that opening replays only the
log written after it. It is validated strictly, each error naming its line, card and field. The
binary copy (storage/statecache.py) is keyed by state.toml's size and mtime and spares parsing it
when nothing changed. Opening trusts a checkpoint only while its position is still the end of
the same entry in the log (`valid_position`).
"""

from __future__ import annotations

import contextlib
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from flashprep.core.clock import toml_instant
from flashprep.core.files.fileio import atomic_write, ensure_dir, stat_stamp
from flashprep.core.files.tomlerrors import DataFileError, key_line, loads_toml
from flashprep.core.keys import CARD_KEY
from flashprep.core.scheduling.codecs import from_toml_table, to_toml_line, whole
from flashprep.core.storage import statecache
from flashprep.core.storage.device import DEVICE_ID
from flashprep.core.storage.logread import log_files
from flashprep.core.storage.logtail import entry_ends_at
from flashprep.core.storage.replay import DayCounts, LogPosition, Schedule
from flashprep.core.storage.reviewlog import MONTH_FILE

STATE_FORMAT = 2
"""Written; 1 (before syncing: one log, no `device`, `devices` or `tops`) is read too."""
_FORMATS = (1, 2)


def checkpoint_to_toml(schedule: Schedule, updated: datetime) -> bytes:
    """state.toml's bytes for a schedule (cards in key order)."""
    c = schedule.counts
    out = [
        "# flashprep schedule checkpoint: one line per card you have seen. It is rebuilt from\n",
        "# reviews/ whenever needed; see docs/storage-format.md before editing it by hand.\n",
        f"format = {STATE_FORMAT}\n",
        f"updated = {toml_instant(updated)}\n",
        f"reviews_total = {schedule.total}\n",
    ]
    if schedule.device:
        out.append(f'device = "{schedule.device}"\n')
    if schedule.unsorted:
        out.append(f"unsorted = {json.dumps(sorted(schedule.unsorted))}\n")
    if schedule.position is not None:
        out.append("\n[log]\n" + _position_lines(schedule.position))
    for device, end in sorted(schedule.ends.items()):
        out.append(f'\n[devices."{device}"]\n' + _position_lines(end))
    if schedule.tops:
        out.append("\n[tops]\n")
        out.extend(
            f'"{device}" = {{ at = {toml_instant(at)}, id = {json.dumps(last)} }}\n'
            for device, (at, last) in sorted(schedule.tops.items())
        )
    if c.day != date.min:
        out.append(
            f"\n[today]\nday = {c.day.isoformat()}\nnew = {c.new}\nreviews = {c.reviews}\n"
            f"graded = {c.graded}\nms = {c.ms}\n"
        )
    out.append("\n[cards]\n")
    out.extend(to_toml_line(k, s) for k, s in sorted(schedule.states.items()))
    return "".join(out).encode()


def _position_lines(p: LogPosition) -> str:
    text = f"file = {json.dumps(p.file)}\noffset = {p.offset}\nlast = {json.dumps(p.last)}\n"
    return text + (f"before = {p.before}\n" if p.before >= 0 else "")


_LOG_KEYS = {"file", "offset", "last", "before"}
_TODAY_KEYS = {"day", "new", "reviews", "graded", "ms"}
_CARD_KEY = CARD_KEY


def _parse_position(raw: bytes, path: Path, log: object, loc: list[str | int]) -> LogPosition:
    """A `[log]` (or `[devices."id"]`) table: where a device's log ends in the checkpoint."""
    try:
        if not isinstance(log, dict):
            raise TypeError
        file, offset, last = log["file"], log["offset"], log["last"]
        before = log.get("before", -1)
        if not (isinstance(file, str) and isinstance(last, str) and MONTH_FILE.match(file)):
            raise TypeError
        if any(not whole(v) for v in (offset, before)) or set(log) - _LOG_KEYS:
            raise TypeError
    except (KeyError, TypeError, AttributeError):
        field = ".".join(str(part) for part in loc)
        raise DataFileError(
            path, f"{_line(raw, loc)}field {field!r}: needs file, offset and last"
        ) from None
    return LogPosition(file, offset, last, before)


def _line(raw: bytes, loc: list[str | int]) -> str:
    line = key_line(raw, loc)
    return f"line {line}: " if line else ""


_WHOLE = r"(0|[1-9][0-9]*)"
_FLOAT = r"(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+(?:e[-+]?[0-9]+)?|e[-+]?[0-9]+))"
_INSTANT = r"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{6})?)Z"
_CARD_LINE = re.compile(
    r'"([^"\\\x00-\x1f\x7f]+)" = \{ state = "(new|learning|review|relearning)"'
    rf"(?:, step = {_WHOLE})?(?:, stability = {_FLOAT})?(?:, difficulty = {_FLOAT})?"
    rf"(?:, due = {_INSTANT})?(?:, last_review = {_INSTANT})?"
    rf"(?:, reps = {_WHOLE})?(?:, lapses = {_WHOLE})?(?:, (suspended) = true)?"
    r"(?:, buried_until = ([0-9]{4}-[0-9]{2}-[0-9]{2}))? \}\n"
)
"""One card's line as to_toml_line writes it (fields in its order, defaults left out)."""
_CARDS = "\n[cards]\n"


def _written_cards(text: str) -> dict[str, dict[str, Any]] | None:
    """The [cards] table's lines, as tomllib reads them, when every one is a line as
    to_toml_line writes it; else None. A 50,000-card checkpoint read by tomllib took over a
    second of a start whose state cache was gone (a copied folder, a deleted cache)."""
    cards: dict[str, dict[str, Any]] = {}
    match = _CARD_LINE.match
    at, end, lines = 0, len(text), 0
    try:
        while at < end:
            found = match(text, at)
            if found is None:
                return None
            key, state, step, stability, difficulty, due, last, reps, lapses, sus, buried = (
                found.groups()
            )
            value: dict[str, Any] = {"state": state}
            if step is not None:
                value["step"] = int(step)
            if stability is not None:
                value["stability"] = float(stability)
            if difficulty is not None:
                value["difficulty"] = float(difficulty)
            if due is not None:
                value["due"] = datetime.fromisoformat(due).replace(tzinfo=UTC)
            if last is not None:
                value["last_review"] = datetime.fromisoformat(last).replace(tzinfo=UTC)
            if reps is not None:
                value["reps"] = int(reps)
            if lapses is not None:
                value["lapses"] = int(lapses)
            if sus is not None:
                value["suspended"] = True
            if buried is not None:
                value["buried_until"] = date.fromisoformat(buried)
            cards[key] = value
            lines += 1
            at = found.end()
    except ValueError:  # a month 13, a day 32: tomllib says where
        return None
    return cards if len(cards) == lines else None  # a key twice: tomllib's error


def _load(raw: bytes, path: Path) -> dict[str, Any]:
    """state.toml as tomllib reads it: its [cards] lines (nearly all of it) read fast when each
    is as flashprep writes it, the rest by loads_toml; else all by loads_toml (and its errors)."""
    at = raw.find(_CARDS.encode())
    if at >= 0:
        try:
            cards = _written_cards(raw[at + len(_CARDS) :].decode())
        except UnicodeDecodeError:
            cards = None
        if cards is not None:
            with contextlib.suppress(DataFileError):  # reported as the whole file's error
                data = loads_toml(raw[: at + 1], path)
                if "cards" not in data:
                    data["cards"] = cards
                    return data
    return loads_toml(raw, path)


def parse_checkpoint(raw: bytes, path: Path) -> Schedule:
    """Validate state.toml; raise DataFileError naming the line, card and field."""
    data = _load(raw, path)
    known = {"format", "updated", "reviews_total", "log", "today", "cards"}
    if data.get("format") == STATE_FORMAT:
        known |= {"device", "devices", "tops", "unsorted"}
    unknown = set(data) - known
    if unknown:
        field = sorted(unknown)[0]
        raise DataFileError(path, f"{_line(raw, [field])}field {field!r}: unknown key")
    if data.get("format") not in _FORMATS:
        raise DataFileError(
            path, f"{_line(raw, ['format'])}field 'format': expected {STATE_FORMAT}"
        )
    updated = data.get("updated")
    if updated is not None and not isinstance(updated, datetime):
        raise DataFileError(path, f"{_line(raw, ['updated'])}field 'updated': must be a date-time")
    schedule = Schedule()
    total = data.get("reviews_total", 0)
    if not whole(total):
        raise DataFileError(
            path,
            f"{_line(raw, ['reviews_total'])}field 'reviews_total': must be a whole number >= 0",
        )
    schedule.total = total
    log = data.get("log")
    if log is not None:
        schedule.position = _parse_position(raw, path, log, ["log"])
    device = data.get("device", "")
    if not isinstance(device, str) or (device and not DEVICE_ID.match(device)):
        raise DataFileError(path, f"{_line(raw, ['device'])}field 'device': not a device id")
    schedule.device = device
    devices = data.get("devices", {})
    if not isinstance(devices, dict):
        raise DataFileError(path, f"{_line(raw, ['devices'])}field 'devices': must be a table")
    for name, end in devices.items():
        if name and not DEVICE_ID.match(name):
            raise DataFileError(path, f"{_line(raw, ['devices', name])}device {name!r}: not an id")
        schedule.ends[name] = _parse_position(raw, path, end, ["devices", name])
    unsorted = data.get("unsorted", [])
    if not isinstance(unsorted, list) or not all(
        isinstance(d, str) and (not d or DEVICE_ID.match(d)) for d in unsorted
    ):
        raise DataFileError(
            path, f"{_line(raw, ['unsorted'])}field 'unsorted': must be a list of device ids"
        )
    schedule.unsorted = set(unsorted)
    tops = data.get("tops", {})
    if not isinstance(tops, dict):
        raise DataFileError(path, f"{_line(raw, ['tops'])}field 'tops': must be a table")
    for name, top in tops.items():
        try:
            at, last = top["at"], top["id"]
            if not (isinstance(at, datetime) and at.tzinfo and isinstance(last, str)):
                raise TypeError
            if set(top) - {"at", "id"} or (name and not DEVICE_ID.match(name)):
                raise TypeError
        except (KeyError, TypeError):
            raise DataFileError(
                path, f"{_line(raw, ['tops', name])}top {name!r}: needs at (with a zone) and id"
            ) from None
        schedule.tops[name] = (at.astimezone(UTC), last)
    today = data.get("today")
    if today is not None:
        try:
            day = today["day"]
            if not isinstance(day, date) or isinstance(day, datetime):
                raise TypeError
            counts = {k: today.get(k, 0) for k in ("new", "reviews", "graded", "ms")}
            if any(not whole(v) for v in counts.values()) or set(today) - _TODAY_KEYS:
                raise TypeError
        except (KeyError, TypeError, AttributeError):
            raise DataFileError(
                path, f"{_line(raw, ['today'])}field 'today': needs day and whole-number counts"
            ) from None
        schedule.counts = DayCounts(day, **counts)
    cards = data.get("cards", {})
    if not isinstance(cards, dict):
        raise DataFileError(path, f"{_line(raw, ['cards'])}field 'cards': must be a table")
    for key, value in cards.items():
        try:
            if not _CARD_KEY.match(key):
                raise ValueError("not a card key ('deck-id/card-id')")
            schedule.states[key] = from_toml_table(value)
        except ValueError as exc:
            raise DataFileError(path, f"{_line(raw, ['cards', key])}card {key!r}: {exc}") from None
    return schedule


# --- the derived copy of the checkpoint (storage/statecache.py) ------------------------------


def cache_dump(schedule: Schedule, stamp: list[int]) -> bytes:
    """cache/state.bin's bytes for a schedule checkpointed in a state.toml with `stamp`."""
    p, c = schedule.position, schedule.counts
    sync = {
        "device": schedule.device,
        "ends": {d: list(end) for d, end in schedule.ends.items()},
        "tops": {d: [at.timestamp(), last] for d, (at, last) in schedule.tops.items()},
        "unsorted": sorted(schedule.unsorted),
    }
    return statecache.dump(
        schedule.states,
        schedule.total,
        [p.file, p.offset, p.last, p.before] if p else None,
        [c.day.toordinal(), c.new, c.reviews, c.graded, c.ms],
        stamp,
        sync,
    )


def cache_load(raw: bytes, stamp: list[int], hints: Any = None) -> Schedule | None:
    """The schedule in a cache/state.bin, or None when it is not the cache of this state.toml
    (`hints`: see statecache.load)."""
    cached = statecache.load(raw, stamp, hints)
    if cached is None:
        return None
    try:
        pos, c = cached.position, cached.counts
        schedule = Schedule(
            columns=cached.columns,
            counts=DayCounts(date.fromordinal(c[0]), c[1], c[2], c[3], c[4]),
            total=cached.total,
            position=LogPosition(pos[0], pos[1], pos[2], pos[3]) if pos else None,
        )
        sync = cached.sync
        schedule.device = str(sync["device"])
        schedule.ends = {str(d): LogPosition(*end) for d, end in sync["ends"].items()}
        schedule.tops = {
            str(d): (datetime.fromtimestamp(ts, UTC), str(last))
            for d, (ts, last) in sync["tops"].items()
        }
        schedule.unsorted = {str(d) for d in sync["unsorted"]}
        return schedule
    except (ValueError, TypeError, IndexError, OverflowError, KeyError, AttributeError):
        return None


def checkpoint_stamp(path: Path) -> list[int]:
    """The stamp of state.toml, which its cache is keyed by (raises OSError if gone)."""
    return stat_stamp(path.stat())


def write_cache(path: Path, data: bytes) -> None:
    """Refresh cache/state.bin, the derived copy of the checkpoint (any process may: it is
    keyed by the checkpoint's size and mtime and written atomically)."""
    with contextlib.suppress(OSError):
        ensure_dir(path.parent)
        atomic_write(path, data, durable=False)  # checked when read
    with contextlib.suppress(OSError):  # the JSON copy earlier versions wrote
        (path.parent / "state.json").unlink(missing_ok=True)


def bytes_before(log_dir: Path, file: str) -> int:
    """The size of every month file before `file` (see LogPosition.before)."""
    total = 0
    for path in log_files(log_dir):
        if path.name < file:
            with contextlib.suppress(OSError):
                total += path.stat().st_size
    return total


def valid_position(log_dir: Path, position: LogPosition | None) -> bool:
    """The checkpoint's end must still be in the log: file there, long enough, same entry,
    and the earlier month files unchanged."""
    if position is None:
        return not log_files(log_dir)
    if position.before >= 0 and bytes_before(log_dir, position.file) != position.before:
        return False
    return entry_ends_at(log_dir / position.file, position.offset, position.last)
