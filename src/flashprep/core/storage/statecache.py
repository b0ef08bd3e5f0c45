"""cache/state.bin: a binary copy of the schedule checkpoint, read at start-up, not state.toml.

Parsing state.toml takes about a second at 10,000 cards, and even a JSON copy spends most of its
time reading the text of floats (about 30 ms at 9,000 cards). Here each field of the card states
is one array of machine numbers (the `array` module), which loads in microseconds and, unlike
pickle or marshal, cannot build anything but numbers from a damaged or hostile file.

Layout: MAGIC; one JSON line (format, the checkpoint's size and mtime it was made from, byte
order, card count, totals and log position); the card keys, one per line; then the columns
(scheduling/codecs.py: one per CardState field, and how each writes "none"). The file is
derived: keyed by the checkpoint's size and mtime, rebuilt from state.toml when it does not match
or does not decode, and never the record.

The states stay in their columns (`StateColumns`) until something needs them as CardStates: a
drill's first queue needs only four numbers per card, while building 9,000 CardStates and their
18,000 datetimes takes about 25 ms of start-up. The columns are checked when loaded, so decoding
them later cannot fail.

The rows are written in the order of their keys (state.toml's order), so a deck's cards lie
together: a drill looks up every card of the library in `StateColumns.index`, deck by deck, and
at 50,000 cards those look-ups cost 40-60 ms when the rows lie in the order the cards were
first seen (each one a cache and TLB miss), 5-10 ms in key order.
"""

from __future__ import annotations

import json
import math
import operator
import sys
from array import array
from bisect import bisect_left
from datetime import UTC, date, datetime
from itertools import islice
from typing import TYPE_CHECKING, Any, NamedTuple

from flashprep.core.scheduling import codecs
from flashprep.core.scheduling.scheduler import CardState

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

MAGIC = b"flashprep state cache\n"
FORMAT = 6
STATES = codecs.STATES
COLUMNS = codecs.COLUMN_TYPES


_LAST_INSTANT = datetime(9001, 1, 1, tzinfo=UTC).timestamp()
"""No cached instant is later (clock.INSTANT_RANGE): a damaged file can hold any number, and a
decoded state must be one the user's files could hold."""
_REVIEW, _NEW = STATES.index("review"), STATES.index("new")
assert COLUMNS[0] == "B", "StateColumns._open_today reads the state column as bytes"


class StateColumns:
    """Card states as the cache holds them: the card keys and one array per CardState field."""

    __slots__ = ("_index", "_keys", "_open", "_sorted", "_text", "columns", "hints", "stamp")

    def __init__(
        self,
        keys: list[str] | None,
        columns: list[array[Any]],
        index: dict[str, int] | None = None,
        *,
        in_order: bool | None = None,
        text: str = "",
        hints: dict[str, int] | None = None,
    ) -> None:
        self._keys = keys
        self._text = text
        """The keys, one a line, until they are first needed as a list (when `keys` is None)."""
        self.columns = columns
        self._index = index
        """Each key's row (see `index`): made once, when asked or by the loader."""
        self._sorted = in_order
        """Whether `keys` are in strictly increasing order (as `dump` writes them): then one
        card's row is found by bisection (`row_of`), without the index of every key. None:
        not known yet."""
        self.hints = hints or {}
        """Rows of some keys known before (-1: no row), see `load`."""
        self.stamp: list[int] | None = None
        """What the store read these states from (see UserStore), if it says."""
        self._open: tuple[int, float, frozenset[str]] | None = None

    @property
    def keys(self) -> list[str]:
        """The card keys, a row each."""
        if self._keys is None:
            self._keys = self._text.split("\n") if self._text else []
            self._text = ""
        return self._keys

    @property
    def sorted(self) -> bool:
        if self._sorted is None:
            keys = self.keys
            self._sorted = all(map(operator.lt, keys, islice(keys, 1, None)))
        return self._sorted

    def decode(self) -> dict[str, CardState]:
        """Every card's state, in the order they were written (by key)."""
        return dict(zip(self.keys, codecs.from_columns(self.columns), strict=True))

    def index(self) -> dict[str, int]:
        """Each card key's row."""
        if self._index is None:
            self._index = dict(zip(self.keys, range(len(self.keys)), strict=True))
        return self._index

    def row_of(self, key: str) -> int | None:
        """One card's row (None when it has none): by bisection in sorted keys until the index
        of every key is made (at 50,000 cards about 3% of start-up, for a few hundred cards)."""
        hint = self.hints.get(key)
        if hint is not None:
            return None if hint < 0 else hint
        if self._index is None and self.sorted:
            keys = self.keys
            i = bisect_left(keys, key)
            return i if i < len(keys) and keys[i] == key else None
        return self.index().get(key)

    def get(self, key: str) -> CardState | None:
        """One card's state (None when it has none), without decoding the others."""
        i = self.row_of(key)
        if i is None:
            return None
        return codecs.row(self.columns, i)

    def dues(self, keys: Iterable[str]) -> list[datetime | None]:
        """Each card's due time (`get(key).due`), without decoding the rest of its state: a
        drill orders its learning cards by it, and a backlog holds thousands of them."""
        due, row_of, ts = self.columns[4], self.row_of, datetime.fromtimestamp
        out: list[datetime | None] = []
        for key in keys:
            i = row_of(key)
            when = -1.0 if i is None else due[i]
            out.append(None if when < 0 else ts(when, UTC))
        return out

    def state_names(self, keys: Iterable[str]) -> list[str]:
        """Each card's `get(key).state` ("new" when it has no row), from the state column."""
        state, row_of = self.columns[0], self.row_of
        return [STATES[0] if (i := row_of(key)) is None else STATES[state[i]] for key in keys]

    def drill_queue(
        self, keys: Iterable[str], today_ord: int, end: float, new_limit: int
    ) -> tuple[list[str], list[tuple[float, str]], list[str]]:
        """A drill's first queue, read from the columns: the first `new_limit` new cards
        available today, the reviews due before `end` (a time stamp) with their due time stamps,
        and the learning cards due before it. The same choice as Drill's loop over CardStates
        (without an interview plan); tests/core/study/test_drill.py checks that they agree."""
        index = self.index()
        wanted = self._open_today(today_ord, end)
        state, due = self.columns[0], self.columns[4]
        new: list[str] = []
        reviews: list[tuple[float, str]] = []
        learning: list[str] = []
        for key in keys:
            if key in wanted:
                i = index[key]
                if state[i] == _NEW:
                    if len(new) < new_limit:
                        new.append(key)
                elif state[i] == _REVIEW:
                    reviews.append((due[i], key))
                else:
                    learning.append(key)
            elif len(new) < new_limit and key not in index:  # never studied: new
                new.append(key)
        return new, reviews, learning

    def _open_today(self, today_ord: int, end: float) -> frozenset[str]:
        """The keys of the rows a drill takes today: available (neither suspended nor buried)
        and new or due before `end`; a drill skips every other row. Found by a pass over the
        due and state columns, not per card (at 50,000 cards, a handful are due), and kept
        for the next deck's queue."""
        if self._open is not None and self._open[:2] == (today_ord, end):
            return self._open[2]
        state, due, suspended, buried = (self.columns[i] for i in (0, 4, 8, 9))
        rows = [i for i, when in enumerate(due) if 0 <= when < end]  # -1: no due date
        states, new = state.tobytes(), bytes([_NEW])  # one byte a row ("B")
        at = states.find(new)
        while at >= 0:
            rows.append(at)
            at = states.find(new, at + 1)
        keys = self.keys
        wanted = frozenset(keys[i] for i in rows if not suspended[i] and buried[i] <= today_ord)
        self._open = (today_ord, end, wanted)
        return wanted

    def counts(self, keys: Iterable[str], today_ord: int, end: float) -> tuple[int, ...]:
        """Counts of some cards read from the columns, in drill.DeckCounts' order (total, new,
        due before `end`, learning, review, suspended, buried): what drill.count_states gives
        for the decoded states; tests/core/study/test_drill.py checks that they agree."""
        index = self.index()
        state, due, suspended, buried = (self.columns[i] for i in (0, 4, 8, 9))
        total = new = due_now = learning = review = held = hidden = 0
        for key in keys:
            total += 1
            i = index.get(key)
            if i is None:
                new += 1
            elif suspended[i]:
                held += 1
            elif buried[i] > today_ord:
                hidden += 1
            elif state[i] == _NEW:
                new += 1
            else:
                if state[i] == _REVIEW:
                    review += 1
                else:
                    learning += 1
                if 0 <= due[i] < end:
                    due_now += 1
        return total, new, due_now, learning, review, held, hidden


class Checkpoint(NamedTuple):
    """What the cache holds, as plain values (the store builds its Schedule from them)."""

    columns: StateColumns
    total: int
    position: list[Any] | None
    """[file, offset, last, before] (see replay.LogPosition), or None."""
    counts: list[int]
    """[day ordinal, new, reviews, graded, ms] (see replay.DayCounts)."""
    sync: dict[str, Any]
    """The device, other devices' ends and every device's top (see replay.Schedule)."""


def dump(
    states: dict[str, CardState],
    total: int,
    position: Sequence[Any] | None,
    counts: Sequence[int],
    stamp: list[int],
    sync: dict[str, Any] | None = None,
) -> bytes:
    """The cache file's bytes for a checkpoint made from a state.toml with `stamp`; the rows in
    key order (the order they decode in)."""
    n = len(states)
    order = sorted(states)  # a deck's rows together (see the module's docstring)
    keys = "\n".join(order).encode()
    header = {
        "v": FORMAT,
        "stamp": stamp,
        "order": sys.byteorder,
        "n": n,
        "keys": len(keys),
        "total": total,
        "pos": list(position) if position is not None else None,
        "counts": list(counts),
        "sync": sync or {"device": "", "ends": {}, "tops": {}},
    }
    columns = codecs.to_columns([states[key] for key in order])
    parts = [MAGIC, json.dumps(header, separators=(",", ":")).encode(), b"\n", keys]
    parts += [column.tobytes() for column in columns]
    return b"".join(parts)


def load(raw: bytes, stamp: list[int], hints: Any = None) -> Checkpoint | None:
    """The checkpoint in `raw`, or None when it is not a cache of the state.toml with `stamp`
    (another format, another file, damaged).

    `hints`: when the caller knows that these very bytes loaded whole before (the file's own
    stamp is the one a kept answer was made from, see queuecache), the rows of some keys as it
    found them: the checks of every row, made then, are not made again, and the keys are split
    into a list only when first needed (the hinted ones need no look-up). Ignored unless a dict
    of keys to rows."""
    try:
        return _load(raw, stamp, hints)
    except (ValueError, KeyError, TypeError, IndexError, OverflowError, AttributeError):
        return None


def _valid_hints(hints: Any, n: int) -> bool:
    return isinstance(hints, dict) and all(
        type(k) is str and type(v) is int and -1 <= v < n for k, v in hints.items()
    )


def _load(raw: bytes, stamp: list[int], hints: Any) -> Checkpoint | None:
    if not raw.startswith(MAGIC):
        return None
    end = raw.index(b"\n", len(MAGIC))
    header = json.loads(raw[len(MAGIC) : end])
    if header["v"] != FORMAT or header["stamp"] != stamp or header["order"] != sys.byteorder:
        return None
    n, start = header["n"], end + 1
    text = raw[start : start + header["keys"]].decode() if n else ""
    start += header["keys"]
    columns: list[array[Any]] = []
    view = memoryview(raw)  # each column copied once, into its array (not sliced out first)
    for code in COLUMNS:
        column = array(code)
        size = n * column.itemsize
        column.frombytes(view[start : start + size])
        start += size
        columns.append(column)
    if start != len(raw) or (text.count("\n") + 1 if n else 0) != n:
        return None  # cut or lengthened
    if _valid_hints(hints, n):  # loaded whole before: checked then
        loaded = StateColumns(None, columns, text=text, hints=hints)
    else:
        keys = text.split("\n") if n else []
        in_order = all(map(operator.lt, keys, islice(keys, 1, None)))  # so no key twice
        index = None if in_order else dict(zip(keys, range(n), strict=True))
        if index is not None and len(index) != n:
            return None  # a key twice
        if not _decodable(columns):
            return None
        loaded = StateColumns(keys, columns, index, in_order=in_order)
    return Checkpoint(
        loaded,
        header["total"],
        header["pos"],
        header["counts"],
        header["sync"],
    )


def _decodable(columns: list[array[Any]]) -> bool:
    """Whether every number can become its field's value (checked here, so that decoding the
    states later cannot fail). Read from the columns' high bytes first (`_surely_decodable`):
    at 50,000 cards a pass over the numbers themselves costs about 3% of start-up."""
    state = columns[0]
    if state.tobytes().translate(None, _STATE_CODES):  # one byte a row ("B")
        return False
    return _surely_decodable(columns) or _decodable_numbers(columns)


def _decodable_numbers(columns: list[array[Any]]) -> bool:
    """`_decodable` from the numbers, one by one: for a column whose high bytes alone do not
    say (a damaged file, or instants after the year 2242)."""
    _, _, _, _, due, last, _, _, _, buried = columns
    for times in (due, last):  # any negative number is "none"; a sum is NaN or inf if one is
        if times and not (math.isfinite(sum(times)) and max(times) <= _LAST_INSTANT):
            return False
    return not buried or (min(buried) >= 0 and max(buried) <= date.max.toordinal())


_STATE_CODES = bytes(range(len(STATES)))
_SMALL_TIME_HIGH = bytes([*range(0x00, 0x42), *range(0x80, 0xC2)])
"""The high bytes (sign and exponent) of a double whose magnitude is below 2**33 (the year
2242 in seconds): finite, and before _LAST_INSTANT however many are summed."""
_SMALL_DAY_BYTE = bytes(range(0x37))
"""Third byte of a day ordinal below 0x370000 (before date.max.toordinal(), 0x37B9DB)."""


def _byte_of(column: array[Any], significance: int) -> bytes:
    """The byte of each number of `column` `significance` places below its most significant
    one (0: the most significant), in row order."""
    size = column.itemsize
    at = significance if sys.byteorder == "big" else size - 1 - significance
    return column.tobytes()[at::size]


def _surely_decodable(columns: list[array[Any]]) -> bool:
    """True when the high bytes of the due, last-review and buried columns show every number
    decodable (the instants under 2**33 s, the buried days from 0 to 0x370000); False means
    "not sure" (`_decodable_numbers` decides). Each check is a copy and a `bytes.translate`,
    not a loop over the numbers."""
    _, _, _, _, due, last, _, _, _, buried = columns
    for times in (due, last):
        if _byte_of(times, 0).translate(None, _SMALL_TIME_HIGH):
            return False
    if any(_byte_of(buried, i).strip(b"\0") for i in range(buried.itemsize - 3)):
        return False
    return not _byte_of(buried, buried.itemsize - 3).translate(None, _SMALL_DAY_BYTE)
