"""`flashprep plan`: set, show or clear the interview date the schedule prepares for."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import TYPE_CHECKING, Any

from flashprep.commands.common import (
    CliError,
    OpenedUser,
    add_common_options,
    check_deck_ids,
    open_user,
    show,
    show_json,
)
from flashprep.commands.decks import NAME_WIDTH
from flashprep.core.files.lock import LockedError, UserLock
from flashprep.core.text import one_line
from flashprep.format import NO_VALUE, clip, forecast_sentence, percent

if TYPE_CHECKING:
    from flashprep.core.storage.userstore import UserStore


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "plan",
        help="set, show or clear your interview date",
        description="Until the interview date, drills bring forward the cards whose predicted "
        "recall on the date is below the target and pace new cards so all are introduced in "
        "time; after it, normal scheduling resumes. Without options, shows the current plan.",
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--date", metavar="YYYY-MM-DD", help="the interview date")
    action.add_argument("--clear", action="store_true", help="remove the interview date")
    parser.add_argument(
        "--deck",
        action="append",
        metavar="ID",
        help="a deck the interview is about (repeatable; default: all decks)",
    )
    parser.add_argument(
        "--target",
        type=float,
        metavar="R",
        help="predicted recall to reach on the date, 0.5-0.99 (default 0.9)",
    )
    parser.add_argument("--json", action="store_true", help="print the plan as JSON")
    add_common_options(parser)
    parser.set_defaults(func=run)


def parse_date(text: str, today: date) -> date:
    from flashprep.core.storage.profilemodels import (
        interview_date_problem,  # pydantic: not at start-up
    )

    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise CliError(f"--date: {text!r} is not a date (YYYY-MM-DD)") from None
    problem = interview_date_problem(day, today)
    if problem is not None:
        raise CliError(f"--date: {problem}")
    return day


def run(args: argparse.Namespace) -> int:
    opened = open_user(args)
    changing = args.date is not None or args.clear or args.deck or args.target is not None
    if changing:
        _change(args, opened)
    return _show(opened, args.json)


def _change(args: argparse.Namespace, opened: OpenedUser) -> None:
    from flashprep.core.storage.profile import Interview, load_profile

    store = opened.store
    if args.clear and (args.deck or args.target is not None):
        raise CliError("--clear takes no --deck or --target")
    if args.deck:
        check_deck_ids(opened.library, args.deck)
    if args.target is not None and not 0.5 <= args.target <= 0.99:
        raise CliError(f"--target: {args.target} must be between 0.5 and 0.99")
    current = store.profile.interview
    if args.clear:
        interview = None
    else:
        if args.date is None and current is None:
            raise CliError("no interview date set: give one with --date YYYY-MM-DD")
        day = parse_date(args.date, store.today()) if args.date is not None else current.date  # type: ignore[union-attr]
        base = current or Interview(date=day)
        interview = Interview(
            date=day,
            decks=list(dict.fromkeys(args.deck)) if args.deck else base.decks,
            target_recall=args.target if args.target is not None else base.target_recall,
        )
    lock = UserLock(store.folder)
    try:
        lock.acquire()
    except LockedError as exc:
        raise CliError(str(exc)) from None
    try:
        # re-read under the lock: nobody else may have changed it in between
        profile = load_profile(store.profile_path) if store.profile_path.exists() else store.profile
        store.save_profile(profile.model_copy(update={"interview": interview}))
    finally:
        lock.release()


def _forecast_shift(store: UserStore) -> float:
    """The forecast's shift (stats.optimize.forecast_shift), with a bar on a terminal while a
    history without its cache (a first run on copied data) is read and replayed."""
    from flashprep.commands.progress import ProgressBar
    from flashprep.core.stats.historycache import HistoryReader
    from flashprep.core.stats.optimize import forecast_shift

    bar: list[ProgressBar] = []

    def reading(done: float) -> None:
        if not bar:
            bar.append(ProgressBar(sys.stderr, "reading your review history"))
        bar[0](done)

    try:
        return forecast_shift(store, HistoryReader(store, progress=reading))
    finally:
        if bar:
            bar[0].clear()


def plan_json(opened: OpenedUser) -> dict[str, Any]:
    from flashprep.core.interview.plan import readiness, today_plan
    from flashprep.core.interview.projection import forecast

    store = opened.store
    interview = store.profile.interview
    plan = today_plan(opened.library, store)
    shift = _forecast_shift(store) if interview else 0.0
    predicted = forecast(opened.library, store, shift=shift) if interview else None
    return {
        "interview_date": interview.date.isoformat() if interview else None,
        "days_left": (interview.date - store.today()).days if interview else None,
        "decks": interview.decks if interview else [],
        "target_recall": interview.target_recall if interview else None,
        "new_left": plan.new_left if plan else 0,
        "new_per_day": plan.new_per_day if plan else 0,
        "bring_forward_today": len(plan.bring_forward) if plan else 0,
        "readiness": (
            [t.to_json() for t in readiness(opened.library, store, shift=shift)]
            if interview
            else []
        ),
        "forecast": (
            {**predicted.to_json(), "sentence": forecast_sentence(predicted)}
            if predicted is not None
            else None
        ),
    }


def _show(opened: OpenedUser, as_json: bool) -> int:
    data = plan_json(opened)
    if as_json:
        show_json(data)
        return 0
    interview = opened.store.profile.interview
    if interview is None:
        show("No interview date set. Set one with: flashprep plan --date YYYY-MM-DD")
        return 0
    days = data["days_left"]
    when = "today" if days == 0 else f"in {days} days" if days > 0 else f"{-days} days ago"
    library = opened.library
    names = [one_line(d.name) if (d := library.get(i)) else i for i in interview.decks]
    decks = ", ".join(names) or "all decks"
    show(f"Interview {interview.date.isoformat()} ({when}) · {decks}")
    show(f"Target: {interview.target_recall:.0%} predicted recall on the date")
    if days <= 0:
        show("The date has come: normal scheduling again.")
    else:
        own = opened.store.profile.settings.new_per_day
        show(
            f"Today: {data['bring_forward_today']} cards brought forward · "
            f"{data['new_left']} new cards left, {data['new_per_day']} a day suggested "
            f"(your limit: {own})"
        )
    if data["forecast"] is not None:
        show(data["forecast"]["sentence"])
    show()
    rows = data["readiness"]
    width = min(max([len(one_line(r["name"])) for r in rows] + [5]), NAME_WIDTH)
    show(
        f"{'TOPIC':<{width}}  {'CARDS':>5} {'NEW':>4} {'NOW':>5} {'ON DATE':>7} {'BELOW':>5} "
        f"{'REVIEWS':>7}"
    )
    for r in rows:
        below = NO_VALUE if r["below_target"] is None else r["below_target"]
        needed = NO_VALUE if r["reviews_needed"] is None else r["reviews_needed"]
        name = clip(one_line(r["name"]), width)
        show(
            f"{name:<{width}}  {r['cards']:>5} {r['new']:>4} {percent(r['recall_now']):>5} "
            f"{percent(r['recall_on_date']):>7} {below:>5} {needed:>7}"
        )
    return 0
