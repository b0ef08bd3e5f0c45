"""A card's details against a hand-written log: its history, the intervals grades gave, times,
recall now and on the interview date, linked stories, and text cleaned of escapes."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from flashprep.core.browse.details import CardDetails, HistoryRow, card_details
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.interview.plan import interview_instant
from flashprep.core.interview.stories import Story, StoryBank
from flashprep.core.paths import Home
from flashprep.core.storage.profile import Profile, save_profile
from flashprep.core.storage.userstore import UserStore

from helpers import START, FakeClock

Make = Callable[..., UserStore]
KEY = "alpha/a2"

LOG = """format = 1

[[review]]
id = "h1"
at = 2026-11-20T09:00:00Z
card = "alpha/a2"
rating = 3
ms = 4000

[[review]]
id = "o1"
at = 2026-11-20T09:05:00Z
card = "alpha/a22-not-this"
rating = 1
ms = 99000

[[review]]
id = "h2"
at = 2026-11-20T09:10:00Z
card = "alpha/a2"
rating = 1
ms = 6000

[[review]]
id = "h3"
at = 2026-11-20T09:12:00Z
card = "alpha/a2"
action = "bury"

[[review]]
id = "h4"
at = 2026-11-21T10:00:00Z
card = "alpha/a2"
mode = "mock"
rating = 4
ms = 11000

[[review]]
id = "h5"
at = 2026-11-21T10:30:00Z
card = "alpha/a2"
mode = "import"
rating = 3

[[review]]
id = "h6"
at = 2026-11-21T10:45:00Z
card = "alpha/a2"
rating = 3
"""


def write_profile(home: Home, interview: date | None) -> None:
    data: dict[str, object] = {"seed": 7, "settings": {"timezone": "UTC"}}
    if interview is not None:
        data["interview"] = {"date": interview.isoformat()}
    save_profile(home.user_dir("tester") / "profile.toml", Profile.model_validate(data))


@pytest.fixture
def logged(home: Home, make_store: Make) -> UserStore:
    write_profile(home, date(2026, 12, 20))
    store = make_store()
    store.log_dir.mkdir(parents=True, exist_ok=True)
    (store.log_dir / "2026-11.toml").write_text(LOG)
    return make_store()


def test_the_history_is_the_cards_entries_with_the_intervals_they_gave(
    library: DeckLibrary, logged: UserStore
) -> None:
    details = card_details(library, logged, KEY)
    rows = details.history
    assert [(r.at.isoformat(), r.action, r.rating, r.ms, r.mode) for r in rows] == [
        ("2026-11-20T09:00:00+00:00", "grade", 3, 4000, "drill"),
        ("2026-11-20T09:10:00+00:00", "grade", 1, 6000, "drill"),
        ("2026-11-20T09:12:00+00:00", "bury", None, 0, "drill"),
        ("2026-11-21T10:00:00+00:00", "grade", 4, 11000, "mock"),
        ("2026-11-21T10:30:00+00:00", "grade", 3, 0, "import"),
        ("2026-11-21T10:45:00+00:00", "grade", 3, 0, "drill"),
    ]
    minutes = [None if r.interval_days is None else r.interval_days * 1440 for r in rows]
    # learning steps 1 and 10 minutes: Good → the second step, Again → the first again
    assert minutes[0] == pytest.approx(10) and minutes[1] == pytest.approx(1)
    assert minutes[2] is None and minutes[3] is None  # a bury; a mock grade changes nothing
    assert minutes[4] == pytest.approx(10)
    assert rows[5].interval_days is not None and rows[5].interval_days >= 1  # graduated
    assert details.interval_days == pytest.approx(rows[5].interval_days)  # agrees with the schedule
    assert details.reps == 4 and details.lapses == 0 and details.state.state == "review"


def test_a_practice_grade_gives_no_interval_as_a_mock_grade(
    home: Home, make_store: Make, library: DeckLibrary
) -> None:
    """Practice (custom study without rescheduling) changes the schedule no more than a mock
    round: its row shows no interval, and the next grade's is the one it would be without it."""
    write_profile(home, None)
    store = make_store()
    store.log_dir.mkdir(parents=True, exist_ok=True)
    (store.log_dir / "2026-11.toml").write_text(LOG.replace('mode = "mock"', 'mode = "practice"'))
    rows = card_details(library, make_store(), KEY).history
    assert rows[3].mode == "practice" and rows[3].rating == 4
    assert rows[3].interval_days is None
    assert rows[4].interval_days == pytest.approx(10 / 1440)  # as if the practice grade was not


def test_times_recall_and_dates(library: DeckLibrary, logged: UserStore, clock: FakeClock) -> None:
    details = card_details(library, logged, KEY)
    assert details.average_ms == 7000  # 4000, 6000 and the mock's 11000; untimed grades left out
    state = logged.state(KEY)
    assert state.due is not None
    assert details.due == state.due.date() < START.date()  # overdue: the log is from last week
    assert details.status == "review"
    assert details.recall_now == logged.scheduler.retrievability(state, clock.now)
    assert details.interview_date == date(2026, 12, 20)
    on_date = logged.scheduler.retrievability(state, interview_instant(date(2026, 12, 20), None))
    assert details.recall_on_date == on_date
    assert details.recall_on_date is not None and details.recall_now is not None
    assert 0 < details.recall_on_date < details.recall_now <= 1
    assert details.stability == state.stability and details.difficulty == state.difficulty


def test_no_interview_date_no_recall_on_it(
    library: DeckLibrary, home: Home, make_store: Make
) -> None:
    write_profile(home, None)
    store = make_store()
    store.grade(KEY, 4)
    details = card_details(library, store, KEY)
    assert details.interview_date is None and details.recall_on_date is None
    assert details.recall_now is not None


def test_a_new_card_has_no_schedule_numbers(library: DeckLibrary, store: UserStore) -> None:
    details = card_details(library, store, "alpha/a3")
    assert details.status == "new" and details.state.is_new
    assert details.due is None and details.interval_days is None
    assert details.recall_now is None and details.recall_on_date is None
    assert details.average_ms is None and details.history == [] and details.stories == []
    assert (details.reps, details.lapses) == (0, 0)


def test_card_fields_come_from_the_deck(library: DeckLibrary, store: UserStore) -> None:
    details = card_details(library, store, "alpha/a1")
    assert (details.deck_id, details.deck_name) == ("alpha", "Alpha questions")
    assert details.front == "What is 2 + [2]?"
    assert details.back.startswith("**Four.**")
    assert details.tags == ["math"] and details.level == "junior"
    assert details.target_seconds == 30
    assert card_details(library, store, "alpha/a2").target_seconds == 60  # technical default


@pytest.mark.parametrize(
    "payload",
    ["\\u001b[31mred", "\\u001b]0;title\\u0007x", "\\u009b2J", "bell\\u0007", "\\u001bc"],
)
def test_text_from_the_deck_reaches_no_terminal_raw(
    home: Home, decks_dir: Path, store: UserStore, payload: str
) -> None:
    path = decks_dir / "alpha.toml"
    raw = path.read_text()
    raw = raw.replace('front = "What is 2 + [2]?"', f'front = "Q {payload}"\nhint = "h {payload}"')
    raw = raw.replace('back = "**Four.**', f'back = "{payload} **Four.**')
    path.write_text(raw)
    details = card_details(DeckLibrary.load(home, decks_dir), store, "alpha/a1")
    for text in (details.front, details.back, details.hint or ""):
        assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text
    assert details.front.startswith("Q ") and details.hint is not None
    assert "\x1b" not in json.dumps(details.to_json(), ensure_ascii=False)


def test_linked_stories_are_listed_by_title(library: DeckLibrary, store: UserStore) -> None:
    bank = StoryBank(
        stories=[
            Story(id="one", title="Led the migration", questions=[KEY, "beta/b1"]),
            Story(id="two", title="Other", questions=["beta/b1"]),
            Story(id="three", title="Also \x1b[2Jthis", questions=[KEY]),
        ]
    )
    details = card_details(library, store, KEY, bank)
    assert details.stories[0] == "Led the migration"
    assert len(details.stories) == 2 and "\x1b" not in details.stories[1]
    assert card_details(library, store, "alpha/a1", bank).stories == []


@pytest.mark.parametrize("key", ["alpha/nope", "gone/a1", "alpha", "", "alpha/a1/x"])
def test_an_unknown_card_is_a_key_error(library: DeckLibrary, store: UserStore, key: str) -> None:
    with pytest.raises(KeyError):
        card_details(library, store, key)


def test_to_json_holds_plain_values(library: DeckLibrary, logged: UserStore) -> None:
    details = card_details(library, logged, KEY)
    data = details.to_json()
    again = json.loads(json.dumps(data))
    assert again == data
    assert data["key"] == KEY and data["status"] == "review" and data["due"] == str(details.due)
    assert data["interview_date"] == "2026-12-20"
    assert [h["at"] for h in data["history"]][:2] == [
        "2026-11-20T09:00:00Z",
        "2026-11-20T09:10:00Z",
    ]
    assert [h["mode"] for h in data["history"]] == [r.mode for r in details.history]
    documented = CardDetails.to_json.__doc__ or ""
    for name in data:
        assert name in documented, name
    for name in data["history"][0]:
        assert name in documented, name


def test_a_schedule_action_shows_in_the_history(
    library: DeckLibrary, store: UserStore, clock: FakeClock
) -> None:
    store.grade(KEY, 4)
    clock.advance(minutes=1)
    store.record_many([KEY], "due")
    details = card_details(library, store, KEY)
    assert [r.action for r in details.history] == ["grade", "due"]
    assert details.history[-1] == HistoryRow(clock.now, "due", None, None, 0, "drill")
    assert details.due == store.today()
    assert details.interval_days == pytest.approx(1 / 1440)


def test_a_buried_or_suspended_card_says_so(
    library: DeckLibrary, store: UserStore, clock: FakeClock
) -> None:
    store.grade(KEY, 4)
    store.record(KEY, "bury")
    assert card_details(library, store, KEY).status == "buried"
    store.record(KEY, "suspend")
    assert card_details(library, store, KEY).status == "suspended"
    store.record(KEY, "unsuspend")
    clock.advance(days=1)
    assert card_details(library, store, KEY).status == "review"
