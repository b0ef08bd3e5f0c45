"""An Anki import with its history writes the same bytes as the import before its fast paths
(the revlog read, the comparison with the log, the writing of month files): every file it
leaves (decks, Anki notes, the log, state.toml, the caches, the backup) is compared, by digest,
with what that import wrote (tests/data/anki/import-bytes.json, made by `expected()` below on
the code before them). The packages hold a long history with every odd row: deleted cards,
times out of range, values of the wrong type, manual and cram rows, answer times out of range.
Two imports one after the other: the first into a new user's log, the second (another layout
of the same cards, and more history) into a log that holds them."""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.importers.apply import import_files
from flashprep.core.paths import Home
from flashprep.core.storage.profile import Profile, save_profile
from flashprep.core.storage.userstore import UserStore
from hostilecol import REVIEWED_AT_MS, loosen, package

from helpers import FakeClock

DATA = Path(__file__).parents[2] / "data"
EXPECTED = DATA / "anki" / "import-bytes.json"
USER = "tester"
DAY_MS = 86_400_000


def long_history(seed: int, rows: int) -> Any:
    """A change (see hostilecol.package) adding `rows` revlog rows, odd ones among them."""

    def change(conn: sqlite3.Connection) -> None:
        loosen(conn, "revlog")
        rng = random.Random(seed)
        cards = [row[0] for row in conn.execute("SELECT id FROM cards ORDER BY id")]
        at = REVIEWED_AT_MS + DAY_MS * 400  # after the base collection's own reviews
        for n in range(rows):
            at += rng.choice((1, 500, 1000, 60_000, 3_600_000, DAY_MS, 5 * DAY_MS))
            row: list[object] = [
                at,
                rng.choice(cards),
                rng.choice((1, 2, 3, 3, 3, 4)),
                rng.choice((1, 7, -600, -1, 30)),  # ivl: negative is seconds (learning)
                rng.choice((2500, 2500, 0)),
                rng.choice((800, 4000, 25_000)),
                rng.choice((0, 1, 1, 1, 2)),
            ]
            odd = rng.random()
            if odd < 0.03:
                row[1] = 1_000_000 + n  # a card since deleted
            elif odd < 0.05:
                row[6] = rng.choice((3, 4, 5))  # cram, manual, rescheduled
            elif odd < 0.06:
                row[0] = rng.choice((-DAY_MS, 10**15, 253_402_300_800_000 + n))
            elif odd < 0.07:
                row[rng.choice((2, 4, 6))] = rng.choice((2.5, "3", None))
            elif odd < 0.08:
                row[5] = rng.choice((-5, 10**12, None, "slow"))
            conn.execute("INSERT INTO revlog VALUES (?, ?, -1, ?, ?, 0, ?, ?, ?)", row)

    return change


DEVICE = re.compile(r"reviews/([^/]+)/")
VOLATILE = [
    (re.compile(rb'"stamp":\[\d+,\d+\]'), b'"stamp":[]'),  # a file's size and time
    (re.compile(rb"\[\s*\d+,\s*\d{15,}\s*\]"), b"[]"),  # the same, in other caches
]


def written(root: Path) -> dict[str, str]:
    """Every file under `root` by digest, the device id (random) and file times left out."""
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.name != "lock")
    devices = {m.group(1) for p in files if (m := DEVICE.search(p.as_posix()))}
    out = {}
    for path in files:
        name = path.relative_to(root).as_posix()
        data = path.read_bytes()
        for device in devices:
            name = name.replace(device, "DEVICE")
            data = data.replace(device.encode(), b"DEVICE")
        if path.parent.name == "local" or name.endswith((".lock", ".json.lock")):
            continue  # this computer's id and folder
        for pattern, replacement in VOLATILE:
            data = pattern.sub(replacement, data)
        out[name] = hashlib.sha256(data).hexdigest()
    return out


def imported(folder: Path, layouts: tuple[int, int], keep_to_exit: bool = False) -> dict[str, Any]:
    """Import a package of each layout, the second with more history; what each leaves."""
    home = Home(folder / "home")
    bundled = folder / "bundled"
    shutil.copytree(DATA / "decks", bundled)
    profile = Profile.model_validate({"seed": 7, "settings": {"timezone": "UTC"}})
    save_profile(home.user_dir(USER) / "profile.toml", profile)
    clock = FakeClock()
    out: dict[str, Any] = {}
    for step, layout in enumerate(layouts):
        path = package(folder, layout, long_history(0, 1500 * (step + 1)), f"p{step}.apkg")
        library = DeckLibrary.load(home, bundled)
        store = UserStore(home, USER, clock)
        summary = import_files([path], library, store, keep_to_exit=keep_to_exit).to_json()
        out[f"summary {step}"] = json.loads(json.dumps(summary).replace(str(folder), "TMP"))
        out[f"files {step}"] = written(home.root)
        clock.advance(days=3)
    return out


CASES = {"legacy then modern": (2, 3), "modern then legacy": (3, 2)}


def expected() -> dict[str, Any]:
    """What the import writes, for tests/data/anki/import-bytes.json (made before a change to
    the import's speed, and kept: a change to what it writes is a change of format)."""
    import tempfile

    out = {}
    for name, layouts in CASES.items():
        with tempfile.TemporaryDirectory() as folder:
            out[name] = imported(Path(folder), layouts)
    return out


@pytest.mark.parametrize("case", CASES)
def test_the_import_writes_what_it_wrote_before_its_fast_paths(tmp_path: Path, case: str) -> None:
    want = json.loads(EXPECTED.read_text())[case]
    got = imported(tmp_path, CASES[case])
    assert got["summary 0"]["reviews_added"] > 1000  # the history is there to compare
    assert got["summary 1"]["reviews_known"] > 1000  # and the second import meets the first
    for key in want:
        assert got[key] == want[key], key


@pytest.mark.parametrize("case", CASES)
def test_an_import_whose_replay_is_split_writes_the_same_bytes(
    tmp_path: Path, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import splits its replay between processes from fewer entries than the statistics
    (apply.IMPORT_SPLIT_FROM): forced here for these small packages, every file is as one
    process writes it."""
    from flashprep.core.importers import apply
    from flashprep.core.stats import splitreplay

    splits: list[int] = []
    split = splitreplay._split

    def counted(entries: list[Any], *args: Any) -> Any:
        splits.append(len(entries))
        return split(entries, *args)

    monkeypatch.setattr(apply, "IMPORT_SPLIT_FROM", 1)
    monkeypatch.setattr(splitreplay, "processes_here", lambda: 2)
    monkeypatch.setattr(splitreplay, "_split", counted)
    want = json.loads(EXPECTED.read_text())[case]
    got = imported(tmp_path, CASES[case])
    assert len(splits) == 2 and min(splits) > 1000  # each import's replay, once, split
    for key in want:
        assert got[key] == want[key], key


KEPT_TO_EXIT = """
import gc, json, sys
from pathlib import Path
sys.path[:0] = sys.argv[2:]
from flashprep.core.files.gcpause import ending_process
import test_import_bytes
with ending_process():
    out = test_import_bytes.imported(Path(sys.argv[1]), (2, 3), keep_to_exit=True)
out["frozen"] = gc.get_freeze_count()
sys.stdout.write(json.dumps(out))  # no newline, no flush: the exit writes it out
"""


def test_an_import_that_leaves_its_objects_to_the_exit_writes_the_same_bytes(
    tmp_path: Path,
) -> None:
    """The command line's import leaves what the files held for the process's end to free
    (gcpause.leave_to_exit): in a process of its own, every file is as ever, and what it prints
    last still comes out."""
    here = Path(__file__).parent
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            KEPT_TO_EXIT,
            str(tmp_path),
            str(here),
            str(here.parents[1] / "support"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    assert got.pop("frozen") > 0  # the entries were kept (and all frozen), not freed
    want = json.loads(EXPECTED.read_text())["legacy then modern"]
    assert got.keys() == want.keys()
    for key in want:
        assert got[key] == want[key], key
