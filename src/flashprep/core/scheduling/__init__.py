"""Scheduling: a card's state and how a grade changes it (FSRS through the `fsrs` library, with
fuzz seeded from the data so a replay is exact). Pure: no files, no clock but the one passed in."""
