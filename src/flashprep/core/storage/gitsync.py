"""Syncing the data folder through the user's own `git`: commit, pull, settle, push.

No network code of our own: every transfer is `git`, run as a command with the user's remotes,
credentials and configuration. The folder's layout means a merge has nothing to settle (each
computer appends to its own log; derived files are ignored, storage/device.py); what is left
is the same file edited on two computers (profile, stories, a deck): the side whose last commit
is later wins and the other is kept in `conflicts/`, as a conflict copy of a sync tool is
(storage/conflicts.py). Were a month of a log ever in conflict, both sides' entries are kept.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from flashprep.core.files.fileio import atomic_write, ensure_dir
from flashprep.core.paths import Home
from flashprep.core.storage.device import device_name, write_ignore_files
from flashprep.core.storage.logread import device_logs, merge_devices
from flashprep.core.storage.logwrite import entries_to_toml
from flashprep.core.storage.reviewlog import LOG_HEADER, MONTH_FILE, parse_log

NO_GIT = (
    "git is not installed (or not on PATH): install it to sync with `flashprep sync`, "
    "or sync the data folder with Syncthing or a cloud folder (see the README)"
)
_ID = re.compile(rb'^[ \t]*id[ \t]*=[ \t]*"([^"\\]+)"', re.M)
_GRADE = re.compile(rb"^[ \t]*rating[ \t]*=", re.M)


class GitError(Exception):
    """git is missing, or one of its commands failed: one line saying which and why."""


class CameIn(NamedTuple):
    """Entries another computer added to a user's log since the last sync."""

    user: str
    device: str
    entries: int
    reviews: int

    def text(self) -> str:
        others = self.entries - self.reviews
        more = f" and {others} other actions" if others else ""
        return f"{self.reviews} reviews{more} from {device_name(self.device)} (user {self.user})"


class Git:
    """`git` run in one folder; an identity is supplied when the user has none configured."""

    def __init__(self, root: Path, name: str = "flashprep") -> None:
        self.root = root
        self.name = name
        self._identity: list[str] | None = None

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        try:
            done = subprocess.run(
                ["git", "-C", str(self.root), *self.identity(args), *args],
                capture_output=True,
                text=True,
                check=False,
            )
        except FileNotFoundError:
            raise GitError(NO_GIT) from None
        if check and done.returncode != 0:
            lines = [ln for ln in (done.stderr or done.stdout).splitlines() if ln.strip()]
            why = lines[-1].strip() if lines else f"exit status {done.returncode}"
            raise GitError(f"git {args[0]}: {why}")
        return done

    def identity(self, args: tuple[str, ...]) -> list[str]:
        if args[:1] not in (("commit",), ("merge",), ("pull",)):
            return []
        if self._identity is None:
            self._identity = []
            for key, value in (("user.name", self.name), ("user.email", f"{self.name}@flashprep")):
                if not self.run("config", key, check=False).stdout.strip():
                    self._identity += ["-c", f"{key}={value}"]
        return self._identity

    def out(self, *args: str) -> str:
        return self.run(*args).stdout.strip()

    def is_repo(self) -> bool:
        return (self.root / ".git").exists()

    def has_remote(self) -> bool:
        return bool(self.run("remote", check=False).stdout.strip())

    def commit_all(self, message: str) -> bool:
        """Stage everything (the ignore files leave derived files out); commit if anything
        changed. Returns whether a commit was made."""
        self.run("add", "-A")
        if self.run("diff", "--cached", "--quiet", check=False).returncode == 0:
            return False
        self.run("commit", "-q", "-m", message)
        return True


def device_ids(home: Home) -> dict[tuple[str, str], set[str]]:
    """The ids in each user's log of each device, by (user, device): found in the bytes, as
    flashprep writes them, without parsing the whole history."""
    out: dict[tuple[str, str], set[str]] = {}
    for user in home.users():
        for device, files in device_logs(home.user(user).reviews).items():
            ids: set[str] = set()
            for path in files:
                try:
                    ids.update(m.group(1).decode() for m in _ID.finditer(path.read_bytes()))
                except OSError:
                    continue
            out[(user, device)] = ids
    return out


def came_in(home: Home, before: dict[tuple[str, str], set[str]], own: str) -> list[CameIn]:
    """What other computers added since `before` (see `device_ids`), with how many are grades."""
    found: list[CameIn] = []
    for (user, device), ids in sorted(device_ids(home).items()):
        fresh = ids - before.get((user, device), set())
        if not fresh or device == own:
            continue
        reviews = 0
        for path in device_logs(home.user(user).reviews).get(device, []):
            for block in path.read_bytes().split(b"[[review]]")[1:]:
                match = _ID.search(block)
                if match and match.group(1).decode() in fresh and _GRADE.search(block):
                    reviews += 1
        found.append(CameIn(user, device, len(fresh), reviews))
    return found


def _stage(git: Git, stage: int, rel: str) -> bytes | None:
    done = subprocess.run(
        ["git", "-C", str(git.root), "show", f":{stage}:{rel}"], capture_output=True, check=False
    )
    return done.stdout if done.returncode == 0 else None


def _last_commit(git: Git, ref: str, rel: str) -> int:
    text = git.run("log", "-1", "--format=%ct", ref, "--", rel, check=False).stdout.strip()
    return int(text) if text.isdigit() else 0


def settle_merge(git: Git, home: Home, now: datetime) -> list[str]:
    """Settle every file a `git merge` left in conflict; return what to tell the user."""
    unmerged = git.out("diff", "--name-only", "--diff-filter=U").splitlines()
    notes: list[str] = []
    for rel in unmerged:
        path = home.root / rel
        ours, theirs = _stage(git, 2, rel), _stage(git, 3, rel)
        if ours is None or theirs is None:  # deleted on one side: keep the side that has it
            side = ours if ours is not None else theirs
            if side is not None:
                atomic_write(path, side)
            notes.append(f"{rel}: deleted on one computer, changed on the other: kept")
        elif MONTH_FILE.match(path.name) and "/reviews/" in f"/{rel}":
            entries = merge_devices(
                {"ours": parse_log(ours, path), "theirs": parse_log(theirs, path)}
            )
            atomic_write(path, LOG_HEADER + entries_to_toml(entries))
            notes.append(f"{rel}: changed on two computers; both sides' entries are kept")
        else:
            later = _last_commit(git, "MERGE_HEAD", rel) > _last_commit(git, "HEAD", rel)
            winner, loser = (theirs, ours) if later else (ours, theirs)
            where = _conflicts_folder(home, rel)
            ensure_dir(where)
            kept = where / f"{now.strftime('%Y%m%dT%H%M%SZ')}-{path.name}"
            atomic_write(kept, loser)
            atomic_write(path, winner)
            notes.append(
                f"{rel}: edited on two computers; the later edit is kept, the other is in "
                f"{kept.relative_to(home.root)}"
            )
        git.run("add", "--", rel)
    return notes


def _conflicts_folder(home: Home, rel: str) -> Path:
    parts = Path(rel).parts
    if len(parts) > 2 and parts[0] == "users":
        return home.user(parts[1]).conflicts
    return home.conflicts


def init(git: Git, remote: str | None, device: str) -> list[str]:
    """Make the data folder a git repository (or join the one at `remote`)."""
    notes: list[str] = []
    write_ignore_files(git.root)
    if not git.is_repo():
        git.run("init", "-q")
        notes.append(f"{git.root}: now a git repository")
    if git.commit_all(f"flashprep: data folder of {device}"):
        notes.append("committed the data folder")
    if remote:
        if git.run("remote", "get-url", "origin", check=False).returncode == 0:
            git.run("remote", "set-url", "origin", remote)
        else:
            git.run("remote", "add", "origin", remote)
        head = git.out("ls-remote", "--symref", "origin", "HEAD")
        match = re.search(r"ref: refs/heads/(\S+)\s+HEAD", head)
        if match:  # a remote with history: join it
            branch = match.group(1)
            git.run("fetch", "-q", "origin", branch)
            git.run("branch", "-M", branch)
            notes += merge(git, f"origin/{branch}", ["--allow-unrelated-histories"])
        git.run("push", "-q", "-u", "origin", "HEAD")
        notes.append(f"pushed to {remote}")
    return notes


def merge(git: Git, ref: str, extra: Iterable[str] = ()) -> list[str]:
    """Merge `ref` into the current branch, settling what two computers both edited."""
    done = git.run("merge", "--no-edit", "-q", *extra, ref, check=False)
    if done.returncode == 0:
        return []
    if not git.out("diff", "--name-only", "--diff-filter=U"):
        lines = [ln for ln in (done.stderr or done.stdout).splitlines() if ln.strip()]
        raise GitError(f"git merge: {lines[-1].strip() if lines else 'failed'}")
    notes = settle_merge(git, Home(git.root), datetime.now().astimezone())
    git.run("commit", "-q", "--no-edit")
    return notes


def sync(git: Git, device: str) -> tuple[list[str], list[CameIn]]:
    """Commit this computer's changes, pull and merge the remote's, push. Returns notes and
    what came in."""
    if not git.is_repo():
        raise GitError(f"{git.root}: not a git repository; run `flashprep sync init [REMOTE]`")
    home = Home(git.root)
    before = device_ids(home)
    notes: list[str] = []
    write_ignore_files(git.root)
    git.commit_all(f"flashprep: {device}")
    if not git.has_remote():
        notes.append("no remote: committed only (`flashprep sync init REMOTE` adds one)")
        return notes, []
    branch = git.out("rev-parse", "--abbrev-ref", "HEAD")
    upstream = git.run("rev-parse", "--abbrev-ref", "@{u}", check=False).stdout.strip()
    remote, _, remote_branch = (upstream or f"origin/{branch}").partition("/")
    fetched = git.run("fetch", "-q", remote, remote_branch, check=False)
    if fetched.returncode == 0:
        notes += merge(git, f"{remote}/{remote_branch}")
    elif git.out("ls-remote", remote, remote_branch):  # there is one, and fetching failed
        raise GitError(f"git fetch: {fetched.stderr.strip().splitlines()[-1]}")
    git.run("push", "-q", "-u", remote, f"HEAD:{remote_branch}")
    return notes, came_in(home, before, device)
