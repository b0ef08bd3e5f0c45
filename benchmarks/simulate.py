"""Simulated learners: how much more a user remembers on interview day with flashprep's plan.

    python benchmarks/simulate.py [--quick | --tiny] [--json] [--cards N] [--learners N]
        [--budgets 20,45,90] [--days 14,30,60] [--truth fsrs6,actr] [--policies ...] [--jobs N]
        [--fit-at SHARE]

Each learner (simlearner.py) has a hidden memory: FSRS-6 with its own parameters and per-card
difficulty (`fsrs6`), or an ACT-R-style power law with a spacing effect (`actr`), which is not
the scheduler's model. Recall is drawn from the true probability, the grade from it, the answer
time from the card's target time with noise. Each policy (simpolicy.py) studies one sitting a
day within the daily budget of minutes, through flashprep's own Drill, scheduler and store.

Measured at noon on the interview date (14, 30 and 60 days after the start, no sitting that day):
the true mean recall over every card of the decks (a card never studied counts 0), the share of
cards whose true recall is at least 0.9, the grades and minutes spent, and, for `plan`,
flashprep's own forecast of that recall (`recall_on_date` of `stats --json`, taken the evening
before). Figures are means over the learners.

The data folders live in a tmpfs folder (/dev/shm) when there is one: the store fsyncs every
grade, which on a disk would dominate the run; nothing else differs from a user's folder.

`--fit-at 0.25` fits FSRS to each `plan` learner's history as the Optimize button does, once
it holds enough reviews (tried after each quarter of the days), so that the forecast is made
with parameters fitted to the learner.

`--quick` (the generated collection cut to 300 cards, one learner, 20 and 45 minutes, 14 and 30
days) runs in seconds (the test suite runs it, and `--tiny`: 60 cards, 10 days).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from simlearner import TRUTHS, make_learner
from simpolicy import (
    POLICIES,
    Clock,
    Sitting,
    Sm2,
    Tally,
    flashprep_day,
)

from flashprep.core.decks.library import DeckLibrary
from flashprep.core.interview.plan import interview_instant, readiness, today_plan
from flashprep.core.interview.projection import forecast as plan_forecast
from flashprep.core.interview.timing import card_target
from flashprep.core.paths import Home
from flashprep.core.scheduling.fitting import NotEnoughHistory
from flashprep.core.stats.optimize import fit_user, forecast_shift, keep
from flashprep.core.storage.profile import Profile, save_profile
from flashprep.core.storage.userstore import UserStore

START = datetime(2027, 1, 4, 18, tzinfo=UTC)
"""The first sitting: a Monday, 18:00 UTC (the simulated users live in UTC)."""
BUNDLED = Path(__file__).resolve().parent.parent / "decks"
CATEGORIES = ("technical", "technical", "technical", "behavioral", "system-design", "general")


def generated_decks(folder: Path, cards: int) -> Path:
    """A collection of `cards` cards in 20 decks of mixed categories."""
    folder.mkdir(parents=True)
    per_deck = max(1, cards // 20)
    for d in range(min(20, cards)):
        body = "".join(
            f'\n[[cards]]\nid = "c{i}"\nfront = "Question {d}.{i}?"\nback = "Answer {i}."\n'
            for i in range(per_deck)
        )
        category = CATEGORIES[d % len(CATEGORIES)]
        (folder / f"deck{d:02d}.toml").write_text(
            f'id = "deck{d:02d}"\nname = "Deck {d}"\ncategory = "{category}"\n{body}'
        )
    return folder


@dataclass(frozen=True)
class Job:
    """One learner under one policy: for `plan`, `fsrs_paced` and `cram` one interview date;
    `fsrs` and `sm2` do not depend on the date, so one run is measured at every horizon."""

    policy: str
    truth: str
    budget: int
    horizons: tuple[int, ...]
    learner: int
    paced_new: int = 0
    fit_at: float = 0.0
    """For `plan`: the share of the days after which FSRS is fitted to the learner's history
    (core.stats.optimize, what Optimize does), tried again each such share of the days while
    the history is too short; 0: never."""


@dataclass(frozen=True)
class Row:
    policy: str
    truth: str
    budget: int
    days: int
    learner: int
    recall: float
    above: float
    reviews: int
    minutes: float
    forecast: float | None
    start_pace: int = 0
    projected: float | None = None
    """For `plan`: the plan screen's prediction on the first day (projection.forecast)."""
    midway: float | None = None
    """The same half way to the date."""
    fitted: bool | None = None
    """With --fit-at: whether the fit's parameters were kept (None: no fit was run)."""


@contextmanager
def data_root() -> Iterator[Path]:
    shm = Path("/dev/shm")
    base = shm if shm.is_dir() and os.access(shm, os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="flashprep-sim-", dir=base) as tmp:
        yield Path(tmp)


_WORLD: dict[str, Any] = {}


def _world(decks: str, cards: int, root: Path) -> tuple[Home, DeckLibrary]:
    """This process's data folder (under `root`, which the main process removes at the end)
    and library, made once per process."""
    if "library" not in _WORLD:
        mine = root / f"p{os.getpid()}"
        folder = BUNDLED if decks == "bundled" else generated_decks(mine / "decks", cards)
        home = Home(mine / "home")
        _WORLD.update(home=home, library=DeckLibrary.load(home, folder))
    return _WORLD["home"], _WORLD["library"]


def run_job(job: Job, decks: str, cards: int, seed: int, root: Path) -> list[Row]:
    home, library = _world(decks, cards, root)
    keys = library.card_keys()
    learner_seed = seed * 1000 + job.learner * 17 + TRUTHS.index(job.truth)
    learner = make_learner(job.truth, keys, learner_seed)
    targets = {k: float(card_target(library, k) or 60) for k in keys}
    tally = Tally()
    last = max(job.horizons)
    interview_day = (START + timedelta(days=last)).date()
    measures = {(START + timedelta(days=h)).date(): h for h in job.horizons}
    clock = Clock(START)
    user = f"{job.policy}-{job.truth}-{job.budget}-{last}-{job.learner}"
    rows: list[Row] = []
    if job.policy == "sm2":
        sm2 = Sm2(list(keys))
        store = None
    else:
        settings: dict[str, Any] = {"timezone": "UTC", "daily_minutes": job.budget}
        if job.policy == "fsrs_paced":
            settings["new_per_day"] = job.paced_new
        data: dict[str, Any] = {"seed": job.learner + 1, "settings": settings}
        if job.policy == "plan":
            data["interview"] = {"date": interview_day.isoformat()}
        save_profile(home.user_dir(user) / "profile.toml", Profile.model_validate(data))
        store = UserStore(home, user, clock)
    start_pace = 0
    projected = midway = None
    if store is not None and job.policy == "plan":
        plan = today_plan(library, store)
        start_pace = plan.new_per_day if plan else 0
        ahead = plan_forecast(library, store)
        projected = ahead.predicted if ahead else None
    forecast: float | None = None
    fitted: bool | None = None
    for day in range(last + 1):
        today = (START + timedelta(days=day)).date()
        if today in measures:
            rows.append(_measure(job, learner, keys, today, measures[today], tally, forecast))
            extra = {
                "start_pace": start_pace,
                "projected": projected,
                "midway": midway,
                "fitted": fitted,
            }
            rows[-1] = Row(**{**rows[-1].__dict__, **extra})
        if day == last:
            break
        clock.now = START + timedelta(days=day)
        sitting = Sitting(learner, clock, targets, job.budget * 60_000, tally)
        if store is None:
            sm2.day(sitting)
        else:
            if job.policy == "plan" and day == last // 2 and day > 0:
                ahead = plan_forecast(library, store, shift=forecast_shift(store))
                midway = ahead.predicted if ahead else None
            flashprep_day(job.policy, library, store, sitting, last - day)
            step = max(1, int(last * job.fit_at))
            if job.policy == "plan" and job.fit_at and fitted is None and (day + 1) % step == 0:
                fitted = _fit(store)  # tried again a step later while too few reviews
            if job.policy == "plan" and day == last - 1:
                forecast = _forecast(library, store)
    return rows


def _fit(store: UserStore) -> bool | None:
    """Fit FSRS to the learner's history so far and keep the parameters when they predict
    better, as Optimize does; None when the history is too short to fit."""
    try:
        return keep(store, fit_user(store))
    except NotEnoughHistory:
        return None


def _forecast(library: DeckLibrary, store: UserStore) -> float:
    """flashprep's own prediction of recall on the date: `recall_on_date` of `stats --json`,
    over all the interview's cards (each topic weighted by its cards), with the recall shift
    fitted on the learner's grades as `stats --json` fits it."""
    rows = readiness(library, store, shift=forecast_shift(store))
    cards = sum(t.cards for t in rows)
    return sum((t.recall_on_date or 0.0) * t.cards for t in rows) / cards if cards else 0.0


def _measure(
    job: Job,
    learner: Any,
    keys: list[str],
    day: date,
    horizon: int,
    tally: Tally,
    forecast: float | None,
) -> Row:
    at = interview_instant(day, UTC)
    recalls = [learner.memory.recall(k, at) for k in keys]
    return Row(
        policy=job.policy,
        truth=job.truth,
        budget=job.budget,
        days=horizon,
        learner=job.learner,
        recall=sum(recalls) / len(recalls),
        above=sum(1 for r in recalls if r >= 0.9) / len(recalls),
        reviews=tally.reviews,
        minutes=tally.ms / 60_000,
        forecast=forecast if job.policy == "plan" else None,
    )


def _run(args: tuple[Job, str, int, int, Path]) -> list[Row]:
    return run_job(*args)


def run_all(opts: argparse.Namespace) -> list[Row]:
    def jobs_for(policy: str) -> list[Job]:
        out = []
        for truth in opts.truth:
            for budget in opts.budgets:
                for learner in range(opts.learners):
                    if policy in ("fsrs", "sm2"):
                        out.append(Job(policy, truth, budget, tuple(opts.days), learner))
                    else:
                        for h in opts.days:
                            pace = paces.get((truth, budget, h, learner), 0)
                            fit_at = opts.fit_at if policy == "plan" else 0.0
                            out.append(Job(policy, truth, budget, (h,), learner, pace, fit_at))
        return out

    rows: list[Row] = []
    paces: dict[tuple[str, int, int, int], int] = {}
    wanted = [p for p in POLICIES if p in opts.policies]
    first = ["plan"] if "plan" in wanted or "fsrs_paced" in wanted else []
    rest = [p for p in wanted if p != "plan"]
    with data_root() as root, ProcessPoolExecutor(max_workers=opts.jobs) as pool:
        for group in (first, rest):
            jobs = [j for p in group for j in jobs_for(p)]
            args = [(j, opts.decks, opts.cards, opts.seed, root) for j in jobs]
            for out in pool.map(_run, args):
                for row in out:
                    if row.policy == "plan":
                        paces[(row.truth, row.budget, row.days, row.learner)] = row.start_pace
                rows += out
    return [r for r in rows if r.policy in wanted]


def summarize(rows: list[Row], extra: bool = False) -> list[dict[str, Any]]:
    """Mean over learners: one row per policy, truth, budget and horizon (with `extra`, also
    the plan's first-day projection and the new cards it started with, for the table)."""
    groups: dict[tuple[str, str, int, int], list[Row]] = {}
    for r in rows:
        groups.setdefault((r.policy, r.truth, r.budget, r.days), []).append(r)
    out = []
    for (policy, truth, budget, days), rs in groups.items():
        n = len(rs)
        forecasts = [r.forecast for r in rs if r.forecast is not None]
        out.append(
            {
                "policy": policy,
                "truth": truth,
                "budget_minutes": budget,
                "days": days,
                "recall_on_date": round(sum(r.recall for r in rs) / n, 4),
                "above_0_9": round(sum(r.above for r in rs) / n, 4),
                "reviews": round(sum(r.reviews for r in rs) / n, 1),
                "minutes": round(sum(r.minutes for r in rs) / n, 1),
                "forecast": round(sum(forecasts) / len(forecasts), 4) if forecasts else None,
            }
        )
        if extra:
            projected = [r.projected for r in rs if r.projected is not None]
            out[-1]["projected"] = sum(projected) / len(projected) if projected else None
            midway = [r.midway for r in rs if r.midway is not None]
            out[-1]["midway"] = sum(midway) / len(midway) if midway else None
            out[-1]["start_pace"] = sum(r.start_pace for r in rs) / n
            out[-1]["fitted"] = [r.fitted for r in rs]
    order = {p: i for i, p in enumerate(POLICIES)}
    out.sort(key=lambda d: (d["truth"], d["budget_minutes"], d["days"], order[d["policy"]]))
    return out


def table(summary: list[dict[str, Any]]) -> str:
    """A Markdown table: one line per setting, the plan's lead over fsrs and fsrs_paced."""
    by = {(d["truth"], d["budget_minutes"], d["days"], d["policy"]): d for d in summary}
    settings = sorted({(d["truth"], d["budget_minutes"], d["days"]) for d in summary})
    policies = [p for p in POLICIES if any(d["policy"] == p for d in summary)]
    head = "| truth | min/day | days | " + " | ".join(policies)
    head += " | plan − fsrs | plan − paced | ≥0.9 plan / paced | forecast (eve) | projected day 0"
    head += " | projected half way"
    head += " | min/day used (plan) |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]

    def pct(v: float | None) -> str:
        return "—" if v is None else f"{v * 100:.1f}"

    for truth, budget, days in settings:
        cells = [by.get((truth, budget, days, p)) for p in policies]
        recall = {p: c["recall_on_date"] for p, c in zip(policies, cells, strict=True) if c}
        plan = by.get((truth, budget, days, "plan"))
        paced = by.get((truth, budget, days, "fsrs_paced"))

        leads = [
            f"{(recall['plan'] - recall[other]) * 100:+.1f}"
            if "plan" in recall and other in recall
            else "—"
            for other in ("fsrs", "fsrs_paced")
        ]

        above = f"{pct(plan['above_0_9'])} / {pct(paced['above_0_9'])}" if plan and paced else "—"
        fc = "—"
        if plan and plan["forecast"] is not None:
            off = (plan["forecast"] - plan["recall_on_date"]) * 100
            fc = f"{pct(plan['forecast'])} ({off:+.1f})"
        used = f"{plan['minutes'] / days:.0f}" if plan else "—"
        proj = []
        for when in ("projected", "midway"):
            value = plan.get(when) if plan else None
            if plan is None or value is None:
                proj.append("—")
                continue
            proj.append(f"{pct(value)} ({(value - plan['recall_on_date']) * 100:+.1f})")
        lines.append(
            f"| {truth} | {budget} | {days} | "
            + " | ".join(pct(c["recall_on_date"]) if c else "—" for c in cells)
            + f" | {leads[0]} | {leads[1]} | {above} | {fc} | {proj[0]} | {proj[1]} | {used} |"
        )
    return "\n".join(lines)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--quick", action="store_true", help="a smaller run (a few minutes)")
    p.add_argument("--tiny", action="store_true", help="a very small run (for the tests)")
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    p.add_argument("--decks", choices=("bundled", "generated"), default="bundled")
    p.add_argument("--cards", type=int, default=0, help="cards of the generated collection")
    p.add_argument("--learners", type=int, default=5)
    p.add_argument("--budgets", default="20,45,90")
    p.add_argument("--days", default="14,30,60")
    p.add_argument("--truth", default=",".join(TRUTHS))
    p.add_argument("--policies", default=",".join(POLICIES))
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--fit-at",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="fit FSRS to each plan learner's history after this share of the days, and again "
        "each such share while it is too short (e.g. 0.25)",
    )
    opts = p.parse_args(argv)
    if opts.tiny:
        opts.decks, opts.cards, opts.learners = "generated", 60, 1
        opts.budgets, opts.days, opts.truth = "10", "10", "fsrs6,actr"
    elif opts.quick:
        opts.decks, opts.cards, opts.learners = "generated", 300, 1
        opts.budgets, opts.days = "20,45", "14,30"
    if opts.decks == "generated" and not opts.cards:
        opts.cards = 2000
    try:
        opts.budgets = [int(b) for b in opts.budgets.split(",")]
        opts.days = sorted(int(d) for d in opts.days.split(","))
    except ValueError:
        p.error("--budgets and --days take whole numbers separated by commas")
    if any(b <= 0 for b in opts.budgets) or any(d <= 0 for d in opts.days):
        p.error("--budgets and --days must be more than 0")
    opts.truth = opts.truth.split(",")
    opts.policies = opts.policies.split(",")
    for name, known in (("truth", TRUTHS), ("policies", POLICIES)):
        bad = [v for v in getattr(opts, name) if v not in known]
        if bad:
            p.error(f"--{name}: unknown {', '.join(bad)} (known: {', '.join(known)})")
    return opts


def main(argv: list[str] | None = None) -> int:
    opts = parse(argv)
    random.seed(opts.seed)
    began = time.perf_counter()
    summary = summarize(run_all(opts), extra=not opts.json)
    if opts.json:
        print(json.dumps(summary, indent=1))
    else:
        print(table(summary))
        if opts.fit_at:
            every = f"{opts.fit_at:.0%}"
            print(f"\nFSRS fitted to each plan learner (tried every {every} of the days):")
            for d in summary:
                if d["policy"] == "plan":
                    fits = d["fitted"]
                    print(
                        f"  {d['truth']} {d['budget_minutes']} min {d['days']} days: kept "
                        f"{fits.count(True)}, not better {fits.count(False)}, "
                        f"too few reviews {fits.count(None)}"
                    )
        print(
            f"\n{opts.learners} learner(s) per setting, {opts.decks} decks"
            + (f" ({opts.cards} cards)" if opts.decks == "generated" else "")
            + f"; {time.perf_counter() - began:.0f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
