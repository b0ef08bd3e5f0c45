"""The review history as the statistics see it: each grade, with what the card was just before it.

Whether a grade was a learning step, a review or a relearning step, and whether the card was young
or mature, depends on the card's state before the grade. That comes from replaying the log through
`storage.replay.apply_entry`, the path the schedule itself is built by, so the two never disagree.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, MutableSequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, tzinfo
from itertools import compress
from typing import Any, Literal, NamedTuple, overload

from flashprep.core.keys import deck_of
from flashprep.core.scheduling.scheduler import NEW, CardState, Scheduler
from flashprep.core.storage.replay import APART, Schedule, apply_entry
from flashprep.core.storage.reviewlog import LogEntry

Kind = Literal["learn", "review", "relearn"]
KINDS: tuple[Kind, ...] = ("learn", "review", "relearn")
MATURE_DAYS = 21.0
"""A card whose interval was 21 days or more before a review is mature (as in Anki)."""


class Cancelled(Exception):
    """The caller no longer wants the history (e.g. the statistics screen was closed)."""


class Review(NamedTuple):
    """One grade: when (UTC seconds since the epoch), which card, the rating, the answer time, and
    the card before it: `kind` is its state (new and learning cards are "learn"), `interval` the
    days it had been scheduled for (0 unless in review), `new` whether it had never been graded.

    One grade on its own; a whole history is kept as a History (columns), not as these."""

    ts: float
    card: str
    rating: int
    ms: int = 0
    kind: Kind = "learn"
    interval: float = 0.0
    new: bool = False

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(self.ts, UTC)

    @property
    def deck_id(self) -> str:
        return deck_of(self.card)

    @property
    def mature(self) -> bool:
        return self.interval >= MATURE_DAYS


@dataclass(eq=True)
class History:
    """Grades, oldest first, as columns: one per field of Review.

    A long history holds a million grades: its columns are read from the cache in bulk and
    counted with Counter, zip and compress, where a million tuples would cost more to build
    and to walk field by field (and several times the memory). The numbers (time, answer
    time, interval) are kept in `array`s, 8 bytes a grade where a list of floats takes 32;
    any sequence given for them is turned into one."""

    ts: MutableSequence[float] = field(default_factory=lambda: array("d"))
    card: list[str] = field(default_factory=list)
    rating: list[int] = field(default_factory=list)
    ms: MutableSequence[int] = field(default_factory=lambda: array("q"))
    kind: list[Kind] = field(default_factory=list)
    interval: MutableSequence[float] = field(default_factory=lambda: array("d"))
    new: list[bool] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ts = _array("d", self.ts)
        self.ms = _array("q", self.ms)
        self.interval = _array("d", self.interval)

    def __eq__(self, other: object) -> bool:
        """The same grades (whether the columns are made yet or not: LazyHistory)."""
        if not isinstance(other, History):
            return NotImplemented
        return len(self) == len(other) and self.columns() == other.columns()

    @classmethod
    def of(cls, reviews: Iterable[Review]) -> History:
        """The columns of some Reviews (a History is returned as it is)."""
        if isinstance(reviews, History):
            return reviews
        rows = list(reviews)
        if not rows:
            return cls()
        return cls(*(list(column) for column in zip(*rows, strict=True)))

    def columns(self) -> tuple[list[Any], ...]:
        return tuple(getattr(self, f.name) for f in fields(self))

    def __len__(self) -> int:
        return len(self.ts)

    def __iter__(self) -> Iterator[Review]:
        return map(Review._make, zip(*self.columns(), strict=True))

    @overload
    def __getitem__(self, index: int) -> Review: ...
    @overload
    def __getitem__(self, index: slice) -> History: ...
    def __getitem__(self, index: int | slice) -> Review | History:
        if isinstance(index, slice):
            return History(*(column[index] for column in self.columns()))
        return Review._make(column[index] for column in self.columns())

    def select(self, keep: list[bool]) -> History:
        """Only the grades whose `keep` is true."""
        return History(
            *(
                array(column.typecode, compress(column, keep))
                if isinstance(column, array)
                else list(compress(column, keep))
                for column in self.columns()
            )
        )

    def extend(self, other: History) -> None:
        for mine, theirs in zip(self.columns(), other.columns(), strict=True):
            mine.extend(theirs)

    def truncate(self, length: int) -> None:
        """Keep only the first `length` grades."""
        for column in self.columns():
            del column[length:]


COLUMNS = tuple(f.name for f in fields(History))
ARRAYS = {"ts": "d", "ms": "q", "interval": "d"}
"""The columns kept as arrays, by type code (the others are lists)."""


class LazyHistory(History):
    """A History whose columns are made only when first asked for, and whose slices are taken
    from what it is made of (`_values`: part of one column) without making whole columns.

    A warm load holds a million grades, while a report usually needs only the newest of them
    (the range asked for, the grades after a cache's mark): the columns of the cache's months
    are made only if something asks for the whole of one. A column made is kept (and what it
    was made from let go of, `_forget`); changing the history (extend, truncate) makes every
    column first: from then on it is a plain History."""

    def __init__(self, size: int) -> None:  # the columns are made by __getattr__
        self._size = size
        self._lazy = True

    def __getattr__(self, name: str) -> Any:
        """A column not made yet (only called for attributes not set)."""
        if name not in COLUMNS or not self.__dict__.get("_lazy"):
            raise AttributeError(name)
        column = self._values(name, 0, self._size)
        setattr(self, name, column)
        self._forget(name)
        if all(made in self.__dict__ for made in COLUMNS):
            self._lazy = False  # plain from now on
        return column

    def _values(self, name: str, start: int, stop: int) -> Any:
        """Grades `start` to `stop` of one column not made yet, as its type (array or list)."""
        raise NotImplementedError

    def _forget(self, name: str) -> None:
        """Let go of what column `name` was made from (it is made, and kept)."""

    def column_part(self, name: str, start: int, stop: int) -> Any:
        """Grades `start` to `stop` (within the history) of one column, made or not."""
        made = self.__dict__.get(name)
        return made[start:stop] if made is not None else self._values(name, start, stop)

    def __len__(self) -> int:
        return self._size if self._lazy else len(self.ts)

    @overload
    def __getitem__(self, index: int) -> Review: ...
    @overload
    def __getitem__(self, index: slice) -> History: ...
    def __getitem__(self, index: int | slice) -> Review | History:
        if not self._lazy:
            return super().__getitem__(index)
        if isinstance(index, slice):
            start, stop, step = index.indices(self._size)
            if step != 1:
                return super().__getitem__(index)
            stop = max(start, stop)
            return History(*(self.column_part(name, start, stop) for name in COLUMNS))
        at = range(self._size)[index]  # IndexError as a list's
        return next(iter(self[at : at + 1]))

    def extend(self, other: History) -> None:
        self.columns()  # every column made: a plain History
        super().extend(other)

    def truncate(self, length: int) -> None:
        self.columns()
        super().truncate(length)


class JoinedHistory(LazyHistory):
    """Histories one after the other (a log's months), joined only when a whole column is asked
    for: a slice is taken from the parts it spans."""

    def __init__(self, parts: Iterable[History]) -> None:
        self._parts = [part for part in parts if len(part)]
        super().__init__(sum(map(len, self._parts)))

    def _values(self, name: str, start: int, stop: int) -> Any:
        code = ARRAYS.get(name)
        joined: MutableSequence[Any] = array(code) if code is not None else []
        at = 0
        for part in self._parts:
            n = len(part)
            if at < stop and start < at + n:
                low, high = max(0, start - at), min(n, stop - at)
                if isinstance(part, LazyHistory):  # not made in the part for this: not twice
                    joined.extend(part.column_part(name, low, high))
                else:
                    joined.extend(getattr(part, name)[low:high])
            at += n
        return joined

    def _forget(self, name: str) -> None:
        for part in self._parts:  # the joined column is what slices take from now
            if isinstance(part, LazyHistory) and part._lazy and name not in vars(part):
                part._forget(name)


def _array(code: str, column: Iterable[Any]) -> array[Any]:
    if isinstance(column, array) and column.typecode == code:
        return column
    return array(code, column)


KIND_OF: dict[str, Kind] = {
    "new": "learn",
    "learning": "learn",
    "review": "review",
    "relearning": "relearn",
}
"""A grade's kind, by the card's state before it."""


def scheduled_days(before: CardState) -> float:
    """The days a card in review had been scheduled for (0 if it has no due or last review)."""
    if before.due is not None and before.last_review is not None:
        return max(0.0, (before.due - before.last_review).total_seconds() / 86400)
    return 0.0


@dataclass(frozen=True, slots=True)
class Step:
    """What replaying one entry changed, so that it can be rolled back (an undo cut it off)."""

    card: str
    before: CardState | None
    graded: bool


def replay(
    entries: Iterable[LogEntry],
    scheduler: Scheduler,
    replayed: Schedule,
    rollover: int,
    tz: tzinfo | None,
    steps: list[Step] | None = None,
    cancelled: Callable[[], bool] | None = None,
    added: list[int] | None = None,
) -> History:
    """Apply entries to `replayed` (in place) and return their grades, each with the card's
    state just before it (its kind, its scheduled days, whether it was new).

    Mock-interview and practice grades do not change the schedule and are not part of the
    statistics. The columns are filled as the entries go (a replay may take a million): no
    Review is built. `added` hears the index of each entry that gave a card its first state
    (the order of `replayed.states`: stats/splitreplay.py puts parts replayed apart in it).
    """
    out = History()
    add_ts, add_card, add_rating, add_ms = (
        out.ts.append,
        out.card.append,
        out.rating.append,
        out.ms.append,
    )
    add_kind, add_interval, add_new = out.kind.append, out.interval.append, out.new.append
    states = replayed.states
    for index, entry in enumerate(entries):
        if cancelled is not None and index % 500 == 0 and cancelled():
            raise Cancelled
        key = entry.card
        before = states.get(key)
        graded = entry.action == "grade" and entry.mode not in APART
        if graded:
            state = before or NEW
            kind = KIND_OF[state.state]
            add_ts(entry.at.timestamp())
            add_card(key)
            add_rating(entry.rating)  # type: ignore[arg-type]  # a grade has one (parse_log)
            add_ms(entry.ms)
            add_kind(kind)
            add_interval(scheduled_days(state) if kind == "review" else 0.0)
            add_new(state.state == "new")
        if steps is not None:
            steps.append(Step(key, before, graded))
        apply_entry(scheduler, replayed, entry, rollover, tz)
        if added is not None and before is None and key in states:
            added.append(index)
    return out


def is_graded(entry: LogEntry) -> bool:
    """Whether `replay` counts the entry as a grade of the statistics (its test, in one place
    for the parts of a replay split between processes)."""
    return entry.action == "grade" and entry.mode not in APART


def roll_back(replayed: Schedule, steps: list[Step]) -> int:
    """Undo `steps` (newest last) on `replayed`; return how many of them were grades."""
    graded = 0
    for step in reversed(steps):
        if step.before is None:
            replayed.states.pop(step.card, None)
        else:
            replayed.states[step.card] = step.before
        if step.graded:
            graded += 1
    replayed.total = max(0, replayed.total - graded)
    return graded
