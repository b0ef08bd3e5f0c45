"""The statistics as pure functions, checked against histories computed by hand.

"Today" is 2026-11-26 (a Thursday) at 15:00 UTC; study days start at 4 am unless a test says so.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flashprep.core.clock import study_day
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.scheduling.scheduler import NEW, CardState, Scheduler
from flashprep.core.stats.activity import heatmap, reviews_by_day, streaks, today_figures
from flashprep.core.stats.cardwalk import CardFigures, walk_cards
from flashprep.core.stats.history import History, Review
from flashprep.core.stats.readiness import readiness
from flashprep.core.stats.report import StatsQuery, compute_stats
from flashprep.core.stats.retention import answer_buttons, retention_samples, true_retention
from flashprep.core.stats.studydays import Calendar, Dated

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
TODAY = date(2026, 11, 26).toordinal()


def at(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def rv(
    when: str,
    card: str = "alpha/a1",
    rating: int = 3,
    kind: str = "learn",
    interval: float = 0.0,
    new: bool = False,
    ms: int = 0,
) -> Review:
    return Review(at(when), card, rating, ms, kind, interval, new)  # type: ignore[arg-type]


def review_state(due: str, interval: float, **extra: object) -> CardState:
    due_at = datetime.fromisoformat(due.replace("Z", "+00:00"))
    return CardState(
        state="review",
        stability=interval,
        difficulty=5.0,
        due=due_at,
        last_review=due_at - timedelta(days=interval),
        reps=3,
        **extra,  # type: ignore[arg-type]
    )


def walk(
    keys: list[str],
    states: dict[str, CardState],
    cal: Calendar | None = None,
    agains: dict[str, int] | None = None,
    failed: frozenset[str] = frozenset(),
    leech_lapses: int = 8,
    hardest: int = 10,
) -> CardFigures:
    """The report's walk over the cards (its recall is FSRS's, for the default parameters)."""
    cal = cal or Calendar(NOW, 4, UTC)
    return walk_cards(
        keys, states, cal, Scheduler(), set(failed), agains or {}, leech_lapses, hardest
    )


# --- days -----------------------------------------------------------------------------------------


def test_the_day_starts_at_the_rollover_hour() -> None:
    cal = Calendar(NOW, 4, UTC)
    assert cal.today == TODAY
    assert cal.day(at("2026-11-26T03:59:59Z")) == TODAY - 1
    assert cal.day(at("2026-11-26T04:00:00Z")) == TODAY
    midnight = Calendar(NOW, 0, UTC)
    assert midnight.day(at("2026-11-25T23:59:59Z")) == TODAY - 1
    assert midnight.day(at("2026-11-26T00:00:00Z")) == TODAY


def test_days_and_hours_follow_the_time_zone() -> None:
    new_york = Calendar(NOW, 4, ZoneInfo("America/New_York"))  # UTC-5 in November
    assert new_york.day(at("2026-11-26T08:59:59Z")) == TODAY - 1
    assert new_york.day(at("2026-11-26T09:00:00Z")) == TODAY
    assert new_york.hour(at("2026-11-26T09:00:00Z")) == 4
    kathmandu = Calendar(NOW, 4, ZoneInfo("Asia/Kathmandu"))  # UTC+5:45
    assert kathmandu.day(at("2026-11-25T22:14:59Z")) == TODAY - 1
    assert kathmandu.day(at("2026-11-25T22:15:00Z")) == TODAY
    assert kathmandu.hour(at("2026-11-25T22:15:00Z")) == 4


ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Kathmandu", "Australia/Adelaide",
         "Pacific/Chatham", "America/St_Johns", "Australia/Lord_Howe"]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    seconds=st.integers(min_value=1_700_000_000, max_value=1_900_000_000),
    zone=st.sampled_from(ZONES),
    rollover=st.integers(min_value=0, max_value=23),
)
def test_the_memoised_day_and_hour_match_the_clock(seconds: int, zone: str, rollover: int) -> None:
    tz = ZoneInfo(zone)
    instant = datetime.fromtimestamp(seconds, UTC)
    cal = Calendar(NOW, rollover, tz)
    assert cal.day(seconds) == study_day(instant, rollover, tz).toordinal()
    assert cal.hour(seconds) == instant.astimezone(tz).hour


@settings(max_examples=100, deadline=None)
@given(
    start=st.integers(min_value=1_700_000_000, max_value=1_900_000_000),
    steps=st.lists(st.integers(min_value=0, max_value=20 * 3600), min_size=1, max_size=60),
    zone=st.sampled_from(ZONES),
    rollover=st.integers(min_value=0, max_value=23),
)
def test_the_days_of_a_history_match_the_clock(
    start: int, steps: list[int], zone: str, rollover: int
) -> None:
    """Days are looked up once per day for a run of reviews: even across summer time."""
    tz = ZoneInfo(zone)
    instants = [start + sum(steps[: i + 1]) for i in range(len(steps))]
    dated = Calendar(NOW, rollover, tz).dated([Review(t, "a/b", 3) for t in instants])
    expected = [
        study_day(datetime.fromtimestamp(t, UTC), rollover, tz).toordinal() for t in instants
    ]
    assert dated.days == expected
    hours = Calendar(NOW, rollover, tz).hours_of(instants)
    assert hours == [datetime.fromtimestamp(t, UTC).astimezone(tz).hour for t in instants]


@settings(max_examples=100, deadline=None)
@given(
    start=st.integers(min_value=1_700_000_000, max_value=1_900_000_000),
    steps=st.lists(st.integers(min_value=-30 * 3600, max_value=20 * 3600), min_size=1, max_size=60),
    zone=st.sampled_from(ZONES),
    rollover=st.integers(min_value=0, max_value=23),
)
def test_the_days_of_instants_out_of_order_match_the_clock(
    start: int, steps: list[int], zone: str, rollover: int
) -> None:
    """A clock set back puts instants out of order: the runs found by bisection must not
    take an instant of another day into a day (steps back of up to 30 hours)."""
    tz = ZoneInfo(zone)
    instants = [float(start + sum(steps[: i + 1])) for i in range(len(steps))]
    expected = [
        study_day(datetime.fromtimestamp(t, UTC), rollover, tz).toordinal() for t in instants
    ]
    assert Calendar(NOW, rollover, tz).days_of(instants) == expected
    assert Calendar(NOW, rollover, tz).days_of(iter(instants)) == expected


# --- today, streaks, calendar ---------------------------------------------------------------------


def test_today_counts_only_the_study_day() -> None:
    reviews = [
        rv("2026-11-26T03:00Z", ms=99000),  # before 4 am: yesterday
        rv("2026-11-26T05:00Z", new=True, ms=4000),
        rv("2026-11-26T06:00Z", rating=1, ms=6000),
        rv("2026-11-26T07:00Z", rating=4, ms=2000),
    ]
    cal = Calendar(NOW, 4, UTC)
    figures = today_figures(cal.dated(reviews), cal.today)
    assert figures == {
        "reviews_today": 3,
        "new_today": 1,
        "time_today_s": 12.0,
        "seconds_per_card_today": 4.0,
        "correct_today": round(2 / 3, 4),
        "ratings": {"again": 1, "hard": 0, "good": 1, "easy": 1},
    }


def test_nothing_today() -> None:
    cal = Calendar(NOW, 4, UTC)
    figures = today_figures(cal.dated([rv("2026-11-25T12:00Z")]), TODAY)
    assert figures["reviews_today"] == 0
    assert figures["seconds_per_card_today"] is None and figures["correct_today"] is None


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ({}, (0, 0)),
        ({-5: 1, -4: 2, -3: 1, -1: 1, 0: 3}, (2, 3)),
        ({-2: 1, -1: 1}, (2, 2)),  # today not studied yet: the streak still stands
        ({-3: 1}, (0, 1)),
        ({-1: 0, 0: 1}, (1, 1)),
        ({1: 5, 0: 1}, (1, 1)),  # a day after today (clock moved back) is not counted
    ],
)
def test_streaks(days: dict[int, int], expected: tuple[int, int]) -> None:
    assert streaks({TODAY + d: n for d, n in days.items()}, TODAY) == expected


def test_heatmap_covers_52_weeks_from_a_monday_to_today() -> None:
    cells = heatmap({TODAY: 4, TODAY - 10: 2, TODAY - 400: 9}, TODAY)
    assert date.fromisoformat(cells[0]["date"]).weekday() == 0
    assert cells[-1] == {"date": "2026-11-26", "reviews": 4}
    assert len(cells) == 51 * 7 + 4  # Monday to Thursday of this week
    assert sum(c["reviews"] for c in cells) == 6
    assert {"date": "2026-11-16", "reviews": 2} in cells


def test_reviews_by_day_split_by_kind_over_the_range() -> None:
    reviews = [
        rv("2026-11-26T05:00Z", kind="learn", ms=1500),
        rv("2026-11-26T06:00Z", kind="review", ms=500),
        rv("2026-11-26T07:00Z", kind="relearn"),
        rv("2026-11-24T07:00Z", kind="review"),
        rv("2026-10-01T07:00Z", kind="review"),  # before the month: not in the chart
    ]
    cal = Calendar(NOW, 4, UTC)
    month = reviews_by_day(cal.dated(reviews[:4]), TODAY, "month")
    assert len(month) == 30 and month[0]["date"] == "2026-10-28"
    assert month[-1] == {"date": "2026-11-26", "learn": 1, "review": 1, "relearn": 1, "time_s": 2.0}
    assert month[-3]["review"] == 1 and month[-2]["review"] == 0
    everything = reviews_by_day(cal.dated(reviews), TODAY, "all")
    assert everything[0]["date"] == "2026-10-01" and len(everything) == 57


# --- what is coming, where cards are --------------------------------------------------------------


def test_forecast_and_daily_load() -> None:
    states = {
        "alpha/a1": review_state("2026-11-27T03:59Z", 10),  # before 4 am: still today
        "alpha/a2": review_state("2026-11-20T10:00Z", 2),  # overdue: today
        "alpha/a3": review_state("2026-11-28T10:00Z", 4),  # in two days
        "beta/b1": review_state("2026-11-27T10:00Z", 3, suspended=True),  # not counted
        "beta/b2": CardState(  # learning, due today but buried until tomorrow
            state="learning",
            step=1,
            stability=1.0,
            difficulty=5.0,
            due=NOW + timedelta(minutes=10),
            last_review=NOW,
            buried_until=date(2026, 11, 27),
        ),
        "gamma/far": review_state("2027-01-10T10:00Z", 40),  # beyond 30 days: load only
    }
    figures = walk([*states, "gamma/new"], states)
    days, load = figures.forecast, figures.load
    assert len(days) == 30 and days[0]["date"] == "2026-11-26"
    assert [d["due"] for d in days[:4]] == [2, 1, 1, 0]
    assert sum(d["due"] for d in days) == 4
    assert load == round(1 / 10 + 1 / 2 + 1 / 4 + 1 + 1 / 40, 1)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-3 * 86400, 45 * 86400), st.integers(-2, 40), st.booleans()),
        max_size=30,
    ),
    st.sampled_from(["UTC", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu"]),
    st.integers(0, 23),
)
def test_the_forecast_counts_each_card_on_its_own_study_day(
    cards: list[tuple[int, int, bool]], zone: str, rollover: int
) -> None:
    """Every card dated one by one, whatever the zone (changes of offset in the window), the
    rollover hour, and dues either side of the window's last instant."""
    tz = ZoneInfo(zone)
    cal = Calendar(NOW, rollover, tz)
    horizon = cal.start(cal.today + 30)
    states = {}
    for index, (seconds, buried_days, edge) in enumerate(cards):
        due = horizon + timedelta(seconds=(-1, 0)[index % 2]) if edge else NOW
        due += timedelta(seconds=0 if edge else seconds)
        buried = date.fromordinal(cal.today + buried_days) if buried_days > 0 else None
        states[f"a/{index}"] = review_state("2026-01-01T00:00Z", 5)._replace(
            due=due, last_review=due - timedelta(days=5), buried_until=buried
        )
    expected = [0] * 30
    for state in states.values():
        assert state.due is not None
        day = max(cal.day(state.due.timestamp()), cal.today, cal.day(NOW.timestamp()))
        if state.buried_until is not None:
            day = max(day, state.buried_until.toordinal())
        if day - cal.today < 30:
            expected[day - cal.today] += 1
    days = walk(list(states), states, cal).forecast
    assert [d["due"] for d in days] == expected


def test_cards_by_state() -> None:
    states = {
        "a/young": review_state("2026-12-01T10:00Z", 20.9),
        "a/mature": review_state("2026-12-20T10:00Z", 21),
        "a/learning": CardState(state="learning", due=NOW, last_review=NOW, stability=1.0),
        "a/relearning": CardState(state="relearning", due=NOW, last_review=NOW, stability=1.0),
        "a/suspended": CardState(state="learning", stability=1.0, due=NOW, suspended=True),
        "a/buried": CardState(buried_until=date(2026, 11, 27)),
        "a/unburied": CardState(buried_until=date(2026, 11, 26)),
    }
    keys = [*states, "a/never-seen"]
    assert walk(keys, states).states == {
        "new": 2,
        "learning": 2,
        "young": 1,
        "mature": 1,
        "suspended": 1,
        "buried": 1,
    }


# --- what I remember ------------------------------------------------------------------------------


def test_true_retention_by_period_young_and_mature() -> None:
    reviews = [
        rv("2025-11-26T12:00Z", "alpha/a3", 3, "review", 25),  # 365 days ago: all time only
        rv("2026-11-19T12:00Z", "alpha/a3", 3, "review", 25),  # 7 days ago: month, year
        rv("2026-11-20T12:00Z", "alpha/a3", 3, "review", 25),  # 6 days ago: last week
        rv("2026-11-24T09:00Z", "beta/b2", 3, "relearn"),  # first that day is no review:
        rv("2026-11-24T10:00Z", "beta/b2", 3, "review", 3),  # so neither counts
        rv("2026-11-25T12:00Z", "beta/b1", 2, "review", 10),  # yesterday: Hard is a pass
        rv("2026-11-26T10:00Z", "alpha/a1", 3, "review", 5),
        rv("2026-11-26T10:30Z", "alpha/a1", 1, "review", 5),  # second that day: ignored
        rv("2026-11-26T11:00Z", "alpha/a2", 1, "review", 30),
        rv("2026-11-26T11:30Z", "beta/b1", 3, "learn"),
    ]
    cal = Calendar(NOW, 4, UTC)
    table = true_retention(retention_samples(cal.dated(reviews)), TODAY)

    def counts(period: str) -> tuple[int, int, int, int, float | None]:
        row = table[period]
        y, m = row["young"], row["mature"]
        return y["passed"], y["failed"], m["passed"], m["failed"], row["all"]["rate"]

    assert counts("today") == (1, 0, 0, 1, 0.5)
    assert counts("yesterday") == (1, 0, 0, 0, 1.0)
    assert counts("week") == (2, 0, 1, 1, 0.75)
    assert counts("month") == (2, 0, 2, 1, 0.8)
    assert counts("year") == counts("month")
    assert counts("all_time") == (2, 0, 3, 1, round(5 / 6, 4))
    assert table["today"]["young"]["rate"] == 1.0 and table["today"]["mature"]["rate"] == 0.0


def test_retention_without_reviews_has_no_rate() -> None:
    cal = Calendar(NOW, 4, UTC)
    table = true_retention(retention_samples(cal.dated([rv("2026-11-26T10:00Z")])), TODAY)
    assert table["all_time"]["all"] == {"passed": 0, "failed": 0, "rate": None}


def test_answer_buttons_by_learning_young_mature() -> None:
    reviews = [
        rv("2026-11-26T10:00Z", rating=1, kind="learn"),
        rv("2026-11-26T10:01Z", rating=3, kind="relearn"),
        rv("2026-11-26T10:02Z", rating=2, kind="review", interval=3),
        rv("2026-11-26T10:03Z", rating=4, kind="review", interval=21),
    ]
    assert answer_buttons(reviews) == {
        "learn": {"again": 1, "hard": 0, "good": 1, "easy": 0},
        "young": {"again": 0, "hard": 1, "good": 0, "easy": 0},
        "mature": {"again": 0, "hard": 0, "good": 0, "easy": 1},
    }


# --- readiness by topic ---------------------------------------------------------------------------


def test_readiness_by_group() -> None:
    states = {
        "alpha/a1": review_state("2026-12-01T10:00Z", 5),
        "alpha/a2": review_state("2026-11-26T10:00Z", 5),
        "beta/b2": CardState(state="learning", stability=1.0, due=NOW, last_review=NOW),
    }
    recall = {"alpha/a1": 0.9, "alpha/a2": 0.5, "beta/b2": 0.8}
    samples = [
        rv("2026-11-20T10:00Z", "alpha/a1", 3, "review", 5),
        rv("2026-11-20T10:00Z", "alpha/a2", 1, "review", 5),
        rv("2026-11-21T10:00Z", "beta/b2", 3, "review", 5),
    ]
    groups = {"g1": ["alpha/a1", "alpha/a2"], "g2": ["alpha/a2", "beta/b1", "beta/b2"]}
    rows = readiness(groups, set(states), recall, {"alpha/a2"}, samples)
    assert rows["g1"] == {
        "cards": 2,
        "studied": 2,
        "due": 1,
        "retention": 0.5,
        "recall": 0.7,
        "ready": 0.7,
    }
    assert rows["g2"] == {
        "cards": 3,
        "studied": 2,
        "due": 1,
        "retention": 0.5,
        "recall": 0.65,
        "ready": round(1.3 / 3, 4),
    }


def test_hardest_cards_by_lapses_agains_then_recall() -> None:
    states = {
        "d/easy": review_state("2026-12-20T10:00Z", 30),
        "d/lapsed-twice": review_state("2026-12-01T10:00Z", 3, lapses=2),
        "d/lapsed-once": review_state("2026-12-01T10:00Z", 3, lapses=1),
        "d/failed-learning": CardState(state="learning", stability=1.0, due=NOW, last_review=NOW),
        "d/fading": review_state("2026-11-01T10:00Z", 3),
    }
    agains = {"d/failed-learning": 3, "d/lapsed-once": 1}
    keys = [*states, "d/new"]
    figures = walk(keys, states, agains=agains)
    assert figures.recall["d/easy"] > 0.9 > figures.recall["d/fading"]  # (what the order needs)
    assert figures.hardest == [
        "d/lapsed-twice",
        "d/lapsed-once",
        "d/failed-learning",
        "d/fading",
    ]
    assert walk(keys, states, agains=agains, hardest=2).hardest == [
        "d/lapsed-twice",
        "d/lapsed-once",
    ]
    # a card whose last grade was Again has no recall now: it is one, and before the fading one
    assert walk(keys, states, failed=frozenset({"d/easy"})).hardest == [
        "d/lapsed-twice",
        "d/lapsed-once",
        "d/easy",
        "d/fading",
    ]


# --- everything together --------------------------------------------------------------------------


KEYS = [
    "user", "deck", "range", "cards", "new", "learning", "review", "suspended", "buried",
    "due_now", "due_today", "reviews_total", "reviews_today", "new_today", "time_today_s",
    "seconds_per_card_today", "correct_today", "ratings", "streak_days", "longest_streak_days",
    "heatmap", "reviews_by_day", "range_summary", "forecast", "daily_load", "states",
    "retention", "buttons", "answer_seconds", "hours", "by_deck", "by_tag", "hardest",
    "leech_lapses", "leeches",
]  # fmt: skip


def test_empty_history(library: DeckLibrary) -> None:
    stats = compute_stats([], {}, library, Scheduler(), StatsQuery(NOW, 4, UTC), "ann")
    assert list(stats) == KEYS
    assert stats["user"] == "ann" and stats["cards"] == stats["new"] == 5
    assert stats["reviews_total"] == stats["reviews_today"] == stats["streak_days"] == 0
    assert all(c["reviews"] == 0 for c in stats["heatmap"])
    assert stats["retention"]["all_time"]["all"]["rate"] is None
    assert [d["due"] for d in stats["forecast"]] == [0] * 30
    assert stats["states"]["new"] == 5
    assert [(d["id"], d["cards"], d["studied"], d["ready"]) for d in stats["by_deck"]] == [
        ("alpha", 3, 0, 0.0),
        ("beta", 2, 0, 0.0),
    ]
    assert [t["tag"] for t in stats["by_tag"]] == sorted(
        ["math", "algorithms", "sorting", "networking", "conflict", "motivation"]
    )
    assert stats["hardest"] == [] and stats["answer_seconds"] is None
    assert stats["range_summary"]["reviews"] == 0


def test_a_single_review(library: DeckLibrary) -> None:
    scheduler = Scheduler()
    when = NOW - timedelta(hours=1)
    states = {"alpha/a1": scheduler.review("alpha/a1", NEW, 3, when)}
    reviews = [Review(when.timestamp(), "alpha/a1", 3, 7000, "learn", 0.0, True)]
    stats = compute_stats(reviews, states, library, scheduler, StatsQuery(NOW, 4, UTC))
    assert stats["reviews_total"] == stats["reviews_today"] == stats["new_today"] == 1
    assert stats["time_today_s"] == 7.0 and stats["correct_today"] == 1.0
    assert (stats["streak_days"], stats["longest_streak_days"]) == (1, 1)
    assert stats["heatmap"][-1] == {"date": "2026-11-26", "reviews": 1}
    assert stats["reviews_by_day"][-1]["learn"] == 1
    assert stats["buttons"]["learn"]["good"] == 1
    assert stats["hours"][14] == {"hour": 14, "reviews": 1, "correct": 1.0}
    assert (stats["new"], stats["learning"], stats["due_now"], stats["due_today"]) == (4, 1, 1, 1)
    assert stats["by_deck"][0]["studied"] == 1
    assert stats["states"]["learning"] == 1


def test_the_deck_filter(library: DeckLibrary) -> None:
    reviews = [rv("2026-11-26T10:00Z", "alpha/a1"), rv("2026-11-26T10:01Z", "beta/b1")]
    query = StatsQuery(NOW, 4, UTC, deck="beta", range="year")
    stats = compute_stats(reviews, {}, library, Scheduler(), query)
    assert stats["deck"] == "beta" and stats["range"] == "year"
    assert stats["cards"] == 2 and stats["reviews_total"] == 1
    assert [d["id"] for d in stats["by_deck"]] == ["beta"]
    assert {t["tag"] for t in stats["by_tag"]} == {"conflict", "motivation"}


def test_an_unknown_range_is_refused(library: DeckLibrary) -> None:
    with pytest.raises(ValueError, match="range must be one of"):
        compute_stats([], {}, library, Scheduler(), StatsQuery(NOW, range="decade"))


def test_100000_reviews(library: DeckLibrary) -> None:
    """100 grades a day for 1000 days: per day, card a1 is first seen as a mature review failed,
    a2 as a learning step, a3 as a young review passed."""
    reviews = []
    first = datetime(2026, 11, 26, 10, tzinfo=UTC) - timedelta(days=999)
    for day in range(1000):
        start = (first + timedelta(days=day)).timestamp()
        for i in range(100):
            reviews.append(
                Review(
                    start + i * 10,
                    f"alpha/a{i % 3 + 1}",
                    1 if i % 10 == 0 else 3,
                    1000,
                    "review" if i % 2 == 0 else "learn",
                    30.0 if i % 4 == 0 else 5.0,
                )
            )
    stats = compute_stats(reviews, {}, library, Scheduler(), StatsQuery(NOW, 4, UTC, range="month"))
    assert stats["reviews_total"] == 100_000 and stats["reviews_today"] == 100
    assert stats["ratings"] == {"again": 10, "hard": 0, "good": 90, "easy": 0}
    assert (stats["streak_days"], stats["longest_streak_days"]) == (1000, 1000)
    assert {c["reviews"] for c in stats["heatmap"]} == {100}
    assert stats["range_summary"] == {
        "days": 30,
        "days_studied": 30,
        "reviews": 3000,
        "time_s": 3000.0,
        "reviews_per_day": 100.0,
    }
    retention = stats["retention"]
    assert retention["all_time"]["mature"] == {"passed": 0, "failed": 1000, "rate": 0.0}
    assert retention["all_time"]["young"] == {"passed": 1000, "failed": 0, "rate": 1.0}
    assert retention["week"]["all"] == {"passed": 7, "failed": 7, "rate": 0.5}
    assert stats["hours"][10]["reviews"] == 3000
    assert stats["answer_seconds"] == 1.0


def test_a_grade_dated_after_today_is_in_no_range(library: DeckLibrary) -> None:
    reviews = [rv("2026-11-20T10:00Z"), rv("2026-11-29T10:00Z")]  # a clock set 3 days ahead
    for name in ("month", "all"):
        stats = compute_stats(reviews, {}, library, Scheduler(), StatsQuery(NOW, range=name))
        assert stats["reviews_total"] == 2
        assert stats["range_summary"]["reviews"] == 1
        assert stats["range_summary"]["days_studied"] == 1
        assert sum(d["learn"] for d in stats["reviews_by_day"]) == 1
        assert stats["reviews_by_day"][-1]["date"] == "2026-11-26"


@settings(max_examples=100, deadline=None)
@given(
    days=st.lists(st.integers(min_value=0, max_value=20), max_size=40),
    first=st.one_of(st.none(), st.integers(min_value=-1, max_value=21)),
    last=st.integers(min_value=-1, max_value=21),
)
def test_a_range_of_days_is_the_same_found_by_bisection(
    days: list[int], first: int | None, last: int
) -> None:
    """In order, the days of a range are a slice; out of order (a clock set back), a filter."""
    low = first if first is not None else min(days, default=last)
    for ordered_days in (sorted(days), days):
        history = History.of(Review(float(i), f"a/{d}", 3) for i, d in enumerate(ordered_days))
        dated = Dated(history, ordered_days, ordered_days == sorted(ordered_days))
        kept = dated.between(first, last)
        pairs = list(zip(history, ordered_days, strict=True))
        assert list(zip(kept.reviews, kept.days, strict=True)) == [
            (r, d) for r, d in pairs if low <= d <= last
        ]


def test_the_calendar_knows_whether_the_days_are_in_order() -> None:
    cal = Calendar(NOW, 4, UTC)
    assert cal.dated([rv("2026-11-20T10:00Z"), rv("2026-11-21T10:00Z")]).ordered
    assert not cal.dated([rv("2026-11-21T10:00Z"), rv("2026-11-20T10:00Z")]).ordered


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 4),  # study day
            st.sampled_from(["a/1", "a/2", "b/1"]),
            st.sampled_from(["learn", "review", "relearn"]),
        ),
        max_size=40,
    )
)
def test_retention_samples_of_ordered_days_match_the_grade_by_grade_count(
    grades: list[tuple[int, str, str]],
) -> None:
    """The first grade of a card per study day, found per run of days, is the one the
    grade-by-grade walk finds (the walk is what a history whose days go back gets)."""
    grades.sort(key=lambda g: g[0])
    history = History.of(
        Review(float(i), card, 1 + i % 4, 0, kind, 30.0 if kind == "review" else 0.0)  # type: ignore[arg-type]
        for i, (_, card, kind) in enumerate(grades)
    )
    days = [day for day, _, _ in grades]
    fast = retention_samples(Dated(history, days, ordered=True))
    walked = retention_samples(Dated(history, days, ordered=False))
    assert fast.reviews == walked.reviews
    assert fast.days == walked.days
    expected = {(day, card) for day, card, kind in grades if kind == "review"}
    assert {(d, c) for d, c in zip(fast.days, fast.reviews.card, strict=True)} <= expected
