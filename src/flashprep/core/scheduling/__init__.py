"""Scheduling: a card's state and how a grade changes it (FSRS-6 as the `fsrs` library computes
it, written out in `fastreview`, with fuzz seeded from the data so a replay is exact).
Pure: no files, no clock but the one passed in."""
