"""FSRS-6's 21 parameters: the defaults, the bounds each must stay in, and checking a set.

The values are fsrs's own (fsrs.scheduler DEFAULT_PARAMETERS, LOWER_BOUNDS_PARAMETERS,
UPPER_BOUNDS_PARAMETERS; tests/core/scheduling/test_optimizer.py keeps them equal), copied here
so that reading a profile or fitting a user's history does not import fsrs: its Scheduler refuses
a set outside the bounds, so a fit must stay inside them and a profile must be checked against
them before anything is built from it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

Parameters = tuple[float, ...]
"""21 weights, in FSRS-6's order (w0-w3 initial stabilities, ..., w20 the curve's decay)."""

COUNT = 21

DEFAULT_PARAMETERS: Parameters = (
    0.212,
    1.2931,
    2.3065,
    8.2956,
    6.4133,
    0.8334,
    3.0194,
    0.001,
    1.8722,
    0.1666,
    0.796,
    1.4835,
    0.0614,
    0.2629,
    1.6483,
    0.6014,
    1.8729,
    0.5425,
    0.0912,
    0.0658,
    0.1542,
)
"""FSRS-6's defaults (fit to many Anki users; every user starts with them)."""

LOWER: Parameters = (
    0.001,
    0.001,
    0.001,
    0.001,
    1.0,
    0.001,
    0.001,
    0.001,
    0.0,
    0.0,
    0.001,
    0.001,
    0.001,
    0.001,
    0.0,
    0.0,
    1.0,
    0.0,
    0.0,
    0.0,
    0.1,
)
UPPER: Parameters = (
    100.0,
    100.0,
    100.0,
    100.0,
    10.0,
    4.0,
    4.0,
    0.75,
    4.5,
    0.8,
    3.5,
    5.0,
    0.25,
    0.9,
    4.0,
    1.0,
    6.0,
    2.0,
    2.0,
    0.8,
    0.8,
)


def parameters_problem(values: Sequence[float]) -> str | None:
    """Why `values` is not a usable parameter set (one line), or None."""
    if len(values) != COUNT:
        return f"must be {COUNT} numbers (got {len(values)})"
    for index, (value, low, high) in enumerate(zip(values, LOWER, UPPER, strict=True)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"parameter {index} must be a number (got {value!r})"
        if not (math.isfinite(value) and low <= value <= high):
            return f"parameter {index} must be between {low:g} and {high:g} (got {value!r})"
    return None


def clamped(values: Sequence[float]) -> Parameters:
    """Each value moved into its bounds (a fit's step may leave them)."""
    return tuple(min(max(v, lo), hi) for v, lo, hi in zip(values, LOWER, UPPER, strict=True))
