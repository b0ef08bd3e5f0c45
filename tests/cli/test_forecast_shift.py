"""The forecast of recall on the interview date, corrected by the user's recall shift: the same in
`stats --json` (cold or warm), `plan --json`, `flashprep plan` and the core that computes it.
"""

from __future__ import annotations

import io
import json
import shutil
import sys
from datetime import timedelta

import pytest

from flashprep.cli import main
from flashprep.core.clock import study_day, system_clock
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.interview.plan import readiness
from flashprep.core.interview.projection import forecast
from flashprep.core.paths import Home
from flashprep.core.scheduling.scheduler import Rating
from flashprep.core.storage.userstore import UserStore
from flashprep.format import forecast_sentence

from helpers import FakeClock

Capture = pytest.CaptureFixture[str]


def run(capsys: Capture, *args: str) -> str:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def studied(home: Home, ratings: tuple[int, ...]) -> None:
    """Rounds of grades on a deck's cards, some days apart, ending before today."""
    keys = DeckLibrary.load(home).card_keys(["python"])[:10]
    clock = FakeClock(system_clock() - timedelta(days=120))
    store = UserStore(home, "tester", clock)
    for round_ in range(12):
        for index, key in enumerate(keys):
            store.grade(key, Rating(ratings[(round_ + index) % len(ratings)]), 5000)
            clock.advance(minutes=3)
        clock.advance(days=9)


@pytest.mark.parametrize(
    "ratings",
    [(3,), (3, 3, 3, 4), (1, 3), (1, 1, 3)],  # recalled more, or less, than the model expects
)
def test_stats_and_plan_forecast_with_the_users_shift(
    capsys: Capture, home: Home, ratings: tuple[int, ...]
) -> None:
    studied(home, ratings)
    day = (study_day(system_clock()) + timedelta(days=20)).isoformat()
    run(capsys, "plan", "--date", day, "--deck", "python", "--deck", "algorithms")
    warm = run(capsys, "stats", "--json")
    stats = json.loads(warm)
    shift = stats["calibration"]["recall_shift"]
    assert shift != 0.0 and (shift > 0) == (3 in ratings and 1 not in ratings)
    store = UserStore(home, "tester")
    library = DeckLibrary.load(home)
    expected = [t.to_json() for t in readiness(library, store, shift=shift)]
    unshifted = [t.to_json() for t in readiness(library, store)]
    assert stats["readiness"] == expected != unshifted
    python = {r["topic"]: r for r in stats["readiness"]}["python"]
    before = {r["topic"]: r for r in unshifted}["python"]
    assert (python["recall_on_date"] - before["recall_on_date"]) * shift > 0
    assert python["below_target"] == before["below_target"]  # the plan's own count
    # cold (every cache deleted) and warm again: the same bytes
    shutil.rmtree(home.user_dir("tester") / "cache")
    assert run(capsys, "stats", "--json") == warm == run(capsys, "stats", "--json")
    plan = json.loads(run(capsys, "plan", "--json"))
    assert plan["readiness"] == stats["readiness"]
    predicted = forecast(library, store, shift=shift)
    plain = forecast(library, store)
    assert predicted is not None and plain is not None
    assert plan["forecast"]["recall_on_date"] == round(predicted.predicted, 4)
    assert (predicted.predicted - plain.predicted) * shift > 0
    assert plan["forecast"]["sentence"] == forecast_sentence(predicted)
    assert forecast_sentence(predicted) in run(capsys, "plan").splitlines()


def test_without_grades_there_is_no_shift(capsys: Capture, home: Home) -> None:
    day = (study_day(system_clock()) + timedelta(days=10)).isoformat()
    run(capsys, "plan", "--date", day, "--deck", "python")
    stats = json.loads(run(capsys, "stats", "--json"))
    assert stats["calibration"]["recall_shift"] == 0.0
    assert all(r["recall_on_date"] == 0.0 for r in stats["readiness"])


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plan_shows_progress_on_a_terminal_while_it_reads_a_history_without_its_cache(
    capsys: Capture, home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    studied(home, (3, 1))
    day = (study_day(system_clock()) + timedelta(days=20)).isoformat()
    run(capsys, "plan", "--date", day, "--deck", "python")
    warm = run(capsys, "plan", "--json")
    shutil.rmtree(home.user_dir("tester") / "cache")
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert run(capsys, "plan", "--json") == warm  # the same plan from a cold read
    shown = terminal.getvalue()
    assert "reading your review history [" in shown and "100%" in shown
    assert shown.endswith("\r\033[K")  # the line is cleared before the JSON
    terminal.seek(0)
    terminal.truncate()
    assert run(capsys, "plan", "--json") == warm
    assert "reading" not in terminal.getvalue()  # warm: nothing to show
