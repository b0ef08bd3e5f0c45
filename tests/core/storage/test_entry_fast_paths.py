"""The import's fast paths for one entry give what the plain ones gave: `check_entry` (the
checks without a dict made of each entry) refuses exactly what the reader refuses, with the
same message; `entry_to_toml` / `entries_to_toml` (one string per block, a month encoded at
once) write the same bytes as the writer built of lines, which is kept here as the reference."""

from __future__ import annotations

import itertools
import json
import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from flashprep.core.clock import toml_instant
from flashprep.core.storage.logimport import _by_month
from flashprep.core.storage.logwrite import entries_to_toml, entry_to_toml
from flashprep.core.storage.reviewlog import (
    ACTIONS,
    MODES,
    LogEntry,
    _entry_from_dict,
    check_entry,
    month_file,
    parse_log,
)


def old_quoted(text: str) -> str:
    return json.dumps(text)


def old_entry_to_toml(entry: LogEntry) -> bytes:
    """The writer before the fast path (lines joined; every instant through toml_instant)."""
    lines = [
        "",
        "[[review]]",
        f"id = {old_quoted(entry.id)}",
        f"at = {toml_instant(entry.at)}",
        f"card = {old_quoted(entry.card)}",
    ]
    if entry.action != "grade":
        lines.append(f'action = "{entry.action}"')
    if entry.mode != "drill":
        lines.append(f'mode = "{entry.mode}"')
    if entry.rating is not None:
        lines.append(f"rating = {entry.rating}")
    if entry.ms:
        lines.append(f"ms = {entry.ms}")
    return ("\n".join(lines) + "\n").encode()


def old_check_entry(entry: LogEntry) -> None:
    """check_entry before the fast path: the entry made a block's dict, then read as one."""
    _entry_from_dict({k: v for k, v in entry._asdict().items() if v is not None})


def outcome(check: Any, entry: LogEntry) -> str:
    try:
        check(entry)
    except ValueError as exc:
        return f"{type(exc).__name__}: {exc}"
    return "accepted"


ZONES = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]
GOOD_AT = datetime(2024, 3, 9, 23, 59, 58, tzinfo=UTC)
VALUES: dict[str, list[Any]] = {
    "id": ["anki-1", "x" * 64, "x" * 65, "", None, 7, 'q"uote', "sp ace", "é", "back\\slash"],
    "at": [
        GOOD_AT,
        GOOD_AT.replace(microsecond=123456),
        GOOD_AT.astimezone(timezone(timedelta(hours=9))),
        GOOD_AT.replace(tzinfo=None),
        datetime(1969, 12, 31, tzinfo=UTC),
        datetime(9999, 1, 1, tzinfo=UTC),
        "2024-03-09T10:00:00Z",
        None,
    ],
    "card": ["deck/card", "deck/c-1.x_y", "deck", "Deck/card", "", None, 3, "d/c/e"],
    "rating": [1, 4, 0, 5, True, None, 2.0, "3"],
    "action": [*ACTIONS, "grades", None, 1],
    "ms": [0, 1, 10**9 - 1, 10**9, -1, None, False, 2.5],
    "mode": [*MODES, "drills", None, 0],
}


def entries(count: int, seed: int) -> list[LogEntry]:
    """Entries with every value above, in random combinations (most fields fine, so that the
    checks after the first are reached too)."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        fields = {
            name: values[0] if rng.random() < 0.6 else rng.choice(values)
            for name, values in VALUES.items()
        }
        if fields["action"] == "grade" and rng.random() < 0.3:
            fields["rating"] = None
        out.append(LogEntry(**fields))
    return out


@pytest.mark.parametrize("seed", range(4))
def test_check_entry_refuses_what_the_dict_check_refused_with_the_same_message(
    seed: int,
) -> None:
    seen = set()
    for entry in entries(3000, seed):
        old = outcome(old_check_entry, entry)
        assert outcome(check_entry, entry) == old, entry
        seen.add(old)
    assert "accepted" in seen and len(seen) >= 8  # many fields' refusals were tried


@pytest.mark.parametrize("field", ["id", "at", "card", "rating", "action", "ms", "mode"], ids=str)
def test_each_field_alone_is_checked_the_same(field: str) -> None:
    base = LogEntry("anki-1", GOOD_AT, "deck/card", 3, "grade", 2500, "import")
    for value in VALUES[field]:
        entry = base._replace(**{field: value})
        assert outcome(check_entry, entry) == outcome(old_check_entry, entry), value


def valid_entries(count: int, seed: int) -> list[LogEntry]:
    """What an import writes: every action and mode, instants in and out of UTC, with and
    without a fraction, ids and card keys that need escaping in TOML and ones that do not."""
    rng = random.Random(seed)
    ids = ["anki-1", "x" * 64, 'q"uote', "é-accent", "back\\slash", "tab\there"]
    out = []
    for n in range(count):
        action = rng.choice(ACTIONS)
        at = datetime(2001, 1, 1, tzinfo=UTC) + timedelta(
            seconds=rng.randrange(10**9), microseconds=rng.choice((0, 1, 999_999, 123_000))
        )
        at = at.astimezone(rng.choice(ZONES))
        out.append(
            LogEntry(
                f"{rng.choice(ids)}{n}"[:64],
                at,
                rng.choice(["deck/card", "a.b_c-d/e.f_g-h", "d/c1"]),
                rng.randint(1, 4) if action == "grade" else None,
                action,
                rng.choice((0, 0, 1, 2500, 10**9 - 1)),
                rng.choice(MODES),
            )
        )
    return out


@pytest.mark.parametrize("seed", range(3))
def test_the_writer_writes_the_same_bytes_as_the_writer_of_lines(seed: int) -> None:
    written = valid_entries(2000, seed)
    old = [old_entry_to_toml(e) for e in written]
    assert [entry_to_toml(e) for e in written] == old
    assert entries_to_toml(written) == b"".join(old)
    assert entries_to_toml([]) == b""
    read = parse_log(b"".join(old), "test.toml")
    assert read == [e._replace(at=e.at.astimezone(UTC)) for e in written]


def test_every_combination_of_the_optional_keys_is_written_the_same() -> None:
    at = datetime(2026, 2, 28, 12, tzinfo=UTC)
    for action, mode, ms in itertools.product(ACTIONS, MODES, (0, 7)):
        entry = LogEntry(
            "id-1", at, "deck/card", 2 if action == "grade" else None, action, ms, mode
        )
        assert entry_to_toml(entry) == old_entry_to_toml(entry)


@pytest.mark.parametrize("seed", range(3))
def test_entries_go_into_the_month_file_of_their_instant(seed: int) -> None:
    """Months found only where one ends (logimport._by_month) give each entry the file that
    `month_file` names for it: around the ends of months and years, in any time zone."""
    rng = random.Random(seed)
    edges = [
        datetime(year, month, 1, tzinfo=UTC)
        for year in (1970, 2023, 2024, 8999)
        for month in (1, 2, 3, 12)
    ]
    instants = []
    for edge in edges:
        for _ in range(20):
            at = edge + timedelta(microseconds=rng.randint(-(10**11), 10**11))
            instants.append(at.astimezone(rng.choice(ZONES)))
    instants.sort()
    written = [LogEntry(f"e{n}", at, "deck/card", 3) for n, at in enumerate(instants)]
    expected: dict[str, list[LogEntry]] = {}
    for entry in written:
        expected.setdefault(month_file(entry.at), []).append(entry)
    grouped = _by_month(written)
    assert grouped == expected
    assert list(grouped) == list(expected)
    assert _by_month([]) == {}
