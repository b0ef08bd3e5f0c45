"""state.toml's card lines read fast (storage.checkpoint._load): exactly tomllib's document for a
checkpoint as flashprep writes it, whatever its cards' states; and for anything else (a hand
edit, a damaged line) tomllib's own result or its own error."""

from __future__ import annotations

import random
import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.scheduling.scheduler import CardState
from flashprep.core.storage import checkpoint
from flashprep.core.storage.checkpoint import checkpoint_to_toml, parse_checkpoint
from flashprep.core.storage.replay import DayCounts, LogPosition, Schedule

PATH = Path("state.toml")


def random_state(rng: random.Random) -> CardState:
    name = rng.choice(["new", "learning", "review", "relearning"])
    at = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(10**9))
    if rng.random() < 0.5:
        at = at.replace(microsecond=rng.randrange(1, 10**6))
    return CardState(
        state=name,  # type: ignore[arg-type]
        step=rng.choice([None, 0, 1, 12]) if name != "review" else None,
        stability=rng.choice([None, 1e-3, 0.5, 3.0, rng.uniform(0, 1e9), 1e-07, 123456789.0]),
        difficulty=rng.choice([None, 1.0, 10.0, rng.uniform(1, 10)]),
        due=rng.choice([None, at]),
        last_review=rng.choice([None, at - timedelta(days=rng.randrange(0, 900))]),
        reps=rng.choice([0, 1, 37, 999_999]),
        lapses=rng.choice([0, 2]),
        suspended=rng.random() < 0.2,
        buried_until=rng.choice([None, date(2026, 2, 28)]),
    )


def written(seed: int, cards: int) -> bytes:
    rng = random.Random(seed)
    schedule = Schedule(states={}, counts=DayCounts(date(2026, 3, 1), 2, 3, 5, 900), total=77)
    schedule.position = LogPosition("2026-03.toml", 1234, "abc-123456", 99)
    schedule.device = "laptop-abcdef"
    for index in range(cards):
        schedule.states[f"deck{index % 7}/card-{index}"] = random_state(rng)
    return checkpoint_to_toml(schedule, datetime(2026, 3, 1, 12, tzinfo=UTC))


@pytest.mark.parametrize("seed", range(8))
def test_a_written_checkpoint_reads_as_tomllib_reads_it(seed: int) -> None:
    raw = written(seed, 300)
    assert checkpoint._written_cards(raw.decode().split("\n[cards]\n", 1)[1]) is not None
    assert checkpoint._load(raw, PATH) == tomllib.loads(raw.decode())


def outcome(raw: bytes, load: bool) -> object:
    """What reading gives: the document or schedule, or the error's message."""
    try:
        if load:
            return checkpoint._load(raw, PATH)
        schedule = parse_checkpoint(raw, PATH)
        return (schedule.states, schedule.counts, schedule.total, schedule.position)
    except DataFileError as exc:
        return str(exc)


EDITS = [
    (b"reps = 37", b"reps = 037"),  # a leading zero: not TOML
    (b"reps = 37", b"reps  = 37"),  # other spacing
    (b"stability = 3.0", b"stability = 3"),  # an integer where a float was
    (b"stability = 3.0", b"stability = 3.0e0"),
    (b"stability = 3.0", b"stability = 3_0.0"),
    (b"difficulty = 1.0", b"difficulty = -1.0"),  # out of range: the validation's error
    (b'state = "review"', b'state = "reviewed"'),
    (b'state = "review"', b"state = 'review'"),
    (b"suspended = true", b"suspended = false"),
    (b"suspended = true", b"suspended = 1"),
    (b"buried_until = 2026-02-28", b"buried_until = 2026-02-30"),
    (b"buried_until = 2026-02-28", b"buried_until = 2026-02-28T00:00:00Z"),
    (b"T", b"T99:"),  # a broken instant somewhere
    (b":00Z", b":60Z"),
    (b"Z,", b"+01:00,"),  # another zone: tomllib's value
    (b"Z,", b".1Z,"),  # a shorter fraction
    (b'"deck1/', b'"deck1\\u0041/'),  # an escape in a key
    (b'"deck1/', b'"deck1\t/'),
    (b"\n[cards]\n", b"\n[cards]\n# a comment\n"),
    (b"\n[cards]\n", b"\ncards = 3\n[cards]\n"),  # the table twice
    (b"\n[cards]\n", b'\n[cards]\n"deck0/card-0" = { state = "new" }\n'),  # a key twice
    (b" }\n", b" } # why\n"),
    (b" }\n", b"}\n"),
    (b"\n", b"\r\n"),
    (b"format = 2", b'format = 2\nx = """\n[cards]\n"""'),  # [cards] inside a string
    (b"lapses = 2", b"lapses = \xff"),  # not UTF-8
]


@pytest.mark.parametrize(("old", "new"), EDITS)
@pytest.mark.parametrize("seed", [1, 2])
def test_anything_else_is_tomllibs_result_or_error(old: bytes, new: bytes, seed: int) -> None:
    raw = written(seed, 120)
    assert old in raw
    rng = random.Random(seed)
    starts = [i for i in range(len(raw)) if raw.startswith(old, i)]
    at = rng.choice(starts)
    edited = raw[:at] + new + raw[at + len(old) :]
    try:
        expected: object = tomllib.loads(edited.decode())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        expected = None
    got = outcome(edited, load=True)
    if expected is None:
        assert isinstance(got, str)  # the error, named by loads_toml
    else:
        assert got == expected
    with pytest.MonkeyPatch.context() as patch:  # the whole parse: as with tomllib alone
        patch.setattr(checkpoint, "_written_cards", lambda text: None)
        slow = outcome(edited, load=False)
    assert outcome(edited, load=False) == slow
