from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime

from flashprep.core.scheduling import codecs
from flashprep.core.scheduling.scheduler import NEW, CardState

SEEN = CardState(
    "relearning",
    0,
    3.25,
    6.5,
    datetime(2026, 12, 1, 9, 30, 0, 123456, tzinfo=UTC),
    datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
    7,
    2,
    True,
    date(2026, 12, 2),
)


def test_every_encoding_gives_back_the_state() -> None:
    for state in (NEW, SEEN, NEW._replace(suspended=True)):
        line = tomllib.loads(codecs.to_toml_line("d/c", state))["d/c"]
        assert codecs.from_toml_table(line) == state
        assert codecs.from_list(codecs.to_list(state)) == state
        columns = codecs.to_columns([NEW, state])
        assert list(codecs.from_columns(columns)) == [NEW, state]
        assert codecs.row(columns, 1) == state


def test_the_codecs_follow_the_card_state_fields() -> None:
    assert CardState._fields == codecs.FIELDS
    assert len(codecs.COLUMN_TYPES) == len(codecs.to_list(NEW)) == len(codecs.FIELDS)
