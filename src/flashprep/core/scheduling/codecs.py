"""CardState's encodings, each field's in one place: a line of state.toml, a JSON list, columns.

state.toml (the record, storage/checkpoint.py) holds one inline table per card; the history cache
(stats/historycache.py) a compact JSON list; the state cache (storage/statecache.py) one array of
machine numbers per field. Every codec here follows FIELDS, CardState's own field order, so that a
field added to CardState is added here, next to its siblings, and nowhere else.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Collection, Iterator
from datetime import UTC, date, datetime
from typing import Any

from flashprep.core.clock import INSTANT_RANGE, is_valid_instant, toml_instant
from flashprep.core.scheduling.scheduler import CardState, StateName

FIELDS = CardState._fields
"""The one field order every encoding follows."""
_FIELD_SET = frozenset(FIELDS)
STATES: tuple[StateName, ...] = ("new", "learning", "review", "relearning")
"""The state names, numbered by their place here in the state column."""
COLUMN_TYPES = "Bqddddqqbq"
"""The array typecode of each field's column, in FIELDS order."""


def whole(value: object) -> bool:
    """A whole number >= 0 (TOML booleans are not numbers here)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


# --- state.toml ----------------------------------------------------------------------------------


def to_toml_line(key: str, s: CardState) -> str:
    """One card's line of state.toml (fields at their defaults are left out)."""
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


def from_toml_table(value: Any) -> CardState:
    """Validate one card's line of state.toml; raise ValueError naming the field."""
    if not isinstance(value, dict):
        raise ValueError("must be an inline table")
    unknown = set(value) - _FIELD_SET
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
        if v is not None and not (whole(v) and v < 1_000_000):
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


# --- the history cache's JSON list ---------------------------------------------------------------


def to_list(s: CardState) -> list[Any]:
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


def from_list(v: list[Any]) -> CardState:
    """The inverse of to_list; raises ValueError, TypeError or IndexError on a bad list."""
    ts = datetime.fromtimestamp
    if len(v) != len(FIELDS):
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


# --- the state cache's columns -------------------------------------------------------------------
# A missing value is -1 in an instant column (due, last review: time stamps, never negative for a
# date the user's files may hold), NaN in the other float columns, and -1 (step) or 0 (buried day
# ordinal) in an integer one. The loops are written out field by field: they run over every card
# at start-up, and a generic loop over a field table costs several times more.


def to_columns(states: Collection[CardState]) -> list[array[Any]]:
    """One array per field (COLUMN_TYPES), a row per state, in the order given."""
    nan = math.nan
    fields = list(zip(*states, strict=True)) if states else [()] * len(FIELDS)
    state, step, stability, difficulty, due, last, reps, lapses, suspended, buried = fields
    columns = [
        [STATES.index(s) for s in state],
        [-1 if v is None else v for v in step],
        [nan if v is None else v for v in stability],
        [nan if v is None else v for v in difficulty],
        [-1 if v is None else v.timestamp() for v in due],
        [-1 if v is None else v.timestamp() for v in last],
        reps,
        lapses,
        [1 if v else 0 for v in suspended],
        [0 if v is None else v.toordinal() for v in buried],
    ]
    return [array(code, column) for code, column in zip(COLUMN_TYPES, columns, strict=True)]


def from_columns(columns: list[array[Any]]) -> Iterator[CardState]:
    """Every row's state, in order (the columns checked as the cache loads them)."""
    ts, day, names = datetime.fromtimestamp, date.fromordinal, STATES
    state, step, stability, difficulty, due, last, reps, lapses, suspended, buried = columns
    rows = zip(
        [names[v] for v in state],
        [None if v < 0 else v for v in step],
        [None if v != v else v for v in stability],  # NaN: none
        [None if v != v else v for v in difficulty],
        [None if v < 0 else ts(v, UTC) for v in due],
        [None if v < 0 else ts(v, UTC) for v in last],
        reps.tolist(),
        lapses.tolist(),
        [v != 0 for v in suspended],
        [None if v == 0 else day(v) for v in buried],
        strict=True,
    )
    return map(CardState._make, rows)


def row(columns: list[array[Any]], i: int) -> CardState:
    """Row `i`'s state, without decoding the others."""
    ts = datetime.fromtimestamp
    state, step, stability, difficulty, due, last, reps, lapses, suspended, buried = (
        column[i] for column in columns
    )
    return CardState(
        STATES[state],
        None if step < 0 else step,
        None if stability != stability else stability,
        None if difficulty != difficulty else difficulty,
        None if due < 0 else ts(due, UTC),
        None if last < 0 else ts(last, UTC),
        reps,
        lapses,
        suspended != 0,
        None if buried == 0 else date.fromordinal(buried),
    )
