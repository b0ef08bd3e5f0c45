"""What every command shares: the --home/--user options, opening a user, one-line errors, and
the one way a command prints (`show`, `warn`, `show_json`): whatever a line holds from a file is
cleaned of what a terminal would act on (core.text) on its way out."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from typing import NamedTuple

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.files.lock import LockedError, UserLock
from flashprep.core.files.staging import tidy_staging
from flashprep.core.paths import Home, NameError_, resolve_home, resolve_user
from flashprep.core.storage.userstore import FullReplay, UserStore
from flashprep.core.text import dumps_json, one_line

EXIT_ERROR = 2


class CliError(Exception):
    """A user mistake or unusable input, reported as one line."""


def add_common_options(parser: argparse.ArgumentParser, top: bool = False) -> None:
    """--home and --user, accepted before or after the command name."""
    default = None if top else argparse.SUPPRESS
    parser.add_argument(
        "--home",
        metavar="DIR",
        default=default,
        help="data folder (default: $FLASHPREP_HOME, else the platform's user data folder)",
    )
    parser.add_argument(
        "--user",
        metavar="NAME",
        default=default,
        help="whose schedule to use (default: $FLASHPREP_USER, else your login name)",
    )


class OpenedUser(NamedTuple):
    """A user opened for one command: the data folder, the decks, the store (and its lock)."""

    home: Home
    user: str
    library: DeckLibrary
    store: UserStore
    lock: UserLock | None = None
    """Held when the user was opened for writing; release it when done (`close`)."""

    def close(self) -> None:
        if self.lock is not None:
            self.lock.release()


def open_home(args: argparse.Namespace) -> Home:
    home = resolve_home(args.home)
    if home.root.exists() and not home.root.is_dir():
        raise CliError(f"{home.root}: data folder is not a folder")
    tidy_staging(home.staging)  # what a killed import left; one stat when there is nothing
    return home


def open_user(
    args: argparse.Namespace,
    write: bool = False,
    decks: bool = True,
    full_replay: FullReplay | None = None,
) -> OpenedUser:
    """Resolve and validate the data folder and user; load the decks and the user's schedule.

    `decks=False` leaves the decks unread (see DeckLibrary.unloaded); `full_replay`: see
    UserStore.

    A command that changes the user's files passes `write=True`: the user's lock is taken
    before anything is read (so the files cannot change underneath, and leftovers of a crash
    can be tidied), and refused with the holder's name when another process has it. Call
    `close()` on the result when done.
    """
    try:
        user = resolve_user(args.user)
    except NameError_ as exc:
        raise CliError(str(exc)) from None
    home = open_home(args)
    lock: UserLock | None = None
    if write:
        lock = UserLock(home.user_dir(user), f"user {user!r}")
        try:
            lock.acquire()
        except LockedError as exc:
            raise CliError(str(exc)) from None
    try:
        store = UserStore(home, user, lock=lock, full_replay=full_replay)
        library = DeckLibrary.load(home) if decks else DeckLibrary.unloaded(home)
        return OpenedUser(home, user, library, store, lock)
    except BaseException:
        if lock is not None:
            lock.release()
        raise


def show(line: str = "") -> None:
    """Print one line of a command's output to stdout, cleaned (`one_line`)."""
    print(one_line(line))


def warn(message: str) -> None:
    """Print a one-line warning to stderr, cleaned."""
    print(f"flashprep: warning: {one_line(message)}", file=sys.stderr)


def show_json(data: object) -> None:
    """Print a command's --json output (`dumps_json`: no raw control or invisible character)."""
    print(dumps_json(data), flush=True)


def show_json_list(items: Iterable[object]) -> None:
    """Print the text `show_json(list(items))` prints, an item at a time: a list of 50,000 cards
    is never held whole, nor its JSON. (A JSON string holds no raw line break, so indenting an
    item's lines by two spaces nests it in the list as `json.dumps` does.)"""
    write = sys.stdout.write
    opening = "[\n  "
    for item in items:
        write(opening + dumps_json(item).replace("\n", "\n  "))
        opening = ",\n  "
    write("[]\n" if opening.startswith("[") else "\n]\n")
    sys.stdout.flush()


def warn_deck_errors(library: DeckLibrary) -> None:
    for error in library.errors:
        warn(str(error))


def check_deck_ids(library: DeckLibrary, deck_ids: list[str]) -> None:
    unknown = library.unknown(deck_ids)
    if unknown:
        known = ", ".join(library.decks) or "none"
        raise CliError(f"unknown deck {unknown[0]!r} (known: {known})")
