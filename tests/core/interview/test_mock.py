"""Mock interviews: choosing a round, logging it apart from the schedule, applying it, its record;
and answer times against their targets."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.files.tomlerrors import DataFileError
from flashprep.core.interview.mock import MockRound, load_history, load_record
from flashprep.core.interview.mockquestions import MockOptions, choose_questions, parse_mix
from flashprep.core.interview.timing import card_target, is_over, time_by_topic
from flashprep.core.scheduling.scheduler import CardState
from flashprep.core.storage.logread import read_all
from flashprep.core.storage.reviewlog import LogEntry
from flashprep.core.storage.userstore import UserStore

from helpers import FakeClock


def test_mix_parsing() -> None:
    assert parse_mix("behavioral:2, technical:3") == {"behavioral": 2, "technical": 3}
    assert parse_mix("technical:1,technical:2") == {"technical": 3}
    for bad, why in [
        ("behavioural:2", "unknown category"),
        ("behavioral", "CATEGORY:COUNT"),
        ("behavioral:x", "CATEGORY:COUNT"),
        ("behavioral:0", "count must be"),
        ("", "empty mix"),
    ]:
        with pytest.raises(ValueError, match=why):
            parse_mix(bad)


def test_round_mixes_categories_and_fits_the_time(library: DeckLibrary, store: UserStore) -> None:
    # targets: alpha/a1 30 s, other alpha cards 60 s (technical), beta 120 s (behavioral)
    everything = choose_questions(library, store, MockOptions(minutes=60), seed=1)
    assert sorted(everything) == sorted(library.card_keys())
    categories = [k.split("/")[0] for k in everything]
    assert categories[:4] == ["beta", "alpha", "beta", "alpha"]  # taking turns
    short = choose_questions(library, store, MockOptions(minutes=3), seed=1)
    assert sum(card_target(library, k) or 0 for k in short) <= 180
    assert len(short) == 2
    tiny = choose_questions(library, store, MockOptions(minutes=1), seed=1)
    assert len(tiny) == 1  # a round always has a question


def test_mix_and_decks_choose_the_questions(library: DeckLibrary, store: UserStore) -> None:
    round_ = choose_questions(library, store, MockOptions(minutes=30, mix={"behavioral": 1}))
    assert len(round_) == 1 and round_[0].startswith("beta/")
    only_alpha = choose_questions(library, store, MockOptions(deck_ids=["alpha"]))
    assert {k.split("/")[0] for k in only_alpha} == {"alpha"}


def test_weak_and_overdue_cards_come_first(
    library: DeckLibrary, store: UserStore, clock: FakeClock
) -> None:
    now = clock.now
    store.data.states["alpha/a3"] = CardState(
        "review", None, 2.0, 5.0, now - timedelta(days=3), now - timedelta(days=5)
    )
    store.data.states["alpha/a2"] = CardState(
        "review", None, 100.0, 5.0, now + timedelta(days=90), now - timedelta(days=1)
    )
    store.data.states["alpha/a1"] = CardState("new", suspended=True)
    order = choose_questions(library, store, MockOptions(deck_ids=["alpha"]), seed=3)
    assert order == ["alpha/a3", "alpha/a2"]  # overdue first; suspended left out


def test_a_round_is_logged_apart_and_kept(
    library: DeckLibrary, store: UserStore, clock: FakeClock
) -> None:
    mock = MockRound.start(library, store, MockOptions(minutes=10, mix={"behavioral": 2}), seed=1)
    assert mock.questions and mock.current == mock.questions[0]
    first = mock.current
    answer = mock.answer(3, 130_000)
    assert answer.over and answer.target_seconds == 120
    clock.advance(minutes=3)
    assert not mock.answer(2, 60_000).over
    assert mock.current is None
    mock.finish()
    entries = list(read_all(store.log_dir))
    assert [(e.card, e.rating, e.mode) for e in entries] == [
        (first, 3, "mock"),
        (mock.questions[1], 2, "mock"),
    ]
    assert store.states == {}  # the schedule did not move
    record = load_record(mock.path)
    assert record.finished and not record.applied
    assert [(a.card, a.rating, a.ms, a.over) for a in record.answers] == [
        (first, 3, 130_000, True),
        (mock.questions[1], 2, 60_000, False),
    ]
    assert mock.path.parent == store.folder / "mock"


def test_applying_a_round_grades_its_cards_once(
    library: DeckLibrary, store: UserStore, make_store: object
) -> None:
    mock = MockRound.start(library, store, MockOptions(mix={"technical": 2}), seed=1)
    mock.answer(4, 10_000)
    mock.answer(1, 20_000)
    mock.finish()
    assert mock.apply() == 2
    assert mock.apply() == 0  # once only
    entries = list(read_all(store.log_dir))
    applied = [e for e in entries if e.mode == "drill"]
    assert [(e.card, e.rating, e.ms) for e in applied] == [
        (mock.questions[0], 4, 0),
        (mock.questions[1], 1, 0),
    ]
    assert store.state(mock.questions[0]).state == "review"
    assert load_record(mock.path).applied


def test_history_lists_rounds_and_reports_broken_files(
    library: DeckLibrary, store: UserStore, clock: FakeClock
) -> None:
    for _ in range(2):
        mock = MockRound.start(library, store, MockOptions(mix={"behavioral": 1}))
        mock.answer(3, 1000)
        mock.finish()
        clock.advance(days=1)
    broken = store.folder / "mock" / "2020-01-01T000000Z.toml"
    broken.write_text(
        'started = 2020-01-01T00:00:00Z\nminutes = 5\n\n[[answers]]\ncard = "beta/b1"\nrating = 9\n'
    )
    rounds, errors = load_history(store)
    assert len(rounds) == 2
    assert rounds[0][1].started < rounds[1][1].started
    assert len(errors) == 1
    assert "line 6: answer #1: field 'rating'" in str(errors[0])
    with pytest.raises(DataFileError):
        load_record(Path(broken))


def test_time_by_topic_counts_answers_over_their_target(library: DeckLibrary) -> None:
    at = FakeClock().now

    def entry(card: str, ms: int, mode: str = "drill", action: str = "grade") -> LogEntry:
        return LogEntry("x", at, card, 3 if action == "grade" else None, action, ms, mode)

    entries = [
        entry("alpha/a1", 40_000),  # target 30 s: over
        entry("alpha/a2", 50_000),  # target 60 s (technical)
        entry("beta/b1", 130_000, mode="mock"),  # 120 s: over
        entry("beta/b2", 0),  # no time: left out
        entry("alpha/a3", 90_000, mode="import"),  # not ours
        entry("gone/x", 9_000),  # card removed
        entry("alpha/a3", 0, action="bury"),
    ]
    times = {t.topic: t for t in time_by_topic(library, entries)}
    assert list(times) == ["alpha", "beta"]
    assert times["alpha"].answers == 2 and times["alpha"].over == 1
    assert times["alpha"].mean_s == 45.0 and times["alpha"].target_s == 45.0
    assert times["alpha"].over_share == 0.5
    assert times["beta"].answers == 1 and times["beta"].over_share == 1.0
    assert is_over(30_001, 30) and not is_over(30_000, 30)


# --- applying is all or nothing, and a retry never grades a card twice (D5) ---------------------


def _answered_round(library: DeckLibrary, store: UserStore, clock: FakeClock) -> MockRound:
    mock = MockRound.start(library, store, MockOptions(minutes=60), seed=2)
    for rating in (4, 1, 3, 2):
        if mock.current is None:
            break
        mock.answer(rating, 5_000)
        clock.advance(seconds=30)
    mock.finish()
    assert len(mock.answers) >= 3
    return mock


def _applied_grades(store: UserStore) -> list[str]:
    return [e.card for e in read_all(store.log_dir) if e.mode == "drill"]


@pytest.mark.parametrize(
    ("failing", "after_calls"),
    [("write", 0), ("fsync", 0), ("fsync", 1), ("replace", 0)],
)
def test_a_failed_apply_and_its_retry_grade_each_card_once(
    library: DeckLibrary,
    make_store: Any,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    failing: str,
    after_calls: int,
) -> None:
    """The disk fills (or fails) while the grades are appended or the round is saved; the
    round is applied again, in the same session and after a restart."""
    import errno

    import flashprep.core.files.fileio as fileio

    store = make_store()
    mock = _answered_round(library, store, clock)
    expected = [a.card for a in mock.answers]
    real = getattr(os, failing)
    calls = {"n": 0}

    def full_disk(*args: Any) -> Any:
        calls["n"] += 1
        if calls["n"] > after_calls:
            if failing == "write":  # part of the bytes reach the file first
                real(args[0], bytes(args[1])[: len(args[1]) // 3])
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args)

    with monkeypatch.context() as patch:
        patch.setattr(fileio.os, failing, full_disk)
        with pytest.raises(OSError, match="No space"):
            mock.apply()
    graded = _applied_grades(store)
    assert graded in ([], expected)  # all or nothing
    assert not load_record(mock.path).applied and not mock.record.applied
    assert mock.apply() == len(expected) - len(graded)  # the retry adds only what is missing
    assert _applied_grades(store) == expected
    assert load_record(mock.path).applied
    again = MockRound(library, make_store(), load_record(mock.path), mock.path)
    assert again.apply() == 0
    reopened = make_store()
    assert _applied_grades(reopened) == expected
    assert {k: s.reps for k, s in reopened.states.items()} == dict.fromkeys(expected, 1)


def test_a_round_reapplied_from_its_file_after_a_lost_save_adds_nothing(
    library: DeckLibrary, make_store: Any, clock: FakeClock
) -> None:
    """The grades reached the log but `applied = true` did not reach the round's file (a kill
    between the two): applying the round again, after a restart, grades nothing twice."""
    store = make_store()
    mock = _answered_round(library, store, clock)
    unapplied = mock.path.read_bytes()
    assert mock.apply() == len(mock.answers)
    mock.path.write_bytes(unapplied)  # as if killed before the round was saved
    clock.advance(days=2)  # even on another day
    store = make_store()
    again = MockRound(library, store, load_record(mock.path), mock.path)
    assert again.apply() == 0 and load_record(mock.path).applied
    assert _applied_grades(store) == [a.card for a in mock.answers]
    # another round of the same cards is a different round: its grades count
    other = _answered_round(library, store, clock)
    assert other.path != mock.path
    assert other.apply() == len(other.answers)
