"""`flashprep sync` through git: two data folders cloned from one repository, used on both,
synced both ways: no merge conflict, one history, the same statistics (issue 19; no network:
the remote is a bare repository in the test's folder)."""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from flashprep.cli import main
from flashprep.core.files.lock import UserLock
from flashprep.core.paths import Home
from flashprep.core.storage.logread import device_logs, read_all, read_log_file
from flashprep.core.storage.profile import Profile, save_profile
from flashprep.core.storage.reviewlog import LogEntry
from flashprep.core.storage.userstore import UserStore

from helpers import START, FakeClock

DECK = 'id = "mine"\nname = "Mine"\ncategory = "general"\n\n'
CARD = '[[cards]]\nid = "{id}"\nfront = "Question {id}?"\nback = "Answer {id}."\n\n'


def cli(home: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--home", str(home), *args])
    out, err = capsys.readouterr()
    return code, out, err


def use(home: Path, clock: FakeClock, keys: list[str], undo: bool = False, anki: int = 1) -> None:
    """A sitting: grades, a bury and a suspend, maybe an undo, an imported review."""
    with UserLock(Home(home).user_dir("tester")) as lock:
        store = UserStore(Home(home), "tester", clock, lock=lock)
        for i, key in enumerate(keys):
            store.grade(key, i % 4 + 1)  # type: ignore[arg-type]
            clock.advance(minutes=2)
        store.record(keys[0], "bury")
        store.record_many(keys[1:3], "suspend")
        if undo:
            store.undo()
        store.import_entries(
            [LogEntry(f"anki-{anki}-1", START - timedelta(days=30), keys[-1], 3, mode="import")]
        )
        store.checkpoint()


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    return bare


@pytest.fixture
def laptop(tmp_path: Path, remote: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    home = tmp_path / "laptop"
    save_profile(
        Home(home).user_dir("tester") / "profile.toml",
        Profile.model_validate({"seed": 11, "settings": {"timezone": "UTC"}}),
    )
    (home / "decks").mkdir(parents=True)
    (home / "decks" / "mine.toml").write_text(
        DECK + "".join(CARD.format(id=f"m{i}") for i in range(6))
    )
    use(home, FakeClock(START), ["mine/m0", "mine/m1", "mine/m2"])
    code, out, err = cli(home, "sync", "init", str(remote), capsys=capsys)
    assert code == 0, err
    assert "pushed" in out
    return home


def test_two_computers_sync_through_git_without_a_conflict(
    laptop: Path, remote: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    desk = tmp_path / "desk"
    code, out, err = cli(desk, "sync", "init", str(remote), capsys=capsys)
    assert code == 0, err
    assert (desk / "decks" / "mine.toml").exists()  # joined: the laptop's folder came in
    # both computers study before syncing, the desk earlier in the day than the laptop
    use(laptop, FakeClock(START + timedelta(hours=5)), ["mine/m3", "mine/m0", "mine/m4"], True)
    use(desk, FakeClock(START + timedelta(hours=1)), ["mine/m5", "mine/m1", "mine/m3"], anki=2)
    stories = Home(desk).user("tester").stories
    stories.write_text('format = 1\n\n[[stories]]\nid = "x"\ntitle = "A story"\n')
    with open(laptop / "decks" / "mine.toml", "a") as deck:
        deck.write(CARD.format(id="m6"))  # a new card on the laptop
    for home in (laptop, desk, laptop):
        code, out, err = cli(home, "sync", capsys=capsys)
        assert code == 0, err
        assert "two computers" not in out  # nothing to settle: no file changed on both
    # the laptop is told what came in from the desk: 3 grades and 1 imported; bury, suspend x2
    assert "4 reviews and 3 other actions from " in out
    for home in (laptop, desk):
        assert not subprocess.run(
            ["git", "-C", str(home), "status", "--porcelain"], capture_output=True, text=True
        ).stdout.strip()
    assert (laptop / "users/tester/stories.toml").read_bytes() == stories.read_bytes()
    assert "m6" in (desk / "decks" / "mine.toml").read_text()
    stats = [cli(home, "stats", "--json", capsys=capsys)[1] for home in (laptop, desk)]
    assert json.loads(stats[0]) == json.loads(stats[1])
    reviews = Home(laptop).user("tester").reviews
    union = [e.id for e in read_all(reviews)]
    logs = device_logs(reviews)
    every = [e.id for files in logs.values() for p in files for e in read_log_file(p)]
    assert sorted(union) == sorted(every) and len(set(union)) == len(union)  # each once
    assert len(device_logs(reviews)) == 2
    status = cli(desk, "sync", "--status", capsys=capsys)[1]
    assert "(this computer)" in status and "0 changed files" in status


def test_a_setting_changed_on_both_keeps_the_later_and_the_other_in_conflicts(
    laptop: Path,
    remote: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    desk = tmp_path / "desk"
    assert cli(desk, "sync", "init", str(remote), capsys=capsys)[0] == 0
    assert cli(desk, "config", "set", "new_per_day", "7", capsys=capsys)[0] == 0
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2030-01-01T10:00:00Z")  # the desk's edit: earlier
    assert cli(desk, "sync", capsys=capsys)[0] == 0
    assert cli(laptop, "config", "set", "new_per_day", "9", capsys=capsys)[0] == 0
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2030-01-01T11:00:00Z")
    code, out, err = cli(laptop, "sync", capsys=capsys)
    assert code == 0, err
    assert "edited on two computers" in out
    kept = list((laptop / "users/tester/conflicts").iterdir())
    assert len(kept) == 1 and "new_per_day = 7" in kept[0].read_text()
    assert "new_per_day = 9" in (laptop / "users/tester/profile.toml").read_text()
    assert "kept from an edit on two computers" in cli(laptop, "sync", "--status", capsys=capsys)[1]
    assert cli(desk, "sync", capsys=capsys)[0] == 0
    assert "new_per_day = 9" in (desk / "users/tester/profile.toml").read_text()


def test_without_git_a_clear_message(
    laptop: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    empty = tmp_path / "nothing"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    code, _, err = cli(laptop, "sync", capsys=capsys)
    assert code == 2
    assert "git is not installed" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_sync_before_init_says_what_to_do_and_status_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "fresh"
    use_home = Home(home)
    save_profile(
        use_home.user_dir("tester") / "profile.toml",
        Profile.model_validate({"seed": 1, "settings": {"timezone": "UTC"}}),
    )
    before = sorted(p.relative_to(home) for p in home.rglob("*"))
    code, _, err = cli(home, "sync", capsys=capsys)
    assert code == 2 and "not a git repository" in err and "sync init" in err
    assert sorted(p.relative_to(home) for p in home.rglob("*")) == before
    code, out, _ = cli(home, "sync", "--status", capsys=capsys)
    assert code == 0 and "git: not a repository" in out
    assert sorted(p.relative_to(home) for p in home.rglob("*")) == before
