"""The review log's fast reader against the TOML parser: the same entries, or the same error.

`parse_log` reads a log written exactly as `logwrite` writes it with one regular expression per
block, and leaves anything else to the TOML parser. These tests hold it to that: for logs that
`logwrite` wrote (every action and mode, odd strings in every string field) and for hand-edited
or damaged ones, `parse_log` gives what the TOML path gives, entry for entry, or the same error
message; and the logs flashprep writes itself do take the fast path.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flashprep.core.clock import FIRST_YEAR, LAST_YEAR
from flashprep.core.files.tomlerrors import DataFileError, table_lines
from flashprep.core.storage import reviewlog
from flashprep.core.storage.cardlog import card_entries
from flashprep.core.storage.logread import read_all, read_log, read_log_blocks
from flashprep.core.storage.logtail import _LINE_STARTING_A_TABLE, _last_table_line
from flashprep.core.storage.logwrite import entry_to_toml
from flashprep.core.storage.reviewlog import (
    ACTIONS,
    LOG_HEADER,
    MODES,
    LogEntry,
    _toml_entries,
    _written_entries,
    parse_log,
)

from fuzzing import any_input, budget

PATH = "2026-11.toml"
Outcome = list[tuple[object, ...]] | str


def through_toml(raw: bytes, first_line: int = 1, first_index: int = 0) -> Outcome:
    try:
        return described(_toml_entries(raw, PATH, first_line, first_index))
    except DataFileError as exc:
        return str(exc)


def through_parse_log(raw: bytes, first_line: int = 1, first_index: int = 0) -> Outcome:
    try:
        return described(parse_log(raw, PATH, first_line, first_index))
    except DataFileError as exc:
        return str(exc)


def described(entries: list[LogEntry]) -> list[tuple[object, ...]]:
    """Each entry's fields, with the instant's exact form (its zone object, not only its value)."""
    return [(*e, e.at.isoformat(), e.at.tzinfo, type(e).__name__) for e in entries]


PLAIN = st.text(  # what flashprep's ids are made of, and more: printable ASCII but \ and "
    st.characters(min_codepoint=0x20, max_codepoint=0x7E, blacklist_characters='"\\'),
    min_size=1,
    max_size=64,
)
ODD = st.text(min_size=0, max_size=70)  # quotes, backslashes, control characters, any unicode
CARD = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,12}/[A-Za-z0-9][A-Za-z0-9._-]{0,12}", fullmatch=True)
AT = st.datetimes(
    min_value=datetime(FIRST_YEAR, 1, 2),
    max_value=datetime(LAST_YEAR, 12, 30),
    timezones=st.just(UTC),
) | st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)).map(
    lambda d: d.replace(microsecond=0, tzinfo=UTC)  # written without a fraction
)


@st.composite
def entries(
    draw: st.DrawFn, ids: st.SearchStrategy[str], cards: st.SearchStrategy[str]
) -> LogEntry:
    action = draw(st.sampled_from(ACTIONS))
    rating = draw(st.integers(1, 4)) if action == "grade" else None
    ms = draw(st.sampled_from([0, 1, 999_999_999]) | st.integers(0, 10**6))
    mode = draw(st.sampled_from(MODES))
    return LogEntry(draw(ids), draw(AT), draw(cards), rating, action, ms, mode)


def written(log: list[LogEntry], header: bool = True) -> bytes:
    return (LOG_HEADER if header else b"") + b"".join(entry_to_toml(e) for e in log)


@budget(300)
@given(st.lists(entries(PLAIN, CARD), max_size=25), st.booleans())
def test_a_log_flashprep_wrote_takes_the_fast_path_and_reads_the_same(
    log: list[LogEntry], header: bool
) -> None:
    raw = written(log, header)
    assert _written_entries(raw) is not None
    assert through_parse_log(raw) == through_toml(raw)
    assert parse_log(raw, PATH) == log


@budget(300)
@given(st.lists(entries(PLAIN | ODD, CARD | ODD), max_size=12), st.booleans())
def test_odd_strings_read_the_same_as_through_toml(log: list[LogEntry], header: bool) -> None:
    raw = written(log, header)
    assert through_parse_log(raw) == through_toml(raw)


@budget(200)
@given(st.lists(entries(PLAIN | ODD, CARD), min_size=1, max_size=12), st.data())
def test_a_tail_from_any_block_boundary_reads_the_same(
    log: list[LogEntry], data: st.DataObject
) -> None:
    blocks = [entry_to_toml(e) for e in log]
    cut = data.draw(st.integers(0, len(blocks)))
    head = LOG_HEADER + b"".join(blocks[:cut])
    tail = b"".join(blocks[cut:])
    first_line, first_index = head.count(b"\n") + 1, len(table_lines(head, "review"))
    assert through_parse_log(tail, first_line, first_index) == through_toml(
        tail, first_line, first_index
    )


SAMPLE = [
    LogEntry("m1-a", datetime(2026, 11, 3, 9, 0, 0, 120000, UTC), "alpha/a1", 3, ms=5400),
    LogEntry("m1-b", datetime(2026, 11, 3, 9, 1, tzinfo=UTC), "alpha/a2", None, "bury"),
    LogEntry("m1-c", datetime(2026, 11, 3, 9, 2, 7, 1, UTC), "beta/b1", 1, "grade", 0, "mock"),
    LogEntry("m1-d", datetime(2026, 11, 3, 9, 3, tzinfo=UTC), "beta/b1", None, "due", 0, "import"),
    LogEntry("m1-e", datetime(2026, 11, 3, 9, 4, tzinfo=UTC), "beta/b2", 4, ms=1, mode="practice"),
]
SAMPLE_RAW = written(SAMPLE)
EDITS = [
    # (what is replaced, by what): each a hand edit the fast reader must leave to the TOML parser
    ('id = "m1-b"', 'id = "m1-b"  # moved'),
    ('\n[[review]]\nid = "m1-c"', '\n# a comment\n[[review]]\nid = "m1-c"'),
    ('card = "beta/b1"', 'card="beta/b1"'),
    ('card = "beta/b1"', "card = 'beta/b1'"),
    ('card = "beta/b1"', 'card = "beta/\\u0062\\u0031"'),
    ('id = "m1-a"', 'id = "m1-\\u00e9"'),
    ('id = "m1-a"', 'id = "m1-é"'),
    ('id = "m1-a"', 'id = ""'),
    ('id = "m1-a"', 'id = "' + "x" * 65 + '"'),
    ('id = "m1-a"', 'id = "' + "x" * 64 + '"'),
    ('id = "m1-a"', 'id = "a\\"b"'),
    ("rating = 3", "rating = 5"),
    ("rating = 3", "rating = 03"),
    ("rating = 3", "rating = +3"),
    ("rating = 3", 'rating = "3"'),
    ("rating = 3\n", ""),
    ("ms = 5400", "ms = 0"),
    ("ms = 5400", "ms = 1_000"),
    ("ms = 5400", "ms = 1000000000"),
    ("ms = 5400", "ms = 5400.0"),
    ('action = "bury"', 'action = "grade"'),
    ('action = "bury"', 'action = "undo"'),
    ('action = "bury"\n', 'action = "bury"\nrating = 2\n'),
    ('mode = "mock"', 'mode = "drill"'),
    ('mode = "mock"', 'mode = "exam"'),
    ('mode = "mock"\nrating = 1', 'rating = 1\nmode = "mock"'),
    ('card = "alpha/a1"\nrating = 3', 'rating = 3\ncard = "alpha/a1"'),
    ("2026-11-03T09:00:00.120000Z", "2026-11-03T10:00:00.120000+01:00"),
    ("2026-11-03T09:00:00.120000Z", "2026-11-03t09:00:00.120000z"),
    ("2026-11-03T09:00:00.120000Z", "2026-11-03 09:00:00.120000Z"),
    ("2026-11-03T09:00:00.120000Z", "2026-11-03T09:00:00.12Z"),
    ("2026-11-03T09:00:00.120000Z", "2026-11-03T09:00:00.1200001Z"),
    ("2026-11-03T09:00:00.120000Z", "2026-02-30T09:00:00Z"),
    ("2026-11-03T09:00:00.120000Z", "2026-11-03T24:00:00Z"),
    ("2026-11-03T09:00:00.120000Z", "2026-11-03T23:59:60Z"),
    ("2026-11-03T09:00:00.120000Z", "1969-12-31T23:59:59Z"),
    ("2026-11-03T09:00:00.120000Z", "9001-01-01T00:00:00Z"),
    ("2026-11-03T09:00:00.120000Z", "2026-11-03T09:00:00"),
    ("2026-11-03T09:00:00.120000Z", "2026-11-03"),
    ('card = "alpha/a2"', 'card = "Alpha/a2"'),
    ('card = "alpha/a2"', 'card = "alpha"'),
    ('card = "alpha/a2"', 'card = "alpha/a2/x"'),
    ("format = 1", "format = 2"),
    ("format = 1", "format = 1.0"),
    ("format = 1\n", ""),
    ("format = 1\n", 'format = 1\nowner = "me"\n'),
    ("ms = 1\n", 'ms = 1\nnote = "x"\n'),
    ('id = "m1-d"', 'id = "m1-d"\nid = "m1-x"'),
    ('\n[[review]]\nid = "m1-b"', '\n[[ review ]]\nid = "m1-b"'),
    ('\n[[review]]\nid = "m1-b"', '\n[review]\nid = "m1-b"'),
    ('\n[[review]]\nid = "m1-b"', '\n[[review]]\n\nid = "m1-b"'),
    ('\n[[review]]\nid = "m1-b"', '\n  [[review]]\n  id = "m1-b"'),
    ("\n", "\r\n"),
    ("ms = 1\n", "ms = 1\n\n"),
    ('\n[[review]]\nid = "m1-c"', '\n\n\n[[review]]\nid = "m1-c"'),
    ("ms = 1\n", "ms = 1\n\x00\x00"),
    ("ms = 1\n", "ms = 1"),
    ("ms = 1\n", "ms = 1\n[[review]]\n"),
    ("ms = 1\n", 'ms = 1\n[[review]]\nid = "m1-f"\n'),
]


@pytest.mark.parametrize(("old", "new"), EDITS)
def test_a_hand_edit_reads_as_the_toml_parser_reads_it(old: str, new: str) -> None:
    text = SAMPLE_RAW.decode()
    assert old in text
    raw = text.replace(old, new, 1).encode()
    assert through_parse_log(raw) == through_toml(raw)


def test_hand_edits_that_change_nothing_still_read_the_same() -> None:
    """Edits the fast reader does not take (other spacing, order, quotes, a comment) but that
    the TOML parser reads as the same log: the same entries either way."""
    same = [e for e in EDITS if isinstance(through_toml(edited(*e)), list)]
    assert len(same) >= 10  # the list above holds both kinds
    for old, new in same:
        raw = edited(old, new)
        assert parse_log(raw, PATH) == _toml_entries(raw, PATH, 1, 0)


def edited(old: str, new: str) -> bytes:
    return SAMPLE_RAW.decode().replace(old, new, 1).encode()


def test_what_the_fast_reader_takes_is_exactly_the_written_shape() -> None:
    assert _written_entries(SAMPLE_RAW) == SAMPLE
    assert _written_entries(SAMPLE_RAW[len(LOG_HEADER) :]) == SAMPLE  # a tail
    assert _written_entries(b"") == []
    assert _written_entries(LOG_HEADER) == []
    same_shape = {  # no final newline, the longest id, a log without its `format = 1` line
        ("ms = 1\n", "ms = 1"),
        ('id = "m1-a"', 'id = "' + "x" * 64 + '"'),
        ("format = 1\n", ""),
        ("ms = 1\n", "ms = 1\n\n"),  # blank lines at the end, or between blocks
        ('\n[[review]]\nid = "m1-c"', '\n\n\n[[review]]\nid = "m1-c"'),
    }
    for old, new in EDITS:
        if (old, new) not in same_shape:
            assert _written_entries(edited(old, new)) is None, (old, new)
        else:
            assert _written_entries(edited(old, new)) == _toml_entries(edited(old, new), PATH, 1, 0)


@budget(400)
@given(any_input([SAMPLE_RAW, written(SAMPLE[1:4], header=False)]))
def test_any_damage_reads_as_the_toml_parser_reads_it(raw: bytes) -> None:
    assert through_parse_log(raw) == through_toml(raw)


def test_read_log_from_an_offset_and_its_block_starts(tmp_path: Path) -> None:
    path = tmp_path / PATH
    path.write_bytes(SAMPLE_RAW)
    offset = len(LOG_HEADER) + len(entry_to_toml(SAMPLE[0]))
    assert read_log(path, offset) == (SAMPLE[1:], len(SAMPLE_RAW))
    blocks = read_log_blocks(path, offset)
    assert blocks.entries == SAMPLE[1:]
    assert [SAMPLE_RAW[s:].startswith(b"\n[[review]]\nid = ") for s in blocks.starts] == [True] * 4
    assert blocks.starts[0] == offset


def test_an_error_after_an_offset_names_the_line_in_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / PATH
    path.write_bytes(edited("rating = 4", "rating = 9"))
    offset = len(LOG_HEADER) + len(entry_to_toml(SAMPLE[0]))
    with pytest.raises(DataFileError) as error:
        read_log(path, offset)
    line = edited("rating = 4", "rating = 9").split(b"\n").index(b"rating = 9") + 1
    assert (
        str(error.value)
        == f"{path}: line {line}: review #5: field 'rating': must be 1 (Again) to 4 (Easy)"
    )


def test_the_last_instant_of_a_day_and_of_the_range(tmp_path: Path) -> None:
    last = datetime(LAST_YEAR, 12, 31, 23, 59, 59, 999999, UTC)
    log = [
        LogEntry("x", datetime(FIRST_YEAR, 1, 1, tzinfo=UTC), "a/b", 1),
        LogEntry("y", last, "a/b", 2),
        LogEntry("z", last - timedelta(days=1), "a/b", None, "forget"),
    ]
    raw = written(log)
    assert _written_entries(raw) == log
    assert through_parse_log(raw) == through_toml(raw)


@budget(400)
@given(
    any_input([SAMPLE_RAW, b"[a]\n  [[review]]\n\t[x", b"\n\n[\n"])
    | st.lists(st.sampled_from([b"\n", b"[", b" ", b"\t", b"a", b"\r", b"="])).map(b"".join)
)
def test_the_last_table_line_is_found_from_the_end_as_a_scan_from_the_top_finds_it(
    raw: bytes,
) -> None:
    starts = [m.start() for m in _LINE_STARTING_A_TABLE.finditer(raw)]
    assert _last_table_line(raw) == (starts[-1] if starts else -1)


def test_every_reader_of_a_log_flashprep_wrote_takes_the_fast_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A whole month file, its tail from a checkpoint's offset, its blocks for the history
    cache, one card's entries and the merged history: none of them needs the TOML parser."""
    device = tmp_path / "reviews" / "0123456789abcdef"
    device.mkdir(parents=True)
    path = device / PATH
    path.write_bytes(SAMPLE_RAW)
    offset = len(LOG_HEADER) + len(entry_to_toml(SAMPLE[0]))

    def refused(*args: object) -> list[LogEntry]:
        raise AssertionError("read through the TOML parser")

    monkeypatch.setattr(reviewlog, "_toml_entries", refused)
    assert read_log(path) == (SAMPLE, len(SAMPLE_RAW))
    assert read_log(path, offset)[0] == SAMPLE[1:]
    assert read_log_blocks(path).entries == SAMPLE
    assert card_entries(tmp_path / "reviews", "beta/b1") == SAMPLE[2:4]
    assert list(read_all(tmp_path / "reviews")) == SAMPLE
    path.write_bytes(edited("ms = 5400", "ms = 5400 # slow"))  # and the parser is really refused
    with pytest.raises(AssertionError):
        read_log(path)
