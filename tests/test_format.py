"""How figures read on screen and in the CLI (flashprep/format.py): one "no value" sign, short
intervals, clocks that count down and past zero."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from flashprep.format import (
    NO_VALUE,
    countdown,
    duration,
    interval,
    interview_countdown,
    percent,
    plural,
    stopwatch,
)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=30), "30s"),
        (timedelta(minutes=10), "10m"),
        (timedelta(hours=5), "5h"),
        (timedelta(days=3), "3d"),
        (timedelta(days=75), "2.5mo"),
        (timedelta(days=800), "2.2y"),
    ],
)
def test_intervals_read_short(delta: timedelta, text: str) -> None:
    assert interval(delta) == text


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(minutes=59, seconds=40), "1h"),
        (timedelta(minutes=59, seconds=20), "59m"),
        (timedelta(hours=23, minutes=50), "1d"),  # not 24h where the button said 1d
        (timedelta(hours=23, minutes=20), "23h"),
        (timedelta(days=29, hours=13), "1.0mo"),
        (timedelta(days=29, hours=11), "29d"),
    ],
)
def test_an_interval_never_reads_as_a_full_next_unit(delta: timedelta, text: str) -> None:
    assert interval(delta) == text


def test_no_value_reads_the_same_everywhere() -> None:
    assert NO_VALUE == "—"
    assert percent(None) == NO_VALUE
    assert percent(0.874) == "87%"
    assert percent(1.0) == "100%"


def test_durations_plurals_and_clocks() -> None:
    assert duration(45) == "45s"
    assert duration(185) == "3m 05s"
    assert duration(3720) == "1h 02m"
    assert plural(1, "day") == "1 day"
    assert plural(3, "day") == "3 days"
    assert stopwatch(7.9) == "0:07"
    assert stopwatch(-3) == "0:00"
    assert countdown(125) == "02:05"
    assert countdown(-0.5) == "+00:01"


def test_interview_countdown() -> None:
    day = date(2026, 12, 8)
    assert interview_countdown(None, None) == ""
    assert interview_countdown(day, 12) == "Interview in 12 days (2026-12-08)"
    assert interview_countdown(day, 1) == "Interview tomorrow (2026-12-08)"
    assert interview_countdown(day, 0) == "Interview today (2026-12-08)"
    assert interview_countdown(day, -2) == "Interview was on 2026-12-08"
