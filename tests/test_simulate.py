"""The simulated-learner benchmark (benchmarks/simulate.py): its learners and that it runs."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

from simlearner import TRUTHS, make_learner  # noqa: E402

T0 = datetime(2027, 1, 4, 18, tzinfo=UTC)
KEYS = [f"d/c{i}" for i in range(40)]
ROW_KEYS = {
    "policy",
    "truth",
    "budget_minutes",
    "days",
    "recall_on_date",
    "above_0_9",
    "reviews",
    "minutes",
    "forecast",
}


def simulate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCH / "simulate.py"), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.parametrize("truth", TRUTHS)
def test_true_recall_fades_with_time_and_a_review_restores_it(truth: str) -> None:
    learner = make_learner(truth, KEYS, seed=3)
    memory = learner.memory
    assert memory.recall("d/c1", T0) == 0.0  # never seen
    memory.review("d/c1", T0, 3)
    later = [memory.recall("d/c1", T0 + timedelta(days=d)) for d in (1, 3, 10, 40)]
    assert all(0 < r <= 1 for r in later)
    assert later == sorted(later, reverse=True) and later[0] > later[-1]
    memory.review("d/c1", T0 + timedelta(days=10), 3)
    assert memory.recall("d/c1", T0 + timedelta(days=11)) > later[0]


@pytest.mark.parametrize("truth", TRUTHS)
def test_spaced_reviews_are_remembered_longer_than_massed_ones(truth: str) -> None:
    spaced, massed = (make_learner(truth, KEYS, seed=5).memory for _ in range(2))
    for day in (0, 2, 6, 14):
        spaced.review("d/c2", T0 + timedelta(days=day), 3)
        massed.review("d/c2", T0 + timedelta(minutes=day), 3)
    at = T0 + timedelta(days=45)
    assert spaced.recall("d/c2", at) > massed.recall("d/c2", at)


@pytest.mark.parametrize("truth", TRUTHS)
def test_a_learner_is_reproducible_from_its_seed(truth: str) -> None:
    def answers(seed: int) -> list[tuple[int, int]]:
        learner = make_learner(truth, KEYS, seed)
        return [
            learner.answer(k, T0 + timedelta(days=i), 60, new=i == 0)
            for i in range(4)
            for k in KEYS
        ]

    assert answers(11) == answers(11)
    assert answers(11) != answers(12)


@pytest.mark.parametrize("truth", TRUTHS)
def test_grades_follow_recall_and_answer_times_follow_the_target(truth: str) -> None:
    keys = [f"d/c{i}" for i in range(400)]
    learner = make_learner(truth, keys, seed=2)
    for k in keys:
        learner.memory.review(k, T0, 3)
    at = T0 + timedelta(days=4)
    expected_fail = sum(1 - learner.memory.recall(k, at) for k in keys) / len(keys)
    short = [learner.answer(k, at, 30, new=False) for k in keys[:200]]
    long = [learner.answer(k, at, 300, new=False) for k in keys[200:]]
    grades = [g for g, _ in short + long]
    fails = grades.count(1) / len(grades)
    assert abs(fails - expected_fail) < 0.1
    passes = [g for g in grades if g > 1]
    assert passes.count(3) > passes.count(2) and passes.count(3) > passes.count(4)
    assert sum(ms for _, ms in long) > 4 * sum(ms for _, ms in short)


def test_quick_prints_a_row_per_policy_setting_with_the_issues_keys() -> None:
    done = simulate("--quick", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert {(r["policy"], r["truth"], r["budget_minutes"], r["days"]) for r in rows} == {
        (p, t, b, d)
        for p in ("plan", "fsrs", "fsrs_paced", "cram", "sm2")
        for t in TRUTHS
        for b in (20, 45)
        for d in (14, 30)
    }
    for row in rows:
        assert set(row) == ROW_KEYS
        assert 0 <= row["recall_on_date"] <= 1 and 0 <= row["above_0_9"] <= 1
        assert row["reviews"] > 0
        # the budget holds, give or take the last answer of each sitting
        assert row["minutes"] <= row["days"] * (row["budget_minutes"] + 10)
        assert (row["forecast"] is None) == (row["policy"] != "plan")
    # a longer time to prepare, on the same budget, is never worse for the same learner
    for r in rows:
        if r["days"] == 14:
            longer = next(
                x
                for x in rows
                if (x["policy"], x["truth"], x["budget_minutes"], x["days"])
                == (r["policy"], r["truth"], r["budget_minutes"], 30)
            )
            assert longer["reviews"] > r["reviews"]


def test_the_tiny_run_is_reproducible() -> None:
    first, second = simulate("--tiny", "--json"), simulate("--tiny", "--json")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--truth", "ebisu"], "unknown ebisu"),
        (["--policies", "plan,leitner"], "unknown leitner"),
        (["--budgets", "20,x"], "whole numbers"),
        (["--days", "0"], "more than 0"),
    ],
)
def test_bad_options_are_refused_in_one_line(args: list[str], message: str) -> None:
    done = simulate(*args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(("fit_at", "fitted"), [(0.25, True), (0.0, None)])
def test_a_plan_learner_is_fitted_as_optimize_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fit_at: float, fitted: bool | None
) -> None:
    """--fit-at: once the history is long enough, the learner's FSRS parameters are fitted and
    kept in its profile (the plan's forecast then uses them)."""
    import tomllib

    import simulate as sim

    monkeypatch.setattr(sim, "_WORLD", {})
    job = sim.Job("plan", "actr", 90, (40,), 0, 0, fit_at)
    [row] = sim.run_job(job, "generated", 300, 1, tmp_path)
    assert row.fitted is fitted and row.forecast is not None
    [profile] = tmp_path.glob("p*/home/users/*/profile.toml")
    assert ("fsrs" in tomllib.loads(profile.read_text())) == bool(fitted)
