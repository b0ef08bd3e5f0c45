"""Preparing for an interview date: recall predicted for the day, cards brought forward, new-card
pacing, readiness per topic, and the weakest cards.

The FSRS schedule itself is never changed. Until the date the plan only adds to a drill: cards
whose predicted recall on the date is below the target while normal scheduling would not show them
before it, and enough new cards a day that all are introduced in time. From the date on the plan
does nothing and normal scheduling goes on.

Predictions use the scheduler's retrievability at noon (local time) on the date, and assume the
user answers Good; a Good review planned for a future day is taken at the start of that day, the
least favourable moment, so a plan that is met in practice meets the target.
"""

from __future__ import annotations

import functools
import heapq
import math
import weakref
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, NamedTuple

from flashprep.core.clock import day_end, day_start, study_day
from flashprep.core.decks.library import DeckLibrary
from flashprep.core.decks.rules import target_seconds
from flashprep.core.interview.budget import time_budget
from flashprep.core.keys import deck_of
from flashprep.core.scheduling.recallshift import shifted
from flashprep.core.scheduling.scheduler import NEW, CardState, Rating, Scheduler
from flashprep.core.storage.usersettings import InterviewPlan
from flashprep.core.storage.userstore import UserStore
from flashprep.core.study.drill import is_available

if TYPE_CHECKING:
    from flashprep.core.storage.profile import Interview  # validated; start-up reads plain values

    AnyInterview = Interview | InterviewPlan

MAX_RESERVE_DAYS = 3
"""New cards are all introduced at least this many days before the date (fewer when it is near)."""
MAX_GRADES = 200
"""A bound on the grades one card's simulation may take (it needs far fewer)."""
WEAKEST = 20
"""How many cards a "weakest cards" drill holds."""
DOUBT = 0.5
"""A card is secure on the date when it reaches the target with this share of its predicted
stability (Goal.secure)."""


@functools.lru_cache(maxsize=512)
def _day_start(day: date, rollover: int, tz: tzinfo | None) -> datetime:
    return day_start(day, rollover, tz)


def interview_instant(day: date, tz: tzinfo | None) -> datetime:
    """The moment recall is predicted for: noon, local time, on the interview date."""
    naive = datetime.combine(day, time(12))
    local = naive.replace(tzinfo=tz) if tz is not None else naive.astimezone()
    return local.astimezone(UTC)


@dataclass(frozen=True)
class Goal:
    """What a plan aims at: predicted recall of at least `target` at `at`, on study day `day`."""

    day: date
    at: datetime
    target: float
    scheduler: Scheduler
    rollover: int = 4
    tz: tzinfo | None = None

    @classmethod
    def of(cls, store: UserStore, interview: AnyInterview | None = None) -> Goal | None:
        """The goal of the user's interview (or of `interview`); None when there is none."""
        interview = interview or store.settings.interview
        if interview is None:
            return None
        return cls(
            interview.date,
            interview_instant(interview.date, store.tz),
            interview.target_recall,
            store.scheduler,
            store.rollover,
            store.tz,
        )

    def recall(self, state: CardState) -> float:
        """Predicted recall on the date if the card is not reviewed again before it."""
        return self.scheduler.retrievability(state, self.at)

    def secure(self, state: CardState) -> bool:
        """Whether the card's recall on the date is at the target even if its memory is weaker
        than predicted (its stability taken at DOUBT of the model's): a card that only just
        reaches the target by the prediction misses it about half the time."""
        if state.stability is None:
            return False
        return self.recall(state._replace(stability=state.stability * DOUBT)) >= self.target

    def forecast(self, state: CardState, shift: float = 0.0) -> float:
        """The forecast of `recall` (the readiness' and the plan screen's figure, not the
        plan's choice): time to the date to the second (Scheduler.recall_at), moved by the
        user's log-odds `shift` (scheduling.recallshift, fitted on the user's grades)."""
        return shifted(self.scheduler.recall_at(state, self.at), shift)

    def day_of(self, instant: datetime) -> date:
        return study_day(instant, self.rollover, self.tz)

    def starts(self, day: date) -> datetime:
        """The instant a study day begins (cached: plans ask for the same few days)."""
        return _day_start(day, self.rollover, self.tz)

    def before_date(self, instant: datetime) -> bool:
        """Whether an instant falls on a study day before the interview date."""
        return instant < self.starts(self.day)

    def review_time(self, day: date, now: datetime) -> datetime:
        """When a review planned for `day` is assumed to happen: its start, or now if later."""
        return max(now, self.starts(day))


def review_good(
    scheduler: Scheduler, key: str, state: CardState, at: datetime
) -> tuple[CardState, int, datetime]:
    """A Good review at `at`, then Good at each learning step as the drill shows them.

    Returns the state, the number of grades and when the last one was given.
    """
    state = scheduler.review(key, state, Rating.GOOD, at)
    grades = 1
    while state.state in ("learning", "relearning") and state.due is not None:
        if grades >= MAX_GRADES:
            break
        at = max(at, state.due)
        state = scheduler.review(key, state, Rating.GOOD, at)
        grades += 1
    return state, grades, at


def _sufficient(goal: Goal, key: str, state: CardState, at: datetime) -> bool:
    after, _, _ = review_good(goal.scheduler, key, state, at)
    return goal.recall(after) >= goal.target


def _forward_window(
    goal: Goal, state: CardState, now: datetime, today: date | None = None
) -> tuple[date, date] | None:
    """The days on which the plan may bring a card forward, or None when it needs no review.

    A card needs none when it is new or still learning, due before the date anyway, or its recall
    on the date is already high enough; one reviewed today waits until tomorrow.
    """
    today = today or goal.day_of(now)
    last = goal.day - timedelta(days=1)
    if state.state != "review" or state.due is None or today > last:
        return None
    if goal.before_date(state.due) or goal.recall(state) >= goal.target:
        return None
    first = today
    if state.last_review is not None and state.last_review >= goal.starts(today):
        first = today + timedelta(days=1)
    return (first, last) if first <= last else None


def bring_forward_day(goal: Goal, key: str, state: CardState, now: datetime) -> date | None:
    """The day the plan shows a card that normal scheduling would show only on or after the date.

    That is the earliest day on which a Good review keeps the card's recall on the date at the
    target (the day before the date when no day does); None when the card needs no such review.
    """
    window = _forward_window(goal, state, now)
    if window is None:
        return None
    first, last = window
    if _sufficient(goal, key, state, goal.review_time(first, now)):
        return first
    if not _sufficient(goal, key, state, goal.review_time(last, now)):
        return last
    lo, hi = first.toordinal() + 1, last.toordinal()
    while lo < hi:  # a later review only helps, so the earliest sufficient day is a bisection
        mid = (lo + hi) // 2
        if _sufficient(goal, key, state, goal.review_time(date.fromordinal(mid), now)):
            hi = mid
        else:
            lo = mid + 1
    return date.fromordinal(lo)


def due_by_plan(
    goal: Goal, key: str, state: CardState, now: datetime, today: date | None = None
) -> bool:
    """Whether the plan brings the card forward today (`bring_forward_day` is today, cheaply)."""
    today = today or goal.day_of(now)
    window = _forward_window(goal, state, now, today)
    if window is None or window[0] != today:
        return False
    first, last = window
    return first == last or _sufficient(goal, key, state, goal.review_time(first, now))


def intro_days(today: date, day: date) -> int:
    """Days left to introduce new cards: until the date, keeping a few days in reserve."""
    days_left = (day - today).days
    if days_left <= 0:
        return 0
    return days_left - min(MAX_RESERVE_DAYS, (days_left + 1) // 3)


def new_pace(new_left: int, today: date, day: date) -> int:
    """New cards a day so that `new_left` cards are all introduced in time."""
    days = intro_days(today, day)
    if not days or not new_left:
        return 0
    return math.ceil(new_left / days)


def simulate(
    goal: Goal, key: str, state: CardState, now: datetime, intro: date | None = None
) -> tuple[int, CardState]:
    """Follow the plan for one card until the date, answering Good: the grades given, and the
    state on the date. A new card is introduced on `intro` (not at all when None)."""
    at = now
    grades = 0
    if state.is_new:
        if intro is None:
            return 0, state
        state, grades, at = review_good(goal.scheduler, key, state, goal.review_time(intro, now))
    while grades < MAX_GRADES and goal.before_date(at) and state.due is not None:
        if state.state != "review" or goal.before_date(state.due):
            when = max(at, state.due)
            if not goal.before_date(when):
                break
        else:
            forward = bring_forward_day(goal, key, state, at)
            if forward is None:
                break
            when = goal.review_time(forward, at)
        state, n, at = review_good(goal.scheduler, key, state, when)
        grades += n
    return grades, state


# --- the plan for one user ----------------------------------------------------------------------


def interview_keys(library: DeckLibrary, interview: AnyInterview | None) -> list[str]:
    """The cards an interview is about: its decks that exist (all decks when it names none)."""
    if interview is None or not interview.decks:
        return library.card_keys()
    return library.card_keys(d for d in interview.decks if d in library.decks)


def active_keys(store: UserStore, keys: Iterable[str], now: datetime) -> list[str]:
    """Cards that can be drilled today (not suspended, not buried)."""
    today_ord = store.today(now).toordinal()
    out = []
    for key in keys:
        state = store.states.get(key)
        if state is None or is_available(state, today_ord):
            out.append(key)
    return out


@dataclass(frozen=True)
class TodayPlan:
    """What the interview plan adds to today's drills."""

    interview: date
    days_left: int
    target: float
    keys: frozenset[str]
    """The interview's cards."""
    bring_forward: tuple[str, ...]
    """Cards to review today although not due, lowest recall on the date first."""
    new_left: int
    """Interview cards not introduced yet."""
    new_per_day: int
    """Today's new cards (those already introduced today included): as many as fit in the
    day's minutes after the reviews that gain more recall on the date a minute."""
    pace: int = 0
    """New cards a day that would introduce every card in time, whatever the time it takes."""
    due_today: int = 0
    """Reviews due today anyway (normal scheduling)."""
    per_grade_s: float = 0.0
    """The seconds a grade takes this user, as the plan counts them."""
    minutes_left: float = 0.0
    """What is left of today's minutes (`daily_minutes`)."""
    scores: Mapping[str, float] = field(default_factory=dict)
    """Each review's expected gain in recall on the date per grade (due and brought forward)."""
    new_score: float = 0.0
    """A new card's gain per grade, its reviews until the date counted."""
    new_seconds: Mapping[str, float] = field(default_factory=dict)
    """The target answer time of each new card of the interview: the cheapest are introduced
    first (new_first), as they gain as much recall on the date for fewer minutes."""

    def rank(self, key: str) -> float:
        """How much showing a card today is worth to the interview (the drill's order): its
        gain per grade; other decks' cards come last."""
        score = self.scores.get(key)
        if score is not None:
            return score
        return self.new_score if key in self.keys else -1.0

    def new_first(self, keys: list[str]) -> list[str]:
        """`keys` (new cards in the user's order) with the interview's cards reordered among
        the places they hold: the decks take turns by minutes, not by cards (next comes the
        deck that has had the fewest seconds of target answer time so far), and each deck's
        quickest cards come first (ties in the user's order). So a deck of short answers
        gets more cards in the same minutes, and a behavioral deck of long ones still gets
        its share, where sorting every card by time would leave it for last. Other decks'
        cards keep their places."""
        places = [i for i, key in enumerate(keys) if key in self.keys]
        by_deck: dict[str, list[str]] = {}
        for i in places:
            by_deck.setdefault(deck_of(keys[i]), []).append(keys[i])
        known = [t for t in self.new_seconds.values() if math.isfinite(t)]
        usual = sorted(known)[len(known) // 2] if known else 60.0
        queues = {
            deck: deque(sorted(cards, key=lambda k: self.new_seconds.get(k, math.inf)))
            for deck, cards in by_deck.items()
        }
        turns = [(0.0, order, deck) for order, deck in enumerate(queues)]  # the user's order
        out = list(keys)
        for i in places:
            spent, order, deck = heapq.heappop(turns)
            key = queues[deck].popleft()
            out[i] = key
            if queues[deck]:
                heapq.heappush(turns, (spent + self.new_seconds.get(key, usual), order, deck))
        return out


NEW_AGAIN_SHARE = 0.15
"""A new card's grades are counted with this share more for its failed answers."""
TARGET_BONUS = 2.0
"""What making a card secure on the date (Goal.secure) is worth beyond its gain in recall: the
plan aims at the mean recall and at the share of cards at the target (0.5 left that share
far below plain FSRS's on the simulated FSRS-6 learners)."""
FINAL_DAYS = MAX_RESERVE_DAYS
"""In the last days the plan may also top up cards at the target but not secure."""
NEW_PACE_FACTOR = 2
"""New cards a day are at most this many times the even pace (or the user's own limit): the
plan front-loads new cards while the minutes allow, but not all at once."""


LOAD_FACTOR = 0.85
"""What the cards' grades until the date are counted at, as a multiple of `simulate`'s count
(answering Good), when the plan checks that they fit in the minutes left (carry_cap). Tuned on
the simulated learners (benchmarks/simulate.py): 1.0 costs mean recall at every budget, 0.7
leaves the share of cards at the target below plain FSRS's at 45 minutes a day."""
LOAD_SAMPLE = 400
"""At most this many studied cards are simulated to estimate their load (the rest scaled)."""


def carry_cap(
    goal: Goal,
    known: list[tuple[str, CardState]],
    now: datetime,
    grades_ahead: float,
    new_cost: float,
) -> int:
    """How many more new cards the grades left until the date (`grades_ahead`) can carry to the
    target, once the cards already studied (`known`) have had theirs: a new card costs
    `new_cost` grades. Introducing more would leave reviews undone and cards below target."""
    step = max(1, math.ceil(len(known) / LOAD_SAMPLE))
    sample = known[::step]
    load = float(sum(simulate(goal, key, state, now)[0] for key, state in sample))
    load *= len(known) / len(sample) if sample else 0.0
    free = grades_ahead - LOAD_FACTOR * load
    return max(0, int(free // (LOAD_FACTOR * new_cost))) if new_cost > 0 else 0


def _may_top_up(goal: Goal, state: CardState, now: datetime, today: date) -> bool:
    """A studied card, not reviewed today, not secure on the date (Goal.secure)."""
    if state.last_review is not None and state.last_review >= goal.starts(today):
        return False
    return not goal.secure(state)


class Gain(NamedTuple):
    """What a review today is worth: predicted recall on the date it adds, for `cost` grades."""

    gain: float
    cost: float
    key: str

    @property
    def ratio(self) -> float:
        return self.gain / self.cost


def review_gain(goal: Goal, key: str, state: CardState, now: datetime) -> Gain:
    """A review now, answered Good: recall on the date after it minus before; its cost counts
    the relearning grade a failed answer adds."""
    after, grades, _ = review_good(goal.scheduler, key, state, now)
    before, then = goal.recall(state), goal.recall(after)
    secured = goal.secure(after) and not goal.secure(state)
    gain = max(0.0, then - before) + (TARGET_BONUS if secured else 0.0)
    return Gain(gain, grades + 1 - goal.scheduler.retrievability(state, now), key)


def choose_by_gain(
    room: float, reviews: list[Gain], new: Gain | None, new_today: float, new_left: int
) -> tuple[list[str], int]:
    """Spend `room` grades on what gains most recall on the date per grade.

    `reviews` could be shown today; each new card gains `new.gain` for `new.cost` grades until
    the date, `new_today` of them today. Returns the reviews chosen and the number of new cards.
    """
    chosen: list[str] = []
    count = 0

    def add_new(room: float) -> float:
        nonlocal count
        if new is None or new_today <= 0 or count >= new_left:
            return room
        fit = max(0, min(new_left - count, int(room // new_today)))
        count += fit
        return room - fit * new_today

    for review in sorted(reviews, key=lambda r: -r.ratio):
        if new is not None and review.ratio < new.ratio:
            room = add_new(room)
        if room < review.cost:
            break
        chosen.append(review.key)
        room -= review.cost
    add_new(room)
    return chosen, count


def answer_seconds(library: DeckLibrary, keys: list[str]) -> dict[str, float]:
    """The target answer time of each of `keys`, read from the decks' indexes (a card's own
    target, else its deck category's): asking each card would build every deck's model."""
    wanted = set(keys)
    out: dict[str, float] = {}
    for deck_id in dict.fromkeys(map(deck_of, keys)):
        loaded = library.get(deck_id)
        if loaded is None:
            continue
        prefix = f"{deck_id}/"
        for record in loaded.records():
            key = prefix + record.id
            if key in wanted:
                out[key] = float(target_seconds(record, loaded.category))
    return out


class _Stamp(NamedTuple):
    """What today's plan was made from: the study day, the decks as loaded (a deck edit or an
    import reloads them as new objects), the schedule (replaced whole by a replay; its log
    position moves with every grade, card action and undo) and the settings."""

    today: date
    library: DeckLibrary
    decks: tuple[object, ...]
    schedule: object
    position: object
    total: int
    settings: object

    def same(self, other: _Stamp) -> bool:
        return (
            self.today == other.today
            and self.library is other.library
            and len(self.decks) == len(other.decks)
            and all(a is b for a, b in zip(self.decks, other.decks, strict=True))
            and self.schedule is other.schedule
            and self.position == other.position
            and self.total == other.total
            and self.settings == other.settings
        )


_PLANS: weakref.WeakKeyDictionary[UserStore, tuple[_Stamp, TodayPlan | None]] = (
    weakref.WeakKeyDictionary()
)
"""Each open store's last plan of today (the home screen and each drill start ask for it;
scoring every due review takes about 100 ms at 10,000 cards)."""


def today_plan(
    library: DeckLibrary, store: UserStore, now: datetime | None = None
) -> TodayPlan | None:
    """Today's part of the plan; None without an interview date or once the date has come.

    Within the user's minutes a day (`daily_minutes`), the plan chooses among the reviews due,
    the cards it could bring forward and new cards, by the predicted recall on the date each
    gains per grade (a new card's gain counted with the reviews the plan will give it until the
    date). The drill shows them in that order, so that the minutes go first to what gains most.

    Without `now`, the plan is made once per study day and kept until the schedule, the
    settings or the decks change (_Stamp): a grade, an undo or a saved setting makes it again.
    """
    if store.settings.interview is None:
        return None
    if now is not None:
        return _today_plan(library, store, now)
    data = store.data
    stamp = _Stamp(
        store.today(),
        library,
        tuple(library.decks.values()),
        data,
        data.position,
        data.total,
        store.settings,
    )
    kept = _PLANS.get(store)
    if kept is not None and kept[0].same(stamp):
        return kept[1]
    plan = _today_plan(library, store, store.now())
    _PLANS[store] = (stamp, plan)
    return plan


def _today_plan(library: DeckLibrary, store: UserStore, now: datetime) -> TodayPlan | None:
    interview = store.settings.interview
    goal = Goal.of(store)
    if interview is None or goal is None:
        return None
    today = store.today(now)
    if today >= goal.day:
        return None
    keys = interview_keys(library, interview)
    end = day_end(today, store.rollover, store.tz)
    due: list[Gain] = []
    forward: list[Gain] = []
    last_days = (goal.day - today).days <= FINAL_DAYS
    new_left = 0
    first_new = None
    known: list[tuple[str, CardState]] = []
    new_keys: list[str] = []
    for key in active_keys(store, keys, now):
        state = store.states.get(key)
        if state is None or state.is_new:
            new_left += 1
            first_new = first_new or key
            new_keys.append(key)
            continue
        known.append((key, state))
        if state.state == "review" and state.due is not None and state.due < end:
            due.append(review_gain(goal, key, state, now))
        elif due_by_plan(goal, key, state, now, today) or (
            last_days and _may_top_up(goal, state, now, today)
        ):
            forward.append(review_gain(goal, key, state, now))
    done_today = store.counts_today().new
    # today's new cards count toward today's pace, so the pace holds steady through the day
    pace = new_pace(new_left + done_today, today, goal.day) if new_left else 0
    budget = time_budget(library, store, keys)
    new = None
    new_today = 0.0
    if first_new is not None:
        grades, final = simulate(goal, first_new, NEW, now, today)
        _, first, _ = review_good(goal.scheduler, first_new, NEW, now)
        reached = goal.secure(final)
        gain = goal.recall(final) + (TARGET_BONUS if reached else 0.0)
        new = Gain(gain, max(1, grades) * (1 + NEW_AGAIN_SHARE), first_new)
        new_today = first * (1 + NEW_AGAIN_SHARE)
    most = min(new_left, max(NEW_PACE_FACTOR * pace, store.settings.new_per_day) - done_today)
    if new is not None:
        ahead = budget.grades_left + budget.grades_a_day * ((goal.day - today).days - 1)
        most = min(most, carry_cap(goal, known, now, ahead, new.cost))
    chosen, new_count = choose_by_gain(
        budget.grades_left, due + forward, new, new_today, max(0, most)
    )
    picked = set(chosen)
    brought = sorted(
        (g for g in forward if g.key in picked), key=lambda g: goal.recall(store.state(g.key))
    )
    return TodayPlan(
        interview=goal.day,
        days_left=(goal.day - today).days,
        target=goal.target,
        keys=frozenset(keys),
        bring_forward=tuple(g.key for g in brought),
        new_left=new_left,
        new_per_day=done_today + new_count,
        pace=pace,
        due_today=len(due),
        per_grade_s=budget.per_grade_s,
        minutes_left=budget.left_s / 60,
        scores={g.key: g.ratio for g in due + forward},
        new_score=new.ratio if new is not None else 0.0,
        new_seconds=answer_seconds(library, new_keys),
    )


@dataclass(frozen=True)
class TopicReadiness:
    """How ready one topic (a deck) is: mean predicted recall now and on the date."""

    topic: str
    name: str
    cards: int
    new: int
    recall_now: float
    recall_on_date: float | None
    below_target: int | None
    """Cards whose predicted recall on the date is below the target, as things stand."""
    reviews_needed: int | None
    """Grades still needed before the date if the plan is followed (answering Good)."""

    def to_json(self) -> dict[str, Any]:
        """The `readiness` rows of `flashprep stats --json` and `flashprep plan --json`."""

        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 3)

        return {
            "topic": self.topic,
            "name": self.name,
            "cards": self.cards,
            "new": self.new,
            "recall_now": rounded(self.recall_now),
            "recall_on_date": rounded(self.recall_on_date),
            "below_target": self.below_target,
            "reviews_needed": self.reviews_needed,
        }


def readiness(
    library: DeckLibrary,
    store: UserStore,
    now: datetime | None = None,
    interview: AnyInterview | None = None,
    shift: float = 0.0,
) -> list[TopicReadiness]:
    """Readiness of each interview deck (each deck when there is no interview), weakest first.

    Suspended cards are left out; new cards count as recall 0. `new` counts the new cards not
    introduced yet, buried ones aside, as every screen does (study.today.today_counts).
    `recall_on_date` is the forecast (Goal.forecast, with the user's recall `shift`);
    `below_target` counts by the plan's own prediction (Goal.recall), as the plan chooses.
    """
    now = now or store.now()
    interview = interview or store.settings.interview
    goal = Goal.of(store, interview)
    today = store.today(now)
    active = goal is not None and today < goal.day
    all_keys = interview_keys(library, interview)
    decks_of = list(map(deck_of, all_keys))
    ordered = list(dict.fromkeys(decks_of))
    keys_by_deck: dict[str, list[str]] = {d: [] for d in ordered}
    states_by_deck: dict[str, list[CardState]] = {d: [] for d in ordered}
    # new cards as every screen counts them (study.drill.count_states: not buried or suspended)
    new_left = dict.fromkeys(ordered, 0)
    today_ord = today.toordinal()
    get = store.states.get  # one look-up: a property, asked per card it costs 0.2 s at 50k
    for deck_id, key in zip(decks_of, all_keys, strict=True):  # one walk over 50,000 cards
        state = get(key, NEW)
        if not state.suspended:
            keys_by_deck[deck_id].append(key)
            states_by_deck[deck_id].append(state)
            if state.state == "new" and is_available(state, today_ord):
                new_left[deck_id] += 1
    # new cards are introduced in deck order at the suggested pace
    new_keys = [
        key
        for d in ordered
        for key, state in zip(keys_by_deck[d], states_by_deck[d], strict=True)
        if state.state == "new"
    ]
    done_today = store.counts_today().new
    pace = 0
    if active and goal is not None:
        own = store.settings.new_per_day
        pace = max(own, new_pace(len(new_keys) + done_today, today, goal.day))
    intro: dict[str, date] = {}
    for index, key in enumerate(new_keys):
        intro[key] = today + timedelta(days=(index + done_today) // pace) if pace else today
    new_reviews: dict[date, int] = {}
    out: list[TopicReadiness] = []
    for deck_id in ordered:
        keys, states = keys_by_deck[deck_id], states_by_deck[deck_id]
        now_sum = sum(map(functools.partial(store.scheduler.retrievability, now=now), states))
        on_date = below = needed = None
        if goal is not None:
            on_date_values = [goal.recall(s) for s in states]
            on_date = sum(goal.forecast(s, shift) for s in states) / len(keys) if keys else 0.0
            below = sum(1 for v in on_date_values if v < goal.target)
            if active:
                needed = 0
                for key, state in zip(keys, states, strict=True):
                    if state.is_new and key in intro:
                        # new cards introduced the same day need about the same reviews
                        day = intro[key]
                        if day not in new_reviews:
                            new_reviews[day] = simulate(goal, key, state, now, day)[0]
                        needed += new_reviews[day]
                    else:
                        needed += simulate(goal, key, state, now)[0]
        loaded = library.decks[deck_id]
        out.append(
            TopicReadiness(
                topic=deck_id,
                name=loaded.name,
                cards=len(keys),
                new=new_left[deck_id],
                recall_now=now_sum / len(keys) if keys else 0.0,
                recall_on_date=on_date,
                below_target=below,
                reviews_needed=needed,
            )
        )
    out.sort(
        key=lambda t: (t.recall_on_date if t.recall_on_date is not None else t.recall_now, t.topic)
    )
    return out


def weakest_cards(
    library: DeckLibrary,
    store: UserStore,
    now: datetime | None = None,
    deck_ids: list[str] | None = None,
    limit: int = WEAKEST,
) -> list[str]:
    """Studied cards with the lowest predicted recall on the interview date (now, without one).

    Of the interview's decks, or of `deck_ids`. New cards are left out: they have no recall yet.
    """
    now = now or store.now()
    goal = Goal.of(store)
    at = goal.at if goal is not None and store.today(now) < goal.day else now
    keys = (
        library.card_keys(deck_ids)
        if deck_ids
        else interview_keys(library, store.settings.interview)
    )
    scored: list[tuple[float, str]] = []
    for key in active_keys(store, keys, now):
        state = store.states.get(key)
        if state is None or state.is_new:
            continue
        scored.append((store.scheduler.retrievability(state, at), key))
    scored.sort()
    return [k for _, k in scored[:limit]]


def interview_stats(
    library: DeckLibrary, store: UserStore, now: datetime | None = None, shift: float = 0.0
) -> dict[str, Any]:
    """`interview_date` (ISO date or None) and `readiness` (rows of TopicReadiness.to_json;
    `shift`: the user's recall shift, `calibration.recall_shift`)."""
    interview = store.settings.interview
    return {
        "interview_date": interview.date.isoformat() if interview else None,
        "readiness": [t.to_json() for t in readiness(library, store, now, shift=shift)],
    }
