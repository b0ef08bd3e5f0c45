"""`flashprep sync`: carry the data folder between computers through the user's own `git`.

`sync init [REMOTE]` makes the data folder a git repository (with the ignore files that keep
each computer's derived files out) and, given a remote, joins or publishes it; `sync` commits,
pulls, merges and pushes, and says what came in; `sync --status` changes nothing. Every user's
lock is held meanwhile, so no flashprep writes while git does; opening each user first also
moves a log of an older release into this computer's folder and settles conflict copies.
"""

from __future__ import annotations

import argparse
from typing import Any

from flashprep.commands.common import CliError, add_common_options, open_home, show
from flashprep.core.files.lock import LockedError, UserLock
from flashprep.core.paths import Home
from flashprep.core.storage import gitsync
from flashprep.core.storage.conflicts import find_copies
from flashprep.core.storage.device import device_name, this_device
from flashprep.core.storage.logread import device_logs
from flashprep.core.storage.userstore import UserStore


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "sync",
        help="sync the data folder between computers with git",
        description="Commits this computer's changes, pulls and merges the other computers', "
        "and pushes, with the git you already use (its remotes and credentials). Each computer "
        "writes its own review log, so merges do not conflict; a card, story or setting edited "
        "on two computers keeps the later edit and puts the other in conflicts/. Syncthing or a "
        "cloud folder needs no command (see the README).",
    )
    parser.add_argument(
        "--status", action="store_true", help="show devices, conflicts and git's state only"
    )
    add_common_options(parser)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    init = actions.add_parser(
        "init", help="make the data folder a git repository; join or publish REMOTE"
    )
    init.add_argument("remote", nargs="?", metavar="REMOTE", help="a git remote (URL or path)")
    add_common_options(init)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    home = open_home(args)
    if args.status:
        return status(home)
    if args.action != "init" and not gitsync.Git(home.root).is_repo():
        raise CliError(
            f"sync: {home.root}: not a git repository; run `flashprep sync init [REMOTE]`"
        )
    locks: list[UserLock] = []
    try:
        for user in home.users():
            lock = UserLock(home.user_dir(user), f"user {user!r}")
            try:
                lock.acquire()
            except LockedError as exc:
                raise CliError(f"sync: {exc}") from None
            locks.append(lock)
            for note in UserStore(home, user, lock=lock).notes:
                show(note)
        device = this_device(home) or ""
        git = gitsync.Git(home.root, device_name(device))
        try:
            if args.action == "init":
                notes = gitsync.init(git, args.remote, device)
                came: list[gitsync.CameIn] = []
            else:
                notes, came = gitsync.sync(git, device)
        except gitsync.GitError as exc:
            raise CliError(f"sync: {exc}") from None
        for note in notes:
            show(note)
        for arrived in came:
            show(arrived.text())
        if args.action != "init" and not came:
            show("nothing new from other computers")
        for lock in locks:  # replay what came in now, so the next start is quick
            for note in UserStore(home, lock.folder.name, lock=lock).notes:
                show(note)
    finally:
        for lock in locks:
            lock.release()
    return 0


def status(home: Home) -> int:
    """What is synced and what needs the user: devices, conflicts, git's state."""
    own = this_device(home, create=False)
    show(f"this computer: {own or 'has not written to this data folder yet'}")
    for user in home.users():
        paths = home.user(user)
        logs = device_logs(paths.reviews)
        parts = []
        for device, files in logs.items():
            blocks = sum(p.read_bytes().count(b"[[review]]") for p in files)
            mark = " (this computer)" if device == own else ""
            parts.append(f"{blocks} entries from {device_name(device)}{mark}")
        show(f"user {user}: {', '.join(parts) or 'no entries yet'}")
        for copy in find_copies(home, paths):
            show(f"conflict copy, settled at the next start: {copy.path}")
        if paths.conflicts.is_dir():
            for kept in sorted(paths.conflicts.iterdir()):
                show(f"kept from an edit on two computers: {kept}")
    if home.conflicts.is_dir():
        for kept in sorted(home.conflicts.iterdir()):
            show(f"kept from an edit on two computers: {kept}")
    git = gitsync.Git(home.root)
    if not git.is_repo():
        show("git: not a repository (`flashprep sync init [REMOTE]` makes it one)")
        return 0
    try:
        changed = len(git.out("status", "--porcelain").splitlines())
        remote = git.run("remote", "get-url", "origin", check=False).stdout.strip()
    except gitsync.GitError as exc:
        raise CliError(f"sync: {exc}") from None
    show(f"git: {changed} changed files not synced yet; remote: {remote or 'none'}")
    return 0
