"""Instants and month files of the review log, formatted by hand: as strftime wrote them before."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from flashprep.core.clock import toml_instant
from flashprep.core.storage.logwrite import _quoted
from flashprep.core.storage.reviewlog import month_file

from fuzzing import budget

instants = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(8999, 12, 30), timezones=st.just(UTC)
)
offsets = st.integers(-18 * 60 + 1, 18 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m)))


@given(instants, offsets)
@budget(500)
def test_instants_and_month_files_as_strftime_wrote_them(at: datetime, zone: timezone) -> None:
    local = at.astimezone(zone)
    fraction = f".{at.microsecond:06d}" if at.microsecond else ""
    assert toml_instant(local) == at.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"
    assert month_file(local) == at.strftime("%Y-%m.toml")
    assert tomllib.loads(f"at = {toml_instant(local)}")["at"] == at


@given(st.text(st.one_of(st.characters(codec="utf-8"), st.sampled_from(['"', "\\", "\x7f", "/"]))))
@budget(500)
def test_ids_and_card_keys_are_quoted_as_json_quotes_them(text: str) -> None:
    assert _quoted(text) == json.dumps(text)
