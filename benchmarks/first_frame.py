"""Run flashprep, or the bare app, and end the process the moment its first frame is written.

    python first_frame.py flashprep [flashprep's arguments]
    python first_frame.py bare

For counting a start-up's CPU instructions (`run.py`, under valgrind): a count is the same from
run to run, unlike a time, but only if the process stops at the same point. So Textual's Linux
driver is hooked: when it writes text holding the app's first-screen text (a benchmark question,
or the bare app's line), the process exits at once, without shutting down.
"""

from __future__ import annotations

import os
import re
import runpy
import sys
from pathlib import Path

import textual.drivers.linux_driver as linux_driver

FIRST_TEXT = {"flashprep": re.compile(r"Q\d+\. "), "bare": re.compile("A bare Textual app")}


def main() -> int:
    which = sys.argv.pop(1)
    first = FIRST_TEXT[which]
    write = linux_driver.LinuxDriver.write

    def write_then_maybe_exit(self: linux_driver.LinuxDriver, data: str) -> None:
        write(self, data)
        if first.search(data):
            os._exit(0)  # the frame is made and handed to the terminal's writer: stop here

    linux_driver.LinuxDriver.write = write_then_maybe_exit  # type: ignore[method-assign]
    if which == "bare":
        runpy.run_path(str(Path(__file__).with_name("bare_app.py")), run_name="__main__")
        return 0
    from flashprep.launch import main as flashprep

    return flashprep(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
