"""Fitting FSRS to a user's own history, as `flashprep optimize` and the settings screen's
Optimize button both do it: read the review history, fit and compare out of sample
(core.scheduling.fitting), and keep the new parameters only when they predict better, with the
schedule replayed under them (core.storage.fittedparams).

Two steps, so that a caller can guard the second: `fit_user` reads and fits and writes nothing
of the user's (it may be cancelled at any point); `keep` writes the profile and rebuilds the
checkpoint, and should not be interrupted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from flashprep.core.scheduling.fitting import FitOutcome, fit_history
from flashprep.core.scheduling.optimizer import Progress
from flashprep.core.scheduling.parameters import DEFAULT_PARAMETERS
from flashprep.core.stats.historycache import HistoryReader
from flashprep.core.stats.modelfit import card_histories
from flashprep.core.storage.userstore import UserStore


class UserFit(NamedTuple):
    """A fit of one user's history, not yet kept."""

    outcome: FitOutcome
    fitted: bool
    """Whether the parameters it was compared with were fitted ones (else the defaults)."""
    grades: int
    """Every grade of the history (what profile.toml's `[fsrs] reviews` records)."""


def fit_user(
    store: UserStore,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> UserFit:
    """Fit the user's history against the parameters in use. Writes nothing but the history
    cache (derived, safe to delete).

    Raises fitting.NotEnoughHistory, optimizer.FitCancelled or history.Cancelled (when
    `cancelled()` becomes true while the history is read)."""
    current = store.settings.parameters
    reader = HistoryReader(store, cancelled)
    history = reader.load()
    reader.save()
    outcome = fit_history(
        card_histories(history), current or DEFAULT_PARAMETERS, progress, cancelled
    )
    return UserFit(outcome, current is not None, len(history))


def keep(store: UserStore, result: UserFit) -> bool:
    """Keep the new parameters when they predict better (profile.toml's `[fsrs]`, the schedule
    replayed under them); whether they were kept. The caller holds the user's lock."""
    if not result.outcome.better:
        return False
    # here: the profile's models (pydantic) are only for writing it
    from flashprep.core.storage.fittedparams import keep_parameters

    keep_parameters(store, result.outcome.parameters, store.today(), result.grades)
    return True
