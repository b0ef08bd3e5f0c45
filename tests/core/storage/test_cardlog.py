"""One card's entries from the log (`card_entries`) equal a full parse filtered to that card."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import pytest

from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.storage.cardlog import card_entries
from flashprep.core.storage.logread import read_all
from flashprep.core.storage.logwrite import entry_to_toml
from flashprep.core.storage.reviewlog import LOG_HEADER, LogEntry

from helpers import START

KEYS = ["deck/a", "deck/ab", "deck/a.b", "deck/a-b", "deck2/a", "dec/ka", "deck/A", "d/a"]
"""Keys that are prefixes, suffixes and near-copies of each other."""


def random_entry(rng: random.Random, index: int) -> LogEntry:
    at = START + timedelta(days=index // 40, seconds=index * 37)
    card = rng.choice(KEYS)
    action = rng.choice(["grade", "grade", "grade", "bury", "unbury", "suspend", "due", "forget"])
    rating = rng.randint(1, 4) if action == "grade" else None
    mode = rng.choice(["drill", "drill", "mock", "import"]) if action == "grade" else "drill"
    return LogEntry(
        f"e{index}-{rng.randrange(16**6):06x}",
        at,
        card,
        rating,
        action,
        rng.choice([0, 0, 1234]),
        mode,
    )


def write_log(folder: Path, entries: list[LogEntry]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for entry in entries:
        path = folder / f"{entry.at.year:04d}-{entry.at.month:02d}.toml"
        if not path.exists():
            path.write_bytes(LOG_HEADER)
        with path.open("ab") as handle:
            handle.write(entry_to_toml(entry))


def by_full_parse(folder: Path, key: str) -> list[LogEntry]:
    return [entry for entry in read_all(folder) if entry.card == key]


@pytest.mark.parametrize("seed", range(12))
def test_random_logs_give_what_a_full_parse_gives(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    entries = [random_entry(rng, i) for i in range(rng.randint(0, 400))]
    folder = tmp_path / "reviews"
    write_log(folder, entries)
    for key in [*KEYS, "deck/none"]:
        assert card_entries(folder, key) == by_full_parse(folder, key), key


def test_a_missing_folder_is_no_history(tmp_path: Path) -> None:
    assert card_entries(tmp_path / "nothing", "deck/a") == []


HAND_EDITS = [
    (b'card = "deck/a"', b"card='deck/a'"),  # a literal string, no spaces
    (b'card = "deck/a"', b'  card   =   "deck/a"   # mine'),  # spacing and a comment
    (b"[[review]]", b"[[ review ]]"),  # spacing in the header
    (b"\n", b"\r\n"),  # Windows line ends
]


@pytest.mark.parametrize(("old", "new"), HAND_EDITS)
def test_a_hand_edited_log_is_still_read(tmp_path: Path, old: bytes, new: bytes) -> None:
    rng = random.Random(5)
    folder = tmp_path / "reviews"
    write_log(folder, [random_entry(rng, i) for i in range(120)])
    for path in folder.iterdir():
        path.write_bytes(path.read_bytes().replace(old, new))
    for key in KEYS:
        assert card_entries(folder, key) == by_full_parse(folder, key), key
    assert card_entries(folder, "deck/a")


def test_a_log_without_a_header_line_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "reviews"
    folder.mkdir()
    entries = [LogEntry(f"i{n}", START + timedelta(minutes=n), "deck/a", 3) for n in range(3)]
    (folder / "2026-11.toml").write_bytes(b"".join(entry_to_toml(e) for e in entries).lstrip())
    assert card_entries(folder, "deck/a") == entries == by_full_parse(folder, "deck/a")


@pytest.mark.parametrize("cut", [1, 10, 30, 60])
def test_a_cut_off_last_block_is_left_out(tmp_path: Path, cut: int) -> None:
    """As a crash mid-append leaves it (and as `read_log` leaves it out)."""
    folder = tmp_path / "reviews"
    entries = [LogEntry(f"i{n}", START + timedelta(minutes=n), "deck/a", 3) for n in range(4)]
    write_log(folder, entries)
    (path,) = folder.iterdir()
    raw = path.read_bytes()
    last = entry_to_toml(entries[-1])
    path.write_bytes(raw[: len(raw) - len(last) + cut])
    assert card_entries(folder, "deck/a") == entries[:-1] == by_full_parse(folder, "deck/a")


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (b"rating = 3", b"rating = 9", "rating"),
        (b'action = "due"', b'action = "later"', "action"),
        (b"ms = 1234", b'ms = "x"', "ms"),
    ],
)
def test_a_broken_block_of_the_card_names_its_line(
    tmp_path: Path, old: bytes, new: bytes, field: str
) -> None:
    """The error names the line and entry a full parse names."""
    folder = tmp_path / "reviews"
    entries = [
        LogEntry("i0", START, "deck/b", 2),
        LogEntry("i1", START + timedelta(minutes=1), "deck/a", 3, ms=1234),
        LogEntry("i2", START + timedelta(minutes=2), "deck/b", 4),
        LogEntry("i3", START + timedelta(minutes=3), "deck/a", None, "due"),
    ]
    write_log(folder, entries)
    (path,) = folder.iterdir()
    raw = path.read_bytes()
    path.write_bytes(raw.replace(old, new))
    with pytest.raises(DataFileError) as full:
        list(read_all(folder))
    with pytest.raises(DataFileError) as mine:
        card_entries(folder, "deck/a")
    assert str(mine.value) == str(full.value)
    assert f"field '{field}'" in str(mine.value)
    assert card_entries(folder, "deck/b") == entries[::2]  # another card's history still reads
