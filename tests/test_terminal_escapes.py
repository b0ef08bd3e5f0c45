"""The real program in a real terminal emulator (tmux): hostile file text never drives the terminal.

A deck name (Markdown title, CSV deck column), a card, a story title and a file name hold escape
sequences a terminal obeys: OSC 2/0 (window title), OSC 52 (clipboard), CSI 2J (clear), CSI 4h
(insert mode), CSI ?1049l (leave the TUI's screen), a DCS string, an 8-bit CSI. Every command
and TUI screen that shows such text is run in a tmux pane with `set-clipboard on` (tmux takes
OSC 52 as most terminals do), and tmux reports what its terminal received: the pane's title,
its paste buffers, its modes, and what is on screen and in its history (a sentinel printed before
a command must still be there; no sequence's body may be visible).

The in-process tests (tests/tui/test_untrusted_text.py) check what Textual composes; only this
one sees the bytes that reach a terminal. It needs tmux (CI installs it) and fails without it.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from hostile import toml_string

PAYLOAD = (
    "\x1b]2;PWNED-TITLE\x07"
    "\x1b]52;c;cm0gLXJmIH4K\x07"
    "\x1b[2J\x1b[4h\x1b[?1049l"
    "\x1bP1$qDCSBODY\x1b\\"
    "\x9b4h"
    "\x1b]0;PWNED-ST\x1b\\"
)
"""What a terminal would obey: title (BEL and ST ended), clipboard ("rm -rf ~"), clear screen,
insert mode, leave the alternate screen, a DCS string, an 8-bit CSI."""

BODIES = ("PWNED", "cm0gLXJm", "DCSBODY")
"""The insides of the sequences: never on screen (removed with their sequence)."""

WIDTH, HEIGHT = 200, 50
HOME_HINT = "i Import"
"""In the home screen's key bar, on its last line when the bar takes two: on screen only while the
home screen is on top. (A dialog's one-line bar leaves a two-line home bar's first line in view,
so waiting for a key of that line, such as "/ Browse", went on before an Escape had closed the
dialog, and the next key reached the dialog, or made Alt+key with that Escape.)"""


@dataclass
class Tmux:
    """A private tmux server; each command runs in a window of its own."""

    socket: Path
    env: dict[str, str]

    def __call__(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-S", str(self.socket), *args],
            capture_output=True,
            text=True,
            timeout=20,
        )
        assert done.returncode == 0, f"tmux {args[0]}: {done.stderr.strip()}"
        return done.stdout

    def window(self, command: str) -> str:
        """Start `command` (a shell line) in a new window; its pane id."""
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in self.env.items())
        line = f"env {env} {command}"
        return self("new-window", "-d", "-P", "-F", "#{pane_id}", line).strip()

    def info(self, pane: str, what: str) -> str:
        return self("display-message", "-p", "-t", pane, what).strip()

    def screen(self, pane: str) -> str:
        """What the pane shows, with its history (see `scroll-on-clear` below)."""
        return self("capture-pane", "-p", "-S", "-", "-t", pane)

    def wait(self, pane: str, ready: Callable[[], bool], what: str, seconds: float = 20) -> None:
        deadline = time.monotonic() + seconds
        while not ready():
            assert time.monotonic() < deadline, f"waiting for {what}; screen:\n{self.screen(pane)}"
            time.sleep(0.1)

    def wait_text(self, pane: str, text: str) -> None:
        self.wait(pane, lambda: text in self.screen(pane), repr(text))

    def keys(self, pane: str, *keys: str) -> None:
        self("send-keys", "-t", pane, *keys)


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed: this test needs it (apt-get install tmux)")
    socket = tmp_path / "tmux.sock"
    env = {
        "FLASHPREP_HOME": str(tmp_path / "home"),
        "FLASHPREP_USER": "tester",
        "TEXTUAL_ANIMATION": "none",
        "TZ": "UTC",
        "TERM": "screen-256color",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"},
    }
    server = Tmux(socket, env)
    size = ("-x", str(WIDTH), "-y", str(HEIGHT))
    server("-f", "/dev/null", "new-session", "-d", "-s", "t", *size, "sleep 600")
    server("set-option", "-g", "set-clipboard", "on")
    server("set-option", "-g", "remain-on-exit", "on")
    server("set-option", "-g", "history-limit", "200000")  # all of `stats --json`
    # a clear screen drops what was shown (by default tmux 3.3+ keeps it in the history)
    subprocess.run(["tmux", "-S", str(socket), "set-option", "-g", "scroll-on-clear", "off"])
    try:
        yield server
    finally:
        subprocess.run(["tmux", "-S", str(socket), "kill-server"], capture_output=True, timeout=20)


def untouched(tmux: Tmux, pane: str, where: str, tui: bool = False, exact: bool = False) -> str:
    """Assert that the terminal obeyed nothing; the screen's text. `exact`: JSON or TOML output,
    which keeps the text exact, its sequences written as \\u escapes (bodies visible, inert)."""
    title = tmux.info(pane, "#{pane_title}")
    assert "PWNED" not in title, f"{where}: the window title was set to {title!r}"
    buffers = tmux("list-buffers")
    assert not buffers.strip(), f"{where}: the clipboard was written: {buffers!r}"
    assert tmux.info(pane, "#{insert_flag}") == "0", f"{where}: insert mode was switched on"
    if tui:
        assert tmux.info(pane, "#{alternate_on}") == "1", f"{where}: left the TUI's screen"
    screen = tmux.screen(pane)
    for body in () if exact else BODIES:
        assert body not in screen, f"{where}: {body!r} is on screen:\n{screen}"
    return screen


def hostile_files(folder: Path) -> None:
    """A Markdown deck (title, card, file name hostile), an Anki text deck with a hostile deck
    column, and a copy of the Markdown deck under a plain name (for the TUI's import dialog)."""
    folder.mkdir()
    markdown = (
        f"# Evil{PAYLOAD}deck\n\n"
        f"## What does {PAYLOAD} do?\n\nIt shows {PAYLOAD} literally.\n\n"
        "## A question without an answer\n"
    )
    (folder / f"evil{PAYLOAD}.md").write_text(markdown, encoding="utf-8")
    (folder.parent / "plain.md").write_text(markdown.replace("Evil", "Other"), encoding="utf-8")
    text = f"#separator:tab\n#html:false\n#deck column:1\nColumn{PAYLOAD}\tQ2{PAYLOAD}\tA2\n"
    (folder / "column.txt").write_text(text, encoding="utf-8")


def flashprep(*args: str) -> str:
    return shlex.join([sys.executable, "-m", "flashprep", *args])


def shown(tmux: Tmux, pane: str, text: str, where: str) -> str:
    """Wait until the TUI shows `text`, then assert the terminal obeyed nothing (also when the
    text never comes: a screen cleared or left is the likely reason)."""
    try:
        tmux.wait_text(pane, text)
    finally:
        screen = untouched(tmux, pane, where, tui=True)
    return screen


def quit_tui(tmux: Tmux, pane: str) -> None:
    tmux.keys(pane, "C-q")
    tmux.wait(pane, lambda: tmux.info(pane, "#{pane_dead}") == "1", "the TUI to quit")


def run_cli(tmux: Tmux, command: str, where: str) -> str:
    """Run a command line after a sentinel; it must end with status 0 and leave the terminal."""
    pane = tmux.window(f"sh -c {shlex.quote(f'echo SENTINEL-LINE; {command}; echo STATUS=$?')}")
    tmux.wait(pane, lambda: tmux.info(pane, "#{pane_dead}") == "1", f"{where} to end", 30)
    exact = "--json" in command or "toml" in command
    screen = untouched(tmux, pane, where, exact=exact)
    assert "SENTINEL-LINE" in screen, f"{where}: the screen was cleared:\n{screen}"
    assert "STATUS=0" in screen, f"{where}: failed:\n{screen}"
    tmux("kill-pane", "-t", pane)
    return screen


def test_no_command_or_screen_obeys_escapes_from_files(tmux: Tmux, tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    hostile_files(inbox)
    home = tmux.env["FLASHPREP_HOME"]
    env = {**os.environ, **tmux.env}
    day = (date.today() + timedelta(days=30)).isoformat()
    story = tmp_path / "home" / "users" / "tester" / "stories.toml"
    plan = [sys.executable, "-m", "flashprep", "plan", "--date", day]
    subprocess.run(plan, env=env, check=True, capture_output=True)
    story.write_text(
        f"format = 1\n\n[[stories]]\nid = 's1'\ntitle = {toml_string('Tale' + PAYLOAD)}\n"
        f"situation = {toml_string(PAYLOAD)}\ncompetencies = ['conflict']\n",
        encoding="utf-8",
    )

    # --- the commands -------------------------------------------------------------------------
    files = f"{shlex.quote(str(inbox))}/*"
    screen = run_cli(tmux, f"{flashprep('import', '--home', home)} {files}", "import")
    assert "Evil" in screen and "Warning: evil" in screen and "Column" in screen
    run_cli(tmux, f"{flashprep('import', '--dry-run', '--json')} {files}", "import --json")
    decks = json.loads(
        subprocess.run(
            [sys.executable, "-m", "flashprep", "decks", "--json"],
            env=env,
            capture_output=True,
            check=True,
        ).stdout
    )
    evil = next(d["id"] for d in decks if d["name"].startswith("Evil"))
    cards = json.loads(
        subprocess.run(
            [sys.executable, "-m", "flashprep", "cards", f"deck:{evil}", "--json"],
            env=env,
            capture_output=True,
            check=True,
        ).stdout
    )
    card = next(c["key"] for c in cards if c["front"].startswith("What does"))
    for args in [
        ("cards", f"deck:{evil}"),
        ("cards", f"deck:{evil}", "--json"),
        ("card", card),
        ("card", card, "--json"),
        ("stories",),
        ("stories", "--json"),
        ("decks",),
        ("decks", "--json"),
        ("plan",),
        ("plan", "--json"),
        ("stats", "--json"),
        ("export", evil, "--format", "csv"),
        ("export", evil, "--format", "toml"),
        ("mock", "--history"),
    ]:
        run_cli(tmux, flashprep(*args), " ".join(args))

    # --- the TUI: home, plan, plan form, import dialog, stories, statistics -----------------------
    pane = tmux.window(flashprep())
    tmux.wait_text(pane, HOME_HINT)
    tmux.keys(pane, *["Down"] * 40)  # imported decks come after the bundled ones
    shown(tmux, pane, "Evil", "home screen")
    tmux.keys(pane, "p")
    shown(tmux, pane, "On date", "plan screen")  # a column kept at any width
    shown(tmux, pane, "Evil", "plan screen")
    tmux.keys(pane, "e")
    shown(tmux, pane, "Target recall on the day", "plan form")
    tmux.keys(pane, "Escape")
    tmux.wait(pane, lambda: "Target recall" not in tmux.screen(pane), "the plan form to close")
    tmux.keys(pane, "Escape")
    tmux.wait_text(pane, HOME_HINT)
    tmux.keys(pane, "i")
    tmux.wait_text(pane, "Import decks")
    tmux.keys(pane, "-l", str(tmp_path / "plain.md"))
    tmux.keys(pane, "Enter")
    shown(tmux, pane, "Cards:", "import dialog")
    tmux.keys(pane, "Escape")
    tmux.wait_text(pane, HOME_HINT)
    tmux.keys(pane, "b")
    shown(tmux, pane, "Tale", "stories screen")
    tmux.keys(pane, "Escape")
    tmux.wait_text(pane, HOME_HINT)
    tmux.keys(pane, "/")
    tmux.wait_text(pane, "sorted by")
    tmux.keys(pane, "-l", f"deck:{evil}")
    shown(tmux, pane, "What does", "card browser")
    tmux.keys(pane, "Enter")  # to the results
    tmux.wait_text(pane, "Details")  # the results' keys, once the table has the focus
    tmux.keys(pane, "Enter")  # the card's details
    tmux.wait_text(pane, "History")
    tmux.keys(pane, "End")  # below the card's answer at 80x24 (the size the app starts at here)
    shown(tmux, pane, "Linked STAR stories", "card details")
    tmux.keys(pane, "Escape")
    tmux.wait_text(pane, "sorted by")
    tmux.keys(pane, "Escape")
    tmux.wait_text(pane, HOME_HINT)
    tmux.keys(pane, "s")
    shown(tmux, pane, "Evil", "statistics screen")
    quit_tui(tmux, pane)

    # --- the drill and the mock interview on the hostile deck -----------------------------------
    pane = tmux.window(flashprep("drill", evil))
    shown(tmux, pane, "Evil", "drill")
    tmux.keys(pane, "Space")
    shown(tmux, pane, "Again", "drill answer")
    quit_tui(tmux, pane)  # it holds the user's lock
    pane = tmux.window(flashprep("mock", "--deck", evil, "--minutes", "5"))
    shown(tmux, pane, "Evil", "mock interview")
    tmux.keys(pane, "Space")
    shown(tmux, pane, "Again", "mock answer")
    quit_tui(tmux, pane)
