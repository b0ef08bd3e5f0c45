"""The true retention of a long history without finding its samples again each time.

Telling the samples (retention.py) among a million grades takes a third of a second, while the
table needs only their counts per study day. So the counts of the history up to a mark of the
history cache (HistoryReader.marks: a beginning that later loads give again unless the log changed
there) are kept in `cache/history/retention.json` (one file per deck asked for), as the
calibration keeps its state (modelfit.py): the next time only the grades after the mark are looked
at. The counts depend on the study days too, so they are kept with the instants at which each of
their days began: another rollover hour or time zone (the system's, when the settings name none)
gives other instants, and the counts are made afresh. Derived from the log: may be deleted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from flashprep.core.files.fileio import atomic_write
from flashprep.core.stats.history import History
from flashprep.core.stats.retention import RetentionTally
from flashprep.core.stats.studydays import Calendar, Dated
from flashprep.core.stats.tally import Tally

RETENTION_FORMAT = 2


class RetentionCache:
    """The retention counts of one deck (all for None) at the stable mark of the history
    cache (see HistoryReader.marks and .stable); `save()` writes them if this run made them."""

    def __init__(
        self,
        folder: Path,
        marks: Mapping[str, int],
        stable: tuple[str, int] | None,
        deck: str | None = None,
    ) -> None:
        name = "retention.json"
        if deck is not None:
            name = f"retention-{hashlib.sha1(deck.encode()).hexdigest()[:16]}.json"
        self.path = folder / name
        self.marks = marks
        self.stable = stable
        self.deck = deck
        self._pending: bytes | None = None
        self.resumed_at = 0
        """How many grades the saved counts held (0 when there were none to go on from)."""

    def tally(self, history: History, cal: Calendar) -> Tally | None:
        """`history` (every grade the reader loaded, of every deck) tallied for the deck; None
        when its days go back somewhere (then only the grade-by-grade walk of
        retention_samples tells the samples)."""
        tally, count = Tally(), 0
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError, AttributeError):
            tally, count = self._read(history, cal)
        self.resumed_at = count
        stable = self.stable
        if stable is not None and count < stable[1] <= len(history):
            if not tally.add(self._dated(history[count : stable[1]], cal)):
                return None
            count = stable[1]
            self._pending = self._encode(tally, stable[0], count, history, cal)
        if not tally.add(self._dated(history[count:], cal)):
            return None
        return tally

    def save(self) -> None:
        """Write the counts at the stable mark if this run made them; failing is no error."""
        pending, self._pending = self._pending, None
        if pending is not None:
            with contextlib.suppress(OSError):
                atomic_write(self.path, pending, durable=False)

    def _dated(self, part: History, cal: Calendar) -> Dated:
        if self.deck is not None:
            prefix = f"{self.deck}/"
            part = part.select([card.startswith(prefix) for card in part.card])
        return cal.dated(part)

    def _encode(
        self, tally: Tally, mark: str, count: int, history: History, cal: Calendar
    ) -> bytes:
        samples = tally.retention
        doc = {
            "v": RETENTION_FORMAT,
            "mark": mark,
            "count": count,
            "deck": self.deck,
            "days": _days_key(history, samples.last_day, cal),
            "counts": [[*key, n] for key, n in sorted(samples.counts.items())],
            "last_day": samples.last_day,
            "last_cards": sorted(samples.last_cards),
            "per_day": sorted(tally.days.items()),
            "agains": dict(tally.agains),
            "forgotten": sorted(tally.forgotten),
            "total": tally.total,
        }
        return json.dumps(doc, separators=(",", ":")).encode()

    def _read(self, history: History, cal: Calendar) -> tuple[Tally, int]:
        """The saved counts, if they are of a beginning of this history on these study days
        (ValueError, KeyError, TypeError otherwise)."""
        doc = json.loads(self.path.read_bytes())
        if doc["v"] != RETENTION_FORMAT or doc["deck"] != self.deck:
            raise ValueError("another format or deck")
        count = doc["count"]
        if self.marks.get(doc["mark"]) != count or not 0 < count <= len(history):
            raise ValueError("not a mark of this history")
        last_day = doc["last_day"]
        if last_day is not None and not isinstance(last_day, int):
            raise TypeError("bad last day")
        if doc["days"] != _days_key(history, last_day, cal):
            raise ValueError("other study days")
        counts: Counter[tuple[int, bool, bool]] = Counter()
        for day, mature, failed, n in doc["counts"]:
            if not (isinstance(day, int) and isinstance(n, int)):
                raise TypeError("bad count")
            counts[(day, bool(mature), bool(failed))] = n
        cards, forgotten, agains = doc["last_cards"], doc["forgotten"], doc["agains"]
        if not {*map(type, cards), *map(type, forgotten)} <= {str}:  # (no step per card)
            raise TypeError("bad card")
        if not set(map(type, agains.values())) <= {int, bool}:  # as isinstance(n, int)
            raise TypeError("bad count")
        per_day: Counter[int] = Counter()
        for day, n in doc["per_day"]:
            if not (isinstance(day, int) and isinstance(n, int)):
                raise TypeError("bad count")
            per_day[day] = n
        total = doc["total"]
        if not isinstance(total, int):
            raise TypeError("bad total")
        samples = RetentionTally(counts, last_day, set(cards))
        return Tally(samples, per_day, Counter(agains), set(forgotten), total), count


def _days_key(history: History, last_day: int | None, cal: Calendar) -> str:
    """Identifies the study days from the first grade's to `last_day`: the instants (UTC) at
    which each of them began, and the one after it ended. The same instants put every grade
    between them on the same study day, whatever the rollover hour and time zone."""
    if last_day is None or not len(history):
        return ""
    first = min(cal.day(history[0].ts), last_day)  # (a loaded history makes no whole column)
    starts = [cal.start(day).timestamp() for day in range(first, last_day + 2)]
    return hashlib.sha1(json.dumps(starts).encode()).hexdigest()
