"""The `flashprep` command's entry point: the CLI is imported with the garbage collector paused.

Start-up imports a few hundred modules (Textual above all) and every few hundred new objects the
collector runs over them, finding nothing to free: pausing it for the imports shortens start-up.
It runs again before any command does its work (see core/bulkload.py for the loads it pauses for).
"""

from __future__ import annotations

from collections.abc import Sequence

from flashprep.core.bulkload import gc_paused


def main(argv: Sequence[str] | None = None) -> int:
    with gc_paused():
        from flashprep import cli
    return cli.main(argv)
