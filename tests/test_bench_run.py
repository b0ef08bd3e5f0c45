"""The benchmark table's helpers (benchmarks/run.py) and make_home.py's short-history yardstick."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

import make_home  # noqa: E402
import run  # noqa: E402

from flashprep.core.paths import Home  # noqa: E402
from flashprep.core.storage.userstore import UserStore  # noqa: E402


@pytest.mark.parametrize(
    ("ours", "theirs", "expected"),
    [
        ([2.0], [1.0], 2.0),
        ([1.0, 2.0, 3.0], [1.0, 1.0, 1.0], 2.0),
        # each pair's ratio, not the ratio of the medians (that would be 2.0 / 2.0 = 1.0)
        ([1.0, 2.0, 9.0], [1.0, 2.0, 3.0], 1.0),
        ([4.0, 2.0, 3.0], [1.0, 2.0, 1.0], 3.0),
        ([3.0, 3.0], [1.0, 3.0], 2.0),
    ],
)
def test_paired_ratio_is_the_median_of_each_pairs_ratio(
    ours: list[float], theirs: list[float], expected: float
) -> None:
    assert run.paired_ratio(ours, theirs) == pytest.approx(expected)


def test_paired_ratio_refuses_runs_of_unequal_counts() -> None:
    with pytest.raises(ValueError):
        run.paired_ratio([1.0, 2.0], [1.0])


@pytest.mark.parametrize("text", ["", "one line", "déjà\nvu\n" * 1000])
def test_timed_run_returns_the_output_and_counts_cpu(text: str) -> None:
    code = f"import sys; sys.stdout.write({text!r})"
    wall, cpu, out = run.timed_run([sys.executable, "-c", code])
    assert out == text.encode()
    assert wall > 0 and cpu > 0  # an interpreter's start costs CPU time


@pytest.mark.parametrize("status", [1, 2, 7])
def test_timed_run_raises_when_the_command_fails(status: int) -> None:
    command = [sys.executable, "-c", f"print('partial'); raise SystemExit({status})"]
    with pytest.raises(subprocess.CalledProcessError) as failed:
        run.timed_run(command)
    assert failed.value.returncode == status
    assert failed.value.output == b"partial\n"


def test_only_the_power_scale_has_a_short_history(tmp_path: Path) -> None:
    known = run.scales(tmp_path / "home", tmp_path / "power", tmp_path / "power-small")
    assert known["1m"].short == tmp_path / "power-small"
    assert known["1m"].short_reviews < known["1m"].reviews
    assert known["1m"].cards == 50_000
    assert known["100k"].short is None


def _studied(folder: Path) -> tuple[int, int]:
    """(cards studied, cards) of make_home's user."""
    store = UserStore(Home(folder), make_home.USER)
    states = store.states
    return sum(1 for s in states.values() if not s.is_new), len(states)


@pytest.mark.parametrize(("cards", "reviews"), [(16, 60), (40, 150), (100, 300)])
def test_new_first_studies_every_card_in_a_short_history(
    tmp_path: Path, cards: int, reviews: int
) -> None:
    assert (
        make_home.main(
            ["--cards", str(cards), "--reviews", str(reviews), "--new-first", str(tmp_path / "a")]
        )
        == 0
    )
    studied, total = _studied(tmp_path / "a")
    assert studied == total == cards
    assert (
        make_home.main(["--cards", str(cards), "--reviews", str(reviews), str(tmp_path / "b")]) == 0
    )
    assert _studied(tmp_path / "b")[0] <= studied


def _doc(reviews: int, due: int, leeches: int) -> bytes:
    rows = [{"card": f"d/c{i}", "lapses": 8} for i in range(leeches)]
    return json.dumps({"reviews_total": reviews, "due_now": due, "leeches": rows}).encode()


@pytest.mark.parametrize(
    ("docs", "expected"),
    [
        (
            [(1_000_000, 16, 7_917), (100_000, 46_152, 0)],
            "1,000,000 vs 100,000 reviews of the same 50,000 cards; due now 16 vs 46,152; "
            "leeches 7,917 vs 0",
        ),
        (
            [(0, 0, 0), (0, 0, 0)],
            "0 vs 0 reviews of the same 50,000 cards; due now 0 vs 0; leeches 0 vs 0",
        ),
        (
            [(1_234, 5, 2), (12, 1_000, 1)],
            "1,234 vs 12 reviews of the same 50,000 cards; due now 5 vs 1,000; leeches 2 vs 1",
        ),
    ],
)
def test_compared_names_what_differs_besides_the_history(
    docs: list[tuple[int, int, int]], expected: str
) -> None:
    assert run.compared(50_000, [_doc(*d) for d in docs]) == expected


def test_compared_refuses_a_folder_without_statistics() -> None:
    with pytest.raises((KeyError, json.JSONDecodeError)):
        run.compared(10, [_doc(1, 1, 1), b"{}"])
