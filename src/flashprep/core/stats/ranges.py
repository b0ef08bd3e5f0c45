"""The periods the statistics' review charts cover, apart from the statistics themselves so that
the command line can offer them without loading the statistics code at every start."""

RANGES: dict[str, int | None] = {"month": 30, "3months": 90, "year": 365, "all": None}
"""How many study days (ending today) each range covers; None = the whole history."""
RANGE_LABELS = {"month": "1 month", "3months": "3 months", "year": "1 year", "all": "all time"}
