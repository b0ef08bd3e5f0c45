"""What a drill's start imports: what its first screen needs, and nothing that only another path
does (issue 23). Each module named here is heavy or serves another screen or command; a start
that imports one again is slower for everyone, and this test names it."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.files.lock import UserLock
from flashprep.core.paths import Home
from flashprep.core.scheduling.scheduler import Rating
from flashprep.core.storage.profile import Interview, load_profile, save_profile
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.drill import Drill, keep_first_queues

LAZY = (
    "pydantic",  # validation: a changed file only (caches are read at start)
    "tomli_w",
    "fsrs",  # the reference scheduler: tests and the optimizer (scheduling/fastreview reviews)
    "zstandard",  # Anki packages
    "sqlite3",
    "html_to_markdown",
    "markdown_it",
    "flashprep.core.importers",
    "flashprep.core.exporters",
    "flashprep.core.stats",
    "flashprep.core.scheduling.optimizer",
    "flashprep.core.interview.plan",  # a user with an interview date only (interview/opendrill)
    "flashprep.core.interview.projection",
    "flashprep.tui.screens.home",  # a drill opened from the command line comes alone
    "flashprep.tui.screens.stats",
)

START = """
import json, sys
from flashprep.core.storage import statecache
if len(sys.argv) > 3:  # the per-card passes a start with its first queues kept must not make
    def refused(*args, **kwargs):
        raise AssertionError("a pass over every card at start")
    statecache.StateColumns.drill_queue = refused
    statecache.StateColumns.index = refused
    statecache.StateColumns.keys = property(refused)
    statecache._decodable = refused
from flashprep.cli import build_parser, commands_needed
from flashprep.commands.common import open_user
argv = ["drill", "--home", sys.argv[1], "--user", "tester"]
args = build_parser(commands_needed(argv)).parse_args(argv)
opened = open_user(args, write=True)  # as commands/tui.open_tui does, up to app.run()
opened.store.ensure_profile()
from flashprep.tui.app import FlashprepApp
app = FlashprepApp(opened.library, opened.store, start="drill")
screen = app.get_default_screen()  # the drill screen, its drill and first card
assert screen.drill.current is not None
opened.close()
lazy = json.loads(sys.argv[2])
found = [m for m in sys.modules if any(m == n or m.startswith(n + ".") for n in lazy)]
print(json.dumps(sorted(found)))
"""


def start_drill(home: Path, kept: bool = False) -> list[str]:
    """The modules of LAZY that a drill's start imports, in a fresh interpreter; `kept`: the
    start must read its first queue from cache/queue.json (no pass over every card)."""
    argv = [sys.executable, "-c", START, str(home), json.dumps(LAZY), *(["kept"] if kept else [])]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    loaded: list[str] = json.loads(done.stdout)
    return loaded


def test_a_drills_start_imports_only_what_its_first_screen_needs(tmp_path: Path) -> None:
    home = tmp_path / "home"
    start_drill(
        home
    )  # a new user: profile and deck caches made (with pydantic), as at a first start
    assert start_drill(home) == []
    # the check sees a lazy module when the start does need it: a user with an interview date
    profile_path = home / "users" / "tester" / "profile.toml"
    profile = load_profile(profile_path)
    save_profile(
        profile_path, profile.model_copy(update={"interview": Interview(date=date(2099, 1, 1))})
    )
    loaded = start_drill(home)
    assert "flashprep.core.interview.plan" in loaded
    assert "flashprep.tui.screens.home" not in loaded


def test_a_drills_start_after_grades_reads_its_first_queue_and_card_rows_from_the_kept_file(
    tmp_path: Path,
) -> None:
    """At exit after grades the first queues are found again from the new checkpoint
    (core/storage/queuecache.py): the next start reads them, and its cards' rows, without a
    pass over every card (their keys, their index, the check of every row)."""
    home = tmp_path / "home"
    start_drill(home)  # a new user, their caches made
    with UserLock(Home(home).user_dir("tester")) as lock:
        store = UserStore(Home(home), "tester", lock=lock)
        library = DeckLibrary.load(Home(home))
        drill = Drill(library, store)
        for _ in range(3):
            drill.grade(Rating.GOOD, 1000)
        store.checkpoint()
        keep_first_queues(library, store)
    assert start_drill(home, kept=True) == []
    Home(home).user("tester").cache_queue.unlink()
    with pytest.raises(AssertionError, match="a pass over every card"):
        start_drill(home, kept=True)
