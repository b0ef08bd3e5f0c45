"""Fitting FSRS-6's parameters to a user's grades: fsrs's own optimizer, in plain Python.

Why this and not a library: the reference optimizer (`fsrs[optimizer]`) needs PyTorch (over a
gigabyte installed), and `fsrs-rs-python`, small and fast, declares no licence. A numpy or scipy
fit would add tens of megabytes for one command. The model is small (21 numbers, a few lines of
arithmetic per grade), so its gradient is worked out by hand here (reverse mode, one card at a
time) and the reference's training is followed step for step: the same start (the defaults), the
same loss (binary cross-entropy of the predicted recall at each grade a day or more after the
last, on each card's first 64 grades), Adam with the same rate, batches of 512 such grades, the
same cosine schedule and card shuffling (seed 42), parameters clamped into their bounds after
each step, and the best of the five epochs kept. So on the same history it finds what the
reference finds (benchmarks/optimizer_agreement.py measures it), without the dependency.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence

from flashprep.core.scheduling.fitmetrics import bce
from flashprep.core.scheduling.memorymodel import (
    D_MAX,
    D_MIN,
    S_MIN,
    CardReviews,
    elapsed_days,
    predictions,
)
from flashprep.core.scheduling.parameters import (
    COUNT,
    DEFAULT_PARAMETERS,
    Parameters,
    clamped,
)

EPOCHS = 5
BATCH = 512
"""Scored grades per gradient step; fewer than this in a whole history and nothing is fitted
(the reference returns its start)."""
LEARNING_RATE = 4e-2
MAX_GRADES = 64
"""Only each card's first 64 grades are fitted on (the reference's `max_seq_len`)."""
SEED = 42
_LN_09 = math.log(0.9)
_BETAS = (0.9, 0.999)
_EPS = 1e-8
_BCE_EPS = 1e-12

_Partials = tuple[tuple[int, float], ...]
"""A quantity's derivatives by the parameters that move it: (parameter index, value)."""
_Step = tuple[float, float, float, float, _Partials, _Partials]
"""One grade on the tape: d new S / d S, d new S / d D, d new D / d D, d loss / d S (the
stability before the grade), and the parameters' derivatives of the new S and the new D."""

Progress = Callable[[float], None]
"""Told the share of the work done (0 to 1) from time to time."""


class FitCancelled(Exception):
    """The caller asked the fit to stop (`cancelled()` became true)."""


def log_loss(w: Parameters, cards: Sequence[CardReviews], limit: int | None = None) -> float:
    """Mean binary cross-entropy of the model's predictions at the scored grades (logs clipped
    at -100, as torch's BCELoss does); nan when there is no scored grade."""
    scored = predictions(w, cards, limit)
    return sum(bce(p.recall, p.passed) for p in scored) / len(scored) if scored else math.nan


def scored_count(cards: Sequence[CardReviews], limit: int | None = MAX_GRADES) -> int:
    """How many of the cards' grades are scored (a day or more after the card's last grade)."""
    total = 0
    for card in cards:
        days = elapsed_days(card.ms[:limit] if limit is not None else card.ms)
        total += sum(1 for index, day in enumerate(days) if index and day > 0)
    return total


class _Adam:
    """torch.optim.Adam's update (no weight decay), with CosineAnnealingLR's rate."""

    def __init__(self, total_steps: int) -> None:
        self.m = [0.0] * COUNT
        self.v = [0.0] * COUNT
        self.t = 0
        self.total = max(1, total_steps)

    def step(self, w: list[float], grad: list[float]) -> list[float]:
        b1, b2 = _BETAS
        rate = LEARNING_RATE * (1 + math.cos(math.pi * self.t / self.total)) / 2
        self.t += 1
        correction1 = 1 - b1**self.t
        correction2_sqrt = math.sqrt(1 - b2**self.t)
        out = list(w)
        for i in range(COUNT):
            g = grad[i]
            self.m[i] = b1 * self.m[i] + (1 - b1) * g
            self.v[i] = b2 * self.v[i] + (1 - b2) * g * g
            denom = math.sqrt(self.v[i]) / correction2_sqrt + _EPS
            out[i] -= rate / correction1 * self.m[i] / denom
        return list(clamped(out))


def fit(
    cards: Sequence[CardReviews],
    start: Parameters = DEFAULT_PARAMETERS,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Parameters:
    """The parameters that best predict `cards` (the reference's training; see the module).

    Raises FitCancelled as soon as `cancelled()` is true (asked every few hundred grades).
    Returns `start` when the cards hold fewer than BATCH scored grades.
    """
    prepared = [
        (elapsed_days(card.ms[:MAX_GRADES]), card.ratings[:MAX_GRADES])
        for card in cards
        if card.ratings
    ]
    scored = sum(1 for days, _ in prepared for i, day in enumerate(days) if i and day > 0)
    if scored < BATCH:
        return start
    grades = sum(len(r) for _, r in prepared)
    adam = _Adam(math.ceil(scored / BATCH) * EPOCHS)
    rng = random.Random(SEED)
    order = list(range(len(prepared)))
    w = list(start)
    best: Parameters | None = None
    best_loss = math.inf
    done = 0
    work = grades * EPOCHS
    for _epoch in range(EPOCHS):
        rng.shuffle(order)
        trainer = _Epoch(w, adam)
        for index in order:
            days, ratings = prepared[index]
            trainer.card(days, ratings)
            done += len(ratings)
            if trainer.since_check >= 500:
                trainer.since_check = 0
                if cancelled is not None and cancelled():
                    raise FitCancelled
                if progress is not None:
                    progress(done / work)
        w = trainer.finish()
        loss = log_loss(tuple(w), cards, MAX_GRADES)
        if loss < best_loss:
            best_loss, best = loss, tuple(w)
    if progress is not None:
        progress(1.0)
    return best if best is not None else start


class _Epoch:
    """One pass over the cards: forward through each card's grades with the current
    parameters, backward through them at the end of the card or of a batch, one Adam step
    per batch of BATCH scored grades (a card cut by a batch goes on from its state, as a
    constant, under the new parameters)."""

    def __init__(self, w: list[float], adam: _Adam) -> None:
        self.adam = adam
        self.grad = [0.0] * COUNT
        self.in_batch = 0
        self.since_check = 0
        self._use(w)

    def _use(self, w: list[float]) -> None:
        self.w = w
        c = w[20]
        self.factor = 0.9 ** (-1 / c) - 1
        self.dfactor = (self.factor + 1) * _LN_09 / (c * c)
        self.e3w5 = math.exp(3 * w[5])
        self.d_easy = w[4] - self.e3w5 + 1
        self.ew8 = math.exp(w[8])
        self.short_forget = math.exp(-w[17] * w[18])

    def finish(self) -> list[float]:
        if self.in_batch:
            self._step()
        return self.w

    def _step(self) -> None:
        self._use(self.adam.step(self.w, self.grad))
        self.grad = [0.0] * COUNT
        self.in_batch = 0

    def card(self, days: list[int], ratings: Sequence[int]) -> None:
        w = self.w
        grad = self.grad
        tape: list[_Step] = []
        s = d = 0.0
        for index, rating in enumerate(ratings):
            self.since_check += 1
            if index == 0:
                s = w[rating - 1]
                ed = math.exp(w[5] * (rating - 1))
                raw = w[4] - ed + 1
                if D_MIN <= raw <= D_MAX:
                    d = raw
                    pd: _Partials = ((4, 1.0), (5, -(rating - 1) * ed))
                else:
                    d = min(max(raw, D_MIN), D_MAX)
                    pd = ()
                tape.append((0.0, 0.0, 0.0, 0.0, ((rating - 1, 1.0),), pd))
                continue
            t = days[index]
            loss_s = 0.0
            if t >= 1:
                c = w[20]
                factor = self.factor
                u = 1 + factor * t / s
                r = u**-c
                dr_ds = r * c * factor * t / (u * s * s)
                dr_dc = r * (-math.log(u) - c * (t / s) * self.dfactor / u)
                passed = 1.0 if rating > 1 else 0.0
                gl = (r - passed) / max(r * (1 - r), _BCE_EPS)
                grad[20] += gl * dr_dc
                loss_s = gl * dr_ds
                self.in_batch += 1
                if rating == 1:
                    a = d ** -w[12]
                    sp1 = s + 1
                    b0 = sp1 ** w[13]
                    e = math.exp((1 - r) * w[14])
                    long_term = w[11] * a * (b0 - 1) * e
                    short_term = s * self.short_forget
                    if short_term < long_term:
                        new_s = short_term
                        ds_ds, ds_dd = self.short_forget, 0.0
                        ps: _Partials = (
                            (17, -w[18] * short_term),
                            (18, -w[17] * short_term),
                        )
                    else:
                        new_s = long_term
                        ds_dr = -w[14] * long_term
                        ds_ds = w[11] * a * e * w[13] * b0 / sp1 + ds_dr * dr_ds
                        ds_dd = -w[12] * long_term / d
                        ps = (
                            (11, a * (b0 - 1) * e),
                            (12, -math.log(d) * long_term),
                            (13, w[11] * a * e * b0 * math.log(sp1)),
                            (14, (1 - r) * long_term),
                            (20, ds_dr * dr_dc),
                        )
                else:
                    hard = w[15] if rating == 2 else 1.0
                    easy = w[16] if rating == 4 else 1.0
                    ee = math.exp((1 - r) * w[10])
                    sw9 = s ** -w[9]
                    base = self.ew8 * (11 - d) * sw9  # the growth without (ee - 1), hard, easy
                    growth = base * (ee - 1) * hard * easy
                    new_s = s * (1 + growth)
                    ds_dr = -s * base * hard * easy * ee * w[10]
                    ds_ds = 1 + growth * (1 - w[9]) + ds_dr * dr_ds
                    ds_dd = -s * self.ew8 * sw9 * (ee - 1) * hard * easy
                    ps = (
                        (8, s * growth),
                        (9, -s * growth * math.log(s)),
                        (10, s * base * hard * easy * ee * (1 - r)),
                        (20, ds_dr * dr_dc),
                    )
                    if rating == 2:
                        ps += ((15, s * base * (ee - 1) * easy),)
                    elif rating == 4:
                        ps += ((16, s * base * (ee - 1) * hard),)
            else:
                grow = math.exp(w[17] * (rating - 3 + w[18])) * s ** -w[19]
                if rating > 1 and grow < 1.0:
                    new_s, ds_ds, ds_dd, ps = s, 1.0, 0.0, ()
                else:
                    new_s = s * grow
                    ds_ds, ds_dd = grow * (1 - w[19]), 0.0
                    ps = (
                        (17, new_s * (rating - 3 + w[18])),
                        (18, new_s * w[17]),
                        (19, -new_s * math.log(s)),
                    )
            if new_s < S_MIN:
                new_s, ds_ds, ds_dd, ps = S_MIN, 0.0, 0.0, ()
            delta = -w[6] * (rating - 3)
            damped = d + (10.0 - d) * delta / 9.0
            raw = w[7] * self.d_easy + (1 - w[7]) * damped
            if D_MIN <= raw <= D_MAX:
                dd_dd = (1 - w[7]) * (1 - delta / 9.0)
                pd = (
                    (4, w[7]),
                    (5, -3 * w[7] * self.e3w5),
                    (6, (1 - w[7]) * (10.0 - d) * (3 - rating) / 9.0),
                    (7, self.d_easy - damped),
                )
                d = raw
            else:
                dd_dd, pd = 0.0, ()
                d = min(max(raw, D_MIN), D_MAX)
            s = new_s
            tape.append((ds_ds, ds_dd, dd_dd, loss_s, ps, pd))
            if self.in_batch == BATCH:
                self._backward(tape)
                tape = []
                self._step()
                w, grad = self.w, self.grad
        self._backward(tape)

    def _backward(self, tape: list[_Step]) -> None:
        """Add the gradient of the losses on `tape` (one card's grades since the card began or
        since the last step) to the batch's, walking the grades backwards."""
        grad = self.grad
        adj_s = adj_d = 0.0
        for ds_ds, ds_dd, dd_dd, loss_s, ps, pd in reversed(tape):
            if adj_s:
                for i, v in ps:
                    grad[i] += adj_s * v
            if adj_d:
                for i, v in pd:
                    grad[i] += adj_d * v
            adj_s, adj_d = adj_s * ds_ds + loss_s, adj_s * ds_dd + adj_d * dd_dd
