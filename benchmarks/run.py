"""flashprep's performance targets, measured: prints a table and exits 1 when a target is missed.

    python benchmarks/run.py [--scale 100k|1m|both] [--home DIR] [--power DIR] [--small DIR]
                             [--power-small DIR] [--runs N] [--grades N] [--only MEASURE ...]

Run it with the Python that has flashprep installed (e.g. `.venv/bin/python`), on Linux or macOS
(it drives the app in a real pseudo-terminal). Each target is measured at two scales, side by
side (issue 23): `--home`, a data folder made by `benchmarks/make_home.py --cards 10000 --reviews
100000`, and `--power`, a power user's made with `--cards 50000 --reviews 1000000` (a decade of
history). `--small` is one made with `--cards 10000 --reviews 1000` (the same decks, a short
history: the yardstick for "flat"), and `--power-small` one made with `--cards 50000 --reviews
100000 --new-first` (a tenth of the power user's history over as many cards: the yardstick for
"flat" at the power scale, where start-up and warm statistics are compared with the history alone
changed). `--scale` picks the scales (default: 100k, the quick run;
`both` puts the two side by side). Missing folders are built first (about a minute for the
100,000 reviews, two for the million). The measures run on scratch copies, so the folders stay
as built. Anki packages for the import rows are built once and kept beside the folders.

Each measure is a function in MEASURES that returns rows; add one there for a new target.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from terminal import Terminal, TimedOut

HERE = Path(__file__).resolve().parent
USER = "bench"
SMALL = 1_000
"""Reviews in the yardstick folder (10,000 cards): what "flat" is measured against."""
SHORT = 100_000
"""Reviews in the power scale's short-history yardstick (`Scale.short`)."""
FLAT = 1.2
"""The most a cost may grow from a short history to a long one, at the same cards."""

QUESTION = rb"Q(\d+)\. "
"""Every benchmark question starts with Q<number>. (see make_home.py)."""
BARE_TEXT = rb"A bare Textual app is ready"
REVEALED = rb"Good \xc2\xb7 \d"
"""The Good button shows its interval ("3 Good · 4d") once the answer is revealed."""


@dataclass(frozen=True)
class Scale:
    """One column of the table: a data folder of `cards` and `reviews`, and its own targets
    where the issue gives it other ones."""

    label: str
    cards: int
    reviews: int
    home: Path
    cold_seconds: float
    """`stats --json` and the statistics screen with every derived cache deleted."""
    rss_mib: int
    import_ratio: float
    """The Anki package import against the Anki library importing it."""
    heavy: bool = False
    """Measures that take minutes here run fewer times (see `Bench.runs_at`)."""
    short: Path | None = None
    """The same cards, as many of them studied, with a short history (`short_reviews`): what the
    rows "vs a short history" compare this scale's folder with (the power scale's only: the
    default scale's flat yardstick, `--small`, has a few hundred cards studied)."""
    short_reviews: int = 0

    @property
    def notes(self) -> int:
        """Notes of the Anki package for this scale: import_speed's mix gives 1.3 cards a note."""
        return round(self.cards / 1.3)


def scales(home: Path, power: Path, power_small: Path) -> dict[str, Scale]:
    return {
        "100k": Scale("10k cards, 100k reviews", 10_000, 100_000, home, 2.0, 150, 2.0),
        "1m": Scale(
            "50k cards, 1M reviews",
            50_000,
            1_000_000,
            power,
            10.0,
            300,
            3.0,
            True,
            power_small,
            SHORT,
        ),
    }


@dataclass
class Row:
    """One cell of the table. `ratio` is figure ÷ target: at most 1 meets it; None: not measured.
    Rows of one `measure` at several scales make one line, a column a scale."""

    measure: str
    figure: str
    target: str
    ratio: float | None
    note: str = ""
    owed: bool = False
    """Measurable on this branch but not measured yet: counts as a missed target."""
    scale: str = ""
    """The Scale's label; "" for a row of no one scale."""

    @property
    def met(self) -> bool:
        return self.ratio is not None and self.ratio <= 1.0

    @property
    def missed(self) -> bool:
        return self.owed or (self.ratio is not None and self.ratio > 1.0)


@dataclass
class Bench:
    """What the measures share: the command, the data folders, a scratch folder, peak memory."""

    scales: list[Scale]
    small: Path
    scratch: Path
    runs: int
    grades: int
    flashprep: list[str]
    peak_rss_kib: dict[tuple[str, str], int] = field(default_factory=dict)
    prepared: dict[Path, Path] = field(default_factory=dict)

    def copy(self, home: Path) -> Path:
        """A fresh scratch copy of a data folder (mtimes kept, so its caches still match), made
        from one this flashprep opened once (see `prepare`)."""
        target = Path(tempfile.mkdtemp(dir=self.scratch)) / home.name
        shutil.copytree(self.prepare(home), target)
        return target

    def prepare(self, home: Path) -> Path:
        """A copy of `home` opened once by the app (untimed): a folder of an older layout is
        moved to the current one and every derived cache made, as a user's folder is after
        the first start. The measures then time flashprep, not that one-off."""
        if home not in self.prepared:
            target = self.scratch / "prepared" / home.name
            shutil.copytree(home, target)
            terminal = Terminal(self.command(target))
            try:
                terminal.wait_for(HOME_READY, timeout=900)
            finally:
                terminal.close()
            subprocess.run(self.command(target, "stats", "--json"), capture_output=True, check=True)
            self.prepared[home] = target
        return self.prepared[home]

    def drop(self, copy: Path) -> None:
        """Remove a scratch copy once measured (a million reviews take 300 MB)."""
        shutil.rmtree(copy.parent, ignore_errors=True)

    def command(self, home: Path, *args: str) -> list[str]:
        return [*self.flashprep, "--home", str(home), "--user", USER, *args]

    def runs_at(self, scale: Scale, heavy_runs: int | None = None) -> int:
        """Timed runs at `scale`: all of them, or `heavy_runs` (default a third) where each
        takes seconds to minutes."""
        if not scale.heavy:
            return self.runs
        return max(1, self.runs // 3 if heavy_runs is None else min(self.runs, heavy_runs))

    def note_rss(self, scale: Scale, where: str, kib: int) -> None:
        key = (scale.label, where)
        self.peak_rss_kib[key] = max(self.peak_rss_kib.get(key, 0), kib)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def median(values: list[float]) -> float:
    return statistics.median(values)


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]


def reviews_label(count: int) -> str:
    return f"{count:,}"


def paired_ratio(ours: list[float], theirs: list[float]) -> float:
    """The median of the ratios of runs made side by side (each pair saw the same load)."""
    return median([o / t for o, t in zip(ours, theirs, strict=True)])


def timed_run(command: list[str]) -> tuple[float, float, bytes]:
    """Run a command to its end: (wall seconds, CPU seconds user+sys, its standard output).
    Raises CalledProcessError when it fails, as `subprocess.run(check=True)` does."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert process.stdout is not None
    out = process.stdout.read()
    process.stdout.close()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command, out)
    return wall, usage.ru_utime + usage.ru_stime, out


# --- the measures --------------------------------------------------------------------------------


def start_up(bench: Bench) -> list[Row]:
    """Launch to first card on screen, against a bare Textual app: runs in pairs, one right after
    the other, so that both see the same load; the ratio is the median of the pairs' ratios."""
    rows = []
    bare_cmd = [sys.executable, str(HERE / "bare_app.py")]
    for scale in bench.scales:
        home = bench.copy(scale.home)
        drill_cmd = bench.command(home, "drill")
        # Untimed starts first: the first start after a copy reads everything from disk.
        cold = _time_to_screen(bench, scale, drill_cmd, QUESTION)
        _time_to_screen(bench, scale, drill_cmd, QUESTION)
        _time_to_screen(bench, None, bare_cmd, BARE_TEXT)
        bare: list[float] = []
        ours: list[float] = []
        for _ in range(bench.runs):
            bare.append(_time_to_screen(bench, None, bare_cmd, BARE_TEXT))
            ours.append(_time_to_screen(bench, scale, drill_cmd, QUESTION))
        bench.drop(home)
        ratio = paired_ratio(ours, bare)
        rows.append(
            Row(
                "start-up: `drill` to first card on screen",
                f"{ratio:.2f}× a bare Textual app ({median(ours):.3f} s vs {median(bare):.3f} s)",
                "≤ 1.5× bare app",
                ratio / 1.5,
                f"{bench.runs} pairs of runs; the first start on the copied folder: {cold:.3f} s",
                scale=scale.label,
            )
        )
    return rows


def start_up_instructions(bench: Bench) -> list[Row]:
    """The start-up ratio in CPU instructions (valgrind's cachegrind, when installed), from launch
    to the first frame: the same figure every run, unlike times, which swing with the machine. No
    target of its own: it shows where the row above stands without the noise."""
    measure = "start-up in CPU instructions, to the first frame (valgrind)"
    if shutil.which("valgrind") is None:
        return [Row(measure, "valgrind is not installed", "(start-up's companion)", None)]
    rows = []
    bare = _instructions(["bare"])
    for scale in bench.scales:
        home = bench.copy(scale.home)
        _time_to_screen(bench, scale, bench.command(home, "drill"), QUESTION)  # caches made
        ours = _instructions(["flashprep", "--home", str(home), "--user", USER, "drill"])
        bench.drop(home)
        rows.append(
            Row(
                measure,
                f"{ours / bare:.2f}× a bare Textual app ({ours / 1e6:,.0f} M vs "
                f"{bare / 1e6:,.0f} M)",
                "(start-up's companion)",
                None,
                scale=scale.label,
            )
        )
    return rows


def _instructions(args: list[str]) -> int:
    """Instructions run by `first_frame.py args` in a pty, until its first frame."""
    out = Path(tempfile.mkstemp(suffix=".txt")[1])
    valgrind = ["valgrind", "--tool=cachegrind", "--cache-sim=no"]
    valgrind += ["--cachegrind-out-file=/dev/null", f"--log-file={out}"]
    terminal = Terminal([*valgrind, sys.executable, str(HERE / "first_frame.py"), *args])
    terminal.close(keys=b"", timeout=300)
    found = re.search(r"I\s+refs:\s+([\d,]+)", out.read_text())
    out.unlink()
    if found is None:
        raise RuntimeError(f"valgrind counted nothing for {args[0]}")
    return int(found.group(1).replace(",", ""))


def _time_to_screen(
    bench: Bench,
    scale: Scale | None,
    argv: list[str],
    pattern: bytes,
    env: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> float:
    terminal = Terminal(argv, env)
    try:
        seconds = terminal.wait_for(pattern, timeout=timeout)
    finally:
        rss = terminal.close()
    if scale is not None:
        bench.note_rss(scale, "drill", rss)
    return seconds


def grade_core(bench: Bench) -> list[Row]:
    """Drill.grade (log append + fsync, schedule, next card) at each scale vs 1,000 reviews."""
    from flashprep.core.decks.library import DeckLibrary
    from flashprep.core.paths import Home
    from flashprep.core.storage.userstore import UserStore
    from flashprep.core.study.drill import Drill

    homes = [scale.home for scale in bench.scales] + [bench.small]
    drills = []
    for source in homes:
        home = Home(bench.copy(source))
        drills.append(Drill(DeckLibrary.load(home), UserStore(home, USER)))
    times: list[list[float]] = [[] for _ in drills]
    for i in range(bench.grades * 4):
        for drill, sink in zip(drills, times, strict=True):  # alternate, so noise hits all
            if drill.current is None:
                continue
            started = time.perf_counter()
            drill.grade(1 if i % 7 == 0 else 3, ms=8000)
            sink.append(time.perf_counter() - started)
    small = times[-1]
    rows = []
    for scale, big in zip(bench.scales, times, strict=False):
        flat = median(big) / median(small)
        rows += [
            Row(
                "grade in the core",
                f"median {ms(median(big))} (p90 {ms(p90(big))})",
                "≤ 5 ms",
                median(big) / 0.005,
                f"{len(big)} grades: log append + fsync, FSRS, next card",
                scale=scale.label,
            ),
            Row(
                "grade in the core vs 1,000 reviews",
                f"{flat:.2f}× ({ms(median(big))} vs {ms(median(small))})",
                "≤ 1.2×",
                flat / 1.2,
                scale=scale.label,
            ),
        ]
    return rows


def grade_on_screen(bench: Bench) -> list[Row]:
    """Grade key to the next question drawn: a drill at each scale, one at 1,000 reviews and the
    bare app side by side, their keys alternating so that the machine's load hits all alike."""
    from make_home import DECKS

    decks = [deck_id for deck_id, *_ in DECKS]  # their questions are recognisable: Q<number>.
    homes = [scale.home for scale in bench.scales] + [bench.small]
    copies = [bench.copy(h) for h in homes]
    commands = [bench.command(c, "drill", *decks) for c in copies]
    commands.append([sys.executable, str(HERE / "bare_app.py")])
    terminals = [Terminal(command) for command in commands]
    drills = len(homes)
    shown: list[bytes | None] = []
    for terminal in terminals[:drills]:
        terminal.wait_for(QUESTION)
        shown.append(terminal.match.group(1))
    terminals[-1].wait_for(BARE_TEXT)
    shown.append(b"0")
    times: list[list[float]] = [[] for _ in terminals]
    try:
        for _ in range(bench.grades):
            for i, terminal in enumerate(terminals):
                current = shown[i]
                if current is None:
                    continue
                time.sleep(0.1)
                terminal.wait_for(REVEALED, terminal.send(b" "), timeout=10)
                time.sleep(0.3)  # a person reads the answer; the app settles
                other = rb"Q(?!" + current + rb"\.)(\d+)\. "
                try:
                    times[i].append(terminal.wait_for(other, terminal.send(b"3"), timeout=10))
                    shown[i] = terminal.match.group(1)
                except TimedOut:
                    shown[i] = None  # the drill ended
    finally:
        for i, terminal in enumerate(terminals[: len(bench.scales)]):
            bench.note_rss(bench.scales[i], "drill", terminal.close())
        for terminal in terminals[len(bench.scales) :]:
            terminal.close()
        for copy in copies:
            bench.drop(copy)
    small, bare = times[drills - 1], times[-1]
    rows = []
    for scale, big in zip(bench.scales, times, strict=False):
        if len(big) < 5 or len(small) < 5:
            figure = f"only {len(big)}/{len(small)} grades"
            rows.append(Row("grade on screen", figure, "≤ 33 ms", None, scale=scale.label))
            continue
        flat = median(big) / median(small)
        rows += [
            Row(
                "grade on screen: key to next question drawn",
                f"median {ms(median(big))} (p90 {ms(p90(big))})",
                "≤ 33 ms",
                median(big) / 0.033,
                f"{len(big)} grades in a 100×32 pty; the bare app's one-line update: "
                f"{ms(median(bare))}",
                scale=scale.label,
            ),
            Row(
                "grade on screen vs 1,000 reviews",
                f"{flat:.2f}× ({ms(median(big))} vs {ms(median(small))})",
                "≤ 1.2×",
                flat / 1.2,
                scale=scale.label,
            ),
        ]
    return rows


def _check_total(scale: Scale, out: bytes) -> int:
    total = int(json.loads(out)["reviews_total"])
    if total < scale.reviews:
        raise SystemExit(
            f"{scale.home}: {total} reviews; build it with make_home.py --cards {scale.cards} "
            f"--reviews {scale.reviews}"
        )
    return total


def stats_json(bench: Bench) -> list[Row]:
    """`flashprep stats --json`, the whole process, warm (its caches made by a first run)."""
    rows = []
    for scale in bench.scales:
        home = bench.copy(scale.home)
        command = bench.command(home, "stats", "--json")
        subprocess.run(command, capture_output=True, check=True)  # first run after a copy: caches
        times: list[float] = []
        for _ in range(bench.runs_at(scale)):
            started = time.perf_counter()
            out = subprocess.run(command, capture_output=True, check=True)
            times.append(time.perf_counter() - started)
        bench.drop(home)
        total = _check_total(scale, out.stdout)
        rows.append(
            Row(
                "`stats --json`, whole process, warm",
                f"median {median(times):.3f} s",
                "≤ 1.0 s",
                median(times) / 1.0,
                f"{total:,} reviews, {len(times)} runs",
                scale=scale.label,
            )
        )
    return rows


def drop_caches(home: Path) -> None:
    """Delete every derived cache of a data folder (the deck index; the user's state, settings
    and history caches), as a hand edit of the log or a first start on copied data leaves it.
    The checkpoint (state.toml) stays: it is no cache but the schedule's own file."""
    shutil.rmtree(home / "cache", ignore_errors=True)
    for user in (home / "users").iterdir():
        shutil.rmtree(user / "cache", ignore_errors=True)


def stats_cold(bench: Bench) -> list[Row]:
    """`flashprep stats --json` with every derived cache deleted before each run."""
    rows = []
    for scale in bench.scales:
        home = bench.copy(scale.home)
        command = bench.command(home, "stats", "--json")
        times: list[float] = []
        for _ in range(bench.runs_at(scale, 1)):
            drop_caches(home)
            started = time.perf_counter()
            out = subprocess.run(command, capture_output=True, check=True)
            times.append(time.perf_counter() - started)
        bench.drop(home)
        total = _check_total(scale, out.stdout)
        target = scale.cold_seconds
        rows.append(
            Row(
                "`stats --json`, whole process, every cache deleted (cold)",
                f"median {median(times):.3f} s (max {max(times):.3f} s)",
                f"≤ {target:.1f} s",
                median(times) / target,
                f"{total:,} reviews, {len(times)} runs",
                scale=scale.label,
            )
        )
    return rows


HARDEST_HEADER = rb"Lapses +(Again +)?Recall +(Deck +)?Card"
"""The header of the hardest-cards table: the statistics screen draws every panel in one frame
once the statistics are computed (the panels are hidden until then), and this table is the last
of them, at the bottom of the screen (its Again and Deck columns go first when it is narrow)."""
HOME_READY = rb"Enter drills the marked decks"
"""The home screen's hint, shown once its deck table is filled."""
STATS_SIZE = (160, 90)
"""A terminal large enough for the whole statistics screen (two panels a row from 150 columns):
at 100×32 most panels are scrolled out of sight and never drawn."""


def stats_screen(bench: Bench) -> list[Row]:
    """The statistics screen: from `s` on the home screen until every panel is drawn (the
    target: the screen itself), warm and with every cache deleted (cold: the home screen is
    drawn first, so the history cache is what is missing), and from launching `flashprep stats`
    (start-up included, for information: the start-up target is the drill's row)."""
    rows = []
    where = f"in a {STATS_SIZE[0]}×{STATS_SIZE[1]} pty, until the hardest-cards table shows"
    for scale in bench.scales:
        home = bench.copy(scale.home)
        command = bench.command(home, "stats")
        subprocess.run([*command, "--json"], capture_output=True, check=True)  # caches, as above
        _stats_from_launch(bench, scale, command)  # untimed: the first start reads from disk
        launched: list[float] = []
        keyed: list[float] = []
        for _ in range(bench.runs_at(scale)):
            launched.append(_stats_from_launch(bench, scale, command))
            keyed.append(_stats_from_home(bench, scale, bench.command(home)))
        cold: list[float] = []
        for _ in range(bench.runs_at(scale, 1) if scale.heavy else max(1, bench.runs // 3)):
            drop_caches(home)
            cold.append(_stats_from_home(bench, scale, bench.command(home), timeout=300))
        bench.drop(home)
        rows += [
            Row(
                "statistics screen: `s` on the home screen to fully drawn, warm",
                f"median {median(keyed):.3f} s (max {max(keyed):.3f} s)",
                "≤ 1.0 s",
                median(keyed) / 1.0,
                f"{len(keyed)} runs {where}",
                scale=scale.label,
            ),
            Row(
                "statistics screen: the same, every cache deleted (cold)",
                f"median {median(cold):.3f} s (max {max(cold):.3f} s)",
                f"≤ {scale.cold_seconds:.1f} s",
                median(cold) / scale.cold_seconds,
                f"{len(cold)} runs",
                scale=scale.label,
            ),
            Row(
                "statistics screen: launch of `flashprep stats` to fully drawn",
                f"median {median(launched):.3f} s (max {max(launched):.3f} s)",
                "(start-up included)",
                None,
                f"{len(launched)} runs",
                scale=scale.label,
            ),
        ]
    return rows


def _stats_from_launch(bench: Bench, scale: Scale, command: list[str]) -> float:
    terminal = Terminal(command, size=STATS_SIZE)
    try:
        seconds = terminal.wait_for(HARDEST_HEADER)
    finally:
        bench.note_rss(scale, "stats screen", terminal.close())
    return seconds


def _stats_from_home(
    bench: Bench, scale: Scale | None, command: list[str], timeout: float = 30.0
) -> float:
    terminal = Terminal(command, size=STATS_SIZE)
    try:
        terminal.wait_for(HOME_READY, timeout=timeout)
        time.sleep(0.5)  # a person looks at the decks first; the app settles
        seconds = terminal.wait_for(HARDEST_HEADER, terminal.send(b"s"), timeout=timeout)
    finally:
        rss = terminal.close()
        if scale is not None:  # (None: a yardstick's, not this scale's)
            bench.note_rss(scale, "stats screen", rss)
    return seconds


BROWSER_COUNT = rb"(?<![\d,])(\d[\d,]*) of [\d,]+ cards"
"""The card browser's count line ("37 of 10,792 cards · sorted by deck"), drawn with its rows."""
BROWSER_TYPING = [b"q", b"1", b"2", b"3", b"4", b"\x7f", b"\x7f", b"\x7f", b"\x7f"]
"""Keys typed into the search box: each changes the number of matches (the questions are
"Q<number>. ..."), so each keystroke's result is a new count on screen."""


def browser(bench: Bench) -> list[Row]:
    """The card browser: `/` on the home screen until the count line and the first rows are
    drawn, and each keystroke in the search box until its result's count is on screen."""
    rows = []
    for scale in bench.scales:
        home = bench.copy(scale.home)
        command = bench.command(home)
        opened: list[float] = []
        typed: list[float] = []
        for _ in range(bench.runs_at(scale)):
            terminal = Terminal(command)
            try:
                terminal.wait_for(HOME_READY)
                time.sleep(0.5)  # a person looks at the decks first; the app settles
                opened.append(terminal.wait_for(BROWSER_COUNT, terminal.send(b"/")))
                shown = terminal.match.group(1)
                for key in BROWSER_TYPING:
                    time.sleep(0.3)  # a person types a few keys a second
                    other = (
                        rb"(?<![\d,])(?!" + re.escape(shown) + rb" of)(\d[\d,]*) of [\d,]+ cards"
                    )
                    typed.append(terminal.wait_for(other, terminal.send(key), timeout=10))
                    shown = terminal.match.group(1)
            finally:
                bench.note_rss(scale, "browser", terminal.close())
        bench.note_rss(scale, "browser", _browser_from_drill(bench, home))
        bench.drop(home)
        where = f"{len(opened)} runs in a 100×32 pty"
        rows += [
            Row(
                "card browser: `/` on the home screen to results drawn",
                f"median {ms(median(opened))} (max {ms(max(opened))})",
                "≤ 300 ms",
                median(opened) / 0.300,
                where,
                scale=scale.label,
            ),
            Row(
                "card browser: keystroke in the search box to its results drawn",
                f"median {ms(median(typed))} (p90 {ms(p90(typed))})",
                "≤ 100 ms",
                median(typed) / 0.100,
                f"{len(typed)} keystrokes, {where}",
                scale=scale.label,
            ),
        ]
    return rows


def _browser_from_drill(bench: Bench, home: Path) -> int:
    """Peak RSS (KiB) of a drill, the browser opened from it on the current card, and the
    sort reversed (the card then far down a list of every card): counted in the browser's
    peak memory row."""
    terminal = Terminal(bench.command(home, "drill"))
    try:
        terminal.wait_for(QUESTION)
        terminal.wait_for(BROWSER_COUNT, terminal.send(b"/"))
        terminal.wait_for(rb"sorted by deck \xe2\x86\x93", terminal.send(b"O"), timeout=60)
    finally:
        rss = terminal.close()
    return rss


def import_apkg(bench: Bench) -> list[Row]:
    """`flashprep import` of an Anki package holding each scale's cards and review history,
    against the Anki library importing it, both whole processes, run one right after the
    other (benchmarks/import_speed.py does the work; each package is built once and kept)."""
    import import_speed

    measure = "import of an Anki package (the scale's cards and history), whole process"
    if not import_speed.anki_installed():
        note = "the `anki` package is not installed (it is in the test extra)"
        return [Row(measure, "not measured", "≤ 2× the Anki library", None, note)]
    rows = []
    for scale in bench.scales:
        target = f"≤ {scale.import_ratio:g}× the Anki library"
        work = Path(tempfile.mkdtemp(dir=bench.scratch))
        package = scale.home.parent / f"anki-{scale.notes}-{scale.reviews}.apkg"
        result = import_speed.compare(
            scale.notes,
            bench.runs_at(scale, 1) if scale.heavy else max(1, bench.runs // 3),
            work,
            bench.flashprep,
            reviews=scale.reviews,
            warm_up=not scale.heavy,
            package=package,
        )
        shutil.rmtree(work, ignore_errors=True)
        ours, anki = result.median(result.ours), result.median(result.anki)
        ratio = ours / anki
        cpu = result.median(result.ours, True) / result.median(result.anki, True)
        rows.append(
            Row(
                measure,
                f"{ratio:.2f}× the Anki library (median {ours:.2f} s vs {anki:.2f} s)",
                target,
                ratio / scale.import_ratio,
                f"{result.notes:,} notes, {result.cards:,} cards, {scale.reviews:,} reviews; "
                f"{len(result.ours)} runs of each, side by side; CPU time {cpu:.2f}× "
                f"({result.median(result.ours, True):.2f} s vs "
                f"{result.median(result.anki, True):.2f} s)",
                scale=scale.label,
            )
        )
    return rows


# --- flat: the same cards, a short history --------------------------------------------------------


def _flat_scales(bench: Bench) -> list[Scale]:
    """The scales that have a short-history yardstick (see `Scale.short`)."""
    return [scale for scale in bench.scales if scale.short is not None]


def _short_copies(bench: Bench, scale: Scale) -> list[Path]:
    """Scratch copies of the scale's folder and of its short-history yardstick (same cards)."""
    assert scale.short is not None, f"{scale.label}: no short-history folder"
    return [bench.copy(scale.home), bench.copy(scale.short)]


def compared(cards: int, outs: list[bytes]) -> str:
    """What two folders compared hold, from their `stats --json` (long history first): the
    reviews, and the two other things that differ with the history (a short one over as many
    cards leaves nearly all of them due; leeches gather over years), which the reader weighs."""
    docs = [json.loads(out) for out in outs]
    reviews, due, leeches = (
        [f"{value:,}" for value in values]
        for values in zip(
            *((d["reviews_total"], d["due_now"], len(d["leeches"])) for d in docs), strict=True
        )
    )
    return (
        f"{' vs '.join(reviews)} reviews of the same {cards:,} cards; due now "
        f"{' vs '.join(due)}; leeches {' vs '.join(leeches)}"
    )


def start_up_flat(bench: Bench) -> list[Row]:
    """Start-up with the scale's history against the same cards with a short one (issue 23:
    it must not grow with the history): launch to first card on screen, the two drills and the
    bare app in turn, so that all three see the same load; and the CPU instructions to the first
    frame (valgrind), the same every run."""
    rows = []
    bare_cmd = [sys.executable, str(HERE / "bare_app.py")]
    for scale in _flat_scales(bench):
        homes = _short_copies(bench, scale)
        held = compared(
            scale.cards, [timed_run(bench.command(h, "stats", "--json"))[2] for h in homes]
        )
        drills = [bench.command(home, "drill") for home in homes]
        for argv in drills:  # untimed starts first: the first start after a copy reads the disk
            _time_to_screen(bench, None, argv, QUESTION)
        _time_to_screen(bench, None, bare_cmd, BARE_TEXT)
        long: list[float] = []
        short: list[float] = []
        bare: list[float] = []
        for _ in range(bench.runs):
            bare.append(_time_to_screen(bench, None, bare_cmd, BARE_TEXT))
            long.append(_time_to_screen(bench, scale, drills[0], QUESTION))
            short.append(_time_to_screen(bench, None, drills[1], QUESTION))
        counts: list[int] = []
        if shutil.which("valgrind") is not None:
            counts = [
                _instructions(["flashprep", *argv[len(bench.flashprep) :]]) for argv in drills
            ]
            counts.append(_instructions(["bare"]))
        for home in homes:
            bench.drop(home)
        flat = paired_ratio(long, short)
        rows.append(
            Row(
                "start-up vs a short history (same cards): `drill` to first card on screen",
                f"{flat:.2f}× ({paired_ratio(long, bare):.2f}× vs {paired_ratio(short, bare):.2f}×"
                f" a bare Textual app; {median(long):.3f} s vs {median(short):.3f} s)",
                f"≤ {FLAT}×",
                flat / FLAT,
                f"{held}; {bench.runs} runs of each, in turn with the bare app",
                scale=scale.label,
            )
        )
        measure = "start-up in CPU instructions vs a short history (same cards), to the first frame"
        if not counts:
            rows.append(Row(measure, "valgrind is not installed", f"≤ {FLAT}×", None))
            continue
        ours, theirs, bare_count = counts
        flat = ours / theirs
        rows.append(
            Row(
                measure,
                f"{flat:.2f}× ({ours / 1e6:,.0f} M vs {theirs / 1e6:,.0f} M; the bare app "
                f"{bare_count / 1e6:,.0f} M)",
                f"≤ {FLAT}×",
                flat / FLAT,
                f"valgrind; beyond the bare app's: {(ours - bare_count) / 1e6:,.0f} M vs "
                f"{(theirs - bare_count) / 1e6:,.0f} M",
                scale=scale.label,
            )
        )
    return rows


def stats_json_flat(bench: Bench) -> list[Row]:
    """Warm `stats --json`, whole process, with the scale's history against the same cards with
    a short one, run in turn. The ratio is of CPU time (user+sys: the fair figure on a loaded
    machine; a warm run is one process), the wall times beside it."""
    rows = []
    for scale in _flat_scales(bench):
        homes = _short_copies(bench, scale)
        commands = [bench.command(home, "stats", "--json") for home in homes]
        for command in commands:
            timed_run(command)  # the first run after a copy: caches, as stats_json's
        walls: list[list[float]] = [[], []]
        cpus: list[list[float]] = [[], []]
        outs = [b"", b""]
        for _ in range(bench.runs_at(scale)):
            for i, command in enumerate(commands):
                wall, cpu, outs[i] = timed_run(command)
                walls[i].append(wall)
                cpus[i].append(cpu)
        for home in homes:
            bench.drop(home)
        flat = paired_ratio(*cpus)
        rows.append(
            Row(
                "`stats --json` warm vs a short history (same cards), CPU time",
                f"{flat:.2f}× (CPU median {median(cpus[0]):.3f} s vs {median(cpus[1]):.3f} s; "
                f"wall {median(walls[0]):.3f} s vs {median(walls[1]):.3f} s)",
                f"≤ {FLAT}×",
                flat / FLAT,
                f"{compared(scale.cards, outs)}; {len(cpus[0])} runs of each, in turn",
                scale=scale.label,
            )
        )
    return rows


def stats_screen_flat(bench: Bench) -> list[Row]:
    """The warm statistics screen (`s` on the home screen to every panel drawn) with the scale's
    history against the same cards with a short one, run in turn (wall time: the screen is
    timed from a key, in a running app)."""
    rows = []
    for scale in _flat_scales(bench):
        homes = _short_copies(bench, scale)
        commands = [bench.command(home) for home in homes]
        outs = [timed_run(bench.command(home, "stats", "--json"))[2] for home in homes]  # caches
        owners = [scale, None]  # the peak memory noted is the scale's folder's alone
        for command, owner in zip(commands, owners, strict=True):  # untimed: reads the disk
            _stats_from_home(bench, owner, command)
        times: list[list[float]] = [[], []]
        for _ in range(bench.runs_at(scale)):
            for i, command in enumerate(commands):
                times[i].append(_stats_from_home(bench, owners[i], command))
        for home in homes:
            bench.drop(home)
        flat = paired_ratio(*times)
        rows.append(
            Row(
                "statistics screen warm vs a short history (same cards): `s` to fully drawn",
                f"{flat:.2f}× (median {median(times[0]):.3f} s vs {median(times[1]):.3f} s)",
                f"≤ {FLAT}×",
                flat / FLAT,
                f"{compared(scale.cards, outs)}; {len(times[0])} runs of each, in turn, in a "
                f"{STATS_SIZE[0]}×{STATS_SIZE[1]} pty",
                scale=scale.label,
            )
        )
    return rows


INSTALL_HOME_READY = HOME_READY


def first_start_installed(bench: Bench) -> list[Row]:
    """The first start after `pip install .` into a fresh virtual environment, to the home
    screen, and the next starts, on a copy of the 100,000-review folder (its caches made by
    the flashprep that built it, as a user's are by the version before an upgrade). Only at
    the scale the issue sets it for (10k cards / 100k reviews)."""
    scale = next((s for s in bench.scales if not s.heavy), None)
    if scale is None:
        return []
    venv = bench.scratch / "installed"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    started = time.perf_counter()
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(HERE.parent)]
    done = subprocess.run(pip, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"pip install failed:\n{done.stderr[-2000:]}")
    installed = time.perf_counter() - started
    home = bench.copy(scale.home)  # opened by the version before the upgrade (Bench.prepare)
    command = [str(venv / "bin" / "flashprep"), "--home", str(home), "--user", USER]
    first = _time_to_screen(bench, scale, command, INSTALL_HOME_READY)
    later = [_time_to_screen(bench, scale, command, INSTALL_HOME_READY) for _ in range(3)]
    bench.drop(home)
    fresh = bench.scratch / "new-user"
    command = [str(venv / "bin" / "flashprep"), "--home", str(fresh), "--user", USER]
    new_user = _time_to_screen(bench, None, command, INSTALL_HOME_READY)
    new_later = [_time_to_screen(bench, None, command, INSTALL_HOME_READY) for _ in range(3)]
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.rmtree(venv, ignore_errors=True)
    return [
        Row(
            "first start after `pip install .` (fresh venv), to the home screen",
            f"{first:.3f} s (the next starts: median {median(later):.3f} s)",
            "≤ 1.0 s",
            first / 1.0,
            f"the folder as the version before left it; pip install took {installed:.0f} s",
            scale=scale.label,
        ),
        Row(
            "the same for a new user (an empty data folder)",
            f"{new_user:.3f} s (the next starts: median {median(new_later):.3f} s)",
            "(no target: no history)",
            None,
            "every bundled deck indexed for the first time",
            scale=scale.label,
        ),
    ]


def memory(bench: Bench) -> list[Row]:
    """Peak RSS seen in the runs above (start-up and grading; the statistics screen)."""
    rows = []
    for scale in bench.scales:
        wheres = sorted(w for label, w in bench.peak_rss_kib if label == scale.label)
        target = f"≤ {scale.rss_mib} MiB"
        for where in wheres:
            mib = bench.peak_rss_kib[scale.label, where] / 1024
            rows.append(
                Row(
                    f"peak memory (RSS), {where}",
                    f"{mib:.0f} MiB",
                    target,
                    mib / scale.rss_mib,
                    scale=scale.label,
                )
            )
        if "stats screen" not in wheres:
            note = "run the stats_screen measure too"
            figure = "not measured"
            measure = "peak memory (RSS), stats screen"
            rows.append(Row(measure, figure, target, None, note, scale=scale.label))
    return rows


MEASURES: list[Callable[[Bench], list[Row]]] = [
    start_up,
    start_up_instructions,
    first_start_installed,
    grade_core,
    grade_on_screen,
    stats_json,
    stats_cold,
    stats_screen,
    browser,
    import_apkg,
    start_up_flat,
    stats_json_flat,
    stats_screen_flat,
    memory,
]


# --- running -------------------------------------------------------------------------------------


def ensure_home(path: Path, cards: int, reviews: int, *options: str) -> None:
    if (path / "users" / USER / "state.toml").is_file():
        return
    print(f"building {path} ({cards} cards, {reviews} reviews) ...", file=sys.stderr)
    building = path.with_name(f".{path.name}.building")
    shutil.rmtree(building, ignore_errors=True)
    subprocess.run(
        [
            sys.executable,
            str(HERE / "make_home.py"),
            "--cards",
            str(cards),
            "--reviews",
            str(reviews),
            *options,
            str(building),
        ],
        check=True,
    )
    building.rename(path)


def compile_bytecode() -> None:
    """Compile flashprep and the yardstick app to bytecode, as installing a package does.

    An editable install (or PYTHONDONTWRITEBYTECODE) would otherwise make every start compile
    flashprep's sources, which no installed copy does.
    """
    import compileall

    spec = importlib.util.find_spec("flashprep")
    assert spec is not None and spec.submodule_search_locations, "flashprep is not installed"
    for folder in spec.submodule_search_locations:
        compileall.compile_dir(folder, quiet=1)
    compileall.compile_file(str(HERE / "bare_app.py"), quiet=1)


def flashprep_command() -> list[str]:
    script = Path(sys.executable).parent / "flashprep"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "flashprep"]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            names = [line.split(":", 1)[1].strip() for line in handle if "model name" in line]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; load average {load():.2f} at start"
    )


def load() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def table(rows: list[Row], labels: list[str]) -> str:
    """One line per measure, a figure, target and mark per scale (side by side)."""
    head = "| measure |" + "".join(f" {label} | target | |" for label in labels)
    lines = [head, "|---|" + "---|---|---|" * len(labels)]
    by_measure: dict[str, dict[str, Row]] = {}
    for r in rows:
        cells = by_measure.setdefault(r.measure, {})
        for label in [r.scale] if r.scale else labels[:1]:
            cells[label] = r
    for measure, cells in by_measure.items():
        line = f"| {measure} |"
        for label in labels:
            r = cells.get(label)
            if r is None:
                line += " — | — | |"
                continue
            mark = "✓" if r.met else ("✗" if r.missed else "n/a")
            ratio = f", ratio {r.ratio:.2f}" if r.ratio is not None else ""
            note = f" ({r.note})" if r.note else ""
            line += f" {r.figure}{note} | {r.target}{ratio} | {mark} |"
        lines.append(line)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    default = Path(tempfile.gettempdir()) / "flashprep-bench"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale",
        choices=("100k", "1m", "both"),
        default="100k",
        help="10k cards and 100k reviews (default), 50k and 1M, or both side by side",
    )
    parser.add_argument("--home", type=Path, default=default / "10000-100000")
    parser.add_argument("--power", type=Path, default=default / "50000-1000000")
    parser.add_argument("--small", type=Path, default=default / f"10000-{SMALL}")
    parser.add_argument(
        "--power-small",
        type=Path,
        default=default / f"50000-{SHORT}",
        help="50k cards with a short history (make_home.py --new-first): the power scale's "
        "yardstick for flat",
    )
    parser.add_argument("--runs", type=int, default=11, help="timed starts of each app")
    parser.add_argument("--grades", type=int, default=30, help="grades timed in each drill")
    parser.add_argument("--only", nargs="*", help="run only these measures (function names)")
    args = parser.parse_args(argv)
    known = scales(args.home, args.power, args.power_small)
    chosen = list(known.values()) if args.scale == "both" else [known[args.scale]]
    for scale in chosen:
        ensure_home(scale.home, scale.cards, scale.reviews)
    ensure_home(args.small, 10_000, SMALL)
    if known["1m"] in chosen:
        ensure_home(args.power_small, 50_000, SHORT, "--new-first")
    compile_bytecode()
    rows: list[Row] = []
    began, where = time.perf_counter(), machine()
    with tempfile.TemporaryDirectory(prefix="flashprep-bench-") as scratch:
        command = flashprep_command()
        bench = Bench(chosen, args.small, Path(scratch), args.runs, args.grades, command)
        for measure in MEASURES:
            if args.only and measure.__name__ not in args.only:
                continue
            print(f"measuring {measure.__name__} ...", file=sys.stderr)
            rows.extend(measure(bench))
    print(f"Machine: {where}, {load():.2f} at the end\n")
    print(table(rows, [scale.label for scale in chosen]))
    print(
        "\nratio = figure ÷ target: at most 1.00 meets the target. "
        f"Measured in {time.perf_counter() - began:.0f} s."
    )
    return 1 if any(r.missed for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
