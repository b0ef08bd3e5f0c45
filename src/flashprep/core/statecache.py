"""cache/state.bin: a binary copy of the schedule checkpoint, read at start-up, not state.toml.

Parsing state.toml takes about a second at 10,000 cards, and even a JSON copy spends most of its
time reading the text of floats (about 30 ms at 9,000 cards). Here each field of the card states
is one array of machine numbers (the `array` module), which loads in microseconds and, unlike
pickle or marshal, cannot build anything but numbers from a damaged or hostile file.

Layout: MAGIC; one JSON line (format, the checkpoint's size and mtime it was made from, byte
order, card count, totals and log position); the card keys, one per line; then the columns, in
COLUMNS order. A missing value is NaN in a float column and -1 (step) or 0 (buried day ordinal)
in an integer one. The file is derived: keyed by the checkpoint's size and mtime, rebuilt from
state.toml when it does not match or does not decode, and never the record.
"""

from __future__ import annotations

import json
import math
import sys
from array import array
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from flashprep.core.scheduler import CardState

if TYPE_CHECKING:
    from collections.abc import Sequence

MAGIC = b"flashprep state cache\n"
FORMAT = 4
STATES = ("new", "learning", "review", "relearning")
COLUMNS = "Bqddddqqbq"
"""The array typecode of each CardState field, in field order."""


class Checkpoint(NamedTuple):
    """What the cache holds, as plain values (the store builds its Replayed from them)."""

    states: dict[str, CardState]
    total: int
    position: list[Any] | None
    """[file, offset, last, before] (see userstore.LogPosition), or None."""
    counts: list[int]
    """[day ordinal, new, reviews, graded, ms] (see userstore.DayCounts)."""


def dump(
    states: dict[str, CardState],
    total: int,
    position: Sequence[Any] | None,
    counts: Sequence[int],
    stamp: list[int],
) -> bytes:
    """The cache file's bytes for a checkpoint made from a state.toml with `stamp`."""
    n = len(states)
    keys = "\n".join(states).encode()
    header = {
        "v": FORMAT,
        "stamp": stamp,
        "order": sys.byteorder,
        "n": n,
        "keys": len(keys),
        "total": total,
        "pos": list(position) if position is not None else None,
        "counts": list(counts),
    }
    nan = math.nan
    fields = list(zip(*states.values(), strict=True)) if n else [()] * len(COLUMNS)
    state, step, stability, difficulty, due, last, reps, lapses, suspended, buried = fields
    columns = [
        [STATES.index(s) for s in state],
        [-1 if v is None else v for v in step],
        [nan if v is None else v for v in stability],
        [nan if v is None else v for v in difficulty],
        [nan if v is None else v.timestamp() for v in due],
        [nan if v is None else v.timestamp() for v in last],
        reps,
        lapses,
        [1 if v else 0 for v in suspended],
        [0 if v is None else v.toordinal() for v in buried],
    ]
    parts = [MAGIC, json.dumps(header, separators=(",", ":")).encode(), b"\n", keys]
    parts += [array(code, column).tobytes() for code, column in zip(COLUMNS, columns, strict=True)]
    return b"".join(parts)


def load(raw: bytes, stamp: list[int]) -> Checkpoint | None:
    """The checkpoint in `raw`, or None when it is not a cache of the state.toml with `stamp`
    (another format, another file, damaged)."""
    try:
        return _load(raw, stamp)
    except (ValueError, KeyError, TypeError, IndexError, OverflowError, AttributeError):
        return None


def _load(raw: bytes, stamp: list[int]) -> Checkpoint | None:
    if not raw.startswith(MAGIC):
        return None
    end = raw.index(b"\n", len(MAGIC))
    header = json.loads(raw[len(MAGIC) : end])
    if header["v"] != FORMAT or header["stamp"] != stamp or header["order"] != sys.byteorder:
        return None
    n, start = header["n"], end + 1
    keys = raw[start : start + header["keys"]].decode().split("\n") if n else []
    start += header["keys"]
    columns: list[array[Any]] = []
    for code in COLUMNS:
        column = array(code)
        size = n * column.itemsize
        column.frombytes(raw[start : start + size])
        start += size
        columns.append(column)
    if start != len(raw) or len(keys) != n:
        return None
    ts, day, names = datetime.fromtimestamp, date.fromordinal, STATES
    state, step, stability, difficulty, due, last, reps, lapses, suspended, buried = columns
    rows = zip(
        [names[v] for v in state],
        [None if v < 0 else v for v in step],
        [None if v != v else v for v in stability],  # NaN: none
        [None if v != v else v for v in difficulty],
        [None if v != v else ts(v, UTC) for v in due],
        [None if v != v else ts(v, UTC) for v in last],
        reps.tolist(),
        lapses.tolist(),
        [v != 0 for v in suspended],
        [None if v == 0 else day(v) for v in buried],
        strict=True,
    )
    states = dict(zip(keys, map(CardState._make, rows), strict=True))
    if len(states) != n:
        return None  # a key twice
    return Checkpoint(states, header["total"], header["pos"], header["counts"])
