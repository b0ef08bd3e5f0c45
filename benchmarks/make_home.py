"""Build a realistic flashprep data folder for the benchmarks, through flashprep's own storage code.

    python benchmarks/make_home.py --cards 10000 --reviews 100000 [--new-first] DIR

DIR gets several imported decks in `decks/` (questions of 40-200 characters, Markdown answers of
300-1,500) and a user `bench` whose history spans the years before now (one year per 100,000
reviews, so a million make a decade of history): every day a session grades the cards FSRS says
are due, then new cards, with learning steps coming back within the session. Grades are drawn
from FSRS's own predicted recall (scaled by a hidden per-card difficulty) and applied through the
store's own `apply_entry` under a clock that steps through the years; their blocks are the log
writer's own (`entry_to_toml`), kept in memory and written once per month file at the end (one
durable append per grade, as a drill does, would take many minutes at a million). The log is
in this computer's device folder (`reviews/<device-id>/`) and a checkpoint (state.toml) ends the
build, as a drill's end does. `--new-first` studies new cards before due reviews, so that a
short history covers as many cards as a long one (run.py's yardstick for "flat" at 50k cards).

The same arguments give the same decks and the same grades (review ids and the dates, which follow
the day the folder is built, differ). Deck questions start with "Q<number>." so the benchmark can
recognise a card on screen.
"""

from __future__ import annotations

import argparse
import bisect
import heapq
import math
import random
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flashprep.core.decks.deck import Deck
from flashprep.core.decks.library import deck_to_toml
from flashprep.core.files.fileio import atomic_write
from flashprep.core.paths import Home
from flashprep.core.scheduling.scheduler import Rating
from flashprep.core.storage.logwrite import entry_to_toml
from flashprep.core.storage.profile import Profile, save_profile
from flashprep.core.storage.replay import LogPosition, apply_entry
from flashprep.core.storage.reviewlog import LOG_HEADER, LogEntry, month_file, new_entry_id
from flashprep.core.storage.userstore import UserStore

USER = "bench"
REVIEWS_A_YEAR = 100_000
"""The history spans one year per this many reviews (at least one year)."""
LEECH_LAPSES = 8
"""A card forgotten this often is suspended, as a user would do with a leech."""


def _words(text: str) -> list[str]:
    return [w.strip() for w in text.split(",")]


DECKS = [
    ("bench-python", "Python in depth", "technical", 3),
    ("bench-algorithms", "Algorithms and data structures", "technical", 3),
    ("bench-system-design", "System design at scale", "system-design", 2),
    ("bench-databases", "Databases and storage engines", "technical", 2),
    ("bench-networking", "Networks and protocols", "technical", 1),
    ("bench-behavioral", "Behavioral stories", "behavioral", 2),
    ("bench-cloud", "Cloud and operations", "technical", 1),
    ("bench-general", "General interview practice", "general", 1),
]
"""Deck id, name, category and relative size."""

TERMS = _words(
    "cache invalidation, consistent hashing, write-ahead log, B-tree index, hash join, "
    "garbage collector, reference counting, event loop, thread pool, mutex, semaphore, "
    "deadlock, race condition, memory barrier, load balancer, reverse proxy, rate limiter, "
    "circuit breaker, message queue, idempotency key, leader election, quorum read, vector "
    "clock, CRDT, sharding, replication lag, read replica, connection pool, query planner, "
    "covering index, isolation level, snapshot isolation, two-phase commit, saga, outbox "
    "pattern, bloom filter, skip list, trie, heap, binary search, dynamic programming, "
    "memoization, topological sort, union-find, Dijkstra's algorithm, sliding window, two "
    "pointers, backtracking, amortised cost, big-O, generator, decorator, context manager, "
    "descriptor, metaclass, the GIL, asyncio task, type hint, dataclass, virtual environment, "
    "wheel, TCP handshake, TLS certificate, DNS resolver, HTTP/2 stream, keep-alive, CDN "
    "edge, TTL, container image, Kubernetes pod, readiness probe, autoscaler, blue-green "
    "deploy, feature flag, canary release, SLO, error budget, postmortem, on-call rotation, "
    "code review, technical debt, refactoring, unit test, integration test, property-based "
    "test, mocking, dependency injection, interface, SOLID, stakeholder, deadline, conflict, "
    "mentoring, ownership, trade-off, estimate, roadmap"
)
VERBS = _words(
    "design, explain, debug, compare, measure, scale, secure, test, migrate, monitor, "
    "simplify, choose, justify, profile, document, review, deploy, recover, shard, replicate"
)
WORDS = _words(
    "the, a, every, each, one, this, that, under load, in production, at scale, safely, "
    "quickly, without downtime, with care, for a small team, across regions, in memory, on "
    "disk, per request, per user, latency, throughput, memory, correctness, failure, retries, "
    "timeouts, ordering, durability, visibility, the trade-off, the cost, the risk, the "
    "benefit, usually, rarely, first, then, finally, because, although, so that, unless, "
    "when, while, which, keeps, breaks, bounds, reduces, raises, hides, exposes, removes, "
    "adds, avoids, needs, allows"
)
OPENINGS = (
    "How would you {verb} {term} {tail}?",
    "What is {term}, and when does it matter {tail}?",
    "Why would you {verb} {term} rather than {other}?",
    "Walk me through how you would {verb} {term} {tail}.",
    "What goes wrong with {term} {tail}, and how do you {verb} it?",
    "Tell me about a time you had to {verb} {term} {tail}.",
)
TAILS = (
    "in a service with a million users",
    "when the team is small",
    "under a tight deadline",
    "in a write-heavy workload",
    "across two data centres",
    "without breaking existing clients",
    "when memory is scarce",
    "in an interview setting",
)


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS if i % 3 else TERMS) for i in range(words))
    return text[0].upper() + text[1:] + "."


def question(rng: random.Random, number: int) -> str:
    template = rng.choice(OPENINGS)
    text = template.format(
        verb=rng.choice(VERBS),
        term=rng.choice(TERMS),
        other=rng.choice(TERMS),
        tail=rng.choice(TAILS),
    )
    return f"Q{number}. {text}"


def answer(rng: random.Random) -> str:
    """Markdown of 300-1,500 characters: bullets, sometimes code, a closing paragraph."""
    target = rng.randint(300, 1500)
    parts: list[str] = []
    size = 0
    while size < target - 120:
        part = f"- **{rng.choice(TERMS).capitalize()}**: {sentence(rng, rng.randint(6, 18))}"
        if rng.random() < 0.12:
            name = rng.choice(VERBS)
            part = f"```python\ndef {name}(items):\n    return [x for x in items if x]\n```"
        parts.append(part)
        size += len(part) + 1
    parts.append(f"\n**Why it matters:** {sentence(rng, rng.randint(8, 14))}")
    return "\n".join(parts)[:1500].rstrip() + "\n"


def build_decks(home: Home, cards: int, rng: random.Random) -> list[str]:
    """Write the deck files; return every card key in a shuffled introduction order."""
    weights = [w for *_, w in DECKS]
    sizes = [cards * w // sum(weights) for w in weights]
    sizes[0] += cards - sum(sizes)
    keys: list[str] = []
    number = 0
    for (deck_id, name, category, _), size in zip(DECKS, sizes, strict=True):
        items = []
        for i in range(size):
            number += 1
            item: dict[str, object] = {
                "id": f"c{i + 1:05d}",
                "front": question(rng, number),
                "back": answer(rng),
                "tags": rng.sample(["design", "coding", "theory", "story", "ops", "data"], 2),
            }
            if rng.random() < 0.3:
                item["hint"] = sentence(rng, 5)
            if rng.random() < 0.5:
                item["level"] = rng.choice(["junior", "mid", "senior"])
            items.append(item)
            keys.append(f"{deck_id}/{item['id']}")
        deck = Deck.model_validate(
            {
                "id": deck_id,
                "name": name,
                "category": category,
                "description": f"Benchmark deck: {size} generated cards.",
                "cards": items,
            }
        )
        atomic_write(home.decks / f"{deck_id}.toml", deck_to_toml(deck), private=False)
    rng.shuffle(keys)
    return keys


class StepClock:
    """The clock the user's store reads; the simulation moves it through the year."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class MemoryLog:
    """`UserStore.record` with the month files kept in memory until `write`.

    Each entry is the block the log writer appends (`entry_to_toml`) and goes through the
    store's own `apply_entry`, with the store's position set to the block's end, as `record`
    does; only the durable append per entry (and the undo record) is left out. `due` holds
    (due, card) for every card as each action left it (older pairs of a card go stale), so a
    session finds what is due without scanning every card.
    """

    def __init__(self, store: UserStore) -> None:
        self.store = store
        self.folder = store._own_log()
        self.months: dict[str, bytearray] = {}
        self.last: LogEntry | None = None
        self.due: list[tuple[datetime, str]] = []

    def record(
        self, key: str, action: str = "grade", rating: Rating | None = None, ms: int = 0
    ) -> LogEntry:
        store = self.store
        now = store.clock()
        entry = LogEntry(new_entry_id(now), now, key, rating, action, max(0, ms), "drill")
        name = month_file(now)  # the clock only moves forward: the newest month is its own
        data = self.months.get(name)
        if data is None:
            data = self.months[name] = bytearray(LOG_HEADER)
        data += entry_to_toml(entry)
        apply_entry(store.scheduler, store.data, entry, store.rollover, store.tz)
        store.data.position = LogPosition(name, len(data), entry.id)
        self.last = entry
        state = store.state(key)
        if not state.is_new and not state.suspended and state.due is not None:
            heapq.heappush(self.due, (state.due, key))
        return entry

    def due_until(self, end: datetime) -> list[tuple[datetime, str]]:
        """Every card due by `end` (not new, not suspended), oldest first; they leave `due`
        (put back those not studied with `put_back`)."""
        states = self.store.states
        found: list[tuple[datetime, str]] = []
        taken: set[str] = set()
        while self.due and self.due[0][0] <= end:
            due, key = heapq.heappop(self.due)
            state = states[key]
            if state.due == due and not state.is_new and not state.suspended and key not in taken:
                found.append((due, key))
                taken.add(key)
        return found

    def put_back(self, keys: list[str]) -> None:
        for key in keys:
            due = self.store.state(key).due
            if due is not None:
                heapq.heappush(self.due, (due, key))

    def write(self) -> None:
        """Write every month file (the store's position then points into them)."""
        for name, data in sorted(self.months.items()):
            atomic_write(self.folder / name, bytes(data))
        if self.last is not None:
            self.store._raise_top([self.last])


def days(start: datetime, count: int) -> Iterator[tuple[int, datetime]]:
    for d in range(count):
        yield d, start + timedelta(days=d)


def history_days(reviews: int) -> int:
    """How many days the history spans: a year per REVIEWS_A_YEAR reviews, at least one."""
    return 365 * max(1, math.ceil(reviews / REVIEWS_A_YEAR))


def simulate(
    log: MemoryLog,
    clock: StepClock,
    keys: list[str],
    reviews: int,
    seed: int,
    new_first: bool = False,
) -> int:
    """Study every day of the years before now until `reviews` grades are in the log."""
    total_days = history_days(reviews)
    rng = random.Random(seed)
    difficulty = {k: rng.uniform(0.5, 2.0) for k in keys}
    unseen = list(reversed(keys))
    remaining = reviews
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    start = end - timedelta(days=total_days)
    for d, midnight in days(start, total_days):
        if remaining <= 0:
            break
        left = total_days - d
        budget = remaining if left == 1 else round(remaining / left * rng.uniform(0.5, 1.5))
        budget = max(0, min(budget, remaining))
        clock.now = midnight + timedelta(hours=rng.uniform(7, 20))
        last = left == 1
        remaining -= session(log, clock, unseen, budget, difficulty, rng, last, new_first)
    return reviews - remaining


def session(
    log: MemoryLog,
    clock: StepClock,
    unseen: list[str],
    budget: int,
    difficulty: dict[str, float],
    rng: random.Random,
    last: bool = False,
    new_first: bool = False,
) -> int:
    """One sitting: learning cards when due, then due reviews (oldest first), then new cards
    (with `new_first`, new cards before due reviews)."""
    store = log.store
    day_end = clock.now + timedelta(hours=12)
    due = log.due_until(day_end)
    if last and len(due) + 3 * len(unseen) < budget:  # the last day tops up by reviewing ahead
        due += log.due_until(datetime.max.replace(tzinfo=UTC))
    queue = [k for _, k in reversed(due)]
    learning: list[tuple[datetime, str]] = []
    done = 0
    while done < budget:
        now = clock.now
        if learning and learning[0][0] <= now:
            key = learning.pop(0)[1]
        elif new_first and unseen:
            key = unseen.pop()
        elif queue:
            key = queue.pop()
        elif unseen:
            key = unseen.pop()
        elif learning and (learning[0][0] <= now + timedelta(minutes=20) or last):
            clock.now = max(now, learning[0][0])
            key = learning.pop(0)[1]
        else:
            break
        state = store.state(key)
        recall = 0.85 if state.is_new else store.scheduler.retrievability(state, clock.now)
        if rng.random() < recall ** difficulty[key]:
            rating = rng.choices((2, 3, 4), weights=(1, 8, 1))[0]
        else:
            rating = 1
        ms = int(rng.lognormvariate(math.log(15_000), 0.6))
        log.record(key, "grade", rating, min(ms, 600_000))
        done += 1
        clock.now += timedelta(milliseconds=ms + rng.randint(1_000, 5_000))
        after = store.state(key)
        if after.lapses >= LEECH_LAPSES and not after.suspended:
            log.record(key, "suspend")
        elif after.state in ("learning", "relearning") and after.due and after.due <= day_end:
            bisect.insort(learning, (after.due, key))  # a learning step: back in this sitting
    log.put_back(queue)
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Build a flashprep data folder with generated decks and a year of history."
    )
    parser.add_argument("--cards", type=int, default=10_000, help="cards over all decks")
    parser.add_argument("--reviews", type=int, default=100_000, help="grades in the user's log")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated content")
    parser.add_argument(
        "--new-first",
        action="store_true",
        help="study new cards before due reviews (a short history over every card)",
    )
    parser.add_argument("dir", type=Path, help="the data folder to create (must not exist)")
    args = parser.parse_args(argv)
    if args.cards < len(DECKS) or args.reviews < 0:
        parser.error(f"--cards must be at least {len(DECKS)} and --reviews at least 0")
    if args.dir.exists() and any(args.dir.iterdir()):
        parser.error(f"{args.dir}: exists and is not empty")
    started = time.perf_counter()
    home = Home(args.dir)
    rng = random.Random(args.seed)
    keys = build_decks(home, args.cards, rng)
    built = time.perf_counter()
    profile = Profile.model_validate(
        {
            "seed": args.seed,
            "settings": {"timezone": "UTC", "new_per_day": 30, "reviews_per_day": 500},
        }
    )
    save_profile(home.user_dir(USER) / "profile.toml", profile)
    clock = StepClock(datetime.now(UTC))
    store = UserStore(home, USER, clock)
    log = MemoryLog(store)
    graded = simulate(log, clock, keys, args.reviews, args.seed, args.new_first)
    simulated = time.perf_counter()
    log.write()
    clock.now = datetime.now(UTC)
    store.checkpoint()
    done = time.perf_counter()
    seen = sum(1 for s in store.states.values() if not s.is_new)
    print(
        f"{args.dir}: {args.cards} cards in {len(DECKS)} decks ({built - started:.1f} s), "
        f"user {USER!r}: {graded} reviews of {seen} cards over {history_days(args.reviews)} days "
        f"({simulated - built:.1f} s simulated, {done - simulated:.1f} s written)"
    )
    if graded != args.reviews:
        print(f"warning: only {graded} of {args.reviews} reviews fit", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
