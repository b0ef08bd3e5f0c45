"""The `flashprep` command: parses arguments, then runs a command (or the home screen).

Errors go to stderr as one line, with exit code 2 and no traceback. Readers validate what they
read and raise DataFileError; an exception of any other type is a bug, still reported as one line
(`FLASHPREP_DEBUG=1` shows its traceback). Textual is imported only by the
commands that open the TUI, so scripted commands stay fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Collection, Sequence
from importlib import import_module

from flashprep import __version__
from flashprep.commands import tui
from flashprep.commands.common import EXIT_ERROR, CliError, add_common_options
from flashprep.core.files.lock import LockedError
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.paths import HomeError
from flashprep.core.text import one_line

DEBUG_ENV = "FLASHPREP_DEBUG"
"""Set (to anything) to let an unexpected exception end in its traceback instead of one line."""

COMMANDS = {
    "drill": "tui",
    "decks": "decks",
    "cards": "cards",
    "card": "card",
    "stats": "stats",
    "import": "importing",
    "add": "add",
    "deck": "deck",
    "export": "exporting",
    "mock": "mock",
    "stories": "stories",
    "plan": "plan",
    "config": "config",
    "optimize": "optimize",
}
"""Each command and its module in flashprep.commands (whose `register` adds it), in the order
`--help` lists them."""


def build_parser(commands: Collection[str] = COMMANDS) -> argparse.ArgumentParser:
    """The parser; commands not in `commands` are known by name only, their modules not imported
    (a command line runs one command: see `run`)."""
    parser = argparse.ArgumentParser(
        prog="flashprep",
        description="Drill job-interview questions with spaced repetition (FSRS) in the terminal. "
        "Without a command, opens the home screen.",
    )
    parser.add_argument("--version", action="version", version=f"flashprep {__version__}")
    add_common_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in COMMANDS.items():
        if name in commands:
            import_module(f"flashprep.commands.{module}").register(sub)
        else:
            sub.add_parser(name, add_help=False)
    parser.set_defaults(func=tui.run_home)
    return parser


def commands_needed(argv: Sequence[str]) -> Collection[str]:
    """The commands whose arguments parsing `argv` needs: the one it names; none when it names
    none; all of them for a help text or an error message (argparse's own, as ever)."""
    if any(arg.startswith("-h") or (len(arg) > 2 and "--help".startswith(arg)) for arg in argv):
        return COMMANDS
    probe = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    add_common_options(probe, top=True)
    sub = probe.add_subparsers(dest="command")
    for name in COMMANDS:
        sub.add_parser(name, add_help=False)
    try:
        args, _ = probe.parse_known_args(argv)
    except argparse.ArgumentError:
        return COMMANDS
    return () if args.command is None else (args.command,)


def run(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(commands_needed(argv)).parse_args(argv)
    result: int = args.func(args)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(argv)
    except (CliError, DataFileError, LockedError, HomeError) as exc:
        print(f"flashprep: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # the reader went away (e.g. `| head`): nothing left to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"flashprep: error: {one_line(where + str(exc.strerror or exc))}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug (or a case no reader checks yet): still one line, exit 2
        if os.environ.get(DEBUG_ENV):
            raise
        reason = f"unexpected {type(exc).__name__}: {exc}"[:500]
        print(
            f"flashprep: error: {one_line(reason)} (a bug in flashprep: please report it; "
            f"{DEBUG_ENV}=1 shows where)",
            file=sys.stderr,
        )
        return EXIT_ERROR
