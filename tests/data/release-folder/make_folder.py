"""How `home/` and `expected.json` here were made: run once with the release's code
(flashprep 0.1.0, commit 1ed0985, before `core/` became layer subpackages), never with the
current code.

    cd <a checkout of that commit> && .venv/bin/python <this file> <this folder>

Everything runs at a fixed instant in UTC, against the two small decks in `bundled/`, so the figures
that tests/test_release_folder.py compares do not depend on the day the test runs.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
COMMANDS = [
    ["decks", "--json"],
    ["stats", "--json"],
    ["plan", "--json"],
    ["stories", "--json"],
    ["mock", "--history", "--json"],
]


class Frozen:
    """The instant the script has reached: what `system_clock()` returns while it runs."""

    at = START

    @staticmethod
    def now() -> datetime:
        return Frozen.at


def main(folder: Path) -> None:
    repo = Path.cwd()
    shutil.rmtree(folder / "home", ignore_errors=True)
    os.environ.update(FLASHPREP_HOME=str(folder / "home"), FLASHPREP_USER="tester", TZ="UTC")

    import flashprep.core.clock as clock
    import flashprep.core.library as library_module

    # Every store's default clock is `system_clock` (bound when the store module loads), so its
    # code is swapped rather than the name: it then calls `frozen_now`, looked up in its module.
    clock.frozen_now = Frozen.now  # type: ignore[attr-defined]
    clock.system_clock.__code__ = (lambda: frozen_now()).__code__  # type: ignore[name-defined]  # noqa: F821
    library_module.bundled_decks_dir = lambda: folder / "bundled"  # type: ignore[attr-defined]

    from flashprep.cli import main as cli
    from flashprep.core.library import DeckLibrary
    from flashprep.core.mock import MockRound
    from flashprep.core.mockchoice import MockOptions
    from flashprep.core.paths import Home
    from flashprep.core.profile import Profile, save_profile
    from flashprep.core.stories import Story, StoryBank, save_stories
    from flashprep.core.userstore import UserStore

    home = Home(folder / "home")
    user_dir = home.user_dir("tester")
    user_dir.mkdir(parents=True)
    save_profile(
        user_dir / "profile.toml",
        Profile.model_validate({"seed": 7, "settings": {"timezone": "UTC"}}),
    )
    assert cli(["import", str(repo / "tests/data/anki/small-modern.apkg")]) == 0

    store = UserStore(home, "tester")
    for minutes, (key, rating) in enumerate(
        [("alpha/a1", 3), ("alpha/a2", 1), ("beta/b1", 4), ("alpha/a2", 3), ("alpha/a3", 2)]
    ):
        Frozen.at = START + timedelta(minutes=minutes)
        store.grade(key, rating, ms=4000 + 1000 * minutes)
    Frozen.at = START + timedelta(days=1, hours=1)
    store.grade("alpha/a1", 3, ms=3000)
    store.checkpoint()

    save_stories(
        user_dir / "stories.toml",
        StoryBank(
            stories=[
                Story(
                    id="outage",
                    title="The payments outage",
                    situation="Checkout failed for an hour.",
                    action="Rolled back, then wrote the runbook.",
                    result="No repeat in a year.",
                    competencies=["ownership"],
                    questions=["beta/b1", "alpha/a1"],
                )
            ]
        ),
    )
    interview_day = (Frozen.at.date() + timedelta(days=20)).isoformat()
    assert cli(["plan", "--date", interview_day, "--deck", "alpha", "--target", "0.9"]) == 0

    Frozen.at += timedelta(hours=2)
    mock = MockRound.start(DeckLibrary.load(home), store, MockOptions(mix={"technical": 2}))
    mock.answer(3, 200_000)
    mock.finish()

    Frozen.at += timedelta(hours=1)
    expected: dict[str, object] = {"now": Frozen.at.isoformat()}
    for args in COMMANDS:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert cli(args) == 0, args
        expected[" ".join(args)] = json.loads(out.getvalue())
    lines = [
        f"{json.dumps(key)}: {json.dumps(value, sort_keys=True)}" for key, value in expected.items()
    ]
    (folder / "expected.json").write_text("{\n" + ",\n".join(lines) + "\n}\n")
    # caches are left out: they are derived, and the new code must build its own
    shutil.rmtree(user_dir / "cache", ignore_errors=True)
    shutil.rmtree(home.root / "cache", ignore_errors=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
