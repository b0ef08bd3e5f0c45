"""A light correction of the model's predicted recall, learned from the user's own grades: one
shift of the log-odds, used by the forecast of recall on the interview date.

FSRS with default parameters can be off for a whole person (someone who forgets more slowly, or
faster, than the average), and a full fit (`optimizer`) needs a thousand reviews, which a user
preparing for a date weeks away may never reach. A single number can be estimated from a few
hundred: the shift `a` of the log-odds that makes the model's predictions at the user's graded
reviews (each scored grade: predicted recall, recalled or not) most likely, with a normal prior
(`PRIOR_SD`) that keeps it near 0 while there are few grades. A prediction `r` becomes
`sigmoid(logit(r) + a)`; 0 and 1 stay as they are. Reviews are never rewritten.

The grades are kept as counts in fixed bins of the log-odds (`ShiftSums`): integers, so a history
scored at once or in parts, in any order, gives the same shift to the last bit (the statistics
score a long history once and then only the grades added since).
"""

from __future__ import annotations

import math

PRIOR_SD = 1.0
"""The prior's spread of the shift, in log-odds: with a hundred grades the data decide, with a
handful the shift stays near 0."""
LOW, HIGH, WIDTH = -8.0, 8.0, 0.25
"""The bins of the predictions' log-odds (outside: the first or last bin)."""
BINS = int((HIGH - LOW) / WIDTH)
MAX_STEPS = 50


def logit(recall: float) -> float:
    """The log-odds of a recall strictly between 0 and 1."""
    return math.log(recall / (1 - recall))


def shifted(recall: float, shift: float) -> float:
    """`recall` moved by `shift` in log-odds (0 and 1 are certain and stay)."""
    if shift == 0.0 or recall <= 0.0 or recall >= 1.0:
        return recall
    return 1 / (1 + math.exp(-(logit(recall) + shift)))


class ShiftSums:
    """Scored grades by bin of predicted log-odds: [grades, recalled] per bin."""

    __slots__ = ("bins",)

    def __init__(self) -> None:
        self.bins = [[0, 0] for _ in range(BINS)]

    def add(self, recall: float, passed: bool) -> None:
        if recall <= 0.0:
            at = 0
        elif recall >= 1.0:
            at = BINS - 1
        else:
            at = min(BINS - 1, max(0, int((logit(recall) - LOW) / WIDTH)))
        bucket = self.bins[at]
        bucket[0] += 1
        bucket[1] += passed

    def merge(self, other: ShiftSums) -> None:
        for mine, theirs in zip(self.bins, other.bins, strict=True):
            mine[0] += theirs[0]
            mine[1] += theirs[1]

    @property
    def count(self) -> int:
        return sum(n for n, _ in self.bins)

    def to_list(self) -> list[list[int]]:
        return [list(b) for b in self.bins]

    @classmethod
    def from_list(cls, raw: object) -> ShiftSums:
        """The sums `to_list` gave (ValueError if they are not that)."""
        if not (
            isinstance(raw, list)
            and len(raw) == BINS
            and all(
                isinstance(b, list)
                and len(b) == 2
                and all(isinstance(v, int) and v >= 0 for v in b)
                and b[1] <= b[0]
                for b in raw
            )
        ):
            raise ValueError("not shift sums")
        out = cls()
        out.bins = [list(b) for b in raw]
        return out

    def fit(self, prior_sd: float = PRIOR_SD) -> float:
        """The most likely shift under the prior (0 without grades), by Newton's method: the
        log-posterior is concave in the shift, so it converges from 0 in a few steps."""
        centres = [LOW + WIDTH * (i + 0.5) for i in range(BINS)]
        used = [(x, n, k) for x, (n, k) in zip(centres, self.bins, strict=True) if n]
        if not used:
            return 0.0
        precision = 1 / prior_sd**2
        a = 0.0
        for _ in range(MAX_STEPS):
            grad = -a * precision
            curve = precision
            for x, n, k in used:
                q = 1 / (1 + math.exp(-(x + a)))
                grad += k - n * q
                curve += n * q * (1 - q)
            step = grad / curve
            a += step
            if abs(step) < 1e-12:
                break
        return a
