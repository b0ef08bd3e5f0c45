"""The `flashprep` command: parses arguments, then runs a command (or the home screen).

Errors go to stderr as one line, with exit code 2 and no traceback. Textual is imported only by the
commands that open the TUI, so scripted commands stay fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from flashprep import __version__
from flashprep.commands import decks, exporting, importing, mock, plan, stats, stories, tui
from flashprep.commands.common import EXIT_ERROR, CliError, add_common_options
from flashprep.core.lock import LockedError
from flashprep.core.text import one_line
from flashprep.core.tomlerrors import DataFileError

COMMANDS = [tui, decks, stats, importing, exporting, mock, stories, plan]
"""Command modules, in the order `--help` lists them."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flashprep",
        description="Drill job-interview questions with spaced repetition (FSRS) in the terminal. "
        "Without a command, opens the home screen.",
    )
    parser.add_argument("--version", action="version", version=f"flashprep {__version__}")
    add_common_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.register(sub)
    parser.set_defaults(func=tui.run_home)
    return parser


def run(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(argv)
    except (CliError, DataFileError, LockedError) as exc:
        print(f"flashprep: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # the reader went away (e.g. `| head`): nothing left to say
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"flashprep: error: {one_line(where + str(exc.strerror or exc))}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
