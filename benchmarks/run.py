"""flashprep's performance targets, measured: prints a table and exits 1 when a target is missed.

    python benchmarks/run.py [--home DIR] [--small DIR] [--runs N] [--grades N]

Run it with the Python that has flashprep installed (e.g. `.venv/bin/python`), on Linux or macOS
(it drives the app in a real pseudo-terminal). `--home` is a data folder made by
`benchmarks/make_home.py --cards 10000 --reviews 100000`, `--small` one made with
`--reviews 1000` (the same decks, a short history: the yardstick for "flat"). Missing folders are
built first (about two minutes). The measures run on scratch copies, so the folders stay as built.

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
CARDS = 10_000
BIG, SMALL = 100_000, 1_000

QUESTION = rb"Q(\d+)\. "
"""Every benchmark question starts with Q<number>. (see make_home.py)."""
BARE_TEXT = rb"A bare Textual app is ready"
REVEALED = rb"Good \xc2\xb7 \d"
"""The Good button shows its interval ("3 Good · 4d") once the answer is revealed."""


@dataclass
class Row:
    """One line of the table. `ratio` is figure ÷ target: at most 1 meets it; None: not measured."""

    measure: str
    figure: str
    target: str
    ratio: float | None
    note: str = ""
    owed: bool = False
    """Measurable on this branch but not measured yet: counts as a missed target."""

    @property
    def met(self) -> bool:
        return self.ratio is not None and self.ratio <= 1.0

    @property
    def missed(self) -> bool:
        return self.owed or (self.ratio is not None and self.ratio > 1.0)


@dataclass
class Bench:
    """What the measures share: the command, the data folders, a scratch folder, peak memory."""

    home: Path
    small: Path
    scratch: Path
    runs: int
    grades: int
    flashprep: list[str]
    peak_rss_kib: dict[str, int] = field(default_factory=dict)

    def copy(self, home: Path) -> Path:
        """A fresh scratch copy of a data folder (mtimes kept, so its caches still match)."""
        target = Path(tempfile.mkdtemp(dir=self.scratch)) / home.name
        shutil.copytree(home, target)
        return target

    def command(self, home: Path, *args: str) -> list[str]:
        return [*self.flashprep, "--home", str(home), "--user", USER, *args]

    def note_rss(self, where: str, kib: int) -> None:
        self.peak_rss_kib[where] = max(self.peak_rss_kib.get(where, 0), kib)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def median(values: list[float]) -> float:
    return statistics.median(values)


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]


# --- the measures --------------------------------------------------------------------------------


def start_up(bench: Bench) -> list[Row]:
    """Launch to first card on screen, against a bare Textual app: runs in pairs, one right after
    the other, so that both see the same load; the ratio is the median of the pairs' ratios."""
    home = bench.copy(bench.home)
    bare_cmd = [sys.executable, str(HERE / "bare_app.py")]
    drill_cmd = bench.command(home, "drill")
    # Untimed starts first: the first start after an install reads everything from disk.
    cold = _time_to_screen(bench, drill_cmd, QUESTION)
    _time_to_screen(bench, drill_cmd, QUESTION)
    _time_to_screen(bench, bare_cmd, BARE_TEXT)
    bare: list[float] = []
    ours: list[float] = []
    for _ in range(bench.runs):
        bare.append(_time_to_screen(bench, bare_cmd, BARE_TEXT))
        ours.append(_time_to_screen(bench, drill_cmd, QUESTION))
    ratio = median([o / b for o, b in zip(ours, bare, strict=True)])
    return [
        Row(
            "start-up: `drill` to first card on screen",
            f"{ratio:.2f}× a bare Textual app ({median(ours):.3f} s vs {median(bare):.3f} s)",
            "≤ 1.5× bare app",
            ratio / 1.5,
            f"{bench.runs} pairs of runs; the first start after building the folder: {cold:.3f} s",
        )
    ]


def start_up_instructions(bench: Bench) -> list[Row]:
    """The start-up ratio in CPU instructions (valgrind's cachegrind, when installed), from launch
    to the first frame: the same figure every run, unlike times, which swing with the machine. No
    target of its own: it shows where the row above stands without the noise."""
    measure = "start-up in CPU instructions, to the first frame (valgrind)"
    if shutil.which("valgrind") is None:
        return [Row(measure, "valgrind is not installed", "(start-up's companion)", None)]
    home = bench.copy(bench.home)
    _time_to_screen(bench, bench.command(home, "drill"), QUESTION)  # caches made, as above
    counts = [
        _instructions(["flashprep", "--home", str(home), "--user", USER, "drill"]),
        _instructions(["bare"]),
    ]
    ours, bare = counts
    return [
        Row(
            measure,
            f"{ours / bare:.2f}× a bare Textual app ({ours / 1e6:,.0f} M vs {bare / 1e6:,.0f} M)",
            "(start-up's companion)",
            None,
        )
    ]


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


def _time_to_screen(bench: Bench, argv: list[str], pattern: bytes) -> float:
    terminal = Terminal(argv)
    try:
        seconds = terminal.wait_for(pattern)
    finally:
        rss = terminal.close()
    if "flashprep" in " ".join(argv):
        bench.note_rss("drill", rss)
    return seconds


def grade_core(bench: Bench) -> list[Row]:
    """Drill.grade (log append + fsync, schedule, next card) at 100,000 vs 1,000 reviews."""
    from flashprep.core.decks.library import DeckLibrary
    from flashprep.core.paths import Home
    from flashprep.core.storage.userstore import UserStore
    from flashprep.core.study.drill import Drill

    drills = []
    for source in (bench.home, bench.small):
        home = Home(bench.copy(source))
        drills.append(Drill(DeckLibrary.load(home), UserStore(home, USER)))
    times: list[list[float]] = [[], []]
    for i in range(bench.grades * 4):
        for drill, sink in zip(drills, times, strict=True):  # alternate, so noise hits both
            if drill.current is None:
                continue
            started = time.perf_counter()
            drill.grade(1 if i % 7 == 0 else 3, ms=8000)
            sink.append(time.perf_counter() - started)
    big, small = times
    flat = median(big) / median(small)
    return [
        Row(
            "grade in the core, 100,000 reviews",
            f"median {ms(median(big))} (p90 {ms(p90(big))})",
            "≤ 5 ms",
            median(big) / 0.005,
            f"{len(big)} grades: log append + fsync, FSRS, next card",
        ),
        Row(
            "grade in the core: 100,000 vs 1,000 reviews",
            f"{flat:.2f}× ({ms(median(big))} vs {ms(median(small))})",
            "≤ 1.2×",
            flat / 1.2,
        ),
    ]


def grade_on_screen(bench: Bench) -> list[Row]:
    """Grade key to the next question drawn: drills at 100,000 and 1,000 reviews and the bare
    app side by side, their keys alternating so that the machine's load hits all alike."""
    from make_home import DECKS

    decks = [deck_id for deck_id, *_ in DECKS]  # their questions are recognisable: Q<number>.
    commands = [bench.command(bench.copy(h), "drill", *decks) for h in (bench.home, bench.small)]
    commands.append([sys.executable, str(HERE / "bare_app.py")])
    terminals = [Terminal(command) for command in commands]
    shown: list[bytes | None] = []
    for terminal in terminals[:2]:
        terminal.wait_for(QUESTION)
        shown.append(terminal.match.group(1))
    terminals[2].wait_for(BARE_TEXT)
    shown.append(b"0")
    times: list[list[float]] = [[], [], []]
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
        for terminal in terminals[:2]:
            bench.note_rss("drill", terminal.close())
        terminals[2].close()
    big, small, bare = times
    if len(big) < 5 or len(small) < 5:
        return [Row("grade on screen", f"only {len(big)}/{len(small)} grades", "≤ 33 ms", None)]
    flat = median(big) / median(small)
    return [
        Row(
            "grade on screen, 100,000 reviews: key to next question drawn",
            f"median {ms(median(big))} (p90 {ms(p90(big))})",
            "≤ 33 ms",
            median(big) / 0.033,
            f"{len(big)} grades in a 100×32 pty; the bare app's one-line update: "
            f"{ms(median(bare))}",
        ),
        Row(
            "grade on screen: 100,000 vs 1,000 reviews",
            f"{flat:.2f}× ({ms(median(big))} vs {ms(median(small))})",
            "≤ 1.2×",
            flat / 1.2,
        ),
    ]


def stats_json(bench: Bench) -> list[Row]:
    """`flashprep stats --json`, the whole process."""
    home = bench.copy(bench.home)
    command = bench.command(home, "stats", "--json")
    subprocess.run(command, capture_output=True, check=True)  # first run after a copy: caches
    times: list[float] = []
    for _ in range(bench.runs):
        started = time.perf_counter()
        out = subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    total = json.loads(out.stdout)["reviews_total"]
    if total < BIG:
        raise SystemExit(f"{bench.home}: {total} reviews; build it with --reviews {BIG}")
    return [
        Row(
            "`stats --json`, whole process",
            f"median {median(times):.3f} s",
            "≤ 1.0 s",
            median(times) / 1.0,
            f"{total} reviews",
        )
    ]


HARDEST_HEADER = rb"Lapses +Again +Recall +Deck +Card"
"""The header of the hardest-cards table: the statistics screen draws every panel in one frame
once the statistics are computed (the panels are hidden until then), and this table is the last
of them, at the bottom of the screen."""
HOME_READY = rb"Enter drills the marked decks"
"""The home screen's hint, shown once its deck table is filled."""
STATS_SIZE = (160, 90)
"""A terminal large enough for the whole statistics screen (two panels a row from 150 columns):
at 100×32 most panels are scrolled out of sight and never drawn."""


def stats_screen(bench: Bench) -> list[Row]:
    """The statistics screen: from `s` on the home screen until every panel is drawn (the
    target: the screen itself), and from launching `flashprep stats` (start-up included, for
    information: the start-up target is the drill's row)."""
    home = bench.copy(bench.home)
    command = bench.command(home, "stats")
    subprocess.run([*command, "--json"], capture_output=True, check=True)  # caches, as above
    _stats_from_launch(bench, command)  # untimed: the first start after a copy reads from disk
    launched: list[float] = []
    keyed: list[float] = []
    for _ in range(bench.runs):
        launched.append(_stats_from_launch(bench, command))
        keyed.append(_stats_from_home(bench, bench.command(home)))
    where = f"in a {STATS_SIZE[0]}×{STATS_SIZE[1]} pty, until the hardest-cards table shows"
    return [
        Row(
            "statistics screen: `s` on the home screen to fully drawn",
            f"median {median(keyed):.3f} s (max {max(keyed):.3f} s)",
            "≤ 1.0 s",
            median(keyed) / 1.0,
            f"{bench.runs} runs {where}",
        ),
        Row(
            "statistics screen: launch of `flashprep stats` to fully drawn",
            f"median {median(launched):.3f} s (max {max(launched):.3f} s)",
            "(start-up included)",
            None,
            f"{bench.runs} runs {where}",
        ),
    ]


def _stats_from_launch(bench: Bench, command: list[str]) -> float:
    terminal = Terminal(command, size=STATS_SIZE)
    try:
        seconds = terminal.wait_for(HARDEST_HEADER)
    finally:
        bench.note_rss("stats screen", terminal.close())
    return seconds


def _stats_from_home(bench: Bench, command: list[str]) -> float:
    terminal = Terminal(command, size=STATS_SIZE)
    try:
        terminal.wait_for(HOME_READY)
        time.sleep(0.5)  # a person looks at the decks first; the app settles
        seconds = terminal.wait_for(HARDEST_HEADER, terminal.send(b"s"))
    finally:
        bench.note_rss("stats screen", terminal.close())
    return seconds


BROWSER_COUNT = rb"(?<![\d,])(\d[\d,]*) of [\d,]+ cards"
"""The card browser's count line ("37 of 10,792 cards · sorted by deck"), drawn with its rows."""
BROWSER_TYPING = [b"q", b"1", b"2", b"3", b"4", b"\x7f", b"\x7f", b"\x7f", b"\x7f"]
"""Keys typed into the search box: each changes the number of matches (the questions are
"Q<number>. ..."), so each keystroke's result is a new count on screen."""


def browser(bench: Bench) -> list[Row]:
    """The card browser on 10,000+ cards and 100,000 reviews: `/` on the home screen until the
    count line and the first rows are drawn, and each keystroke in the search box until its
    result's count is on screen."""
    home = bench.copy(bench.home)
    command = bench.command(home)
    opened: list[float] = []
    typed: list[float] = []
    for _ in range(bench.runs):
        terminal = Terminal(command)
        try:
            terminal.wait_for(HOME_READY)
            time.sleep(0.5)  # a person looks at the decks first; the app settles
            opened.append(terminal.wait_for(BROWSER_COUNT, terminal.send(b"/")))
            shown = terminal.match.group(1)
            for key in BROWSER_TYPING:
                time.sleep(0.3)  # a person types a few keys a second
                other = rb"(?<![\d,])(?!" + re.escape(shown) + rb" of)(\d[\d,]*) of [\d,]+ cards"
                typed.append(terminal.wait_for(other, terminal.send(key), timeout=10))
                shown = terminal.match.group(1)
        finally:
            bench.note_rss("browser", terminal.close())
    where = f"{bench.runs} runs in a 100×32 pty"
    return [
        Row(
            "card browser: `/` on the home screen to results drawn",
            f"median {ms(median(opened))} (max {ms(max(opened))})",
            "≤ 300 ms",
            median(opened) / 0.300,
            where,
        ),
        Row(
            "card browser: keystroke in the search box to its results drawn",
            f"median {ms(median(typed))} (p90 {ms(p90(typed))})",
            "≤ 100 ms",
            median(typed) / 0.100,
            f"{len(typed)} keystrokes, {where}",
        ),
    ]


def import_apkg(bench: Bench) -> list[Row]:
    """`flashprep import` of a 5,000-note .apkg against the Anki library importing it, both whole
    processes, run one right after the other (benchmarks/import_speed.py does the work)."""
    import import_speed

    measure = "import of a 5,000-note .apkg, whole process"
    target = "≤ 2× the Anki library"
    if not import_speed.anki_installed():
        note = "the `anki` package is not installed (it is in the test extra)"
        return [Row(measure, "not measured", target, None, note)]
    work = Path(tempfile.mkdtemp(dir=bench.scratch))
    result = import_speed.compare(5000, bench.runs, work, bench.flashprep)
    ours, anki = result.median(result.ours), result.median(result.anki)
    ratio = ours / anki
    cpu = result.median(result.ours, True) / result.median(result.anki, True)
    return [
        Row(
            measure,
            f"{ratio:.2f}× the Anki library (median {ours:.2f} s vs {anki:.2f} s)",
            target,
            ratio / 2,
            f"{result.cards} cards, review history for a fifth; {bench.runs} runs of each, "
            "side by side; "
            f"CPU time {cpu:.2f}× ({result.median(result.ours, True):.2f} s vs "
            f"{result.median(result.anki, True):.2f} s)",
        )
    ]


def memory(bench: Bench) -> list[Row]:
    """Peak RSS seen in the runs above (start-up and grading; the statistics screen)."""
    rows = []
    for where, kib in sorted(bench.peak_rss_kib.items()):
        mib = kib / 1024
        rows.append(Row(f"peak memory (RSS), {where}", f"{mib:.0f} MiB", "≤ 150 MiB", mib / 150))
    if "stats screen" not in bench.peak_rss_kib:
        rows.append(
            Row(
                "peak memory (RSS), stats screen",
                "not measured",
                "≤ 150 MiB",
                None,
                "run the stats_screen measure too",
            )
        )
    return rows


MEASURES: list[Callable[[Bench], list[Row]]] = [
    start_up,
    start_up_instructions,
    grade_core,
    grade_on_screen,
    stats_json,
    stats_screen,
    browser,
    import_apkg,
    memory,
]


# --- running -------------------------------------------------------------------------------------


def ensure_home(path: Path, reviews: int) -> None:
    if (path / "users" / USER / "state.toml").is_file():
        return
    print(f"building {path} ({CARDS} cards, {reviews} reviews) ...", file=sys.stderr)
    subprocess.run(
        [
            sys.executable,
            str(HERE / "make_home.py"),
            "--cards",
            str(CARDS),
            "--reviews",
            str(reviews),
            str(path),
        ],
        check=True,
    )


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
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; load average {load:.2f} at start"
    )


def table(rows: list[Row]) -> str:
    lines = ["| measure | figure | target | ratio | |", "|---|---|---|---|---|"]
    for r in rows:
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "—"
        mark = "✓" if r.met else ("✗" if r.missed else "n/a")
        note = f" ({r.note})" if r.note else ""
        lines.append(f"| {r.measure}{note} | {r.figure} | {r.target} | {ratio} | {mark} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    default = Path(tempfile.gettempdir()) / "flashprep-bench"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=default / f"{CARDS}-{BIG}")
    parser.add_argument("--small", type=Path, default=default / f"{CARDS}-{SMALL}")
    parser.add_argument("--runs", type=int, default=11, help="timed starts of each app")
    parser.add_argument("--grades", type=int, default=30, help="grades timed in each drill")
    parser.add_argument("--only", nargs="*", help="run only these measures (function names)")
    args = parser.parse_args(argv)
    ensure_home(args.home, BIG)
    ensure_home(args.small, SMALL)
    compile_bytecode()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="flashprep-bench-") as scratch:
        bench = Bench(
            args.home, args.small, Path(scratch), args.runs, args.grades, flashprep_command()
        )
        for measure in MEASURES:
            if args.only and measure.__name__ not in args.only:
                continue
            print(f"measuring {measure.__name__} ...", file=sys.stderr)
            rows.extend(measure(bench))
    print(f"Machine: {machine()}\n")
    print(table(rows))
    print("\nratio = figure ÷ target: at most 1.00 meets the target.")
    return 1 if any(r.missed for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
