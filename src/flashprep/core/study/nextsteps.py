"""When a drill has nothing (more) to show: what can still be studied today.

"Nothing to drill right now" alone leaves a user stuck at a spent limit or an empty schedule; the
summary (drill.Summary says why nothing is left) offers custom study (see customstudy).
"""

from __future__ import annotations

from typing import NamedTuple

from flashprep.core.study.customstudy import DrillOptions
from flashprep.core.study.drill import AHEAD_DAYS, Summary

EXTRA_NEW = 10
"""New cards the summary offers to add to today's limit (fewer when fewer wait)."""


class Offer(NamedTuple):
    """A drill the summary can start: its key, what it says, and the options it opens with."""

    key: str
    label: str
    options: DrillOptions


def offers(summary: Summary) -> list[Offer]:
    """Custom study worth offering once a drill of decks is over (not when it was stopped
    with cards left: those come first)."""
    if summary.mode != "drill" or summary.left:
        return []
    out: list[Offer] = []
    if summary.new_waiting:
        extra = min(EXTRA_NEW, summary.new_waiting)  # on top of any extra this drill had
        out.append(
            Offer(
                "n",
                f"Study more today: +{extra} new",
                DrillOptions(extra_new=summary.extra_new + extra),
            )
        )
    if summary.ahead:
        out.append(
            Offer(
                "r",
                f"Review ahead: {summary.ahead} due in the next {AHEAD_DAYS} days",
                DrillOptions(ahead_days=AHEAD_DAYS),
            )
        )
    return out
