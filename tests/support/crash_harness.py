"""Crash harness: real `flashprep drill` processes in a pseudo-terminal, killed with SIGKILL.

Each lane is one user in a shared data folder. A lane starts `flashprep drill` in a pty, waits
for a card on screen, reveals and grades a few cards (reading the terminal to see which card is
shown and when the next one appears), then kills the process with SIGKILL at a moment chosen by
the run's mode:

- `after-key`: right after sending a grade key (the grade may be in the middle of its write);
- `idle`: while a card or its answer is on screen;
- `checkpoint`: after `q` or Escape, when the schedule checkpoint is being rewritten (the lane
  watches for its temporary file and kills the moment it appears), or after a random delay;
- `undo`: right after `u`, or once the undo is on screen;
- `startup`: at a random moment while the process starts (and tidies after the last crash).

After each kill it checks that every file parses, that every grade whose next card had appeared
is in the log (and nothing that was not graded), and that the schedule the user's files give
(state.toml checkpoint + log tail) equals a full replay of the log.

Run it directly for a report: `python tests/support/crash_harness.py --kills 100 --seed 7`.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import pty
import random
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flashprep.core.paths import Home
from flashprep.core.storage import statecache
from flashprep.core.storage.backup import backup_files, list_backups
from flashprep.core.storage.checkpoint import parse_checkpoint
from flashprep.core.storage.logread import device_logs, read_all
from flashprep.core.storage.logtail import incomplete_tail
from flashprep.core.storage.logwrite import entry_to_toml
from flashprep.core.storage.profile import Profile, load_profile, save_profile
from flashprep.core.storage.replay import Schedule, apply_entry
from flashprep.core.storage.reviewlog import LOG_HEADER, LogEntry, parse_log
from flashprep.core.storage.userstore import UserStore

DECK_ID = "crash"
CARDS = 300
BULK_CARDS = 1500
"""Card states each user starts with (of a deck since removed), so a checkpoint takes long
enough to be killed in the middle of."""
ROWS, COLS = 40, 120
MODES = {"after-key": 35, "idle": 15, "checkpoint": 25, "undo": 10, "startup": 15}
"""How often each kind of kill is chosen (weights)."""

_ESCAPES = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[PX^_][^\x1b]*\x1b\\"
    rb"|\x1b[()][0-9A-Za-z]|\x1b[@-Z\\-_=>]"
)
_QUESTION = re.compile(r"QK(\d{4})")
_ANSWER = re.compile(r"AK(\d{4})")


class HarnessError(AssertionError):
    """The application broke a promise (or the harness could not drive it)."""


def card_key(number: str) -> str:
    return f"{DECK_ID}/c{number}"


def write_deck(home: Home) -> None:
    lines = [f'id = "{DECK_ID}"', 'name = "Crash test"', 'category = "general"', ""]
    for i in range(CARDS):
        lines += [
            "[[cards]]",
            f'id = "c{i:04d}"',
            f'front = "Question QK{i:04d}: what comes next?"',
            f'back = "Answer AK{i:04d}, and nothing else."',
            "",
        ]
    home.decks.mkdir(parents=True, exist_ok=True)
    (home.decks / f"{DECK_ID}.toml").write_text("\n".join(lines))


def prepare_user(home: Home, user: str, seed: int) -> None:
    """A profile without daily limits, and a long history already checkpointed."""
    folder = home.user_dir(user)
    profile = Profile.model_validate(
        {
            "seed": seed % 2**31,
            "settings": {"new_per_day": 9999, "reviews_per_day": 99999, "timezone": "UTC"},
        }
    )
    save_profile(folder / "profile.toml", profile)
    start = datetime.now(UTC) - timedelta(days=20)
    entries = [
        LogEntry(f"bulk-{i}", start + timedelta(seconds=i), f"old/c{i:05d}", 3)
        for i in range(BULK_CARDS)
    ]
    month = folder / "reviews" / start.strftime("%Y-%m.toml")
    month.parent.mkdir(parents=True, exist_ok=True)
    month.write_bytes(LOG_HEADER + b"".join(entry_to_toml(e) for e in entries))
    UserStore(home, user).checkpoint()


# --- one process in a pty ------------------------------------------------------------------------


class Terminal:
    """`flashprep drill` running in a pseudo-terminal, with what it has drawn so far as text."""

    def __init__(self, home: Home, user: str) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        env = {
            **os.environ,
            "FLASHPREP_HOME": str(home.root),
            "FLASHPREP_USER": user,
            "TERM": "xterm-256color",
            "COLUMNS": str(COLS),
            "LINES": str(ROWS),
        }
        env.pop("EDITOR", None), env.pop("VISUAL", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "flashprep", "drill", DECK_ID],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.master = master
        self.raw = bytearray()
        self.seen = 0
        """Where in `raw` the output after the last key sent starts."""

    @property
    def text(self) -> str:
        """What was drawn since the last key was sent, without escape sequences."""
        return _ESCAPES.sub(b"", bytes(self.raw[self.seen :])).decode("utf-8", errors="replace")

    def pump(self, timeout: float) -> bool:
        """Read what is there (waiting up to `timeout`); False once the process has gone."""
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(self.master, 65536)
        except OSError:
            return False
        if not chunk:
            return False
        self.raw += chunk
        return True

    def wait_for(self, pattern: re.Pattern[str] | str, timeout: float = 30.0) -> re.Match[str]:
        """Wait until `pattern` appears in the output after the last key; return the last match."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        while True:
            found = list(regex.finditer(self.text))
            if found:
                return found[-1]
            if time.monotonic() > deadline:
                raise HarnessError(f"timed out waiting for {regex.pattern!r}: {self.text[-400:]!r}")
            if not self.pump(0.05) and self.proc.poll() is not None:
                raise HarnessError(
                    f"flashprep exited ({self.proc.returncode}): {self.text[-600:]!r}"
                )

    def send(self, keys: str) -> None:
        self.seen = len(self.raw)
        os.write(self.master, keys.encode())

    def reveal(self, number: str) -> None:
        """Show the answer. Keys typed in the instant the first card appears can be lost (the
        terminal is still being set up), so Space is sent again until the answer shows; a second
        Space on a revealed card does nothing."""
        self.seen = len(self.raw)
        for _ in range(100):
            os.write(self.master, b" ")
            try:
                self.wait_for(f"AK{number}", timeout=0.2)
                return
            except HarnessError:
                if self.proc.poll() is not None:
                    raise
        raise HarnessError(f"the answer of QK{number} never showed: {self.text[-400:]!r}")

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        while self.pump(0):
            pass
        os.close(self.master)


# --- a lane: one user, many runs ------------------------------------------------------------------


@dataclass
class Lane:
    home: Home
    user: str
    rng: random.Random
    logged: list[tuple[str, int]] = field(default_factory=list)
    """The grades in the user's log after the last check: (card key, rating)."""
    temps_seen: set[str] = field(default_factory=set)
    stats: Counter[str] = field(default_factory=Counter)
    seconds: Counter[str] = field(default_factory=Counter)
    """Where the time goes: starting flashprep, driving it, checking after the kill."""
    verified: dict[Path, tuple[int, int]] = field(default_factory=dict)
    """Files already checked, by (size, mtime): checked again only once they change."""
    replayed_bulk: tuple[list[str], Schedule] | None = None
    """The replay of the history the user started with (never changed), to replay from."""

    @property
    def folder(self) -> Path:
        return self.home.user_dir(self.user)

    def run_once(self) -> None:
        mode = self.rng.choices(list(MODES), weights=list(MODES.values()))[0]
        self.stats[f"mode {mode}"] += 1
        began = time.monotonic()
        term = Terminal(self.home, self.user)
        session: list[tuple[str, int]] = []
        maybe: list[list[tuple[str, int]]] = []
        """Other logs allowed for an action in flight when the kill came."""
        try:
            if mode == "startup":
                time.sleep(self.rng.uniform(0.0, 1.2))
                self.stats["killed starting"] += 1
                return
            question = term.wait_for(_QUESTION)
            self.seconds["start-up to the first card"] += time.monotonic() - began
            began = time.monotonic()
            count = self.rng.randint(1 if mode in ("checkpoint", "undo") else 0, 3)
            for _ in range(count):
                question = self.grade(term, question.group(1), session)
            if mode == "after-key":
                term.reveal(question.group(1))
                rating = self.rng.randint(1, 4)
                term.send(str(rating))
                maybe.append([*session, (card_key(question.group(1)), rating)])
                time.sleep(
                    self.rng.choice([0.0, self.rng.uniform(0, 0.02), self.rng.uniform(0, 0.2)])
                )
            elif mode == "idle":
                if self.rng.random() < 0.5:
                    term.send(" ")
                time.sleep(self.rng.uniform(0, 0.3))
            elif mode == "undo":
                term.send("u")
                maybe.append(session[:-1])
                if self.rng.random() < 0.5:
                    term.wait_for(rf"\b{len(session) - 1} done")
                    session = session[:-1]
                    maybe.clear()
                    self.stats["undo confirmed"] += 1
            elif mode == "checkpoint":
                self.kill_during_checkpoint(term)
        finally:
            term.kill()
            self.seconds["driving and killing"] += time.monotonic() - began
        began = time.monotonic()
        self.check(session, maybe)
        self.seconds["checking"] += time.monotonic() - began

    def grade(self, term: Terminal, number: str, session: list[tuple[str, int]]) -> re.Match[str]:
        """Reveal and grade the card on screen; return the next card once it is shown."""
        term.reveal(number)
        rating = self.rng.randint(1, 4)
        term.send(str(rating))
        term.wait_for(rf"\b{len(session) + 1} done")  # the next card is on screen
        session.append((card_key(number), rating))
        self.stats["grades confirmed"] += 1
        # The old question may be drawn once more in the frame that shows the new count; the
        # card just graded cannot be next (its first step is a minute away).
        return term.wait_for(rf"QK(?!{number})(\d{{4}})")

    def kill_during_checkpoint(self, term: Terminal) -> None:
        term.send(self.rng.choice(["q", "\x1b"]))
        if self.rng.random() < 0.3:
            time.sleep(self.rng.uniform(0, 0.15))
            self.stats["checkpoint: random delay"] += 1
            return
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and term.proc.poll() is None:
            temps = [p.name for p in self.folder.glob(".state.toml.*.tmp")]
            if any(name not in self.temps_seen for name in temps):
                os.kill(term.proc.pid, signal.SIGKILL)
                self.stats["killed in the middle of a checkpoint write"] += 1
                return
            term.pump(0.001)
        self.stats["checkpoint: finished before the kill"] += 1

    def finish(self) -> None:
        """A last, clean run: it must tidy everything the kills left and exit normally."""
        term = Terminal(self.home, self.user)
        session: list[tuple[str, int]] = []
        try:
            question = term.wait_for(_QUESTION)
            self.grade(term, question.group(1), session)
            term.send("q")  # mid-drill: the drill's summary first, whose q quits
            term.wait_for("Cards graded")
            term.send("q")
            deadline = time.monotonic() + 30
            while term.proc.poll() is None and time.monotonic() < deadline:
                term.pump(0.05)
            if term.proc.returncode != 0:
                raise HarnessError(f"flashprep did not exit cleanly: {term.text[-400:]!r}")
        finally:
            term.kill()
        self.check(session, [])
        left = [p.name for p in self.folder.rglob("*") if p.name.endswith((".tmp", ".partial"))]
        left += [p.name for p in (self.folder / "backups").glob(".new-*")]
        if left or (self.folder / "lock.info").exists():
            raise HarnessError(f"{self.user}: left behind after a clean exit: {left}")

    # the checks after a kill

    def check(self, session: list[tuple[str, int]], maybe: list[list[tuple[str, int]]]) -> None:
        self.check_files_parse()
        grades = [(e.card, e.rating or 0) for e in read_all(self.folder / "reviews") if e.is_grade]
        grades = [g for g in grades if g[0].startswith(f"{DECK_ID}/")]
        expected = [*self.logged, *session]
        allowed = [expected] + [[*self.logged, *m] for m in maybe]
        if grades not in allowed:
            raise HarnessError(
                f"{self.user}: log has {grades[len(self.logged) :]} after {len(self.logged)} "
                f"earlier grades; expected one of {[a[len(self.logged) :] for a in allowed]}"
            )
        if grades != expected:
            self.stats["in-flight action reached the disk"] += 1
        self.logged = grades
        self.check_schedule()

    def changed(self, path: Path) -> bool:
        """Whether `path` changed since it was last checked (and remember it as checked)."""
        st = path.stat()
        stamp = (st.st_size, st.st_mtime_ns)
        if self.verified.get(path) == stamp:
            return False
        self.verified[path] = stamp
        return True

    def check_files_parse(self) -> None:
        load_profile(self.folder / "profile.toml")
        state = self.folder / "state.toml"
        if state.exists() and self.changed(state):
            parse_checkpoint(state.read_bytes(), state)
        for path in (p for files in device_logs(self.folder / "reviews").values() for p in files):
            raw = path.read_bytes()
            if incomplete_tail(raw) is not None:
                raise HarnessError(f"{path}: an append was cut off by SIGKILL")
            if self.changed(path):
                parse_log(raw, path)
        cache = self.folder / "cache" / "state.bin"
        if cache.exists():  # written atomically: whole, for the checkpoint it was made from
            raw = cache.read_bytes()
            header = raw[len(statecache.MAGIC) : raw.index(b"\n", len(statecache.MAGIC))]
            if statecache.load(raw, json.loads(header)["stamp"]) is None:
                raise HarnessError(f"{cache}: not a whole state cache")
        for backup in list_backups(self.folder):
            for rel in backup_files(backup):
                copy = backup / rel
                if not self.changed(copy):
                    continue
                if rel == "profile.toml":
                    load_profile(copy)
                elif rel == "state.toml":
                    parse_checkpoint(copy.read_bytes(), copy)
                else:
                    parse_log(copy.read_bytes(), copy)
        if list((self.folder / "backups").glob(".new-*")):
            self.stats["killed while making a backup"] += 1
        temps = {p.name for p in self.folder.glob(".*.tmp")}
        left = temps & self.temps_seen
        if left:
            raise HarnessError(f"temporary files of an earlier crash were not removed: {left}")
        self.temps_seen = temps
        if temps:
            self.stats["temporary file left by the kill"] += 1
        if list((self.folder / "reviews").rglob("*.partial")):
            raise HarnessError("a log tail was set aside: SIGKILL cannot cut an append")

    def full_replay(self, store: UserStore) -> Schedule:
        """apply_entry over the whole log, from the start (the history the user began with is
        replayed once and its result reused: those entries never change)."""
        entries = list(read_all(store.paths.reviews))
        if self.replayed_bulk is None:
            replayed = Schedule()
            bulk = [e for e in entries if e.id.startswith("bulk-")]
            for entry in bulk:
                apply_entry(store.scheduler, replayed, entry, store.rollover, store.tz)
            self.replayed_bulk = ([e.id for e in bulk], replayed)
        ids, base = self.replayed_bulk
        if [e.id for e in entries[: len(ids)]] != ids:
            raise HarnessError(f"{self.user}: the history the user started with changed")
        replayed = Schedule(dict(base.states), base.counts, base.total, base.position)
        for entry in entries[len(ids) :]:
            apply_entry(store.scheduler, replayed, entry, store.rollover, store.tz)
        return replayed

    def check_schedule(self) -> None:
        store = UserStore(self.home, self.user)  # checkpoint + tail, as the next start reads it
        if store.notes:
            raise HarnessError(f"{self.user}: {store.notes}")
        replayed = self.full_replay(store)
        if store.states != replayed.states or store.data.total != replayed.total:
            differ = [k for k in replayed.states if store.states.get(k) != replayed.states[k]]
            raise HarnessError(
                f"{self.user}: schedule differs from a replay of the log: {differ[:5]}"
            )


@dataclass
class Report:
    kills: int
    seconds: float
    stats: Counter[str]
    phases: Counter[str]

    def lines(self) -> list[str]:
        out = [f"{self.kills} kills in {self.seconds:.1f} s"]
        out += [f"  {name}: {count}" for name, count in sorted(self.stats.items())]
        out += [f"  time {name}: {secs:.1f} s" for name, secs in sorted(self.phases.items())]
        return out


def run(root: Path, kills: int = 100, seed: int = 20261126, lanes: int = 2) -> Report:
    """Kill `kills` drills spread over `lanes` users working at once; raise on the first broken
    promise."""
    home = Home(root)
    write_deck(home)
    workers = []
    for n in range(lanes):
        rng = random.Random(f"{seed}-{n}")
        user = f"lane{n}"
        prepare_user(home, user, seed + n)
        workers.append(Lane(home, user, rng))
    errors: list[BaseException] = []
    began = time.monotonic()

    def work(lane: Lane, count: int) -> None:
        try:
            for _ in range(count):
                lane.run_once()
                if errors:
                    return
            lane.finish()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    shares = [kills // lanes + (1 if n < kills % lanes else 0) for n in range(lanes)]
    threads = [
        threading.Thread(target=work, args=(w, c)) for w, c in zip(workers, shares, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    stats: Counter[str] = Counter()
    phases: Counter[str] = Counter()
    for lane in workers:
        stats.update(lane.stats)
        phases.update(lane.seconds)
    return Report(kills, time.monotonic() - began, stats, phases)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--lanes", type=int, default=2)
    parser.add_argument("--home", type=Path, help="data folder to use (default: a new temp one)")
    args = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        report = run(args.home or Path(tmp) / "home", args.kills, args.seed, args.lanes)
    print("\n".join(report.lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
