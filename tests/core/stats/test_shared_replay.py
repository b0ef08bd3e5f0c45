"""One replay for the checkpoint and the statistics (stats.historycache.SharedReplay).

With neither `state.toml` nor the history cache, `stats --json` replays the log once, while the
store opens, and the history reader takes the grades from that replay. Whichever derived file is
missing, the output, the checkpoint and the history cache must be the bytes the two separate
replays give, and a log the shared replay must not take (a cut-off last block, an id written
twice) is replayed as before.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_fast_replay import write_home

from flashprep.cli import main
from flashprep.core.paths import Home
from flashprep.core.stats import history as stats_history
from flashprep.core.stats.historycache import HistoryReader, SharedReplay
from flashprep.core.storage import userstore
from flashprep.core.storage.logread import device_logs
from flashprep.core.storage.userstore import UserStore

from helpers import FakeClock

Capture = pytest.CaptureFixture[str]
BLOCK = re.compile(rb"\[\[review\]\]\n(?:[a-z]+ = [^\n]*\n)+")
MISSING = {
    "checkpoint": ("state.toml", "cache/state.bin"),
    "history": ("cache/history",),
    "both": ("state.toml", "cache"),
    "neither": (),
}


def remove(folder: Path, names: tuple[str, ...]) -> None:
    for name in names:
        shutil.rmtree(folder / name, ignore_errors=True)
        (folder / name).unlink(missing_ok=True)


def derived(folder: Path) -> dict[str, bytes]:
    """The checkpoint and every history cache file, by name."""
    files = {"state.toml": (folder / "state.toml").read_bytes()}
    for path in sorted((folder / "cache" / "history").iterdir()):
        files[path.name] = path.read_bytes()
    return files


def run(capsys: Capture, home: Home, replays: list[int]) -> tuple[str, dict[str, bytes], int]:
    """`stats --json`, then a checkpoint written by a store opened as the command opens it
    (the statistics write none): the output, the derived files after both, and how many
    entries the command replayed."""
    replays[0] = 0
    assert main(["stats", "--json", "--range", "all"]) == 0
    out, replayed = capsys.readouterr().out, replays[0]
    store = UserStore(home, "tester", FakeClock(), full_replay=SharedReplay())
    store.checkpoint()
    return out, derived(home.user_dir("tester")), replayed


@pytest.fixture
def replays(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many entries the store and the history reader have each replayed, together."""
    count = [0]
    for module in (userstore, stats_history):
        apply = module.apply_entry

        def counted(*args, apply=apply):  # type: ignore[no-untyped-def]
            count[0] += 1
            return apply(*args)

        monkeypatch.setattr(module, "apply_entry", counted)
    yield count


def reference(
    capsys: Capture, home: Home, monkeypatch: pytest.MonkeyPatch, replays: list[int]
) -> tuple[str, dict[str, bytes], int]:
    """The result of the separate replays: the store's and the reader's (nothing shared)."""
    remove(home.user_dir("tester"), MISSING["both"])
    with monkeypatch.context() as patch:
        patch.setattr(SharedReplay, "__call__", lambda *_: None)
        return run(capsys, home, replays)


def spoil(home: Home, how: str) -> None:
    """What the shared replay must leave to the separate ones."""
    files = next(iter(device_logs(home.user_dir("tester") / "reviews").values()))
    if how == "cut-off last block":
        with files[-1].open("ab") as handle:
            handle.write(b'\n[[review]]\nid = "zz-000000"\nat = "20')
    elif how == "an id twice":
        raw = files[-2].read_bytes()  # an entry of a month already read, copied to its end
        files[-2].write_bytes(raw + b"\n" + BLOCK.findall(raw)[0])


@pytest.mark.parametrize("seed", [3, 17])
@pytest.mark.parametrize("spoiled", ["", "cut-off last block", "an id twice"])
def test_the_same_bytes_whichever_derived_file_is_missing(
    seed: int,
    spoiled: str,
    home: Home,
    capsys: Capture,
    monkeypatch: pytest.MonkeyPatch,
    replays: list[int],
) -> None:
    write_home(home, seed)
    spoil(home, spoiled)
    folder = home.user_dir("tester")
    expected, files, twice = reference(capsys, home, monkeypatch, replays)
    assert twice > 2000  # the store's replay and the reader's
    for missing, names in MISSING.items():
        remove(folder, names)
        out, after, replayed = run(capsys, home, replays)
        assert out == expected, missing
        assert after["state.toml"] == files["state.toml"], missing
        if missing == "both":  # the cache as the reader's own replay writes it
            assert replayed == (twice if spoiled else twice // 2)
            assert after == files


def test_the_reader_does_not_take_a_replay_of_a_log_changed_since(home: Home) -> None:
    """A grade logged between the store's opening and the history's read: the reader replays."""
    write_home(home, 5)
    shared = SharedReplay()
    store = UserStore(home, "tester", FakeClock(), full_replay=shared)
    files = next(iter(device_logs(home.user_dir("tester") / "reviews").values()))
    before = HistoryReader(UserStore(home, "tester"), shared=shared)
    blocks = BLOCK.findall(files[-1].read_bytes())
    grade = next(b for b in blocks if b"rating =" in b and b"mode =" not in b)
    with files[-1].open("ab") as handle:
        handle.write(b"\n" + grade.replace(b'id = "', b'id = "x'))
    taken = before.load()
    plain = HistoryReader(UserStore(home, "tester")).load()
    assert taken == plain
    assert len(taken) == store.data.total + 1  # the grade logged after the store opened
