"""`flashprep optimize` on a user's files: better parameters go to profile.toml's [fsrs] and the
schedule is replayed under them; the review log is never touched; --dry-run, too little history,
worse parameters, a broken profile and Ctrl-C leave every file as it was."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from fitlearner import log_entries, simulate, varied
from flashprep.cli import main
from flashprep.core.paths import Home
from flashprep.core.scheduling import fitting
from flashprep.core.scheduling.optimizer import scored_count
from flashprep.core.scheduling.parameters import DEFAULT_PARAMETERS, clamped, parameters_problem
from flashprep.core.stats.historycache import load_history, replay_key
from flashprep.core.stats.modelfit import calibration, card_histories
from flashprep.core.storage.fittedparams import keep_parameters
from flashprep.core.storage.userstore import UserStore

from helpers import FakeClock

Capture = pytest.CaptureFixture[str]
Make = Callable[..., UserStore]
TRUTH = varied(DEFAULT_PARAMETERS, {8: 0.6, 10: 0.7, 20: 2.0})
"""A learner who forgets faster than the defaults expect (a fit clearly helps)."""


def run_cli(capsys: Capture, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def with_history(make_store: Make, cards: int = 600) -> UserStore:
    store = make_store()
    history = simulate(TRUTH, cards=cards, days=150, new_per_day=8, seed=1)
    store.import_entries(log_entries(history))
    return store


def files(folder: Path) -> dict[str, bytes]:
    """Every file of the user's that is not a disposable cache, by its path."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "cache" not in p.parts and p.name != "lock"
    }


def replayed(home: Home) -> dict[str, object]:
    """The schedule a full replay of the log gives under the profile as it is on disk."""
    fresh = UserStore(home, "tester")
    return dict(fresh.states)


def test_better_parameters_are_kept_and_the_schedule_replayed(
    make_store: Make, home: Home, capsys: Capture
) -> None:
    store = with_history(make_store)
    folder = store.folder
    log_before = {p.name: p.read_bytes() for p in store.log_dir.iterdir()}
    states_before = dict(store.states)
    key_before = replay_key(store)
    code, out, err = run_cli(capsys, "optimize", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["kept"] and result["better"]
    assert result["after"]["log_loss"] < result["before"]["log_loss"]
    fsrs = tomllib.loads((folder / "profile.toml").read_text())["fsrs"]
    assert parameters_problem(fsrs["parameters"]) is None
    assert fsrs["parameters"] != list(DEFAULT_PARAMETERS)
    assert [round(v, 4) for v in fsrs["parameters"]] == result["parameters"]
    # the log is the truth and stays as it was; the states derived from it are replayed
    assert {p.name: p.read_bytes() for p in store.log_dir.iterdir()} == log_before
    after = UserStore(home, "tester")
    assert after.settings.parameters == tuple(fsrs["parameters"])
    assert after.states != states_before
    assert replay_key(after) != key_before  # the statistics' history cache is rebuilt
    (folder / "state.toml").unlink()
    (folder / "cache" / "state.bin").unlink()
    assert replayed(home) == after.states  # the checkpoint is what a full replay gives
    code, out, _ = run_cli(capsys, "stats", "--json")
    calibration = json.loads(out)["calibration"]
    assert calibration["parameters"] == "fitted" and calibration["reviews"] > 0
    default = calibration["default"]  # the defaults beside, scored on the same reviews
    assert default["reviews"] == calibration["reviews"]
    assert default["log_loss"] > calibration["log_loss"]


def test_dry_run_keeps_nothing(make_store: Make, capsys: Capture) -> None:
    store = with_history(make_store)
    store.checkpoint()
    before = files(store.folder)
    code, out, _ = run_cli(capsys, "optimize", "--dry-run")
    assert code == 0
    assert "predict better" in out and "--dry-run: nothing kept" in out
    assert "log loss" in out and "RMSE(bins)" in out and "Calibration" in out
    assert files(store.folder) == before


@pytest.mark.parametrize("cards", [0, 20, 100])
def test_too_little_history_is_not_fitted_and_says_how_much_is_needed(
    make_store: Make, capsys: Capture, cards: int
) -> None:
    store = with_history(make_store, cards) if cards else make_store()
    before = files(store.folder)
    code, out, _ = run_cli(capsys, "optimize")
    assert code == 0
    assert out.startswith("Not fitted: a fit needs 1,000 reviews") and "your history has" in out
    code, out, _ = run_cli(capsys, "optimize", "--json")
    data = json.loads(out)
    assert data["kept"] is False and data["needed"] == fitting.MIN_REVIEWS
    assert data["reviews"] < fitting.MIN_REVIEWS
    assert files(store.folder) == before


def test_parameters_that_predict_worse_are_not_kept(
    make_store: Make, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = with_history(make_store)
    store.checkpoint()
    before = files(store.folder)
    worse = clamped([v * 3 for v in DEFAULT_PARAMETERS])
    monkeypatch.setattr(fitting, "fit", lambda *args, **kwargs: worse)
    code, out, _ = run_cli(capsys, "optimize")
    assert code == 0 and "Kept the default parameters: the new ones predict no better" in out
    assert files(store.folder) == before


@pytest.mark.parametrize("call", [1, 2])
def test_ctrl_c_during_the_fit_leaves_every_file_as_it_was(
    make_store: Make, capsys: Capture, monkeypatch: pytest.MonkeyPatch, call: int
) -> None:
    store = with_history(make_store)
    store.checkpoint()
    before = files(store.folder)
    real = fitting.fit
    calls: list[int] = []

    def interrupted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == call:  # the first fit (on the earlier reviews) or the refit on all
            raise KeyboardInterrupt
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(fitting, "fit", interrupted)
    assert main(["optimize"]) == 130
    assert files(store.folder) == before
    monkeypatch.setattr(fitting, "fit", real)
    code, _, err = run_cli(capsys, "optimize", "--dry-run")
    assert code == 0, err  # the user's lock was let go


@pytest.mark.parametrize(
    ("table", "field"),
    [
        ("parameters = [1.0, 2.0]", "fsrs.parameters"),
        ("parameters = [" + ", ".join(["0.5"] * 21) + "]", "fsrs.parameters"),
        ('parameters = ["fast"]', "fsrs.parameters.0"),
        ("weights = []", "fsrs"),
        (
            "parameters = [" + ", ".join(map(str, DEFAULT_PARAMETERS)) + "]\nreviews = -1",
            "fsrs.reviews",
        ),
    ],
)
def test_a_broken_fsrs_table_is_reported_and_never_overwritten(
    make_store: Make, capsys: Capture, table: str, field: str
) -> None:
    store = with_history(make_store, 30)
    path = store.folder / "profile.toml"
    raw = path.read_bytes() + f"\n[fsrs]\n{table}\n".encode()
    path.write_bytes(raw)
    for args in (["optimize"], ["stats", "--json"], ["decks", "--json"]):
        code, _, err = run_cli(capsys, *args)
        assert code == 2
        assert err.startswith("flashprep: error: ") and "profile.toml" in err
        assert f"'{field}" in err and err.count("\n") == 1
    assert path.read_bytes() == raw


def test_back_to_the_defaults_replays_under_them(make_store: Make, home: Home) -> None:
    store = with_history(make_store)
    default_states = dict(store.states)
    fitted = clamped([v * 1.3 for v in DEFAULT_PARAMETERS])
    keep_parameters(store, fitted, store.today(), 1)
    assert UserStore(home, "tester").states == store.states != default_states
    keep_parameters(store, None, store.today(), 0)
    assert "fsrs" not in tomllib.loads(store.profile_path.read_text())
    assert UserStore(home, "tester").states == store.states == default_states
    with pytest.raises(ValueError, match="parameter 20"):
        keep_parameters(store, (*fitted[:20], 5.0), store.today(), 0)


def test_each_card_history_starts_at_its_first_grade_or_a_forget(
    make_store: Make, clock: FakeClock
) -> None:
    store = make_store()
    for rating in (3, 3):
        store.grade("d/a", rating)
        clock.advance(days=2)
    store.grade("d/b", 1)
    store.record("d/a", "forget")
    clock.advance(days=1)
    store.grade("d/a", 4)
    cards = card_histories(load_history(store))
    assert [c.ratings for c in cards] == [(3, 3), (1,), (4,)]
    assert all(list(c.ms) == sorted(c.ms) for c in cards)


def test_calibration_counts_the_scored_reviews_of_the_decks_asked_for(make_store: Make) -> None:
    store = make_store()
    first = simulate(TRUTH, cards=60, days=60, new_per_day=3, seed=1)
    second = simulate(TRUTH, cards=30, days=60, new_per_day=3, seed=2)
    store.import_entries(log_entries(first, "one") + log_entries(second, "two"))
    history = load_history(store)
    both = calibration(history, None)
    one = calibration(history, None, "one")
    assert both["parameters"] == one["parameters"] == "default"
    assert one["reviews"] == scored_count(first, None)
    assert both["reviews"] == scored_count(first, None) + scored_count(second, None)
    assert sum(b["reviews"] for b in both["bins"]) == both["reviews"]
    fitted = calibration(history, TRUTH, "one")
    assert fitted["parameters"] == "fitted" and fitted["log_loss"] != one["log_loss"]
