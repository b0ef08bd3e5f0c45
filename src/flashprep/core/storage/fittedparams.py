"""Keeping FSRS parameters fitted to a user: profile.toml's `[fsrs]` table, and the schedule
replayed under them.

The review log is never rewritten: only the states derived from it change. So the checkpoint
(and its cache) are removed before the profile changes and rebuilt after it; a crash in between
leaves a log that the next start replays in full under whichever profile is on disk. The history
cache of the statistics is keyed by the scheduler's settings, parameters included, and rebuilds
itself when next read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from flashprep.core.scheduling.parameters import parameters_problem
from flashprep.core.storage.profilemodels import Fsrs
from flashprep.core.storage.userstore import UserStore


def keep_parameters(
    store: UserStore, parameters: Sequence[float] | None, fitted_on: date, reviews: int
) -> None:
    """Write `parameters` (None: back to the defaults) to the profile and replay the schedule.

    The caller holds the user's lock. A profile that cannot be read is reported, never
    overwritten (store.profile raises first)."""
    profile = store.profile
    fsrs = None
    if parameters is not None:
        problem = parameters_problem(parameters)
        if problem is not None:
            raise ValueError(f"FSRS parameters: {problem}")
        fsrs = Fsrs(parameters=list(parameters), fitted_on=fitted_on, reviews=reviews)
    store.drop_checkpoint()
    store.save_profile(profile.model_copy(update={"fsrs": fsrs}))
    store.replay_log()
