"""A result computed in a forked child process: handed out once, for its key only; a child that
fails gives None (the caller then computes it itself)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from flashprep.core import background

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this platform")


def test_the_result_comes_from_the_child_once_and_after_runs_there(tmp_path: Path) -> None:
    marker = tmp_path / "after"
    background.start(
        ("k", 1),
        lambda: {"pid": os.getpid(), "big": "é" * 200_000},  # more than a pipe holds
        after=lambda: marker.write_text("done"),
    )
    found = background.take(("k", 1))
    assert found is not None
    result = found.result()
    assert result is not None
    assert result["pid"] != os.getpid() and result["big"] == "é" * 200_000
    assert found.result() is None  # taken once
    assert background.take(("k", 1)) is None
    background.finish()  # waits for `after`
    assert marker.read_text() == "done"


def test_another_key_finds_nothing_and_the_child_is_stopped() -> None:
    background.start("mine", lambda: [1, 2, 3])
    started = background._started
    assert started is not None
    assert background.take("other") is None
    assert background.take("mine") is None
    with pytest.raises(ChildProcessError):  # already waited for
        os.waitpid(started.pid, os.WNOHANG)


def test_finish_stops_a_child_whose_result_nobody_took() -> None:
    background.start("k", lambda: time.sleep(60))
    started = background._started
    assert started is not None
    background.finish()
    assert background.take("k") is None
    with pytest.raises(ChildProcessError):
        os.waitpid(started.pid, os.WNOHANG)


def test_a_failing_child_gives_none() -> None:
    def work() -> object:
        raise RuntimeError("broken")

    background.start("k", work)
    found = background.take("k")
    assert found is not None and found.result() is None
    background.finish()


def test_a_result_that_is_not_json_gives_none() -> None:
    background.start("k", lambda: {1, 2})  # a set: json cannot encode it
    found = background.take("k")
    assert found is not None and found.result() is None
    background.finish()
