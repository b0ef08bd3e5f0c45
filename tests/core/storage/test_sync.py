"""Two computers, one history: each device's own log, the union replayed the same everywhere,
the single-log layout of earlier releases migrated once and safely (issue 19)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import flashprep.core.storage.migrate as migrate
from flashprep.core.files.lock import UserLock
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.paths import Home
from flashprep.core.scheduling.scheduler import CardState
from flashprep.core.storage.backup import backup_files, list_backups
from flashprep.core.storage.device import device_file, this_device
from flashprep.core.storage.logread import device_logs, read_all, read_log_file
from flashprep.core.storage.logwrite import entry_to_toml
from flashprep.core.storage.profile import Profile, save_profile
from flashprep.core.storage.replay import Schedule, apply_entry
from flashprep.core.storage.reviewlog import LOG_HEADER, LogEntry
from flashprep.core.storage.userstore import UserStore

from fuzzing import budget, without_fsync
from helpers import START, FakeClock

RELEASE = Path(__file__).parents[2] / "data" / "release-folder" / "home"
KEYS = [f"alpha/a{i}" for i in range(1, 4)] + [f"beta/b{i}" for i in range(1, 3)]


def new_home(root: Path) -> Home:
    home = Home(root)
    save_profile(
        home.user_dir("tester") / "profile.toml",
        Profile.model_validate({"seed": 7, "settings": {"timezone": "UTC"}}),
    )
    return home


@contextmanager
def writer(home: Home, clock: FakeClock) -> Iterator[UserStore]:
    """The store as `flashprep` opens it: holding the user's lock."""
    with UserLock(home.user_dir("tester")) as lock:
        yield UserStore(home, "tester", clock, lock=lock)


def sync(source: Home, target: Home) -> None:
    """What a sync tool does: every device's log folder goes to the other computer, from the
    computer that writes it (each folder has one writer, so the newest copy is its own)."""
    own = this_device(source, create=False)
    if source.root == target.root:
        return
    src, dst = source.user("tester").reviews, target.user("tester").reviews
    if own and (src / own).is_dir():
        shutil.rmtree(dst / own, ignore_errors=True)
        shutil.copytree(src / own, dst / own)


def replay(home: Home, store: UserStore) -> Schedule:
    """The union replayed from nothing (no checkpoint), through the schedule's own path."""
    schedule = Schedule()
    for entry in read_all(home.user("tester").reviews):
        apply_entry(store.scheduler, schedule, entry, store.rollover, store.tz)
    return schedule


def replayed(home: Home, store: UserStore) -> dict[str, CardState]:
    return replay(home, store).states


def same_as_replay(home: Home, store: UserStore) -> bool:
    """Whether the store's schedule is what replaying the union from nothing gives."""
    fresh = replay(home, store)
    return (store.states, store.data.total, store.data.counts) == (
        fresh.states,
        fresh.total,
        fresh.counts,
    )


def all_ids(home: Home) -> list[str]:
    """Every id in the union, as often as the union holds it."""
    return sorted(e.id for e in read_all(home.user("tester").reviews))


def logged_ids(home: Home) -> list[str]:
    """Every id in every device's files, as often as the files hold it."""
    logs = device_logs(home.user("tester").reviews)
    return sorted(e.id for files in logs.values() for p in files for e in read_log_file(p))


# --- the device id and the ignore files -----------------------------------------------------


def test_a_device_id_is_made_once_per_computer_and_folder(tmp_path: Path) -> None:
    home = new_home(tmp_path / "a")
    assert this_device(home, create=False) is None
    device = this_device(home)
    assert device is not None and this_device(home, create=False) == device
    assert this_device(home) == device
    copy = Home(tmp_path / "copy")
    shutil.copytree(home.root, copy.root)  # a plain copy, device file and all
    other = this_device(copy)
    assert other is not None and other != device
    for name in (".gitignore", ".stignore"):
        text = (home.root / name).read_text()
        for ignored in ("local", "users/*/state.toml", "users/*/cache", "users/*/backups"):
            assert ignored in text
        assert "reviews" not in text and "profile.toml" not in text


@pytest.mark.parametrize("text", ["", "id = 3\nfolder = 'x'", 'id = "../up"\nfolder = "x"', "["])
def test_a_device_file_that_is_not_ours_is_an_error_and_kept(tmp_path: Path, text: str) -> None:
    home = new_home(tmp_path / "a")
    path = device_file(home)
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with pytest.raises(DataFileError, match="not a device file"):
        this_device(home)
    assert path.read_text() == text


def test_a_users_own_ignore_file_is_never_replaced(tmp_path: Path) -> None:
    home = new_home(tmp_path / "a")
    (home.root / ".gitignore").write_text("mine\n")
    this_device(home)
    assert (home.root / ".gitignore").read_text() == "mine\n"
    assert (home.root / ".stignore").exists()


# --- migrating the single log of earlier releases -------------------------------------------


@pytest.fixture
def release(tmp_path: Path) -> Home:
    home = Home(tmp_path / "release")
    shutil.copytree(RELEASE, home.root)
    (home.user_dir("tester") / "lock").unlink(missing_ok=True)
    return home


def test_a_release_folder_is_migrated_once_with_a_backup_first(
    release: Home, clock: FakeClock
) -> None:
    folder = release.user_dir("tester")
    flat = sorted(p.name for p in (folder / "reviews").glob("*.toml"))
    before_bytes = {n: (folder / "reviews" / n).read_bytes() for n in flat}
    before = UserStore(release, "tester", clock).states  # a reader moves nothing
    assert sorted(p.name for p in (folder / "reviews").glob("*.toml")) == flat
    with writer(release, clock) as store:
        assert any("moved to reviews/" in note for note in store.notes)
        assert store.states == before
        device = store.device
    assert not list((folder / "reviews").glob("*.toml"))
    assert {n: (folder / "reviews" / device / n).read_bytes() for n in flat} == before_bytes
    newest = list_backups(folder)[-1]
    assert {f"reviews/{n}" for n in flat} <= set(backup_files(newest))
    for name in flat:
        assert (newest / "reviews" / name).read_bytes() == before_bytes[name]
    backups = len(list_backups(folder))
    with writer(release, clock) as again:
        assert not any("moved" in note for note in again.notes)
        assert again.states == before
    assert len(list_backups(folder)) == backups


@pytest.mark.parametrize("renames", [0, 1, 2])
def test_a_migration_killed_at_any_step_leaves_a_folder_that_opens(
    release: Home, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, renames: int
) -> None:
    """Renames: the backup's folder, then each month (two here); a kill before each."""
    december = LogEntry("mzz00000-abcdef", datetime(2026, 12, 1, tzinfo=UTC), "alpha/a1", 2)
    month = release.user("tester").reviews / "2026-12.toml"
    month.write_bytes(LOG_HEADER + entry_to_toml(december))
    before = UserStore(release, "tester", clock).states
    assert before["alpha/a1"].last_review == december.at
    done = 0
    real = os.rename

    def killed(src: object, dst: object) -> None:
        nonlocal done
        if done == renames:
            raise KeyboardInterrupt  # the process dies here
        done += 1
        real(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(migrate.os, "rename", killed)
    with pytest.raises(KeyboardInterrupt), writer(release, clock):
        pass
    monkeypatch.setattr(migrate.os, "rename", real)
    assert UserStore(release, "tester", clock).states == before  # a reader, meanwhile
    with writer(release, clock) as store:
        assert store.states == before
    folder = release.user_dir("tester")
    assert not list((folder / "reviews").glob("*.toml"))


def test_a_migration_killed_before_the_checkpoint_went_leaves_a_folder_that_opens(
    release: Home, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = UserStore(release, "tester", clock).states

    def killed(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(migrate, "fsync_dir", killed)  # after the backup, before any move
    with pytest.raises(KeyboardInterrupt), writer(release, clock):
        pass
    monkeypatch.undo()
    assert UserStore(release, "tester", clock).states == before
    with writer(release, clock) as store:
        assert store.states == before


# --- one history ----------------------------------------------------------------------------


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Home, Home]:
    """Two computers' data folders, the second a copy of the first once it had a history."""
    a = new_home(tmp_path / "a")
    clock = FakeClock()
    with writer(a, clock) as store:
        store.grade("alpha/a1", 3)
        store.checkpoint()
    b = Home(tmp_path / "b")
    shutil.copytree(a.root, b.root)
    return a, b


def test_two_computers_that_drill_and_sync_end_with_one_schedule(pair: tuple[Home, Home]) -> None:
    a, b = pair
    clock_a, clock_b = FakeClock(START + timedelta(hours=1)), FakeClock(START)
    with writer(a, clock_a) as sa, writer(b, clock_b) as sb:
        assert sa.device != sb.device
        for i, key in enumerate(KEYS):  # b drills earlier than a, then both sync
            sa.grade(key, i % 4 + 1)
            sb.grade(key, 4 - i % 4)
            if i == 2:
                sb.record(key, "bury")
            if i == 3:
                sa.record(key, "suspend")
            clock_a.advance(minutes=3)
            clock_b.advance(minutes=3)
        sa.undo()
        sb.checkpoint()
        sa.checkpoint()
    sync(a, b)
    sync(b, a)
    with writer(a, clock_a) as sa, writer(b, clock_b) as sb:
        assert sa.states == sb.states == replayed(a, sa)
        assert sa.data.total == sb.data.total
        assert any("entries from other computers merged" in n for n in sa.notes + sb.notes)
    ids = all_ids(a)
    assert ids == all_ids(b) == logged_ids(a) and len(ids) == len(set(ids))
    with writer(a, clock_a) as sa:  # the merge was checkpointed: nothing comes in again
        assert sa.came_in == {}


def test_an_undo_after_the_other_computer_saw_the_entry_survives_the_merge(
    pair: tuple[Home, Home],
) -> None:
    a, b = pair
    clock = FakeClock(START + timedelta(hours=2))
    with writer(a, clock) as sa:
        sa.grade("alpha/a2", 1)
        sync(a, b)
        with writer(b, clock) as sb:  # b replays a's grade into its checkpoint
            assert sb.state("alpha/a2").reps == 1
        sa.undo()  # a takes it back: its own file is cut back, then it grades again
        clock.advance(minutes=1)
        sa.grade("alpha/a2", 4)
        sa.grade("beta/b1", 2)
    sync(a, b)
    with writer(a, clock) as sa, writer(b, clock) as sb:
        assert sb.states == sa.states == replayed(b, sb)
        assert sb.state("alpha/a2").reps == 1


def test_the_same_history_imported_on_both_computers_counts_once(pair: tuple[Home, Home]) -> None:
    a, b = pair
    old = [
        LogEntry(f"anki-{i}-1", START - timedelta(days=9 - i), "beta/b2", 3, mode="import")
        for i in range(3)
    ]
    clock = FakeClock(START + timedelta(hours=3))
    for home in (a, b):
        with writer(home, clock) as store:
            assert store.import_entries(old) == 3
    sync(a, b)
    sync(b, a)
    with writer(a, clock) as sa, writer(b, clock) as sb:
        assert sa.state("beta/b2").reps == sb.state("beta/b2").reps == 3
        assert sa.states == sb.states
        assert sa.import_entries(old) == 0
    assert len(logged_ids(a)) == len(all_ids(a)) + 3  # in both logs, in the history once


ACTIONS = st.lists(
    st.tuples(
        st.integers(0, 2),  # which computer
        st.sampled_from(
            ["grade", "undo", "bury", "suspend", "forget", "many", "sync", "reopen", "back"]
        ),
        st.sampled_from(KEYS),
        st.integers(1, 4),
        st.integers(0, 90),  # minutes this computer's clock moves on
    ),
    max_size=30,
)


@budget(40)
@given(actions=ACTIONS)
def test_any_interleaving_on_three_computers_gives_one_schedule(
    tmp_path_factory: pytest.TempPathFactory, actions: list[tuple[int, str, str, int, int]]
) -> None:
    root = tmp_path_factory.mktemp("three")
    base = new_home(root / "d0")
    homes = [base]
    for n in (1, 2):
        homes.append(Home(root / f"d{n}"))
        shutil.copytree(base.root, homes[-1].root)
    clocks = [FakeClock(START) for _ in range(3)]  # equal times: ties broken by id
    with without_fsync():
        stores: list[UserStore | None] = [None, None, None]
        locks: list[UserLock | None] = [None, None, None]

        def open_(n: int) -> UserStore:
            if stores[n] is None:
                locks[n] = UserLock(homes[n].user_dir("tester")).__enter__()
                stores[n] = UserStore(homes[n], "tester", clocks[n], lock=locks[n])
            store = stores[n]
            assert store is not None
            return store

        def close(n: int) -> None:
            if stores[n] is not None:
                stores[n].checkpoint()  # type: ignore[union-attr]
                locks[n].__exit__(None, None, None)  # type: ignore[union-attr]
                stores[n] = locks[n] = None

        for n, action, key, rating, minutes in actions:
            clocks[n].advance(minutes=minutes)
            if action == "sync":
                close(n)
                for m in range(3):
                    close(m)
                    sync(homes[n], homes[m])
                    sync(homes[m], homes[n])
            elif action == "reopen":
                close(n)
                assert same_as_replay(homes[n], open_(n))
            else:
                store = open_(n)
                if action == "grade":
                    store.grade(key, rating)  # type: ignore[arg-type]
                elif action == "undo":
                    store.undo()
                elif action == "many":  # several cards at one instant, in the order given
                    store.record_many([key, *(k for k in KEYS[:2] if k != key)], "bury")
                elif action == "back":  # this computer's clock is set back
                    clocks[n].advance(minutes=-2 * minutes)
                else:
                    store.record(key, action)
        for n in range(3):
            close(n)
        for n in range(3):
            for m in range(3):
                sync(homes[n], homes[m])
        final = []
        for n in range(3):
            store = open_(n)
            final.append((store.states, store.data.total, store.data.counts))
            assert same_as_replay(homes[n], store)
            close(n)
    assert final[0] == final[1] == final[2]
    ids = all_ids(homes[0])
    assert len(ids) == len(set(ids))


# --- edits made on two computers: conflict copies of sync tools -----------------------------

COPY_NAMES = [
    "{stem}.sync-conflict-20261126-150211-ABCDEF1{suffix}",  # Syncthing
    "{stem} (conflicted copy 2026-11-26 150211){suffix}",  # Nextcloud
    "{stem} (Ann's conflicted copy 2026-11-26){suffix}",  # Dropbox
]


def conflict_copy(path: Path, pattern: str, text: str, newer: bool) -> Path:
    copy = path.with_name(pattern.format(stem=path.stem, suffix=path.suffix))
    copy.write_text(text)
    at = path.stat().st_mtime + (60 if newer else -60)
    os.utime(copy, (at, at))
    return copy


@pytest.mark.parametrize("pattern", COPY_NAMES)
def test_the_later_settings_edit_wins_and_the_other_is_kept(
    tmp_path: Path, clock: FakeClock, pattern: str
) -> None:
    home = new_home(tmp_path / "a")
    profile = home.user("tester").profile
    mine = profile.read_text()
    theirs = mine.replace("new_per_day = 20", "new_per_day = 3")
    copy = conflict_copy(profile, pattern, theirs, newer=True)
    with writer(home, clock) as store:
        assert store.settings.new_per_day == 3  # the later edit is what is read
        told = [n for n in store.notes if "edited on two computers" in n]
        assert len(told) == 1 and str(profile) in told[0]
    assert not copy.exists() and profile.read_text() == theirs
    kept = list(home.user("tester").conflicts.iterdir())
    assert [p.read_text() for p in kept] == [mine]
    with writer(home, clock) as again:  # told once
        assert not [n for n in again.notes if "two computers" in n]


@pytest.mark.parametrize("pattern", COPY_NAMES)
@pytest.mark.parametrize("text", ['[[stories]]\nid = "x"\ntitle = "older"\n', "not = toml = ["])
def test_an_older_or_unreadable_copy_goes_aside_and_the_file_stays(
    tmp_path: Path, clock: FakeClock, pattern: str, text: str
) -> None:
    home = new_home(tmp_path / "a")
    stories = home.user("tester").stories
    stories.write_text('format = 1\n\n[[stories]]\nid = "y"\ntitle = "mine"\n')
    before = stories.read_bytes()
    copy = conflict_copy(stories, pattern, text, newer="=" in text and "[" in text[-1:])
    with writer(home, clock) as store:
        assert any("edited on two computers" in n for n in store.notes)
    assert stories.read_bytes() == before and not copy.exists()
    assert [p.read_text() for p in home.user("tester").conflicts.iterdir()] == [text]


@pytest.mark.parametrize("pattern", COPY_NAMES)
def test_a_conflict_copy_of_the_own_log_is_merged_and_one_of_another_is_left(
    pair: tuple[Home, Home], pattern: str
) -> None:
    a, b = pair
    clock = FakeClock(START + timedelta(hours=1))
    with writer(a, clock) as store:
        store.grade("alpha/a2", 3)
        month = store.log_dir / "2026-11.toml"
        kept = month.read_bytes()
        clock.advance(minutes=1)
        store.grade("alpha/a3", 4)
    # a sync tool restored the older version and kept the newer as a conflict copy
    copy = conflict_copy(month, pattern, "", newer=True)
    copy.write_bytes(month.read_bytes())
    month.write_bytes(kept)
    sync(a, b)  # b gets a's folder, copy and all
    with writer(b, clock) as other:
        assert any("another computer's review log" in n for n in other.notes)
    foreign = b.user("tester").reviews / month.parent.name / copy.name
    assert foreign.exists()
    with writer(a, clock) as store:
        assert any("entries it lacked were merged in" in n for n in store.notes)
        assert store.state("alpha/a3").reps == 1
    assert not copy.exists()
    ids = logged_ids(a)
    assert len(ids) == len(set(ids)) == 3


@pytest.mark.parametrize("cut", [3, 9, 30])
def test_another_computers_file_cut_off_in_transfer_is_read_whole_later(
    pair: tuple[Home, Home], cut: int
) -> None:
    a, b = pair
    clock = FakeClock(START + timedelta(hours=1))
    with writer(a, clock) as sa:
        sa.grade("alpha/a2", 3)
        sa.grade("alpha/a3", 2)
        month = sa.log_dir / "2026-11.toml"
    sync(a, b)
    arriving = b.user("tester").reviews / month.parent.name / month.name
    whole = arriving.read_bytes()
    arriving.write_bytes(whole[:-cut])  # a sync tool's transfer, half-way
    with writer(b, clock) as sb:
        assert sb.state("alpha/a2").reps == 1 and sb.state("alpha/a3").reps == 0
    assert arriving.read_bytes() == whole[:-cut]  # not ours: never repaired or set aside
    assert not list(arriving.parent.glob("*.partial"))
    arriving.write_bytes(whole)
    with writer(b, clock) as sb, writer(a, clock) as sa:
        assert sb.states == sa.states


def test_entries_that_go_before_replayed_ones_replay_only_their_cards(
    pair: tuple[Home, Home],
) -> None:
    a, b = pair
    late, early = FakeClock(START + timedelta(hours=5)), FakeClock(START + timedelta(hours=1))
    with writer(a, late) as sa:
        for key in KEYS:
            sa.grade(key, 3)
            late.advance(minutes=1)
        sa.checkpoint()
    with writer(b, early) as sb:  # the desk drilled earlier the same day, then synced
        sb.grade("alpha/a1", 1)
        sb.grade("beta/b2", 4)
        sb.record("alpha/a3", "suspend")
        sb.checkpoint()
    sync(b, a)
    sync(a, b)
    with writer(a, late) as sa, writer(b, late) as sb:
        assert sa.replayed_cards == 3  # a: only the desk's three cards replayed again
        assert sb.replayed_cards == 0  # b: the laptop's entries all came after its own
        for store, home in ((sa, a), (sb, b)):
            assert same_as_replay(home, store)
        assert sa.states == sb.states and sa.data.counts == sb.data.counts


def test_a_clock_that_went_back_makes_a_sync_replay_the_union(pair: tuple[Home, Home]) -> None:
    a, b = pair
    clock = FakeClock(START + timedelta(hours=5))
    with writer(a, clock) as sa:
        sa.grade("alpha/a2", 3)
        clock.advance(minutes=-30)  # the laptop's clock is set back
        sa.grade("alpha/a3", 3)
        assert sa.device in sa.data.unsorted
        sa.checkpoint()
    with writer(b, FakeClock(START + timedelta(hours=1))) as sb:
        sb.grade("alpha/a2", 1)
    sync(b, a)
    with writer(a, clock) as sa:
        assert sa.replayed_cards == 0 and same_as_replay(a, sa)


def test_the_statistics_history_of_several_devices_is_extended_or_replayed_as_needed(
    pair: tuple[Home, Home],
) -> None:
    from flashprep.core.stats.historycache import HistoryReader

    a, b = pair
    clock_a, clock_b = FakeClock(START + timedelta(hours=2)), FakeClock(START + timedelta(hours=1))
    with writer(b, clock_b) as sb:
        sb.grade("beta/b1", 2)
    sync(b, a)

    def load(store: UserStore, fresh: bool = False) -> tuple[object, bool]:
        if fresh:
            shutil.rmtree(store.paths.cache_history, ignore_errors=True)
        reader = HistoryReader(store)
        history = reader.load()
        reader.save()
        return history, reader.rebuilt

    with writer(a, clock_a) as sa:
        assert load(sa)[1]  # first read: replayed
        sa.grade("alpha/a2", 3)  # later than everything: the cache is extended
        clock_a.advance(minutes=1)
        sa.record_many(["alpha/a3", "beta/b2"], "suspend")
        sa.grade("beta/b2", 4)
        history, rebuilt = load(sa)
        assert not rebuilt
        assert history == load(sa, fresh=True)[0]
    clock_b.advance(hours=3)  # the desk drills later than the laptop, then syncs
    with writer(b, clock_b) as sb:
        sb.grade("alpha/a1", 1)
    sync(b, a)
    with writer(a, clock_a) as sa:
        history, rebuilt = load(sa)
        assert not rebuilt and len(history.ts) == 5  # a1, b1 (desk), a2, b2, a1 (desk)
        assert history == load(sa, fresh=True)[0]
        clock_a.advance(hours=3)  # after the desk's latest
        sa.grade("alpha/a3", 2)
        assert not load(sa)[1]
        sa.undo()  # the cache holds the grade an undo cut off: rolled back
        history, rebuilt = load(sa)
        assert not rebuilt and history == load(sa, fresh=True)[0]
    with writer(b, FakeClock(START)) as sb:  # earlier than what the laptop's cache holds
        sb.grade("beta/b2", 1)
    sync(b, a)
    with writer(a, clock_a) as sa:  # rolled back to where it goes, and replayed from there
        history, rebuilt = load(sa)
        assert not rebuilt and history == load(sa, fresh=True)[0] and len(history.ts) == 6


def test_entries_another_computer_synced_while_open_are_noticed(pair: tuple[Home, Home]) -> None:
    """flashprep open on b: a's new reviews arrive by a sync (a new month file, then a longer
    one); `others_changed` says so (the TUI then reads the files again), and stops saying it
    once a store has read them; b's own grades never count."""
    a, b = pair
    clock = FakeClock(START + timedelta(hours=1))
    with writer(b, clock) as sb:
        assert not sb.others_changed()
        sb.grade("beta/b1", 3)
        assert not sb.others_changed()  # its own log
        with writer(a, clock) as sa:
            sa.grade("alpha/a2", 3)
        sync(a, b)
        assert sb.others_changed()
        with writer(a, clock) as sa:
            fresh = UserStore(b, "tester", clock, lock=sb.lock)
            assert "alpha/a2" in fresh.states and not fresh.others_changed()
            sa.grade("alpha/a3", 4)  # the same month file grows
        sync(a, b)
        assert fresh.others_changed()
        clock.advance(days=40)
        with writer(a, clock) as sa:
            sa.grade("beta/b2", 2)  # a new month file
        sync(a, b)
        assert fresh.others_changed()
        newest = UserStore(b, "tester", clock, lock=sb.lock)
        assert not newest.others_changed() and "beta/b2" in newest.states
