"""Fitting FSRS to a user's own history, as `flashprep optimize` and the settings screen's
Optimize button both do it: read the review history, fit and compare out of sample
(core.scheduling.fitting), and keep the new parameters only when they predict better, with the
schedule replayed under them (core.storage.fittedparams). And how well the model fits the user
now (`calibration_report`: `stats --json`'s `calibration`, the statistics screen's panel), with
the defaults beside fitted parameters and a word when a fit is worth running.

Two steps, so that a caller can guard the second: `fit_user` reads and fits and writes nothing
of the user's (it may be cancelled at any point); `keep` writes the profile and rebuilds the
checkpoint, and should not be interrupted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, NamedTuple

from flashprep.core.scheduling.fitmetrics import Fit
from flashprep.core.scheduling.fitting import MIN_REVIEWS, FitOutcome, fit_history
from flashprep.core.scheduling.optimizer import Progress
from flashprep.core.scheduling.parameters import DEFAULT_PARAMETERS
from flashprep.core.stats.history import History, Review
from flashprep.core.stats.historycache import HistoryReader
from flashprep.core.stats.modelfit import (
    CALIBRATION_FILE,
    DEFAULT_CALIBRATION_FILE,
    CalibrationCache,
    calibration,
    card_histories,
)
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
    reading: Callable[[float], None] | None = None,
) -> UserFit:
    """Fit the user's history against the parameters in use. Writes nothing but the history
    cache (derived, safe to delete).

    Raises fitting.NotEnoughHistory, optimizer.FitCancelled or history.Cancelled (when
    `cancelled()` becomes true while the history is read). `reading` is told the share read
    when the whole log must be read again (no history cache)."""
    current = store.settings.parameters
    reader = HistoryReader(store, cancelled, reading)
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


def _figures(fit: Fit) -> str:
    return f"log loss {fit.log_loss:.4f}, RMSE(bins) {fit.rmse_bins:.4f}"


def report_lines(result: UserFit, kept: bool, dry_run: bool = False) -> list[str]:
    """What a fit found, in lines of at most 80 columns: the old and the new parameters scored
    on the held-out reviews, what was kept, and their calibration bin by bin."""
    outcome = result.outcome
    split = datetime.fromtimestamp(outcome.split_ms / 1000, UTC).date().isoformat()
    current = "fitted" if result.fitted else "default"
    lines = [
        f"Fitted FSRS-6 to your reviews before {split}; scored on the "
        f"{outcome.after.reviews:,} since:",
        f"  {current + ' parameters (in use)':<28} {_figures(outcome.before)}",
        f"  {'new parameters':<28} {_figures(outcome.after)}",
    ]
    change = f"{(outcome.after.log_loss / outcome.before.log_loss - 1) * 100:+.1f}% log loss"
    if not outcome.better:
        lines.append(f"Kept the {current} parameters: the new ones predict no better ({change}).")
    elif dry_run:
        lines.append(f"The new parameters predict better ({change}); --dry-run: nothing kept.")
    elif kept:
        lines.append(
            f"Kept the new parameters ({change}), fitted again on all {outcome.reviews:,}."
        )
        lines.append("Written to profile.toml; your schedule was replayed under them.")
    lines.append("Calibration on those reviews: predicted recall -> share recalled (reviews)")
    lines.append(f"  {'predicted':<11} {'in use':<24} new")
    old = {b.low: b for b in outcome.before.bins}
    new = {b.low: b for b in outcome.after.bins}
    for low in sorted(old.keys() | new.keys()):
        cells = []
        for bins in (old, new):
            b = bins.get(low)
            cells.append(
                f"{b.predicted:.1%} -> {b.actual:.1%} ({b.reviews:,})" if b is not None else "-"
            )
        high = (old.get(low) or new[low]).high
        lines.append(f"  {low:.2f}-{high:.2f}  {cells[0]:<24} {cells[1]}")
    return lines


REFIT_GROWTH = 2
"""A new fit is suggested once the history holds this many times the grades of the last one."""


def calibration_report(
    reviews: Iterable[Review],
    store: UserStore,
    deck: str | None = None,
    reader: HistoryReader | None = None,
    progress: Callable[[float], None] | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """`stats --json`'s `calibration` (modelfit.calibration under the parameters in use); with
    fitted parameters, `default`: the same under the defaults, before the fit. `advice` says
    when a fit is worth running (enough reviews and none yet, or the history doubled since the
    last; only for every deck) or is None. `reviews` is best a History (HistoryReader.load).

    With the `reader` that loaded it, the scoring goes on from where the last one stopped
    (modelfit.CalibrationCache, saved here) instead of scoring every grade again; `progress` is
    told the share scored when that is long. `meanwhile` is called once, here: while a child
    scores most of a long history's grades, when the scoring is split (the caller's statistics,
    computed in the meantime)."""
    history = History.of(reviews)
    parameters = store.settings.parameters
    caches: list[CalibrationCache] = []

    def cache(name: str) -> CalibrationCache | None:
        if reader is None:
            return None
        caches.append(CalibrationCache(reader.folder, reader.marks, reader.stable, progress, name))
        return caches[-1]

    report = calibration(history, parameters, deck, cache(CALIBRATION_FILE), meanwhile)
    advice = None
    if parameters is None:
        report["default"] = None
        if deck is None and report["reviews"] >= MIN_REVIEWS:
            advice = (
                f"{report['reviews']:,} reviews: enough to fit the model to you "
                "(Optimize on the settings screen, or flashprep optimize)."
            )
    else:
        default = calibration(history, None, deck, cache(DEFAULT_CALIBRATION_FILE))
        del default["parameters"], default["recall_shift"]
        report["default"] = default
        fitted = store.profile.fsrs
        before = fitted.reviews if fitted is not None else None
        if deck is None and before and len(history) >= REFIT_GROWTH * before:
            advice = (
                f"Your history has grown from {before:,} to {len(history):,} reviews since the "
                "fit: worth fitting again (Optimize on the settings screen)."
            )
    report["advice"] = advice
    for kept in caches:
        kept.save()
    return report


def forecast_shift(store: UserStore, reader: HistoryReader | None = None) -> float:
    """The log-odds shift the forecast of recall on the interview date applies: `stats --json`'s
    `calibration.recall_shift`, from the same scoring and its saved state (so the plan and the
    statistics predict the same). Reads the history through its cache; writes only caches."""
    reader = reader or HistoryReader(store)
    history = reader.load()
    cache = CalibrationCache(reader.folder, reader.marks, reader.stable)
    shift = float(calibration(history, store.settings.parameters, None, cache)["recall_shift"])
    cache.save()
    reader.save()
    return shift
