"""The calibration of `stats --json`, scored once and then only for the grades added since.

Whatever the cache does (start cold, go on from a mark, meet a new month, an undo, a change of
parameters, a broken state file), the figures must equal a fresh scoring of the whole history.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable
from datetime import timedelta

import pytest

from fitlearner import log_entries, simulate, varied
from flashprep.core.scheduling.fitmetrics import FitSums, score
from flashprep.core.scheduling.memorymodel import Memory, Prediction, follow, predictions
from flashprep.core.scheduling.parameters import DEFAULT_PARAMETERS
from flashprep.core.scheduling.recallshift import ShiftSums
from flashprep.core.stats import modelfit
from flashprep.core.stats.history import History
from flashprep.core.stats.historycache import HistoryReader
from flashprep.core.stats.modelfit import (
    CALIBRATION_FILE,
    CalibrationCache,
    calibration,
    card_histories,
)
from flashprep.core.storage.logread import read_all
from flashprep.core.storage.userstore import UserStore

from helpers import FakeClock

TRUTHS = (
    varied(DEFAULT_PARAMETERS, {8: 0.6, 10: 0.7, 20: 2.0}),
    varied(DEFAULT_PARAMETERS, {0: 2.0, 2: 0.5, 11: 1.3}),
)


def random_history(seed: int, grades: int = 3000, cards: int = 60) -> History:
    """Grades of several decks in time order, with forgotten cards (new again), same-day steps,
    and clocks that went back (a grade before the one it follows)."""
    rng = random.Random(seed)
    ts = 1_700_000_000.0
    seen: set[str] = set()
    rows = []
    for _ in range(grades):
        ts += rng.choice([30.0, 600.0, 86_400.0 * rng.randint(1, 40), -3600.0])
        card = f"{rng.choice(['a', 'b', 'c'])}/k{rng.randrange(cards)}"
        new = card not in seen or rng.random() < 0.02
        seen.add(card)
        rows.append((ts, card, rng.choice([1, 2, 3, 3, 3, 4]), 1000, "learn", 0.0, new))
    return History(*(list(column) for column in zip(*rows, strict=True)))


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("weights", [DEFAULT_PARAMETERS, *TRUTHS])
def test_following_grades_in_time_order_predicts_as_the_model_does_card_by_card(
    seed: int, weights: tuple[float, ...]
) -> None:
    history = random_history(seed)
    memory: dict[str, Memory] = {}
    grades = zip(history.ts, history.card, history.rating, history.new, strict=True)
    followed = [p for _, p in follow(weights, memory, grades)]
    expected = predictions(weights, card_histories(history))
    assert sorted(followed) == sorted(expected)
    # and in two parts, the second going on from the memory the first left
    half = len(history) // 2
    memory = {}
    parts = []
    for part in (history[:half], history[half:]):
        grades = zip(part.ts, part.card, part.rating, part.new, strict=True)
        parts += [p for _, p in follow(weights, memory, grades)]
    assert parts == followed


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_fit_sums_of_parts_in_any_order_give_the_same_fit(seed: int) -> None:
    rng = random.Random(seed)
    preds = [Prediction(r, rng.random() < r, 0) for r in (rng.random() ** 0.2 for _ in range(900))]
    whole = score(preds)
    for _ in range(3):
        cuts = sorted(rng.sample(range(1, len(preds)), 4))
        parts = [preds[a:b] for a, b in zip([0, *cuts], [*cuts, len(preds)], strict=True)]
        rng.shuffle(parts)
        total = FitSums()
        for part in parts:
            sums = FitSums()
            for p in part:
                sums.add(p.recall, p.passed)
            total.merge(FitSums.from_list(sums.to_list()))
        assert total.fit() == whole


@pytest.mark.parametrize("seed", [7, 8])
@pytest.mark.parametrize("deck", [None, "a", "c", "none"])
def test_the_calibration_by_deck_is_the_calibration_of_that_decks_cards(
    seed: int, deck: str | None
) -> None:
    history = random_history(seed)
    got = calibration(history, None, deck)
    expected = score(predictions(DEFAULT_PARAMETERS, card_histories(history, deck))).as_json()
    every = ShiftSums()  # the forecast's shift: every deck's grades, whichever deck is shown
    for p in predictions(DEFAULT_PARAMETERS, card_histories(history)):
        every.add(p.recall, p.passed)
    shift = round(every.fit(), 4)
    assert got == {"parameters": "default", **expected, "recall_shift": shift}


def read(store: UserStore) -> tuple[History, HistoryReader]:
    reader = HistoryReader(store)
    return reader.load(), reader


def calibrate(
    store: UserStore, deck: str | None = None, parameters: tuple[float, ...] | None = None
) -> tuple[dict[str, object], int]:
    """The calibration through the caches, and how many grades it scored."""
    history, reader = read(store)
    cache = CalibrationCache(reader.folder, reader.marks, reader.stable)
    got = calibration(history, parameters, deck, cache)
    scored = len(history) - cache.resumed_at
    reader.save()
    cache.save()
    return got, scored


def whole(
    store: UserStore, deck: str | None = None, parameters: tuple[float, ...] | None = None
) -> dict[str, object]:
    """The calibration of the whole history, scored afresh."""
    return calibration(read(store)[0], parameters, deck)


@pytest.fixture
def studied(make_store: Callable[..., UserStore], clock: FakeClock) -> UserStore:
    """A store whose log has months of imported history, then grades of its own."""
    store = make_store()
    first = simulate(DEFAULT_PARAMETERS, cards=40, days=90, new_per_day=3, seed=1)
    second = simulate(TRUTHS[0], cards=20, days=90, new_per_day=2, seed=2)
    store.import_entries(log_entries(first, "one") + log_entries(second, "two"))
    clock.now = max(e.at for e in read_all(store.paths.reviews)) + timedelta(days=3)
    return store


@pytest.mark.parametrize("deck", [None, "one", "two"])
def test_cold_warm_and_incremental_calibrations_are_the_same(
    studied: UserStore, clock: FakeClock, deck: str | None
) -> None:
    store = studied
    cold, scored = calibrate(store, deck)
    assert cold == whole(store, deck) and scored == len(read(store)[0])
    warm, scored = calibrate(store, deck)
    assert warm == cold and scored < len(read(store)[0])  # only the newest month
    for key in ("one/c00001", "two/c00002", "one/c00003"):
        store.grade(key, 1)
        clock.advance(days=2)
        got, _ = calibrate(store, deck)
        assert got == whole(store, deck)
    store.undo()
    got, _ = calibrate(store, deck)
    assert got == whole(store, deck)
    clock.advance(days=40)  # a new month: the mark moves on
    store.grade("one/c00001", 3)
    got, _ = calibrate(store, deck)
    assert got == whole(store, deck)
    got, scored = calibrate(store, deck)
    assert got == whole(store, deck) and scored == 1  # only the new month's grade


@pytest.mark.parametrize("deck", [None, "one", "three"])
def test_a_change_before_the_mark_scores_from_there_again(
    studied: UserStore, clock: FakeClock, deck: str | None
) -> None:
    store = studied
    calibrate(store, deck)
    calibrate(store, deck)
    older = simulate(TRUTHS[1], cards=10, days=60, new_per_day=2, seed=3)
    store.import_entries(log_entries(older, "three"))  # into the earlier months
    got, _ = calibrate(store, deck)
    assert got == whole(store, deck)
    calibrate(store, deck)
    first = sorted(store.paths.reviews.rglob("*.toml"))[0]  # a hand edit: Good becomes Again
    text = first.read_text()
    first.write_text(text.replace("rating = 3", "rating = 1", 1))
    got, _ = calibrate(store, deck)
    assert got == whole(store, deck)


def test_other_parameters_or_a_broken_state_score_everything_again(studied: UserStore) -> None:
    store = studied
    calibrate(store)
    got, scored = calibrate(store, None, TRUTHS[1])
    assert got == whole(store, None, TRUTHS[1]) and scored == len(read(store)[0])
    path = store.paths.cache_history / CALIBRATION_FILE
    for junk in (b"", b"{", b'{"v": 1}', b"[1, 2]", path.read_bytes().replace(b"[", b"{", 3)):
        path.write_bytes(junk)
        got, scored = calibrate(store)
        assert got == whole(store) and scored == len(read(store)[0])


def states_after(store: UserStore, deck: str | None) -> tuple[dict[str, object], bytes, int]:
    """A cold calibration (its state deleted) through the caches: the figures, the state file
    it keeps at the mark, and how many grades it scored."""
    (store.paths.cache_history / CALIBRATION_FILE).unlink(missing_ok=True)
    got, scored = calibrate(store, deck)
    return got, (store.paths.cache_history / CALIBRATION_FILE).read_bytes(), scored


@pytest.mark.parametrize("processes", [2, 3])
@pytest.mark.parametrize("deck", [None, "one"])
@pytest.mark.parametrize("how", ["split", "child dies", "no fork"])
def test_a_calibration_split_by_card_is_the_same_to_the_bit(
    studied: UserStore,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    processes: int,
    deck: str | None,
    how: str,
) -> None:
    """Scored by card in several processes (as the cold replay splits), or here again after a
    child died or could not start: the same figures and the same state file at the mark, cold
    and then going on from the state after new grades."""
    store = studied
    expected = states_after(store, deck)
    from flashprep.core.stats import splitreplay

    forked: list[int] = []
    fork = splitreplay._fork

    def counted(*args: object) -> object:
        forked.append(1)
        return fork(*args)  # type: ignore[arg-type]

    parent = os.getpid()
    with monkeypatch.context() as patch:
        patch.setattr(splitreplay, "PARALLEL_FROM", 0)
        patch.setattr(splitreplay, "processes_here", lambda: processes)
        patch.setattr(splitreplay, "_fork", counted)
        if how == "child dies":
            follow_ = modelfit.follow

            def dying(*args: object) -> object:
                if os.getpid() != parent:
                    os._exit(3)
                return follow_(*args)  # type: ignore[arg-type]

            patch.setattr(modelfit, "follow", dying)
        elif how == "no fork":
            patch.setattr(splitreplay.os, "fork", lambda: (_ for _ in ()).throw(OSError()))
        assert states_after(store, deck) == expected
        assert forked
        store.grade("one/c00001", 1)
        clock.advance(days=40)  # a new month: the mark moves on
        store.grade("two/c00002", 3)
        got, scored = calibrate(store, deck)
        assert 0 < scored < len(read(store)[0])  # went on from the state kept
    assert got == whole(store, deck)
    assert states_after(store, deck)[0] == got
    try:
        os.waitpid(-1, os.WNOHANG)
        raise AssertionError("a child left")
    except ChildProcessError:
        pass


def test_the_state_is_kept_in_key_order(studied: UserStore) -> None:
    """Cards and decks in key order: the bytes do not depend on which process scored what."""
    states_after(studied, None)
    doc = json.loads((studied.paths.cache_history / CALIBRATION_FILE).read_bytes())
    assert list(doc["memory"]) == sorted(doc["memory"]) and len(doc["memory"]) > 10
    assert list(doc["decks"]) == sorted(doc["decks"]) == ["one", "two"]


@pytest.mark.parametrize("processes", [1, 2, 3])
@pytest.mark.parametrize("how", ["split", "child dies", "warm"])
def test_work_meanwhile_is_done_once_here(
    studied: UserStore, monkeypatch: pytest.MonkeyPatch, processes: int, how: str
) -> None:
    """The statistics computed while a child scores (or after, when the scoring is not split
    or goes on from its state): once, in this process, and the figures are the same."""
    from flashprep.core.stats import splitreplay

    store = studied
    expected = whole(store)
    if how == "warm":
        calibrate(store)
    monkeypatch.setattr(splitreplay, "PARALLEL_FROM", 0)
    monkeypatch.setattr(splitreplay, "processes_here", lambda: processes)
    parent = os.getpid()
    if how == "child dies":
        monkeypatch.setattr(splitreplay, "_quiet_child", lambda: os._exit(3))
    done: list[int] = []
    history, reader = read(store)
    cache = CalibrationCache(reader.folder, reader.marks, reader.stable)
    got = calibration(history, None, None, cache, lambda: done.append(os.getpid()))
    assert done == [parent]
    assert got == expected
